package scim

import (
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// memberDelta is what a PATCH does to named members, in order: the last
// operation naming a member decides whether it ends up in or out.
type memberDelta struct {
	order []string
	in    map[string]bool
}

func (d *memberDelta) set(id string, in bool) {
	if d.in == nil {
		d.in = map[string]bool{}
	}
	if _, ok := d.in[id]; !ok {
		d.order = append(d.order, id)
	}
	d.in[id] = in
}

func (d memberDelta) split() (add, remove []string) {
	for _, id := range d.order {
		if d.in[id] {
			add = append(add, id)
		} else {
			remove = append(remove, id)
		}
	}
	return add, remove
}

// planMembers splits a group PATCH into operations on the document
// (everything but members) and a delta of named members. full is true
// when an operation needs the whole member list: replace of members,
// remove of every member, or a filter other than value eq "id"
// (RFC 7644 §3.5.2). Then the caller applies every operation to the
// document with its members instead.
func planMembers(ops []patchOp) (docOps []patchOp, d memberDelta, full bool, err error) {
	for _, op := range ops {
		if op.Path == nil {
			m, ok := op.Value.(map[string]any)
			if !ok {
				docOps = append(docOps, op)
				continue
			}
			key, v, has := findFold(m, "members")
			if !has {
				docOps = append(docOps, op)
				continue
			}
			if op.Op != "add" {
				return nil, memberDelta{}, true, nil
			}
			if err := addValues(&d, v, true); err != nil {
				return nil, memberDelta{}, false, err
			}
			rest := make(map[string]any, len(m))
			for k, x := range m {
				if k != key {
					rest[k] = x
				}
			}
			if len(rest) > 0 {
				docOps = append(docOps, patchOp{Op: op.Op, Value: rest})
			}
			continue
		}
		p := op.Path
		if !strings.EqualFold(p.AttributePath.AttributeName, "members") || p.AttributePath.URI() != "" && !strings.EqualFold(p.AttributePath.URI(), GroupSchema) {
			docOps = append(docOps, op)
			continue
		}
		if p.AttributePath.SubAttributeName() != "" || p.SubAttributeName() != "" {
			return nil, memberDelta{}, true, nil
		}
		switch {
		case op.Op == "add" && p.ValueExpression == nil:
			if err := addValues(&d, op.Value, true); err != nil {
				return nil, memberDelta{}, false, err
			}
		case op.Op == "remove" && p.ValueExpression == nil && op.Value != nil:
			// Entra: {"op":"Remove","path":"members","value":[{"value":"id"}]}.
			if err := addValues(&d, op.Value, false); err != nil {
				return nil, memberDelta{}, false, err
			}
		case op.Op == "remove" && p.ValueExpression != nil:
			id, ok := valueEq(p.ValueExpression)
			if !ok {
				return nil, memberDelta{}, true, nil
			}
			d.set(id, false)
		default:
			return nil, memberDelta{}, true, nil
		}
	}
	return docOps, d, false, nil
}

// addValues records every {"value": id} of v as in or out.
func addValues(d *memberDelta, v any, in bool) error {
	for _, m := range asSlice(v) {
		mm, ok := m.(map[string]any)
		if !ok {
			return invalidValue("members must be objects with a value")
		}
		id := str(mm, "value")
		if id == "" {
			return invalidValue("a member has no value (the user id)")
		}
		d.set(id, in)
	}
	return nil
}

// valueEq recognises the filter value eq "id".
func valueEq(e filter.Expression) (string, bool) {
	ae, ok := e.(*filter.AttributeExpression)
	if !ok || !strings.EqualFold(ae.AttributePath.AttributeName, "value") || ae.AttributePath.SubAttribute != nil ||
		!strings.EqualFold(string(ae.Operator), string(filter.EQ)) {
		return "", false
	}
	id, ok := ae.CompareValue.(string)
	return id, ok && id != ""
}

package scim

import (
	"fmt"
	"strings"

	"github.com/elimity-com/scim/errors"
	filter "github.com/scim2/filter-parser/v2"
)

// patchOp is one PATCH operation as the library parsed and sanitised it.
type patchOp struct {
	Op    string // add | replace | remove (lower case)
	Path  *filter.Path
	Value any
}

func patchErr(typ errors.ScimType, format string, args ...any) error {
	return errors.ScimError{ScimType: typ, Status: 400, Detail: fmt.Sprintf(format, args...)}
}

// applyPatch applies ops in order to a copy of doc, following RFC 7644
// §3.5.2: it returns the new document or the first error, in which case
// nothing of the request applies (the caller writes only a full result).
// Keys of doc are the schema's canonical attribute names.
func applyPatch(idx schemaIndex, doc map[string]any, ops []patchOp) (map[string]any, error) {
	out := deepCopy(doc).(map[string]any)
	for i, op := range ops {
		if err := applyOne(idx, out, op); err != nil {
			var se errors.ScimError
			if ok := asScimError(err, &se); ok {
				se.Detail = fmt.Sprintf("operation %d (%s): %s", i+1, op.Op, se.Detail)
				return nil, se
			}
			return nil, err
		}
	}
	return out, nil
}

func asScimError(err error, target *errors.ScimError) bool {
	se, ok := err.(errors.ScimError)
	if ok {
		*target = se
	}
	return ok
}

func applyOne(idx schemaIndex, doc map[string]any, op patchOp) error {
	switch op.Op {
	case "add", "replace", "remove":
	default:
		return patchErr(errors.ScimTypeInvalidSyntax, "unknown op %q (want add, replace or remove)", op.Op)
	}
	if op.Path == nil {
		if op.Op == "remove" {
			return patchErr(errors.ScimTypeNoTarget, "remove needs a path")
		}
		m, ok := op.Value.(map[string]any)
		if !ok {
			return patchErr(errors.ScimTypeInvalidValue, "an operation without a path needs an object value")
		}
		for _, k := range sortedKeys(m) {
			v := m[k]
			if urn, rest := idx.splitURN(k); urn != "" && rest == "" {
				ext, ok := v.(map[string]any)
				if !ok {
					return patchErr(errors.ScimTypeInvalidValue, "%s must be an object", urn)
				}
				for _, sk := range sortedKeys(ext) {
					if err := setAttr(idx, doc, op.Op, urn, sk, "", ext[sk]); err != nil {
						return err
					}
				}
				continue
			}
			if err := setAttr(idx, doc, op.Op, "", k, "", v); err != nil {
				return err
			}
		}
		return nil
	}
	p := op.Path
	urn, name := p.AttributePath.URI(), p.AttributePath.AttributeName
	sub := p.AttributePath.SubAttributeName()
	if p.ValueExpression == nil {
		if op.Op == "remove" {
			return removeAttr(idx, doc, urn, name, sub, op.Value)
		}
		return setAttr(idx, doc, op.Op, urn, name, sub, op.Value)
	}
	return applyFiltered(idx, doc, op, urn, name, p.ValueExpression, p.SubAttributeName())
}

// container returns the object holding attribute a: the document, or the
// extension object (created for add and replace).
func container(doc map[string]any, urn string, create bool) map[string]any {
	if urn == "" {
		return doc
	}
	if m, ok := doc[urn].(map[string]any); ok {
		return m
	}
	if !create {
		return nil
	}
	m := map[string]any{}
	doc[urn] = m
	return m
}

func resolve(idx schemaIndex, urn, name string) (attrInfo, string, error) {
	a, curn, ok := idx.lookup(urn, name)
	if !ok {
		if urn != "" {
			name = urn + ":" + name
		}
		return attrInfo{}, "", patchErr(errors.ScimTypeInvalidPath, "unknown attribute %q", name)
	}
	if a.readOnly || (urn == "" && (a.name == "id" || a.name == "meta")) {
		return attrInfo{}, "", patchErr(errors.ScimTypeMutability, "%s is read-only", a.name)
	}
	return a, curn, nil
}

// setAttr is add or replace of attribute name (optionally its sub-attribute)
// without a value filter.
func setAttr(idx schemaIndex, doc map[string]any, op, urn, name, sub string, v any) error {
	if urn == "" {
		// A path-less key may itself be a path: "name.givenName".
		if head, tail, ok := strings.Cut(name, "."); ok && sub == "" {
			name, sub = head, tail
		}
	}
	a, urn, err := resolve(idx, urn, name)
	if err != nil {
		return err
	}
	c := container(doc, urn, true)
	if sub != "" {
		s, ok := a.sub[strings.ToLower(sub)]
		if !ok {
			return patchErr(errors.ScimTypeInvalidPath, "%s has no sub-attribute %q", a.name, sub)
		}
		if a.multi { // emails.value without a filter: every element
			for _, e := range asSlice(c[a.name]) {
				if m, ok := e.(map[string]any); ok {
					m[s.name] = v
				}
			}
			return nil
		}
		parent, _ := c[a.name].(map[string]any)
		if parent == nil {
			parent = map[string]any{}
			c[a.name] = parent
		}
		if isEmpty(v) {
			delete(parent, s.name)
			return nil
		}
		parent[s.name] = v
		return nil
	}
	if op == "add" && a.multi && isEmpty(v) {
		// An add of no values adds nothing and removes nothing (RFC 7644
		// §3.5.2.1); only replace or remove clears a multi-valued one.
		return nil
	}
	if isEmpty(v) {
		delete(c, a.name)
		return nil
	}
	switch {
	case a.multi:
		vals := asSlice(v)
		if op == "replace" {
			c[a.name] = dedupe(a.name, nil, vals)
			return nil
		}
		c[a.name] = dedupe(a.name, asSlice(c[a.name]), vals)
	case a.typ == "complex":
		m, ok := v.(map[string]any)
		if !ok {
			return patchErr(errors.ScimTypeInvalidValue, "%s must be an object", a.name)
		}
		cur, _ := c[a.name].(map[string]any)
		if cur == nil {
			cur = map[string]any{}
		}
		for k, sv := range m { // sub-attributes not given stay (§3.5.2.3)
			if isEmpty(sv) {
				delete(cur, k)
				continue
			}
			cur[k] = sv
		}
		c[a.name] = cur
	default:
		c[a.name] = v
	}
	return nil
}

func removeAttr(idx schemaIndex, doc map[string]any, urn, name, sub string, v any) error {
	a, urn, err := resolve(idx, urn, name)
	if err != nil {
		return err
	}
	c := container(doc, urn, false)
	if c == nil {
		return nil
	}
	if sub != "" {
		if a.multi {
			for _, e := range asSlice(c[a.name]) {
				if m, ok := e.(map[string]any); ok {
					deleteFold(m, sub)
				}
			}
			return nil
		}
		if m, ok := c[a.name].(map[string]any); ok {
			deleteFold(m, sub)
		}
		return nil
	}
	if a.multi && v != nil {
		// Entra removes members by value: {"op":"Remove","path":"members",
		// "value":[{"value":"id"}]}: remove just those elements.
		drop := asSlice(v)
		var keep []any
		for _, e := range asSlice(c[a.name]) {
			if !containsElem(a.name, drop, e) {
				keep = append(keep, e)
			}
		}
		if len(keep) == 0 {
			delete(c, a.name)
		} else {
			c[a.name] = keep
		}
		return nil
	}
	delete(c, a.name)
	if urn != "" && len(c) == 0 {
		delete(doc, urn)
	}
	return nil
}

// applyFiltered handles paths with a value filter: emails[type eq "work"]
// and emails[type eq "work"].value.
func applyFiltered(idx schemaIndex, doc map[string]any, op patchOp, urn, name string, expr filter.Expression, sub string) error {
	a, urn, err := resolve(idx, urn, name)
	if err != nil {
		return err
	}
	if !a.multi {
		return patchErr(errors.ScimTypeInvalidPath, "%s is not multi-valued: a value filter does not apply", a.name)
	}
	var subName string
	if sub != "" {
		s, ok := a.sub[strings.ToLower(sub)]
		if !ok {
			return patchErr(errors.ScimTypeInvalidPath, "%s has no sub-attribute %q", a.name, sub)
		}
		subName = s.name
	}
	c := container(doc, urn, op.Op != "remove")
	if c == nil {
		return nil
	}
	elems := asSlice(c[a.name])
	var matched []int
	for i, e := range elems {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		hit, err := matchElem(a, expr, m)
		if err != nil {
			return err
		}
		if hit {
			matched = append(matched, i)
		}
	}
	if op.Op == "remove" {
		if subName != "" {
			for _, i := range matched {
				delete(elems[i].(map[string]any), subName)
			}
			return nil
		}
		var keep []any
		for i, e := range elems {
			if !containsInt(matched, i) {
				keep = append(keep, e)
			}
		}
		if len(keep) == 0 {
			delete(c, a.name)
		} else {
			c[a.name] = keep
		}
		return nil
	}
	if len(matched) == 0 {
		// Nothing matches: add an element the filter describes (how Entra
		// creates emails[type eq "work"].value), when the filter says
		// exactly what it would hold.
		seed, ok := eqSeed(a, expr)
		if !ok {
			return patchErr(errors.ScimTypeNoTarget, "no %s element matches %s", a.name, expr)
		}
		if subName != "" {
			if isEmpty(op.Value) {
				return nil
			}
			seed[subName] = op.Value
		} else if m, ok := op.Value.(map[string]any); ok {
			for k, v := range m {
				seed[k] = v
			}
		}
		c[a.name] = append(elems, seed)
		return nil
	}
	for _, i := range matched {
		m := elems[i].(map[string]any)
		switch {
		case subName != "" && isEmpty(op.Value):
			delete(m, subName)
		case subName != "":
			m[subName] = op.Value
		default:
			v, ok := op.Value.(map[string]any)
			if !ok {
				return patchErr(errors.ScimTypeInvalidValue, "%s elements are objects", a.name)
			}
			if op.Op == "replace" {
				for k := range m {
					delete(m, k)
				}
			}
			for k, sv := range v {
				m[k] = sv
			}
		}
	}
	c[a.name] = elems
	return nil
}

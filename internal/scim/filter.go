package scim

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/elimity-com/scim/errors"
	filter "github.com/scim2/filter-parser/v2"

	"github.com/syncd-dev/syncd/internal/store"
)

// valuePathCompare matches the form Entra sends, which RFC 7644's grammar
// (and so the parser) does not accept: emails[type eq "work"].value eq "x".
var valuePathCompare = regexp.MustCompile(
	`([A-Za-z][\w$-]*)\[([^\[\]]*)\]\.([A-Za-z][\w$-]*)\s+(?i:(eq|ne|co|sw|ew|gt|ge|lt|le)\s+("(?:[^"\\]|\\.)*"|[^\s()\]]+)|(pr))`)

// rewriteFilter turns attr[f].sub op v into the equivalent value path
// attr[f and sub op v] before parsing (RFC 7644 §3.4.2.2 value filters).
func rewriteFilter(s string) string {
	return valuePathCompare.ReplaceAllStringFunc(s, func(m string) string {
		g := valuePathCompare.FindStringSubmatch(m)
		inner := g[2]
		if strings.Contains(strings.ToLower(inner), " or ") {
			inner = "(" + inner + ")"
		}
		cmp := g[4] + " " + g[5]
		if g[6] != "" {
			cmp = "pr"
		}
		return g[1] + "[" + inner + " and " + g[3] + " " + cmp + "]"
	})
}

// filterConverter maps a parsed SCIM filter onto a store.Filter over the
// documents syncd keeps, using the resource type's schema for canonical
// names, case sensitivity and multi-valuedness.
type filterConverter struct {
	idx    schemaIndex
	groups bool // members is a membership, not a document attribute
}

// maxFilterNodes bounds the work one filter can cause.
const maxFilterNodes = 64

func (c filterConverter) convert(e filter.Expression) (store.Filter, error) {
	n := 0
	return c.expr(e, &n)
}

func badFilter(format string, args ...any) error {
	return errors.ScimError{ScimType: errors.ScimTypeInvalidFilter, Status: 400, Detail: fmt.Sprintf(format, args...)}
}

func (c filterConverter) expr(e filter.Expression, n *int) (store.Filter, error) {
	*n++
	if *n > maxFilterNodes {
		return store.Filter{}, badFilter("filter has more than %d terms", maxFilterNodes)
	}
	switch e := e.(type) {
	case *filter.LogicalExpression:
		l, err := c.expr(e.Left, n)
		if err != nil {
			return store.Filter{}, err
		}
		r, err := c.expr(e.Right, n)
		if err != nil {
			return store.Filter{}, err
		}
		op := store.FilterAnd
		if strings.EqualFold(string(e.Operator), "or") {
			op = store.FilterOr
		}
		return store.Filter{Op: op, Children: []store.Filter{l, r}}, nil
	case *filter.NotExpression:
		in, err := c.expr(e.Expression, n)
		if err != nil {
			return store.Filter{}, err
		}
		return store.Filter{Op: store.FilterNot, Children: []store.Filter{in}}, nil
	case *filter.AttributeExpression:
		return c.attrExpr(*e)
	case *filter.ValuePath:
		return c.valuePath(*e, n)
	}
	return store.Filter{}, badFilter("unsupported filter expression %T", e)
}

func (c filterConverter) valuePath(vp filter.ValuePath, n *int) (store.Filter, error) {
	if vp.AttributePath.SubAttribute != nil {
		return store.Filter{}, badFilter("%s: a value filter applies to a whole attribute", vp.AttributePath)
	}
	a, urn, ok := c.idx.lookup(vp.AttributePath.URI(), vp.AttributePath.AttributeName)
	if !ok {
		return store.Filter{}, badFilter("unknown attribute %q", vp.AttributePath.String())
	}
	if c.groups && a.name == "members" {
		// members[value eq "id"] is the only membership filter.
		ae, ok := vp.ValueFilter.(*filter.AttributeExpression)
		if !ok || !strings.EqualFold(ae.AttributePath.AttributeName, "value") || ae.Operator != filter.EQ {
			return store.Filter{}, badFilter(`members can only be filtered as members[value eq "id"]`)
		}
		return c.member(ae.CompareValue)
	}
	if !a.multi {
		return store.Filter{}, badFilter("%s is not multi-valued", a.name)
	}
	inner, err := c.elemExpr(a, vp.ValueFilter, n)
	if err != nil {
		return store.Filter{}, err
	}
	return store.Filter{Op: store.FilterAny, Path: docPath(urn, a.name), Children: []store.Filter{inner}}, nil
}

// elemExpr converts a value filter, whose attribute names are sub-attributes
// of the multi-valued attribute a.
func (c filterConverter) elemExpr(a attrInfo, e filter.Expression, n *int) (store.Filter, error) {
	*n++
	if *n > maxFilterNodes {
		return store.Filter{}, badFilter("filter has more than %d terms", maxFilterNodes)
	}
	switch e := e.(type) {
	case *filter.LogicalExpression:
		l, err := c.elemExpr(a, e.Left, n)
		if err != nil {
			return store.Filter{}, err
		}
		r, err := c.elemExpr(a, e.Right, n)
		if err != nil {
			return store.Filter{}, err
		}
		op := store.FilterAnd
		if strings.EqualFold(string(e.Operator), "or") {
			op = store.FilterOr
		}
		return store.Filter{Op: op, Children: []store.Filter{l, r}}, nil
	case *filter.NotExpression:
		in, err := c.elemExpr(a, e.Expression, n)
		if err != nil {
			return store.Filter{}, err
		}
		return store.Filter{Op: store.FilterNot, Children: []store.Filter{in}}, nil
	case *filter.AttributeExpression:
		name := e.AttributePath.AttributeName
		if e.AttributePath.SubAttribute != nil {
			return store.Filter{}, badFilter("%s: too deep inside a value filter", e.AttributePath)
		}
		if a.sub == nil {
			if !strings.EqualFold(name, "value") {
				return store.Filter{}, badFilter("%s has no sub-attribute %q", a.name, name)
			}
			return c.compare(nil, a, e.Operator, e.CompareValue)
		}
		sub, ok := a.sub[strings.ToLower(name)]
		if !ok {
			return store.Filter{}, badFilter("%s has no sub-attribute %q", a.name, name)
		}
		return c.compare([]string{sub.name}, sub, e.Operator, e.CompareValue)
	}
	return store.Filter{}, badFilter("unsupported expression inside a value filter")
}

func (c filterConverter) member(v any) (store.Filter, error) {
	s, ok := v.(string)
	if !ok {
		return store.Filter{}, badFilter("members are compared with a string id")
	}
	return store.Filter{Op: store.FilterEq, Field: store.FieldMember, Value: s}, nil
}

func (c filterConverter) attrExpr(e filter.AttributeExpression) (store.Filter, error) {
	p := e.AttributePath
	name := p.AttributeName
	switch {
	case p.URI() == "" && strings.EqualFold(name, "id"):
		return c.compareField(store.FieldID, e)
	case p.URI() == "" && strings.EqualFold(name, "meta"):
		switch strings.ToLower(p.SubAttributeName()) {
		case "lastmodified":
			return c.compareField(store.FieldModified, e)
		case "created":
			return c.compareField(store.FieldCreated, e)
		}
		return store.Filter{}, badFilter("meta.%s cannot be filtered on", p.SubAttributeName())
	case strings.EqualFold(p.URI(), SyncdSchema):
		return store.Filter{}, badFilter("the syncd extension cannot be filtered on")
	}
	a, urn, ok := c.idx.lookup(p.URI(), name)
	if !ok {
		return store.Filter{}, badFilter("unknown attribute %q", p.String())
	}
	if c.groups && a.name == "members" {
		if sub := p.SubAttributeName(); sub != "" && !strings.EqualFold(sub, "value") || e.Operator != filter.EQ {
			return store.Filter{}, badFilter(`members can only be filtered as members.value eq "id"`)
		}
		return c.member(e.CompareValue)
	}
	if p.SubAttribute == nil {
		if a.multi {
			// "emails eq x" compares the elements' value (RFC 7644 §3.4.2.2).
			var in store.Filter
			var err error
			if a.sub != nil {
				sub, ok := a.sub["value"]
				if !ok {
					return store.Filter{}, badFilter("%s has no value to compare", a.name)
				}
				in, err = c.compare([]string{sub.name}, sub, e.Operator, e.CompareValue)
			} else {
				in, err = c.compare(nil, a, e.Operator, e.CompareValue)
			}
			if err != nil {
				return store.Filter{}, err
			}
			return store.Filter{Op: store.FilterAny, Path: docPath(urn, a.name), Children: []store.Filter{in}}, nil
		}
		if a.typ == "complex" && e.Operator != filter.PR {
			return store.Filter{}, badFilter("%s is complex: compare one of its sub-attributes", a.name)
		}
		return c.compare(docPath(urn, a.name), a, e.Operator, e.CompareValue)
	}
	sub, ok := a.sub[strings.ToLower(*p.SubAttribute)]
	if !ok {
		return store.Filter{}, badFilter("%s has no sub-attribute %q", a.name, *p.SubAttribute)
	}
	if a.multi {
		in, err := c.compare([]string{sub.name}, sub, e.Operator, e.CompareValue)
		if err != nil {
			return store.Filter{}, err
		}
		return store.Filter{Op: store.FilterAny, Path: docPath(urn, a.name), Children: []store.Filter{in}}, nil
	}
	return c.compare(append(docPath(urn, a.name), sub.name), sub, e.Operator, e.CompareValue)
}

func docPath(urn, name string) []string {
	if urn == "" {
		return []string{name}
	}
	return []string{urn, name}
}

func (c filterConverter) compareField(field store.FilterField, e filter.AttributeExpression) (store.Filter, error) {
	f := store.Filter{Op: store.FilterOp(strings.ToLower(string(e.Operator))), Field: field, CaseExact: true}
	if f.Op == store.FilterPr {
		return f, nil
	}
	s, ok := e.CompareValue.(string)
	if !ok {
		return store.Filter{}, badFilter("%s is compared with a string", e.AttributePath)
	}
	if field == store.FieldID {
		f.Value = s
		return f, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return store.Filter{}, badFilter("%s: %q is not an RFC 3339 date-time", e.AttributePath, s)
	}
	switch f.Op {
	case store.FilterEq, store.FilterNe, store.FilterGt, store.FilterGe, store.FilterLt, store.FilterLe:
	default:
		return store.Filter{}, badFilter("%s cannot be compared with %s", e.AttributePath, f.Op)
	}
	f.Value = t
	return f, nil
}

// compare builds one comparison, checking the value against the attribute
// type (RFC 7644 §3.4.2.2: gt and friends do not apply to booleans).
func (c filterConverter) compare(path []string, a attrInfo, op filter.CompareOperator, v any) (store.Filter, error) {
	f := store.Filter{Op: store.FilterOp(strings.ToLower(string(op))), Path: path, CaseExact: a.caseExact}
	if f.Op == store.FilterPr {
		return f, nil
	}
	switch a.typ {
	case "boolean":
		b, ok := v.(bool)
		if !ok {
			return store.Filter{}, badFilter("%s is a boolean: compare with true or false", a.name)
		}
		if f.Op != store.FilterEq && f.Op != store.FilterNe {
			return store.Filter{}, badFilter("%s is a boolean: only eq and ne apply", a.name)
		}
		f.Value = b
	case "integer", "decimal":
		switch n := v.(type) {
		case int:
			f.Value = float64(n)
		case float64:
			f.Value = n
		default:
			return store.Filter{}, badFilter("%s is a number", a.name)
		}
		if f.Op == store.FilterCo || f.Op == store.FilterSw || f.Op == store.FilterEw {
			return store.Filter{}, badFilter("%s is a number: %s does not apply", a.name, f.Op)
		}
	case "complex":
		return store.Filter{}, badFilter("%s is complex: compare one of its sub-attributes", a.name)
	default:
		s, ok := v.(string)
		if !ok {
			return store.Filter{}, badFilter("%s is compared with a string", a.name)
		}
		f.Value = s
	}
	return f, nil
}

package scim

import (
	"fmt"
	"strings"

	"github.com/elimity-com/scim/errors"
	filter "github.com/scim2/filter-parser/v2"
)

// matchElem evaluates a value filter against one element, in memory: the
// element is already loaded for the PATCH being applied.
func matchElem(a attrInfo, e filter.Expression, m map[string]any) (bool, error) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		l, err := matchElem(a, e.Left, m)
		if err != nil {
			return false, err
		}
		r, err := matchElem(a, e.Right, m)
		if err != nil {
			return false, err
		}
		if strings.EqualFold(string(e.Operator), "or") {
			return l || r, nil
		}
		return l && r, nil
	case *filter.NotExpression:
		v, err := matchElem(a, e.Expression, m)
		return !v, err
	case *filter.AttributeExpression:
		name := e.AttributePath.AttributeName
		caseExact := false
		if s, ok := a.sub[strings.ToLower(name)]; ok {
			name, caseExact = s.name, s.caseExact
		} else if a.sub != nil || !strings.EqualFold(name, "value") {
			return false, patchErr(errors.ScimTypeInvalidFilter, "%s has no sub-attribute %q", a.name, name)
		}
		return compareValue(getFold(m, name), string(e.Operator), e.CompareValue, caseExact), nil
	}
	return false, patchErr(errors.ScimTypeInvalidFilter, "unsupported value filter")
}

func compareValue(have any, op string, want any, caseExact bool) bool {
	op = strings.ToLower(op)
	if op == "pr" {
		return !isEmpty(have)
	}
	if have == nil {
		return op == "ne"
	}
	hs, hok := have.(string)
	ws, wok := want.(string)
	if hok && wok {
		if !caseExact {
			hs, ws = strings.ToLower(hs), strings.ToLower(ws)
		}
		switch op {
		case "eq":
			return hs == ws
		case "ne":
			return hs != ws
		case "co":
			return strings.Contains(hs, ws)
		case "sw":
			return strings.HasPrefix(hs, ws)
		case "ew":
			return strings.HasSuffix(hs, ws)
		case "gt":
			return hs > ws
		case "ge":
			return hs >= ws
		case "lt":
			return hs < ws
		case "le":
			return hs <= ws
		}
		return false
	}
	eq := fmt.Sprint(have) == fmt.Sprint(want)
	switch op {
	case "eq":
		return eq
	case "ne":
		return !eq
	}
	return false
}

// eqSeed returns the element an and-conjunction of eq comparisons
// describes, e.g. {type: work} for type eq "work".
func eqSeed(a attrInfo, e filter.Expression) (map[string]any, bool) {
	switch e := e.(type) {
	case *filter.AttributeExpression:
		if e.Operator != filter.EQ || e.AttributePath.SubAttribute != nil {
			return nil, false
		}
		name := e.AttributePath.AttributeName
		if s, ok := a.sub[strings.ToLower(name)]; ok {
			name = s.name
		}
		return map[string]any{name: e.CompareValue}, true
	case *filter.LogicalExpression:
		if !strings.EqualFold(string(e.Operator), "and") {
			return nil, false
		}
		l, ok := eqSeed(a, e.Left)
		if !ok {
			return nil, false
		}
		r, ok := eqSeed(a, e.Right)
		if !ok {
			return nil, false
		}
		for k, v := range r {
			l[k] = v
		}
		return l, true
	}
	return nil, false
}

package scim

import (
	"encoding/json"
	"fmt"
	"strings"

	scimerr "github.com/elimity-com/scim/errors"
	filter "github.com/scim2/filter-parser/v2"
)

// The library validates bodies against the schema but answers every
// problem with the same generic detail; these checks run first so the
// client learns which attribute is wrong and why (RFC 7644 §3.12).

// checkResource checks the types of the attributes a POST or PUT body
// carries and that the required one is there.
func checkResource(idx schemaIndex, body map[string]any, required string) error {
	if v, ok := findFoldValue(body, required); !ok || v == nil {
		return invalidValue("%s is required", required)
	}
	for k, v := range body {
		if urn, rest := idx.splitURN(k); urn != "" && rest == "" {
			ext, ok := v.(map[string]any)
			if !ok {
				return invalidValue("%s must be an object, got %s", urn, kindOf(v))
			}
			for ek, ev := range ext {
				if a, _, ok := idx.lookup(urn, ek); ok {
					if err := checkValue(urn+":"+a.name, a, ev); err != nil {
						return err
					}
				}
			}
			continue
		}
		a, _, ok := idx.lookup("", k)
		if !ok || a.readOnly || strings.EqualFold(k, "id") || strings.EqualFold(k, "meta") {
			continue // unknown and read-only attributes are ignored
		}
		if err := checkValue(a.name, a, v); err != nil {
			return err
		}
	}
	return nil
}

func findFoldValue(m map[string]any, k string) (any, bool) {
	_, v, ok := findFold(m, k)
	return v, ok
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64, int, int64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// checkValue checks one value against its attribute.
func checkValue(name string, a attrInfo, v any) error {
	if v == nil {
		return nil
	}
	if a.multi {
		list, ok := v.([]any)
		if !ok {
			return invalidValue("%s is multi-valued: it must be an array, got %s", name, kindOf(v))
		}
		single := a
		single.multi = false
		for i, e := range list {
			if err := checkValue(fmt.Sprintf("%s[%d]", name, i), single, e); err != nil {
				return err
			}
		}
		return nil
	}
	switch a.typ {
	case "complex":
		m, ok := v.(map[string]any)
		if !ok {
			return invalidValue("%s must be an object, got %s", name, kindOf(v))
		}
		for k, sv := range m {
			if s, ok := a.sub[strings.ToLower(k)]; ok {
				if err := checkValue(name+"."+s.name, s, sv); err != nil {
					return err
				}
			}
		}
	case "boolean":
		switch b := v.(type) {
		case bool:
		case string:
			if !strings.EqualFold(b, "true") && !strings.EqualFold(b, "false") {
				return invalidValue("%s must be a boolean, got the string %q", name, b)
			}
		default:
			return invalidValue("%s must be a boolean, got %s", name, kindOf(v))
		}
	case "string", "reference", "dateTime", "binary":
		if _, ok := v.(string); !ok {
			return invalidValue("%s must be a string, got %s", name, kindOf(v))
		}
	case "integer", "decimal":
		switch v.(type) {
		case json.Number, float64, string:
		default:
			return invalidValue("%s must be a number, got %s", name, kindOf(v))
		}
	}
	return nil
}

// checkPath checks a PATCH path parses and names a known attribute.
func checkPath(idx schemaIndex, path string) error {
	p, err := filter.ParsePath([]byte(path))
	if err != nil {
		return scimerr.ScimError{ScimType: scimerr.ScimTypeInvalidPath, Status: 400, Detail: fmt.Sprintf("path %q does not parse", path)}
	}
	a, _, ok := idx.lookup(p.AttributePath.URI(), p.AttributePath.AttributeName)
	if !ok {
		return scimerr.ScimError{ScimType: scimerr.ScimTypeInvalidPath, Status: 400, Detail: fmt.Sprintf("path %q: unknown attribute", path)}
	}
	sub := p.AttributePath.SubAttributeName()
	if p.SubAttribute != nil {
		sub = *p.SubAttribute
	}
	if sub != "" && a.sub != nil {
		if _, ok := a.sub[strings.ToLower(sub)]; !ok {
			return scimerr.ScimError{ScimType: scimerr.ScimTypeInvalidPath, Status: 400, Detail: fmt.Sprintf("path %q: %s has no sub-attribute %q", path, a.name, sub)}
		}
	}
	if a.readOnly {
		return scimerr.ScimError{ScimType: scimerr.ScimTypeMutability, Status: 400, Detail: fmt.Sprintf("path %q: %s is read-only", path, a.name)}
	}
	return nil
}

package scim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	scimerr "github.com/elimity-com/scim/errors"
)

// rewriteRequest turns requests real IdPs send, which RFC 7644 (and so the
// library) rejects or misreads, into their standard equivalents:
//
//   - filters of the form emails[type eq "work"].value eq "x" (Entra);
//   - the enterprise manager given as a plain string, or by path "manager"
//     with an array of {value} (Entra, both modes);
//   - add/replace with "value": null or "" meaning remove (Entra);
//   - path-less add/replace whose keys are paths, e.g. "name.givenName" or
//     "urn:...:enterprise:2.0:User:employeeNumber" (Entra).
//
// Bodies are decoded once here, so malformed JSON is reported precisely.
func (s *Server) rewriteRequest(r *http.Request) error {
	if f := r.URL.Query().Get("filter"); f != "" {
		q := r.URL.Query()
		q.Set("filter", rewriteFilter(f))
		r.URL.RawQuery = q.Encode()
	}
	if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
		return nil
	}
	if r.Body == nil {
		return invalidSyntax("empty request body")
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	idx, required := s.users, "userName"
	if strings.Contains(r.URL.Path, "/Groups") {
		idx, required = s.groups, "displayName"
	}
	var out []byte
	if out, err = s.rewriteBody(r.Method, raw, idx, required); err != nil {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(out))
	r.ContentLength = int64(len(out))
	return nil
}

func invalidSyntax(format string, args ...any) error {
	return scimerr.ScimError{ScimType: scimerr.ScimTypeInvalidSyntax, Status: 400, Detail: fmt.Sprintf(format, args...)}
}

func invalidValue(format string, args ...any) error {
	return scimerr.ScimError{ScimType: scimerr.ScimTypeInvalidValue, Status: 400, Detail: fmt.Sprintf(format, args...)}
}

// decodeJSON decodes one JSON object, keeping numbers exact, and rejects
// trailing data.
func decodeJSON(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, invalidSyntax("malformed JSON body: %v", err)
	}
	if dec.More() {
		return nil, invalidSyntax("malformed JSON body: data after the object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalidSyntax("the body must be a JSON object")
	}
	return m, nil
}

func (s *Server) rewriteBody(method string, raw []byte, idx schemaIndex, required string) ([]byte, error) {
	if !utf8.Valid(raw) {
		return nil, invalidValue("the body is not valid UTF-8")
	}
	body, err := decodeJSON(raw)
	if err != nil {
		return nil, err
	}
	if err := checkStrings("", body); err != nil {
		return nil, err
	}
	if method != http.MethodPatch {
		fixManagerIn(body)
		if err := checkResource(idx, body, required); err != nil {
			return nil, err
		}
		return json.Marshal(body)
	}
	ops, ok := getFold(body, "Operations").([]any)
	if !ok {
		return nil, invalidSyntax("a PATCH body needs an Operations array")
	}
	if len(ops) > 1000 {
		return nil, invalidValue("at most 1000 operations per PATCH")
	}
	var out []any
	for i, x := range ops {
		op, ok := x.(map[string]any)
		if !ok {
			return nil, invalidSyntax("Operations[%d] is not an object", i)
		}
		fixed, err := s.rewriteOp(idx, op)
		if err != nil {
			return nil, err
		}
		out = append(out, fixed...)
	}
	for k := range body {
		if strings.EqualFold(k, "Operations") {
			delete(body, k)
		}
	}
	body["Operations"] = out
	return json.Marshal(body)
}

func (s *Server) rewriteOp(idx schemaIndex, op map[string]any) ([]any, error) {
	name, _ := getFold(op, "op").(string)
	name = strings.ToLower(name)
	path, _ := getFold(op, "path").(string)
	value := getFold(op, "value")
	if path != "" {
		path = s.fixPath(path)
		if err := checkPath(idx, path); err != nil {
			return nil, err
		}
		if strings.HasSuffix(strings.ToLower(path), ":manager") {
			value = managerValue(value)
		}
		if name == "add" {
			// RFC 7644 §3.5.2.1: "The operation MUST contain a "value"
			// member whose content specifies the value to be added";
			// without one it is invalidValue (§3.12).
			if value == nil {
				return nil, invalidValue("add of %q has no value", path)
			}
			// "If the target location specifies a multi-valued attribute,
			// a new value is added to the attribute": an empty list adds
			// nothing and removes nobody (no change, success). It is
			// never read as a clear, which would drop every member.
			if l, ok := value.([]any); ok && len(l) == 0 {
				return []any{map[string]any{"op": name, "path": path, "value": l}}, nil
			}
		}
		if name != "remove" && isEmpty(value) {
			// Entra clears an attribute with a replace (or add) of "" or
			// null; a replace of [] clears a multi-valued attribute (RFC
			// 7644 §3.5.2.3: "the attribute and all values are replaced").
			return []any{map[string]any{"op": "remove", "path": path}}, nil
		}
		m := map[string]any{"op": name, "path": path}
		if value != nil {
			m["value"] = value
		}
		return []any{m}, nil
	}
	vm, ok := value.(map[string]any)
	if !ok || name == "remove" {
		return []any{map[string]any{"op": name, "value": value}}, nil
	}
	// Keys that are paths become operations of their own.
	var out []any
	rest := map[string]any{}
	for _, k := range sortedKeys(vm) {
		v := vm[k]
		urn, tail := s.users.splitURN(k)
		isPath := strings.Contains(k, ".") && urn == "" || urn != "" && tail != ""
		if !isPath {
			if urn != "" {
				if ext, ok := v.(map[string]any); ok {
					fixManagerIn(map[string]any{urn: ext})
				}
			}
			rest[k] = v
			continue
		}
		sub, err := s.rewriteOp(idx, map[string]any{"op": name, "path": k, "value": v})
		if err != nil {
			return nil, err
		}
		out = append(out, sub...)
	}
	if len(rest) > 0 {
		out = append([]any{map[string]any{"op": name, "value": rest}}, out...)
	}
	return out, nil
}

// fixPath maps "manager" (which Entra sends without the URN) to the
// enterprise attribute.
func (s *Server) fixPath(p string) string {
	if strings.EqualFold(p, "manager") || strings.EqualFold(p, "manager.value") {
		return EnterpriseSchema + ":manager"
	}
	return p
}

// managerValue normalises the forms Entra uses for a manager to {value}:
// a plain string, an array of {value}, or the object itself; "" clears.
func managerValue(v any) any {
	switch v := v.(type) {
	case string:
		if v == "" {
			return nil
		}
		return map[string]any{"value": v}
	case []any:
		if len(v) == 0 {
			return nil
		}
		return managerValue(v[0])
	case map[string]any:
		if s, ok := getFold(v, "value").(string); ok && s == "" {
			return nil
		}
		return v
	}
	return v
}

// fixManagerIn normalises the manager inside an enterprise extension
// object of a full resource.
func fixManagerIn(body map[string]any) {
	for k, v := range body {
		if !strings.EqualFold(k, EnterpriseSchema) {
			continue
		}
		ext, ok := v.(map[string]any)
		if !ok {
			continue
		}
		for mk, mv := range ext {
			if strings.EqualFold(mk, "manager") {
				if nv := managerValue(mv); nv == nil {
					delete(ext, mk)
				} else {
					ext[mk] = nv
				}
			}
		}
	}
}

package scim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// bufferedWriter holds the library's response so finish can correct it
// before anything reaches the client.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }
func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// retryAfterSeconds is the Retry-After of a 503: long enough for a
// PostgreSQL restart or failover to finish, short enough for an IdP's sync.
const retryAfterSeconds = "5"

// writeError writes a SCIM error response (RFC 7644 §3.12).
func writeError(w http.ResponseWriter, status int, scimType, detail string) {
	body := map[string]any{"schemas": []string{errorSchema}, "status": fmt.Sprint(status), "detail": detail}
	if scimType != "" {
		body["scimType"] = scimType
	}
	raw, _ := json.Marshal(body) // a map of strings always marshals
	if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		// The database is restarting or overloaded: worth retrying soon.
		w.Header().Set("Retry-After", retryAfterSeconds)
	}
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}

// finish corrects what the library leaves wrong: internal errors lose
// their raw text, list responses get the number of resources actually
// returned as itemsPerPage, resources get their real schemas, lose
// password and are projected by attributes/excludedAttributes.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, rq *request, buf *bufferedWriter) {
	status := buf.status
	if status == 0 {
		status = http.StatusOK
	}
	if rq.failed != 0 || status >= 500 {
		if rq.failed == 0 {
			s.Logger.Error("scim: internal error", "request_id", rq.id, "method", r.Method, "path", r.URL.Path,
				"status", status, "detail", strings.TrimSpace(buf.body.String()))
			rq.failed = http.StatusInternalServerError
		}
		detail := "internal error; request id " + rq.id
		if rq.failed == http.StatusServiceUnavailable {
			detail = "the database is unavailable; retry later; request id " + rq.id
		}
		writeError(w, rq.failed, "", detail)
		return
	}
	for _, h := range []string{"Location", "Etag"} {
		if v := buf.header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.Header().Set("Content-Type", "application/scim+json")
	if buf.body.Len() == 0 || status >= 300 {
		if status >= 400 {
			s.fixError(w, status, buf.body.Bytes())
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write(buf.body.Bytes())
		return
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(buf.body.Bytes()))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		w.WriteHeader(status)
		_, _ = w.Write(buf.body.Bytes())
		return
	}
	attrs, excluded := splitList(r.URL.Query().Get("attributes")), splitList(r.URL.Query().Get("excludedAttributes"))
	idx := s.users
	if strings.Contains(r.URL.Path, "/Groups") {
		idx = s.groups
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/ServiceProviderConfig"):
		// The library always says false; syncd honours If-Match (etag.go).
		doc["etag"] = map[string]any{"supported": true}
	case hasSchema(doc, listSchema) && isResourcePath(r.URL.Path):
		res, _ := doc["Resources"].([]any)
		if res == nil {
			res = []any{}
		}
		for i, x := range res {
			if m, ok := x.(map[string]any); ok {
				res[i] = s.shape(m, idx, attrs, excluded)
			}
		}
		doc["Resources"] = res
		doc["itemsPerPage"] = len(res)
	case doc["id"] != nil && (hasSchema(doc, UserSchema) || hasSchema(doc, GroupSchema)):
		doc = s.shape(doc, idx, attrs, excluded)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		s.Logger.Error("scim: marshal response", "request_id", rq.id, "err", err)
		writeError(w, http.StatusInternalServerError, "", "internal error; request id "+rq.id)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}

// isResourcePath: /Users and /Groups lists are shaped as resources;
// discovery lists (/Schemas, /ResourceTypes) keep their entries' own
// schemas (RFC 7643 §6, §7).
func isResourcePath(p string) bool {
	return strings.Contains(p, "/Users") || strings.Contains(p, "/Groups")
}

// fixError adds the error schema the library leaves out.
func (s *Server) fixError(w http.ResponseWriter, status int, body []byte) {
	var e struct {
		ScimType string `json:"scimType"`
		Detail   string `json:"detail"`
	}
	_ = json.Unmarshal(body, &e)
	if e.Detail == "" {
		e.Detail = http.StatusText(status)
	}
	writeError(w, status, e.ScimType, e.Detail)
}

func hasSchema(doc map[string]any, urn string) bool {
	list, _ := doc["schemas"].([]any)
	for _, x := range list {
		if s, ok := x.(string); ok && strings.EqualFold(s, urn) {
			return true
		}
	}
	return false
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// shape sets a resource's schemas to the core schema plus the extensions
// it carries, drops password, and projects it (RFC 7644 §3.4.2.5): id and
// schemas are always returned.
func (s *Server) shape(doc map[string]any, idx schemaIndex, attrs, excluded []string) map[string]any {
	delete(doc, "password")
	preciseMeta(doc)
	core := UserSchema
	if hasSchema(doc, GroupSchema) {
		core = GroupSchema
	}
	schemas := []any{core}
	for _, k := range sortedKeys(doc) {
		if urn, rest := idx.splitURN(k); urn != "" && rest == "" {
			schemas = append(schemas, urn)
		}
	}
	doc["schemas"] = schemas
	if len(attrs) > 0 {
		out := map[string]any{"id": doc["id"], "schemas": doc["schemas"]}
		for _, a := range attrs {
			copyPath(idx, doc, out, a)
		}
		return out
	}
	for _, a := range excluded {
		removePath(idx, doc, a)
	}
	return doc
}

// splitAttr splits an attribute reference into container key (extension
// URN or ""), attribute and sub-attribute.
func splitAttr(idx schemaIndex, ref string) (urn, attr, sub string) {
	urn, rest := idx.splitURN(ref)
	attr, sub, _ = strings.Cut(rest, ".")
	return urn, attr, sub
}

func copyPath(idx schemaIndex, from, to map[string]any, ref string) {
	urn, attr, sub := splitAttr(idx, ref)
	src, dst := from, to
	if urn != "" {
		m, ok := from[urn].(map[string]any)
		if !ok {
			return
		}
		if attr == "" {
			to[urn] = m
			return
		}
		d, _ := to[urn].(map[string]any)
		if d == nil {
			d = map[string]any{}
			to[urn] = d
		}
		src, dst = m, d
	}
	key, v, ok := findFold(src, attr)
	if !ok {
		return
	}
	if sub == "" {
		dst[key] = v
		return
	}
	switch v := v.(type) {
	case map[string]any:
		if sk, sv, ok := findFold(v, sub); ok {
			d, _ := dst[key].(map[string]any)
			if d == nil {
				d = map[string]any{}
				dst[key] = d
			}
			d[sk] = sv
		}
	case []any:
		var out []any
		for _, e := range v {
			if m, ok := e.(map[string]any); ok {
				if sk, sv, ok := findFold(m, sub); ok {
					out = append(out, map[string]any{sk: sv})
				}
			}
		}
		dst[key] = out
	}
}

func removePath(idx schemaIndex, doc map[string]any, ref string) {
	urn, attr, sub := splitAttr(idx, ref)
	c := doc
	if urn != "" {
		if attr == "" {
			delete(doc, urn)
			return
		}
		m, ok := doc[urn].(map[string]any)
		if !ok {
			return
		}
		c = m
	}
	key, v, ok := findFold(c, attr)
	if !ok || (urn == "" && (key == "id" || key == "schemas")) {
		return
	}
	if sub == "" {
		delete(c, key)
		return
	}
	switch v := v.(type) {
	case map[string]any:
		deleteFold(v, sub)
	case []any:
		for _, e := range v {
			if m, ok := e.(map[string]any); ok {
				deleteFold(m, sub)
			}
		}
	}
}

func findFold(m map[string]any, k string) (string, any, bool) {
	if v, ok := m[k]; ok {
		return k, v, true
	}
	for mk, v := range m {
		if strings.EqualFold(mk, k) {
			return mk, v, true
		}
	}
	return "", nil, false
}

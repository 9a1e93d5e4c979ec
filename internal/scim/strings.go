package scim

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"
)

// Limits on strings a source pushes. They are syncd's, not the
// database's, so SQLite and PostgreSQL give the same answer: PostgreSQL
// refuses NUL (SQLSTATE 22021) and index entries over ~2.7 KB where
// SQLite takes both.
const (
	// maxKeyLen bounds the values syncd indexes or compares as keys:
	// userName, displayName, externalId, ids and member values.
	maxKeyLen = 1024
	// maxStringLen bounds any other string value.
	maxStringLen = 64 << 10
)

// keyAttrs are the attributes held to maxKeyLen (lower case).
var keyAttrs = map[string]bool{"username": true, "displayname": true, "externalid": true, "id": true, "value": true}

// checkStrings walks a decoded JSON value and refuses, naming the
// attribute, any key or string that holds a NUL character or invalid
// UTF-8 or is longer than its limit.
func checkStrings(path string, v any) error {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if err := checkString(p, k, maxKeyLen); err != nil {
				return err
			}
			if err := checkStrings(p, v[k]); err != nil {
				return err
			}
		}
	case []any:
		for i, x := range v {
			if err := checkStrings(fmt.Sprintf("%s[%d]", path, i), x); err != nil {
				return err
			}
		}
	case string:
		limit := maxStringLen
		last := path
		if i := strings.LastIndexAny(path, ".:"); i >= 0 {
			last = path[i+1:]
		}
		if j := strings.IndexByte(last, '['); j >= 0 {
			last = last[:j]
		}
		if keyAttrs[strings.ToLower(last)] {
			limit = maxKeyLen
		}
		return checkString(path, v, limit)
	}
	return nil
}

func checkString(attr, s string, limit int) error {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return invalidValue("%s contains a NUL character", attr)
	case !utf8.ValidString(s):
		return invalidValue("%s is not valid UTF-8", attr)
	case len(s) > limit:
		return invalidValue("%s is longer than %d bytes", attr, limit)
	}
	return nil
}

// checkDoc checks a document about to be stored (after a PATCH applied).
func checkDoc(doc map[string]any) error { return checkStrings("", doc) }

// checkURL refuses a path (the resource id) or query parameter holding a
// NUL character or invalid UTF-8, before it reaches a query.
func checkURL(r *http.Request) error {
	if err := checkString("id", r.URL.Path, maxStringLen); err != nil {
		return err
	}
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			if err := checkString(k, v, maxStringLen); err != nil {
				return err
			}
		}
	}
	return nil
}

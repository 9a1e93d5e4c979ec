package scim

import (
	"fmt"
	"net/http"
	"strings"

	scimerr "github.com/elimity-com/scim/errors"
)

// etag is the entity tag of a resource at version v: weak (RFC 7232
// §2.3), since the representation is rebuilt on every read (RFC 7644
// §3.14 allows weak tags). It is also meta.version.
func etag(v int64) string {
	if v <= 0 {
		return ""
	}
	return fmt.Sprintf(`W/"%d"`, v)
}

// checkIfMatch enforces If-Match on PUT, PATCH and DELETE (RFC 7644
// §3.14): when the header is present and names neither * nor the current
// version, the request fails with 412 and changes nothing. It is called
// with the version read under lock, in the transaction that writes.
func checkIfMatch(r *http.Request, current string) error {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return nil
	}
	for _, t := range strings.Split(h, ",") {
		// Weak comparison: W/"3" matches "3" and W/"3".
		if strings.TrimPrefix(strings.TrimSpace(t), "W/") == strings.TrimPrefix(current, "W/") && current != "" {
			return nil
		}
	}
	return scimerr.ScimError{Status: http.StatusPreconditionFailed,
		Detail: fmt.Sprintf("If-Match %s does not match the current version %s", h, current)}
}

package ldap

import (
	"context"
	"fmt"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"
)

// searchConn is the part of a connection the searches use; tests of AD
// decoding replay recorded responses through it.
type searchConn interface {
	SearchAsync(ctx context.Context, req *goldap.SearchRequest, bufferSize int) goldap.Response
}

// stream runs a paged search (RFC 2696) and calls fn for each entry as it
// arrives, one page in flight at a time: unlike go-ldap's
// SearchWithPaging, which keeps every page, memory stays at one page.
// Entries are reduced to the requested attributes before fn sees them.
func stream(ctx context.Context, c searchConn, base string, scope int, filter string, attrs []string, pageSize int, fn func(entry) error) error {
	paging := goldap.NewControlPaging(uint32(pageSize))
	for {
		req := goldap.NewSearchRequest(base, scope, goldap.NeverDerefAliases, 0, 0, false, filter, attrs,
			[]goldap.Control{paging})
		resp := c.SearchAsync(ctx, req, pageSize)
		var cookie []byte
		gotControl := false
		for resp.Next() {
			if e := resp.Entry(); e != nil {
				if err := fn(reduce(e)); err != nil {
					drain(resp)
					return err
				}
				continue
			}
			if pc, ok := goldap.FindControl(resp.Controls(), goldap.ControlTypePaging).(*goldap.ControlPaging); ok {
				cookie, gotControl = pc.Cookie, true
			}
		}
		if err := resp.Err(); err != nil {
			return fmt.Errorf("search %q %s: %w", base, filter, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !gotControl || len(cookie) == 0 {
			return nil
		}
		paging.SetCookie(cookie)
	}
}

// drain consumes what a stopped search still delivers.
func drain(resp goldap.Response) {
	for resp.Next() {
	}
}

// reduce copies an entry's values out of go-ldap's representation.
func reduce(e *goldap.Entry) entry {
	out := entry{DN: e.DN, Attrs: make(map[string][][]byte, len(e.Attributes))}
	for _, a := range e.Attributes {
		out.Attrs[strings.ToLower(a.Name)] = a.ByteValues
	}
	return out
}

// readBase reads one entry's attributes (scope base); ok is false when the
// entry does not exist or shows none of them.
func readBase(ctx context.Context, c searchConn, dn string, attrs []string) (entry, bool, error) {
	var got entry
	found := false
	err := stream(ctx, c, dn, goldap.ScopeBaseObject, "(objectClass=*)", attrs, 10, func(e entry) error {
		got, found = e, true
		return nil
	})
	if goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject) {
		return entry{}, false, nil
	}
	return got, found, err
}

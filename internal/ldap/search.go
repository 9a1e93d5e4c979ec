package ldap

import (
	"context"
	"fmt"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"
)

// searchConn runs one search request, calling fn for each entry in
// order, and returns the controls of its result. wireConn is the one a
// pull dials; asyncConn adapts go-ldap's SearchAsync (tests of AD
// decoding replay recorded responses through it).
type searchConn interface {
	page(ctx context.Context, req *goldap.SearchRequest, fn func(entry) error) ([]goldap.Control, error)
}

// stream runs a paged search (RFC 2696) and calls fn for each entry as it
// arrives, one page in flight at a time: unlike go-ldap's
// SearchWithPaging, which keeps every page, memory stays at one page.
func stream(ctx context.Context, c searchConn, base string, scope int, filter string, attrs []string, pageSize int, fn func(entry) error) error {
	paging := goldap.NewControlPaging(uint32(pageSize))
	for {
		req := goldap.NewSearchRequest(base, scope, goldap.NeverDerefAliases, 0, 0, false, filter, attrs,
			[]goldap.Control{paging})
		var fnErr error
		controls, err := c.page(ctx, req, func(e entry) error {
			fnErr = fn(e)
			return fnErr
		})
		switch {
		case fnErr != nil:
			return fnErr
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			return fmt.Errorf("search %q %s: %w", base, filter, err)
		}
		pc, ok := goldap.FindControl(controls, goldap.ControlTypePaging).(*goldap.ControlPaging)
		if !ok || len(pc.Cookie) == 0 {
			return nil
		}
		paging.SetCookie(pc.Cookie)
	}
}

// asyncConn runs searches through go-ldap's SearchAsync.
type asyncConn struct {
	c interface {
		SearchAsync(ctx context.Context, req *goldap.SearchRequest, bufferSize int) goldap.Response
	}
}

func (a asyncConn) page(ctx context.Context, req *goldap.SearchRequest, fn func(entry) error) ([]goldap.Control, error) {
	resp := a.c.SearchAsync(ctx, req, 64)
	var controls []goldap.Control
	for resp.Next() {
		if e := resp.Entry(); e != nil {
			if err := fn(reduce(e)); err != nil {
				for resp.Next() { // drain what a stopped search still delivers
				}
				return nil, err
			}
			continue
		}
		controls = append(controls, resp.Controls()...)
	}
	return controls, resp.Err()
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

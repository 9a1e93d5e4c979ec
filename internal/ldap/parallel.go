package ldap

import (
	"context"
	"fmt"
	"strings"
	"sync"

	goldap "github.com/go-ldap/ldap/v3"
)

// readPeople streams the people search to fn. A full read on OpenLDAP
// with Parallel > 1 is split into entryUUID ranges (entryUUID has an
// ordering rule, RFC 4530), each read on its own connection, because
// decoding responses, not the server, is what bounds one stream. fn always
// runs on the calling goroutine, one entry at a time.
func (s *Source) readPeople(ctx context.Context, conn searchConn, filter string, full bool, fn func(entry) error) error {
	attrs := s.m.requested()
	base := s.cfg.People.BaseDN
	n := s.cfg.Parallel
	if !full || n <= 1 || !strings.EqualFold(s.m.ID, "entryUUID") || s.dialConn == nil {
		return stream(ctx, conn, base, goldap.ScopeWholeSubtree, filter, attrs, s.cfg.PageSize, fn)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	entries := make(chan entry, s.cfg.PageSize)
	var wg sync.WaitGroup
	for _, part := range uuidPartitions(filter, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := s.dialConn(ctx)
			if err != nil {
				cancel(err)
				return
			}
			defer c.Close()
			err = stream(ctx, c, base, goldap.ScopeWholeSubtree, part, attrs, s.cfg.PageSize, func(e entry) error {
				select {
				case entries <- e:
					return nil
				case <-ctx.Done():
					return context.Cause(ctx)
				}
			})
			if err != nil {
				cancel(err)
			}
		}()
	}
	go func() {
		wg.Wait()
		close(entries)
	}()
	for e := range entries {
		if err := fn(e); err != nil {
			cancel(err)
			for range entries {
			}
			return err
		}
	}
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// uuidPartitions splits filter into n filters over disjoint entryUUID
// ranges covering every UUID, cut on the first byte.
func uuidPartitions(filter string, n int) []string {
	bound := func(k int) string { return fmt.Sprintf("%02x000000-0000-0000-0000-000000000000", k*256/n) }
	out := make([]string, n)
	for k := range n {
		f := "(&" + filter
		if k > 0 {
			f += "(entryUUID>=" + bound(k) + ")"
		}
		if k < n-1 {
			f += "(!(entryUUID>=" + bound(k+1) + "))"
		}
		out[k] = f + ")"
	}
	return out
}

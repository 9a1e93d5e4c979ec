package ldap

import (
	"context"
	"fmt"
	"strings"
	"sync"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/syncd-dev/syncd/internal/identity"
)

// person is an entry of the people search made ready for the sink:
// a record (with its document), a rejection, or an entry to skip.
type person struct {
	watermark        string
	skip             bool
	record           identity.Record
	rejectID, reason string
	err              error
}

// readPeople reads the people search, runs prepare on each entry where
// it is read and deliver on the results, in turn, on the calling
// goroutine. Reading, decoding and prepare run on their own goroutine, so
// a pull keeps two cores busy even on one connection. A full read on
// OpenLDAP with Parallel > 1 is split into entryUUID ranges (entryUUID
// has an ordering rule, RFC 4530), each read on its own connection.
func (s *Source) readPeople(ctx context.Context, conn searchConn, filter string, full bool, prepare func(entry) person, deliver func(person) error) error {
	attrs := s.m.requested()
	base := s.cfg.People.BaseDN
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	const batch = 128
	batches := make(chan []person, 2*max(1, s.cfg.Parallel))
	read := func(c searchConn, filter string) {
		buf := make([]person, 0, batch)
		err := stream(ctx, c, base, goldap.ScopeWholeSubtree, filter, attrs, s.cfg.PageSize, func(e entry) error {
			buf = append(buf, prepare(e))
			if len(buf) < batch {
				return nil
			}
			select {
			case batches <- buf:
				buf = make([]person, 0, batch)
				return nil
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		})
		if err == nil && len(buf) > 0 {
			select {
			case batches <- buf:
			case <-ctx.Done():
				err = context.Cause(ctx)
			}
		}
		if err != nil {
			cancel(err)
		}
	}
	var wg sync.WaitGroup
	n := s.cfg.Parallel
	if !full || n <= 1 || !strings.EqualFold(s.m.ID, "entryUUID") || s.dialConn == nil {
		wg.Go(func() { read(conn, filter) })
	} else {
		for _, part := range uuidPartitions(filter, n) {
			wg.Go(func() {
				c, err := s.dialConn(ctx)
				if err != nil {
					cancel(err)
					return
				}
				defer c.Close()
				read(c, part)
			})
		}
	}
	go func() {
		wg.Wait()
		close(batches)
	}()
	for b := range batches {
		for _, p := range b {
			if err := deliver(p); err != nil {
				cancel(err)
				for range batches {
				}
				return err
			}
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

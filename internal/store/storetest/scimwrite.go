package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/syncd-dev/syncd/internal/store"
)

var scimWriteTests = []test{
	{"member deltas", testMemberDelta},
	{"concurrent locked adds", testConcurrentLockedAdds},
}

func testMemberDelta(t *testing.T, s store.Store) {
	ctx := t.Context()
	var ids []string
	for i := range 3 {
		ids = append(ids, newPerson(t, s, store.Person{UserName: fmt.Sprintf("d%d", i)}).ID)
	}
	g, err := s.CreateGroup(ctx, store.Group{Source: "idp", DisplayName: "Delta"})
	must(t, "create", err)
	added, err := s.AddGroupMemberDelta(ctx, g.ID, []string{ids[1], ids[0], ids[0]})
	must(t, "add", err)
	if !slices.Equal(added, uniqueSortedIDs(ids[0], ids[1])) {
		t.Fatalf("added %v", added)
	}
	added, err = s.AddGroupMemberDelta(ctx, g.ID, []string{ids[0], ids[2]})
	must(t, "add again", err)
	if !slices.Equal(added, []string{ids[2]}) {
		t.Fatalf("second add reported %v, want only the new member", added)
	}
	locked, err := s.LockGroup(ctx, g.ID)
	must(t, "lock", err)
	if locked.Version != 3 {
		t.Fatalf("version %d after two adds, want 3", locked.Version)
	}
	removed, err := s.RemoveGroupMemberDelta(ctx, g.ID, []string{ids[1], "nobody"})
	must(t, "remove", err)
	if !slices.Equal(removed, []string{ids[1]}) {
		t.Fatalf("removed %v", removed)
	}
	removed, err = s.RemoveGroupMemberDelta(ctx, g.ID, []string{ids[1]})
	must(t, "remove again", err)
	if len(removed) != 0 {
		t.Fatalf("removing a non-member reported %v", removed)
	}
	same(t, "version unchanged by a no-op", mustGroup(t, s, g.ID).Version, int64(4))
	members, err := s.ListGroupMembers(ctx, g.ID)
	must(t, "list", err)
	if !slices.Equal(members, uniqueSortedIDs(ids[0], ids[2])) {
		t.Fatalf("members %v", members)
	}
	_, err = s.LockGroup(ctx, "missing")
	wantErr(t, "lock missing", err, store.ErrNotFound)
	_, err = s.LockPersonLink(ctx, "idp", ids[0])
	wantErr(t, "lock missing link", err, store.ErrNotFound)
}

func mustGroup(t *testing.T, s store.Store, id string) store.Group {
	t.Helper()
	g, err := s.GetGroup(t.Context(), id)
	must(t, "get group", err)
	return g
}

func uniqueSortedIDs(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// testConcurrentLockedAdds: read-modify-write of a group's document under
// LockGroup, from 8 goroutines at once: no increment is lost.
func testConcurrentLockedAdds(t *testing.T, s store.Store) {
	ctx := t.Context()
	g, err := s.CreateGroup(ctx, store.Group{Source: "idp", DisplayName: "Counter", Raw: []byte("0")})
	must(t, "create", err)
	var wg sync.WaitGroup
	errs := make(chan error, 80)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				errs <- s.InTx(ctx, func(tx store.Tx) error {
					cur, err := tx.LockGroup(ctx, g.ID)
					if err != nil {
						return err
					}
					var n int
					fmt.Sscan(string(cur.Raw), &n)
					_, err = tx.UpdateGroup(ctx, g.ID, func(x store.Group) (store.Group, error) {
						x.Raw = []byte(fmt.Sprint(n + 1))
						return x, nil
					})
					return err
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, "locked update", err)
	}
	got := mustGroup(t, s, g.ID)
	if string(got.Raw) != "80" || got.Version != 81 {
		t.Fatalf("after 80 locked increments: %s, version %d", got.Raw, got.Version)
	}
}

package review

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/syncd-dev/syncd/internal/store"
)

// fakeDir is a random organisation for the property test.
type fakeDir struct {
	persons map[string]store.Person
	groups  map[string][]string
}

func (f fakeDir) person(id string) (store.Person, bool) { p, ok := f.persons[id]; return p, ok }
func (f fakeDir) group(name string) []string            { return f.groups[name] }
func (f fakeDir) ref(ref string) string {
	if _, ok := f.persons[ref]; ok {
		return ref
	}
	return ""
}

// TestNoSelfReviewProperty: whatever the organisation (managers in loops,
// the holder owning the item, managing themselves, in every group, named
// as a person or as the escalation target) no resolution path ever makes
// the holder a reviewer of their own access.
func TestNoSelfReviewProperty(t *testing.T) {
	kinds := []string{ReviewerManager, ReviewerManagersManager, ReviewerItemOwner, ReviewerNHIOwner}
	for seed := range uint64(20000) {
		r := rand.New(rand.NewPCG(seed, 7))
		n := 2 + r.IntN(6)
		dir := fakeDir{persons: map[string]store.Person{}, groups: map[string][]string{}}
		ids := make([]string, n)
		for i := range n {
			ids[i] = fmt.Sprintf("p%d", i)
		}
		pick := func() string { return ids[r.IntN(n)] }
		for _, id := range ids {
			st := store.StatusActive
			if r.IntN(5) == 0 {
				st = store.StatusTerminated
			}
			dir.persons[id] = store.Person{ID: id, Status: st, ManagerID: pick()}
		}
		for g := range 3 {
			var members []string
			for range r.IntN(4) {
				members = append(members, pick())
			}
			dir.groups[fmt.Sprintf("g%d", g)] = members
		}
		holder := pick()
		sub := subject{HolderID: holder, ManagerID: dir.persons[holder].ManagerID, ItemOwnerID: pick(), NHIOwnerID: pick()}
		spec := func() []string {
			var out []string
			for range r.IntN(4) {
				switch r.IntN(3) {
				case 0:
					out = append(out, kinds[r.IntN(len(kinds))])
				case 1:
					out = append(out, reviewerPersonPrefix+pick())
				default:
					out = append(out, fmt.Sprintf("%sg%d", reviewerGroupPrefix, r.IntN(3)))
				}
			}
			return out
		}
		got, route := resolveReviewers(dir, spec(), spec(), fmt.Sprintf("g%d", r.IntN(3)), sub)
		if slices.Contains(got, holder) {
			t.Fatalf("seed %d: holder %s resolved as reviewer via %s: %v (dir %+v)", seed, holder, route, got, dir)
		}
		if len(got) == 0 && route != RouteUnassigned {
			t.Fatalf("seed %d: no reviewer but route %s", seed, route)
		}
		for _, id := range got {
			if dir.persons[id].Status != store.StatusActive {
				t.Fatalf("seed %d: inactive reviewer %s", seed, id)
			}
		}
		// Escalation (add or replace) filters the same way.
		extra := append(slices.Clone(got), holder)
		if slices.Contains(eligibleReviewers(dir, extra, holder), holder) {
			t.Fatalf("seed %d: escalation kept the holder", seed)
		}
	}
}

package scim

import (
	"github.com/syncd-dev/syncd/internal/store"
)

// listPrefetch is what a list page shows of its persons (the person's
// status and manager, the open job functions, the source's groups), read
// by the statement that read the page (store.ListUserViewShown) instead
// of three per user. A nil *listPrefetch (single reads) has nothing and
// the caller reads for itself.
type listPrefetch struct {
	persons      map[string]store.Person
	jobFunctions map[string][]string
	groups       map[string][]store.Group // nil when the page does not show groups
}

// prefetched indexes what the persons among shown show.
func prefetched(shown []store.ShownUser, withGroups bool) *listPrefetch {
	pre := &listPrefetch{persons: make(map[string]store.Person, len(shown)), jobFunctions: make(map[string][]string, len(shown))}
	if withGroups {
		pre.groups = make(map[string][]store.Group, len(shown))
	}
	for _, u := range shown {
		if u.Kind != store.ViewPerson {
			continue
		}
		pre.persons[u.ID] = store.Person{ID: u.ID, Status: u.Status, ManagerID: u.ManagerID}
		pre.jobFunctions[u.ID] = u.JobFunctions
		if withGroups && len(u.Groups) > 0 {
			gs := make([]store.Group, len(u.Groups))
			for i, g := range u.Groups {
				gs[i] = store.Group{ID: g.ID, DisplayName: g.DisplayName}
			}
			pre.groups[u.ID] = gs
		}
	}
	return pre
}

// person returns the prefetched person; false when it was not read (a
// person deleted in between is read again, and reported missing, by the
// caller).
func (pre *listPrefetch) person(id string) (store.Person, bool) {
	if pre == nil {
		return store.Person{}, false
	}
	p, ok := pre.persons[id]
	return p, ok
}

func (pre *listPrefetch) jobFunctionsOf(id string) ([]string, bool) {
	if pre == nil {
		return nil, false
	}
	names, ok := pre.jobFunctions[id]
	return names, ok
}

func (pre *listPrefetch) groupsOf(id string) ([]store.Group, bool) {
	if pre == nil || pre.groups == nil {
		return nil, false
	}
	return pre.groups[id], true
}

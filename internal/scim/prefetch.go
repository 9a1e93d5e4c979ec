package scim

import (
	"context"

	"github.com/syncd-dev/syncd/internal/store"
)

// listPrefetch is what a list page shows of its persons (the person, the
// open job functions, the source's groups), read with one statement per
// kind for the whole page instead of three per user. A nil *listPrefetch
// (single reads) has nothing and the caller reads for itself.
type listPrefetch struct {
	persons      map[string]store.Person
	jobFunctions map[string][]string
	groups       map[string][]store.Group // nil when the page does not show groups
}

// prefetch reads what the persons among items show.
func prefetch(ctx context.Context, st store.Store, source string, items []store.ViewItem, withGroups bool) (*listPrefetch, error) {
	var ids []string
	for _, it := range items {
		if it.Kind == store.ViewPerson {
			ids = append(ids, it.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	pre := &listPrefetch{persons: make(map[string]store.Person, len(ids)), jobFunctions: make(map[string][]string, len(ids))}
	ps, err := st.GetPersons(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		pre.persons[p.ID] = p
	}
	jfs, err := st.ListCurrentJobFunctionsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		pre.jobFunctions[id] = []string{}
	}
	for _, j := range jfs {
		pre.jobFunctions[j.PersonID] = append(pre.jobFunctions[j.PersonID], j.JobFunction)
	}
	if withGroups {
		if pre.groups, err = st.ListGroupsOfPersons(ctx, ids, source); err != nil {
			return nil, err
		}
	}
	return pre, nil
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

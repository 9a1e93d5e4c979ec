package review

import (
	"context"
	"slices"
	"strings"

	"github.com/syncd-dev/syncd/internal/store"
)

// Routes recorded on items besides the reviewer kinds themselves.
const (
	RouteFallbackGroup = "fallback-group" // nobody else remained: the definition's fallback group
	RouteUnassigned    = "unassigned"     // not even the fallback group had someone other than the holder
)

// subject is what reviewer resolution needs about one item.
type subject struct {
	HolderID    string // never a reviewer
	ManagerID   string // the holder's (or the NHI owner's) manager
	ItemOwnerID string
	NHIOwnerID  string
}

// directory answers the resolver's questions about people and groups.
type directory interface {
	person(id string) (store.Person, bool)
	group(name string) []string
	ref(ref string) string // a person reference (userName, email, id) to an ID
}

// resolveReviewers walks specs, then fallback, then the fallback group,
// and returns the first non-empty set of active persons other than the
// holder, with the route that found them. It is the one place reviewers
// are chosen, so the holder is excluded on every path: direct, group,
// delegate (a person reference) and fallback alike.
func resolveReviewers(dir directory, specs, fallback []string, fallbackGroup string, sub subject) ([]string, string) {
	try := func(spec string) []string {
		var cands []string
		switch {
		case spec == ReviewerManager:
			cands = []string{sub.ManagerID}
		case spec == ReviewerManagersManager:
			if m, ok := dir.person(sub.ManagerID); ok {
				cands = []string{m.ManagerID}
			}
		case spec == ReviewerItemOwner:
			cands = []string{sub.ItemOwnerID}
		case spec == ReviewerNHIOwner:
			cands = []string{sub.NHIOwnerID}
		case strings.HasPrefix(spec, reviewerPersonPrefix):
			cands = []string{dir.ref(strings.TrimPrefix(spec, reviewerPersonPrefix))}
		case strings.HasPrefix(spec, reviewerGroupPrefix):
			cands = dir.group(strings.TrimPrefix(spec, reviewerGroupPrefix))
		}
		return eligibleReviewers(dir, cands, sub.HolderID)
	}
	for _, spec := range specs {
		if ids := try(spec); len(ids) > 0 {
			return ids, spec
		}
	}
	for _, spec := range fallback {
		if ids := try(spec); len(ids) > 0 {
			return ids, "fallback:" + spec
		}
	}
	if fallbackGroup != "" {
		if ids := eligibleReviewers(dir, dir.group(fallbackGroup), sub.HolderID); len(ids) > 0 {
			return ids, RouteFallbackGroup
		}
	}
	return nil, RouteUnassigned
}

// eligibleReviewers keeps active persons other than the holder, sorted
// and without duplicates.
func eligibleReviewers(dir directory, cands []string, holder string) []string {
	var out []string
	for _, id := range cands {
		if id == "" || id == holder {
			continue
		}
		if p, ok := dir.person(id); !ok || p.Status != store.StatusActive {
			continue
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// people is a directory over the store with a cache of persons, filled a
// page at a time; groups are the catalog's approver groups.
type people struct {
	st     store.Reader
	ctx    context.Context
	cache  map[string]*store.Person // nil value: known missing
	groups map[string][]string
	refs   map[string]string
}

func newPeople(ctx context.Context, st store.Reader, groups map[string][]string) *people {
	return &people{st: st, ctx: ctx, cache: map[string]*store.Person{}, groups: groups, refs: map[string]string{}}
}

// load fetches the persons not cached yet, in one query.
func (p *people) load(ids []string) error {
	var miss []string
	for _, id := range ids {
		if _, ok := p.cache[id]; !ok && id != "" {
			miss = append(miss, id)
			p.cache[id] = nil
		}
	}
	if len(miss) == 0 {
		return nil
	}
	ps, err := p.st.ListPersonsByID(p.ctx, miss)
	if err != nil {
		return err
	}
	for i := range ps {
		p.cache[ps[i].ID] = &ps[i]
	}
	return nil
}

// loadChain loads persons, their managers and their managers' managers.
func (p *people) loadChain(ids []string) error {
	for range 3 {
		if err := p.load(ids); err != nil {
			return err
		}
		var next []string
		for _, id := range ids {
			if x := p.cache[id]; x != nil && x.ManagerID != "" {
				next = append(next, x.ManagerID)
			}
		}
		ids = next
	}
	return nil
}

func (p *people) person(id string) (store.Person, bool) {
	if id == "" {
		return store.Person{}, false
	}
	if _, ok := p.cache[id]; !ok {
		_ = p.load([]string{id})
	}
	if x := p.cache[id]; x != nil {
		return *x, true
	}
	return store.Person{}, false
}

func (p *people) group(name string) []string {
	ids := p.groups[name]
	_ = p.load(ids)
	return ids
}

func (p *people) ref(ref string) string {
	if id, ok := p.refs[ref]; ok {
		return id
	}
	id := ""
	if x, ok := p.person(ref); ok {
		id = x.ID
	} else {
		for _, key := range []store.MatchKey{store.MatchUserName, store.MatchEmail, store.MatchEmployeeNumber} {
			if ps, err := p.st.FindPersons(p.ctx, key, ref); err == nil && len(ps) == 1 {
				id = ps[0].ID
				p.cache[id] = &ps[0]
				break
			}
		}
	}
	p.refs[ref] = id
	return id
}

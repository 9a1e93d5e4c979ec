package webui

import (
	"context"
	"net/http"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/store"
)

type attention struct {
	MyNHIs, MyNHIFindings, Reports int
	// MyTasks counts the NHIs waiting for the viewer (or their team) to
	// take them over, up to a page.
	MyTasks                     int
	OpenFindings, FailedSources int
}

type homePage struct {
	Page
	Me                store.Person
	JobFunctions      []store.JobFunctionAssignment
	Attention         attention
	FindingsAvailable bool
	ByStatus          []bar
	ByRule            []bar // open findings by rule, when findings are wired
	// Grants are the viewer's current grants (reviews and approvals are
	// counted in Page).
	Grants           []homeGrant
	AccessAvailable  bool
	ReviewsAvailable bool
}

type homeGrant struct {
	Grant    store.Grant
	ItemName string
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auth.PrincipalFrom(ctx)
	me, err := s.Store.GetPerson(ctx, p.PersonID)
	if err != nil {
		s.internal(w, r, "home: load signed-in person", err)
		return
	}
	data := homePage{Page: s.page(r, "Home", "home"), Me: me, FindingsAvailable: s.Findings != nil}
	if data.JobFunctions, err = s.Store.ListJobFunctions(ctx, me.ID, false); err != nil {
		s.internal(w, r, "home: job functions", err)
		return
	}
	if data.Attention, err = s.attention(ctx, p); err != nil {
		s.internal(w, r, "home: attention", err)
		return
	}
	data.AccessAvailable, data.ReviewsAvailable = s.Access != nil, s.Reviews != nil
	if s.Access != nil {
		gs, err := s.Store.ListGrants(ctx, store.GrantQuery{HolderID: me.ID, States: []store.GrantState{store.GrantActive, store.GrantPending}, Limit: pageSize})
		if err != nil {
			s.internal(w, r, "home: grants", err)
			return
		}
		items := s.catalogItems()
		for _, g := range gs {
			n := g.ItemID
			if it, ok := items[g.ItemID]; ok {
				n = it.Name
			}
			data.Grants = append(data.Grants, homeGrant{Grant: g, ItemName: n})
		}
	}
	if p.SeesAll() {
		if data.ByStatus, err = s.identitiesByStatus(ctx); err != nil {
			s.internal(w, r, "home: identities by status", err)
			return
		}
		if s.Findings != nil {
			if data.ByRule, err = s.findingsByRule(ctx); err != nil {
				s.internal(w, r, "home: findings by rule", err)
				return
			}
		}
	}
	s.render(w, r, http.StatusOK, "home", data)
}

func (s *Server) attention(ctx context.Context, p *auth.Principal) (attention, error) {
	var a attention
	var err error
	if a.MyNHIs, err = s.Store.CountNHIs(ctx, store.NHIQuery{OwnerID: p.PersonID}); err != nil {
		return a, err
	}
	if a.Reports, err = s.Store.CountPersons(ctx, store.PersonQuery{ManagerID: p.PersonID}); err != nil {
		return a, err
	}
	if a.MyTasks, err = s.openTasks(ctx, p.PersonID); err != nil {
		return a, err
	}
	if s.Findings != nil {
		mine, err := s.Store.ListNHIs(ctx, store.NHIQuery{OwnerID: p.PersonID, Limit: 1000})
		if err != nil {
			return a, err
		}
		owned := map[string]bool{}
		for _, n := range mine {
			owned[n.ID] = true
		}
		open, err := s.Findings.ListFindings(ctx, store.FindingQuery{Limit: store.All})
		if err != nil {
			return a, err
		}
		for _, f := range open {
			if owned[f.NHIID] {
				a.MyNHIFindings++
			}
		}
		if p.SeesAll() {
			counts, err := s.Findings.CountOpenFindingsByRule(ctx)
			if err != nil {
				return a, err
			}
			for _, c := range counts {
				a.OpenFindings += c
			}
		}
	}
	if p.SeesAll() {
		srcs, err := s.sourceSummaries(ctx)
		if err != nil {
			return a, err
		}
		for _, src := range srcs {
			if src.Last != nil && src.Last.Status == store.RunFailed {
				a.FailedSources++
			}
		}
	}
	return a, nil
}

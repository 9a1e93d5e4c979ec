package webui

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/store"
)

// ownedRequest is a pending request for an owned item.
type ownedRequest struct {
	Request     store.AccessRequest
	Beneficiary string
	Requester   string
	Stage       string // the current stage and its approvers
	CanOpen     bool   // the viewer may open the request's page
}

// ownedHolder is a live grant of an owned item.
type ownedHolder struct {
	Grant  store.Grant
	Holder string
}

// ownedChange is one version or proposed change of an owned item.
type ownedChange struct {
	When    string
	What    string
	Who     string
	Pending bool
}

type ownedItem struct {
	Item     catalog.Item
	Pending  []ownedRequest
	Waiting  int // pending requests in all, also those not listed
	Holders  []ownedHolder
	History  []ownedChange
	Findings []catalog.LintFinding
}

type catalogOwnerPage struct {
	Page
	Available bool
	Items     []ownedItem
}

// catalogOwner is the catalog owner's page: the items the viewer owns,
// each with its pending requests, its holders, its lint findings and
// its change history (stored versions and four-eyes changes). Grants
// and requests shown pass the object policy; a request the policy does
// not let the owner open is counted but not listed.
func (s *Server) catalogOwner(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auth.PrincipalFrom(ctx)
	data := catalogOwnerPage{Page: s.page(r, "Items I own", "catalog"), Available: s.Access != nil}
	if s.Access == nil {
		s.render(w, r, http.StatusOK, "catalogowner", data)
		return
	}
	cat := s.Access.Catalog()
	findings := catalog.Lint(cat, func(id string) (string, bool) {
		person, err := s.Store.GetPerson(ctx, id)
		if err != nil {
			return "", false
		}
		return string(person.Status), true
	})
	changes, err := s.Store.ListCatalogChanges(ctx, "")
	if err != nil {
		s.internal(w, r, "catalog owner: changes", err)
		return
	}
	names := s.names(ctx)
	for _, it := range cat.Items {
		if it.OwnerID == "" || it.OwnerID != p.PersonID {
			continue
		}
		o, err := s.ownedItem(ctx, p, it, names)
		if err != nil {
			s.internal(w, r, "catalog owner: item", err)
			return
		}
		for _, f := range findings {
			if f.Item == it.ID {
				o.Findings = append(o.Findings, f)
			}
		}
		for _, c := range changes {
			if c.ItemID != it.ID {
				continue
			}
			who := s.refs(ctx).actor(c.Proposer).Label
			what := "proposed a loosening change (" + strings.Join(c.Reasons, ", ") + ")"
			switch c.State {
			case store.ChangeApproved:
				what += "; approved by " + s.refs(ctx).actor(c.DecidedBy).Label
			case store.ChangeRejected:
				what += "; rejected by " + s.refs(ctx).actor(c.DecidedBy).Label
			default:
				what += "; waits for a second person"
			}
			o.History = append(o.History, ownedChange{When: formatTime(c.CreatedAt, "2006-01-02 15:04 UTC"), What: what, Who: who, Pending: c.State == store.ChangePending})
		}
		slices.SortStableFunc(o.History, func(a, b ownedChange) int { return -strings.Compare(a.When, b.When) })
		data.Items = append(data.Items, o)
	}
	s.render(w, r, http.StatusOK, "catalogowner", data)
}

func (s *Server) ownedItem(ctx context.Context, p *auth.Principal, it catalog.Item, names func(string) string) (ownedItem, error) {
	o := ownedItem{Item: it}
	pol, sub := s.policy(), subject(p)
	rs, err := s.Store.ListRequests(ctx, store.RequestQuery{ItemID: it.ID, State: store.RequestPending, Limit: 200})
	if err != nil {
		return o, err
	}
	o.Waiting = len(rs)
	for _, q := range rs {
		ok, err := pol.Allowed(ctx, sub, authz.Read, authz.Request{Request: q})
		if err != nil {
			return o, err
		}
		approver := false
		for _, st := range q.Stages {
			approver = approver || slices.Contains(st.Approvers, p.PersonID) || slices.Contains(st.Fallback, p.PersonID)
		}
		if !ok && !approver {
			continue
		}
		row := ownedRequest{Request: q, Beneficiary: names(q.BeneficiaryID), Requester: names(q.RequesterID), CanOpen: true}
		if q.Stage < len(q.Stages) {
			row.Stage = q.Stages[q.Stage].Name + ": " + nameList(names, q.Stages[q.Stage].Approvers)
		}
		o.Pending = append(o.Pending, row)
	}
	gs, err := s.Store.ListGrants(ctx, store.GrantQuery{ItemID: it.ID, States: []store.GrantState{store.GrantPending, store.GrantActive, store.GrantEnding}, Limit: 500})
	if err != nil {
		return o, err
	}
	for _, g := range gs {
		ok, err := pol.Allowed(ctx, sub, authz.Read, authz.Grant{Grant: g, ItemOwnerID: it.OwnerID})
		if err != nil {
			return o, err
		}
		if !ok {
			continue
		}
		h := ownedHolder{Grant: g, Holder: names(g.HolderID)}
		if g.HolderID == "" && g.HolderNHIID != "" {
			h.Holder = "a non-human identity"
			if n, err := s.Store.GetNHI(ctx, g.HolderNHIID); err == nil {
				h.Holder = n.Name + " (" + string(n.Kind) + ")"
			}
		}
		o.Holders = append(o.Holders, h)
	}
	vs, err := s.Store.ListCatalogItemVersions(ctx, it.ID)
	if err != nil {
		return o, err
	}
	for _, v := range vs {
		what := "changed to version " + strconv.Itoa(v.Version)
		if v.Retired {
			what = "retired (version " + strconv.Itoa(v.Version) + ")"
		}
		o.History = append(o.History, ownedChange{When: formatTime(v.CreatedAt, "2006-01-02 15:04 UTC"), What: what, Who: s.refs(ctx).actor(v.Author).Label})
	}
	return o, nil
}

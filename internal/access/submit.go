package access

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
)

// Submission is what a person asks for.
type Submission struct {
	RequesterID   string
	BeneficiaryID string // "" means the requester
	// BeneficiaryNHI asks for a non-human identity the requester owns (or
	// co-owns); the grant is held by the NHI, its owner accountable.
	BeneficiaryNHI string
	ItemID         string
	Justification  string
	Environment    string
	// NHIName and Project name the service account a service-account item
	// onboards, and the project it belongs to (name or id).
	NHIName    string
	Project    string
	Start, End time.Time // zero Start: now; zero End: Start + the item's default duration
}

// Outcome is the result of a submission or an approver's decision.
type Outcome struct {
	Request  store.AccessRequest
	Decision store.PolicyDecision
	Grant    *store.Grant // set when the request was approved
}

// Submit evaluates a request against policy and records it with its
// decision record: denied, pending approval, or auto-approved with a grant
// that is then fulfilled. A requester may ask for themselves or for a
// direct report.
func (s *Service) Submit(ctx context.Context, sub Submission) (Outcome, error) {
	if err := s.refresh(ctx); err != nil {
		return Outcome{}, err
	}
	it, ok := s.item(sub.ItemID)
	if !ok {
		return Outcome{}, fmt.Errorf("access: item %q: %w", sub.ItemID, ErrNotFound)
	}
	now := s.now()
	s.window(&sub, it, now)
	if it.Fulfillment.Type == "service-account" {
		if err := s.checkOnboarding(ctx, &sub, now); err != nil {
			return Outcome{}, err
		}
	}

	var out Outcome
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		// Decisions about what one person holds are taken one at a time:
		// the duplicate and separation-of-duties checks below see every
		// committed grant and request of the beneficiary.
		if err := tx.LockHolder(ctx, sub.BeneficiaryID); err != nil {
			return fmt.Errorf("beneficiary: %w", err)
		}
		dec, err := s.decide(ctx, tx, sub, it, now)
		if err != nil {
			return err
		}
		in, d, req := dec.in, dec.d, dec.req
		if req, err = tx.CreateRequest(ctx, req); err != nil {
			return err
		}
		explanation := d.ExplanationNamed(personNames(ctx, tx))
		inputs, err := json.Marshal(in)
		if err != nil {
			return err
		}
		rec, err := tx.CreatePolicyDecision(ctx, store.PolicyDecision{
			RequestID: req.ID, Outcome: string(d.Outcome), Rule: d.Rule, Reasons: d.Reasons,
			Explanation: explanation, CatalogVersion: d.CatalogVersion, Inputs: inputs, CreatedAt: now,
		})
		if err != nil {
			return err
		}
		if req, err = tx.UpdateRequest(ctx, req.ID, func(r store.AccessRequest) (store.AccessRequest, error) {
			r.DecisionID = rec.ID
			return r, nil
		}); err != nil {
			return err
		}
		out.Request, out.Decision = req, rec

		entries := []audit.Entry{{
			Actor: "person:" + sub.RequesterID, Action: audit.ActionRequestSubmitted, Target: "request:" + req.ID,
			Details: map[string]any{"item": it.ID, "beneficiary": sub.BeneficiaryID, "outcome": d.Outcome, "rule": d.Rule,
				"explanation": explanation, "catalogVersion": d.CatalogVersion, "decision": rec.ID},
		}}
		switch d.Outcome {
		case policy.AutoApprove:
			g, e, err := s.grantFor(ctx, tx, req, store.AssuranceAutoApproved, nil, "policy:"+d.CatalogVersion, now)
			if err != nil {
				return err
			}
			out.Grant = &g
			entries = append(entries, e)
		case policy.Approval:
			if err := notifyApprovers(ctx, tx, req, it, now); err != nil {
				return err
			}
		}
		_, err = audit.AppendAll(ctx, tx, now, entries...)
		return err
	})
	if err != nil {
		return Outcome{}, mapErr("submit", err)
	}
	if out.Grant != nil {
		s.Kick()
	}
	return out, nil
}

// grantFor gives an approved request its grant: a new pending grant with
// its fulfillment due now, or, for a request extending a live grant, that
// grant with its end moved.
func (s *Service) grantFor(ctx context.Context, tx store.Tx, req store.AccessRequest, assurance string, approvers []string, actor string, now time.Time) (store.Grant, audit.Entry, error) {
	if req.ExtendsGrantID != "" {
		g, err := updateGrant(ctx, tx, req.ExtendsGrantID, func(g store.Grant) (store.Grant, error) {
			if !live(g.State) {
				return g, errNotLive
			}
			if req.End.After(g.End) {
				g.End = req.End
			}
			return g, nil
		})
		if err == nil {
			return g, audit.Entry{Actor: actor, Action: audit.ActionGrantExtended, Target: "grant:" + g.ID,
				Details: map[string]any{"item": g.ItemID, "holder": g.HolderID, "end": g.End, "request": req.ID, "approvers": approvers}}, nil
		}
		if !errors.Is(err, errNotLive) {
			return store.Grant{}, audit.Entry{}, err
		}
		// The grant ended meanwhile: the request gets a grant of its own.
		if req.Start.Before(now) {
			req.Start = now
		}
	}
	g, err := tx.CreateGrant(ctx, store.Grant{
		ItemID: req.ItemID, HolderID: req.BeneficiaryID, HolderNHIID: req.BeneficiaryNHIID, RequestID: req.ID, DecisionID: req.DecisionID,
		Assurance: assurance, ApproverIDs: approvers, Start: req.Start, End: req.End, State: store.GrantPending, CreatedAt: now,
		Work: store.GrantWork{DueAt: &now},
	})
	if err != nil {
		return store.Grant{}, audit.Entry{}, err
	}
	details := map[string]any{"item": g.ItemID, "holder": g.HolderID, "assurance": g.Assurance, "request": req.ID}
	if len(approvers) > 0 {
		details["approvers"] = approvers
	}
	return g, audit.Entry{Actor: actor, Action: audit.ActionGrantCreated, Target: "grant:" + g.ID, Details: details}, nil
}

var errNotLive = errors.New("access: grant is no longer live")

// holdings is what a beneficiary (a person, or one NHI) holds live and has
// pending, by item.
type holdings struct {
	live    map[string]store.Grant   // item → the live grant ending last
	all     map[string][]store.Grant // item → every live grant
	pending map[string]string        // item → a pending request id
}

// heldSame returns the live grant a new request for it would duplicate:
// any live grant of the item, or for a credential item (one credential per
// environment) one issued for the same environment.
func (s *Service) heldSame(ctx context.Context, tx store.Reader, h holdings, it catalog.Item, env string) (store.Grant, bool, error) {
	if !policy.IsCredential(it.Kind) {
		g, ok := h.live[it.ID]
		return g, ok, nil
	}
	for _, g := range h.all[it.ID] {
		if g.RequestID == "" {
			continue
		}
		r, err := tx.GetRequest(ctx, g.RequestID)
		if err != nil {
			return store.Grant{}, false, err
		}
		if r.Environment == env {
			return g, true, nil
		}
	}
	return store.Grant{}, false, nil
}

func (h holdings) items(except string) []string {
	var out []string
	for id := range h.live {
		if id != except {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func (h holdings) pendingItems(except string) []string {
	var out []string
	for id := range h.pending {
		if id != except {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// holdingsOf reads the beneficiary's live grants and pending requests,
// leaving out the request skip. A person has at most one live grant per
// item (requested ones; birthright and imported grants may sit beside
// one), so the cost follows the number of items, not of grants ever held.
//
// only, when not nil, limits the grants read to those items (the item
// asked for and its separation-of-duties conflicts): policy then needs
// nothing else, and a request costs the same however much its
// beneficiary holds.
func holdingsOf(ctx context.Context, tx store.Reader, personID, nhiID, skip string, only []string) (holdings, error) {
	h := holdings{live: map[string]store.Grant{}, all: map[string][]store.Grant{}, pending: map[string]string{}}
	q := store.GrantQuery{HolderID: personID, ItemIDs: only, States: []store.GrantState{store.GrantActive, store.GrantPending}, Limit: 10000}
	if nhiID != "" {
		q = store.GrantQuery{HolderNHIID: nhiID, ItemIDs: only, States: q.States, Limit: q.Limit}
	}
	gs, err := tx.ListGrants(ctx, q)
	if err != nil {
		return h, err
	}
	for _, g := range gs {
		if g.HolderNHIID != nhiID {
			continue // grants of the person's NHIs are the NHIs'
		}
		h.all[g.ItemID] = append(h.all[g.ItemID], g)
		if cur, ok := h.live[g.ItemID]; !ok || g.End.After(cur.End) {
			h.live[g.ItemID] = g
		}
	}
	rs, err := tx.ListRequests(ctx, store.RequestQuery{BeneficiaryID: personID, State: store.RequestPending, Limit: 10000})
	if err != nil {
		return h, err
	}
	for _, r := range rs {
		if r.ID != skip && r.BeneficiaryNHIID == nhiID {
			h.pending[r.ItemID] = r.ID
		}
	}
	return h, nil
}

// activeApprovers drops approvers who are not active (disabled,
// terminated, gone) from a pending request's current and later stages; a
// stage left below its quorum escalates to its active fallback. It returns
// why the request can no longer be approved, or "".
func activeApprovers(ctx context.Context, tx store.Reader, r *store.AccessRequest) (string, error) {
	status := map[string]bool{}
	active := func(ids []string) ([]string, error) {
		var out []string
		for _, id := range ids {
			ok, seen := status[id]
			if !seen {
				p, err := tx.GetPerson(ctx, id)
				switch {
				case errors.Is(err, store.ErrNotFound):
				case err != nil:
					return nil, err
				default:
					ok = p.Status == store.StatusActive
				}
				status[id] = ok
			}
			if ok {
				out = append(out, id)
			}
		}
		return out, nil
	}
	for i := r.Stage; i < len(r.Stages); i++ {
		st := &r.Stages[i]
		var err error
		if st.Approvers, err = active(st.Approvers); err != nil {
			return "", err
		}
		if st.Fallback, err = active(st.Fallback); err != nil {
			return "", err
		}
		quorum := max(st.Quorum, 1)
		needed, remaining := quorum-len(st.Approved), len(st.Approvers)-countIn(st.Approvers, st.Approved)
		if remaining < needed {
			if !st.Escalated && len(st.Fallback) >= quorum {
				st.Approvers, st.Fallback, st.Escalated, st.Approved = st.Fallback, nil, true, nil
				continue
			}
			return fmt.Sprintf("stage %s has no active approver left (nor an active fallback)", st.Name), nil
		}
	}
	return "", nil
}

func countIn(xs, in []string) int {
	n := 0
	for _, x := range xs {
		if slices.Contains(in, x) {
			n++
		}
	}
	return n
}

func name(p policy.Person) string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return p.ID
}

// refresh rebuilds the catalog in force from the current store, when the
// service was given a way to (owner and approver names resolve now, not a
// minute ago).
func (s *Service) refresh(ctx context.Context) error {
	if s.Refresh == nil {
		return nil
	}
	if err := s.Refresh(ctx); err != nil {
		return fmt.Errorf("access: catalog in force: %w", err)
	}
	return nil
}

func dueAfter(now time.Time, timeout time.Duration) *time.Time {
	if timeout <= 0 {
		return nil
	}
	due := now.Add(timeout)
	return &due
}

func notifyApprovers(ctx context.Context, tx store.Tx, req store.AccessRequest, it catalog.Item, now time.Time) error {
	st := req.Stages[req.Stage]
	for _, id := range st.Approvers {
		_, err := tx.CreateNotification(ctx, store.Notification{
			PersonID: id, Kind: "approval.requested", Subject: "request:" + req.ID,
			Message:   fmt.Sprintf("Approve or deny a request for %s (stage %s)", it.Name, st.Name),
			DedupeKey: fmt.Sprintf("request:%s:stage:%d:%s:%t", req.ID, req.Stage, id, st.Escalated), CreatedAt: now,
		})
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return nil
}

// mapErr keeps the package's own errors and the store's not-found
// recognisable to callers.
func mapErr(op string, err error) error {
	switch {
	case errors.Is(err, ErrForbidden), errors.Is(err, ErrInvalid), errors.Is(err, ErrNotFound), errors.Is(err, ErrStateChanged),
		errors.Is(err, ErrConflict), errors.Is(err, ErrGone):
		return err
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("access: %s: %w: %w", op, ErrNotFound, err)
	}
	return fmt.Errorf("access: %s: %w", op, err)
}

// relevantItems are the items whose holdings decide a request for it: the
// item itself and its separation-of-duties conflicts (declared on either
// side), or nil (all) when a CEL condition of the catalog reads grants.
func (s *Service) relevantItems(it catalog.Item) []string {
	cur := s.current.Load()
	if cur.readsGrants {
		return nil
	}
	out := append([]string{it.ID}, it.SoDConflicts...)
	for _, o := range cur.cat.Items {
		if slices.Contains(o.SoDConflicts, it.ID) && !slices.Contains(out, o.ID) {
			out = append(out, o.ID)
		}
	}
	return out
}

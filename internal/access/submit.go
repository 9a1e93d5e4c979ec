package access

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
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
	// Secret is a credential issued by fulfillment (api-key items), shown
	// once and never stored.
	Secret string
}

// Submit evaluates a request against policy and records it with its
// decision record: denied, pending approval, or auto-approved with a grant
// that is then fulfilled. A requester may ask for themselves or for a
// direct report.
func (s *Service) Submit(ctx context.Context, sub Submission) (Outcome, error) {
	if sub.BeneficiaryID == "" {
		sub.BeneficiaryID = sub.RequesterID
	}
	it, ok := s.item(sub.ItemID)
	if !ok {
		return Outcome{}, fmt.Errorf("access: item %q: %w", sub.ItemID, ErrNotFound)
	}
	now := s.now()
	if sub.Start.IsZero() {
		sub.Start = now
	}
	if sub.End.IsZero() {
		d := it.DefaultDuration
		if d == 0 {
			d = it.MaxDuration
		}
		if d == 0 {
			d = 30 * 24 * time.Hour
		}
		sub.End = sub.Start.Add(d)
	}
	sub.Start, sub.End = sub.Start.UTC().Truncate(time.Microsecond), sub.End.UTC().Truncate(time.Microsecond)
	if it.Fulfillment.Type == "service-account" {
		if err := s.checkOnboarding(ctx, &sub, now); err != nil {
			return Outcome{}, err
		}
	}

	var out Outcome
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		requester, err := policyPerson(ctx, tx, sub.RequesterID)
		if err != nil {
			return fmt.Errorf("requester: %w", err)
		}
		beneficiary, err := policyPerson(ctx, tx, sub.BeneficiaryID)
		if err != nil {
			return fmt.Errorf("beneficiary: %w", err)
		}
		var forNHI *policy.NHI
		if sub.BeneficiaryNHI != "" {
			n, err := tx.GetNHI(ctx, sub.BeneficiaryNHI)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("access: nhi %q: %w", sub.BeneficiaryNHI, ErrNotFound)
			}
			if err != nil {
				return err
			}
			if n.OwnerID != sub.RequesterID && !slices.Contains(n.CoOwnerIDs, sub.RequesterID) {
				return fmt.Errorf("access: only an owner of %s may request for it: %w", n.Name, ErrForbidden)
			}
			forNHI = &policy.NHI{ID: n.ID, Name: n.Name, Kind: string(n.Kind), Environment: n.Environment, ProjectID: n.ProjectID, Status: string(n.Status)}
		} else if sub.BeneficiaryID != sub.RequesterID && beneficiary.ManagerID != sub.RequesterID {
			return fmt.Errorf("access: %s may request only for themselves or a direct report: %w", sub.RequesterID, ErrForbidden)
		}
		grants, err := heldItems(ctx, tx, sub.BeneficiaryID)
		if forNHI != nil {
			grants, err = heldByNHI(ctx, tx, forNHI.ID)
		}
		if err != nil {
			return err
		}
		in := policy.Input{
			Requester: requester, Beneficiary: beneficiary, ItemID: it.ID, Grants: grants, Now: now,
			Request: policy.Request{Start: sub.Start, End: sub.End, Justification: sub.Justification, Environment: sub.Environment, NHI: forNHI},
		}
		cur := s.current.Load()
		d := cur.pol.Evaluate(in, cur.cat)

		req := store.AccessRequest{
			ItemID: it.ID, RequesterID: sub.RequesterID, BeneficiaryID: sub.BeneficiaryID, BeneficiaryNHIID: sub.BeneficiaryNHI,
			Justification: sub.Justification, Environment: sub.Environment, NHIName: sub.NHIName, Project: sub.Project,
			Start: sub.Start, End: sub.End, CatalogVersion: d.CatalogVersion, CreatedAt: now,
		}
		switch d.Outcome {
		case policy.Deny:
			req.State = store.RequestDenied
		case policy.AutoApprove:
			req.State = store.RequestApproved
		case policy.Approval:
			req.State = store.RequestPending
			for _, st := range d.Stages {
				req.Stages = append(req.Stages, store.ApprovalStage{
					Name: st.Name, Approvers: st.Approvers, Quorum: st.Quorum, Timeout: st.Timeout,
					OnTimeout: st.OnTimeout, Fallback: st.Fallback, Escalated: st.Escalated,
				})
			}
			req.StageDue = dueAfter(now, req.Stages[0].Timeout)
		}
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
			Actor: "person:" + sub.RequesterID, Action: "request.submitted", Target: "request:" + req.ID,
			Details: map[string]any{"item": it.ID, "beneficiary": sub.BeneficiaryID, "outcome": d.Outcome, "rule": d.Rule,
				"explanation": explanation, "catalogVersion": d.CatalogVersion, "decision": rec.ID},
		}}
		switch d.Outcome {
		case policy.AutoApprove:
			g, err := tx.CreateGrant(ctx, store.Grant{
				ItemID: it.ID, HolderID: sub.BeneficiaryID, HolderNHIID: sub.BeneficiaryNHI, RequestID: req.ID, DecisionID: rec.ID,
				Assurance: store.AssuranceAutoApproved, Start: sub.Start, End: sub.End, State: store.GrantPending, CreatedAt: now,
			})
			if err != nil {
				return err
			}
			out.Grant = &g
			entries = append(entries, audit.Entry{Actor: "policy:" + d.CatalogVersion, Action: "grant.created", Target: "grant:" + g.ID,
				Details: map[string]any{"item": it.ID, "holder": g.HolderID, "assurance": g.Assurance, "request": req.ID}})
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
	return s.fulfillOutcome(ctx, out)
}

func dueAfter(now time.Time, timeout time.Duration) *time.Time {
	if timeout <= 0 {
		return nil
	}
	due := now.Add(timeout)
	return &due
}

func notifyApprovers(ctx context.Context, tx store.Tx, req store.AccessRequest, it Item, now time.Time) error {
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
	case errors.Is(err, ErrForbidden), errors.Is(err, ErrInvalid), errors.Is(err, ErrNotFound), errors.Is(err, ErrStateChanged):
		return err
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("access: %s: %w: %w", op, ErrNotFound, err)
	}
	return fmt.Errorf("access: %s: %w", op, err)
}

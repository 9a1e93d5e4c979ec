package access

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
)

// window fills in a submission's defaults: the requester as beneficiary,
// now for a zero start, the item's default (else maximum, else 30 days)
// duration for a zero end.
func (s *Service) window(sub *Submission, it catalog.Item, now time.Time) {
	if sub.BeneficiaryID == "" {
		sub.BeneficiaryID = sub.RequesterID
	}
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
}

// decided is a submission decided but not filed: the policy's input and
// decision, and the request as Submit stores it.
type decided struct {
	in  policy.Input
	d   policy.Decision
	req store.AccessRequest
}

// decide checks sub and asks the policy inside tx, writing nothing: who
// may ask for whom, a pending duplicate, an extension of a held grant,
// the decision, and approvers who are still active. Submit files what it
// returns; Preview and Browse show it, so what the catalog says about
// eligibility is what a submission gets.
func (s *Service) decide(ctx context.Context, tx store.Tx, sub Submission, it catalog.Item, now time.Time) (decided, error) {
	requester, err := policyPerson(ctx, tx, sub.RequesterID)
	if err != nil {
		return decided{}, fmt.Errorf("requester: %w", err)
	}
	beneficiary, err := policyPerson(ctx, tx, sub.BeneficiaryID)
	if err != nil {
		return decided{}, fmt.Errorf("beneficiary: %w", err)
	}
	var forNHI *policy.NHI
	if sub.BeneficiaryNHI != "" {
		n, err := tx.GetNHI(ctx, sub.BeneficiaryNHI)
		if errors.Is(err, store.ErrNotFound) {
			return decided{}, fmt.Errorf("access: nhi %q: %w", sub.BeneficiaryNHI, ErrNotFound)
		}
		if err != nil {
			return decided{}, err
		}
		if n.OwnerID != sub.RequesterID && !slices.Contains(n.CoOwnerIDs, sub.RequesterID) {
			return decided{}, fmt.Errorf("access: only an owner of %s may request for it: %w", n.Name, ErrForbidden)
		}
		forNHI = &policy.NHI{ID: n.ID, Name: n.Name, Kind: string(n.Kind), Environment: n.Environment, ProjectID: n.ProjectID, Status: string(n.Status)}
	} else if sub.BeneficiaryID != sub.RequesterID && beneficiary.ManagerID != sub.RequesterID {
		return decided{}, fmt.Errorf("access: %s may request only for themselves or a direct report: %w", sub.RequesterID, ErrForbidden)
	}
	h, err := holdingsOf(ctx, tx, sub.BeneficiaryID, sub.BeneficiaryNHI, "", s.relevantItems(it))
	if err != nil {
		return decided{}, err
	}
	if id, ok := h.pending[it.ID]; ok {
		return decided{}, fmt.Errorf("access: a request for %s is already pending (%s); wait for it or withdraw it: %w", it.Name, id, ErrConflict)
	}
	extends := ""
	g, ok, err := s.heldSame(ctx, tx, h, it, sub.Environment)
	if err != nil {
		return decided{}, err
	}
	if ok {
		// The item is held: the request can only extend that grant,
		// decided by the same policy for the added window.
		if !sub.End.After(g.End) {
			return decided{}, fmt.Errorf("access: %s already holds %s until %s; ask for a later end to extend it: %w",
				name(beneficiary), it.Name, g.End.Format(time.RFC3339), ErrConflict)
		}
		extends = g.ID
		if g.End.After(sub.Start) {
			sub.Start = g.End
		}
	}
	in := policy.Input{
		Requester: requester, Beneficiary: beneficiary, ItemID: it.ID, Grants: h.items(it.ID), Pending: h.pendingItems(it.ID), Now: now,
		Request: policy.Request{Start: sub.Start, End: sub.End, Justification: sub.Justification, Environment: sub.Environment, NHI: forNHI},
	}
	cur := s.current.Load()
	d := cur.pol.Evaluate(in, cur.cat)

	req := store.AccessRequest{
		ItemID: it.ID, RequesterID: sub.RequesterID, BeneficiaryID: sub.BeneficiaryID, BeneficiaryNHIID: sub.BeneficiaryNHI,
		Justification: sub.Justification, Environment: sub.Environment, NHIName: sub.NHIName, Project: sub.Project,
		Start: sub.Start, End: sub.End, CatalogVersion: d.CatalogVersion, CreatedAt: now, ExtendsGrantID: extends,
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
		// Approvers who are no longer active never decide.
		why, err := activeApprovers(ctx, tx, &req)
		if err != nil {
			return decided{}, err
		}
		if why != "" {
			d.Outcome, d.Rule, d.Reasons, d.Stages = policy.Deny, "approval.no-approver", []string{why}, nil
			req.State, req.Stages = store.RequestDenied, nil
			break
		}
		req.StageDue = dueAfter(now, req.Stages[0].Timeout)
	}
	return decided{in: in, d: d, req: req}, nil
}

// Verdict is what a submission would get now: the policy's outcome and
// rule, and the explanation in words (approvers by name).
type Verdict struct {
	Outcome     policy.Outcome
	Rule        string
	Explanation string
	// Conditions are the catalog's CEL conditions that held, for those
	// who may read the catalog's rules (never in Explanation).
	Conditions []string
}

// Preview decides sub exactly as Submit would, by the same code, and
// files nothing: the web form asks it first so that a request policy
// would deny is a form error rather than a stored denied request. Errors
// are Submit's (ErrForbidden, ErrConflict, ErrInvalid, ErrNotFound).
func (s *Service) Preview(ctx context.Context, sub Submission) (Verdict, error) {
	if err := s.refresh(ctx); err != nil {
		return Verdict{}, err
	}
	it, ok := s.item(sub.ItemID)
	if !ok {
		return Verdict{}, fmt.Errorf("access: item %q: %w", sub.ItemID, ErrNotFound)
	}
	now := s.now()
	s.window(&sub, it, now)
	if it.Fulfillment.Type == "service-account" {
		if err := s.checkOnboarding(ctx, &sub, now); err != nil {
			return Verdict{}, err
		}
	}
	var v Verdict
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		dec, err := s.decide(ctx, tx, sub, it, now)
		if err != nil {
			return err
		}
		v = verdict(dec.d, personNames(ctx, tx))
		return nil
	})
	if err != nil {
		return Verdict{}, mapErr("preview", err)
	}
	return v, nil
}

func verdict(d policy.Decision, names func(string) string) Verdict {
	return Verdict{Outcome: d.Outcome, Rule: d.Rule, Explanation: d.ExplanationNamed(names), Conditions: d.Conditions}
}

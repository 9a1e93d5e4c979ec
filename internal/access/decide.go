package access

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
)

// Decide records an approver's approve or deny on the current stage of a
// pending request. Only the stage's approvers may decide, never the
// requester or the beneficiary; a denial needs a comment, and so does an
// approval of a high or critical risk item. When the last stage reaches its
// quorum the request is approved and its grant fulfilled.
func (s *Service) Decide(ctx context.Context, approverID, requestID string, approve bool, comment string) (Outcome, error) {
	if err := s.refresh(ctx); err != nil {
		return Outcome{}, err
	}
	now := s.now()
	comment = strings.TrimSpace(comment)
	var (
		out  Outcome
		late error // the stage was due: its timeout applied, the decision refused
	)
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		cur, err := tx.GetRequest(ctx, requestID)
		if err != nil {
			return err
		}
		if err := tx.LockHolder(ctx, cur.BeneficiaryID); err != nil {
			return err
		}
		approver, err := tx.GetPerson(ctx, approverID)
		if err != nil {
			return fmt.Errorf("access: approver: %w", err)
		}
		var entries []audit.Entry
		req, err := tx.UpdateRequest(ctx, requestID, func(r store.AccessRequest) (store.AccessRequest, error) {
			entries = nil
			it, ok := s.item(r.ItemID)
			switch {
			case r.State != store.RequestPending:
				return r, fmt.Errorf("access: request %s is %s: %w", r.ID, r.State, ErrStateChanged)
			case approverID == r.RequesterID || approverID == r.BeneficiaryID:
				return r, fmt.Errorf("access: nobody decides on a request they made or benefit from: %w", ErrForbidden)
			case !slices.Contains(r.Stages[r.Stage].Approvers, approverID):
				return r, fmt.Errorf("access: %s is not an approver of stage %s: %w", approverID, r.Stages[r.Stage].Name, ErrForbidden)
			case approver.Status != store.StatusActive:
				return r, fmt.Errorf("access: %s is %s and can no longer decide: %w", approver.Name(), approver.Status, ErrForbidden)
			case slices.Contains(r.Stages[r.Stage].Approved, approverID):
				return r, fmt.Errorf("access: %s already approved stage %s: %w", approverID, r.Stages[r.Stage].Name, ErrInvalid)
			case approvedEarlierStage(r, approverID):
				return r, fmt.Errorf("access: %s approved an earlier stage of this request; each stage needs another approver: %w", approver.Name(), ErrForbidden)
			case !approve && comment == "":
				return r, fmt.Errorf("access: a denial needs a comment: %w", ErrInvalid)
			case approve && comment == "" && ok && (it.Risk == policy.RiskHigh || it.Risk == policy.RiskCritical):
				return r, fmt.Errorf("access: approving a %s-risk item needs a comment: %w", it.Risk, ErrInvalid)
			}
			if r.StageDue != nil && !r.StageDue.After(now) {
				// Too late: the stage's timeout applies now, not at the
				// next sweep, and the decision is refused.
				due := *r.StageDue
				escalated := applyTimeout(&r, now)
				late = fmt.Errorf("access: stage %s was due at %s; the decision came too late (%s): %w",
					r.Stages[r.Stage].Name, due.Format(time.RFC3339), map[bool]string{true: "escalated to the fallback", false: "denied"}[escalated], ErrStateChanged)
				if !escalated {
					r.StateReason = "stage " + r.Stages[r.Stage].Name + " timed out"
				}
				entries = append(entries, audit.Entry{Actor: "system:deadline", Action: map[bool]string{true: audit.ActionRequestEscalated, false: audit.ActionRequestTimedOut}[escalated],
					Target: "request:" + r.ID, Details: map[string]any{"stage": r.Stages[r.Stage].Name, "lateDecisionBy": approverID}})
				return r, nil
			}
			if _, err := tx.CreateApproverDecision(ctx, store.ApproverDecision{RequestID: r.ID, Stage: r.Stage, ApproverID: approverID, Approve: approve, Comment: comment, CreatedAt: now}); err != nil {
				return r, err
			}
			stage := &r.Stages[r.Stage]
			entries = append(entries, audit.Entry{Actor: "person:" + approverID, Action: map[bool]string{true: audit.ActionRequestApprovedStage, false: audit.ActionRequestDenied}[approve],
				Target: "request:" + r.ID, Details: map[string]any{"stage": stage.Name, "comment": comment}})
			if !approve {
				r.State, r.StageDue = store.RequestDenied, nil
				return r, nil
			}
			// An approval takes effect now: re-check what may have changed
			// since the request was submitted.
			why, err := s.recheckApproval(ctx, tx, r, it, ok)
			if err != nil {
				return r, err
			}
			if why != "" {
				r.State, r.StageDue, r.StateReason = store.RequestDenied, nil, "re-check: "+why
				entries = append(entries, audit.Entry{Actor: "system:recheck", Action: audit.ActionRequestRefusedOnRecheck, Target: "request:" + r.ID,
					Details: map[string]any{"reason": why, "approver": approverID}})
				return r, nil
			}
			stage.Approved = append(stage.Approved, approverID)
			if len(stage.Approved) < stage.Quorum {
				return r, nil
			}
			r.Stage++
			if r.Stage < len(r.Stages) {
				r.StageDue = dueAfter(now, r.Stages[r.Stage].Timeout)
				return r, nil
			}
			r.State, r.StageDue = store.RequestApproved, nil
			return r, nil
		})
		if err != nil {
			return err
		}
		out.Request = req
		switch {
		case req.State == store.RequestApproved:
			var approvers []string
			for _, st := range req.Stages {
				approvers = append(approvers, st.Approved...)
			}
			g, e, err := s.grantFor(ctx, tx, req, store.AssuranceApproved, approvers, "person:"+approverID, now)
			if err != nil {
				return err
			}
			out.Grant = &g
			entries = append(entries, e)
		case req.State == store.RequestPending && len(req.Stages[req.Stage].Approved) == 0 && (req.Stage > 0 || late != nil):
			it, _ := s.item(req.ItemID)
			if err := notifyApprovers(ctx, tx, req, it, now); err != nil {
				return err
			}
		}
		if err := notifyDecided(ctx, tx, req, now, s.item); err != nil {
			return err
		}
		_, err = audit.AppendAll(ctx, tx, now, entries...)
		return err
	})
	if err != nil {
		return Outcome{}, mapErr("decide", err)
	}
	if late != nil {
		return Outcome{}, late
	}
	if out.Grant != nil {
		s.Kick()
	}
	return out, nil
}

// approvedEarlierStage reports whether id approved a stage before the
// current one: distinct stages need distinct approvers.
func approvedEarlierStage(r store.AccessRequest, id string) bool {
	for i := 0; i < r.Stage && i < len(r.Stages); i++ {
		if slices.Contains(r.Stages[i].Approved, id) {
			return true
		}
	}
	return false
}

// applyTimeout applies an overdue stage's timeout to r: escalate to the
// fallback once when the stage says so and has one, else deny.
func applyTimeout(r *store.AccessRequest, now time.Time) (escalated bool) {
	st := &r.Stages[r.Stage]
	if st.OnTimeout == "escalate" && !st.Escalated && len(st.Fallback) >= max(st.Quorum, 1) {
		st.Approvers, st.Fallback, st.Escalated, st.Approved = st.Fallback, nil, true, nil
		r.StageDue = dueAfter(now, st.Timeout)
		return true
	}
	r.State, r.StageDue = store.RequestDenied, nil
	return false
}

// recheckApproval re-runs, when an approval takes effect, the parts of
// policy that can change after submission: the item still live, the
// beneficiary still active, and separation of duties against what they
// hold now and their other pending requests. It returns why the request
// may no longer be approved, or "".
func (s *Service) recheckApproval(ctx context.Context, tx store.Reader, r store.AccessRequest, it catalog.Item, itemOK bool) (string, error) {
	switch {
	case !itemOK:
		return fmt.Sprintf("item %s is no longer in the catalog", r.ItemID), nil
	case it.Retired:
		return fmt.Sprintf("item %s was retired", it.ID), nil
	}
	b, err := tx.GetPerson(ctx, r.BeneficiaryID)
	if err != nil {
		return "", err
	}
	if b.Status != store.StatusActive {
		return fmt.Sprintf("%s is %s, not active", b.Name(), b.Status), nil
	}
	h, err := holdingsOf(ctx, tx, r.BeneficiaryID, r.BeneficiaryNHIID, r.ID, s.relevantItems(it))
	if err != nil {
		return "", err
	}
	pol := s.Policy()
	for _, other := range h.items(it.ID) {
		if pol.Conflicts(it.ID, other) {
			return fmt.Sprintf("separation of duties: %s holds %s, which conflicts with %s", b.Name(), other, it.ID), nil
		}
	}
	for _, other := range h.pendingItems(it.ID) {
		if pol.Conflicts(it.ID, other) {
			return fmt.Sprintf("separation of duties: %s has a pending request for %s, which conflicts with %s", b.Name(), other, it.ID), nil
		}
	}
	return "", nil
}

// Explanation is a request's decision record and every approver decision.
type Explanation struct {
	Request   store.AccessRequest
	Decision  store.PolicyDecision
	Approvals []store.ApproverDecision
}

// Explain returns why a request stands where it does. Only those MaySee
// lets read it (allowAll: admins and auditors) get it.
func (s *Service) Explain(ctx context.Context, viewerID, requestID string, allowAll bool) (Explanation, error) {
	var ex Explanation
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		r, err := tx.GetRequest(ctx, requestID)
		if err != nil {
			return err
		}
		if !s.MaySee(r, viewerID, allowAll) {
			return fmt.Errorf("access: request %s: %w", requestID, ErrNotFound)
		}
		d, err := tx.GetPolicyDecision(ctx, r.DecisionID)
		if err != nil {
			return err
		}
		ads, err := tx.ListApproverDecisions(ctx, requestID)
		if err != nil {
			return err
		}
		ex = Explanation{Request: r, Decision: d, Approvals: ads}
		return nil
	})
	return ex, mapErrNil("explain", err)
}

// involved is the one request rule of package authz.
func involved(r store.AccessRequest, id string) bool { return authz.InRequest(r, id) }

func mapErrNil(op string, err error) error {
	if err == nil {
		return nil
	}
	return mapErr(op, err)
}

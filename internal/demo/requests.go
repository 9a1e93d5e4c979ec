package demo

import (
	"context"
	"errors"
	"fmt"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/store"
)

// RequestSummary counts the requests SeedRequests left in each state.
type RequestSummary struct {
	Pending, Approved, Denied, Withdrawn int
}

// SeedRequests files access requests of the demo catalog through the
// request service, as the demo's people would, so every login finds
// something: requests in every state (pending for Max and for Cora,
// approved by policy and by a manager, denied by policy and by a manager,
// withdrawn), a grant waiting for Cora to confirm its manual
// fulfillment, and a one-time credential for Eli.
func SeedRequests(ctx context.Context, st store.Store, svc *access.Service) (RequestSummary, error) {
	var sum RequestSummary
	person := func(email string) (store.Person, error) {
		ps, err := st.FindPersons(ctx, store.MatchEmail, email)
		if err != nil || len(ps) != 1 {
			return store.Person{}, fmt.Errorf("demo: requests: person %s: %d found: %w", email, len(ps), err)
		}
		return ps[0], nil
	}
	// someone returns an active person of dept with an active manager.
	someone := func(dept string, skip ...string) (store.Person, error) {
		ps, err := st.ListPersons(ctx, store.PersonQuery{Department: dept, Status: store.StatusActive, Limit: 200})
		if err != nil {
			return store.Person{}, fmt.Errorf("demo: requests: %s: %w", dept, err)
		}
	next:
		for _, p := range ps {
			for _, s := range skip {
				if p.ID == s {
					continue next
				}
			}
			if p.ManagerID == "" {
				continue
			}
			if m, err := st.GetPerson(ctx, p.ManagerID); err == nil && m.Status == store.StatusActive {
				return p, nil
			}
		}
		return store.Person{}, fmt.Errorf("demo: requests: nobody in %s with an active manager", dept)
	}
	eli, err := person("eli.novak@example.com")
	if err != nil {
		return sum, err
	}
	seller, err := someone("Sales")
	if err != nil {
		return sum, err
	}
	finance, err := someone("Finance")
	if err != nil {
		return sum, err
	}
	operator, err := someone("Operations")
	if err != nil {
		return sum, err
	}
	engineer, err := someone("Engineering", eli.ID, eli.ManagerID)
	if err != nil {
		return sum, err
	}
	engineer2, err := someone("Engineering", eli.ID, eli.ManagerID, engineer.ID)
	if err != nil {
		return sum, err
	}
	submit := func(who store.Person, item, env, why string) (store.AccessRequest, error) {
		out, err := svc.Submit(ctx, access.Submission{RequesterID: who.ID, ItemID: item, Environment: env, Justification: why})
		if err != nil && out.Request.ID == "" {
			return out.Request, fmt.Errorf("demo: request %s for %s: %w", item, who.UserName, err)
		}
		return out.Request, nil
	}
	decide := func(r store.AccessRequest, approve bool, comment string) error {
		if r.State != store.RequestPending || r.Stage >= len(r.Stages) || len(r.Stages[r.Stage].Approvers) == 0 {
			return fmt.Errorf("demo: request %s is %s, not waiting for an approver", r.ID, r.State)
		}
		_, err := svc.Decide(ctx, r.Stages[r.Stage].Approvers[0], r.ID, approve, comment)
		return err
	}
	steps := []func() error{
		// Approved by policy: a one-week key outside prod, with a
		// credential Eli sees once.
		func() error {
			_, err := submit(eli, "payments-api-key", "dev", "Reproduce a settlement bug locally")
			return err
		},
		// Pending for the platform approvers (Ada and Max): prod.
		func() error {
			_, err := submit(eli, "payments-api-key", "prod", "Investigate failed settlements in production")
			return err
		},
		// Approved by policy, fulfilled by hand: waits for Cora.
		func() error {
			_, err := submit(operator, "batch-operator", "", "Restart the nightly jobs during on-call")
			return err
		},
		// Pending for Cora, the item's owner.
		func() error {
			_, err := submit(engineer, "batch-operator", "", "Rerun the failed ETL batch")
			return err
		},
		// Approved by a manager.
		func() error {
			r, err := submit(seller, "salesforce-finance-reports", "", "Quarterly pipeline review")
			if err != nil {
				return err
			}
			return decide(r, true, "")
		},
		// Denied by policy: Eli is not in Finance.
		func() error {
			_, err := submit(eli, "ap-payments-approver", "", "Cover for a colleague")
			return err
		},
		// Denied by a manager, with the reason.
		func() error {
			r, err := submit(finance, "ap-payments-approver", "", "Approve vendor payments while the team lead is away")
			if err != nil {
				return err
			}
			return decide(r, false, "Not while you administer vendors; ask the team lead's deputy")
		},
		// Withdrawn by its requester.
		func() error {
			r, err := submit(engineer2, "batch-operator", "", "Rerun the weekly export")
			if err != nil {
				return err
			}
			if r.State != store.RequestPending {
				return fmt.Errorf("demo: request to withdraw is %s", r.State)
			}
			_, err = svc.Withdraw(ctx, engineer2.ID, r.ID, "The export ran by itself after all")
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return sum, err
		}
	}
	if _, err := svc.ProcessFulfillments(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return sum, fmt.Errorf("demo: requests: fulfil: %w", err)
	}
	for _, state := range []store.RequestState{store.RequestPending, store.RequestApproved, store.RequestDenied, store.RequestWithdrawn} {
		rs, err := st.ListRequests(ctx, store.RequestQuery{State: state, Limit: 1000})
		if err != nil {
			return sum, fmt.Errorf("demo: requests: %w", err)
		}
		switch state {
		case store.RequestPending:
			sum.Pending = len(rs)
		case store.RequestApproved:
			sum.Approved = len(rs)
		case store.RequestDenied:
			sum.Denied = len(rs)
		case store.RequestWithdrawn:
			sum.Withdrawn = len(rs)
		}
	}
	return sum, nil
}

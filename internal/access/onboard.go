package access

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/store"
)

var nhiName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$`)

// checkOnboarding validates what a service-account request must say: a
// name for the new identity and a live project it belongs to (by name or
// id, resolved to the id).
func (s *Service) checkOnboarding(ctx context.Context, sub *Submission, now time.Time) error {
	switch {
	case sub.NHIName == "":
		return fmt.Errorf("access: nhi_name: required for a service-account request: %w", ErrInvalid)
	case !nhiName.MatchString(sub.NHIName):
		return fmt.Errorf("access: nhi_name %q: use 2-64 letters, digits, '.', '_' or '-': %w", sub.NHIName, ErrInvalid)
	case sub.Project == "":
		return fmt.Errorf("access: project: required, every onboarded service account belongs to a project: %w", ErrInvalid)
	}
	p, err := s.Store.GetProjectByName(ctx, sub.Project)
	if errors.Is(err, store.ErrNotFound) {
		p, err = s.Store.GetProject(ctx, sub.Project)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("access: project %q: no such project: %w", sub.Project, ErrInvalid)
	case err != nil:
		return err
	case p.Status == store.ProjectClosed || (p.EndDate != nil && !p.EndDate.After(now)):
		return fmt.Errorf("access: project %q has ended; extend it or choose another: %w", p.Name, ErrInvalid)
	}
	sub.Project = p.ID
	return nil
}

// ServiceAccount fulfillment onboards a non-human identity through a
// governed request instead of ad hoc issuance: a service account named by
// the request, owned by the beneficiary, in the request's project and
// environment, recorded in the NHI inventory (where orphan rules watch it).
// Revoking the grant retires it.
type ServiceAccount struct {
	Store store.Store
	Now   func() time.Time
}

// Grant creates the service account; a retry finds the one it created.
func (a ServiceAccount) Grant(ctx context.Context, g store.Grant, it catalog.Item, holder store.Person) (string, bool, error) {
	if n, err := a.Store.GetNHIByExternalID(ctx, "request", g.ID); err == nil {
		return "nhi:" + n.ID, true, nil
	}
	req, err := a.Store.GetRequest(ctx, g.RequestID)
	if err != nil {
		return "", false, fmt.Errorf("service-account: request: %w", err)
	}
	now := a.Now().UTC().Truncate(time.Microsecond)
	var n store.NHI
	err = a.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.CreateNHI(ctx, store.NHI{
			Kind: store.KindServiceAccount, Name: req.NHIName, Source: "request", ExternalID: g.ID,
			Environment: req.Environment, OwnerID: holder.ID, ProjectID: req.Project, Status: store.NHIActive,
			Description: fmt.Sprintf("onboarded through request %s for %s (%s)", req.ID, it.Name, req.Justification),
			CreatedAt:   now, UpdatedAt: now, RotatedAt: &now,
		})
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: "fulfillment:service-account", Action: audit.ActionNHICreated, Target: "nhi:" + n.ID,
			Details: map[string]any{"grant": g.ID, "request": req.ID, "item": it.ID, "owner": holder.ID, "project": req.Project, "environment": req.Environment}})
		return err
	})
	if err != nil {
		return "", false, fmt.Errorf("service-account %s: %w", req.NHIName, err)
	}
	return "nhi:" + n.ID, true, nil
}

// Revoke retires the service account.
func (a ServiceAccount) Revoke(ctx context.Context, g store.Grant, _ catalog.Item, _ store.Person) error {
	return retireIssuedNHI(ctx, a.Store, a.Now(), "service-account", g.ID)
}

package access

import (
	"context"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// Extend asks for more time on a live grant: a new request for the same
// item and holder whose window runs from the grant's end to end, decided
// by the same policy as any request (eligibility, maximum duration,
// approval stages), with the requester as given (the holder, or their
// manager).
func (s *Service) Extend(ctx context.Context, requesterID, grantID string, end time.Time, justification string) (Outcome, error) {
	g, err := s.Store.GetGrant(ctx, grantID)
	if err != nil {
		return Outcome{}, mapErr("extend", err)
	}
	if g.State != store.GrantActive {
		return Outcome{}, fmt.Errorf("access: grant %s is %s; only an active grant is extended: %w", g.ID, g.State, ErrStateChanged)
	}
	if !end.After(g.End) {
		return Outcome{}, fmt.Errorf("access: the new end %s is not after the grant's end %s: %w", end.UTC().Format(time.RFC3339), g.End.Format(time.RFC3339), ErrInvalid)
	}
	start := g.End
	if now := s.now(); start.Before(now) {
		start = now
	}
	return s.Submit(ctx, Submission{RequesterID: requesterID, BeneficiaryID: g.HolderID, ItemID: g.ItemID,
		Justification: justification, Start: start, End: end})
}

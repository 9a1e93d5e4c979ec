package nhi

import (
	"context"
	"fmt"

	"github.com/syncd-dev/syncd/internal/store"
)

// ListFindings returns findings as the store holds them.
func (s *Service) ListFindings(ctx context.Context, q store.FindingQuery) ([]store.Finding, error) {
	return s.Store.ListFindings(ctx, q)
}

// CountOpenFindingsByRule counts unresolved findings per rule.
func (s *Service) CountOpenFindingsByRule(ctx context.Context) (map[string]int, error) {
	return s.Store.CountOpenFindingsByRule(ctx)
}

// Reevaluate runs the orphan rules for one NHI now, after a change made
// elsewhere (the web UI's reassign or project extension), so its findings
// open or resolve at once rather than at the next scheduled evaluation.
func (s *Service) Reevaluate(ctx context.Context, nhiID string) error {
	now := s.now()
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		_, err := s.reevaluate(ctx, tx, []string{nhiID}, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("nhi: reevaluate %s: %w", nhiID, err)
	}
	return nil
}

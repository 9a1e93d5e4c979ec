package nhi

import (
	"context"

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

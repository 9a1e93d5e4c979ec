package webui

import (
	"context"

	"github.com/syncd-dev/syncd/internal/store"
)

// Findings is what the pages need of the orphan-finding engine (package
// nhi owns it). A nil Findings means none is wired: pages say so instead of
// failing.
type Findings interface {
	ListFindings(ctx context.Context, q store.FindingQuery) ([]store.Finding, error)
	// CountOpenFindingsByRule counts unresolved findings per rule.
	CountOpenFindingsByRule(ctx context.Context) (map[string]int, error)
	// Reevaluate runs the orphan rules for one NHI now, after a change made
	// here (a new owner, a longer project), so its findings resolve at once.
	Reevaluate(ctx context.Context, nhiID string) error
}

// OrphanRules are the rule names the NHI filter offers (store.Finding.Rule).
var OrphanRules = []string{"no-owner", "owner-inactive", "project-ended", "credential-expired", "rotation-overdue", "unused"}

package nhi

import (
	"context"
	"fmt"

	"github.com/syncd-dev/syncd/internal/store"
)

// OpenByRule counts unresolved findings per rule, every rule present
// (zero when none): the gauge behind syncd_nhi_open_findings, which the
// daemon's /metrics (package metrics) serves.
func OpenByRule(ctx context.Context, st store.FindingReadTx) (map[string]int, error) {
	got, err := st.CountOpenFindingsByRule(ctx)
	if err != nil {
		return nil, fmt.Errorf("nhi: count findings: %w", err)
	}
	out := make(map[string]int, len(Rules))
	for _, r := range Rules {
		out[r] = got[r]
	}
	return out, nil
}

package nhi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/syncd-dev/syncd/internal/store"
)

// OpenByRule counts unresolved findings per rule, every rule present
// (zero when none): the gauge behind syncd_nhi_open_findings.
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

// WriteMetrics writes the per-rule gauge in the Prometheus text
// exposition format (version 0.0.4).
func WriteMetrics(w io.Writer, counts map[string]int) error {
	if _, err := fmt.Fprint(w, "# HELP syncd_nhi_open_findings Unresolved orphan findings of non-human identities, per rule.\n# TYPE syncd_nhi_open_findings gauge\n"); err != nil {
		return err
	}
	for _, r := range Rules {
		if _, err := fmt.Fprintf(w, "syncd_nhi_open_findings{rule=%q} %d\n", r, counts[r]); err != nil {
			return err
		}
	}
	return nil
}

// MetricsHandler serves the gauge for Prometheus to scrape.
func MetricsHandler(st store.FindingReadTx, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		counts, err := OpenByRule(r.Context(), st)
		if err != nil {
			logger.Error("metrics", "err", err)
			http.Error(w, "metrics unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_ = WriteMetrics(w, counts)
	})
}

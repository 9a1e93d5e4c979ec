package pull

import (
	"context"
	"errors"
	"time"

	"github.com/syncd-dev/syncd/internal/source"
	"github.com/syncd-dev/syncd/internal/store"
)

// DefaultRetries are the waits before running a source again, on a new
// connection, after a run failed because the source could not be reached.
var DefaultRetries = []time.Duration{2 * time.Second, 10 * time.Second}

// RunRetrying runs src once, and again after each wait of retries
// (DefaultRetries when nil) while the run fails with source.ErrUnreachable
// (connection refused or dropped mid-read); other failures are final.
// onRetry, when set, is told before each wait. Each attempt is its own
// recorded run; the last one is returned.
func RunRetrying(ctx context.Context, r *Runner, src source.Source, o Options, retries []time.Duration, onRetry func(attempt int, wait time.Duration, err error)) (store.SyncRun, error) {
	if retries == nil {
		retries = DefaultRetries
	}
	for attempt := 0; ; attempt++ {
		run, err := r.Run(ctx, src, o)
		if err == nil || !errors.Is(err, source.ErrUnreachable) || attempt >= len(retries) || ctx.Err() != nil {
			return run, err
		}
		if onRetry != nil {
			onRetry(attempt+1, retries[attempt], err)
		}
		select {
		case <-ctx.Done():
			return run, err
		case <-time.After(retries[attempt]):
		}
	}
}

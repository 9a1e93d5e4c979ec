package nhi_test

import (
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestConcurrentUpdatesLoseNothing: JSON API updates of different fields
// of one NHI (and one project), sent at once, all survive: each patch is
// applied to the row as it is once locked, never to a copy read before.
func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
		ctx := t.Context()
		f := newFixture(t, s)
		n := f.nhi(t, store.NHI{Name: "svc-race", ExternalID: "svc-race"})
		str := func(v string) *string { return &v }
		const rounds = 20
		var last []string
		for round := 0; round < rounds; round++ {
			// Each round writes new values, so an update applied to a copy
			// read before another's commit would bring back the previous
			// round's value.
			at := time.Date(2026, 5, 1+round, 0, 0, 0, 0, time.UTC)
			v := func(field string) string { return field + "-" + at.Format("02") }
			last = []string{v("d"), v("e"), v("t")}
			patches := []nhi.NHIPatch{
				{Description: str(v("d"))},
				{Environment: str(v("e"))},
				{OwningTeam: str(v("t"))},
				{RotatedAt: &at},
				{LastUsedAt: &at},
				{ExpiresAt: &at},
			}
			var wg sync.WaitGroup
			errs := make(chan error, len(patches))
			for _, p := range patches {
				wg.Go(func() {
					if _, err := f.svc.UpdateNHI(ctx, "test", n.ID, p, nil); err != nil {
						errs <- err
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatalf("update: %v", err)
			}
			got, err := s.GetNHI(ctx, n.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Description != last[0] || got.Environment != last[1] || got.OwningTeam != last[2] ||
				got.RotatedAt == nil || !got.RotatedAt.Equal(at) || got.LastUsedAt == nil || !got.LastUsedAt.Equal(at) ||
				got.ExpiresAt == nil || !got.ExpiresAt.Equal(at) {
				t.Fatalf("round %d: an acknowledged update was lost: description %q environment %q team %q rotated %v used %v expires %v",
					round, got.Description, got.Environment, got.OwningTeam, got.RotatedAt, got.LastUsedAt, got.ExpiresAt)
			}
		}
	})
}

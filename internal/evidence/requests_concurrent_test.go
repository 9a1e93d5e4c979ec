package evidence

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// insertingSource inserts requests into the period before every page it
// reads, the way requests submitted during an export land.
type insertingSource struct {
	RequestSource
	insert func()
	pages  atomic.Int64
}

func (s *insertingSource) ScanRequests(ctx context.Context, q store.RequestScan) ([]store.AccessRequest, error) {
	s.pages.Add(1)
	for range 7 {
		s.insert()
	}
	return s.RequestSource.ScanRequests(ctx, q)
}

// TestRequestExportUnderConcurrentInserts exports 1,100 requests that
// share three creation times (so every page boundary falls inside a tie)
// while requests keep arriving in the same period: between page reads and
// from another goroutine throughout. Every request there at the start is
// on the sheet exactly once and no request twice, with paged reads alone
// (keyset paging on the unique (created_at, id)) and over one snapshot; over
// the snapshot, as syncd runs it, the Summary's count is also the sheet's.
func TestRequestExportUnderConcurrentInserts(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		ada, err := st.CreatePerson(ctx, store.Person{UserName: "ada", DisplayName: "Ada", Status: store.StatusActive})
		must(t, "person", err)
		day := time.Date(2026, 10, 5, 8, 0, 0, 0, time.UTC)
		ties := []time.Time{day.Add(time.Hour), day.Add(2 * time.Hour), day.Add(2*time.Hour + 500*time.Microsecond)}
		var n atomic.Int64
		create := func(at time.Time) (store.AccessRequest, error) {
			i := n.Add(1)
			r := store.AccessRequest{ItemID: "wiki", RequesterID: ada.ID, BeneficiaryID: ada.ID,
				Justification: "r" + strconv.FormatInt(i, 10), Start: at, End: at.Add(time.Hour), State: store.RequestPending, CatalogVersion: "v1", CreatedAt: at}
			// Two writers on a loaded machine may outwait SQLite's busy
			// timeout; the writes are the background here, not the subject.
			for attempt := 1; ; attempt++ {
				got, err := st.CreateRequest(context.Background(), r)
				if err == nil || !errors.Is(err, store.ErrUnavailable) || attempt == 5 {
					return got, err
				}
			}
		}
		seeded := map[string]bool{}
		for i := range 1100 {
			r, err := create(ties[i%len(ties)])
			must(t, "seed", err)
			seeded[r.ID] = true
		}
		insert := func() {
			if _, err := create(ties[int(n.Load())%len(ties)]); err != nil {
				t.Error(err)
			}
		}
		ex := &Exporter{Key: testKey(t, 5), Generator: "syncd test", Now: func() time.Time { return testTime }}
		for _, snapshot := range []bool{false, true} {
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 300; i++ {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := create(ties[i%len(ties)].Add(-time.Duration(i%2) * time.Minute)); err != nil {
						t.Error(err)
						return
					}
				}
			}()
			var buf bytes.Buffer
			if snapshot {
				// As syncd evidence export runs it: over one snapshot.
				err = st.InSnapshot(ctx, func(tx store.Reader) error {
					return ex.ExportRequests(ctx, &insertingSource{RequestSource: tx, insert: insert}, day, day.Add(24*time.Hour), &buf)
				})
			} else {
				// Paged reads alone: keyset paging still never repeats or
				// skips a row.
				err = ex.ExportRequests(ctx, &insertingSource{RequestSource: st, insert: insert}, day, day.Add(24*time.Hour), &buf)
			}
			close(stop)
			wg.Wait()
			must(t, "export", err)
			path := filepath.Join(t.TempDir(), "requests.xlsx")
			must(t, "write", os.WriteFile(path, buf.Bytes(), 0o600))
			f := openBook(t, path)
			reqs := rowsOf(t, f, "Requests and approvals")
			count := map[string]int{}
			for _, r := range reqs.rows {
				count[reqs.get(r, "Request")]++
			}
			for id, c := range count {
				if c != 1 {
					t.Errorf("snapshot %v: request %s on %d rows", snapshot, id, c)
				}
			}
			for id := range seeded {
				if count[id] == 0 {
					t.Errorf("snapshot %v: request %s, there before the export, is missing", snapshot, id)
				}
			}
			if sum := sheetMap(t, f, "Summary"); snapshot && sum["Requests submitted"] != strconv.Itoa(len(reqs.rows)) {
				t.Errorf("Summary says %s requests, the sheet has %d rows", sum["Requests submitted"], len(reqs.rows))
			}
		}
		if n.Load() < 1100+40 {
			t.Fatalf("only %d requests inserted during the export", n.Load()-1100)
		}
	})
}

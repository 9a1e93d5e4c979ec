package identity_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestConcurrentBatchesLinkingTheSameNewRecords runs two batches of the
// same new records at once (two replicas pulling one source, say). Both
// read the records as unlinked; the one that writes its links second
// must not take them over for the persons it created, which would leave
// the first's persons linked to nothing: it conflicts and is planned
// again, and finds the records linked. One person per record, whatever
// the interleaving.
func TestConcurrentBatchesLinkingTheSameNewRecords(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		// The real clock: the tests' stepping clock is not for two
		// goroutines.
		svc, err := identity.New(testConfig(), st)
		if err != nil {
			t.Fatal(err)
		}
		const rounds, records = 8, 10
		for round := range rounds {
			changes := make([]identity.Change, records)
			ids := make([]string, records)
			for i := range changes {
				ids[i] = fmt.Sprintf("r%d-%d", round, i)
				changes[i] = upsert(ids[i], map[string]string{"userName": ids[i], "email": ids[i] + "@example.com"})
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			start := make(chan struct{})
			for w := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, errs[w] = svc.Apply(t.Context(), identity.Batch{Source: "ldap", Changes: changes})
				}()
			}
			close(start)
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
			}
			links, err := st.GetSourceLinks(t.Context(), "ldap", ids)
			if err != nil {
				t.Fatal(err)
			}
			if len(links) != records {
				t.Fatalf("round %d: %d links, want %d", round, len(links), records)
			}
		}
		n, err := st.CountPersons(t.Context(), store.PersonQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if n != rounds*records {
			t.Fatalf("%d persons for %d records: some are linked to nothing", n, rounds*records)
		}
	})
}

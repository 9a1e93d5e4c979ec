package storetest

import (
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var evidenceTests = []test{
	{"scan requests of a period in pages", testScanRequests},
}

func testScanRequests(t *testing.T, s store.Store) {
	a, b, c := accessPeople(t, s)
	var ids []string
	for i := range 5 {
		r := pendingRequest(a, b, c)
		// Two requests share a creation time: the ID breaks the tie.
		r.CreatedAt = at(time.Duration(i/2) * time.Hour)
		got, err := s.CreateRequest(t.Context(), r)
		must(t, "create", err)
		ids = append(ids, got.ID)
	}
	// Outside the period.
	late := pendingRequest(a, b, c)
	late.CreatedAt = at(10 * time.Hour)
	_, err := s.CreateRequest(t.Context(), late)
	must(t, "create late", err)

	var seen []store.AccessRequest
	q := store.RequestScan{From: at(0), To: at(3 * time.Hour), Limit: 2}
	for {
		page, err := s.ScanRequests(t.Context(), q)
		must(t, "scan", err)
		seen = append(seen, page...)
		if len(page) < q.Limit {
			break
		}
		q.AfterCreated, q.AfterID = page[len(page)-1].CreatedAt, page[len(page)-1].ID
	}
	if len(seen) != 5 {
		t.Fatalf("scanned %d requests, want 5", len(seen))
	}
	for i := 1; i < len(seen); i++ {
		p, n := seen[i-1], seen[i]
		if n.CreatedAt.Before(p.CreatedAt) || (n.CreatedAt.Equal(p.CreatedAt) && n.ID <= p.ID) {
			t.Fatalf("out of order at %d: %v %s then %v %s", i, p.CreatedAt, p.ID, n.CreatedAt, n.ID)
		}
	}
	g, err := s.CreateGrant(t.Context(), store.Grant{ItemID: "reports", HolderID: a.ID, RequestID: ids[1], Assurance: store.AssuranceApproved,
		ApproverIDs: []string{b.ID}, Start: at(0), End: at(24 * time.Hour), State: store.GrantActive})
	must(t, "grant", err)
	_, err = s.CreateGrant(t.Context(), store.Grant{ItemID: "reports", HolderID: b.ID, Assurance: store.AssuranceBirthright,
		Start: at(0), End: at(24 * time.Hour), State: store.GrantActive})
	must(t, "birthright grant", err)
	grants, err := s.ListGrantsByRequest(t.Context(), []string{ids[0], ids[1]})
	must(t, "grants by request", err)
	if len(grants) != 1 || grants[0].ID != g.ID {
		t.Fatalf("grants by request = %+v", grants)
	}
	byID, err := s.ListGrantsByID(t.Context(), []string{g.ID, "missing"})
	must(t, "grants by id", err)
	if len(byID) != 1 || byID[0].ID != g.ID || byID[0].RequestID != ids[1] {
		t.Fatalf("grants by id = %+v", byID)
	}
	none, err := s.ListGrantsByRequest(t.Context(), nil)
	must(t, "no ids", err)
	if len(none) != 0 {
		t.Fatalf("no ids gave %d grants", len(none))
	}
}

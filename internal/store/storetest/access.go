package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var accessTests = []test{
	{"request lifecycle", testRequestLifecycle},
	{"request queries", testRequestQueries},
	{"decision records", testDecisionRecords},
	{"approver decides once per stage", testApproverOnce},
	{"grants", testGrants},
	{"grant concurrent updates", testGrantConcurrent},
	{"notifications dedupe inside a transaction", testNotifications},
	{"request needs existing persons", testRequestPersonsExist},
}

func accessPeople(t *testing.T, s store.Store) (a, b, c store.Person) {
	t.Helper()
	return newPerson(t, s, store.Person{UserName: "ana"}), newPerson(t, s, store.Person{UserName: "ben"}), newPerson(t, s, store.Person{UserName: "cyd"})
}

func pendingRequest(a, b, c store.Person) store.AccessRequest {
	return store.AccessRequest{
		ItemID: "reports", RequesterID: a.ID, BeneficiaryID: a.ID, Justification: "close",
		Start: at(0), End: at(48 * time.Hour), State: store.RequestPending, CatalogVersion: "v1",
		Stages: []store.ApprovalStage{{Name: "manager", Approvers: []string{b.ID}, Quorum: 1, Timeout: time.Hour, OnTimeout: "escalate", Fallback: []string{c.ID}}},
	}
}

func testRequestLifecycle(t *testing.T, s store.Store) {
	a, b, c := accessPeople(t, s)
	due := at(time.Hour)
	in := pendingRequest(a, b, c)
	in.StageDue = &due
	in.NHIName, in.Project, in.BeneficiaryNHIID = "svc-etl", "apollo", "nhi-1"
	r, err := s.CreateRequest(t.Context(), in)
	must(t, "create", err)
	if r.ID == "" || r.State != store.RequestPending || len(r.Stages) != 1 || r.Stages[0].Fallback[0] != c.ID || r.NHIName != "svc-etl" || r.Project != "apollo" || r.BeneficiaryNHIID != "nhi-1" {
		t.Fatalf("created %+v", r)
	}
	wantStamp(t, "created", r.CreatedAt)
	got, err := s.GetRequest(t.Context(), r.ID)
	must(t, "get", err)
	same(t, "round trip", got, r)

	up, err := s.UpdateRequest(t.Context(), r.ID, func(r store.AccessRequest) (store.AccessRequest, error) {
		r.Stages[0].Approved = append(r.Stages[0].Approved, b.ID)
		r.State, r.Stage, r.StageDue = store.RequestApproved, 1, nil
		return r, nil
	})
	must(t, "update", err)
	if up.State != store.RequestApproved || up.Stage != 1 || up.StageDue != nil || up.Stages[0].Approved[0] != b.ID {
		t.Fatalf("updated %+v", up)
	}
	boom := errors.New("boom")
	_, err = s.UpdateRequest(t.Context(), r.ID, func(store.AccessRequest) (store.AccessRequest, error) { return store.AccessRequest{}, boom })
	wantErr(t, "fn error", err, boom)
	_, err = s.UpdateRequest(t.Context(), r.ID, func(r store.AccessRequest) (store.AccessRequest, error) { r.State = "maybe"; return r, nil })
	if err == nil {
		t.Fatal("invalid state accepted")
	}
	_, err = s.GetRequest(t.Context(), "missing")
	wantErr(t, "missing", err, store.ErrNotFound)
}

func testRequestQueries(t *testing.T, s store.Store) {
	a, b, c := accessPeople(t, s)
	due1, due2 := at(time.Hour), at(3*time.Hour)
	r1 := pendingRequest(a, b, c)
	r1.StageDue = &due1
	r1, err := s.CreateRequest(t.Context(), r1)
	must(t, "r1", err)
	r2 := pendingRequest(a, b, c)
	r2.BeneficiaryID, r2.Stages[0].Approvers, r2.StageDue = b.ID, []string{c.ID}, &due2
	r2, err = s.CreateRequest(t.Context(), r2)
	must(t, "r2", err)
	r3 := pendingRequest(a, b, c)
	r3.State = store.RequestDenied
	r3, err = s.CreateRequest(t.Context(), r3)
	must(t, "r3", err)

	reqIDs := func(rs []store.AccessRequest) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	cutoff := at(2 * time.Hour)
	for _, tc := range []struct {
		name string
		q    store.RequestQuery
		want []string
	}{
		{"by requester, newest first", store.RequestQuery{RequesterID: a.ID}, []string{r3.ID, r2.ID, r1.ID}},
		{"by beneficiary", store.RequestQuery{BeneficiaryID: b.ID}, []string{r2.ID}},
		{"approver inbox", store.RequestQuery{Approver: b.ID}, []string{r1.ID}},
		{"approver inbox ignores fallback and denied", store.RequestQuery{Approver: c.ID}, []string{r2.ID}},
		{"wildcards do not widen", store.RequestQuery{Approver: "%"}, nil},
		{"due before", store.RequestQuery{DueBefore: &cutoff}, []string{r1.ID}},
		{"state", store.RequestQuery{State: store.RequestDenied}, []string{r3.ID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListRequests(t.Context(), tc.q)
			must(t, "list", err)
			same(t, tc.name, reqIDs(got), tc.want)
		})
	}
}

func testDecisionRecords(t *testing.T, s store.Store) {
	a, b, c := accessPeople(t, s)
	r, err := s.CreateRequest(t.Context(), pendingRequest(a, b, c))
	must(t, "request", err)
	d, err := s.CreatePolicyDecision(t.Context(), store.PolicyDecision{
		RequestID: r.ID, Outcome: "approval", Rule: "approval", Reasons: []string{"x", "y"},
		Explanation: "needs approval: x; y", CatalogVersion: "v1", Inputs: []byte(`{"itemId":"reports"}`),
	})
	must(t, "create", err)
	got, err := s.GetPolicyDecision(t.Context(), d.ID)
	must(t, "get", err)
	same(t, "round trip", got, d)
	_, err = s.CreatePolicyDecision(t.Context(), store.PolicyDecision{RequestID: r.ID, Outcome: "deny"})
	if err == nil {
		t.Fatal("a decision without rule and inputs was stored")
	}
	_, err = s.GetPolicyDecision(t.Context(), 999999)
	wantErr(t, "missing", err, store.ErrNotFound)
}

func testApproverOnce(t *testing.T, s store.Store) {
	a, b, c := accessPeople(t, s)
	r, err := s.CreateRequest(t.Context(), pendingRequest(a, b, c))
	must(t, "request", err)
	_, err = s.CreateApproverDecision(t.Context(), store.ApproverDecision{RequestID: r.ID, Stage: 0, ApproverID: b.ID, Approve: true})
	must(t, "first", err)
	_, err = s.CreateApproverDecision(t.Context(), store.ApproverDecision{RequestID: r.ID, Stage: 0, ApproverID: b.ID, Approve: false, Comment: "changed my mind"})
	wantErr(t, "second", err, store.ErrConflict)
	_, err = s.CreateApproverDecision(t.Context(), store.ApproverDecision{RequestID: r.ID, Stage: 1, ApproverID: b.ID, Approve: true})
	must(t, "next stage", err)
	ds, err := s.ListApproverDecisions(t.Context(), r.ID)
	must(t, "list", err)
	if len(ds) != 2 || !ds[0].Approve || ds[1].Stage != 1 {
		t.Fatalf("decisions %+v", ds)
	}
}

func testGrants(t *testing.T, s store.Store) {
	a, b, _ := accessPeople(t, s)
	g, err := s.CreateGrant(t.Context(), store.Grant{
		ItemID: "reports", HolderID: a.ID, RequestID: "r1", DecisionID: 7, Assurance: store.AssuranceApproved,
		ApproverIDs: []string{b.ID}, Start: at(0), End: at(24 * time.Hour), State: store.GrantPending,
	})
	must(t, "create", err)
	if g.FulfillmentStatus != "pending" || g.ApproverIDs[0] != b.ID {
		t.Fatalf("created %+v", g)
	}
	got, err := s.GetGrant(t.Context(), g.ID)
	must(t, "get", err)
	same(t, "round trip", got, g)
	_, err = s.CreateGrant(t.Context(), store.Grant{ItemID: "x", HolderID: a.ID, Assurance: "approved", Start: at(time.Hour), End: at(0), State: store.GrantActive})
	if err == nil {
		t.Fatal("a grant ending before it starts was stored")
	}
	_, err = s.CreateGrant(t.Context(), store.Grant{ItemID: "x", HolderID: "nobody", Assurance: "approved", Start: at(0), End: at(time.Hour), State: store.GrantActive})
	if err == nil {
		t.Fatal("a grant for a missing person was stored")
	}

	up, err := s.UpdateGrant(t.Context(), g.ID, func(g store.Grant) (store.Grant, error) {
		g.State, g.FulfillmentStatus = store.GrantActive, "done"
		return g, nil
	})
	must(t, "activate", err)
	if up.State != store.GrantActive {
		t.Fatalf("%+v", up)
	}
	g2, err := s.CreateGrant(t.Context(), store.Grant{ItemID: "other", HolderID: a.ID, HolderNHIID: "nhi-7", Assurance: store.AssuranceBirthright, Start: at(0), End: at(72 * time.Hour), State: store.GrantActive})
	must(t, "second", err)
	soon := at(48 * time.Hour)
	for _, tc := range []struct {
		name string
		q    store.GrantQuery
		want int
	}{
		{"holder", store.GrantQuery{HolderID: a.ID}, 2},
		{"item", store.GrantQuery{ItemID: "other"}, 1},
		{"state", store.GrantQuery{States: []store.GrantState{store.GrantActive}}, 2},
		{"ending before", store.GrantQuery{EndBefore: &soon}, 1},
		{"other holder", store.GrantQuery{HolderID: b.ID}, 0},
		{"held by an NHI", store.GrantQuery{HolderNHIID: "nhi-7"}, 1},
	} {
		got, err := s.ListGrants(t.Context(), tc.q)
		must(t, tc.name, err)
		if len(got) != tc.want {
			t.Errorf("%s: %d grants, want %d", tc.name, len(got), tc.want)
		}
	}
	_ = g2
}

func testGrantConcurrent(t *testing.T, s store.Store) {
	a, _, _ := accessPeople(t, s)
	g, err := s.CreateGrant(t.Context(), store.Grant{ItemID: "x", HolderID: a.ID, Assurance: "approved", Start: at(0), End: at(time.Hour), State: store.GrantActive})
	must(t, "create", err)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.UpdateGrant(t.Context(), g.ID, func(g store.Grant) (store.Grant, error) {
				g.FulfillmentError += "x"
				return g, nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := s.GetGrant(t.Context(), g.ID)
	must(t, "get", err)
	if got.FulfillmentError != "xxxxxxxx" {
		t.Fatalf("lost updates: %q", got.FulfillmentError)
	}
}

func testNotifications(t *testing.T, s store.Store) {
	a, _, _ := accessPeople(t, s)
	err := s.InTx(t.Context(), func(tx store.Tx) error {
		n := store.Notification{PersonID: a.ID, Kind: "grant.expiring", Subject: "grant:1", Message: "ends in 14 days", DedupeKey: "grant:1:14d"}
		if _, err := tx.CreateNotification(t.Context(), n); err != nil {
			return err
		}
		_, err := tx.CreateNotification(t.Context(), n)
		wantErr(t, "repeat", err, store.ErrConflict)
		// The transaction is still usable after the repeat.
		_, err = tx.CreateNotification(t.Context(), store.Notification{PersonID: a.ID, Kind: "k", DedupeKey: "other"})
		return err
	})
	must(t, "tx", err)
	ns, err := s.ListNotifications(t.Context(), a.ID, true)
	must(t, "list", err)
	if len(ns) != 2 || ns[0].DedupeKey != "other" {
		t.Fatalf("%+v", ns)
	}
}

func testRequestPersonsExist(t *testing.T, s store.Store) {
	a, b, c := accessPeople(t, s)
	r := pendingRequest(a, b, c)
	r.BeneficiaryID = "nobody"
	if _, err := s.CreateRequest(t.Context(), r); err == nil {
		t.Fatal("request for a missing beneficiary stored")
	}
}

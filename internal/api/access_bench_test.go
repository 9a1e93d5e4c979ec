package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/api"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// BenchmarkRequestToAutoApprovedGrant measures POST /api/v1/requests over
// HTTP on SQLite for an auto-approved api-key item, with each requester
// already holding 10 or 1,000 live grants. The submission commits the
// request, the grant and its fulfillment work and answers; the daemon's
// worker then issues the key. It reports the submission's p50/p99 latency
// and, separately, the p50/p99 time from submission to the grant being
// active.
//
//	go test -run '^$' -bench BenchmarkRequestToAutoApprovedGrant -benchtime 1000x ./internal/api/
func BenchmarkRequestToAutoApprovedGrant(b *testing.B) {
	for _, held := range []int{10, 1000} {
		b.Run(fmt.Sprintf("held=%d", held), func(b *testing.B) { benchRequests(b, held) })
	}
}

func benchRequests(b *testing.B, held int) {
	const people, items = 40, 50 // 2,000 distinct (person, item) requests at most
	st := gormtest.SQLite(b)
	ctx := b.Context()
	idsvc, err := identity.New(identity.Config{Rules: []identity.Rule{{Name: "eng", JobFunction: "engineer", When: `person.department == "Engineering"`}}}, st)
	if err != nil {
		b.Fatal(err)
	}
	var changes []identity.Change
	for i := range people {
		changes = append(changes, identity.Change{Record: identity.Record{ExternalID: fmt.Sprint(i),
			Attributes: map[string]string{"userName": fmt.Sprintf("dev%d", i), "department": "Engineering"}}})
	}
	res, err := idsvc.Apply(ctx, identity.Batch{Source: "hr", Changes: changes})
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	for _, a := range res.Applied {
		ids = append(ids, a.PersonID)
	}
	// What each person already holds: live grants of other items.
	now := time.Now().UTC()
	for _, p := range ids {
		if err := st.InTx(ctx, func(tx store.Tx) error {
			for i := range held {
				if _, err := tx.CreateGrant(ctx, store.Grant{ItemID: fmt.Sprintf("held-%d", i), HolderID: p, Assurance: store.AssuranceImported,
					Start: now, End: now.Add(365 * 24 * time.Hour), State: store.GrantActive, FulfillmentStatus: "done"}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	cat := &catalog.Catalog{}
	for i := range items {
		cat.Items = append(cat.Items, catalog.Item{ItemSpec: policy.ItemSpec{ID: fmt.Sprintf("key-%d", i), Name: "Key", Kind: "api-key", Risk: policy.RiskLow, OwnerID: ids[0],
			Eligibility: policy.Eligibility{JobFunctions: []string{"engineer"}}, AutoApprove: &policy.Condition{When: `request.environment == "dev"`},
			Environments: []string{"dev"}, MaxDuration: 7 * 24 * time.Hour}, Fulfillment: catalog.Fulfillment{Type: "api-key"}})
	}
	svc, err := access.NewService(st, cat, map[string]access.Fulfiller{"api-key": &access.APIKey{Store: st, Now: time.Now}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	wctx, stop := context.WithCancel(context.Background())
	defer stop()
	go svc.RunWorker(wctx)
	mux := http.NewServeMux()
	(&api.Server{Store: st, Access: svc, Auth: personAuth{}}).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	end := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	var lat []time.Duration
	submitted := map[string]time.Time{} // grant id → when its request was sent
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i >= people*items {
			b.Fatalf("at most %d requests; use -benchtime %dx or less", people*items, people*items)
		}
		body := []byte(`{"item":"key-` + fmt.Sprint(i/people) + `","environment":"dev","end":"` + end + `"}`)
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/requests", bytes.NewReader(body))
		req.Header.Set("X-Test-Person", ids[i%people])
		t0 := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var out struct {
			Grant struct {
				ID string `json:"id"`
			} `json:"grant"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		lat = append(lat, time.Since(t0))
		if resp.StatusCode != http.StatusCreated || err != nil || out.Grant.ID == "" {
			b.Fatalf("status %d %v %+v", resp.StatusCode, err, out)
		}
		submitted[out.Grant.ID] = t0
	}
	b.StopTimer()
	// Time to active: the grant's last update is its activation.
	var toActive []time.Duration
	deadline := time.Now().Add(2 * time.Minute)
	for id, t0 := range submitted {
		for {
			g, err := st.GetGrant(ctx, id)
			if err != nil {
				b.Fatal(err)
			}
			if g.State == store.GrantActive {
				toActive = append(toActive, g.UpdatedAt.Sub(t0))
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("grant %s still %s (%s)", id, g.State, g.FulfillmentError)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	slices.Sort(lat)
	slices.Sort(toActive)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "submit-p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "submit-p99-ms")
	b.ReportMetric(float64(toActive[len(toActive)/2].Microseconds())/1000, "active-p50-ms")
	b.ReportMetric(float64(toActive[len(toActive)*99/100].Microseconds())/1000, "active-p99-ms")
}

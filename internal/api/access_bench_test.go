package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/api"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// BenchmarkRequestToAutoApprovedGrant measures POST /api/v1/requests over
// HTTP on SQLite, from the request to the auto-approved, fulfilled grant
// (an api-key item: the secret is issued and its NHI recorded in the same
// request),
// and reports p50/p99 latency and requests/s.
//
//	go test -run '^$' -bench BenchmarkRequestToAutoApprovedGrant -benchtime 2000x ./internal/api/
func BenchmarkRequestToAutoApprovedGrant(b *testing.B) {
	st := gormtest.SQLite(b)
	idsvc, err := identity.New(identity.Config{Rules: []identity.Rule{{Name: "eng", JobFunction: "engineer", When: `person.department == "Engineering"`}}}, st)
	if err != nil {
		b.Fatal(err)
	}
	var changes []identity.Change
	for i := range 200 {
		changes = append(changes, identity.Change{Record: identity.Record{ExternalID: fmt.Sprint(i),
			Attributes: map[string]string{"userName": fmt.Sprintf("dev%d", i), "department": "Engineering"}}})
	}
	res, err := idsvc.Apply(b.Context(), identity.Batch{Source: "hr", Changes: changes})
	if err != nil {
		b.Fatal(err)
	}
	var people []string
	for _, a := range res.Applied {
		people = append(people, a.PersonID)
	}
	cat := &access.Catalog{Items: []access.Item{{ItemSpec: policy.ItemSpec{ID: "key", Name: "Key", Kind: "api-key", Risk: policy.RiskLow, OwnerID: people[0],
		Eligibility: policy.Eligibility{JobFunctions: []string{"engineer"}}, AutoApprove: &policy.Condition{When: `request.environment == "dev"`},
		Environments: []string{"dev"}, MaxDuration: 7 * 24 * time.Hour}, Fulfillment: access.Fulfillment{Type: "api-key"}}}}
	svc, err := access.NewService(st, cat, map[string]access.Fulfiller{"api-key": &access.APIKey{Store: st, Now: time.Now}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	(&api.Server{Store: st, Access: svc, Auth: personAuth{}}).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	body := []byte(`{"item":"key","environment":"dev","end":"` + time.Now().Add(48*time.Hour).UTC().Format(time.RFC3339) + `"}`)
	var lat []time.Duration
	b.ResetTimer()
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/requests", bytes.NewReader(body))
		req.Header.Set("X-Test-Person", people[i%len(people)])
		t0 := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		lat = append(lat, time.Since(t0))
		if resp.StatusCode != http.StatusCreated {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	elapsed := time.Since(start)
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "requests/s")
}

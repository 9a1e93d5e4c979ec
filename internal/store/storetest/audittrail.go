package storetest

import (
	"github.com/syncd-dev/syncd/internal/audit"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var auditTrailTests = []test{
	{"audit trail filters and pages newest first", testAuditTrail},
}

func testAuditTrail(t *testing.T, s store.Store) {
	actors := []string{"person:ana", "person:ben", "system"}
	actions := []string{audit.ActionRequestSubmitted, audit.ActionReviewDecided}
	for i := range 12 {
		_, err := s.AppendAudit(t.Context(), linker(store.AuditEvent{
			Time: at(time.Duration(i) * time.Hour).UTC().Truncate(time.Microsecond), Actor: actors[i%3], Action: actions[i%2],
			Target: "request:" + itoa(i%4), Details: []byte(`{}`),
		}))
		must(t, "append", err)
	}
	seqs := func(evs []store.AuditEvent) []int64 {
		out := []int64{}
		for _, e := range evs {
			out = append(out, e.Seq)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    store.AuditTrailQuery
		want []int64
	}{
		{"newest first", store.AuditTrailQuery{Limit: 3}, []int64{12, 11, 10}},
		{"older page", store.AuditTrailQuery{BeforeSeq: 10, Limit: 3}, []int64{9, 8, 7}},
		{"newer page", store.AuditTrailQuery{AfterSeq: 6, Limit: 3}, []int64{9, 8, 7}},
		{"actor", store.AuditTrailQuery{Actor: "person:ben"}, []int64{11, 8, 5, 2}},
		{"action and actor", store.AuditTrailQuery{Actor: "system", Actions: []string{audit.ActionReviewDecided}}, []int64{12, 6}},
		{"target", store.AuditTrailQuery{Target: "request:1"}, []int64{10, 6, 2}},
		{"time range, to exclusive", store.AuditTrailQuery{From: at(2 * time.Hour), To: at(5 * time.Hour)}, []int64{5, 4, 3}},
		{"actor, paged", store.AuditTrailQuery{Actor: "person:ana", BeforeSeq: 7, Limit: 1}, []int64{4}},
		{"nothing", store.AuditTrailQuery{Actor: "person:nobody"}, []int64{}},
	} {
		evs, err := s.ListAuditTrail(t.Context(), tc.q)
		must(t, tc.name, err)
		if got := seqs(evs); !equalInts(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

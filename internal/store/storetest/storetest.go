package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// Run runs the conformance suite. open must return an empty, ready store
// of its own for each call; Run closes nothing (open registers cleanup).
// The group and NHI tests run when the store implements store.GroupTx and
// store.NHITx.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"persons", personTests},
		{"links", linkTests},
		{"jobfunctions", jobFunctionTests},
		{"audit", auditTests},
		{"auditqueue", auditQueueTests},
		{"tx", txTests},
		{"syncruns", syncRunTests},
		{"tokens", tokenTests},
		{"groups", groupTests},
		{"nhis", nhiTests},
		{"access", accessTests},
		{"catalog", catalogTests},
		{"web", webTests},
		{"findings", findingTests},
		{"tasks", taskTests},
		{"personrefs", personRefTests},
		{"pull", pullTests},
		{"views", viewTests},
		{"evidence", evidenceTests},
		{"review", reviewTests},
		{"security", securityTests},
		{"jobs", jobTests},
		{"scimwrite", scimWriteTests},
		{"pullbatch", pullBatchTests},
		{"identitybatch", identityBatchTests},
		{"recordpath", recordPathTests},
		{"reviewbulk", reviewBulkTests},
		{"evidencescan", evidenceScanTests},
		{"notify", notifyTests},
		{"webcount", webCountTests},
		{"audittrail", auditTrailTests},
		{"limits", limitTests},
		{"closepopulation", closePopulationTests},
		{"readers", readerTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
			}
		})
	}
}

type test struct {
	name string
	fn   func(t *testing.T, s store.Store)
}

// wantErr fails unless err matches target (nil meaning no error).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	switch {
	case target == nil && err != nil:
		t.Fatalf("%s: unexpected error: %v", what, err)
	case target != nil && !errors.Is(err, target):
		t.Fatalf("%s: error %v, want %v", what, err, target)
	}
}

// must fails the test on err.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// same compares got and want by their JSON form, which keeps time zones
// (a UTC time prints "Z") and compares byte slices and maps by value.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err := json.Marshal(got)
	must(t, what, err)
	w, err := json.Marshal(want)
	must(t, what, err)
	if string(g) != string(w) {
		t.Fatalf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// stored is v as the store keeps it: UTC, whole microseconds.
func stored(v time.Time) time.Time { return v.UTC().Truncate(time.Microsecond) }

// storedPtr is stored for optional times.
func storedPtr(v *time.Time) *time.Time {
	if v == nil {
		return nil
	}
	s := stored(*v)
	return &s
}

// wantStamp fails unless v is a store-set time: not zero, UTC, whole
// microseconds.
func wantStamp(t *testing.T, what string, v time.Time) {
	t.Helper()
	switch {
	case v.IsZero():
		t.Fatalf("%s: zero time", what)
	case v.Location() != time.UTC:
		t.Fatalf("%s: %v is not UTC", what, v)
	case v.Nanosecond()%1000 != 0:
		t.Fatalf("%s: %v has sub-microsecond precision", what, v)
	}
}

// zone is a non-UTC zone with sub-microsecond times, to check the store
// normalises what it is given.
var zone = time.FixedZone("UTC+2", 2*60*60)

// at returns a fixed time in zone plus d, with nanoseconds set.
func at(d time.Duration) time.Time {
	return time.Date(2026, 3, 14, 15, 9, 26, 535897932, zone).Add(d)
}

// errBoom is a caller error that must come back unchanged.
var errBoom = errors.New("boom")

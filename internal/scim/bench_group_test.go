package scim_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// BenchmarkGroupPatchGrowth grows one group to SCIM_BENCH_MEMBERS members
// (50,000 by default) by PATCH adds of 100 members each, through the SCIM
// handler, and reports the first and the last batch's latency (a delta
// PATCH costs what it names, so they should be within 2x). The timed loop
// is one single-member add and one remove at full size. Set
// SCIM_BENCH_POSTGRES=1 to run it on PostgreSQL instead of SQLite.
func BenchmarkGroupPatchGrowth(b *testing.B) {
	members := 50000
	if v, err := strconv.Atoi(os.Getenv("SCIM_BENCH_MEMBERS")); err == nil && v > 0 {
		members = v
	}
	var st *gormstore.Store
	if os.Getenv("SCIM_BENCH_POSTGRES") != "" {
		st = gormtest.Postgres(b)
	} else {
		st = gormtest.SQLite(b)
	}
	fs := newBenchServerOn(b, st)
	ids := benchPersons(b, st, fs.source, members+1)
	rec := fs.do("POST", "/scim/v2/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Big"}`)
	if rec.Code != 201 {
		b.Fatal(rec.Code, rec.Body.String())
	}
	gid := jsonField(rec.Body.String(), "id")
	add := func(batch []string) time.Duration {
		vals := make([]string, len(batch))
		for i, id := range batch {
			vals[i] = `{"value":"` + id + `"}`
		}
		body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[` + strings.Join(vals, ",") + `]}]}`
		t0 := time.Now()
		rec := fs.do("PATCH", "/scim/v2/Groups/"+gid, body)
		d := time.Since(t0)
		if rec.Code/100 != 2 {
			b.Fatal(rec.Code, rec.Body.String())
		}
		return d
	}
	var first, last time.Duration
	for i := 0; i < members; i += 100 {
		d := add(ids[i:min(i+100, members)])
		if i == 0 {
			first = d
		}
		last = d
	}
	extra := ids[members]
	remove := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"` + extra + `\"]"}]}`
	var addT, removeT time.Duration
	n := 0
	for b.Loop() {
		addT += add([]string{extra})
		t0 := time.Now()
		if rec := fs.do("PATCH", "/scim/v2/Groups/"+gid, remove); rec.Code/100 != 2 {
			b.Fatal(rec.Code, rec.Body.String())
		}
		removeT += time.Since(t0)
		n++
	}
	b.ReportMetric(float64(first.Microseconds())/1000, "first-batch-ms")
	b.ReportMetric(float64(last.Microseconds())/1000, "last-batch-ms")
	b.ReportMetric(float64(last)/float64(first), "last/first")
	b.ReportMetric(float64(addT.Microseconds())/1000/float64(n), "single-add-ms")
	b.ReportMetric(float64(removeT.Microseconds())/1000/float64(n), "single-remove-ms")
	mem, err := st.ListGroupMembers(b.Context(), gid)
	if err != nil || len(mem) != members {
		b.Fatalf("group has %d members (%v), want %d", len(mem), err, members)
	}
}

// benchPersons links n persons to source through identity, 1,000 per
// batch (much faster than n SCIM POSTs), and returns their ids.
func benchPersons(b *testing.B, st store.Store, source string, n int) []string {
	b.Helper()
	id, err := identity.New(identity.Config{}, st)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, 0, n)
	for i := 0; i < n; i += 1000 {
		var changes []identity.Change
		for j := i; j < min(i+1000, n); j++ {
			name := fmt.Sprintf("m%d@x.test", j)
			changes = append(changes, identity.Change{Op: identity.OpUpsert, Record: identity.Record{
				ExternalID: fmt.Sprintf("m%d", j), Attributes: map[string]string{"userName": name},
				Raw: []byte(`{"userName":"` + name + `"}`)}})
		}
		res, err := id.Apply(b.Context(), identity.Batch{Source: source, Changes: changes})
		if err != nil || len(res.Applied) != len(changes) {
			b.Fatalf("persons: %v, %d rejected", err, len(res.Rejected))
		}
		for _, a := range res.Applied {
			ids = append(ids, a.PersonID)
		}
	}
	return ids
}

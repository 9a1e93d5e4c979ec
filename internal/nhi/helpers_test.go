package nhi_test

import (
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time                { return c.t }
func (c *clock) Advance(d time.Duration)       { c.t = c.t.Add(d) }
func newClock() *clock                         { return &clock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)} }
func (c *clock) In(d time.Duration) *time.Time { t := c.t.Add(d); return &t }

// fixture is a store with the identity write path and the NHI service on
// one clock.
type fixture struct {
	st    store.Store
	ids   *identity.Service
	svc   *nhi.Service
	clock *clock
}

func newFixture(t *testing.T, st store.Store) *fixture {
	t.Helper()
	c := newClock()
	ids, err := identity.New(identity.Config{
		Sources: map[string]identity.SourceRole{"hr": identity.RoleHR, "okta": identity.RoleIdP},
	}, st, identity.WithNow(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	svc := &nhi.Service{
		Store: st, Now: c.Now,
		Policy:      nhi.Policy{Thresholds: []nhi.Threshold{{RotateEvery: 365 * 24 * time.Hour}}},
		Remediation: nhi.Remediation{Deadline: 7 * 24 * time.Hour, FallbackTeam: "security", DefaultAction: nhi.ActionFlag},
	}
	return &fixture{st: st, ids: ids, svc: svc, clock: c}
}

// person upserts a person from the IdP source "okta" (as a SCIM push would)
// and returns it; status "" is active.
func (f *fixture) person(t *testing.T, ext, status, managerExt string) store.Person {
	t.Helper()
	attrs := map[string]string{"userName": ext, "email": ext + "@example.com"}
	if status != "" {
		attrs["status"] = status
	}
	rec := identity.Record{ExternalID: ext, Attributes: attrs}
	if managerExt != "" {
		rec.Manager = &identity.ManagerRef{ExternalID: managerExt}
	}
	res, err := f.ids.Apply(t.Context(), identity.Batch{Source: "okta", Changes: []identity.Change{{Op: identity.OpUpsert, Record: rec}}})
	if err != nil || len(res.Rejected) > 0 || len(res.Applied) != 1 {
		t.Fatalf("apply %s: %v %+v", ext, err, res.Rejected)
	}
	p, err := f.st.GetPerson(t.Context(), res.Applied[0].PersonID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// nhi stores an NHI as a source would (the LDAP pull, SCIM push).
func (f *fixture) nhi(t *testing.T, n store.NHI) store.NHI {
	t.Helper()
	if n.Kind == "" {
		n.Kind = store.KindServiceAccount
	}
	if n.Source == "" {
		n.Source = "ldap"
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = f.clock.t.Add(-24 * time.Hour)
	}
	out, err := f.st.CreateNHI(t.Context(), n)
	if err != nil {
		t.Fatalf("create nhi %s: %v", n.Name, err)
	}
	return out
}

func (f *fixture) evaluate(t *testing.T) nhi.Summary {
	t.Helper()
	sum, err := f.svc.Evaluate(t.Context())
	if err != nil {
		t.Fatalf("evaluate: %v", err)
	}
	return sum
}

// openFindings lists unresolved findings as "nhi-name rule", sorted.
func openFindings(t *testing.T, st store.Store) []string {
	t.Helper()
	fs, err := st.ListFindings(t.Context(), store.FindingQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		n, err := st.GetNHI(t.Context(), f.NHIID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n.Name+" "+f.Rule)
	}
	sort.Strings(out)
	return out
}

func wantStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// auditActions returns the actions of every audit event after verifying
// the chain.
func auditActions(t *testing.T, st store.Store) []string {
	t.Helper()
	if _, err := audit.Verify(t.Context(), st); err != nil {
		t.Fatalf("audit chain: %v", err)
	}
	evs, err := st.ListAudit(t.Context(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Action)
	}
	return out
}

func count(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

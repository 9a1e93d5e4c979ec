package demo_test

import (
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/demo"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

func options(st store.Store, now time.Time) demo.Options {
	return demo.Options{
		Store: st, Now: now,
		Identity: func(clock func() time.Time) (*identity.Service, error) {
			return identity.New(demo.IdentityConfig(), st, identity.WithNow(clock))
		},
	}
}

func TestGenerateBuildsTheDemoOrganisation(t *testing.T) {
	ctx := t.Context()
	st := gormtest.SQLite(t)
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	sum, err := demo.Generate(ctx, options(st, now))
	if err != nil {
		t.Fatal(err)
	}
	if sum.People < 280 || sum.People > 320 || sum.NHIs < 40 || sum.Projects != 4 || sum.Runs < 4 || sum.Movers < 10 {
		t.Fatalf("summary %+v", sum)
	}
	if n, _ := st.CountPersons(ctx, store.PersonQuery{}); n != sum.People {
		t.Fatalf("%d people stored, summary says %d", n, sum.People)
	}
	for _, s := range []store.Status{store.StatusActive, store.StatusDisabled, store.StatusTerminated} {
		if n, _ := st.CountPersons(ctx, store.PersonQuery{Status: s}); n == 0 {
			t.Errorf("nobody is %s", s)
		}
	}
	depts := map[string]bool{}
	ps, _ := st.ListPersons(ctx, store.PersonQuery{Limit: 1000})
	withManager := 0
	for _, p := range ps {
		depts[p.Department] = true
		if p.ManagerID != "" {
			withManager++
		}
	}
	if len(depts) < 9 || withManager != len(ps)-1 {
		t.Errorf("%d departments, %d of %d people with a manager (want all but the CEO)", len(depts), withManager, len(ps))
	}
	// Every demo login is one active person with a job function and two
	// sources (HR and IdP).
	for _, l := range demo.Logins() {
		found, err := st.FindPersons(ctx, store.MatchEmail, l.Email)
		if err != nil || len(found) != 1 || found[0].Status != store.StatusActive {
			t.Fatalf("login %s: %+v %v", l.Username, found, err)
		}
		jfs, _ := st.ListJobFunctions(ctx, found[0].ID, false)
		links, _ := st.ListSourceLinks(ctx, found[0].ID)
		if len(jfs) == 0 || len(links) != 2 {
			t.Errorf("login %s: %d job functions, %d links", l.Username, len(jfs), len(links))
		}
	}
	if n, _ := st.CountPersons(ctx, store.PersonQuery{JobFunction: "engineer"}); n < 30 {
		t.Errorf("%d engineers", n)
	}
	max, _ := st.FindPersons(ctx, store.MatchEmail, "max.okafor@example.com")
	if n, _ := st.CountPersons(ctx, store.PersonQuery{ManagerID: max[0].ID}); n < 3 {
		t.Errorf("max has %d reports", n)
	}
	movers := 0
	for _, p := range ps {
		ev, _ := st.ListMoverEvents(ctx, p.ID)
		for _, e := range ev {
			if len(e.Old) > 0 {
				movers++
			}
		}
	}
	if movers < 5 {
		t.Errorf("%d mover events between job functions", movers)
	}
	// Every orphan case is present.
	ns, _ := st.ListNHIs(ctx, store.NHIQuery{Limit: 1000})
	projects, _ := st.ListProjects(ctx)
	ended := map[string]bool{}
	for _, p := range projects {
		ended[p.ID] = p.EndDate != nil && p.EndDate.Before(now)
	}
	cases := map[string]int{}
	for _, n := range ns {
		switch {
		case n.OwnerID == "" && n.OwnerRef == "":
			cases["no-owner"]++
		case n.OwnerID == "":
			cases["dangling-owner"]++
		default:
			o, err := st.GetPerson(ctx, n.OwnerID)
			if err != nil {
				t.Fatal(err)
			}
			if o.Status != store.StatusActive {
				cases["owner-inactive"]++
			}
		}
		if ended[n.ProjectID] {
			cases["project-ended"]++
		}
		if n.ExpiresAt != nil && n.ExpiresAt.Before(now) {
			cases["credential-expired"]++
		}
		if n.RotatedAt != nil && n.RotatedAt.Before(now.AddDate(-1, 0, 0)) {
			cases["rotation-overdue"]++
		}
		if n.LastUsedAt != nil && n.LastUsedAt.Before(now.AddDate(0, -3, 0)) {
			cases["unused"]++
		}
	}
	for _, c := range []string{"no-owner", "dangling-owner", "owner-inactive", "project-ended", "credential-expired", "rotation-overdue", "unused"} {
		if cases[c] == 0 {
			t.Errorf("no NHI for the %s case (%v)", c, cases)
		}
	}
	runs, _ := st.ListSyncRuns(ctx, "", 100)
	var failed, rejected bool
	for _, r := range runs {
		failed = failed || r.Status == store.RunFailed
		for _, rj := range r.Rejections {
			rejected = rejected || strings.Contains(rj.Reason, "status")
		}
	}
	if !failed || !rejected {
		t.Errorf("runs: failed=%v rejected=%v", failed, rejected)
	}
	groups, _ := st.ListPersonGroups(ctx, max[0].ID, "")
	if len(groups) < 2 {
		t.Errorf("max is in %d groups", len(groups))
	}

	// A second run refuses to duplicate.
	if _, err := demo.Generate(ctx, options(st, now)); err == nil || !strings.Contains(err.Error(), "already holds") {
		t.Fatalf("second generate: %v", err)
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	names := func() string {
		st := gormtest.SQLite(t)
		if _, err := demo.Generate(t.Context(), options(st, now)); err != nil {
			t.Fatal(err)
		}
		ps, _ := st.ListPersons(t.Context(), store.PersonQuery{Limit: 1000})
		var b strings.Builder
		for _, p := range ps {
			b.WriteString(p.EmployeeNumber + p.Email + p.Title + string(p.Status) + "\n")
		}
		return b.String()
	}
	if a, b := names(), names(); a != b {
		t.Fatal("two generations with the same seed differ")
	}
}

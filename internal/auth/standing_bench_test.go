package auth

import (
	"fmt"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// BenchmarkStandingOf measures what every authenticated request now pays
// to derive status and roles from current data: a person in 5 of 200
// groups with 2 open job functions, one role by held group, one by job
// function, one by a claim-only group (the extra count query).
func BenchmarkStandingOf(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchStanding(b, gormtest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchStanding(b, gormtest.Postgres(b)) })
}

func benchStanding(b *testing.B, st store.Store) {
	ctx := b.Context()
	p, err := st.CreatePerson(ctx, store.Person{UserName: "ann", Email: "ann@example.com", Status: store.StatusActive})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 200 {
		g, err := st.CreateGroup(ctx, store.Group{Source: "idp", ExternalID: fmt.Sprint(i), DisplayName: fmt.Sprintf("group-%d", i)})
		if err != nil {
			b.Fatal(err)
		}
		if i%40 == 0 {
			if err := st.AddGroupMembers(ctx, g.ID, []string{p.ID}); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, jf := range []string{"engineer", "internal-audit"} {
		if _, err := st.OpenJobFunction(ctx, store.JobFunctionAssignment{PersonID: p.ID, JobFunction: jf, Rule: jf, ValidFrom: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	a := &Auth{store: st, cfg: Config{
		RoleGroups:       RoleMap{RoleAdmin: {"syncd-admins"}, RoleCatalogOwner: {"group-40"}},
		RoleJobFunctions: RoleMap{RoleAuditor: {"internal-audit"}},
	}}
	claim := []string{"syncd-admins"}
	for b.Loop() {
		s, err := a.standingOf(ctx, p.ID, claim)
		if err != nil || !s.active || len(s.roles) != 3 {
			b.Fatalf("%+v %v", s, err)
		}
	}
}

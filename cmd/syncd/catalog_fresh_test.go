package main

import (
	"log/slog"
	"path/filepath"
	"slices"
	"testing"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/jobs"
	"github.com/syncd-dev/syncd/internal/store"
)

// Defect 11: owners and approvers named in the catalog resolve from the
// current store when a request is submitted, not from the catalog as it
// was loaded (a SCIM push just created the owner).
func TestCatalogNamesResolveAtSubmission(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "syncd.db")
	cfgPath := writeCatalogConfig(t, dsn, `items:
  - id: vault
    name: Vault
    kind: app-role
    owner: olga@example.com
    risk: high
    eligibility: {departments: [Finance]}
    approval:
      stages: [{name: owner, approvers: [{itemOwner: true}]}]
    maxDuration: 30d
`)
	cfg, err := loadConfig(cfgPath, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	st := openForTest(t, "sqlite", dsn)
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	dana, err := st.CreatePerson(t.Context(), store.Person{UserName: "dana", Email: "dana@example.com", Department: "Finance", Status: store.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon{cfg: cfg, store: st, logger: slog.New(slog.DiscardHandler), jobs: &jobs.Runner{}}
	if err := d.startAccess(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The owner arrives after the catalog was loaded.
	olga, err := st.CreatePerson(t.Context(), store.Person{UserName: "olga", Email: "olga@example.com", Status: store.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	out, err := d.access.Submit(t.Context(), access.Submission{RequesterID: dana.ID, ItemID: "vault", Justification: "audit"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Request.State != store.RequestPending || !slices.Equal(out.Request.Stages[0].Approvers, []string{olga.ID}) {
		t.Fatalf("request %s, stages %+v: %s", out.Request.State, out.Request.Stages, out.Decision.Explanation)
	}
}

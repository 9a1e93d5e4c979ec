package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// nhis creates projects and non-human identities: healthy ones, and at
// least one for every orphan case (no owner, a dangling owner reference,
// an inactive owner, an ended project, an expired credential, overdue
// rotation, long unused). Max, the demo manager, owns a few of the broken
// ones so his home page has something to fix.
func (g *gen) nhis(ctx context.Context) error {
	// The NHI service is the one writer of NHIs and projects: the demo's
	// inventory is audited like any other, its findings evaluated as written.
	svc := &nhi.Service{Store: g.o.Store, Now: func() time.Time { return g.now }}
	return g.o.Store.InTx(ctx, func(tx store.Tx) error {
		return svc.Write(ctx, tx, func(w *nhi.Writes) error { return g.writeNHIs(ctx, w) })
	})
}

func (g *gen) writeNHIs(ctx context.Context, w *nhi.Writes) error {
	days := func(n int) *time.Time { t := g.now.AddDate(0, 0, n); return &t }
	person := func(email string) string { return g.ids[g.byEmail[email].empNo] }
	max, ada, eli, cora := person("max.okafor@example.com"), person("ada.lindqvist@example.com"), person("eli.novak@example.com"), person("cora.mendes@example.com")

	// Someone who left: the owner-inactive case.
	var gone string
	for _, m := range g.hr {
		if m.status == "terminated" {
			gone = g.ids[m.empNo]
			break
		}
	}
	projects := map[string]store.Project{}
	for _, p := range []store.Project{
		{Name: "payments-platform", OwnerID: max, StartDate: days(-400), EndDate: days(365)},
		{Name: "data-warehouse-migration", OwnerID: max, StartDate: days(-300), EndDate: days(-14)},
		{Name: "website-relaunch", OwnerID: cora, StartDate: days(-200), EndDate: days(90)},
		{Name: "legacy-crm", OwnerID: ada, StartDate: days(-1500), EndDate: days(-200), Status: store.ProjectClosed},
	} {
		got, err := w.CreateProject(ctx, "demo", p)
		if err != nil {
			return fmt.Errorf("demo: project %s: %w", p.Name, err)
		}
		projects[p.Name] = got
		g.sum.Projects++
	}
	type spec struct {
		kind                   store.NHIKind
		name, env, source      string
		owner, ownerRef        string
		project, team, desc    string
		expires, rotated, used *time.Time
	}
	pid := func(name string) string { return projects[name].ID }
	specs := []spec{
		// Healthy.
		{kind: store.KindServiceAccount, name: "svc-payments-api", env: "prod", source: "ldap", owner: max, project: pid("payments-platform"), team: "payments", desc: "Payments API database login", rotated: days(-20), used: days(0)},
		{kind: store.KindAPIKey, name: "stripe-webhook-key", env: "prod", source: "import", owner: eli, project: pid("payments-platform"), team: "payments", desc: "Verifies Stripe webhooks", expires: days(200), rotated: days(-40), used: days(-1)},
		{kind: store.KindCertificate, name: "www.example.com", env: "prod", source: "import", owner: ada, team: "it", desc: "Public TLS certificate", expires: days(60), rotated: days(-300), used: days(0)},
		{kind: store.KindWorkload, name: "k8s-ingress-controller", env: "prod", source: "import", owner: ada, team: "it", used: days(0)},
		{kind: store.KindServiceAccount, name: "svc-website-cms", env: "staging", source: "ldap", owner: cora, project: pid("website-relaunch"), team: "web", used: days(-3), rotated: days(-60)},
		// No owner at all.
		{kind: store.KindServiceAccount, name: "svc-backup-runner", env: "prod", source: "ldap", team: "", desc: "Nightly backups; nobody claims it", used: days(-1)},
		{kind: store.KindToken, name: "ci-deploy-token", env: "prod", source: "import", desc: "Found in the CI settings", used: days(-2)},
		// Owner named by the source, matching no person (dangling).
		{kind: store.KindServiceAccount, name: "svc-reporting", env: "prod", source: "ldap", ownerRef: "cn=j.doe,ou=people,dc=example,dc=com", desc: "Owner left before HR data was loaded", used: days(-5)},
		// Owner no longer active, and no co-owner or team to fall back on.
		{kind: store.KindServiceAccount, name: "svc-etl-loader", env: "prod", source: "ldap", owner: gone, desc: "Loads the warehouse every hour", used: days(0)},
		// Project ended.
		{kind: store.KindServiceAccount, name: "svc-dwh-migrator", env: "prod", source: "ldap", owner: max, project: pid("data-warehouse-migration"), team: "data", used: days(-15)},
		{kind: store.KindAPIKey, name: "crm-export-key", env: "prod", source: "import", owner: ada, project: pid("legacy-crm"), used: days(-250)},
		// Credential expired.
		{kind: store.KindCertificate, name: "vpn.example.com", env: "prod", source: "import", owner: max, team: "it", expires: days(-3), rotated: days(-368), used: days(-3)},
		// Rotation overdue.
		{kind: store.KindAPIKey, name: "sendgrid-api-key", env: "prod", source: "import", owner: cora, team: "web", rotated: days(-500), used: days(-1)},
		// Unused for months.
		{kind: store.KindServiceAccount, name: "svc-old-intranet", env: "dev", source: "ldap", owner: eli, used: days(-240)},
	}
	envs := []string{"prod", "staging", "dev"}
	owners := []string{max, eli, ada, cora}
	for i := range 36 {
		specs = append(specs, spec{
			kind: []store.NHIKind{store.KindServiceAccount, store.KindAPIKey, store.KindToken, store.KindWorkload}[i%4],
			name: fmt.Sprintf("svc-batch-%02d", i+1), env: envs[i%3], source: "ldap", owner: owners[i%len(owners)],
			team: "platform", rotated: days(-(10 + i)), used: days(-(i % 7)),
		})
	}
	for _, s := range specs {
		n := store.NHI{
			Kind: s.kind, Name: s.name, Source: s.source, ExternalID: s.source + ":" + s.name, Environment: s.env,
			OwnerID: s.owner, OwnerRef: s.ownerRef, ProjectID: s.project, OwningTeam: s.team, Description: s.desc,
			CreatedAt: g.now.AddDate(-1, 0, 0), ExpiresAt: s.expires, RotatedAt: s.rotated, LastUsedAt: s.used,
		}
		if n.OwnerRef == "" && n.OwnerID != "" {
			n.OwnerRef = g.emailOf(n.OwnerID)
		}
		if _, err := w.Create(ctx, "demo", n, map[string]any{"name": n.Name, "kind": n.Kind, "source": n.Source, "owner": n.OwnerID}); err != nil {
			return fmt.Errorf("demo: nhi %s: %w", s.name, err)
		}
		g.sum.NHIs++
	}
	return nil
}

func (g *gen) emailOf(personID string) string {
	for _, m := range g.hr {
		if g.ids[m.empNo] == personID {
			return m.email
		}
	}
	return ""
}

package storetest

import (
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var nhiTests = []test{
	{"create, get, update", testNHILifecycle},
	{"conflicts", testNHIConflicts},
	{"list and count", testNHIList},
	{"projects", testProjects},
}

// nhiTx returns s as a store.NHITx, skipping stores without NHIs.
func nhiTx(t *testing.T, s store.Store) store.NHITx {
	t.Helper()
	n, ok := s.(store.NHITx)
	if !ok {
		t.Skip("store does not implement store.NHITx")
	}
	return n
}

func testNHILifecycle(t *testing.T, s store.Store) {
	ctx := t.Context()
	ns := nhiTx(t, s)
	owner := newPerson(t, s, store.Person{UserName: "owner"})
	in := store.NHI{
		Kind: store.KindServiceAccount, Name: "svc-backup", Source: "ldap", ExternalID: "cn=svc-backup",
		Environment: "prod", OwnerID: owner.ID, OwnerRef: "uid=owner", SourceOwnerRef: "uid=former", CoOwnerIDs: []string{"p2", "p3"},
		OwningTeam: "sre", Description: "nightly backups", ExpiresAt: new(at(24 * time.Hour)), RotatedAt: new(at(0)),
	}
	n, err := ns.CreateNHI(ctx, in)
	must(t, "create", err)
	if n.ID == "" || n.Status != store.NHIActive {
		t.Fatalf("create returned %+v", n)
	}
	wantStamp(t, "CreatedAt", n.CreatedAt)
	want := in
	want.ID, want.Status, want.CreatedAt, want.UpdatedAt = n.ID, store.NHIActive, n.CreatedAt, n.UpdatedAt
	want.ExpiresAt, want.RotatedAt = storedPtr(in.ExpiresAt), storedPtr(in.RotatedAt)
	same(t, "create", n, want)
	got, err := ns.GetNHI(ctx, n.ID)
	must(t, "get", err)
	same(t, "get", got, want)
	got, err = ns.GetNHIByExternalID(ctx, "ldap", "cn=svc-backup")
	must(t, "get by external id", err)
	same(t, "get by external id", got, want)
	_, err = ns.GetNHI(ctx, "nope")
	wantErr(t, "get missing", err, store.ErrNotFound)

	up, err := ns.UpdateNHI(ctx, n.ID, func(old store.NHI) (store.NHI, error) {
		old.OwnerID, old.SourceOwnerRef, old.CoOwnerIDs, old.Status, old.LastUsedAt = "", "uid=next", nil, store.NHIDisabled, new(at(time.Hour))
		return old, nil
	})
	must(t, "update", err)
	want.OwnerID, want.SourceOwnerRef, want.CoOwnerIDs, want.Status, want.LastUsedAt, want.UpdatedAt = "", "uid=next", nil, store.NHIDisabled, storedPtr(new(at(time.Hour))), up.UpdatedAt
	same(t, "update", up, want)
	got, err = ns.GetNHI(ctx, n.ID)
	must(t, "get after update", err)
	same(t, "get after update", got, want)
	_, err = ns.UpdateNHI(ctx, n.ID, func(old store.NHI) (store.NHI, error) { return old, errBoom })
	wantErr(t, "update fn error", err, errBoom)
	_, err = ns.UpdateNHI(ctx, "nope", func(old store.NHI) (store.NHI, error) { return old, nil })
	wantErr(t, "update missing", err, store.ErrNotFound)
}

func testNHIConflicts(t *testing.T, s store.Store) {
	ns := nhiTx(t, s)
	_, err := ns.CreateNHI(t.Context(), store.NHI{Kind: store.KindAPIKey, Name: "k1", Source: "api", ExternalID: "x1"})
	must(t, "create", err)
	cases := []struct {
		name string
		n    store.NHI
		want error
	}{
		{"same external id", store.NHI{Kind: store.KindAPIKey, Name: "k2", Source: "api", ExternalID: "x1"}, store.ErrConflict},
		{"same name", store.NHI{Kind: store.KindAPIKey, Name: "k1", Source: "api"}, store.ErrConflict},
		{"same name in another source", store.NHI{Kind: store.KindAPIKey, Name: "k1", Source: "import"}, nil},
		{"no external ids", store.NHI{Kind: store.KindAPIKey, Name: "k3", Source: "api"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ns.CreateNHI(t.Context(), tc.n)
			wantErr(t, "create", err, tc.want)
		})
	}
}

func testNHIList(t *testing.T, s store.Store) {
	ns := nhiTx(t, s)
	for _, n := range []store.NHI{
		{ID: "n1", Kind: store.KindServiceAccount, Name: "svc-Backup", Source: "ldap", Environment: "prod", OwnerID: "p1", ProjectID: "pr1"},
		{ID: "n2", Kind: store.KindAPIKey, Name: "ci-key", Source: "api", Environment: "dev", OwnerID: "p1", Description: "for the backup job"},
		{ID: "n3", Kind: store.KindCertificate, Name: "tls", Source: "import", Environment: "prod", Status: store.NHIRetired, ProjectID: "pr1"},
		{ID: "n4", Kind: store.KindToken, Name: "100%", Source: "api", Environment: "prod"},
	} {
		_, err := ns.CreateNHI(t.Context(), n)
		must(t, "create "+n.ID, err)
	}
	cases := []struct {
		name string
		q    store.NHIQuery
		want []string
	}{
		{"all", store.NHIQuery{}, []string{"n1", "n2", "n3", "n4"}},
		{"kind", store.NHIQuery{Kind: store.KindAPIKey}, []string{"n2"}},
		{"environment", store.NHIQuery{Environment: "prod"}, []string{"n1", "n3", "n4"}},
		{"owner", store.NHIQuery{OwnerID: "p1"}, []string{"n1", "n2"}},
		{"project", store.NHIQuery{ProjectID: "pr1"}, []string{"n1", "n3"}},
		{"source", store.NHIQuery{Source: "api"}, []string{"n2", "n4"}},
		{"status", store.NHIQuery{Status: store.NHIRetired}, []string{"n3"}},
		{"text over name and description", store.NHIQuery{Text: "BACKUP"}, []string{"n1", "n2"}},
		{"text wildcard is literal", store.NHIQuery{Text: "%"}, []string{"n4"}},
		{"combined", store.NHIQuery{Environment: "prod", ProjectID: "pr1", Status: store.NHIActive}, []string{"n1"}},
		{"page", store.NHIQuery{AfterID: "n1", Limit: 2}, []string{"n2", "n3"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ns.ListNHIs(t.Context(), tc.q)
			must(t, "list", err)
			var ids []string
			for _, n := range got {
				ids = append(ids, n.ID)
			}
			same(t, "ids", ids, tc.want)
			q := tc.q
			q.AfterID, q.Limit = "", 0
			all, err := ns.ListNHIs(t.Context(), q)
			must(t, "list all", err)
			n, err := ns.CountNHIs(t.Context(), tc.q)
			must(t, "count", err)
			if n != len(all) {
				t.Fatalf("count %d, want %d", n, len(all))
			}
		})
	}
}

func testProjects(t *testing.T, s store.Store) {
	ctx := t.Context()
	ns := nhiTx(t, s)
	in := store.Project{Name: "migration", OwnerID: "p1", StartDate: new(at(0)), EndDate: new(at(30 * 24 * time.Hour))}
	p, err := ns.CreateProject(ctx, in)
	must(t, "create", err)
	if p.ID == "" || p.Status != store.ProjectActive {
		t.Fatalf("create returned %+v", p)
	}
	want := in
	want.ID, want.Status, want.CreatedAt, want.UpdatedAt = p.ID, store.ProjectActive, p.CreatedAt, p.UpdatedAt
	want.StartDate, want.EndDate = storedPtr(in.StartDate), storedPtr(in.EndDate)
	same(t, "create", p, want)
	got, err := ns.GetProject(ctx, p.ID)
	must(t, "get", err)
	same(t, "get", got, want)
	got, err = ns.GetProjectByName(ctx, "migration")
	must(t, "get by name", err)
	same(t, "get by name", got, want)
	_, err = ns.GetProjectByName(ctx, "nope")
	wantErr(t, "get by unknown name", err, store.ErrNotFound)
	_, err = ns.CreateProject(ctx, store.Project{Name: "migration"})
	wantErr(t, "duplicate name", err, store.ErrConflict)

	up, err := ns.UpdateProject(ctx, p.ID, func(old store.Project) (store.Project, error) {
		old.Status, old.EndDate = store.ProjectClosed, nil
		return old, nil
	})
	must(t, "update", err)
	if up.Status != store.ProjectClosed || up.EndDate != nil {
		t.Fatalf("update returned %+v", up)
	}
	_, err = ns.UpdateProject(ctx, p.ID, func(old store.Project) (store.Project, error) { return old, errBoom })
	wantErr(t, "update fn error", err, errBoom)

	b, err := ns.CreateProject(ctx, store.Project{Name: "Apollo"})
	must(t, "create second", err)
	list, err := ns.ListProjects(ctx)
	must(t, "list", err)
	if len(list) != 2 || list[0].ID != b.ID || list[1].ID != p.ID {
		t.Fatalf("list by name: %+v", list)
	}
}

package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var viewTests = []test{
	{"user view filters", testUserViewFilters},
	{"user view paging and NHIs", testUserViewPaging},
	{"group view filters", testGroupViewFilters},
	{"nhi docs", testNHIDocs},
	{"scim view reads of many persons", testSCIMViewReads},
	{"user view shown", testUserViewShown},
}

// viewFixture links three persons to source "idp" with pushed documents,
// one to another source, and returns the person ids by userName.
func viewFixture(t *testing.T, s store.Store) map[string]string {
	t.Helper()
	ctx := t.Context()
	// A link's attributes hold what its document asserts (identity takes
	// them from it): userName and, when given, displayName.
	docs := []struct{ user, source, raw, display string }{
		{"Alice@Example.com", "idp", `{"userName":"Alice@Example.com","displayName":"Alice Abbott","active":true,"name":{"givenName":"Alice"},` +
			`"emails":[{"type":"work","value":"alice@example.com","primary":true},{"type":"home","value":"a@home.test"}],` +
			`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"100","department":"Finance"},"externalId":"ALICE","x":5}`, "Alice Abbott"},
		{"bob@example.com", "idp", `{"userName":"bob@example.com","active":false,"name":{"givenName":"Bob"},` +
			`"emails":[{"type":"work","value":"bob@example.com"}],"externalId":"bob","x":7,"displayName":"Bob Stone"}`, "Bob Stone"},
		{"carol@example.com", "idp", `{"userName":"carol@example.com","active":true,"emails":[],"title":"","roles":["admin","dev"]}`, ""},
		{"dave@example.com", "other", `{"userName":"dave@example.com","active":true,"displayName":"Dave Abbey"}`, "Dave Abbey"},
	}
	ids := map[string]string{}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, d := range docs {
		p, err := s.CreatePerson(ctx, store.Person{UserName: d.user, CreatedAt: base, UpdatedAt: base})
		must(t, "create person", err)
		at := base.Add(time.Duration(i) * time.Hour)
		attrs := map[string]string{"userName": d.user}
		if d.display != "" {
			attrs["displayName"] = d.display
		}
		_, err = s.PutSourceLink(ctx, store.SourceLink{
			Source: d.source, ExternalID: "ext-" + d.user, PersonID: p.ID,
			Attributes: attrs, Raw: []byte(d.raw), AssertedAt: at,
		})
		must(t, "put link", err)
		ids[d.user] = p.ID
	}
	return ids
}

func testUserViewFilters(t *testing.T, s store.Store) {
	ctx := t.Context()
	ids := viewFixture(t, s)
	alice, bob, carol := ids["Alice@Example.com"], ids["bob@example.com"], ids["carol@example.com"]
	ent := "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	str := func(op store.FilterOp, v string, path ...string) store.Filter {
		return store.Filter{Op: op, Path: path, Value: v}
	}
	cases := []struct {
		name string
		f    store.Filter
		want []string
	}{
		{"all", store.Filter{}, []string{alice, bob, carol}},
		{"userName eq, any case", str(store.FilterEq, "ALICE@example.COM", "userName"), []string{alice}},
		{"userName eq unknown", str(store.FilterEq, "nobody", "userName"), nil},
		{"userName ne", str(store.FilterNe, "alice@example.com", "userName"), []string{bob, carol}},
		{"co", str(store.FilterCo, "OB@", "userName"), []string{bob}},
		{"sw", str(store.FilterSw, "car", "userName"), []string{carol}},
		{"ew", str(store.FilterEw, "@EXAMPLE.com", "userName"), []string{alice, bob, carol}},
		{"ew longer than value", str(store.FilterEw, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "userName"), nil},
		{"gt", str(store.FilterGt, "b", "userName"), []string{bob, carol}},
		{"le", str(store.FilterLe, "bob@example.com", "userName"), []string{alice, bob}},
		{"externalId exact", store.Filter{Op: store.FilterEq, Path: []string{"externalId"}, Value: "alice", CaseExact: true}, nil},
		{"externalId exact hit", store.Filter{Op: store.FilterEq, Path: []string{"externalId"}, Value: "ALICE", CaseExact: true}, []string{alice}},
		{"sub-attribute", str(store.FilterEq, "bob", "name", "givenName"), []string{bob}},
		{"active true", store.Filter{Op: store.FilterEq, Path: []string{"active"}, Value: true}, []string{alice, carol}},
		{"active ne true", store.Filter{Op: store.FilterNe, Path: []string{"active"}, Value: true}, []string{bob}},
		{"number gt", store.Filter{Op: store.FilterGt, Path: []string{"x"}, Value: float64(6)}, []string{bob}},
		{"extension", str(store.FilterEq, "finance", ent, "department"), []string{alice}},
		{"pr extension", store.Filter{Op: store.FilterPr, Path: []string{ent}}, []string{alice}},
		{"pr empty array and empty string", store.Filter{Op: store.FilterOr, Children: []store.Filter{
			{Op: store.FilterPr, Path: []string{"emails"}}, {Op: store.FilterPr, Path: []string{"title"}}}}, []string{alice, bob}},
		{"value path", store.Filter{Op: store.FilterAny, Path: []string{"emails"}, Children: []store.Filter{{
			Op: store.FilterAnd, Children: []store.Filter{str(store.FilterEq, "work", "type"), str(store.FilterEq, "ALICE@example.com", "value")}}}}, []string{alice}},
		{"value path does not cross elements", store.Filter{Op: store.FilterAny, Path: []string{"emails"}, Children: []store.Filter{{
			Op: store.FilterAnd, Children: []store.Filter{str(store.FilterEq, "home", "type"), str(store.FilterEq, "alice@example.com", "value")}}}}, nil},
		{"simple multi-valued", store.Filter{Op: store.FilterAny, Path: []string{"roles"}, Children: []store.Filter{str(store.FilterEq, "DEV")}}, []string{carol}},
		{"any on a non-array", store.Filter{Op: store.FilterAny, Path: []string{"userName"}, Children: []store.Filter{str(store.FilterEq, "x")}}, nil},
		{"not", store.Filter{Op: store.FilterNot, Children: []store.Filter{str(store.FilterEq, "bob", "name", "givenName")}}, []string{alice, carol}},
		{"or with missing", store.Filter{Op: store.FilterOr, Children: []store.Filter{str(store.FilterEq, "alice", "name", "givenName"), str(store.FilterSw, "carol", "userName")}}, []string{alice, carol}},
		{"id", store.Filter{Op: store.FilterEq, Field: store.FieldID, Value: bob}, []string{bob}},
		{"meta.lastModified gt", store.Filter{Op: store.FilterGt, Field: store.FieldModified, Value: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}, []string{alice, bob, carol}},
		{"meta.lastModified lt", store.Filter{Op: store.FilterLt, Field: store.FieldModified, Value: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}, nil},
		{"displayName co, any case", str(store.FilterCo, "aB", "displayName"), []string{alice}},
		{"displayName sw", str(store.FilterSw, "bob s", "displayName"), []string{bob}},
		{"displayName eq", str(store.FilterEq, "ALICE ABBOTT", "displayName"), []string{alice}},
		{"displayName ew, any case", str(store.FilterEw, "STONE", "displayName"), []string{bob}},
		{"displayName gt", str(store.FilterGt, "B", "displayName"), []string{bob}},
		{"displayName pr", store.Filter{Op: store.FilterPr, Path: []string{"displayName"}}, []string{alice, bob}},
		{"displayName not co", store.Filter{Op: store.FilterNot, Children: []store.Filter{str(store.FilterCo, "ab", "displayName")}}, []string{bob, carol}},
		{"quote in value is data", str(store.FilterEq, `x' OR 1=1 --`, "userName"), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			items, total, err := s.ListUserView(ctx, store.ViewQuery{Source: "idp", Filter: tc.f, Limit: 10})
			must(t, "list", err)
			var got []string
			for _, it := range items {
				got = append(got, it.ID)
			}
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) || total != len(want) {
				t.Fatalf("got %v (total %d), want %v", got, total, want)
			}
		})
	}
	// A changed displayName is what the next filter sees (PostgreSQL
	// compares it, case-insensitively, through a stored lower-cased copy).
	_, err := s.PutSourceLink(ctx, store.SourceLink{
		Source: "idp", ExternalID: "ext-bob@example.com", PersonID: bob,
		Attributes: map[string]string{"userName": "bob@example.com", "displayName": "Bobby TABLES"},
		Raw:        []byte(`{"userName":"bob@example.com","displayName":"Bobby TABLES"}`), AssertedAt: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
	})
	must(t, "rename bob", err)
	for f, want := range map[string][]string{"tables": {bob}, "stone": nil, "BY t": {bob}} {
		items, total, err := s.ListUserView(ctx, store.ViewQuery{Source: "idp", Filter: str(store.FilterCo, f, "displayName"), Limit: 10})
		must(t, "list after rename", err)
		var got []string
		for _, it := range items {
			got = append(got, it.ID)
		}
		if !slices.Equal(got, want) || total != len(want) {
			t.Fatalf("displayName co %q after rename: got %v (total %d), want %v", f, got, total, want)
		}
	}
	if _, _, err := s.ListUserView(ctx, store.ViewQuery{Source: "idp", Filter: store.Filter{Op: store.FilterEq, Path: []string{`a"b`}, Value: "x"}, Limit: 1}); err == nil {
		t.Fatal("a key with a quote was accepted")
	}
}

func testUserViewPaging(t *testing.T, s store.Store) {
	ctx := t.Context()
	ids := viewFixture(t, s)
	n, err := s.CreateNHI(ctx, store.NHI{Kind: store.KindServiceAccount, Name: "svc-build", Source: "idp", ExternalID: "svc1", Status: store.NHIActive})
	must(t, "create nhi", err)
	_, err = s.PutNHIDoc(ctx, store.NHIDoc{NHIID: n.ID, Source: "idp", Raw: []byte(`{"userName":"svc-build","userType":"Service"}`)})
	must(t, "put nhi doc", err)
	all := []string{ids["Alice@Example.com"], ids["bob@example.com"], ids["carol@example.com"], n.ID}
	slices.Sort(all)
	var got []string
	for off := 0; off < 10; off += 3 {
		items, total, err := s.ListUserView(ctx, store.ViewQuery{Source: "idp", Offset: off, Limit: 3})
		must(t, "list", err)
		if total != 4 {
			t.Fatalf("total %d, want 4", total)
		}
		for _, it := range items {
			got = append(got, it.ID)
		}
	}
	if !slices.Equal(got, all) {
		t.Fatalf("pages %v, want %v", got, all)
	}
	items, _, err := s.ListUserView(ctx, store.ViewQuery{Source: "idp", Filter: store.Filter{Op: store.FilterEq, Path: []string{"userName"}, Value: "SVC-BUILD"}, Limit: 5})
	must(t, "list nhi", err)
	if len(items) != 1 || items[0].Kind != store.ViewNHI || items[0].ID != n.ID || items[0].ExternalID != "svc1" {
		t.Fatalf("nhi by userName: %+v", items)
	}
	_, total, err := s.ListUserView(ctx, store.ViewQuery{Source: "idp", CountOnly: true})
	must(t, "count only", err)
	if total != 4 {
		t.Fatalf("count only: %d", total)
	}
}

func testGroupViewFilters(t *testing.T, s store.Store) {
	ctx := t.Context()
	ids := viewFixture(t, s)
	g1, err := s.CreateGroup(ctx, store.Group{Source: "idp", DisplayName: "Engineers", Raw: []byte(`{"displayName":"Engineers"}`)})
	must(t, "group", err)
	g2, err := s.CreateGroup(ctx, store.Group{Source: "idp", DisplayName: "Finance", Raw: []byte(`{"displayName":"Finance"}`)})
	must(t, "group", err)
	_, err = s.CreateGroup(ctx, store.Group{Source: "other", DisplayName: "Engineers"})
	must(t, "group", err)
	must(t, "members", s.AddGroupMembers(ctx, g2.ID, []string{ids["bob@example.com"]}))
	for _, tc := range []struct {
		name string
		f    store.Filter
		want []string
	}{
		{"displayName", store.Filter{Op: store.FilterEq, Path: []string{"displayName"}, Value: "engineers"}, []string{g1.ID}},
		{"member", store.Filter{Op: store.FilterEq, Field: store.FieldMember, Value: ids["bob@example.com"]}, []string{g2.ID}},
		{"all", store.Filter{}, []string{g1.ID, g2.ID}},
	} {
		items, total, err := s.ListGroupView(ctx, store.ViewQuery{Source: "idp", Filter: tc.f, Limit: 10})
		must(t, tc.name, err)
		var got []string
		for _, it := range items {
			got = append(got, it.ID)
		}
		want := slices.Clone(tc.want)
		slices.Sort(want)
		if !slices.Equal(got, want) || total != len(want) {
			t.Fatalf("%s: got %v (%d), want %v", tc.name, got, total, want)
		}
	}
}

func testNHIDocs(t *testing.T, s store.Store) {
	ctx := t.Context()
	n, err := s.CreateNHI(ctx, store.NHI{Kind: store.KindServiceAccount, Name: "svc", Source: "idp", Status: store.NHIActive})
	must(t, "create nhi", err)
	_, err = s.GetNHIDoc(ctx, n.ID)
	wantErr(t, "get missing", err, store.ErrNotFound)
	d, err := s.PutNHIDoc(ctx, store.NHIDoc{NHIID: n.ID, Source: "idp", Raw: []byte(`{"a":1}`)})
	must(t, "put", err)
	wantStamp(t, "CreatedAt", d.CreatedAt)
	d2, err := s.PutNHIDoc(ctx, store.NHIDoc{NHIID: n.ID, Source: "idp", Raw: []byte(`{"a":2}`)})
	must(t, "replace", err)
	got, err := s.GetNHIDoc(ctx, n.ID)
	must(t, "get", err)
	if string(got.Raw) != `{"a":2}` || !got.CreatedAt.Equal(d.CreatedAt) || !got.UpdatedAt.Equal(d2.UpdatedAt) {
		t.Fatalf("got %+v", got)
	}
	must(t, "delete", s.DeleteNHIDoc(ctx, n.ID))
	wantErr(t, "delete again", s.DeleteNHIDoc(ctx, n.ID), store.ErrNotFound)
	_, err = s.PutNHIDoc(ctx, store.NHIDoc{NHIID: "missing", Source: "idp", Raw: []byte(`{}`)})
	if err == nil {
		t.Fatal("doc for a missing NHI accepted")
	}
}

package source_test

import (
	"encoding/json"
	"testing"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/source"
)

// TestDocumentIsSCIM: a pulled record is kept as a SCIM user document
// with the pull's own references apart, deterministically; links in the
// old internal form convert to the same document.
func TestDocumentIsSCIM(t *testing.T) {
	rec := identity.Record{ExternalID: "x1", DN: "uid=ann,ou=people,dc=example,dc=org",
		Manager: &identity.ManagerRef{DN: "uid=boss,ou=people,dc=example,dc=org"},
		Attributes: map[string]string{"userName": "ann", "email": "ann@example.org", "givenName": "Ann", "familyName": "Lee",
			"department": "Ops", "employeeNumber": "E1", "status": "disabled", "badgeColour": "red"}}
	doc := source.Document(rec)
	if string(doc) != string(source.Document(rec)) {
		t.Fatal("not deterministic")
	}
	var got map[string]any
	if err := json.Unmarshal(doc, &got); err != nil {
		t.Fatal(err)
	}
	ent, _ := got[source.EnterpriseSchema].(map[string]any)
	name, _ := got["name"].(map[string]any)
	extra, _ := got[source.PullKey].(map[string]any)
	if got["userName"] != "ann" || got["active"] != false || got["externalId"] != "x1" || name["givenName"] != "Ann" ||
		ent["department"] != "Ops" || ent["employeeNumber"] != "E1" || extra["dn"] != rec.DN ||
		extra["attributes"].(map[string]any)["badgeColour"] != "red" {
		t.Fatalf("document %s", doc)
	}
	for _, k := range []string{"a", "m", "d", "email", "status", "department"} {
		if _, bad := got[k]; bad {
			t.Fatalf("internal key %q in %s", k, doc)
		}
	}
	legacy, _ := json.Marshal(map[string]any{"a": rec.Attributes, "m": rec.Manager, "d": rec.DN})
	conv, ok := source.LegacyDocument(legacy, "x1")
	if !ok || string(conv) != string(doc) {
		t.Fatalf("legacy conversion %t:\n%s\nwant\n%s", ok, conv, doc)
	}
	if _, ok := source.LegacyDocument(doc, "x1"); ok {
		t.Fatal("a SCIM document taken for the legacy form")
	}
}

// BenchmarkDocument is the cost per pulled record of keeping it as a SCIM
// document (every record of a full run is rendered to compare digests).
func BenchmarkDocument(b *testing.B) {
	rec := identity.Record{ExternalID: "0b6f9a2e-5d1c-4c1e-9a53-2f1d7f3c9e11", DN: "uid=u000123,ou=people,dc=example,dc=org",
		Manager: &identity.ManagerRef{DN: "uid=u000012,ou=people,dc=example,dc=org"},
		Attributes: map[string]string{"userName": "u000123", "email": "u000123@example.org", "givenName": "Ann", "familyName": "Person 123",
			"displayName": "Ann Person 123", "title": "Engineer", "department": "Ops", "employeeNumber": "E000123", "status": "active"}}
	b.ReportAllocs()
	for b.Loop() {
		_ = source.Document(rec)
	}
}

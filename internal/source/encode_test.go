package source

import (
	"encoding/json"
	"testing"

	"github.com/syncd-dev/syncd/internal/identity"
)

func documentOf(t *testing.T, r identity.Record) (got, want []byte) {
	t.Helper()
	got = Document(r)
	// Document's own document, marshalled by encoding/json.
	var d document
	if err := json.Unmarshal(got, &d); err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	want, err := json.Marshal(build(r))
	if err != nil {
		t.Fatal(err)
	}
	return got, want
}

// TestDocumentEncodesAsJSON: the direct encoding is byte for byte what
// encoding/json gives for the same document (stored digests compare
// them), for empty, full and awkward records.
func TestDocumentEncodesAsJSON(t *testing.T) {
	yes := "active"
	for _, r := range []identity.Record{
		{},
		{ExternalID: "x"},
		{ExternalID: "6a1c", DN: "uid=ana,ou=people,dc=example,dc=org", Manager: &identity.ManagerRef{},
			Attributes: map[string]string{"userName": "ana", "email": "ana@example.org", "givenName": "Ana", "familyName": "Núñez",
				"displayName": "Ana <Núñez> & \"co\"", "title": "a\\b\tc\x01\x7f", "department": "R&D", "status": yes,
				"employeeNumber": "0042", "costCenter": "cc", "organization": "o", "division": "d",
				"zeta": "z", "alpha": "\u2028\u2029", "bad": "\xff\xfe", "": "empty key"}},
		{ExternalID: "m", Manager: &identity.ManagerRef{ExternalID: "e", DN: "uid=boss", EmployeeNumber: "7"},
			Attributes: map[string]string{"status": "disabled", "givenName": "", "familyName": "F", "email": ""}},
		{Attributes: map[string]string{"status": "terminated", "organization": "only"}},
	} {
		if got, want := documentOf(t, r); string(got) != string(want) {
			t.Errorf("record %+v:\n got %s\nwant %s", r, got, want)
		}
	}
}

// FuzzDocumentEncodesAsJSON compares the encodings for arbitrary values.
func FuzzDocumentEncodesAsJSON(f *testing.F) {
	f.Add("id", "dn", "user", "<b>", "x\x00y", "disabled", "k")
	f.Add("", "", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, id, dn, user, name, extra, status, key string) {
		r := identity.Record{ExternalID: id, DN: dn, Manager: &identity.ManagerRef{DN: name, EmployeeNumber: extra},
			Attributes: map[string]string{"userName": user, "displayName": name, "givenName": extra, "email": user + "@" + dn,
				"status": status, "department": extra, key: name}}
		if got, want := documentOf(t, r); string(got) != string(want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}

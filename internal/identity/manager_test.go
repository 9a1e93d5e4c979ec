package identity

import (
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/syncd-dev/syncd/internal/store"
)

func TestClosesCycle(t *testing.T) {
	tests := []struct {
		name            string
		managers        map[string]string // person → manager
		person, manager string
		want            bool
	}{
		{name: "own manager", person: "a", manager: "a", want: true},
		{name: "two-cycle", managers: map[string]string{"b": "a"}, person: "a", manager: "b", want: true},
		{name: "long cycle", managers: map[string]string{"b": "c", "c": "d", "d": "a"}, person: "a", manager: "b", want: true},
		{name: "chain without a", managers: map[string]string{"b": "c", "c": "d"}, person: "a", manager: "b"},
		{name: "existing cycle above, not through a", managers: map[string]string{"b": "c", "c": "b"}, person: "a", manager: "b"},
		{name: "root manager", person: "a", manager: "ceo"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := closesCycle(tc.person, tc.manager, func(id string) (string, error) { return tc.managers[id], nil })
			if err != nil || got != tc.want {
				t.Fatalf("closesCycle = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	t.Run("lookup error", func(t *testing.T) {
		boom := errors.New("boom")
		if _, err := closesCycle("a", "b", func(string) (string, error) { return "", boom }); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
	})
}

func TestManagerRefEncoding(t *testing.T) {
	tests := []struct {
		name string
		ref  *ManagerRef
		want string
	}{
		{"not asserted", nil, ""},
		{"no manager", &ManagerRef{}, ""},
		{"dn", &ManagerRef{DN: "cn=Boss,ou=people"}, `{"dn":"cn=Boss,ou=people"}`},
		{"all", &ManagerRef{ExternalID: "1", DN: "d", EmployeeNumber: "E"}, `{"externalId":"1","dn":"d","employeeNumber":"E"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := encodeRef(tc.ref)
			if got != tc.want {
				t.Fatalf("encodeRef = %q, want %q", got, tc.want)
			}
			if tc.ref != nil && decodeRef(got) != *tc.ref {
				t.Fatalf("decodeRef(%q) = %+v, want %+v", got, decodeRef(got), *tc.ref)
			}
		})
	}
	if got := decodeRef("legacy-id"); got != (ManagerRef{ExternalID: "legacy-id"}) {
		t.Fatalf("decodeRef of a plain id = %+v", got)
	}
}

func TestSameAssertion(t *testing.T) {
	stored := &store.SourceLink{
		Attributes: map[string]string{"email": "a@x", "dn": "cn=a", "manager": "m-1"},
		ManagerRef: `{"externalId":"boss"}`,
		Raw:        []byte(`{"id":"1"}`),
	}
	noManager := &store.SourceLink{Attributes: map[string]string{"email": "a@x", "manager": ""}}
	tests := []struct {
		name string
		link *store.SourceLink
		rec  Record
		want bool
	}{
		{"identical (resolved manager ignored)", stored, Record{Attributes: map[string]string{"email": "a@x"}, DN: "cn=a", Manager: &ManagerRef{ExternalID: "boss"}, Raw: []byte(`{"id":"1"}`)}, true},
		{"attribute changed", stored, Record{Attributes: map[string]string{"email": "b@x"}, DN: "cn=a", Manager: &ManagerRef{ExternalID: "boss"}, Raw: []byte(`{"id":"1"}`)}, false},
		{"attribute added", stored, Record{Attributes: map[string]string{"email": "a@x", "title": ""}, DN: "cn=a", Manager: &ManagerRef{ExternalID: "boss"}, Raw: []byte(`{"id":"1"}`)}, false},
		{"raw changed", stored, Record{Attributes: map[string]string{"email": "a@x"}, DN: "cn=a", Manager: &ManagerRef{ExternalID: "boss"}, Raw: []byte(`{}`)}, false},
		{"manager changed", stored, Record{Attributes: map[string]string{"email": "a@x"}, DN: "cn=a", Manager: &ManagerRef{ExternalID: "other"}, Raw: []byte(`{"id":"1"}`)}, false},
		{"no manager still none", noManager, Record{Attributes: map[string]string{"email": "a@x"}, Manager: &ManagerRef{}}, true},
		{"no manager → not asserted", noManager, Record{Attributes: map[string]string{"email": "a@x"}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sameAssertion(tc.link, tc.rec); got != tc.want {
				t.Fatalf("sameAssertion = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestValidateRecord(t *testing.T) {
	tests := []struct {
		name string
		rec  Record
		ok   bool
	}{
		{"fine", Record{ExternalID: "1", Attributes: map[string]string{"email": "a@x", "status": "disabled"}}, true},
		{"empty status allowed", Record{ExternalID: "1", Attributes: map[string]string{"status": ""}}, true},
		{"no external id", Record{Attributes: map[string]string{"email": "a@x"}}, false},
		{"bad status", Record{ExternalID: "1", Attributes: map[string]string{"status": "gone"}}, false},
		{"unknown attribute", Record{ExternalID: "1", Attributes: map[string]string{"shoeSize": "9"}}, false},
		{"manager as attribute", Record{ExternalID: "1", Attributes: map[string]string{"manager": "x"}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if reason := validate(tc.rec); (reason == "") != tc.ok {
				t.Fatalf("validate = %q, want ok=%v", reason, tc.ok)
			}
		})
	}
}

// TestEncodeRefIsJSONMarshal checks the reflection-free encoding gives
// json.Marshal's bytes, which links already stored hold: a different
// form would make every record look changed.
func TestEncodeRefIsJSONMarshal(t *testing.T) {
	var values []string
	for c := range 256 {
		values = append(values, "x"+string([]byte{byte(c)})+"y")
	}
	values = append(values, "", "uid=ann,ou=people,dc=example,dc=com", "cn=Zoë <&> \u2028", "\xff")
	for _, v := range values {
		for _, r := range []ManagerRef{{ExternalID: v}, {DN: v}, {EmployeeNumber: v}, {ExternalID: v, DN: "d", EmployeeNumber: v}, {DN: v, EmployeeNumber: "e"}} {
			if r.IsZero() {
				continue
			}
			want, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if got := encodeRef(&r); got != string(want) {
				t.Fatalf("encodeRef(%#v) = %s, json.Marshal = %s", r, got, want)
			}
			if back := decodeRef(encodeRef(&r)); back != r && utf8.ValidString(v) {
				t.Fatalf("decodeRef(encodeRef(%#v)) = %#v", r, back)
			}
		}
	}
}

package scim

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/elimity-com/scim/errors"
	filter "github.com/scim2/filter-parser/v2"
)

func mustPath(t *testing.T, s string) *filter.Path {
	t.Helper()
	if s == "" {
		return nil
	}
	p, err := filter.ParsePath([]byte(s))
	if err != nil {
		t.Fatalf("path %q: %v", s, err)
	}
	return &p
}

func jsonMap(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func jsonVal(t *testing.T, s string) any {
	t.Helper()
	if s == "" {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestApplyPatch covers RFC 7644 §3.5.2 as applied to a stored document.
func TestApplyPatch(t *testing.T) {
	users := newSchemaIndex(userSchema(), schemaEnterprise(), syncdSchema())
	groups := newSchemaIndex(groupSchema())
	base := `{"userName":"a","title":"T","name":{"givenName":"G","familyName":"F"},
		"emails":[{"type":"work","value":"w@x"},{"type":"home","value":"h@x"}],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"1","manager":{"value":"m1"}}}`
	type step struct{ op, path, value string }
	cases := []struct {
		name    string
		groups  bool
		doc     string
		ops     []step
		want    string // JSON of the result; "" when an error is expected
		errType string
	}{
		{"replace sub-attribute", false, base, []step{{"replace", "name.givenName", `"H"`}},
			`{"userName":"a","title":"T","name":{"givenName":"H","familyName":"F"},"emails":[{"type":"work","value":"w@x"},{"type":"home","value":"h@x"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"1","manager":{"value":"m1"}}}`, ""},
		{"value filter sub-attribute", false, base, []step{{"replace", `emails[type eq "work"].value`, `"n@x"`}},
			`{"userName":"a","title":"T","name":{"givenName":"G","familyName":"F"},"emails":[{"type":"work","value":"n@x"},{"type":"home","value":"h@x"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"1","manager":{"value":"m1"}}}`, ""},
		{"value filter with no match adds the element", false, `{"userName":"a"}`, []step{{"add", `emails[type eq "work"].value`, `"n@x"`}},
			`{"userName":"a","emails":[{"type":"work","value":"n@x"}]}`, ""},
		{"remove by filter removes only matches", false, base, []step{{"remove", `emails[type eq "HOME"]`, ``}},
			`{"userName":"a","title":"T","name":{"givenName":"G","familyName":"F"},"emails":[{"type":"work","value":"w@x"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"1","manager":{"value":"m1"}}}`, ""},
		{"add appends without duplicates", false, `{"userName":"a","emails":[{"type":"work","value":"w@x"}]}`,
			[]step{{"add", "emails", `[{"type":"work","value":"w@x"},{"type":"other","value":"o@x"}]`}},
			`{"userName":"a","emails":[{"type":"work","value":"w@x"},{"type":"other","value":"o@x"}]}`, ""},
		{"replace of a missing attribute adds", false, `{"userName":"a"}`, []step{{"replace", "title", `"New"`}},
			`{"userName":"a","title":"New"}`, ""},
		{"extension URN path", false, base, []step{{"replace", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", `"2"`},
			{"remove", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", ``}},
			`{"userName":"a","title":"T","name":{"givenName":"G","familyName":"F"},"emails":[{"type":"work","value":"w@x"},{"type":"home","value":"h@x"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"2"}}`, ""},
		{"path-less with paths and extension", false, `{"userName":"a"}`, []step{{"replace", "", `{"name.givenName":"X","active":false,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D"}}`}},
			`{"userName":"a","name":{"givenName":"X"},"active":false,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D"}}`, ""},
		{"null clears", false, `{"userName":"a","title":"T"}`, []step{{"replace", "title", `null`}}, `{"userName":"a"}`, ""},
		{"complex replace keeps unnamed sub-attributes", false, base, []step{{"replace", "name", `{"givenName":"Z"}`}},
			`{"userName":"a","title":"T","name":{"givenName":"Z","familyName":"F"},"emails":[{"type":"work","value":"w@x"},{"type":"home","value":"h@x"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"1","manager":{"value":"m1"}}}`, ""},
		{"members add, remove by filter, remove by value", true, `{"displayName":"g","members":[{"value":"u1"},{"value":"u2"}]}`,
			[]step{{"add", "members", `[{"value":"u3"},{"value":"u1"}]`}, {"remove", `members[value eq "u2"]`, ``}, {"remove", "members", `[{"value":"u3"}]`}},
			`{"displayName":"g","members":[{"value":"u1"}]}`, ""},
		{"unknown attribute", false, base, []step{{"replace", "shoeSize", `"9"`}}, "", "invalidPath"},
		{"read-only", false, base, []step{{"replace", "id", `"x"`}}, "", "mutability"},
		{"filter on a single-valued attribute", false, base, []step{{"replace", `title[value eq "T"]`, `"x"`}}, "", "invalidPath"},
		{"no target for a non-eq filter", false, `{"userName":"a"}`, []step{{"replace", `emails[type ne "work"].value`, `"x"`}}, "", "noTarget"},
		{"remove without a path", false, base, []step{{"remove", "", ``}}, "", "noTarget"},
		{"unknown op", false, base, []step{{"move", "title", `"x"`}}, "", "invalidSyntax"},
		{"atomic: a later failure leaves the input alone", false, `{"userName":"a"}`, []step{{"replace", "title", `"x"`}, {"replace", "shoeSize", `"9"`}}, "", "invalidPath"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			idx := users
			if tc.groups {
				idx = groups
			}
			doc := jsonMap(t, tc.doc)
			before, _ := json.Marshal(doc)
			var ops []patchOp
			for _, s := range tc.ops {
				ops = append(ops, patchOp{Op: s.op, Path: mustPath(t, s.path), Value: jsonVal(t, s.value)})
			}
			got, err := applyPatch(idx, doc, ops)
			after, _ := json.Marshal(doc)
			if string(before) != string(after) {
				t.Fatalf("input document changed: %s", after)
			}
			if tc.want == "" {
				if err == nil {
					t.Fatalf("no error, got %v", got)
				}
				var se errors.ScimError
				if !asScimError(err, &se) || string(se.ScimType) != tc.errType || se.Status != 400 {
					t.Fatalf("error %v, want scimType %s", err, tc.errType)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, jsonMap(t, tc.want)) {
				g, _ := json.Marshal(got)
				t.Fatalf("got  %s\nwant %s", g, tc.want)
			}
		})
	}
}

func TestRewriteFilter(t *testing.T) {
	for in, want := range map[string]string{
		`emails[type eq "work"].value eq "x@y"`:                 `emails[type eq "work" and value eq "x@y"]`,
		`emails[type eq "work" or type eq "home"].value co "x"`: `emails[(type eq "work" or type eq "home") and value co "x"]`,
		`userName eq "a" and emails[type eq "work"].value pr`:   `userName eq "a" and emails[type eq "work" and value pr]`,
		`userName eq "[x].y eq"`:                                `userName eq "[x].y eq"`,
		`emails[type eq "work"]`:                                `emails[type eq "work"]`,
	} {
		if got := rewriteFilter(in); got != want {
			t.Errorf("rewriteFilter(%s) = %s, want %s", in, got, want)
		}
	}
}

package store

import "testing"

func TestPersonName(t *testing.T) {
	for _, tc := range []struct {
		p    Person
		want string
	}{
		{Person{ID: "1", UserName: "ada", GivenName: "Ada", FamilyName: "L", DisplayName: "Ada Lindqvist"}, "Ada Lindqvist"},
		{Person{ID: "1", UserName: "ada", GivenName: "Ada", FamilyName: "Lindqvist"}, "Ada Lindqvist"},
		{Person{ID: "1", UserName: "ada", FamilyName: "Lindqvist"}, "Lindqvist"},
		{Person{ID: "1", UserName: "ada"}, "ada"},
		{Person{ID: "1"}, "1"},
		{Person{}, ""},
	} {
		if got := tc.p.Name(); got != tc.want {
			t.Errorf("%+v: Name() = %q, want %q", tc.p, got, tc.want)
		}
	}
}

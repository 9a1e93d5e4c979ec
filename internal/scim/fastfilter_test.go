package scim

import (
	"reflect"
	"strings"
	"testing"

	libfilter "github.com/elimity-com/scim/filter"
	"github.com/elimity-com/scim/schema"

	"github.com/syncd-dev/syncd/internal/store"
)

// libraryFilter is what the general path makes of s: the library's parse
// and validation (as its getFilterValidator runs them, on the trimmed text), then the converter.
func libraryFilter(idx schemaIndex, s string) (store.Filter, error) {
	core := userSchema()
	core.Attributes = append(append([]schema.CoreAttribute{}, core.Attributes...), schema.CommonAttributes()...)
	v, err := libfilter.NewValidator(strings.TrimSpace(s), core, schemaEnterprise(), syncdSchema())
	if err != nil {
		return store.Filter{}, err
	}
	if err := v.Validate(); err != nil {
		return store.Filter{}, err
	}
	return filterConverter{idx: idx}.convert(v.GetFilter())
}

// TestSimpleFilterAgreesWithLibrary: whatever the fast path accepts, it
// reads exactly as the library's parser and the converter do, errors
// included; the rest it leaves to them.
func TestSimpleFilterAgreesWithLibrary(t *testing.T) {
	idx := newSchemaIndex(userSchema(), schemaEnterprise(), syncdSchema())
	tests := []struct {
		filter string
		fast   bool
	}{
		{`userName eq "a@x.test"`, true},
		{`USERNAME EQ "a@x.test"`, true},
		{`userName Eq "a"`, true},
		{`externalId eq "0b6f-11"`, true},
		{`emails.value eq "x@y.test"`, true},
		{`name.givenName sw "A"`, true},
		{`displayName co "ab"`, true},
		{`title gt "m"`, true},
		{`userName eq ""`, true},
		{`userName eq "é ü"`, true},
		{`  userName eq "x"  `, true},
		{`active eq "true"`, true},     // a string for a boolean: 400 either way
		{`name eq "x"`, true},          // complex: 400 either way
		{`emails.nosuch eq "x"`, true}, // unknown sub-attribute: 400 either way
		{`userName eq "a\"b"`, false},  // escapes go to the parser
		{`userName eq "a\\b"`, false},  //
		{`userName  eq "x"`, false},    // two spaces
		{`userName eq x`, false},       // not a string
		{`userName eq true`, false},    //
		{`userName pr`, false},         //
		{`nosuch eq "x"`, false},       // unknown: the library's error
		{`id eq "x"`, true},
		{`meta.lastModified gt "2020-01-01T00:00:00Z"`, true},
		{`meta.lastModified gt "yesterday"`, true},
		{`userName eq "a" and active eq true`, false},
		{`emails[type eq "work"].value eq "x"`, false},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "D"`, false},
		{`1userName eq "x"`, false},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			got, ok, err := simpleFilter(idx, tc.filter)
			if ok != tc.fast {
				t.Fatalf("fast path taken = %v, want %v", ok, tc.fast)
			}
			if !ok {
				return
			}
			want, wantErr := libraryFilter(idx, tc.filter)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("fast path error %v, library path error %v", err, wantErr)
			}
			if err == nil && !reflect.DeepEqual(got, want) {
				t.Fatalf("fast path %#v, library path %#v", got, want)
			}
		})
	}
}

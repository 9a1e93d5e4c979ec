package identity

import (
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

func mustCompile(t *testing.T, cfg Config) compiled {
	t.Helper()
	c, errs := cfg.compile()
	if len(errs) > 0 {
		t.Fatalf("compile config: %v", errs)
	}
	return c
}

func TestMerge(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Hour)
	cfg := Config{
		Sources: map[string]SourceRole{"workday": RoleHR, "ldap": RoleDirectory, "okta": RoleIdP},
		Precedence: map[string][]string{
			"costCenter": {"ldap", "hr"}, // a source name ahead of a role
		},
	}
	link := func(source string, at time.Time, attrs map[string]string) *store.SourceLink {
		return &store.SourceLink{Source: source, ExternalID: source + "-1", AssertedAt: at, Attributes: attrs}
	}
	tests := []struct {
		name   string
		links  []*store.SourceLink
		attr   string
		want   string
		source string
		absent bool
	}{
		{
			name:  "idp cannot overwrite hr title",
			links: []*store.SourceLink{link("workday", t0, map[string]string{"title": "Accountant"}), link("okta", t1, map[string]string{"title": "CEO"})},
			attr:  "title", want: "Accountant", source: "workday",
		},
		{
			name:  "hr cannot overwrite idp userName",
			links: []*store.SourceLink{link("okta", t0, map[string]string{"userName": "jdoe"}), link("workday", t1, map[string]string{"userName": "john.doe"})},
			attr:  "userName", want: "jdoe", source: "okta",
		},
		{
			name:  "lower precedence fills what higher does not assert",
			links: []*store.SourceLink{link("workday", t0, map[string]string{"title": "Accountant"}), link("okta", t1, map[string]string{"department": "Finance"})},
			attr:  "department", want: "Finance", source: "okta",
		},
		{
			name:  "asserted empty clears at its level",
			links: []*store.SourceLink{link("workday", t0, map[string]string{"title": ""}), link("okta", t1, map[string]string{"title": "CEO"})},
			attr:  "title", want: "", source: "workday",
		},
		{
			name:  "tie goes to most recent assertion",
			links: []*store.SourceLink{link("okta", t0, map[string]string{"email": "old@x"}), link("scim-new", t1, map[string]string{"email": "new@x"})},
			attr:  "email", want: "new@x", source: "scim-new",
		},
		{
			name:  "source name listed beats role",
			links: []*store.SourceLink{link("workday", t1, map[string]string{"costCenter": "A"}), link("ldap", t0, map[string]string{"costCenter": "B"})},
			attr:  "costCenter", want: "B", source: "ldap",
		},
		{
			name:   "not asserted by anyone",
			links:  []*store.SourceLink{link("okta", t0, map[string]string{"email": "a@x"})},
			attr:   "title",
			absent: true,
		},
		{
			name:  "dn is not a person attribute",
			links: []*store.SourceLink{link("ldap", t0, map[string]string{"dn": "cn=a"})},
			attr:  "dn", absent: true,
		},
	}
	c := mustCompile(t, cfg)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := c.merge(tc.links)[tc.attr]
			if tc.absent {
				if ok {
					t.Fatalf("%s = %+v, want absent", tc.attr, got)
				}
				return
			}
			if !ok || got.Value != tc.want || got.Source != tc.source {
				t.Fatalf("%s = %+v (present %v), want %q from %q", tc.attr, got, ok, tc.want, tc.source)
			}
		})
	}
}

func TestRank(t *testing.T) {
	c := mustCompile(t, Config{Sources: map[string]SourceRole{"workday": RoleHR, "ldap": RoleDirectory}})
	tests := []struct {
		attr, source string
		want         int
	}{
		{"title", "workday", 0},
		{"title", "ldap", 1},
		{"title", "new-scim-token", 2}, // unknown sources are IdPs
		{"status", "new-scim-token", 1},
		{"email", "workday", 2},
	}
	for _, tc := range tests {
		t.Run(tc.attr+"/"+tc.source, func(t *testing.T) {
			if got := c.rank(tc.attr, tc.source); got != tc.want {
				t.Fatalf("rank = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestEffectiveStatus(t *testing.T) {
	tests := []struct {
		name   string
		links  int
		merged map[string]assertion
		want   store.Status
	}{
		{"no links", 0, nil, store.StatusTerminated},
		{"no status asserted", 1, map[string]assertion{}, store.StatusActive},
		{"asserted empty", 1, map[string]assertion{"status": {Value: "", Source: "hr"}}, store.StatusActive},
		{"asserted disabled", 2, map[string]assertion{"status": {Value: "disabled", Source: "okta"}}, store.StatusDisabled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, cause := effectiveStatus(tc.links, tc.merged)
			if got != tc.want || cause == "" {
				t.Fatalf("status = %q (%q), want %q with a cause", got, cause, tc.want)
			}
		})
	}
}

package catalog

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/policy"
)

func item(id string, mod func(*Item)) Item {
	it := Item{
		ItemSpec: policy.ItemSpec{ID: id, Name: id, Kind: "app-role", Risk: policy.RiskLow, OwnerID: "olga",
			Eligibility: policy.Eligibility{Departments: []string{"Finance"}},
			Stages:      []policy.StageSpec{{Name: "owner", Approvers: []policy.ApproverSpec{{ItemOwner: true}}, Fallback: []policy.ApproverSpec{{Group: "leads"}}}},
			MaxDuration: 30 * 24 * time.Hour},
		OwnerRef: "olga@example.com",
	}
	if mod != nil {
		mod(&it)
	}
	return it
}

func TestLint(t *testing.T) {
	status := func(id string) (string, bool) {
		s, ok := map[string]string{"olga": "active", "gone": "terminated"}[id]
		return s, ok
	}
	groups := map[string][]string{"leads": {"lena", "lou"}, "empty": nil}
	tests := []struct {
		name string
		it   []Item
		want []string // "severity rule", in any order; nil = clean
	}{
		{"clean", []Item{item("a", nil)}, nil},
		{"auto-approve on high risk", []Item{item("a", func(i *Item) {
			i.Risk = policy.RiskHigh
			i.AutoApprove = &policy.Condition{JobFunctions: []string{"x"}}
		})},
			[]string{"error auto-approve-high-risk"}},
		{"auto-approve on critical risk", []Item{item("a", func(i *Item) { i.Risk = policy.RiskCritical; i.AutoApprove = &policy.Condition{When: "true"} })},
			[]string{"error auto-approve-high-risk"}},
		{"no owner", []Item{item("a", func(i *Item) { i.OwnerRef, i.OwnerID = "", "" })}, []string{"error owner-missing"}},
		{"owner resolves to nobody", []Item{item("a", func(i *Item) { i.OwnerID = "" })}, []string{"error owner-unknown"}},
		{"inactive owner", []Item{item("a", func(i *Item) { i.OwnerID = "gone" })}, []string{"error owner-inactive"}},
		{"credential without maximum or environments", []Item{item("k", func(i *Item) { i.Kind = "api-key"; i.MaxDuration = 0 })},
			[]string{"error credential-no-max", "error credential-no-environments"}},
		{"credential with lifetime is fine", []Item{item("k", func(i *Item) {
			i.Kind, i.MaxDuration, i.CredentialLifetime, i.Environments = "token", 0, time.Hour, []string{"dev"}
		})}, nil},
		{"open eligibility on medium risk", []Item{item("a", func(i *Item) { i.Risk = policy.RiskMedium; i.Eligibility = policy.Eligibility{} })},
			[]string{"warning open-eligibility"}},
		{"open eligibility on low risk is fine", []Item{item("a", func(i *Item) { i.Eligibility = policy.Eligibility{} })}, nil},
		{"stage with no approvers", []Item{item("a", func(i *Item) { i.Stages = []policy.StageSpec{{Name: "x"}} })}, []string{"error stage-no-approvers"}},
		{"stage naming an empty group", []Item{item("a", func(i *Item) {
			i.Stages = []policy.StageSpec{{Name: "x", Approvers: []policy.ApproverSpec{{Group: "empty"}}}}
		})}, []string{"error stage-empty-group", "warning stage-may-resolve-to-nobody"}},
		{"stage naming an unknown group", []Item{item("a", func(i *Item) {
			i.Stages = []policy.StageSpec{{Name: "x", Approvers: []policy.ApproverSpec{{Group: "nope"}}, Fallback: []policy.ApproverSpec{{ItemOwner: true}, {Persons: []string{"p"}}}}}
		})}, []string{"error stage-unknown-group"}},
		{"manager-only stage can resolve to nobody", []Item{item("a", func(i *Item) {
			i.Stages = []policy.StageSpec{{Name: "m", Approvers: []policy.ApproverSpec{{Manager: true}}}}
		})}, []string{"warning stage-may-resolve-to-nobody"}},
		{"quorum larger than the group", []Item{item("a", func(i *Item) {
			i.Stages = []policy.StageSpec{{Name: "q", Approvers: []policy.ApproverSpec{{Group: "leads"}}, Quorum: 2}}
		})}, []string{"warning stage-may-resolve-to-nobody"}},
		{"sod declared one way", []Item{item("a", func(i *Item) { i.SoDConflicts = []string{"b"} }), item("b", nil)}, []string{"warning sod-one-way"}},
		{"sod both ways", []Item{item("a", func(i *Item) { i.SoDConflicts = []string{"b"} }), item("b", func(i *Item) { i.SoDConflicts = []string{"a"} })}, nil},
		{"sod with unknown item", []Item{item("a", func(i *Item) { i.SoDConflicts = []string{"zz"} })}, []string{"error sod-unknown"}},
		{"default beyond maximum", []Item{item("a", func(i *Item) { i.DefaultDuration = 60 * 24 * time.Hour })}, []string{"error default-exceeds-max"}},
		{"open eligibility on high risk", []Item{item("a", func(i *Item) { i.Risk = policy.RiskHigh; i.Eligibility = policy.Eligibility{} })},
			[]string{"error open-eligibility-high-risk"}},
		{"open eligibility on critical risk", []Item{item("a", func(i *Item) { i.Risk = policy.RiskCritical; i.Eligibility = policy.Eligibility{} })},
			[]string{"error open-eligibility-high-risk"}},
		{"maximum above a year", []Item{item("a", func(i *Item) { i.MaxDuration = 400 * 24 * time.Hour })}, []string{"warning max-duration-over-a-year"}},
		{"retired items are not linted", []Item{item("a", func(i *Item) { i.Retired = true; i.OwnerRef, i.OwnerID = "", "" })}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range Lint(&Catalog{Items: tc.it, ApproverGroups: groups}, status) {
				got = append(got, string(f.Severity)+" "+f.Rule)
			}
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
}

// A stage that has a fallback is never told to add one.
func TestLintNoMissingFallbackClaimWhenThereIsOne(t *testing.T) {
	it := item("a", func(i *Item) {
		i.Stages = []policy.StageSpec{{Name: "m", Approvers: []policy.ApproverSpec{{Manager: true}}, Fallback: []policy.ApproverSpec{{Manager: true}}}}
	})
	for _, f := range Lint(&Catalog{Items: []Item{it}}, nil) {
		if strings.Contains(f.Message, "add a fallback") {
			t.Fatalf("claims a missing fallback: %s", f)
		}
	}
	it.Stages[0].Fallback = nil
	found := false
	for _, f := range Lint(&Catalog{Items: []Item{it}}, nil) {
		found = found || strings.Contains(f.Message, "add a fallback")
	}
	if !found {
		t.Fatal("a stage without a fallback is not told to add one")
	}
}

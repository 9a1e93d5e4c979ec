package catalog

import (
	"slices"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/policy"
)

func TestLoosens(t *testing.T) {
	base := func() policy.ItemSpec {
		return policy.ItemSpec{ID: "a", Risk: policy.RiskHigh, MaxDuration: 30 * 24 * time.Hour,
			Eligibility:  policy.Eligibility{Departments: []string{"Finance"}},
			Stages:       []policy.StageSpec{{Name: "owner", Approvers: []policy.ApproverSpec{{ItemOwner: true}}}, {Name: "sec"}},
			SoDConflicts: []string{"b"}}
	}
	tests := []struct {
		name   string
		change func(*policy.ItemSpec)
		loose  bool
	}{
		{"unchanged", func(*policy.ItemSpec) {}, false},
		{"risk lowered with auto-approval (defect 9)", func(s *policy.ItemSpec) {
			s.Risk, s.AutoApprove = policy.RiskLow, &policy.Condition{When: "true"}
		}, true},
		{"risk raised", func(s *policy.ItemSpec) { s.Risk = policy.RiskCritical }, false},
		{"eligibility opened", func(s *policy.ItemSpec) { s.Eligibility = policy.Eligibility{} }, true},
		{"eligibility narrowed", func(s *policy.ItemSpec) { s.Eligibility.Departments = nil; s.Eligibility.JobFunctions = []string{"x"} }, true},
		{"maximum shortened", func(s *policy.ItemSpec) { s.MaxDuration = time.Hour }, false},
		{"maximum lengthened", func(s *policy.ItemSpec) { s.MaxDuration = 90 * 24 * time.Hour }, true},
		{"maximum removed", func(s *policy.ItemSpec) { s.MaxDuration = 0 }, true},
		{"stage dropped", func(s *policy.ItemSpec) { s.Stages = s.Stages[:1] }, true},
		{"stage added", func(s *policy.ItemSpec) { s.Stages = append(s.Stages, policy.StageSpec{Name: "third"}) }, false},
		{"sod removed", func(s *policy.ItemSpec) { s.SoDConflicts = nil }, true},
		{"stage approvers changed", func(s *policy.ItemSpec) {
			s.Stages = slices.Clone(s.Stages)
			s.Stages[0].Approvers = []policy.ApproverSpec{{Persons: []string{"pal"}}}
		}, true},
		{"stage timeout shortened", func(s *policy.ItemSpec) {
			s.Stages = slices.Clone(s.Stages)
			s.Stages[1].Timeout = time.Hour
		}, false},
		{"retired", func(s *policy.ItemSpec) { s.Retired = true }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := base()
			tc.change(&p)
			if got := Loosens(base(), p); (len(got) > 0) != tc.loose {
				t.Fatalf("Loosens = %v, want loosening %v", got, tc.loose)
			}
			// The reverse of a loosening tightens, and back from
			// retirement loosens.
			if tc.name == "retired" {
				if got := Loosens(p, base()); len(got) == 0 {
					t.Fatal("bringing a retired item back does not loosen it")
				}
			}
		})
	}
}

func TestItemLoosens(t *testing.T) {
	base := func() Item {
		return Item{ItemSpec: policy.ItemSpec{ID: "a", Risk: policy.RiskHigh}, Target: Target{System: "erp", Entitlement: "read"},
			Fulfillment: Fulfillment{Type: "webhook", Params: map[string]string{"url": "https://hooks.example.com/syncd/a"}},
			Birthright:  []string{"analyst"}}
	}
	tests := []struct {
		name   string
		change func(*Item)
		want   string
	}{
		{"unchanged", func(*Item) {}, ""},
		{"target", func(it *Item) { it.Target.Entitlement = "admin" }, "target changed"},
		{"fulfillment params", func(it *Item) { it.Fulfillment.Params = map[string]string{"url": "https://hooks.example.com/syncd/b"} }, "fulfillment changed"},
		{"fulfillment type", func(it *Item) { it.Fulfillment = Fulfillment{Type: "manual"} }, "fulfillment changed"},
		{"birthright added", func(it *Item) { it.Birthright = []string{"analyst", "engineer"} }, "birthright job functions added"},
		{"birthright removed", func(it *Item) { it.Birthright = nil }, ""},
		{"policy", func(it *Item) { it.Risk = policy.RiskLow }, "risk lowered from high to low"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it := base()
			tc.change(&it)
			got := ItemLoosens(base(), it)
			if tc.want == "" && len(got) > 0 || tc.want != "" && !slices.Contains(got, tc.want) {
				t.Fatalf("ItemLoosens = %v, want %q", got, tc.want)
			}
		})
	}
}

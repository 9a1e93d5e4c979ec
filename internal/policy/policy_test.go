package policy

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

type groups map[string][]string

func (g groups) GroupMembers(name string) []string { return g[name] }

func catalog(t testing.TB, specs ...ItemSpec) *Catalog {
	t.Helper()
	c, errs := Compile(specs)
	if len(errs) > 0 {
		t.Fatalf("compile: %v", errs)
	}
	return c
}

var (
	dana  = Person{ID: "dana", DisplayName: "Dana", Department: "Finance", Status: "active", ManagerID: "mia", JobFunctions: []string{"finance-analyst"}}
	sam   = Person{ID: "sam", DisplayName: "Sam", Department: "Sales", Status: "active", ManagerID: "mia"}
	devon = Person{ID: "devon", DisplayName: "Devon", Department: "Engineering", Status: "active", ManagerID: "eve", JobFunctions: []string{"engineer"}}
	leo   = Person{ID: "leo", DisplayName: "Leo", Department: "Finance", Status: "terminated", JobFunctions: nil}

	saasRole = ItemSpec{
		ID: "finance-reports", Name: "Finance reports", Kind: "app-role", Risk: RiskLow, OwnerID: "olga",
		Eligibility: Eligibility{JobFunctions: []string{"finance-analyst"}, Departments: []string{"Sales"}},
		AutoApprove: &Condition{JobFunctions: []string{"finance-analyst"}},
		Stages:      []StageSpec{{Name: "manager", Approvers: []ApproverSpec{{Manager: true}}, Fallback: []ApproverSpec{{ItemOwner: true}}}},
		MaxDuration: 90 * 24 * time.Hour,
	}
	apiKey = ItemSpec{
		ID: "payments-api-key", Kind: "api-key", Risk: RiskMedium, OwnerID: "olga",
		Eligibility:        Eligibility{JobFunctions: []string{"engineer"}},
		AutoApprove:        &Condition{When: `request.environment != "prod"`},
		Environments:       []string{"dev", "staging", "prod"},
		CredentialLifetime: 30 * 24 * time.Hour, MaxDuration: 30 * 24 * time.Hour, JustificationRequired: true,
	}
	payments = ItemSpec{ID: "ap-payments-approver", Kind: "app-role", Risk: RiskHigh, OwnerID: "olga",
		Eligibility: Eligibility{Departments: []string{"Finance"}}, SoDConflicts: []string{"ap-vendor-admin"},
		AutoApprove: &Condition{JobFunctions: []string{"finance-analyst"}}}
	vendors = ItemSpec{ID: "ap-vendor-admin", Kind: "app-role", Risk: RiskMedium, OwnerID: "olga",
		Stages: []StageSpec{{Name: "finance-leads", Approvers: []ApproverSpec{{Group: "finance-leads"}}, Quorum: 2}}}
)

func window(days int) Request {
	return Request{Start: now, End: now.Add(time.Duration(days) * 24 * time.Hour), Justification: "quarter close"}
}

func TestEvaluate(t *testing.T) {
	c := catalog(t, saasRole, apiKey, payments, vendors)
	dir := groups{"finance-leads": {"dana", "lena", "lou"}}
	tests := []struct {
		name    string
		in      Input
		outcome Outcome
		rule    string
		explain string // substring of the explanation
	}{
		{"finance analyst auto-approves", Input{Requester: dana, Beneficiary: dana, ItemID: "finance-reports", Request: window(30)},
			AutoApprove, "auto-approve", "auto-approved: Dana holds job function finance-analyst; item risk low"},
		{"sales colleague needs approval from manager", Input{Requester: sam, Beneficiary: sam, ItemID: "finance-reports", Request: window(30)},
			Approval, "approval", "needs approval: Sam is in department Sales; item risk low; stage manager: 1 of [mia]"},
		{"engineer not eligible", Input{Requester: devon, Beneficiary: devon, ItemID: "finance-reports", Request: window(30)},
			Deny, "eligibility", "Devon is not eligible for Finance reports: holds none of the job functions [finance-analyst], department \"Engineering\" is not one of [Sales]"},
		{"window beyond maximum", Input{Requester: dana, Beneficiary: dana, ItemID: "finance-reports", Request: window(120)},
			Deny, "window.too-long", "window too long: 120 days requested, item Finance reports allows at most 90 days"},
		{"window in the past", Input{Requester: dana, Beneficiary: dana, ItemID: "finance-reports", Request: Request{Start: now.Add(-48 * time.Hour), End: now.Add(-24 * time.Hour)}},
			Deny, "window.past", "in the past"},
		{"inactive beneficiary", Input{Requester: dana, Beneficiary: leo, ItemID: "finance-reports", Request: window(10)},
			Deny, "beneficiary.inactive", "Leo is terminated"},
		{"unknown item", Input{Requester: dana, Beneficiary: dana, ItemID: "nope", Request: window(1)}, Deny, "item.unknown", `no catalog item "nope"`},
		{"dev api key auto-approves by condition", Input{Requester: devon, Beneficiary: devon, ItemID: "payments-api-key", Request: Request{Start: now, End: now.Add(7 * 24 * time.Hour), Environment: "dev", Justification: "x"}},
			AutoApprove, "auto-approve", `Devon meets the item's auto-approval condition; item risk medium`},
		{"prod api key beyond lifetime", Input{Requester: devon, Beneficiary: devon, ItemID: "payments-api-key", Request: Request{Start: now, End: now.Add(60 * 24 * time.Hour), Environment: "prod", Justification: "x"}},
			Deny, "window.too-long", "60 days requested"},
		{"unknown environment", Input{Requester: devon, Beneficiary: devon, ItemID: "payments-api-key", Request: Request{Start: now, End: now.Add(24 * time.Hour), Environment: "qa", Justification: "x"}},
			Deny, "environment.not-allowed", `environment "qa" is not allowed`},
		{"justification missing", Input{Requester: devon, Beneficiary: devon, ItemID: "payments-api-key", Request: Request{Start: now, End: now.Add(24 * time.Hour), Environment: "dev", Justification: "  "}},
			Deny, "justification.missing", "requires a justification"},
		{"high risk never auto-approves", Input{Requester: dana, Beneficiary: dana, ItemID: "ap-payments-approver", Request: window(10)},
			Approval, "approval", "auto-approval matched but is never allowed at risk high"},
		{"sod declared on the other item", Input{Requester: dana, Beneficiary: dana, ItemID: "ap-vendor-admin", Grants: []string{"ap-payments-approver"}, Request: window(10)},
			Deny, "sod", "separation of duties: Dana holds ap-payments-approver, which conflicts with ap-vendor-admin"},
		{"quorum excludes the requester from the group", Input{Requester: dana, Beneficiary: dana, ItemID: "ap-vendor-admin", Request: window(10)},
			Approval, "approval", "stage finance-leads: 2 of [lena, lou]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Now = now
			d := c.Evaluate(tc.in, dir)
			if tc.name == "dev api key auto-approves by condition" && !slices.Equal(d.Conditions, []string{`request.environment != "prod"`}) {
				t.Fatalf("conditions %q, want the auto-approval expression", d.Conditions)
			}
			if d.Outcome != tc.outcome || d.Rule != tc.rule || !strings.Contains(d.Explanation(), tc.explain) {
				t.Fatalf("got %s/%s %q\nwant %s/%s containing %q", d.Outcome, d.Rule, d.Explanation(), tc.outcome, tc.rule, tc.explain)
			}
			if strings.Contains(d.Explanation(), "request.") || strings.Contains(d.Explanation(), "beneficiary.") {
				t.Fatalf("explanation shows a CEL expression: %q", d.Explanation())
			}
			if d.CatalogVersion != c.Version || c.Version == "" {
				t.Fatalf("decision version %q, catalog %q", d.CatalogVersion, c.Version)
			}
		})
	}
}

func TestManagerRequestingForReportCannotApprove(t *testing.T) {
	c := catalog(t, saasRole)
	mia := Person{ID: "mia", DisplayName: "Mia", Status: "active"}
	d := c.Evaluate(Input{Requester: mia, Beneficiary: sam, ItemID: "finance-reports", Request: window(10), Now: now}, nil)
	// Mia is Sam's manager and the requester: the manager stage falls back
	// to the item owner.
	if d.Outcome != Approval || !slices.Equal(d.Stages[0].Approvers, []string{"olga"}) || !d.Stages[0].Escalated {
		t.Fatalf("%+v", d)
	}
	// With the owner also the beneficiary, nobody is left: deny.
	owner := ItemSpec{ID: "x", Kind: "group", Risk: RiskLow, OwnerID: "sam"}
	c = catalog(t, owner)
	d = c.Evaluate(Input{Requester: sam, Beneficiary: sam, ItemID: "x", Request: window(1), Now: now}, nil)
	if d.Outcome != Deny || d.Rule != "approval.no-approver" {
		t.Fatalf("%+v", d)
	}
}

func TestCompileErrors(t *testing.T) {
	_, errs := Compile([]ItemSpec{
		{ID: "a", Risk: "extreme", Eligibility: Eligibility{When: "beneficiary.department =="}},
		{ID: "a", Risk: RiskLow},
		{ID: "b", Risk: RiskLow, AutoApprove: &Condition{When: "beneficiary.department"}, SoDConflicts: []string{"ghost"},
			Stages: []StageSpec{{OnTimeout: "shrug"}, {}, {}, {}}},
	})
	var all []string
	for _, e := range errs {
		all = append(all, e.Error())
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{
		`item "a": risk: must be low, medium, high or critical, got "extreme"`,
		`item "a": eligibility.when: compile:`,
		`item "a": id: defined twice`,
		`item "b": approval.autoApprove.when: condition returns dyn, want bool`,
		`item "b": sodConflicts: unknown item "ghost"`,
		`item "b": approval.stages[0].onTimeout: must be deny or escalate`,
		`item "b": approval.stages: at most 3 stages, got 4`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("errors lack %q:\n%s", want, text)
		}
	}
}

func TestEvaluationErrorDenies(t *testing.T) {
	c := catalog(t, ItemSpec{ID: "x", Kind: "group", Risk: RiskLow, OwnerID: "o",
		Eligibility: Eligibility{When: `beneficiary.nosuchkey == "x"`}})
	d := c.Evaluate(Input{Requester: dana, Beneficiary: dana, ItemID: "x", Request: window(1), Now: now}, nil)
	if d.Outcome != Deny || d.Rule != "policy.error" {
		t.Fatalf("%+v", d)
	}
}

func TestVersionFollowsContent(t *testing.T) {
	a := catalog(t, saasRole)
	b := catalog(t, saasRole)
	changed := saasRole
	changed.MaxDuration = time.Hour
	c := catalog(t, changed)
	if a.Version != b.Version || a.Version == c.Version {
		t.Fatalf("versions %s %s %s", a.Version, b.Version, c.Version)
	}
}

// TestNoSelfApproval: whatever the item, the people and the groups, no
// stage ever lists the requester or the beneficiary as an approver.
func TestNoSelfApproval(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	people := []string{"a", "b", "c", "d", "e"}
	pick := func() string { return people[rng.IntN(len(people))] }
	for i := range 5000 {
		var stages []StageSpec
		for range 1 + rng.IntN(3) {
			st := StageSpec{Quorum: rng.IntN(3)}
			for range 1 + rng.IntN(3) {
				st.Approvers = append(st.Approvers, ApproverSpec{Manager: rng.IntN(2) == 0, ItemOwner: rng.IntN(2) == 0, Group: "g", Persons: []string{pick()}})
			}
			st.Fallback = []ApproverSpec{{Persons: []string{pick(), pick()}}}
			stages = append(stages, st)
		}
		spec := ItemSpec{ID: "x", Kind: "group", Risk: []string{RiskLow, RiskMedium, RiskHigh, RiskCritical}[rng.IntN(4)], OwnerID: pick(), Stages: stages}
		c := catalog(t, spec)
		req := Person{ID: pick(), Status: "active", ManagerID: pick()}
		ben := Person{ID: pick(), Status: "active", ManagerID: pick()}
		dir := groups{"g": {pick(), pick(), pick()}}
		d := c.Evaluate(Input{Requester: req, Beneficiary: ben, ItemID: "x", Request: window(1), Now: now}, dir)
		for _, st := range d.Stages {
			if slices.Contains(st.Approvers, req.ID) || slices.Contains(st.Approvers, ben.ID) {
				t.Fatalf("case %d: stage %s lists requester %s or beneficiary %s: %v", i, st.Name, req.ID, ben.ID, st.Approvers)
			}
			if len(st.Approvers) < st.Quorum {
				t.Fatalf("case %d: stage %s has %d approvers for quorum %d", i, st.Name, len(st.Approvers), st.Quorum)
			}
		}
		if d.Outcome == AutoApprove {
			t.Fatalf("case %d: auto-approved without an auto-approval rule", i)
		}
	}
}

// BenchmarkEvaluate reports decisions per second for a job-function
// auto-approval (no CEL) and a CEL-conditioned one.
//
//	go test -run '^$' -bench BenchmarkEvaluate ./internal/policy/
func BenchmarkEvaluate(b *testing.B) {
	c := catalog(b, saasRole, apiKey)
	cases := []struct {
		name string
		in   Input
	}{
		{"job-function", Input{Requester: dana, Beneficiary: dana, ItemID: "finance-reports", Request: window(30), Now: now}},
		{"cel-condition", Input{Requester: devon, Beneficiary: devon, ItemID: "payments-api-key", Request: Request{Start: now, End: now.Add(24 * time.Hour), Environment: "dev", Justification: "x"}, Now: now}},
		{"approval-stages", Input{Requester: sam, Beneficiary: sam, ItemID: "finance-reports", Request: window(30), Now: now}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if d := c.Evaluate(tc.in, nil); d.Outcome == Deny {
					b.Fatal(d.Explanation())
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
		})
	}
}

package review_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
)

// clock is a fake clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// person is one row of a test organisation.
type person struct{ login, dept, title, manager string }

var smallOrg = []person{
	{"olga", "Finance", "Controller", ""},
	{"mia", "Sales", "Sales Director", ""},
	{"eve", "Engineering", "CTO", ""},
	{"dana", "Finance", "Financial Analyst", "olga"},
	{"fred", "Finance", "Financial Analyst", "olga"},
	{"sam", "Sales", "Account Executive", "mia"},
	{"devon", "Engineering", "Developer", "eve"},
	{"pat", "Engineering", "Platform Engineer", "eve"},
}

func identityService(t testing.TB, st store.Store, now func() time.Time) *identity.Service {
	t.Helper()
	svc, err := identity.New(identity.Config{
		Sources: map[string]identity.SourceRole{"hr": identity.RoleHR},
		Rules: []identity.Rule{
			{Name: "finance-analyst", JobFunction: "finance-analyst", When: `person.department == "Finance" && person.title.contains("Analyst")`},
			{Name: "sales-rep", JobFunction: "sales-rep", When: `person.department == "Sales" && person.title.contains("Account")`},
			{Name: "engineer", JobFunction: "engineer", When: `person.department == "Engineering"`},
		},
	}, st)
	if err != nil {
		t.Fatal(err)
	}
	if now != nil {
		svc.Now = now
	}
	return svc
}

// loadOrg writes people through the identity write path (so job functions
// and mover events are the real ones) and returns person IDs by login.
func loadOrg(t testing.TB, ids *identity.Service, people []person) map[string]string {
	t.Helper()
	var changes []identity.Change
	for _, p := range people {
		r := identity.Record{ExternalID: p.login, Attributes: map[string]string{
			"userName": p.login, "email": p.login + "@example.com", "displayName": strings.ToUpper(p.login[:1]) + p.login[1:],
			"department": p.dept, "title": p.title, "employeeNumber": "E-" + p.login,
		}}
		if p.manager != "" {
			r.Manager = &identity.ManagerRef{ExternalID: p.manager}
		}
		changes = append(changes, identity.Change{Op: identity.OpUpsert, Record: r})
	}
	res, err := ids.Apply(context.Background(), identity.Batch{Source: "hr", Changes: changes})
	if err != nil || len(res.Rejected) > 0 {
		t.Fatalf("org: %v %+v", err, res.Rejected)
	}
	out := map[string]string{}
	for _, a := range res.Applied {
		out[a.ExternalID] = a.PersonID
	}
	return out
}

func testCatalog(ids map[string]string) *catalog.Catalog {
	return &catalog.Catalog{
		ApproverGroups: map[string][]string{"security": {ids["eve"], ids["olga"]}, "finance-leads": {ids["olga"], ids["dana"]}},
		Items: []catalog.Item{
			{ItemSpec: policy.ItemSpec{ID: "finance-reports", Name: "Finance reports", Kind: "app-role", Risk: policy.RiskLow, OwnerID: ids["olga"],
				Eligibility: policy.Eligibility{JobFunctions: []string{"finance-analyst"}}}, Fulfillment: catalog.Fulfillment{Type: "manual"}},
			{ItemSpec: policy.ItemSpec{ID: "payroll-admin", Name: "Payroll admin", Kind: "app-role", Risk: policy.RiskHigh, OwnerID: ids["olga"]},
				Fulfillment: catalog.Fulfillment{Type: "manual"}},
			{ItemSpec: policy.ItemSpec{ID: "wiki", Name: "Wiki", Kind: "group", Risk: policy.RiskLow, OwnerID: ids["eve"]},
				Fulfillment: catalog.Fulfillment{Type: "manual"}},
		},
	}
}

type staticCatalog struct{ c *catalog.Catalog }

func (s staticCatalog) Catalog() *catalog.Catalog { return s.c }

// grant writes an active grant directly (a fixture; the access service
// is the writer in production).
func grant(t testing.TB, st store.Store, item, holder, assurance string, start time.Time) store.Grant {
	t.Helper()
	g, err := st.CreateGrant(context.Background(), store.Grant{ItemID: item, HolderID: holder, Assurance: assurance,
		Start: start, End: start.Add(365 * 24 * time.Hour), State: store.GrantActive, FulfillmentStatus: "done"})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// accessRevoker revokes through a real access service.
func accessRevoker(t testing.TB, st store.Store, cat *catalog.Catalog, fulfillers map[string]access.Fulfiller, now func() time.Time) (review.Revoker, *access.Service) {
	t.Helper()
	if fulfillers == nil {
		fulfillers = map[string]access.Fulfiller{"manual": access.Manual{}}
	}
	svc, err := access.NewService(st, cat, fulfillers, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc.Now = now
	return review.RevokerFunc(func(ctx context.Context, grantID, by, reason string) error {
		if _, err := svc.Revoke(ctx, grantID, by, reason); err != nil {
			return err
		}
		_, err := svc.ProcessFulfillments(ctx)
		return err
	}), svc
}

func quarterly() review.Definition {
	return review.Definition{
		Name: "quarterly-access", Kind: store.CampaignGrants,
		Scope:    `grant.source in ["requested", "imported"]`,
		Stages:   []review.Stage{{Name: "manager", Reviewers: []string{"manager"}, Fallback: []string{"item-owner"}}},
		Schedule: review.Schedule{Frequency: "quarterly", Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		Duration: 14 * 24 * time.Hour, Default: review.Default{Action: review.DefaultRecommendation, CapPercent: 50},
		Reminders: []time.Duration{72 * time.Hour, 24 * time.Hour}, FallbackGroup: "security",
	}
}

func newService(t testing.TB, st store.Store, cat *catalog.Catalog, clk *clock, defs ...review.Definition) *review.Service {
	t.Helper()
	svc, err := review.NewService(st, defs)
	if err != nil {
		t.Fatal(err)
	}
	svc.Catalog, svc.Now = staticCatalog{cat}, clk.Now
	return svc
}

func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func items(t testing.TB, st store.Store, campaign string) []store.ReviewItem {
	t.Helper()
	var out []store.ReviewItem
	var after int64
	for {
		page, err := st.ListReviewItems(context.Background(), store.ReviewItemQuery{CampaignID: campaign, AfterID: after, Limit: 1000})
		must(t, "list items", err)
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1].ID
	}
}

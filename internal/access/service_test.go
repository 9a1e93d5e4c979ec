package access_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// org loads a small organisation through the identity write path, so job
// functions come from the real rules, and returns person IDs by login.
func org(t *testing.T, st store.Store) map[string]string {
	t.Helper()
	svc, err := identity.New(identity.Config{
		Sources: map[string]identity.SourceRole{"hr": identity.RoleHR},
		Rules: []identity.Rule{
			{Name: "finance-analyst", JobFunction: "finance-analyst", When: `person.department == "Finance" && person.title.contains("Analyst")`},
			{Name: "engineer", JobFunction: "engineer", When: `person.department == "Engineering"`},
		},
	}, st)
	if err != nil {
		t.Fatal(err)
	}
	people := []struct{ login, dept, title, manager string }{
		{"olga", "Finance", "Controller", ""},
		{"mia", "Sales", "Sales Director", ""},
		{"eve", "Engineering", "CTO", ""},
		{"dana", "Finance", "Financial Analyst", "olga"},
		{"sam", "Sales", "Account Executive", "mia"},
		{"devon", "Engineering", "Developer", "eve"},
		{"pat", "Engineering", "Platform Engineer", "eve"},
	}
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
	res, err := svc.Apply(t.Context(), identity.Batch{Source: "hr", Changes: changes})
	if err != nil || len(res.Rejected) > 0 {
		t.Fatalf("org: %v %+v", err, res.Rejected)
	}
	ids := map[string]string{}
	for _, a := range res.Applied {
		ids[a.ExternalID] = a.PersonID
	}
	return ids
}

func catalogFor(ids map[string]string) *catalog.Catalog {
	return &catalog.Catalog{
		ApproverGroups: map[string][]string{"platform-team": {ids["pat"], ids["eve"]}},
		Items: []catalog.Item{
			{ItemSpec: policy.ItemSpec{ID: "finance-reports", Name: "Finance reports", Kind: "app-role", Risk: policy.RiskLow, OwnerID: ids["olga"],
				Eligibility: policy.Eligibility{JobFunctions: []string{"finance-analyst"}, Departments: []string{"Sales"}},
				AutoApprove: &policy.Condition{JobFunctions: []string{"finance-analyst"}},
				Stages:      []policy.StageSpec{{Name: "manager", Approvers: []policy.ApproverSpec{{Manager: true}}, Timeout: time.Hour, OnTimeout: "escalate", Fallback: []policy.ApproverSpec{{ItemOwner: true}}}},
				MaxDuration: 90 * 24 * time.Hour}, OwnerRef: "olga", Fulfillment: catalog.Fulfillment{Type: "manual"}},
			{ItemSpec: policy.ItemSpec{ID: "payments-api-key", Name: "Payments API key", Kind: "api-key", Risk: policy.RiskMedium, OwnerID: ids["pat"],
				Eligibility:  policy.Eligibility{JobFunctions: []string{"engineer"}},
				AutoApprove:  &policy.Condition{When: `request.environment != "prod"`},
				Stages:       []policy.StageSpec{{Name: "platform", Approvers: []policy.ApproverSpec{{Group: "platform-team"}}}},
				Environments: []string{"dev", "prod"}, CredentialLifetime: 30 * 24 * time.Hour, MaxDuration: 30 * 24 * time.Hour, JustificationRequired: true},
				OwnerRef: "pat", Fulfillment: catalog.Fulfillment{Type: "api-key"}},
		},
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newService(t *testing.T, st *gormstore.Store, ids map[string]string, c *clock) *access.Service {
	t.Helper()
	svc, err := access.NewService(st, catalogFor(ids), map[string]access.Fulfiller{
		"manual":  access.Manual{},
		"api-key": &access.APIKey{Store: st, Now: c.now},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc.Now = c.now
	return svc
}

// work runs the fulfillment worker until no work is due.
func work(t *testing.T, svc *access.Service) {
	t.Helper()
	if _, err := svc.ProcessFulfillments(t.Context()); err != nil {
		t.Fatalf("fulfillment work: %v", err)
	}
}

// settle runs the fulfillment worker and returns the grant as it now
// stands.
func settle(t *testing.T, svc *access.Service, g *store.Grant) *store.Grant {
	t.Helper()
	if g == nil {
		t.Fatal("no grant to settle")
	}
	work(t, svc)
	got, err := svc.Store.GetGrant(t.Context(), g.ID)
	if err != nil {
		t.Fatal(err)
	}
	return &got
}

// sweepAndWork runs a sweep and then the work it recorded.
func sweepAndWork(t *testing.T, svc *access.Service) (access.SweepResult, error) {
	t.Helper()
	res, err := svc.Sweep(t.Context())
	if err == nil {
		work(t, svc)
	}
	return res, err
}

func TestFinanceRoleAutoApprovesOnlyForFinanceJobFunction(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ids := org(t, st)
		c := &clock{time.Now().UTC()}
		svc := newService(t, st, ids, c)

		out, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["dana"], ItemID: "finance-reports", Justification: "close"})
		if err != nil {
			t.Fatal(err)
		}
		if out.Request.State != store.RequestApproved || out.Grant == nil || out.Grant.Assurance != store.AssuranceAutoApproved {
			t.Fatalf("dana: %+v", out)
		}
		if want := "auto-approved: Dana holds job function finance-analyst; item risk low"; out.Decision.Explanation != want {
			t.Fatalf("explanation %q, want %q", out.Decision.Explanation, want)
		}
		// Manual fulfillment: pending until the owner confirms.
		work(t, svc)
		g0, _ := st.GetGrant(t.Context(), out.Grant.ID)
		out.Grant = &g0
		if out.Grant.State != store.GrantPending || out.Grant.FulfillmentStatus != "awaiting-confirmation" {
			t.Fatalf("grant %+v", out.Grant)
		}
		if _, err := svc.ConfirmFulfillment(t.Context(), ids["dana"], out.Grant.ID, false); !errors.Is(err, access.ErrForbidden) {
			t.Fatalf("holder confirmed own grant: %v", err)
		}
		g, err := svc.ConfirmFulfillment(t.Context(), ids["olga"], out.Grant.ID, false)
		if err != nil || g.State != store.GrantActive {
			t.Fatalf("confirm: %+v %v", g, err)
		}

		// A sales colleague: eligible by department, but needs approval.
		out, err = svc.Submit(t.Context(), access.Submission{RequesterID: ids["sam"], ItemID: "finance-reports"})
		if err != nil {
			t.Fatal(err)
		}
		if out.Request.State != store.RequestPending || out.Grant != nil || out.Decision.Explanation != "needs approval: Sam is in department Sales; item risk low; stage manager: 1 of [Mia]" {
			t.Fatalf("sam: %+v", out)
		}
		if _, err := svc.Decide(t.Context(), ids["sam"], out.Request.ID, true, ""); !errors.Is(err, access.ErrForbidden) {
			t.Fatalf("self-approval: %v", err)
		}
		if _, err := svc.Decide(t.Context(), ids["olga"], out.Request.ID, true, ""); !errors.Is(err, access.ErrForbidden) {
			t.Fatalf("non-approver: %v", err)
		}
		if _, err := svc.Decide(t.Context(), ids["mia"], out.Request.ID, false, " "); !errors.Is(err, access.ErrInvalid) {
			t.Fatalf("denial without comment: %v", err)
		}
		dec, err := svc.Decide(t.Context(), ids["mia"], out.Request.ID, true, "")
		if err != nil || dec.Grant == nil || dec.Grant.Assurance != store.AssuranceApproved || dec.Grant.ApproverIDs[0] != ids["mia"] {
			t.Fatalf("approve: %+v %v", dec, err)
		}
		if _, err := svc.Decide(t.Context(), ids["mia"], out.Request.ID, true, ""); !errors.Is(err, access.ErrStateChanged) {
			t.Fatalf("second decision: %v", err)
		}

		ex, err := svc.Explain(t.Context(), ids["devon"], out.Request.ID, false)
		if !errors.Is(err, access.ErrNotFound) {
			t.Fatalf("outsider read the explanation: %+v %v", ex, err)
		}
		ex, err = svc.Explain(t.Context(), ids["sam"], out.Request.ID, false)
		if err != nil || len(ex.Approvals) != 1 || ex.Decision.Rule != "approval" {
			t.Fatalf("explain: %+v %v", ex, err)
		}
		if _, err := audit.Verify(t.Context(), st); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTemporaryAPIKey(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ids := org(t, st)
		c := &clock{time.Now().UTC()}
		svc := newService(t, st, ids, c)

		out, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["devon"], ItemID: "payments-api-key", Environment: "dev",
			Justification: "integration test", End: c.t.Add(7 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if out.Grant == nil || out.Grant.State != store.GrantPending {
			t.Fatalf("dev key: %+v", out)
		}
		work(t, svc)
		// At rest until retrieval the credential is sealed, never clear.
		stored, err := st.GetGrantSecret(t.Context(), out.Grant.ID)
		if err != nil || !strings.HasPrefix(stored.Secret, "v1:") || strings.Contains(stored.Secret, "sk_") {
			t.Fatalf("stored credential: %q %v", stored.Secret, err)
		}
		secret, err := svc.TakeCredential(t.Context(), ids["devon"], out.Request.ID)
		if err != nil || !strings.HasPrefix(secret, "sk_") {
			t.Fatalf("credential: %q %v", secret, err)
		}
		if _, err := svc.TakeCredential(t.Context(), ids["devon"], out.Request.ID); !errors.Is(err, access.ErrGone) {
			t.Fatalf("second retrieval: %v", err)
		}
		// Erased once retrieved.
		if stored, err := st.GetGrantSecret(t.Context(), out.Grant.ID); err != nil || stored.Secret != "" || stored.TakenAt == nil {
			t.Fatalf("after retrieval: %+v %v", stored, err)
		}
		g, _ := st.GetGrant(t.Context(), out.Grant.ID)
		out.Grant = &g
		if g.State != store.GrantActive || strings.Contains(g.FulfillmentRef, secret) || !strings.Contains(g.FulfillmentRef, "sha256:") {
			t.Fatalf("grant %+v", g)
		}
		n, err := st.GetNHIByExternalID(t.Context(), "request", out.Grant.ID)
		if err != nil || n.OwnerID != ids["devon"] || n.Environment != "dev" || n.Kind != store.KindAPIKey || !n.ExpiresAt.Equal(out.Grant.End) {
			t.Fatalf("nhi %+v %v", n, err)
		}

		out, err = svc.Submit(t.Context(), access.Submission{RequesterID: ids["devon"], ItemID: "payments-api-key", Environment: "prod",
			Justification: "x", End: c.t.Add(60 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if out.Request.State != store.RequestDenied || out.Grant != nil || !strings.Contains(out.Decision.Explanation, "window too long: 60 days requested") {
			t.Fatalf("prod beyond limit: %+v", out)
		}

		// Expiry ends the grant and retires the key's NHI.
		c.t = c.t.Add(8 * 24 * time.Hour)
		res, err := svc.Sweep(t.Context())
		if err != nil || res.Expired != 1 || len(res.Errors) > 0 {
			t.Fatalf("sweep: %+v %v", res, err)
		}
		work(t, svc)
		n, _ = st.GetNHI(t.Context(), n.ID)
		if n.Status != store.NHIRetired {
			t.Fatalf("nhi after expiry: %+v", n)
		}
	})
}

func TestDeadlinesAndNotices(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ids := org(t, st)
		c := &clock{time.Now().UTC()}
		svc := newService(t, st, ids, c)
		out, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["sam"], ItemID: "finance-reports", End: c.t.Add(20 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		c.t = c.t.Add(2 * time.Hour)
		res, err := svc.Sweep(t.Context())
		if err != nil || res.Escalated != 1 {
			t.Fatalf("first deadline: %+v %v", res, err)
		}
		r, _ := st.GetRequest(t.Context(), out.Request.ID)
		if r.Stages[0].Approvers[0] != ids["olga"] || !r.Stages[0].Escalated {
			t.Fatalf("escalated to %+v", r.Stages[0])
		}
		if _, err := svc.Decide(t.Context(), ids["mia"], r.ID, true, ""); !errors.Is(err, access.ErrForbidden) {
			t.Fatalf("the original approver still decided after escalation: %v", err)
		}
		c.t = c.t.Add(2 * time.Hour)
		if res, err = svc.Sweep(t.Context()); err != nil || res.TimedOut != 1 {
			t.Fatalf("second deadline: %+v %v", res, err)
		}
		if r, _ = st.GetRequest(t.Context(), r.ID); r.State != store.RequestDenied {
			t.Fatalf("state %s", r.State)
		}

		// Pre-expiry notices, once each.
		out, err = svc.Submit(t.Context(), access.Submission{RequesterID: ids["dana"], ItemID: "finance-reports", End: c.t.Add(10 * 24 * time.Hour)})
		if err != nil || out.Grant == nil {
			t.Fatal(err)
		}
		work(t, svc)
		if _, err := svc.ConfirmFulfillment(t.Context(), ids["olga"], out.Grant.ID, false); err != nil {
			t.Fatal(err)
		}
		if res, _ = svc.Sweep(t.Context()); res.Noticed != 1 {
			t.Fatalf("14-day notice: %+v", res)
		}
		if res, _ = svc.Sweep(t.Context()); res.Noticed != 0 {
			t.Fatalf("notice repeated: %+v", res)
		}
		c.t = c.t.Add(9*24*time.Hour + time.Hour)
		if res, _ = svc.Sweep(t.Context()); res.Noticed != 1 {
			t.Fatalf("1-day notice: %+v", res)
		}
		ns, _ := st.ListNotifications(t.Context(), ids["dana"], true)
		if len(ns) != 2 {
			t.Fatalf("notifications %+v", ns)
		}
	})
}

func TestWebhookSignedAndRetried(t *testing.T) {
	var calls atomic.Int32
	secret := []byte("s3cret")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Syncd-Signature") != access.Sign(secret, body) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if calls.Add(1) == 1 {
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	wh := &access.Webhook{URL: srv.URL, Secret: secret, Backoff: time.Millisecond}
	ref, done, err := wh.Grant(context.Background(), store.Grant{ID: "g1"}, catalog.Item{ItemSpec: policy.ItemSpec{ID: "x"}}, store.Person{ID: "p"})
	if err != nil || !done || ref != "webhook:202" || calls.Load() != 2 {
		t.Fatalf("ref %q done %v err %v calls %d", ref, done, err, calls.Load())
	}
	bad := &access.Webhook{URL: srv.URL, Secret: []byte("wrong"), Backoff: time.Millisecond}
	if _, done, err := bad.Grant(context.Background(), store.Grant{ID: "g2"}, catalog.Item{}, store.Person{}); err == nil || done {
		t.Fatal("a refused webhook counted as done")
	}
}

func TestUnknownItemAndForeignBeneficiary(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ids := org(t, st)
		svc := newService(t, st, ids, &clock{time.Now().UTC()})
		if _, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["dana"], ItemID: "nope"}); !errors.Is(err, access.ErrNotFound) {
			t.Fatalf("unknown item: %v", err)
		}
		if _, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["sam"], BeneficiaryID: ids["dana"], ItemID: "finance-reports"}); !errors.Is(err, access.ErrForbidden) {
			t.Fatalf("request for someone else's report: %v", err)
		}
		out, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["olga"], BeneficiaryID: ids["dana"], ItemID: "finance-reports"})
		if err != nil || out.Request.BeneficiaryID != ids["dana"] {
			t.Fatalf("manager for report: %+v %v", out, err)
		}
		reqs, _ := st.ListRequests(t.Context(), store.RequestQuery{})
		if len(reqs) != 1 {
			t.Fatalf("refused submissions left %d requests", len(reqs))
		}
	})
}

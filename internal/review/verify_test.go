package review_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/pull"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/scim/scimclient"
	"github.com/syncd-dev/syncd/internal/scim/scimtest"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// hookReceiver is a webhook receiver on loopback: it records the events
// it is sent and answers revoke events with failRevokes' status while it
// is set.
type hookReceiver struct {
	mu          sync.Mutex
	events      []access.WebhookEvent
	failRevokes atomic.Int32
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var ev access.WebhookEvent
	if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.events = append(h.events, ev)
	h.mu.Unlock()
	if code := h.failRevokes.Load(); code != 0 && ev.Action == "revoke" {
		w.WriteHeader(int(code))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *hookReceiver) revokes(grantID string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, ev := range h.events {
		if ev.Action == "revoke" && ev.GrantID == grantID {
			n++
		}
	}
	return n
}

// downstreamApp is syncd's own SCIM server on a store of its own, as an
// application that scim items write group memberships to; users dana,
// fred and sam are members of the group wiki-editors.
func downstreamApp(t *testing.T, st *gormstore.Store) (srv *scimtest.Server, group string, users map[string]string) {
	t.Helper()
	var down *gormstore.Store
	if st.Driver() == gormstore.DriverPostgres {
		down = gormtest.Postgres(t)
	} else {
		down = gormtest.SQLite(t)
	}
	ids, err := identity.New(identity.Config{}, down)
	must(t, "downstream identity", err)
	srv = scimtest.Start(t, down, ids, "syncd-access")
	users = map[string]string{}
	var members []any
	for _, login := range []string{"dana", "fred", "sam"} {
		users[login] = srv.Call("POST", "/Users", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
			"userName": login, "active": true, "emails": []any{map[string]any{"value": login + "@example.com", "primary": true}}})["id"].(string)
		members = append(members, map[string]any{"value": users[login]})
	}
	group = srv.Call("POST", "/Groups", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"},
		"displayName": "wiki-editors", "members": members})["id"].(string)
	return srv, group, users
}

// TestRemediationEndsVerifiedFailedOrNotVerifiable drives revocations of
// every fulfiller kind to the end of their loop, against real servers:
// a scim group membership in a downstream application (syncd's own SCIM
// server over HTTP) is verified by the next pull of that application; one
// that someone adds back is failed and escalated after VerifyCycles pulls
// that still show it; a webhook take-back the receiver on loopback
// acknowledged and a manual one are not verifiable, each with its reason;
// a webhook take-back that keeps failing fails the item while the grant
// is still ending, and the item moves on once the take-back succeeds.
func TestRemediationEndsVerifiedFailedOrNotVerifiable(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		clk := newClock()
		idsvc := identityService(t, st, clk.Now)
		ids := loadOrg(t, idsvc, smallOrg)
		app, group, users := downstreamApp(t, st)

		hook := &hookReceiver{}
		hookSrv := httptest.NewServer(hook)
		t.Cleanup(hookSrv.Close)
		broken := &hookReceiver{}
		broken.failRevokes.Store(http.StatusServiceUnavailable)
		brokenSrv := httptest.NewServer(broken)
		t.Cleanup(brokenSrv.Close)

		cat := &catalog.Catalog{
			ApproverGroups: map[string][]string{"security": {ids["eve"], ids["olga"]}},
			Items: []catalog.Item{
				{ItemSpec: policy.ItemSpec{ID: "wiki-editor", Name: "Wiki editor", Kind: "app-role", Risk: policy.RiskLow, OwnerID: ids["eve"]},
					Fulfillment: catalog.Fulfillment{Type: "scim", Params: map[string]string{"app": "wiki", "group": group, "source": "wiki"}}},
				{ItemSpec: policy.ItemSpec{ID: "ops-console", Name: "Ops console", Kind: "app-role", Risk: policy.RiskLow, OwnerID: ids["eve"]},
					Fulfillment: catalog.Fulfillment{Type: "webhook", Params: map[string]string{"url": hookSrv.URL}}},
				{ItemSpec: policy.ItemSpec{ID: "billing", Name: "Billing", Kind: "app-role", Risk: policy.RiskLow, OwnerID: ids["eve"]},
					Fulfillment: catalog.Fulfillment{Type: "webhook", Params: map[string]string{"url": brokenSrv.URL}}},
				{ItemSpec: policy.ItemSpec{ID: "wiki", Name: "Wiki", Kind: "group", Risk: policy.RiskLow, OwnerID: ids["eve"]},
					Fulfillment: catalog.Fulfillment{Type: "manual"}},
			},
		}
		writer, err := scimclient.NewGroupWriter(scimclient.Config{Name: "wiki", BaseURL: app.Base, Token: app.Token}, nil)
		must(t, "group writer", err)
		t.Cleanup(func() { writer.Close() })
		rev, acc := accessRevoker(t, st, cat, map[string]access.Fulfiller{
			"scim":    &access.SCIMGroup{Apps: map[string]access.SCIMApp{"wiki": writer}},
			"webhook": &access.Webhook{SecretFor: func(catalog.Item) []byte { return []byte("hook-secret") }, Attempts: 1},
			"manual":  access.Manual{},
		}, clk.Now)
		acc.EscalateAfter, acc.Backoff = 2, time.Minute

		start := clk.Now().Add(-30 * 24 * time.Hour)
		gDana := grant(t, st, "wiki-editor", ids["dana"], store.AssuranceApproved, start)
		gFred := grant(t, st, "wiki-editor", ids["fred"], store.AssuranceApproved, start)
		gSam := grant(t, st, "ops-console", ids["sam"], store.AssuranceApproved, start)
		gDevon := grant(t, st, "billing", ids["devon"], store.AssuranceApproved, start)
		gPat := grant(t, st, "wiki", ids["pat"], store.AssuranceApproved, start)
		for _, g := range []*store.Grant{&gDana, &gFred} {
			// Fulfilled in the application: the take-back removes this user.
			login := map[string]string{ids["dana"]: "dana", ids["fred"]: "fred"}[g.HolderID]
			_, err := st.UpdateGrant(ctx, g.ID, func(cur store.Grant) (store.Grant, error) {
				cur.FulfillmentRef = users[login]
				return cur, nil
			})
			must(t, "fulfillment ref", err)
		}

		// The pull of the application reads its users (correlated by
		// e-mail) and the group's memberships.
		src, err := scimclient.New(scimclient.Config{Name: "wiki", BaseURL: app.Base, Token: app.Token, Groups: true}, nil)
		must(t, "wiki source", err)
		runner := &pull.Runner{Store: st, Identity: idsvc, Holder: "test", Now: clk.Now}
		def := quarterly()
		def.Remediate, def.VerifyCycles = review.RemediateImmediately, 2
		svc := newService(t, st, cat, clk, def)
		svc.Revoker = rev
		runner.AfterRun = func(ctx context.Context, run store.SyncRun) error {
			_, err := svc.VerifyAfterSync(ctx, run.ID)
			return err
		}
		pullWiki := func() store.SyncRun {
			t.Helper()
			clk.Add(time.Minute)
			run, err := runner.Run(ctx, src, pull.Options{Full: true})
			if err != nil {
				t.Fatalf("pull wiki: %v %+v", err, run)
			}
			return run
		}
		pullWiki()

		c, err := svc.Start(ctx, def.Name, "test", review.StartOptions{})
		must(t, "start", err)
		byGrant := map[string]store.ReviewItem{}
		for _, it := range items(t, st, c.ID) {
			byGrant[it.GrantID] = it
		}
		revoke := func(g store.Grant) store.ReviewItem {
			t.Helper()
			it := byGrant[g.ID]
			if len(it.ReviewerIDs) == 0 {
				t.Fatalf("item of grant %s has no reviewer", g.ID)
			}
			_, _ = svc.Decide(ctx, review.Actor{PersonID: it.ReviewerIDs[0], Issuer: "https://idp.test", Subject: "s"}, it.ID,
				review.Decision{Decision: store.DecisionRevoke, Justification: "no longer needed"})
			got, err := st.GetReviewItem(ctx, it.ID)
			must(t, "item", err)
			return got
		}

		// scim: the take-back removed dana in the application; fulfilled,
		// waiting for the application's next pull.
		dana := revoke(gDana)
		if dana.Remediation.State != store.RemediationFulfilled || dana.Remediation.Adapter != "scim" || dana.Remediation.VerifySource != "wiki" {
			t.Fatalf("dana after the revoke: %+v", dana.Remediation)
		}
		fred := revoke(gFred)
		if fred.Remediation.State != store.RemediationFulfilled {
			t.Fatalf("fred after the revoke: %+v", fred.Remediation)
		}
		// Someone adds fred back in the application by hand.
		app.Call("PATCH", "/Groups/"+group, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": users["fred"]}}}}})

		// webhook, acknowledged: not verifiable, and says why.
		sam := revoke(gSam)
		if sam.Remediation.State != store.RemediationNotVerifiable || sam.Remediation.FulfilledAt == nil || sam.Remediation.Adapter != "webhook" ||
			!strings.Contains(sam.Remediation.Reason, "webhook") || hook.revokes(gSam.ID) != 1 {
			t.Fatalf("sam after the revoke: %+v (revoke events %d)", sam.Remediation, hook.revokes(gSam.ID))
		}
		// manual: not verifiable either.
		pat := revoke(gPat)
		if pat.Remediation.State != store.RemediationNotVerifiable || !strings.Contains(pat.Remediation.Reason, "manual") {
			t.Fatalf("pat after the revoke: %+v", pat.Remediation)
		}
		// webhook, failing: the grant is ending and its take-back is
		// retried; the item waits while the lifecycle retries.
		devon := revoke(gDevon)
		if devon.Remediation.State != store.RemediationRequested {
			t.Fatalf("devon after the first failed attempt: %+v", devon.Remediation)
		}
		if g, _ := st.GetGrant(ctx, gDevon.ID); g.State != store.GrantEnding || g.TakeBack.State != "requested" || g.TakeBack.Attempts != 1 {
			t.Fatalf("devon's grant after one failed attempt: %s %+v", g.State, g.TakeBack)
		}
		must(t, "tick", svc.Tick(ctx))
		if got, _ := st.GetReviewItem(ctx, devon.ID); got.Remediation.State != store.RemediationRequested {
			t.Fatalf("devon while the take-back is retried: %+v", got.Remediation)
		}
		// The second attempt fails too: the lifecycle records the
		// take-back failed (still retried), and the item fails with it.
		clk.Add(2 * time.Minute)
		if _, err := acc.ProcessFulfillments(ctx); err != nil {
			t.Logf("process fulfillments: %v", err)
		}
		if g, _ := st.GetGrant(ctx, gDevon.ID); g.State != store.GrantEnding || g.TakeBack.State != "failed" {
			t.Fatalf("devon's grant after two failed attempts: %s %+v", g.State, g.TakeBack)
		}
		must(t, "tick", svc.Tick(ctx))
		devon, err = st.GetReviewItem(ctx, devon.ID)
		must(t, "item", err)
		if devon.Remediation.State != store.RemediationFailed || devon.Remediation.FailedAt == nil || devon.Remediation.FulfilledAt != nil ||
			!strings.Contains(devon.Remediation.Error, "503") {
			t.Fatalf("devon after the take-back failed: %+v", devon.Remediation)
		}

		// The application's next pull: dana's membership is gone
		// (verified with the run), fred's is back (counted).
		run := pullWiki()
		dana, err = st.GetReviewItem(ctx, dana.ID)
		must(t, "item", err)
		if dana.Remediation.State != store.RemediationVerified || dana.Remediation.VerifiedRun != run.ID || dana.Remediation.VerifiedAt == nil {
			t.Fatalf("dana after the pull: %+v", dana.Remediation)
		}
		fred, err = st.GetReviewItem(ctx, fred.ID)
		must(t, "item", err)
		if fred.Remediation.State != store.RemediationFulfilled || fred.Remediation.Checks != 1 {
			t.Fatalf("fred after one pull still showing him: %+v", fred.Remediation)
		}
		// The second such pull fails it and escalates it to the fallback
		// group, and the campaign report says so.
		run = pullWiki()
		fred, err = st.GetReviewItem(ctx, fred.ID)
		must(t, "item", err)
		if fred.Remediation.State != store.RemediationFailed || fred.Remediation.Checks != 2 || fred.Remediation.EscalatedAt == nil ||
			!strings.Contains(fred.Remediation.Reason, "wiki still showed the access in 2 sync runs") {
			t.Fatalf("fred after two pulls still showing him: %+v", fred.Remediation)
		}
		cc, err := st.GetCampaign(ctx, c.ID)
		must(t, "campaign", err)
		if !hasNote(cc.Report, "verification-failed", fred.ID) {
			t.Fatalf("report lacks fred's failed verification: %+v", cc.Report)
		}
		ns, err := st.ListNotifications(ctx, ids["eve"], false)
		must(t, "notifications", err)
		if !hasNotification(ns, "review.remediation", fred.ID) {
			t.Fatalf("the fallback group was not told: %+v", ns)
		}
		// A verification failure is not retried as a take-back.
		must(t, "tick", svc.Tick(ctx))
		if got, _ := st.GetReviewItem(ctx, fred.ID); got.Remediation.State != store.RemediationFailed || got.Remediation.FulfilledAt == nil {
			t.Fatalf("fred after a tick: %+v", got.Remediation)
		}

		// The receiver recovers: the lifecycle's retry takes devon's
		// access back, and the failed item moves on (not verifiable: a
		// webhook).
		broken.failRevokes.Store(0)
		clk.Add(time.Hour)
		if _, err := acc.ProcessFulfillments(ctx); err != nil {
			t.Fatalf("process fulfillments: %v", err)
		}
		if g, _ := st.GetGrant(ctx, gDevon.ID); g.State != store.GrantRevoked {
			t.Fatalf("devon's grant after the receiver recovered: %s %+v", g.State, g.TakeBack)
		}
		must(t, "tick", svc.Tick(ctx))
		devon, err = st.GetReviewItem(ctx, devon.ID)
		must(t, "item", err)
		if devon.Remediation.State != store.RemediationNotVerifiable || devon.Remediation.FulfilledAt == nil || devon.Remediation.Error != "" {
			t.Fatalf("devon after the take-back succeeded: %+v", devon.Remediation)
		}

		stat, err := svc.Status(ctx, c.ID)
		must(t, "status", err)
		if r := stat.Remediation; r.Verified != 1 || r.Failed != 1 || r.NotVerifiable != 3 || r.Requested != 0 || r.Fulfilled != 0 {
			t.Fatalf("status remediation %+v", r)
		}
		_ = run
	})
}

func hasNote(r []store.CampaignNote, kind string, item int64) bool {
	for _, n := range r {
		if n.Kind == kind && n.ItemID == item {
			return true
		}
	}
	return false
}

func hasNotification(ns []store.Notification, kind string, item int64) bool {
	for _, n := range ns {
		if n.Kind == kind && strings.HasSuffix(n.Subject, ":"+itoa(item)) {
			return true
		}
	}
	return false
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

package access_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// memberSet is a target system that records who holds what: a narrow fake
// for what a real target cannot do on demand (fail, or run a hook while a
// grant is being carried out). Grant and Revoke are idempotent like the
// real fulfillers.
type memberSet struct {
	mu              sync.Mutex
	m               map[string]bool
	grants, revokes int
	failGrant       int                 // fail the next n grants
	failRevoke      int                 // fail the next n revokes
	during          func(g store.Grant) // runs inside Grant, before it returns
	duringRevoke    func(g store.Grant) // runs inside Revoke
}

func newMemberSet() *memberSet { return &memberSet{m: map[string]bool{}} }

func key(g store.Grant, it catalog.Item) string {
	return g.HolderID + "/" + g.HolderNHIID + "/" + it.ID
}

func (f *memberSet) Grant(_ context.Context, g store.Grant, it catalog.Item, _ store.Person) (string, bool, error) {
	f.mu.Lock()
	if f.failGrant > 0 {
		f.failGrant--
		f.mu.Unlock()
		return "", false, errors.New("target down")
	}
	f.m[key(g, it)] = true
	f.grants++
	hook := f.during
	f.mu.Unlock()
	if hook != nil {
		hook(g)
	}
	return key(g, it), true, nil
}

func (f *memberSet) Revoke(_ context.Context, g store.Grant, it catalog.Item, _ store.Person) error {
	f.mu.Lock()
	if f.failRevoke > 0 {
		f.failRevoke--
		f.mu.Unlock()
		return errors.New("target refuses the removal")
	}
	delete(f.m, key(g, it))
	f.revokes++
	hook := f.duringRevoke
	f.mu.Unlock()
	if hook != nil {
		hook(g)
	}
	return nil
}

func (f *memberSet) has(holder, item string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.m[holder+"//"+item]
}

// fakeCatalog: "wiki" (auto-approved for everyone), "payments" and "audit"
// (in separation-of-duties conflict, each approved by the beneficiary's
// manager with the item owner as fallback), "prod-db" (two stages from the
// platform team, high risk), "short" (a 20-second stage that denies on
// timeout); all fulfilled by the fake target.
func fakeCatalog(ids map[string]string) *catalog.Catalog {
	fake := catalog.Fulfillment{Type: "fake"}
	mgr := []policy.StageSpec{{Name: "manager", Approvers: []policy.ApproverSpec{{Manager: true}}, OnTimeout: "escalate", Timeout: time.Hour,
		Fallback: []policy.ApproverSpec{{ItemOwner: true}}}}
	return &catalog.Catalog{
		ApproverGroups: map[string][]string{"platform-team": {ids["pat"], ids["eve"], ids["olga"]}},
		Items: []catalog.Item{
			{ItemSpec: policy.ItemSpec{ID: "wiki", Name: "Wiki", Kind: "app-role", Risk: policy.RiskLow, OwnerID: ids["eve"],
				AutoApprove: &policy.Condition{When: "true"}, MaxDuration: 365 * 24 * time.Hour}, OwnerRef: "eve", Fulfillment: fake},
			{ItemSpec: policy.ItemSpec{ID: "payments", Name: "Payments", Kind: "app-role", Risk: policy.RiskMedium, OwnerID: ids["olga"],
				Stages: mgr, SoDConflicts: []string{"audit"}, MaxDuration: 90 * 24 * time.Hour}, OwnerRef: "olga", Fulfillment: fake},
			{ItemSpec: policy.ItemSpec{ID: "audit", Name: "Audit", Kind: "app-role", Risk: policy.RiskMedium, OwnerID: ids["olga"],
				Stages: mgr, SoDConflicts: []string{"payments"}, MaxDuration: 90 * 24 * time.Hour}, OwnerRef: "olga", Fulfillment: fake},
			{ItemSpec: policy.ItemSpec{ID: "prod-db", Name: "Production DB", Kind: "app-role", Risk: policy.RiskHigh, OwnerID: ids["eve"],
				Stages: []policy.StageSpec{{Name: "first", Approvers: []policy.ApproverSpec{{Group: "platform-team"}}},
					{Name: "second", Approvers: []policy.ApproverSpec{{Group: "platform-team"}}}}, MaxDuration: 30 * 24 * time.Hour},
				OwnerRef: "eve", Fulfillment: fake},
			{ItemSpec: policy.ItemSpec{ID: "short", Name: "Short fuse", Kind: "app-role", Risk: policy.RiskLow, OwnerID: ids["eve"],
				Stages:      []policy.StageSpec{{Name: "manager", Approvers: []policy.ApproverSpec{{Manager: true}}, Timeout: 20 * time.Second, OnTimeout: "deny"}},
				MaxDuration: 30 * 24 * time.Hour}, OwnerRef: "eve", Fulfillment: fake},
		},
	}
}

func fakeService(t *testing.T, st *gormstore.Store, ids map[string]string, c *clock) (*access.Service, *memberSet) {
	t.Helper()
	target := newMemberSet()
	svc, err := access.NewService(st, fakeCatalog(ids), map[string]access.Fulfiller{"fake": target}, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc.Now = c.now
	svc.Backoff = time.Second
	return svc, target
}

func grantOf(t *testing.T, st store.Store, id string) store.Grant {
	t.Helper()
	g, err := st.GetGrant(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func setStatus(t *testing.T, st store.Store, id string, status store.Status) {
	t.Helper()
	if _, err := st.UpdatePerson(t.Context(), id, func(p store.Person) (store.Person, error) {
		p.Status = status
		return p, nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Defect 1: a grant revoked while its fulfiller runs must not come back
// active, and what the fulfiller did must be taken back.
func TestRevokedWhileFulfillingIsTakenBack(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ids := org(t, st)
		c := &clock{time.Now().UTC()}
		svc, target := fakeService(t, st, ids, c)
		out, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["sam"], ItemID: "wiki"})
		if err != nil || out.Grant == nil {
			t.Fatalf("submit: %+v %v", out, err)
		}
		target.during = func(g store.Grant) {
			target.during = nil
			if _, err := svc.Revoke(context.Background(), g.ID, "person:"+ids["eve"], "revoked mid-fulfillment"); err != nil {
				t.Errorf("revoke: %v", err)
			}
		}
		work(t, svc) // fulfils, sees the revocation, takes back
		work(t, svc)
		g := grantOf(t, st, out.Grant.ID)
		if g.State != store.GrantRevoked || g.TakeBack.State != "done" || target.revokes != 1 || target.has(ids["sam"], "wiki") {
			t.Fatalf("grant %s (take-back %+v); target revokes %d, still member %v", g.State, g.TakeBack, target.revokes, target.has(ids["sam"], "wiki"))
		}
		if g.EndedAt == nil || g.EndedBy != "person:"+ids["eve"] {
			t.Fatalf("who ended it: %+v", g)
		}
		// Nothing leads out of revoked.
		if _, err := svc.Revoke(t.Context(), g.ID, "person:x", "again"); !errors.Is(err, access.ErrStateChanged) {
			t.Fatalf("revoked twice: %v", err)
		}
	})
}

// Defect 2: fulfillment never runs inside the submission and a failure
// never leaves the grant pending for ever: it is retried with backoff and
// every attempt is recorded.
func TestFulfillmentIsDurableAndRetried(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ids := org(t, st)
		c := &clock{time.Now().UTC()}
		svc, target := fakeService(t, st, ids, c)
		target.failGrant = 2
		// The submitter goes away right after the commit.
		ctx, cancel := context.WithCancel(t.Context())
		out, err := svc.Submit(ctx, access.Submission{RequesterID: ids["sam"], ItemID: "wiki"})
		cancel()
		if err != nil || out.Grant == nil || out.Grant.State != store.GrantPending || out.Grant.Work.DueAt == nil {
			t.Fatalf("submit: %+v %v", out.Grant, err)
		}
		if target.grants != 0 {
			t.Fatal("the submission carried out the grant itself")
		}
		work(t, svc)
		g := grantOf(t, st, out.Grant.ID)
		if g.State != store.GrantPending || g.Work.Attempts != 1 || g.FulfillmentError != "target down" || !g.Work.DueAt.After(c.t) {
			t.Fatalf("after a failed attempt: %+v", g)
		}
		work(t, svc) // not due yet: nothing happens
		if g = grantOf(t, st, g.ID); g.Work.Attempts != 1 {
			t.Fatalf("retried before its backoff: %+v", g.Work)
		}
		c.t = c.t.Add(time.Second)
		work(t, svc)
		c.t = c.t.Add(2 * time.Second)
		work(t, svc)
		if g = grantOf(t, st, g.ID); g.State != store.GrantActive || g.Work.Attempts != 3 || g.Work.DueAt != nil || !target.has(ids["sam"], "wiki") {
			t.Fatalf("after the retries: %+v", g)
		}
		evs, _ := st.ListAuditByTarget(t.Context(), []string{"grant:" + g.ID}, 0)
		if n := countAction(evs, "grant.fulfillment"); n != 3 {
			t.Fatalf("%d attempts recorded, want 3", n)
		}
	})
}

func countAction(evs []store.AuditEvent, action string) int {
	n := 0
	for _, e := range evs {
		if e.Action == action {
			n++
		}
	}
	return n
}

// Defect 2 (crash): a worker that claimed the work and died between the
// commit and the external change leaves the lease to expire; the next
// worker does the change exactly once in effect.
func TestCrashBetweenCommitAndExternalChange(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ids := org(t, st)
		c := &clock{time.Now().UTC()}
		svc, target := fakeService(t, st, ids, c)
		out, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["sam"], ItemID: "wiki"})
		if err != nil {
			t.Fatal(err)
		}
		// The crashed worker: it claimed the grant and never came back.
		claimed, err := st.ClaimGrantWork(t.Context(), c.t, c.t.Add(time.Minute), "crashed-worker", 10)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim: %v %v", claimed, err)
		}
		work(t, svc) // leased: another worker leaves it alone
		if target.grants != 0 {
			t.Fatal("a leased grant was worked on by a second worker")
		}
		c.t = c.t.Add(2 * time.Minute)
		work(t, svc)
		if g := grantOf(t, st, out.Grant.ID); g.State != store.GrantActive || target.grants != 1 {
			t.Fatalf("after the lease expired: %s, %d grants", g.State, target.grants)
		}
	})
}

// Defect 3: membership follows the union of live grants: a short grant
// expiring does not remove what a longer grant of the same item still
// justifies (real slapd).
func TestTakeBackKeepsAccessAnotherGrantJustifies(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		srv := ldaptest.Start(t, ldaptest.Options{LDIF: ldaptest.Generate(ldapSuffix, ldaptest.Directory{People: 3, Groups: 2})})
		group, oscarDN := ldaptest.GroupDN(ldapSuffix, 0), ldaptest.PersonDN(ldapSuffix, 1)
		ids := opsOrg(t, st)
		c := &clock{time.Now().UTC()}
		svc := ldapService(t, st, srv, ids, srv.WriterPassword, c)
		long, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["oscar"], ItemID: "deploy-bot-operator", End: c.t.Add(7 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		work(t, svc)
		// A second live grant of the same item (as older releases made,
		// or a birthright beside a request): 40 seconds.
		now := c.t
		short, err := st.CreateGrant(t.Context(), store.Grant{ItemID: "deploy-bot-operator", HolderID: ids["oscar"], Assurance: store.AssuranceAutoApproved,
			Start: now, End: now.Add(40 * time.Second), State: store.GrantPending, Work: store.GrantWork{DueAt: &now}})
		if err != nil {
			t.Fatal(err)
		}
		work(t, svc)
		c.t = c.t.Add(time.Minute)
		if res, err := sweepAndWork(t, svc); err != nil || res.Expired != 1 {
			t.Fatalf("sweep: %+v %v", res, err)
		}
		if g := grantOf(t, st, short.ID); g.State != store.GrantEnded || g.FulfillmentStatus != "kept" {
			t.Fatalf("short grant: %+v", g)
		}
		if g := grantOf(t, st, long.Grant.ID); g.State != store.GrantActive || !slices.Contains(srv.Members(t, group), oscarDN) {
			t.Fatalf("the 7-day grant is %s but oscar's membership is gone: %v", g.State, srv.Members(t, group))
		}
		// Ending the last one removes the membership.
		if _, err := svc.Revoke(t.Context(), long.Grant.ID, "person:"+ids["olivia"], "done"); err != nil {
			t.Fatal(err)
		}
		work(t, svc)
		if slices.Contains(srv.Members(t, group), oscarDN) {
			t.Fatalf("oscar is still a member after his last grant ended")
		}
	})
}

// Defect 4: a request for an item already held extends the held grant
// (through policy) or is refused; never a second parallel grant, and never
// a second pending request.
func TestNoParallelGrantsOfOneItem(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ids := org(t, st)
		c := &clock{time.Now().UTC()}
		svc, _ := fakeService(t, st, ids, c)
		first, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["sam"], ItemID: "wiki", End: c.t.Add(30 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		work(t, svc)
		for range 3 {
			if _, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["sam"], ItemID: "wiki", End: c.t.Add(10 * 24 * time.Hour)}); !errors.Is(err, access.ErrConflict) {
				t.Fatalf("a request within the held window: %v", err)
			}
		}
		ext, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["sam"], ItemID: "wiki", End: c.t.Add(60 * 24 * time.Hour)})
		if err != nil || ext.Grant == nil || ext.Grant.ID != first.Grant.ID || ext.Request.ExtendsGrantID != first.Grant.ID {
			t.Fatalf("extension: %+v %v", ext, err)
		}
		if gs, _ := st.ListGrants(t.Context(), store.GrantQuery{HolderID: ids["sam"], ItemID: "wiki"}); len(gs) != 1 || !gs[0].End.Equal(c.t.Add(60*24*time.Hour).Truncate(time.Microsecond)) {
			t.Fatalf("grants: %+v", gs)
		}
		// One pending request per item.
		if out, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["sam"], ItemID: "payments"}); err != nil || out.Request.State != store.RequestPending {
			t.Fatalf("payments: %+v %v", out, err)
		}
		if _, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["sam"], ItemID: "payments"}); !errors.Is(err, access.ErrConflict) {
			t.Fatalf("second pending request: %v", err)
		}
	})
}

// Defect 5: separation of duties holds through approval: a conflicting
// pending request is denied at submission, and an approval that takes
// effect after the holder gained a conflicting item is refused with why.
func TestSoDRecheckedWhenApprovalTakesEffect(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ids := org(t, st)
		c := &clock{time.Now().UTC()}
		svc, _ := fakeService(t, st, ids, c)
		a, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["sam"], ItemID: "payments"})
		if err != nil || a.Request.State != store.RequestPending {
			t.Fatalf("payments: %+v %v", a, err)
		}
		b, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["sam"], ItemID: "audit"})
		if err != nil || b.Request.State != store.RequestDenied || !strings.Contains(b.Decision.Explanation, "pending request for Payments") {
			t.Fatalf("audit while payments is pending: %+v %v", b.Decision, err)
		}
		// Sam comes to hold audit another way (a directory membership).
		now := c.t
		if _, err := st.CreateGrant(t.Context(), store.Grant{ItemID: "audit", HolderID: ids["sam"], Assurance: store.AssuranceImported,
			Start: now, End: now.Add(time.Hour), State: store.GrantActive, FulfillmentStatus: "done"}); err != nil {
			t.Fatal(err)
		}
		dec, err := svc.Decide(t.Context(), ids["mia"], a.Request.ID, true, "ok")
		if err != nil || dec.Grant != nil || dec.Request.State != store.RequestDenied || !strings.Contains(dec.Request.StateReason, "separation of duties") {
			t.Fatalf("approval after the conflict: %+v %v", dec.Request, err)
		}
		if gs, _ := st.ListGrants(t.Context(), store.GrantQuery{HolderID: ids["sam"], ItemID: "payments"}); len(gs) != 0 {
			t.Fatalf("sam holds both: %+v", gs)
		}
	})
}

// Defect 6: a disabled or terminated approver neither decides nor is
// listed: new requests skip them, pending ones re-resolve to the fallback.
func TestInactiveApproverCannotDecide(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ids := org(t, st)
		c := &clock{time.Now().UTC()}
		svc, _ := fakeService(t, st, ids, c)
		pending, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["sam"], ItemID: "payments"})
		if err != nil || pending.Request.Stages[0].Approvers[0] != ids["mia"] {
			t.Fatalf("submit: %+v %v", pending.Request, err)
		}
		setStatus(t, st, ids["mia"], store.StatusDisabled)
		if _, err := svc.Decide(t.Context(), ids["mia"], pending.Request.ID, true, "ok"); !errors.Is(err, access.ErrForbidden) {
			t.Fatalf("a disabled approver decided: %v", err)
		}
		// The pending request re-resolves: Mia is gone, the owner takes over.
		if _, err := svc.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
		r, _ := st.GetRequest(t.Context(), pending.Request.ID)
		if !slices.Equal(r.Stages[0].Approvers, []string{ids["olga"]}) || !r.Stages[0].Escalated {
			t.Fatalf("stage after re-resolution: %+v", r.Stages[0])
		}
		if _, err := svc.Decide(t.Context(), ids["olga"], r.ID, true, "ok"); err != nil {
			t.Fatalf("fallback approver: %v", err)
		}
		// New requests never list a terminated approver.
		setStatus(t, st, ids["mia"], store.StatusTerminated)
		out, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["sam"], ItemID: "audit"})
		if err != nil {
			t.Fatal(err)
		}
		if out.Request.State == store.RequestPending && slices.Contains(out.Request.Stages[0].Approvers, ids["mia"]) {
			t.Fatalf("a terminated approver was listed: %+v", out.Request.Stages)
		}
	})
}

// Defect 7: a decision after the stage's due time is refused and the
// timeout applies at once, not at the next sweep.
func TestLateApprovalRefused(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ids := org(t, st)
		c := &clock{time.Now().UTC()}
		svc, _ := fakeService(t, st, ids, c)
		out, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["sam"], ItemID: "short"})
		if err != nil || out.Request.State != store.RequestPending {
			t.Fatalf("submit: %+v %v", out, err)
		}
		c.t = c.t.Add(25 * time.Second)
		if _, err := svc.Decide(t.Context(), ids["mia"], out.Request.ID, true, "ok"); !errors.Is(err, access.ErrStateChanged) {
			t.Fatalf("late approval: %v", err)
		}
		r, _ := st.GetRequest(t.Context(), out.Request.ID)
		if r.State != store.RequestDenied {
			t.Fatalf("request after the late approval: %s", r.State)
		}
		if gs, _ := st.ListGrants(t.Context(), store.GrantQuery{HolderID: ids["sam"]}); len(gs) != 0 {
			t.Fatalf("a late approval granted: %+v", gs)
		}
	})
}

// Defect 8: one person cannot satisfy two stages of one request.
func TestOnePersonApprovesOneStage(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ids := org(t, st)
		c := &clock{time.Now().UTC()}
		svc, _ := fakeService(t, st, ids, c)
		out, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["sam"], ItemID: "prod-db", Justification: "incident"})
		if err != nil || out.Request.State != store.RequestPending {
			t.Fatalf("submit: %+v %v", out, err)
		}
		if _, err := svc.Decide(t.Context(), ids["pat"], out.Request.ID, true, "first"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Decide(t.Context(), ids["pat"], out.Request.ID, true, "second"); !errors.Is(err, access.ErrForbidden) {
			t.Fatalf("pat approved the second stage too: %v", err)
		}
		dec, err := svc.Decide(t.Context(), ids["eve"], out.Request.ID, true, "second")
		if err != nil || dec.Grant == nil || !slices.Equal(dec.Grant.ApproverIDs, []string{ids["pat"], ids["eve"]}) {
			t.Fatalf("second stage by eve: %+v %v", dec.Grant, err)
		}
	})
}

// Withdraw and relinquish: the requester takes back a pending request;
// the holder gives up a grant through the normal take-back.
func TestWithdrawAndRelinquish(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ids := org(t, st)
		c := &clock{time.Now().UTC()}
		svc, target := fakeService(t, st, ids, c)
		p, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["sam"], ItemID: "payments"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Withdraw(t.Context(), ids["mia"], p.Request.ID, ""); !errors.Is(err, access.ErrForbidden) {
			t.Fatalf("the approver withdrew: %v", err)
		}
		if _, err := svc.Withdraw(t.Context(), ids["dana"], p.Request.ID, ""); !errors.Is(err, access.ErrNotFound) {
			t.Fatalf("an outsider withdrew: %v", err)
		}
		r, err := svc.Withdraw(t.Context(), ids["sam"], p.Request.ID, "not needed")
		if err != nil || r.State != store.RequestWithdrawn {
			t.Fatalf("withdraw: %+v %v", r, err)
		}
		if _, err := svc.Decide(t.Context(), ids["mia"], r.ID, true, "ok"); !errors.Is(err, access.ErrStateChanged) {
			t.Fatalf("decided a withdrawn request: %v", err)
		}
		w, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["sam"], ItemID: "wiki"})
		if err != nil {
			t.Fatal(err)
		}
		work(t, svc)
		if _, err := svc.Relinquish(t.Context(), ids["dana"], w.Grant.ID, ""); !errors.Is(err, access.ErrNotFound) {
			t.Fatalf("someone else relinquished: %v", err)
		}
		if _, err := svc.Relinquish(t.Context(), ids["sam"], w.Grant.ID, ""); err != nil {
			t.Fatal(err)
		}
		work(t, svc)
		if g := grantOf(t, st, w.Grant.ID); g.State != store.GrantEnded || target.has(ids["sam"], "wiki") {
			t.Fatalf("after relinquishing: %+v", g)
		}
	})
}

// A failing take-back stays visible with its error, is retried, and is
// escalated to the item owner after EscalateAfter attempts.
func TestFailedTakeBackIsEscalated(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ids := org(t, st)
		c := &clock{time.Now().UTC()}
		svc, target := fakeService(t, st, ids, c)
		svc.EscalateAfter = 2
		out, err := svc.Submit(t.Context(), access.Submission{RequesterID: ids["sam"], ItemID: "wiki"})
		if err != nil {
			t.Fatal(err)
		}
		work(t, svc)
		target.failRevoke = 2
		if _, err := svc.Revoke(t.Context(), out.Grant.ID, "campaign:q3", "not certified"); err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			work(t, svc)
			c.t = c.t.Add(time.Duration(1<<i) * time.Second)
		}
		tb, err := svc.TakeBackOf(t.Context(), out.Grant.ID)
		if err != nil || tb.State != "failed" || tb.Attempts != 2 || tb.Error != "target refuses the removal" || tb.Adapter != "fake" {
			t.Fatalf("take-back: %+v %v", tb, err)
		}
		if g := grantOf(t, st, out.Grant.ID); g.State != store.GrantEnding {
			t.Fatalf("state %s, want ending", g.State)
		}
		ns, _ := st.ListNotifications(t.Context(), ids["eve"], true)
		if !slices.ContainsFunc(ns, func(n store.Notification) bool { return n.Kind == "takeback.failed" }) {
			t.Fatalf("owner not told: %+v", ns)
		}
		work(t, svc)
		if tb, _ = svc.TakeBackOf(t.Context(), out.Grant.ID); tb.State != "done" || target.has(ids["sam"], "wiki") {
			t.Fatalf("after the retry: %+v", tb)
		}
		if g := grantOf(t, st, out.Grant.ID); g.State != store.GrantRevoked || g.EndedBy != "campaign:q3" {
			t.Fatalf("grant %+v", g)
		}
	})
}

// The state machine refuses illegal transitions.
func TestGrantTransitions(t *testing.T) {
	legal := map[[2]store.GrantState]bool{}
	for _, p := range [][2]store.GrantState{
		{"pending", "active"}, {"pending", "failed"}, {"failed", "pending"}, {"active", "ending"}, {"pending", "ending"},
		{"failed", "ending"}, {"ending", "ended"}, {"ending", "revoked"},
	} {
		legal[p] = true
	}
	states := []store.GrantState{store.GrantPending, store.GrantActive, store.GrantFailed, store.GrantEnding, store.GrantEnded, store.GrantRevoked}
	for _, from := range states {
		for _, to := range states {
			want := from == to || legal[[2]store.GrantState{from, to}]
			if got := access.CanTransition(from, to); got != want {
				t.Errorf("%s → %s: %v, want %v", from, to, got, want)
			}
		}
	}
}

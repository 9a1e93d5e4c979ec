package access_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// reachable reports whether the grant state machine leads from one state
// to another in any number of steps.
func reachable(from, to store.GrantState) bool {
	seen := map[store.GrantState]bool{from: true}
	queue := []store.GrantState{from}
	all := []store.GrantState{store.GrantPending, store.GrantActive, store.GrantFailed, store.GrantEnding, store.GrantEnded, store.GrantRevoked}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, n := range all {
			if !seen[n] && access.CanTransition(s, n) {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	return seen[to]
}

// TestGrantLifecycleProperties drives random sequences of submit, decide,
// fulfil, revoke, relinquish, expire and worker crashes against both
// databases and checks the lifecycle's invariants after every step:
// grants only move along the state machine and never leave ended or
// revoked; nobody holds two live requested grants of one item; nobody
// holds two items in SoD conflict; no grant is approved by its requester
// or beneficiary or by one person for two stages; every active grant's
// access exists in the target; and, once the work is drained, the target
// holds exactly what live grants justify.
func TestGrantLifecycleProperties(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
				runLifecycle(t, st, seed, 150)
			})
		})
	}
}

func runLifecycle(t *testing.T, st *gormstore.Store, seed uint64, steps int) {
	ctx := t.Context()
	ids := org(t, st)
	c := &clock{time.Now().UTC()}
	svc, target := fakeService(t, st, ids, c)
	svc.MaxAttempts = 3
	var people []string
	for _, id := range ids {
		people = append(people, id)
	}
	slices.Sort(people)
	items := []string{"wiki", "payments", "audit", "prod-db"}
	rng := rand.New(rand.NewPCG(seed, 97))
	seen := map[string]store.GrantState{}
	var ops []string

	for step := range steps {
		var op string
		switch n := rng.IntN(100); {
		case n < 25:
			op = "submit"
			req := people[rng.IntN(len(people))]
			_, _ = svc.Submit(ctx, access.Submission{RequesterID: req, ItemID: items[rng.IntN(len(items))], Justification: "j",
				End: c.t.Add(time.Duration(1+rng.IntN(20)) * 24 * time.Hour)})
		case n < 45:
			op = "decide"
			pending, _ := st.ListRequests(ctx, store.RequestQuery{State: store.RequestPending, Limit: 1000})
			if len(pending) > 0 {
				r := pending[rng.IntN(len(pending))]
				_, _ = svc.Decide(ctx, people[rng.IntN(len(people))], r.ID, rng.IntN(5) > 0, "ok")
			}
		case n < 65:
			op = "work"
			if rng.IntN(4) == 0 {
				target.failGrant, target.failRevoke = rng.IntN(2), rng.IntN(2)
			}
			_, _ = svc.ProcessFulfillments(ctx)
		case n < 73:
			op = "revoke"
			if g, ok := pickLive(ctx, st, rng); ok {
				_, _ = svc.Revoke(ctx, g.ID, "person:tester", "property")
			}
		case n < 78:
			op = "relinquish"
			if g, ok := pickLive(ctx, st, rng); ok {
				_, _ = svc.Relinquish(ctx, g.HolderID, g.ID, "")
			}
		case n < 88:
			op = "expire"
			c.t = c.t.Add(time.Duration(rng.IntN(72)) * time.Hour)
			if _, err := svc.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
		default:
			op = "crash" // a worker claims due work and dies before the external change
			_, _ = st.ClaimGrantWork(ctx, c.t, c.t.Add(time.Minute), fmt.Sprint("dead-", step), 1+rng.IntN(3))
			c.t = c.t.Add(time.Duration(rng.IntN(3)) * time.Minute)
		}
		ops = append(ops, op)
		checkLifecycle(t, st, target, seen, ops)
	}
	// Drain: leases of crashed workers expire, every retry becomes due.
	for range 8 {
		c.t = c.t.Add(2 * time.Hour)
		target.failGrant, target.failRevoke = 0, 0
		if _, err := svc.ProcessFulfillments(ctx); err != nil {
			t.Fatal(err)
		}
	}
	checkLifecycle(t, st, target, seen, append(ops, "drain"))
	gs, _ := st.ListGrants(ctx, store.GrantQuery{Limit: 100000})
	want := map[string]bool{}
	finals := 0
	for _, g := range gs {
		switch g.State {
		case store.GrantActive:
			want[g.HolderID+"/"+g.HolderNHIID+"/"+g.ItemID] = true
		case store.GrantEnding, store.GrantPending:
			if g.Work.DueAt != nil {
				t.Fatalf("work left after draining: %+v", g)
			}
		case store.GrantEnded, store.GrantRevoked:
			finals++
		}
	}
	target.mu.Lock()
	defer target.mu.Unlock()
	for k := range target.m {
		if !want[k] {
			t.Errorf("the target still grants %s, which no active grant justifies", k)
		}
	}
	for k := range want {
		if !target.m[k] {
			t.Errorf("active grant %s is missing in the target", k)
		}
	}
	if len(gs) < 5 || finals == 0 {
		t.Fatalf("the sequence exercised too little: %d grants, %d ended", len(gs), finals)
	}
}

func pickLive(ctx interface {
	Done() <-chan struct{}
	Err() error
	Deadline() (time.Time, bool)
	Value(any) any
}, st store.Store, rng *rand.Rand) (store.Grant, bool) {
	gs, _ := st.ListGrants(ctx, store.GrantQuery{States: []store.GrantState{store.GrantActive, store.GrantPending, store.GrantFailed}, Limit: 1000})
	if len(gs) == 0 {
		return store.Grant{}, false
	}
	return gs[rng.IntN(len(gs))], true
}

func checkLifecycle(t *testing.T, st store.Store, target *memberSet, seen map[string]store.GrantState, ops []string) {
	t.Helper()
	ctx := t.Context()
	gs, err := st.ListGrants(ctx, store.GrantQuery{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("after %v: %s", ops[max(0, len(ops)-8):], fmt.Sprintf(format, args...))
	}
	liveByKey := map[string]string{}
	holds := map[string]map[string]bool{}
	for _, g := range gs {
		if prev, ok := seen[g.ID]; ok && !reachable(prev, g.State) {
			fail("grant %s went from %s to %s", g.ID, prev, g.State)
		}
		seen[g.ID] = g.State
		switch g.State {
		case store.GrantEnded, store.GrantRevoked:
			if g.TakeBack.State != "done" || g.EndedAt == nil {
				fail("grant %s is %s without a completed take-back: %+v", g.ID, g.State, g.TakeBack)
			}
		case store.GrantActive:
			if g.FulfillmentStatus != "done" || !target.has(g.HolderID, g.ItemID) {
				fail("active grant %s of %s has no access in the target (%s)", g.ID, g.ItemID, g.FulfillmentStatus)
			}
		}
		if g.State == store.GrantActive || g.State == store.GrantPending {
			k := g.HolderID + "/" + g.ItemID
			if other, dup := liveByKey[k]; dup {
				fail("two live grants of %s: %s and %s", k, other, g.ID)
			}
			liveByKey[k] = g.ID
			if holds[g.HolderID] == nil {
				holds[g.HolderID] = map[string]bool{}
			}
			holds[g.HolderID][g.ItemID] = true
		}
		if g.RequestID != "" {
			r, err := st.GetRequest(ctx, g.RequestID)
			if err != nil {
				fail("grant %s without its request", g.ID)
			}
			if r.State != store.RequestApproved {
				fail("grant %s from a request that is %s", g.ID, r.State)
			}
			for i, a := range g.ApproverIDs {
				if a == r.RequesterID || a == r.BeneficiaryID {
					fail("grant %s approved by its requester or beneficiary", g.ID)
				}
				if slices.Contains(g.ApproverIDs[:i], a) {
					fail("grant %s: %s approved two stages", g.ID, a)
				}
			}
		}
	}
	for who, items := range holds {
		if items["payments"] && items["audit"] {
			fail("%s holds payments and audit, which conflict", who)
		}
	}
}

package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/demo"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// TestDemoDataGivesEveryLoginSomethingToDo seeds the demo as `syncd
// demo` does and checks what its logins find: every orphan rule with a
// finding, requests in every state, Max with approvals and review items
// to decide, Cora with a request and a fulfillment to confirm, Eli with a
// credential.
func TestDemoDataGivesEveryLoginSomethingToDo(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "catalog.yaml"), demo.Catalog, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, errs := demoConfig(filepath.Join(dir, "syncd.db"), "127.0.0.1:0", "http://127.0.0.1:1", noEnv)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	logger := slog.New(slog.DiscardHandler)
	st, err := openStore(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, seed := range []func() error{
		func() error { return seedDemo(ctx, &out, st, cfg) },
		func() error { return seedDemoRequests(ctx, &out, st, cfg, logger) },
		func() error { return seedDemoCampaign(ctx, &out, st, cfg, logger) },
	} {
		if err := seed(); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
	}
	if _, err := cfg.nhiService(st, logger).Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	byRule, err := st.CountOpenFindingsByRule(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, rule := range []string{nhi.RuleNoOwner, nhi.RuleOwnerInactive, nhi.RuleProjectEnded, nhi.RuleCredentialExpired, nhi.RuleRotationOverdue, nhi.RuleUnused} {
		if byRule[rule] == 0 {
			t.Errorf("no finding for orphan rule %s: %v", rule, byRule)
		}
	}
	for _, state := range []store.RequestState{store.RequestPending, store.RequestApproved, store.RequestDenied, store.RequestWithdrawn} {
		if rs, err := st.ListRequests(ctx, store.RequestQuery{State: state}); err != nil || len(rs) == 0 {
			t.Errorf("no %s request: %v", state, err)
		}
	}
	who := map[string]store.Person{}
	for _, l := range demo.Logins() {
		ps, err := st.FindPersons(ctx, store.MatchEmail, l.Email)
		if err != nil || len(ps) != 1 {
			t.Fatalf("%s: %v", l.Username, err)
		}
		who[l.Username] = ps[0]
	}
	if n, err := st.CountPendingApprovals(ctx, who["max"].ID); err != nil || n == 0 {
		t.Errorf("max has %d approvals (%v)", n, err)
	}
	if n, err := st.CountOpenReviewItems(ctx, who["max"].ID); err != nil || n == 0 {
		t.Errorf("max has %d review items (%v)", n, err)
	}
	if n, err := st.CountPendingApprovals(ctx, who["cora"].ID); err != nil || n == 0 {
		t.Errorf("cora has %d approvals (%v)", n, err)
	}
	gs, err := st.ListGrants(ctx, store.GrantQuery{ItemID: "batch-operator", States: []store.GrantState{store.GrantPending}})
	if err != nil || len(gs) == 0 || gs[0].FulfillmentStatus != "awaiting-confirmation" {
		t.Errorf("no grant for cora to confirm: %+v %v", gs, err)
	}
	if gs, err := st.ListGrants(ctx, store.GrantQuery{HolderID: who["eli"].ID, ItemID: "payments-api-key"}); err != nil || len(gs) == 0 {
		t.Errorf("eli holds no payments key: %v", err)
	}
	if !strings.Contains(out.String(), "Filed access requests:") {
		t.Errorf("output: %s", out.String())
	}
}

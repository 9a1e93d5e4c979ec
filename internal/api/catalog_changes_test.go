package api_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
	"github.com/syncd-dev/syncd/internal/token"
)

// issueToken gives the harness an API token named name, owned by owner
// ("" for a system token).
func (h *catalogEditHarness) issueToken(name, owner string, scopes ...store.Scope) {
	h.t.Helper()
	secret, _, err := token.IssueSpec(h.t.Context(), h.st, time.Now(), "system", token.Spec{Name: name, Scopes: scopes, OwnerID: h.ids[owner]}, token.DefaultLifetime)
	if err != nil {
		h.t.Fatal(err)
	}
	h.tokens[name] = secret
}

func (h *catalogEditHarness) changeActions() []string {
	h.t.Helper()
	evs, err := h.st.ListAudit(h.t.Context(), 0, 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		if strings.HasPrefix(e.Action, "catalog.change_") {
			out = append(out, e.Action)
		}
	}
	return out
}

func reasonOf(out map[string]any) string {
	msg, _ := out["error"].(string)
	return msg
}

// Defect 9 of #11: an owner lowering their own item's risk and adding
// auto-approval does not take effect until a second person approves.
func TestCatalogFourEyesOverHTTP(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		h := newCatalogEditHarness(t, st)
		// Tightening: in force at once.
		h.want("olga", "PUT", "/api/v1/catalog/items/reports", reportsItem("high", ""), 200)
		if got, _ := h.catalogOf("dana"); got["reports"] != "approval" {
			t.Fatalf("after tightening: %v", got)
		}

		// Loosening: 202, a pending change, nothing in force.
		out := h.want("olga", "PUT", "/api/v1/catalog/items/reports", reportsItem("low", ""), 202)
		change := out["change"].(map[string]any)
		id := change["id"].(string)
		if change["state"] != "pending" || change["base_version"] != float64(1) ||
			!strings.Contains(fmt.Sprint(change["reasons"]), "risk lowered from high to low") || out["applied"] != false {
			t.Fatalf("put: %v", out)
		}
		if got, _ := h.catalogOf("dana"); got["reports"] != "approval" {
			t.Fatalf("a pending loosening is in force: %v", got)
		}
		pending := h.want("mia", "GET", "/api/v1/catalog/changes?state=pending", nil, 200)["changes"].([]any)
		if len(pending) != 1 || pending[0].(map[string]any)["id"] != id {
			t.Fatalf("pending: %v", pending)
		}
		h.want("dana", "GET", "/api/v1/catalog/changes?state=pending", nil, 403)
		h.want("mia", "GET", "/api/v1/catalog/changes?state=maybe", nil, 400)

		// Never the proposer; not another catalog owner's item; not a
		// plain person.
		if msg := reasonOf(h.want("olga", "POST", "/api/v1/catalog/changes/"+id+"/approve", nil, 403)); !strings.Contains(msg, "you proposed this change") {
			t.Fatalf("proposer's approval refused with %q", msg)
		}
		h.want("olga", "POST", "/api/v1/catalog/changes/"+id+"/reject", nil, 403)
		if msg := reasonOf(h.want("mia", "POST", "/api/v1/catalog/changes/"+id+"/approve", nil, 403)); !strings.Contains(msg, "only an owner of item reports or an admin") {
			t.Fatalf("other owner's approval refused with %q", msg)
		}
		h.want("dana", "POST", "/api/v1/catalog/changes/"+id+"/approve", nil, 403)
		h.want("root", "POST", "/api/v1/catalog/changes/nothing/approve", nil, 404)

		// The admin approves: a new version, in force, audited.
		out = h.want("root", "POST", "/api/v1/catalog/changes/"+id+"/approve", map[string]any{"comment": "fine"}, 200)
		if c := out["change"].(map[string]any); c["state"] != "approved" || c["applied_version"] != float64(2) ||
			!strings.HasPrefix(c["decided_by"].(string), "person:") || c["comment"] != "fine" || out["applied"] != true {
			t.Fatalf("approve: %v", out)
		}
		if got, _ := h.catalogOf("dana"); got["reports"] != "auto-approve" {
			t.Fatalf("after approval: %v", got)
		}
		versions := h.want("olga", "GET", "/api/v1/catalog/items/reports/versions", nil, 200)["versions"].([]any)
		if len(versions) != 2 || versions[1].(map[string]any)["author"] != "person:"+h.ids["olga"] {
			t.Fatalf("versions: %v", versions)
		}
		if got := h.changeActions(); fmt.Sprint(got) != "[catalog.change_proposed catalog.change_approved]" {
			t.Fatalf("audit: %v", got)
		}
		// Decided once.
		if msg := reasonOf(h.want("olga", "POST", "/api/v1/catalog/changes/"+id+"/reject", nil, 409)); !strings.Contains(msg, "approved by person:") {
			t.Fatalf("second decision refused with %q", msg)
		}
		if len(h.want("root", "GET", "/api/v1/catalog/changes?state=pending", nil, 200)["changes"].([]any)) != 0 {
			t.Fatal("an approved change is still pending")
		}

		// A rejected loosening never applies.
		h.want("olga", "PUT", "/api/v1/catalog/items/reports", reportsItem("high", ""), 200)
		id = h.want("olga", "PUT", "/api/v1/catalog/items/reports", reportsItem("medium", ""), 202)["change"].(map[string]any)["id"].(string)
		h.want("root", "POST", "/api/v1/catalog/changes/"+id+"/reject", nil, 200)
		h.want("root", "POST", "/api/v1/catalog/changes/"+id+"/approve", nil, 409)
		if got, _ := h.catalogOf("dana"); got["reports"] != "approval" {
			t.Fatalf("after rejection: %v", got)
		}
	})
}

// A token's change is its owner's: neither the owner nor the token may
// approve it.
func TestCatalogFourEyesTokens(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		h := newCatalogEditHarness(t, st)
		h.issueToken("root-ci", "root", store.ScopeRead, store.ScopeCatalogWrite, store.ScopeAdmin)
		h.issueToken("ops", "", store.ScopeRead, store.ScopeCatalogWrite, store.ScopeAdmin)
		h.issueToken("reader", "", store.ScopeRead, store.ScopeAdmin)
		h.want("root-ci", "PUT", "/api/v1/catalog/items/reports", reportsItem("high", ""), 200)
		change := h.want("root-ci", "PUT", "/api/v1/catalog/items/reports", reportsItem("low", ""), 202)["change"].(map[string]any)
		id := change["id"].(string)
		if change["proposer"] != "token:root-ci" {
			t.Fatalf("change: %v", change)
		}
		for _, as := range []string{"root-ci", "root"} {
			if msg := reasonOf(h.want(as, "POST", "/api/v1/catalog/changes/"+id+"/approve", nil, 403)); !strings.Contains(msg, "you proposed this change") {
				t.Fatalf("%s's approval refused with %q", as, msg)
			}
		}
		// A token without the catalog scope may not decide.
		h.want("reader", "POST", "/api/v1/catalog/changes/"+id+"/approve", nil, 403)
		// A system token (no owner) with the admin scope may.
		h.want("ops", "POST", "/api/v1/catalog/changes/"+id+"/approve", nil, 200)
		if got, _ := h.catalogOf("dana"); got["reports"] != "auto-approve" {
			t.Fatalf("after approval: %v", got)
		}
		// The system token's own proposal: another admin decides.
		h.want("root-ci", "PUT", "/api/v1/catalog/items/reports", reportsItem("high", ""), 200)
		id = h.want("ops", "PUT", "/api/v1/catalog/items/reports", reportsItem("low", ""), 202)["change"].(map[string]any)["id"].(string)
		h.want("ops", "POST", "/api/v1/catalog/changes/"+id+"/approve", nil, 403)
		h.want("olga", "POST", "/api/v1/catalog/changes/"+id+"/approve", nil, 200)
	})
}

// A change proposed against a version that is no longer current is stale
// and refused with that reason; it can still be rejected.
func TestCatalogChangeStale(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		h := newCatalogEditHarness(t, st)
		h.want("olga", "PUT", "/api/v1/catalog/items/reports", reportsItem("high", ""), 200)
		id := h.want("root", "PUT", "/api/v1/catalog/items/reports", reportsItem("low", ""), 202)["change"].(map[string]any)["id"].(string)
		// Meanwhile the owner tightens the item further.
		h.want("olga", "PUT", "/api/v1/catalog/items/reports", reportsItem("critical", ""), 200)
		msg := reasonOf(h.want("olga", "POST", "/api/v1/catalog/changes/"+id+"/approve", nil, 409))
		if !strings.Contains(msg, "is at version 2, the change was proposed against version 1") || !strings.Contains(msg, "stale") {
			t.Fatalf("stale approval refused with %q", msg)
		}
		if got, _ := h.catalogOf("dana"); got["reports"] != "approval" {
			t.Fatalf("a stale change applied: %v", got)
		}
		h.want("olga", "POST", "/api/v1/catalog/changes/"+id+"/reject", nil, 200)
	})
}

// Lint runs on the proposed version: a change that would leave a
// high-risk item open to everyone cannot be approved.
func TestCatalogChangeLintBlocks(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		h := newCatalogEditHarness(t, st)
		closed := reportsItem("high", "")
		closed["eligibility"] = map[string]any{"departments": []string{"Finance"}}
		h.want("olga", "PUT", "/api/v1/catalog/items/reports", closed, 200)
		out := h.want("root", "PUT", "/api/v1/catalog/items/reports", reportsItem("high", ""), 202)
		if !strings.Contains(fmt.Sprint(out["lint"]), "open-eligibility-high-risk") {
			t.Fatalf("the proposal does not show its lint errors: %v", out)
		}
		id := out["change"].(map[string]any)["id"].(string)
		out = h.want("olga", "POST", "/api/v1/catalog/changes/"+id+"/approve", nil, 422)
		if !strings.Contains(fmt.Sprint(out["findings"]), "open-eligibility-high-risk") {
			t.Fatalf("lint refusal: %v", out)
		}
		c := h.want("olga", "GET", "/api/v1/catalog/changes/"+id, nil, 200)["change"].(map[string]any)
		if c["state"] != "pending" {
			t.Fatalf("change after the lint refusal: %v", c)
		}
		versions := h.want("olga", "GET", "/api/v1/catalog/items/reports/versions", nil, 200)["versions"].([]any)
		if len(versions) != 1 {
			t.Fatalf("a change failing lint was stored: %v", versions)
		}
	})
}

// An approval and a rejection of one change racing: exactly one wins,
// and the item has a new version only if the approval won.
func TestCatalogChangeApproveRejectRace(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		h := newCatalogEditHarness(t, st)
		h.issueToken("ops", "", store.ScopeRead, store.ScopeCatalogWrite, store.ScopeAdmin)
		approvals := 0
		for round := range 6 {
			h.want("olga", "PUT", "/api/v1/catalog/items/reports", reportsItem("high", ""), 200)
			before := len(h.want("olga", "GET", "/api/v1/catalog/items/reports/versions", nil, 200)["versions"].([]any))
			id := h.want("ops", "PUT", "/api/v1/catalog/items/reports", reportsItem("low", ""), 202)["change"].(map[string]any)["id"].(string)
			var wg sync.WaitGroup
			start := make(chan struct{})
			status := map[string]int{}
			var mu sync.Mutex
			for as, verb := range map[string]string{"root": "approve", "olga": "reject"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					code, out, err := h.do(as, "POST", "/api/v1/catalog/changes/"+id+"/"+verb, nil)
					if err != nil || (code != 200 && code != 409) {
						t.Errorf("round %d: %s: %d %v %v", round, verb, code, out, err)
					}
					mu.Lock()
					status[verb] = code
					mu.Unlock()
				}()
			}
			close(start)
			wg.Wait()
			if (status["approve"] == 200) == (status["reject"] == 200) {
				t.Fatalf("round %d: approve %d, reject %d: want exactly one to win", round, status["approve"], status["reject"])
			}
			c := h.want("olga", "GET", "/api/v1/catalog/changes/"+id, nil, 200)["change"].(map[string]any)
			after := len(h.want("olga", "GET", "/api/v1/catalog/items/reports/versions", nil, 200)["versions"].([]any))
			if status["approve"] == 200 {
				approvals++
				if c["state"] != "approved" || after != before+1 {
					t.Fatalf("round %d: approval won but change %v, %d versions (was %d)", round, c, after, before)
				}
			} else if c["state"] != "rejected" || after != before {
				t.Fatalf("round %d: rejection won but change %v, %d versions (was %d)", round, c, after, before)
			}
		}
		t.Logf("approval won %d of 6 rounds", approvals)
	})
}

// Two approvals of one change racing: exactly one applies it, once.
func TestCatalogChangeDoubleApproveRace(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		h := newCatalogEditHarness(t, st)
		h.issueToken("ops", "", store.ScopeRead, store.ScopeCatalogWrite, store.ScopeAdmin)
		for round := range 4 {
			h.want("olga", "PUT", "/api/v1/catalog/items/reports", reportsItem("high", ""), 200)
			before := len(h.want("olga", "GET", "/api/v1/catalog/items/reports/versions", nil, 200)["versions"].([]any))
			id := h.want("ops", "PUT", "/api/v1/catalog/items/reports", reportsItem("low", ""), 202)["change"].(map[string]any)["id"].(string)
			var wg sync.WaitGroup
			start := make(chan struct{})
			codes := make([]int, 2)
			for i, as := range []string{"root", "olga"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					code, out, err := h.do(as, "POST", "/api/v1/catalog/changes/"+id+"/approve", nil)
					if err != nil || (code != 200 && code != 409) {
						t.Errorf("round %d: %s: %d %v %v", round, as, code, out, err)
					}
					codes[i] = code
				}()
			}
			close(start)
			wg.Wait()
			if (codes[0] == 200) == (codes[1] == 200) {
				t.Fatalf("round %d: approvals answered %v: want exactly one 200", round, codes)
			}
			after := len(h.want("olga", "GET", "/api/v1/catalog/items/reports/versions", nil, 200)["versions"].([]any))
			if after != before+1 {
				t.Fatalf("round %d: %d versions after one approved change (was %d)", round, after, before)
			}
		}
	})
}

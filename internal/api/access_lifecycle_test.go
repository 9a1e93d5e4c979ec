package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// prodKey is an api-key item the beneficiary's manager approves.
func prodKey(ids map[string]string) []catalog.Item {
	return []catalog.Item{{ItemSpec: policy.ItemSpec{ID: "prod-key", Name: "Prod key", Kind: "api-key", Risk: policy.RiskMedium, OwnerID: ids["olga"],
		Stages:       []policy.StageSpec{{Name: "manager", Approvers: []policy.ApproverSpec{{Manager: true}}}},
		Environments: []string{"prod"}, MaxDuration: 7 * 24 * time.Hour}, Fulfillment: catalog.Fulfillment{Type: "api-key"}}}
}

// Defect 10: an issued secret reaches only its requester, once, after the
// grant is active; never the approver, nor the audit log.
func TestCredentialOnlyToRequesterOnce(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
		h := newAccessHarnessWith(t, s, prodKey)
		out := h.want("sam", "POST", "/api/v1/requests", map[string]any{"item": "prod-key", "environment": "prod", "justification": "deploy"}, 201)
		id := out["request"].(map[string]any)["id"].(string)
		dec := h.want("mia", "POST", "/api/v1/requests/"+id+"/decision", map[string]any{"approve": true}, 200)
		if raw, _ := json.Marshal(dec); strings.Contains(string(raw), "sk_") || strings.Contains(string(raw), "secret") {
			t.Fatalf("the approver's response carries a secret: %s", raw)
		}
		h.want("sam", "GET", "/api/v1/requests/"+id+"/credential", nil, 409) // not active yet
		h.work()
		h.want("mia", "GET", "/api/v1/requests/"+id+"/credential", nil, 404)
		h.want("dana", "GET", "/api/v1/requests/"+id+"/credential", nil, 404)
		h.want("root", "GET", "/api/v1/requests/"+id+"/credential", nil, 404)
		if page := h.want("sam", "GET", "/api/v1/requests/"+id, nil, 200); page["credential"] == nil || page["grant"].(map[string]any)["state"] != "active" {
			t.Fatalf("request page: %v", page)
		}
		if page := h.want("mia", "GET", "/api/v1/requests/"+id, nil, 200); page["credential"] != nil {
			t.Fatalf("the approver is offered the credential: %v", page)
		}
		got := h.want("sam", "GET", "/api/v1/requests/"+id+"/credential", nil, 200)
		secret, _ := got["secret"].(string)
		if !strings.HasPrefix(secret, "sk_") {
			t.Fatalf("credential: %v", got)
		}
		h.want("sam", "GET", "/api/v1/requests/"+id+"/credential", nil, 410)
		evs, err := s.ListAudit(t.Context(), 0, 100000)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if raw, _ := json.Marshal(e); strings.Contains(string(raw), secret) {
				t.Fatalf("audit event %s carries the secret", e.Action)
			}
		}
		gs, _ := s.ListGrants(t.Context(), store.GrantQuery{HolderID: h.ids["sam"], ItemID: "prod-key"})
		if sec, err := s.GetGrantSecret(t.Context(), gs[0].ID); err != nil || sec.Secret != "" || sec.TakenAt == nil {
			t.Fatalf("the secret is still stored after retrieval: %+v %v", sec, err)
		}
	})
}

// GET /api/v1/requests/{id}, withdraw and relinquish over HTTP, a
// beneficiary named by userName, and error texts free of internal wording.
func TestRequestControlsOverHTTP(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
		h := newAccessHarness(t, s)
		// Olga asks for her report Dana, named by userName.
		out := h.want("olga", "POST", "/api/v1/requests", map[string]any{"item": "reports", "beneficiary": "dana", "justification": "close"}, 201)
		if out["request"].(map[string]any)["beneficiary_id"] != h.ids["dana"] || out["grant"] == nil {
			t.Fatalf("request for dana by userName: %v", out)
		}
		gid := out["grant"].(map[string]any)["id"].(string)
		if f := out["grant"].(map[string]any)["fulfillment"].(map[string]any); f["status"] != "pending" {
			t.Fatalf("fulfillment of a new grant: %v", f)
		}
		h.want("olga", "POST", "/api/v1/requests", map[string]any{"item": "reports", "beneficiary": "nobody@example.com"}, 400)

		out = h.want("sam", "POST", "/api/v1/requests", map[string]any{"item": "reports"}, 201)
		id := out["request"].(map[string]any)["id"].(string)
		for _, who := range []string{"mia", "sam", "root", "token"} {
			h.want(who, "GET", "/api/v1/requests/"+id, nil, 200)
		}
		h.want("dana", "GET", "/api/v1/requests/"+id, nil, 404)
		h.want("mia", "POST", "/api/v1/requests/"+id+"/withdraw", nil, 403) // the approver, not the requester
		got := h.want("sam", "POST", "/api/v1/requests/"+id+"/withdraw", map[string]any{"reason": "wrong item"}, 200)
		if got["state"] != "withdrawn" {
			t.Fatalf("withdrawn: %v", got)
		}
		body := h.want("sam", "POST", "/api/v1/requests/"+id+"/withdraw", nil, 409)
		if msg := body["error"].(string); strings.Contains(msg, "access:") || strings.Contains(msg, "gormstore") {
			t.Fatalf("internal wording: %q", msg)
		}
		body = h.want("sam", "POST", "/api/v1/requests/nope/withdraw", nil, 404)
		if msg := body["error"].(string); strings.Contains(msg, "gormstore") || strings.Contains(msg, "access:") || strings.Contains(msg, "record not found") {
			t.Fatalf("internal wording: %q", msg)
		}

		// A second request for a held item within its window is refused.
		h.want("dana", "POST", "/api/v1/requests", map[string]any{"item": "reports", "justification": "again",
			"end": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)}, 409)
		h.work()
		h.want("olga", "POST", "/api/v1/grants/"+gid+"/confirm", nil, 200)
		h.want("sam", "POST", "/api/v1/grants/"+gid+"/relinquish", nil, 404)
		if g := h.want("dana", "POST", "/api/v1/grants/"+gid+"/relinquish", map[string]any{"reason": "done"}, 200); g["state"] != "ending" {
			t.Fatalf("relinquished: %v", g)
		}
		h.work()
		if g := h.want("dana", "GET", "/api/v1/grants", nil, 200)["grants"].([]any)[0].(map[string]any); g["state"] != "ended" {
			t.Fatalf("after the take-back: %v", g)
		}
	})
}

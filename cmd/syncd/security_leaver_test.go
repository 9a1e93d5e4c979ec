package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/store"
)

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// Gap 1: a manager terminated (or disabled) through a SCIM push loses the
// session at once: the very next request from it is refused and the
// approval it attempts does not happen.
func TestLeaverLosesSessionAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name   string
		leave  func(h *secServe)
		status store.Status
	}{
		{"terminated by SCIM DELETE", func(h *secServe) {
			if st, out := h.scimCall(http.MethodDelete, "/scim/v2/Users/"+h.scimID["mike"], nil); st != http.StatusNoContent {
				t.Fatalf("SCIM delete: %d %v", st, out)
			}
		}, store.StatusTerminated},
		{"disabled by SCIM active:false", func(h *secServe) {
			patch := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
				"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}}}
			if st, out := h.scimCall(http.MethodPatch, "/scim/v2/Users/"+h.scimID["mike"], patch); st != http.StatusOK {
				t.Fatalf("SCIM patch: %d %v", st, out)
			}
		}, store.StatusDisabled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newSecServe(t, "")
			rita := h.as("rita")
			resp := h.api(rita, "", http.MethodPost, "/api/v1/requests", map[string]any{"item": "reports", "justification": "monthly close"})
			if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
				t.Fatalf("submit: %d %s", resp.StatusCode, resp.Body)
			}
			reqID := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(resp.Body)[1]

			mike := h.as("mike")
			token := h.csrf(mike)
			if page := mike.Get(h.base + "/approvals"); page.StatusCode != http.StatusOK || !strings.Contains(page.Body, reqID) {
				t.Fatalf("mike's approvals before leaving: %d", page.StatusCode)
			}

			tc.leave(h)
			p, err := h.st.GetPerson(t.Context(), h.ids["mike"])
			if err != nil || p.Status != tc.status {
				t.Fatalf("mike after the push: %v %s", err, p.Status)
			}

			// The very next request from the session: an approval.
			form := url.Values{"csrf_token": {token}, "request": {reqID}, "decision": {"approve"}}
			if got := mike.PostForm(h.base+"/approvals", form); got.StatusCode < 300 || got.StatusCode == http.StatusSeeOther && !strings.Contains(got.Location(), "/auth/login") {
				t.Fatalf("approval from the leaver's session: %d %s", got.StatusCode, got.Location())
			}
			if got := mike.Get(h.base + "/approvals"); got.StatusCode == http.StatusOK {
				t.Fatalf("page from the leaver's session: %d", got.StatusCode)
			}
			if got := h.api(mike, "", http.MethodGet, "/api/v1/approvals", nil); got.StatusCode != http.StatusUnauthorized {
				t.Fatalf("API from the leaver's session: %d", got.StatusCode)
			}
			r, err := h.st.GetRequest(t.Context(), reqID)
			if err != nil || r.State != store.RequestPending {
				t.Fatalf("request after the attempt: %v %s", err, r.State)
			}
			gs, err := h.st.ListGrants(t.Context(), store.GrantQuery{HolderID: h.ids["rita"]})
			if err != nil || len(gs) != 0 {
				t.Fatalf("grants of rita: %v %+v", err, gs)
			}
			if !hasAction(h.audit(), "auth.session_revoked", h.ids["mike"]) {
				t.Error("no auth.session_revoked event for mike")
			}
		})
	}
}

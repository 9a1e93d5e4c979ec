package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/auth/authtest"
)

// Roles follow current data: an admin removed from the admin group through
// a SCIM push loses admin on the very next request of the session they
// signed in with, on the web UI and the JSON API alike; added back, they
// have it again without signing in anew.
func TestRolesFollowGroupChangesAtOnce(t *testing.T) {
	h := newSecServe(t, "")
	// The IdP pushes the admin group with carol and sam in it; carol's ID
	// token also names the group (secUsers), sam's does not.
	st, out := h.scimCall(http.MethodPost, "/scim/v2/Groups", map[string]any{
		"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:Group"},
		"displayName": "syncd-admins", "externalId": "admins",
		"members": []any{map[string]any{"value": h.scimID["carol"]}, map[string]any{"value": h.scimID["sam"]}},
	})
	if st != http.StatusCreated {
		t.Fatalf("SCIM create group: %d %v", st, out)
	}
	groupID := out["id"].(string)
	carol, sam, rita := h.as("carol"), h.as("sam"), h.as("rita")
	browsers := map[string]*authtest.Browser{"carol": carol, "sam": sam, "rita": rita}
	isAdmin := func(who string) (web, api bool) {
		br := browsers[who]
		w := br.Get(h.base + "/sync")
		a := h.api(br, "", http.MethodGet, "/api/v1/audit", nil)
		return w.StatusCode == http.StatusOK, a.StatusCode == http.StatusOK
	}
	for who, want := range map[string]bool{"carol": true, "sam": true, "rita": false} {
		if web, api := isAdmin(who); web != want || api != want {
			t.Fatalf("%s before the change: admin on web %v, API %v, want %v", who, web, api, want)
		}
	}

	patch := func(op, who string) {
		t.Helper()
		body := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": op, "path": "members", "value": []any{map[string]any{"value": h.scimID[who]}}}}}
		if op == "remove" {
			body["Operations"] = []any{map[string]any{"op": "remove", "path": `members[value eq "` + h.scimID[who] + `"]`}}
		}
		if st, out := h.scimCall(http.MethodPatch, "/scim/v2/Groups/"+groupID, body); st != http.StatusOK && st != http.StatusNoContent {
			t.Fatalf("SCIM patch group (%s %s): %d %v", op, who, st, out)
		}
	}
	// Removed: the very next request has no admin, although carol's ID
	// token still names the group.
	patch("remove", "carol")
	if web, api := isAdmin("carol"); web || api {
		t.Fatalf("carol after removal: admin on web %v, API %v", web, api)
	}
	if web, api := isAdmin("sam"); !web || !api {
		t.Fatalf("sam (still a member): admin on web %v, API %v", web, api)
	}
	if r := carol.Get(h.base + "/"); r.StatusCode != http.StatusOK {
		t.Fatalf("carol is still signed in as an employee: %d", r.StatusCode)
	}
	// Added back: admin again, same session.
	patch("add", "carol")
	if web, api := isAdmin("carol"); !web || !api {
		t.Fatalf("carol added back: admin on web %v, API %v", web, api)
	}

	// A token carol owns with the admin scope is admin only while she may
	// be: the orphan NHI, which only admins and auditors see, answers 404
	// once she leaves the group.
	getenv := envMap(map[string]string{"SYNCD_TEST_OIDC_SECRET": authtest.ClientSecret})
	code, tok, errOut := cli(t, getenv, "token", "create", "--config", h.cfg, "--name", "carol-admin", "--scope", "admin,read", "--owner", "carol")
	if code != exitOK {
		t.Fatalf("token: %s", errOut)
	}
	tok = strings.TrimSpace(tok)
	orphan := func() int {
		return h.api(nil, tok, http.MethodGet, "/api/v1/nhis/"+h.nhis["svc-orphan"], nil).StatusCode
	}
	if got := orphan(); got != http.StatusOK {
		t.Fatalf("carol's admin token: %d", got)
	}
	patch("remove", "carol")
	if got := orphan(); got != http.StatusNotFound {
		t.Fatalf("carol's admin token after she left the admin group: %d", got)
	}
	patch("add", "carol")
	if got := orphan(); got != http.StatusOK {
		t.Fatalf("carol's admin token after she was added back: %d", got)
	}
}

package main

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/auth/authtest"
)

// Gap 2 and the route × role × object table: for every role and every
// object (own, a report's, someone else's, nobody's, a project's), the web
// UI and the JSON API give the same answer, and it is the expected one.
func TestWebAndAPIAgreeOnEveryObject(t *testing.T) {
	h := newSecServe(t, "")
	rita := h.as("rita")
	resp := h.api(rita, "", http.MethodPost, "/api/v1/requests", map[string]any{"item": "reports", "justification": "close"})
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		t.Fatalf("submit: %d %s", resp.StatusCode, resp.Body)
	}
	reqID := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(resp.Body)[1]

	// Who may read / manage what (Y: yes).
	read := map[string][]string{
		"svc-rita":   {"carol", "alice", "mike", "rita"},
		"svc-sam":    {"carol", "alice", "sam"},
		"svc-orphan": {"carol", "alice"},
		"svc-apollo": {"carol", "alice", "sam"},
	}
	manage := map[string][]string{
		"svc-rita": {"carol", "rita"}, "svc-sam": {"carol", "sam"}, "svc-orphan": {"carol"}, "svc-apollo": {"carol", "sam"},
	}
	readRequest := []string{"carol", "alice", "mike", "rita"}
	browsers := map[string]*authtest.Browser{"rita": rita}
	for _, who := range []string{"carol", "alice", "mike", "sam"} {
		browsers[who] = h.as(who)
	}
	for _, who := range []string{"carol", "alice", "mike", "rita", "sam"} {
		b := browsers[who]
		var webList, apiList []string
		for _, n := range regexp.MustCompile(`>(svc-[a-z]+)<`).FindAllStringSubmatch(b.Get(h.base+"/nhis").Body, -1) {
			if !slices.Contains(webList, n[1]) {
				webList = append(webList, n[1])
			}
		}
		var list struct {
			Items []struct{ Name string } `json:"items"`
		}
		_ = json.Unmarshal([]byte(h.api(b, "", http.MethodGet, "/api/v1/nhis", nil).Body), &list)
		for _, it := range list.Items {
			apiList = append(apiList, it.Name)
		}
		slices.Sort(webList)
		slices.Sort(apiList)
		if !slices.Equal(webList, apiList) {
			t.Errorf("%s: NHI list: web %v, API %v", who, webList, apiList)
		}
		for name, id := range h.nhis {
			want := slices.Contains(read[name], who)
			web := b.Get(h.base + "/nhis/" + id)
			api := h.api(b, "", http.MethodGet, "/api/v1/nhis/"+id, nil)
			if (web.StatusCode == http.StatusOK) != want || (api.StatusCode == http.StatusOK) != want {
				t.Errorf("%s reads %s: web %d, API %d, want allowed=%v", who, name, web.StatusCode, api.StatusCode, want)
			}
			if !want && (web.StatusCode != http.StatusNotFound || api.StatusCode != http.StatusNotFound) {
				t.Errorf("%s reads %s: refused with web %d / API %d, want 404 for both (as for an unknown id)", who, name, web.StatusCode, api.StatusCode)
			}
			wantManage := slices.Contains(manage[name], who)
			webManage := web.StatusCode == http.StatusOK && strings.Contains(web.Body, `action="/nhis/`+id+`/owner"`)
			patch := h.api(b, "", http.MethodPatch, "/api/v1/nhis/"+id, map[string]any{"description": "checked by " + who})
			if webManage != wantManage || (patch.StatusCode == http.StatusOK) != wantManage {
				t.Errorf("%s manages %s: web form %v, API PATCH %d, want %v", who, name, webManage, patch.StatusCode, wantManage)
			}
		}
		want := slices.Contains(readRequest, who)
		web := b.Get(h.base + "/requests/" + reqID)
		api := h.api(b, "", http.MethodGet, "/api/v1/requests/"+reqID+"/explanation", nil)
		if (web.StatusCode == http.StatusOK) != want || (api.StatusCode == http.StatusOK) != want {
			t.Errorf("%s reads the request: web %d, API %d, want %v", who, web.StatusCode, api.StatusCode, want)
		}
		// Unknown ids answer exactly like forbidden ones.
		if web, api := b.Get(h.base+"/nhis/no-such-id"), h.api(b, "", http.MethodGet, "/api/v1/nhis/no-such-id", nil); web.StatusCode != http.StatusNotFound || api.StatusCode != http.StatusNotFound {
			t.Errorf("%s: unknown NHI: web %d, API %d", who, web.StatusCode, api.StatusCode)
		}
		wantAudit := who == "carol" || who == "alice"
		if got := h.api(b, "", http.MethodGet, "/api/v1/audit", nil); (got.StatusCode == http.StatusOK) != wantAudit {
			t.Errorf("%s: GET /api/v1/audit: %d", who, got.StatusCode)
		}
		if got := b.Get(h.base + "/sync"); (got.StatusCode == http.StatusOK) != wantAudit {
			t.Errorf("%s: GET /sync: %d", who, got.StatusCode)
		}
	}
}

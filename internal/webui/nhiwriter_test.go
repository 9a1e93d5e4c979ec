package webui_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	apiserver "github.com/syncd-dev/syncd/internal/api"
	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/webui"
)

// An owner change made on the web is the API's owner change (both call
// nhi.Service.UpdateNHI): PATCH /api/v1/nhis/{id} and the web form give the
// same audit action, actor and keys, and the NHI's stored findings are
// re-evaluated in the same transaction.
func TestWebReassignIsTheAPIsOwnerChange(t *testing.T) {
	var svc *nhi.Service
	e := newEnvWith(t, true, []string{"hr", "ldap"}, idpUsers, (*env).seed, func(e *env, ui *webui.Server) {
		svc = &nhi.Service{Store: e.store}
		ui.Findings, ui.NHI = svc, svc
	})
	ctx := t.Context()
	twin, err := e.store.CreateNHI(ctx, store.NHI{Kind: store.KindServiceAccount, Name: "svc-orphan-2", Source: "ldap", Environment: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	web, api := e.nhis["svc-orphan"], twin.ID
	for _, id := range []string{web, api} {
		if got := openRules(t, svc, id); !slices.Contains(got, "no-owner") {
			t.Fatalf("before: %s open findings %v, want no-owner", id, got)
		}
	}

	b := e.as("carol")
	resp := e.post(b, "/nhis/"+web+"/owner", url.Values{"csrf_token": {e.csrf(b)}, "owner": {"rita@example.com"}, "reason": {"rita runs it"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("web reassign: %d %s", resp.StatusCode, resp.Body)
	}
	// The same change through the JSON API, as carol (an admin).
	mux := http.NewServeMux()
	(&apiserver.Server{Store: e.store, NHI: svc, Auth: apiserver.AuthenticatorFunc(func(*http.Request) (apiserver.Principal, error) {
		return apiserver.Principal{PersonID: e.ids["carol"], Roles: []string{apiserver.RoleAdmin}}, nil
	})}).Register(mux)
	hs := httptest.NewServer(mux)
	defer hs.Close()
	rita := e.ids["rita"]
	req, _ := http.NewRequest(http.MethodPatch, hs.URL+"/api/v1/nhis/"+api, strings.NewReader(`{"owner":"`+rita+`"}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("api owner change: %d", res.StatusCode)
	}

	viaWeb, viaAPI := lastEvent(t, e, web), lastEvent(t, e, api)
	if viaWeb.Actor != viaAPI.Actor {
		t.Errorf("actors: web %q, api %q", viaWeb.Actor, viaAPI.Actor)
	}
	if viaWeb.Action != viaAPI.Action || viaWeb.Action != audit.ActionNHIUpdated {
		t.Fatalf("actions: web %q, api %q; want both %q", viaWeb.Action, viaAPI.Action, audit.ActionNHIUpdated)
	}
	wk, ak := detailKeys(t, viaWeb), detailKeys(t, viaAPI)
	ak = append(ak, "reason") // the web form asks for one
	slices.Sort(ak)
	if !slices.Equal(wk, ak) {
		t.Fatalf("detail keys: web %v, api %v", wk, ak)
	}
	for _, id := range []string{web, api} {
		n, _ := e.store.GetNHI(ctx, id)
		if n.OwnerID != rita {
			t.Errorf("%s owner %q, want rita", id, n.OwnerID)
		}
		if got := openRules(t, svc, id); len(got) != 0 {
			t.Errorf("after: %s still has open findings %v", id, got)
		}
	}
}

func openRules(t *testing.T, svc *nhi.Service, id string) []string {
	t.Helper()
	fs, err := svc.ListFindings(t.Context(), store.FindingQuery{NHIID: id})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		if f.State != store.FindingResolved {
			out = append(out, f.Rule)
		}
	}
	return out
}

func lastEvent(t *testing.T, e *env, id string) store.AuditEvent {
	t.Helper()
	evs, err := e.store.ListAuditByTarget(t.Context(), []string{"nhi:" + id}, 0)
	if err != nil || len(evs) == 0 {
		t.Fatalf("events of %s: %v %d", id, err, len(evs))
	}
	for _, ev := range evs {
		if ev.Action != audit.ActionNHIFindingsReconciled {
			return ev
		}
	}
	t.Fatalf("no change event on %s", id)
	return store.AuditEvent{}
}

func detailKeys(t *testing.T, ev store.AuditEvent) []string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(ev.Details, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// TestTasksPageAndAcceptByReference: /api/v1/tasks pages past 500 with
// after/limit and a next cursor; accept names the new owner by person id,
// userName or email.
func TestTasksPageAndAcceptByReference(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
		h := newHarness(t, s)
		ctx := t.Context()
		var ks []store.ReownershipTask
		for i := range 620 {
			n, err := s.CreateNHI(ctx, store.NHI{Kind: store.KindToken, Name: fmt.Sprintf("tok-%04d", i), Source: "api", OwnerID: h.ids["alice"]})
			if err != nil {
				t.Fatal(err)
			}
			ks = append(ks, store.ReownershipTask{NHIID: n.ID, FormerOwnerID: h.ids["alice"], Route: store.RouteManager,
				AssigneeID: h.ids["bob"], CreatedAt: h.now, Deadline: h.now.Add(time.Hour)})
		}
		created, err := s.CreateTasks(ctx, ks)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[float64]bool{}
		path := "/api/v1/tasks?limit=500"
		for pages := 0; path != ""; pages++ {
			if pages > 3 {
				t.Fatal("tasks paging does not end")
			}
			page := h.want("token", "GET", path, nil, http.StatusOK)
			for _, it := range page["items"].([]any) {
				seen[it.(map[string]any)["id"].(float64)] = true
			}
			path = ""
			if next, _ := page["next"].(string); next != "" {
				path = "/api/v1/tasks?limit=500&after=" + next
			}
		}
		if len(seen) != len(created) {
			t.Fatalf("paging saw %d of %d tasks", len(seen), len(created))
		}
		h.want("token", "GET", "/api/v1/tasks?limit=0", nil, http.StatusBadRequest)
		h.want("token", "GET", "/api/v1/tasks?after=x", nil, http.StatusBadRequest)

		for i, ref := range []string{h.ids["root"], "root", "root@example.com"} {
			acc := h.want("token", "POST", "/api/v1/tasks/"+itoa(created[i].ID)+"/accept", map[string]any{"new_owner": ref}, http.StatusOK)
			if acc["new_owner_id"] != h.ids["root"] {
				t.Fatalf("accept with new_owner %q: %v", ref, acc)
			}
		}
		// Writing the owner back needs the source's write credentials: the
		// acceptance stands and the answer says why nothing was written.
		acc := h.want("token", "POST", "/api/v1/tasks/"+itoa(created[4].ID)+"/accept", map[string]any{"new_owner": "root", "write_back": true}, http.StatusOK)
		if acc["state"] != "accepted" || acc["written_back"] != false || acc["write_back_error"] == nil {
			t.Fatalf("accept with write_back and no credentials: %v", acc)
		}
		h.want("token", "POST", "/api/v1/nhis/"+created[4].NHIID+"/write-owner-back", nil, http.StatusConflict)
		bad := h.want("token", "POST", "/api/v1/tasks/"+itoa(created[3].ID)+"/accept", map[string]any{"new_owner": "ghost"}, http.StatusBadRequest)
		if fl := fieldsOf(bad); len(fl) != 1 || fl[0][:10] != "new_owner:" {
			t.Fatalf("accept with an unknown owner: %v", bad)
		}
	})
}

// TestTeamTaskIsTheTeamsToAccept: a task routed to the fallback team is
// listed for, and may be accepted by, an active member of that team (the
// directory group of that name, any case); others neither see nor accept
// it. Membership is checked when the acceptance takes effect: a member
// who left the team since the list was shown is refused.
func TestTeamTaskIsTheTeamsToAccept(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
		h := newHarness(t, s)
		ctx := t.Context()
		g, err := s.CreateGroup(ctx, store.Group{Source: "okta", ExternalID: "grp-sec", DisplayName: "Security"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetGroupMembers(ctx, g.ID, []string{h.ids["bob"]}); err != nil {
			t.Fatal(err)
		}
		var ks []store.ReownershipTask
		for i := range 3 {
			n, err := s.CreateNHI(ctx, store.NHI{Kind: store.KindToken, Name: fmt.Sprintf("team-tok-%d", i), Source: "api"})
			if err != nil {
				t.Fatal(err)
			}
			ks = append(ks, store.ReownershipTask{NHIID: n.ID, Route: store.RouteFallbackTeam, AssigneeTeam: "security",
				CreatedAt: h.now, Deadline: h.now.Add(time.Hour)})
		}
		created, err := s.CreateTasks(ctx, ks)
		if err != nil {
			t.Fatal(err)
		}
		if items := h.want("bob", "GET", "/api/v1/tasks", nil, http.StatusOK)["items"].([]any); len(items) != 3 {
			t.Fatalf("bob (in Security) lists %d team tasks, want 3", len(items))
		}
		if items := h.want("alice", "GET", "/api/v1/tasks", nil, http.StatusOK)["items"].([]any); len(items) != 0 {
			t.Fatalf("alice (not in Security) lists %d team tasks, want 0", len(items))
		}
		h.want("alice", "POST", "/api/v1/tasks/"+itoa(created[0].ID)+"/accept", map[string]any{}, http.StatusForbidden)
		acc := h.want("bob", "POST", "/api/v1/tasks/"+itoa(created[0].ID)+"/accept", map[string]any{}, http.StatusOK)
		if acc["state"] != "accepted" || acc["new_owner_id"] != h.ids["bob"] {
			t.Fatalf("bob accepts his team's task: %v", acc)
		}
		acc = h.want("bob", "POST", "/api/v1/tasks/"+itoa(created[1].ID)+"/accept", map[string]any{"new_owner": "alice"}, http.StatusOK)
		if acc["new_owner_id"] != h.ids["alice"] {
			t.Fatalf("bob names alice for his team's task: %v", acc)
		}
		if err := s.SetGroupMembers(ctx, g.ID, nil); err != nil {
			t.Fatal(err)
		}
		h.want("bob", "POST", "/api/v1/tasks/"+itoa(created[2].ID)+"/accept", map[string]any{}, http.StatusForbidden)
		if k, err := s.GetTask(ctx, created[2].ID); err != nil || k.State != store.TaskOpen {
			t.Fatalf("a refused acceptance changed the task: %+v %v", k, err)
		}
	})
}

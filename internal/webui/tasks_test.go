package webui_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// TestTasksPage: a re-ownership task is taken over in the web by the
// person it is assigned to or, for a team's task, by a member of the
// team (the directory group of that name); the page lists exactly the
// viewer's open tasks, accepting needs the form token, names a new owner
// or defaults to the viewer, and anyone else is refused with the task
// left open.
func TestTasksPage(t *testing.T) {
	e := newEnv(t, true)
	ctx := t.Context()
	g, err := e.store.CreateGroup(ctx, store.Group{Source: "ldap", ExternalID: "cn=security", DisplayName: "Security"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetGroupMembers(ctx, g.ID, []string{e.ids["sam"]}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	ks, err := e.store.CreateTasks(ctx, []store.ReownershipTask{
		{NHIID: e.nhis["svc-terry"], FormerOwnerID: e.ids["terry"], Route: store.RouteManager, AssigneeID: e.ids["mike"], CreatedAt: now, Deadline: now.Add(72 * time.Hour)},
		{NHIID: e.nhis["svc-orphan"], Route: store.RouteFallbackTeam, AssigneeTeam: "security", CreatedAt: now, Deadline: now.Add(72 * time.Hour)},
	})
	if err != nil {
		t.Fatal(err)
	}
	mine, team := strconv.FormatInt(ks[0].ID, 10), strconv.FormatInt(ks[1].ID, 10)

	mike, sam, rita := e.as("mike"), e.as("sam"), e.as("rita")
	page := mike.Get(e.base + "/tasks").Body
	if !strings.Contains(page, `id="task-`+mine+`"`) || strings.Contains(page, `id="task-`+team+`"`) || !strings.Contains(page, "Terry Gone") {
		t.Fatalf("mike's tasks page does not list exactly his task for Terry Gone's svc-terry:\n%s", page)
	}
	page = sam.Get(e.base + "/tasks").Body
	if !strings.Contains(page, `id="task-`+team+`"`) || strings.Contains(page, `id="task-`+mine+`"`) || !strings.Contains(page, "your team security") {
		t.Fatalf("sam's tasks page does not list exactly his team's task:\n%s", page)
	}
	if page := rita.Get(e.base + "/tasks").Body; strings.Contains(page, `id="task-`) || !strings.Contains(page, `id="no-tasks"`) {
		t.Fatalf("rita has no task but her page lists some:\n%s", page)
	}
	if !strings.Contains(mike.Get(e.base+"/").Body, `id="home-tasks"`) {
		t.Fatal("the home page does not point mike to his task")
	}

	open := func(id int64) {
		t.Helper()
		if k, err := e.store.GetTask(ctx, id); err != nil || k.State != store.TaskOpen {
			t.Fatalf("task %d is no longer open after a refused acceptance: %+v %v", id, k, err)
		}
	}
	if resp := e.post(rita, "/tasks/"+mine+"/accept", url.Values{"csrf_token": {e.csrf(rita)}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("rita accepts mike's task: %d", resp.StatusCode)
	}
	open(ks[0].ID)
	if resp := e.post(sam, "/tasks/"+team+"/accept", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("an acceptance without the form token: %d", resp.StatusCode)
	}
	open(ks[1].ID)
	resp := e.post(mike, "/tasks/"+mine+"/accept", url.Values{"csrf_token": {e.csrf(mike)}, "new_owner": {"terry"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Body, "not active") {
		t.Fatalf("mike names a leaver: %d %s", resp.StatusCode, resp.Body)
	}
	open(ks[0].ID)
	if resp := e.post(mike, "/tasks/"+mine+"/accept", url.Values{"csrf_token": {e.csrf(mike)}, "new_owner": {"rita@example.com"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("mike names rita: %d %s", resp.StatusCode, resp.Body)
	}
	if resp := e.post(sam, "/tasks/"+team+"/accept", url.Values{"csrf_token": {e.csrf(sam)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sam takes his team's task: %d %s", resp.StatusCode, resp.Body)
	}
	for name, want := range map[string]string{"svc-terry": e.ids["rita"], "svc-orphan": e.ids["sam"]} {
		if n, err := e.store.GetNHI(ctx, e.nhis[name]); err != nil || n.OwnerID != want {
			t.Fatalf("%s owner %q after acceptance, want %q (%v)", name, n.OwnerID, want, err)
		}
	}
	if resp := e.post(sam, "/tasks/"+team+"/accept", url.Values{"csrf_token": {e.csrf(sam)}}); resp.StatusCode != http.StatusConflict {
		t.Fatalf("accepting a closed task again: %d", resp.StatusCode)
	}
	if page := sam.Get(e.base + "/tasks").Body; strings.Contains(page, `id="task-`) {
		t.Fatalf("an accepted task is still listed:\n%s", page)
	}
}

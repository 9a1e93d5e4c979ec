package webui_test

import (
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// TestSyncPagesShowPartialRuns: a run that skipped deletion detection
// shows as partial with what it skipped, on the list and the run's page.
func TestSyncPagesShowPartialRuns(t *testing.T) {
	e := newEnv(t, false)
	now := time.Now().UTC()
	reason := "30 of 200 people were not returned by the read, more than the 10% a run may terminate; nobody was terminated"
	run, err := e.store.CreateSyncRun(t.Context(), store.SyncRun{Source: "hr-scim", Mode: "full", Status: store.RunPartial,
		StartedAt: now, FinishedAt: &now, Error: reason})
	if err != nil {
		t.Fatal(err)
	}
	b := e.as("carol")
	body := b.Get(e.base + "/sync").Body
	if !strings.Contains(body, `class="run-partial">partial<`) || !strings.Contains(body, "nobody was terminated") {
		t.Fatalf("sync page lacks the partial run:\n%s", body)
	}
	page := b.Get(e.base + "/sync/runs/" + itoa(run.ID)).Body
	if !strings.Contains(page, "<dt>Skipped</dt>") || !strings.Contains(page, "more than the 10%") || strings.Contains(page, "<dt>Error</dt>") {
		t.Fatalf("run page of a partial run:\n%s", page)
	}
}

package storetest

import (
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var syncRunTests = []test{
	{"create, update, get", testSyncRunLifecycle},
	{"update errors", testSyncRunUpdateErrors},
	{"list", testSyncRunList},
}

func testSyncRunLifecycle(t *testing.T, s store.Store) {
	ctx := t.Context()
	r, err := s.CreateSyncRun(ctx, store.SyncRun{Source: "hr", Mode: "full", Watermark: "w0"})
	must(t, "create", err)
	if r.ID == 0 || r.Status != store.RunRunning || r.FinishedAt != nil {
		t.Fatalf("create returned %+v", r)
	}
	wantStamp(t, "StartedAt", r.StartedAt)
	got, err := s.GetSyncRun(ctx, r.ID)
	must(t, "get", err)
	same(t, "get", got, r)

	done := at(time.Hour)
	updated, err := s.UpdateSyncRun(ctx, r.ID, func(old store.SyncRun) (store.SyncRun, error) {
		same(t, "fn input", old, r)
		old.ID = 999 // ignored
		old.Status = store.RunFailed
		old.FinishedAt = &done
		old.Counts = store.RunCounts{Read: 7, Created: 1, Updated: 2, Unchanged: 3, Disabled: 4, Terminated: 5, Rejected: 6}
		old.Watermark = "w1"
		old.Error = "source timed out"
		old.Rejections = []store.Rejection{{ExternalID: "x1", Reason: "no userName"}, {ExternalID: "x2", Reason: "duplicate email"}}
		return old, nil
	})
	must(t, "update", err)
	want := r
	want.Status, want.FinishedAt, want.Watermark, want.Error = store.RunFailed, storedPtr(&done), "w1", "source timed out"
	want.Counts = store.RunCounts{Read: 7, Created: 1, Updated: 2, Unchanged: 3, Disabled: 4, Terminated: 5, Rejected: 6}
	want.Rejections = []store.Rejection{{ExternalID: "x1", Reason: "no userName"}, {ExternalID: "x2", Reason: "duplicate email"}}
	same(t, "update", updated, want)
	got, err = s.GetSyncRun(ctx, r.ID)
	must(t, "get after update", err)
	same(t, "get after update", got, want)
}

func testSyncRunUpdateErrors(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, err := s.GetSyncRun(ctx, 4242)
	wantErr(t, "get missing", err, store.ErrNotFound)
	_, err = s.UpdateSyncRun(ctx, 4242, func(r store.SyncRun) (store.SyncRun, error) { return r, nil })
	wantErr(t, "update missing", err, store.ErrNotFound)
	r, err := s.CreateSyncRun(ctx, store.SyncRun{Source: "hr", Mode: "incremental"})
	must(t, "create", err)
	_, err = s.UpdateSyncRun(ctx, r.ID, func(r store.SyncRun) (store.SyncRun, error) {
		r.Status = store.RunSucceeded
		return r, errBoom
	})
	wantErr(t, "update fn error", err, errBoom)
	got, err := s.GetSyncRun(ctx, r.ID)
	must(t, "get", err)
	same(t, "unchanged", got, r)
}

func testSyncRunList(t *testing.T, s store.Store) {
	ctx := t.Context()
	var hr, all []int64
	for i, src := range []string{"hr", "ldap", "hr", "idp", "hr"} {
		r, err := s.CreateSyncRun(ctx, store.SyncRun{Source: src, Mode: "full", StartedAt: at(time.Duration(i) * time.Minute)})
		must(t, "create", err)
		all = append([]int64{r.ID}, all...)
		if src == "hr" {
			hr = append([]int64{r.ID}, hr...)
		}
	}
	cases := []struct {
		name   string
		source string
		limit  int
		want   []int64
	}{
		{"all, newest first", "", 0, all},
		{"one source", "hr", 0, hr},
		{"limit", "hr", 2, hr[:2]},
		{"unknown source", "nope", 0, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runs, err := s.ListSyncRuns(t.Context(), tc.source, tc.limit)
			must(t, "list", err)
			var got []int64
			for _, r := range runs {
				got = append(got, r.ID)
			}
			same(t, "ids", got, tc.want)
		})
	}
}

package webui

import (
	"context"
	"net/http"
	"slices"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/store"
)

type sourceSummary struct {
	Name string
	Last *store.SyncRun
}

type syncPage struct {
	Page
	Sources []sourceSummary
	Runs    []store.SyncRun
}

// runHistory is how many recent runs the sync page lists.
const runHistory = 100

// syncPage shows sources and runs; it reveals rejected records' ids and
// errors from every source, so only admins and auditors see it.
func (s *Server) syncPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !auth.PrincipalFrom(ctx).SeesAll() {
		s.Fail(w, r, http.StatusForbidden, "Not allowed", "The sync overview is for administrators and auditors.")
		return
	}
	data := syncPage{Page: s.page(r, "Sync", "sync")}
	var err error
	if data.Sources, err = s.sourceSummaries(ctx); err != nil {
		s.internal(w, r, "sync: sources", err)
		return
	}
	if data.Runs, err = s.Store.ListSyncRuns(ctx, "", runHistory); err != nil {
		s.internal(w, r, "sync: runs", err)
		return
	}
	s.render(w, r, http.StatusOK, "sync", data)
}

// sourceSummaries lists the configured sources and any others that have
// runs, each with its latest run.
func (s *Server) sourceSummaries(ctx context.Context) ([]sourceSummary, error) {
	names := slices.Clone(s.Sources)
	runs, err := s.Store.ListSyncRuns(ctx, "", 1000)
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		if !slices.Contains(names, r.Source) {
			names = append(names, r.Source)
		}
	}
	out := make([]sourceSummary, 0, len(names))
	for _, n := range names {
		last, err := s.Store.ListSyncRuns(ctx, n, 1)
		if err != nil {
			return nil, err
		}
		sum := sourceSummary{Name: n}
		if len(last) == 1 {
			sum.Last = &last[0]
		}
		out = append(out, sum)
	}
	return out, nil
}

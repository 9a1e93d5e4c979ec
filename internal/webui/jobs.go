package webui

import (
	"net/http"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/store"
)

type jobsPage struct {
	Page
	Failed []store.Job
}

// jobsPage lists failed jobs (out of attempts) with their last error, for
// administrators and auditors; `syncd jobs retry ID` queues one again.
func (s *Server) jobsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !auth.PrincipalFrom(ctx).SeesAll() {
		s.Fail(w, r, http.StatusForbidden, "Not allowed", "The job overview is for administrators and auditors.")
		return
	}
	data := jobsPage{Page: s.page(r, "Failed jobs", "jobs")}
	var err error
	if data.Failed, err = s.Store.ListJobs(ctx, store.JobQuery{State: store.JobFailed, Limit: pageSize}); err != nil {
		s.internal(w, r, "jobs: list failed", err)
		return
	}
	s.render(w, r, http.StatusOK, "jobs", data)
}

package webui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/store"
)

type syncRunPage struct {
	Page
	Run store.SyncRun
}

// syncRun shows one run with its rejected records (admins, auditors).
func (s *Server) syncRun(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !auth.PrincipalFrom(ctx).SeesAll() {
		s.notFound(w, r, "Sync run") // as for an unknown one: runs are for administrators and auditors
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r, "Sync run")
		return
	}
	run, err := s.Store.GetSyncRun(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r, "Sync run")
		return
	}
	if err != nil {
		s.internal(w, r, "sync run", err)
		return
	}
	s.render(w, r, http.StatusOK, "syncrun", syncRunPage{Page: s.page(r, "Sync run", "sync"), Run: run})
}

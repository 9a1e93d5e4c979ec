package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// listAudit: GET /api/v1/audit?from=&to=&action=&after=&limit=, for
// auditors and admins. Events come in chain order; next is the cursor
// (the last sequence number) when there may be more.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	ok, err := s.allowed(r, authz.Read, authz.AuditTrail{}, "audit")
	if err != nil {
		s.fail(w, err)
		return
	}
	if !ok {
		s.fail(w, errForbidden)
		return
	}
	v := r.URL.Query()
	var q store.AuditQuery
	var errs []nhi.FieldError
	if a := v.Get("action"); a != "" {
		if !audit.Known(audit.Canonical(a)) {
			errs = append(errs, nhi.FieldError{Field: "action", Msg: fmt.Sprintf("unknown action %q (one of: %s)", a, strings.Join(audit.Actions(), ", "))})
		}
		q.Actions = audit.Aliases(a)
	}
	for _, f := range []struct {
		name string
		dst  *store.AuditQuery
		to   bool
	}{{"from", &q, false}, {"to", &q, true}} {
		raw := v.Get(f.name)
		if raw == "" {
			continue
		}
		t, err := audit.ParseTime(raw)
		if err != nil {
			errs = append(errs, nhi.FieldError{Field: f.name, Msg: "use a date (2026-01-31) or an RFC 3339 time"})
			continue
		}
		if f.to {
			f.dst.To = t
		} else {
			f.dst.From = t
		}
	}
	if a := v.Get("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			errs = append(errs, nhi.FieldError{Field: "after", Msg: "must be a sequence number"})
		}
		q.AfterSeq = n
	}
	q.Limit, errs = limitParam(v.Get("limit"), errs)
	if errs != nil {
		writeError(w, http.StatusBadRequest, "invalid query", errs)
		return
	}
	evs, err := s.Store.ListAuditEvents(r.Context(), q)
	if err != nil {
		s.fail(w, err)
		return
	}
	out := struct {
		Items []audit.Record `json:"items"`
		Next  string         `json:"next,omitempty"`
	}{Items: make([]audit.Record, len(evs))}
	for i, e := range evs {
		out.Items[i] = audit.ToRecord(e)
	}
	if len(evs) == q.Limit {
		out.Next = strconv.FormatInt(evs[len(evs)-1].Seq, 10)
	}
	writeJSON(w, http.StatusOK, out)
}

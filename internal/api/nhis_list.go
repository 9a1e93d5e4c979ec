package api

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// maxPage bounds one page of a listing.
const maxPage = 500

// listNHIs: GET /api/v1/nhis?kind=&environment=&owner=&project=&source=&status=&q=&after=&limit=
func (s *Server) listNHIs(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := store.NHIQuery{
		Kind: store.NHIKind(v.Get("kind")), Environment: v.Get("environment"), OwnerID: v.Get("owner"),
		ProjectID: v.Get("project"), Source: v.Get("source"), Status: store.NHIStatus(v.Get("status")),
		Text: v.Get("q"), AfterID: v.Get("after"),
	}
	var errs []nhi.FieldError
	if q.Kind != "" && !q.Kind.Valid() {
		errs = append(errs, nhi.FieldError{Field: "kind", Msg: fmt.Sprintf("unknown kind %q", q.Kind)})
	}
	switch q.Status {
	case "", store.NHIActive, store.NHIDisabled, store.NHIRetired:
	default:
		errs = append(errs, nhi.FieldError{Field: "status", Msg: fmt.Sprintf("unknown status %q (use active, disabled or retired)", q.Status)})
	}
	q.Limit, errs = limitParam(v.Get("limit"), errs)
	if errs != nil {
		writeError(w, http.StatusBadRequest, "invalid query", errs)
		return
	}
	ns, err := s.visibleNHIs(r, q)
	if err != nil {
		s.fail(w, err)
		return
	}
	out := struct {
		Items []NHIDoc `json:"items"`
		Next  string   `json:"next,omitempty"`
	}{Items: make([]NHIDoc, len(ns))}
	for i, n := range ns {
		out.Items[i] = NewNHIDoc(n)
	}
	if len(ns) == q.Limit {
		out.Next = ns[len(ns)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
}

func limitParam(s string, errs []nhi.FieldError) (int, []nhi.FieldError) {
	if s == "" {
		return 100, errs
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxPage {
		return 0, append(errs, nhi.FieldError{Field: "limit", Msg: fmt.Sprintf("must be a number from 1 to %d, got %q", maxPage, s)})
	}
	return n, errs
}

// visibleNHIs walks the matches in id order and keeps up to q.Limit the
// caller may read, as the web UI's list does.
func (s *Server) visibleNHIs(r *http.Request, q store.NHIQuery) ([]store.NHI, error) {
	ctx, sub := r.Context(), principalFrom(r.Context()).subject()
	want := q.Limit
	q.Limit = maxPage
	var out []store.NHI
	for len(out) < want {
		ns, err := s.Store.ListNHIs(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, n := range ns {
			o, err := s.nhiObject(ctx, n)
			if err != nil {
				return nil, err
			}
			ok, err := s.policy().Allowed(ctx, sub, authz.Read, o)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, n)
				if len(out) == want {
					return out, nil
				}
			}
		}
		if len(ns) < q.Limit {
			break
		}
		q.AfterID = ns[len(ns)-1].ID
	}
	return out, nil
}

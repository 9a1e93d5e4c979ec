package api

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/syncd-dev/syncd/internal/nhi"
)

// getRequest: GET /api/v1/requests/{id}: the request with its state and
// its grant (with fulfillment), to its requester, beneficiary, approvers,
// admins and auditors (access.MaySee); 404 to anyone else. A credential
// waiting for its requester is announced, never included.
func (s *Server) getRequest(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	req, err := s.Access.GetRequest(r.Context(), p.PersonID, r.PathValue("id"), p.seesAll())
	if err != nil {
		s.failAccess(w, err)
		return
	}
	out := map[string]any{"request": toRequest(req)}
	g, err := s.Access.GrantOf(r.Context(), req)
	if err != nil {
		s.failAccess(w, err)
		return
	}
	if g != nil {
		out["grant"] = toGrant(*g)
	}
	if s.Access.CredentialWaiting(r.Context(), p.PersonID, req) {
		out["credential"] = "/api/v1/requests/" + req.ID + "/credential"
	}
	writeJSON(w, http.StatusOK, out)
}

type reasonBody struct {
	Reason string `json:"reason"`
}

// withdrawRequest: POST /api/v1/requests/{id}/withdraw {"reason"}: the
// requester takes back a pending request.
func (s *Server) withdrawRequest(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if !personOnly(w, p) {
		return
	}
	var b reasonBody
	if r.ContentLength != 0 {
		if fe := decode(w, r, &b); fe != nil {
			writeError(w, http.StatusBadRequest, "invalid input", []nhi.FieldError{*fe})
			return
		}
	}
	req, err := s.Access.Withdraw(r.Context(), p.PersonID, r.PathValue("id"), b.Reason)
	if err != nil {
		s.failAccess(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toRequest(req))
}

// relinquishGrant: POST /api/v1/grants/{id}/relinquish {"reason"}: the
// holder gives up a live grant through the normal take-back.
func (s *Server) relinquishGrant(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if !personOnly(w, p) {
		return
	}
	var b reasonBody
	if r.ContentLength != 0 {
		if fe := decode(w, r, &b); fe != nil {
			writeError(w, http.StatusBadRequest, "invalid input", []nhi.FieldError{*fe})
			return
		}
	}
	g, err := s.Access.Relinquish(r.Context(), p.PersonID, r.PathValue("id"), b.Reason)
	if err != nil {
		s.failAccess(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toGrant(g))
}

// requestCredential: GET /api/v1/requests/{id}/credential: the secret a
// request's fulfillment issued, once, to its requester, after the grant is
// active; 410 after that, 404 to anyone else, 409 before it is active.
func (s *Server) requestCredential(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if p.PersonID == "" {
		writeError(w, http.StatusNotFound, "not found", nil)
		return
	}
	secret, err := s.Access.TakeCredential(r.Context(), p.PersonID, r.PathValue("id"))
	if err != nil {
		s.failAccess(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"request": r.PathValue("id"), "secret": secret})
}

// internalWording matches what must never reach a caller: package
// prefixes and database wording.
var internalWording = regexp.MustCompile(`(?i)gormstore|sqlite|postgres|sql|gorm|pq:|duplicate key|constraint`)

// publicMessage is an access error in words for the caller: the package
// and operation prefixes dropped, and a generic text when the error
// carries anything of the store.
func publicMessage(err error, generic string) string {
	msg := err.Error()
	if internalWording.MatchString(msg) {
		return generic
	}
	for _, prefix := range []string{"access: submit: ", "access: decide: ", "access: end: ", "access: ", "catalog: ", "nhi: ", "api: "} {
		msg = strings.ReplaceAll(msg, prefix, "")
	}
	for _, sentinel := range []string{": forbidden", ": not allowed", ": invalid request", ": request is no longer pending"} {
		msg = strings.TrimSuffix(msg, sentinel)
	}
	return msg
}

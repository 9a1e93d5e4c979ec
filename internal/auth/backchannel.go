package auth

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// backchannelEvent is the events member a logout token must carry (OIDC
// Back-Channel Logout 1.0 §2.4).
const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// backchannelLogout receives a logout token from the provider (OIDC
// Back-Channel Logout 1.0 §2.4–2.6): signed by the provider for this
// client, carrying the logout event, a subject, a session id (sid) or both,
// and no nonce. With a sid, the web sessions signed in under that provider
// session end (only the subject's, when the subject is named too); with a
// subject alone, every web session of the person ends. API tokens are not
// touched (the provider session never covered them).
func (a *Auth) backchannelLogout(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	bad := func(why string) {
		a.events.Record(r, "", audit.ActionTokenDenied, "backchannel-logout", map[string]string{"reason": why})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_request"})
	}
	raw := r.PostFormValue("logout_token")
	if raw == "" {
		bad("no logout_token")
		return
	}
	tok, err := a.verifier.Verify(a.ctx(r.Context()), raw)
	if err != nil {
		bad("logout token not verified")
		return
	}
	var claims struct {
		Events map[string]json.RawMessage `json:"events"`
		Nonce  *string                    `json:"nonce"`
		SID    string                     `json:"sid"`
	}
	if err := tok.Claims(&claims); err != nil || claims.Nonce != nil || claims.Events[backchannelEvent] == nil || (tok.Subject == "" && claims.SID == "") {
		bad("not a logout token with a subject or a session id")
		return
	}
	personID := ""
	if tok.Subject != "" {
		id, err := a.store.GetOIDCIdentity(r.Context(), tok.Issuer, tok.Subject)
		if errors.Is(err, store.ErrNotFound) {
			w.WriteHeader(http.StatusOK) // nobody here to sign out
			return
		}
		if err != nil {
			a.logger.Error("back-channel logout", "err", err)
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		personID = id.PersonID
	}
	var n int
	if claims.SID != "" {
		n, err = a.store.DeleteWebSessionsBySID(r.Context(), claims.SID, personID)
	} else {
		n, err = a.store.DeleteWebSessionsOfPerson(r.Context(), personID)
	}
	if err != nil {
		a.logger.Error("back-channel logout", "err", err)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	target := "person:" + personID
	if personID == "" {
		target = "oidc-session:" + claims.SID
	}
	a.events.Record(r, "idp:"+tok.Issuer, audit.ActionSessionRevoked, target,
		map[string]string{"reason": "back-channel logout from the identity provider", "subject": tok.Subject, "sid": claims.SID, "sessions": strconv.Itoa(n)})
	w.WriteHeader(http.StatusOK)
}

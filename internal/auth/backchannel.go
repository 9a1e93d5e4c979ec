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
// Back-Channel Logout 1.0 §2.5–2.6): signed by the provider for this
// client, carrying the logout event and a subject, and no nonce. The
// person's web sessions end at once; their API tokens are not touched
// (the provider session never covered them).
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
	if err := tok.Claims(&claims); err != nil || claims.Nonce != nil || claims.Events[backchannelEvent] == nil || tok.Subject == "" {
		bad("not a logout token with a subject")
		return
	}
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
	n, err := a.store.DeleteWebSessionsOfPerson(r.Context(), id.PersonID)
	if err != nil {
		a.logger.Error("back-channel logout", "err", err)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	a.events.Record(r, "idp:"+tok.Issuer, audit.ActionSessionRevoked, "person:"+id.PersonID,
		map[string]string{"reason": "back-channel logout from the identity provider", "subject": tok.Subject, "sessions": strconv.Itoa(n)})
	w.WriteHeader(http.StatusOK)
}

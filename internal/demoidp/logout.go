package demoidp

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// postLogoutURI is where the provider sends the browser after an
// end-session request (OIDC RP-Initiated Logout 1.0 §3): the relying
// party's /signed-out page on the redirect URI's origin.
func postLogoutURI(redirect string) string {
	u, err := url.Parse(redirect)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + "/signed-out"
}

// EndedSessions returns the subjects whose sessions relying parties ended
// through the end_session_endpoint, in order.
func (s *Server) EndedSessions() []string {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return slices.Clone(s.st.ended)
}

// SessionIDs returns the session ids (sid claims) issued to subject's
// sign-ins, oldest first.
func (s *Server) SessionIDs(subject string) []string {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return slices.Clone(s.st.sids[subject])
}

// LogoutToken signs a back-channel logout token for subject (OIDC
// Back-Channel Logout 1.0 §2.4): what the provider would POST to a relying
// party's backchannel_logout_uri when the user's session ends there.
func (s *Server) LogoutToken(subject string) (string, error) {
	return s.SessionLogoutToken(subject, "")
}

// SessionLogoutToken signs a logout token naming subject, sid or both
// (an empty value is left out): one sign-in session ended at the provider.
func (s *Server) SessionLogoutToken(subject, sid string) (string, error) {
	now := s.st.now()
	claims := map[string]any{
		"iss": s.Issuer, "aud": s.st.client.ID,
		"iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(), "jti": rand.Text(),
		"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
	}
	if subject != "" {
		claims["sub"] = subject
	}
	if sid != "" {
		claims["sid"] = sid
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("demoidp: logout token: %w", err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: s.st.key.alg, Key: jose.JSONWebKey{Key: s.st.key.key, KeyID: s.st.key.id}},
		(&jose.SignerOptions{}).WithType("logout+jwt"))
	if err != nil {
		return "", fmt.Errorf("demoidp: logout token: %w", err)
	}
	sig, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("demoidp: logout token: %w", err)
	}
	return sig.CompactSerialize()
}

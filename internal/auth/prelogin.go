package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// The sign-in in progress (state, nonce, PKCE verifier, return target)
// lives in a short-lived cookie sealed with AES-GCM, not in the store: an
// anonymous GET /auth/login writes nothing to the database. The key is
// derived from the client secret, which every replica shares. The state
// is single use in effect: the cookie is cleared at the callback, and the
// authorization code it must come with is single use at the provider.

// loginCookieName is the pre-login cookie's name.
func (s *Sessions) loginCookieName() string {
	if s.Secure {
		return "__Host-syncd_login"
	}
	return "syncd_login"
}

func sealKey(clientSecret string) []byte {
	k := sha256.Sum256([]byte("syncd pre-login cookie v1\x00" + clientSecret))
	return k[:]
}

func (a *Auth) aead() (cipher.AEAD, error) {
	block, err := aes.NewCipher(a.loginKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// setLogin seals p into the pre-login cookie.
func (a *Auth) setLogin(w http.ResponseWriter, p *pendingLogin) error {
	raw, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("auth: encode sign-in: %w", err)
	}
	g, err := a.aead()
	if err != nil {
		return fmt.Errorf("auth: seal sign-in: %w", err)
	}
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return fmt.Errorf("auth: seal sign-in: %w", err)
	}
	name := a.sessions.loginCookieName()
	sealed := g.Seal(nonce, nonce, raw, []byte(name))
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: base64.RawURLEncoding.EncodeToString(sealed), Path: "/",
		MaxAge: int(loginTimeout.Seconds()), HttpOnly: true, Secure: a.sessions.Secure, SameSite: http.SameSiteLaxMode,
	})
	return nil
}

var errNoLogin = errors.New("auth: no sign-in in progress")

// takeLogin opens the pre-login cookie and clears it.
func (a *Auth) takeLogin(w http.ResponseWriter, r *http.Request) (*pendingLogin, error) {
	name := a.sessions.loginCookieName()
	c, err := r.Cookie(name)
	if err != nil || c.Value == "" {
		return nil, errNoLogin
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: a.sessions.Secure, SameSite: http.SameSiteLaxMode})
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil, errNoLogin
	}
	g, err := a.aead()
	if err != nil {
		return nil, fmt.Errorf("auth: open sign-in: %w", err)
	}
	if len(sealed) < g.NonceSize() {
		return nil, errNoLogin
	}
	raw, err := g.Open(nil, sealed[:g.NonceSize()], sealed[g.NonceSize():], []byte(name))
	if err != nil {
		return nil, errNoLogin
	}
	var p pendingLogin
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, errNoLogin
	}
	return &p, nil
}

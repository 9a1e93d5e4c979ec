package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// sessionData is what a session carries, stored as JSON in the store.
type sessionData struct {
	PersonID string `json:"personId,omitempty"`
	Name     string `json:"name,omitempty"`
	Issuer   string `json:"iss,omitempty"`
	Subject  string `json:"sub,omitempty"`
	// Groups is the ID token's groups claim at sign-in; roles are derived
	// from it and current data on every request, never stored.
	Groups []string `json:"groups,omitempty"`
	CSRF   string   `json:"csrf"`
	// SID is the provider's session id (the ID token's sid claim), by
	// which a back-channel logout token may name this session.
	SID string `json:"sid,omitempty"`
	// IDToken is the raw ID token of the sign-in, sent back to the
	// provider as id_token_hint at sign-out.
	IDToken string `json:"idt,omitempty"`
}

type pendingLogin struct {
	State    string    `json:"state"`
	Nonce    string    `json:"nonce"`
	Verifier string    `json:"verifier"`
	ReturnTo string    `json:"returnTo"`
	Started  time.Time `json:"started"`
}

// session is a loaded session: its hashed id and data.
type session struct {
	idHash string
	row    store.WebSession
	data   sessionData
}

// Sessions keeps browser sessions in the store. The browser holds a random
// 256-bit id; the store only its SHA-256.
type Sessions struct {
	Store store.Store
	Now   func() time.Time
	// Idle ends a session not used for this long; Absolute ends any
	// session this long after it was created.
	Idle, Absolute time.Duration
	// Secure marks the cookie Secure and uses the __Host- prefix; only
	// loopback development may turn it off.
	Secure bool
	// Persistent gives the cookie a Max-Age; without it the cookie ends
	// with the browser (the server-side timeouts apply either way).
	Persistent bool
}

// CookieName is the session cookie's name: "__Host-syncd_session" when
// Secure (the prefix binds it to this host, path /, Secure), else
// "syncd_session".
func (s *Sessions) CookieName() string {
	if s.Secure {
		return "__Host-syncd_session"
	}
	return "syncd_session"
}

func hashID(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

// errNoSession: the request carries no live session.
var errNoSession = errors.New("auth: no session")

// load returns the request's live session, or errNoSession when there is
// none or it expired (an expired one is deleted).
func (s *Sessions) load(r *http.Request) (*session, error) {
	c, err := r.Cookie(s.CookieName())
	if err != nil || c.Value == "" {
		return nil, errNoSession
	}
	ctx := r.Context()
	idHash := hashID(c.Value)
	row, err := s.Store.GetWebSession(ctx, idHash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("auth: load session: %w", err)
	}
	now := s.Now()
	if !now.Before(row.ExpiresAt) || now.Sub(row.LastSeenAt) >= s.Idle {
		if err := s.Store.DeleteWebSession(ctx, idHash); err != nil {
			return nil, fmt.Errorf("auth: drop expired session: %w", err)
		}
		return nil, errNoSession
	}
	sess := &session{idHash: idHash, row: row}
	if err := json.Unmarshal(row.Data, &sess.data); err != nil {
		return nil, fmt.Errorf("auth: decode session: %w", err)
	}
	// Touch at most once a minute: the idle clock needs no finer grain, and
	// a write per page view would be waste.
	if now.Sub(row.LastSeenAt) >= time.Minute {
		sess.row.LastSeenAt = now
		if err := s.save(ctx, sess); err != nil {
			return nil, err
		}
	}
	return sess, nil
}

// create starts a new session with a fresh id, ending after lifetime at
// the latest, and sets its cookie.
func (s *Sessions) create(ctx context.Context, w http.ResponseWriter, d sessionData, lifetime time.Duration) (*session, error) {
	id := rand.Text() + rand.Text() // 2×26 base32 chars: 260 bits
	if d.CSRF == "" {
		d.CSRF = rand.Text()
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("auth: encode session: %w", err)
	}
	now := s.Now().UTC()
	row, err := s.Store.CreateWebSession(ctx, store.WebSession{
		IDHash: hashID(id), PersonID: d.PersonID, SID: d.SID, Data: raw,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(lifetime),
	})
	if err != nil {
		return nil, fmt.Errorf("auth: create session: %w", err)
	}
	maxAge := 0
	if s.Persistent {
		maxAge = int(lifetime / time.Second)
	}
	http.SetCookie(w, s.cookie(id, maxAge))
	return &session{idHash: row.IDHash, row: row, data: d}, nil
}

func (s *Sessions) save(ctx context.Context, sess *session) error {
	raw, err := json.Marshal(sess.data)
	if err != nil {
		return fmt.Errorf("auth: encode session: %w", err)
	}
	sess.row.Data, sess.row.PersonID, sess.row.SID = raw, sess.data.PersonID, sess.data.SID
	row, err := s.Store.UpdateWebSession(ctx, sess.row)
	if err != nil {
		return fmt.Errorf("auth: save session: %w", err)
	}
	sess.row = row
	return nil
}

// destroy deletes the session server-side and expires the cookie.
func (s *Sessions) destroy(ctx context.Context, w http.ResponseWriter, sess *session) error {
	http.SetCookie(w, s.cookie("", -1))
	if sess == nil {
		return nil
	}
	if err := s.Store.DeleteWebSession(ctx, sess.idHash); err != nil {
		return fmt.Errorf("auth: destroy session: %w", err)
	}
	return nil
}

func (s *Sessions) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: s.CookieName(), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode,
	}
}

// Sweep deletes sessions past their absolute or idle timeout.
func (s *Sessions) Sweep(ctx context.Context) (int, error) {
	now := s.Now()
	n, err := s.Store.DeleteWebSessionsBefore(ctx, now, now.Add(-s.Idle))
	if err != nil {
		return 0, fmt.Errorf("auth: sweep sessions: %w", err)
	}
	return n, nil
}

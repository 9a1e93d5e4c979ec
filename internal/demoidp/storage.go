package demoidp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// storage is op.Storage in memory: auth requests, codes and access tokens
// live as long as the process. Only the authorization code flow is served.
type storage struct {
	mu       sync.Mutex
	users    map[string]User // by ID
	byName   map[string]string
	client   Client
	now      func() time.Time
	key      signingKey
	requests map[string]*authRequest
	codes    map[string]string // code → request id
	tokens   map[string]accessToken
	ended    []string // subjects whose session an end-session request ended
	// sids are the session ids (the ID token's sid claim, OIDC Front- and
	// Back-Channel Logout) issued per subject, one per sign-in.
	sids map[string][]string
}

var _ op.Storage = (*storage)(nil)

type accessToken struct {
	subject, clientID string
	scopes            []string
	expires           time.Time
}

func newStorage(users []User, c Client, now func() time.Time, key signingKey) *storage {
	s := &storage{
		users: map[string]User{}, byName: map[string]string{}, client: c, now: now, key: key,
		requests: map[string]*authRequest{}, codes: map[string]string{}, tokens: map[string]accessToken{},
	}
	for _, u := range users {
		s.users[u.ID] = u
		s.byName[u.Username] = u.ID
	}
	return s
}

var errNotFound = errors.New("demoidp: not found")

// checkPassword completes request id for the user, comparing the password
// in constant time.
func (s *storage) checkPassword(id, username, password string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	req, ok := s.requests[id]
	if !ok {
		return errors.New("the sign-in request expired; start again from syncd")
	}
	uid, ok := s.byName[username]
	if !ok || subtle.ConstantTimeCompare([]byte(s.users[uid].Password), []byte(password)) != 1 {
		return errors.New("wrong username or password")
	}
	req.userID, req.done, req.authTime = uid, true, s.now()
	return nil
}

func (s *storage) CreateAuthRequest(_ context.Context, ar *oidc.AuthRequest, userID string) (op.AuthRequest, error) {
	if slices.Contains(ar.Prompt, oidc.PromptNone) {
		return nil, oidc.ErrLoginRequired()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &authRequest{id: rand.Text(), created: s.now(), req: *ar, userID: userID}
	s.requests[r.id] = r
	return r, nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[id]
	if !ok {
		return nil, errNotFound
	}
	return r, nil
}

func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	id, ok := s.codes[code]
	s.mu.Unlock()
	if !ok {
		return nil, errNotFound
	}
	return s.AuthRequestByID(ctx, id)
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

// DeleteAuthRequest runs after the code was exchanged: the code is single
// use.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for code, rid := range s.codes {
		if rid == id {
			delete(s.codes, code)
		}
	}
	return nil
}

func (s *storage) CreateAccessToken(_ context.Context, tr op.TokenRequest) (string, time.Time, error) {
	clientID := ""
	if ar, ok := tr.(*authRequest); ok {
		clientID = ar.req.ClientID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := rand.Text()
	exp := s.now().Add(5 * time.Minute)
	s.tokens[id] = accessToken{subject: tr.GetSubject(), clientID: clientID, scopes: tr.GetScopes(), expires: exp}
	return id, exp, nil
}

func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errors.New("demoidp: refresh tokens are not issued")
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

// TerminateSession records that the relying party ended userID's session
// (RP-initiated logout): the provider holds no sessions of its own, so the
// record is what tests check.
func (s *storage) TerminateSession(_ context.Context, userID, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = append(s.ended, userID)
	return nil
}

func (s *storage) RevokeToken(_ context.Context, token, _, _ string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, token)
	return nil
}

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return &s.key, nil }

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{s.key.alg}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) { return []op.Key{publicKey{s.key}}, nil }

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	if id != s.client.ID {
		return nil, errNotFound
	}
	return client{s.client}, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	if id != s.client.ID || subtle.ConstantTimeCompare([]byte(secret), []byte(s.client.Secret)) != 1 {
		return errors.New("demoidp: invalid client credentials")
	}
	return nil
}

// SetUserinfoFromScopes is superseded by SetUserinfoFromRequest.
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token's claims, with the sign-in's
// session id (sid) when the request is a sign-in of this provider.
func (s *storage) SetUserinfoFromRequest(_ context.Context, ui *oidc.UserInfo, r op.IDTokenRequest, scopes []string) error {
	if err := s.userinfo(ui, r.GetSubject(), scopes); err != nil {
		return err
	}
	if a, ok := r.(*authRequest); ok {
		sid := "sid-" + a.id
		s.mu.Lock()
		if s.sids == nil {
			s.sids = map[string][]string{}
		}
		if !slices.Contains(s.sids[a.userID], sid) {
			s.sids[a.userID] = append(s.sids[a.userID], sid)
		}
		s.mu.Unlock()
		ui.AppendClaims("sid", sid)
	}
	return nil
}

func (s *storage) SetUserinfoFromToken(_ context.Context, ui *oidc.UserInfo, tokenID, _, _ string) error {
	s.mu.Lock()
	t, ok := s.tokens[tokenID]
	s.mu.Unlock()
	if !ok || s.now().After(t.expires) {
		return errors.New("demoidp: token invalid or expired")
	}
	return s.userinfo(ui, t.subject, t.scopes)
}

func (s *storage) SetIntrospectionFromToken(_ context.Context, ir *oidc.IntrospectionResponse, tokenID, _, clientID string) error {
	s.mu.Lock()
	t, ok := s.tokens[tokenID]
	s.mu.Unlock()
	if !ok || s.now().After(t.expires) || t.clientID != clientID {
		return errors.New("demoidp: token invalid")
	}
	ir.Subject, ir.ClientID, ir.Expiration = t.subject, t.clientID, oidc.FromTime(t.expires)
	return nil
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("demoidp: JWT profile is not supported")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("demoidp: JWT profile is not supported")
}

func (s *storage) Health(context.Context) error { return nil }

// userinfo sets the standard claims per scope (OIDC Core §5.4) plus
// "groups" and "employee_number" with the profile scope.
func (s *storage) userinfo(ui *oidc.UserInfo, subject string, scopes []string) error {
	s.mu.Lock()
	u, ok := s.users[subject]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("demoidp: unknown user %q", subject)
	}
	for _, sc := range scopes {
		switch sc {
		case oidc.ScopeOpenID:
			ui.Subject = u.ID
		case oidc.ScopeEmail:
			ui.Email, ui.EmailVerified = u.Email, oidc.Bool(!u.EmailUnverified)
		case oidc.ScopeProfile:
			ui.Name, ui.PreferredUsername = u.Name, u.Username
			ui.AppendClaims("groups", u.Groups)
			ui.AppendClaims("employee_number", u.EmployeeNumber)
		}
	}
	return nil
}

type signingKey struct {
	id  string
	alg jose.SignatureAlgorithm
	key *rsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

type publicKey struct{ k signingKey }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return p.k.alg }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return &p.k.key.PublicKey }

package token

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// ErrInvalid is returned for a missing, malformed, unknown or revoked token;
// callers answer 401 without saying which.
var ErrInvalid = errors.New("token: invalid or revoked")

// prefix marks syncd secrets so secret scanners can find leaked ones.
const prefix = "syncd_"

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Lifetime bounds token expiries: Default applies when none is asked for,
// Max caps what may be asked for.
type Lifetime struct{ Default, Max time.Duration }

// DefaultLifetime is the lifetime policy when the configuration sets none.
var DefaultLifetime = Lifetime{Default: 90 * 24 * time.Hour, Max: 365 * 24 * time.Hour}

// Spec describes a token to issue.
type Spec struct {
	Name   string
	Scopes []store.Scope
	// Source: for SCIM tokens, the source pushes are recorded under
	// (default: Name).
	Source string
	// OwnerID is the person the token acts for; "" for a system token.
	OwnerID string
	// Expires is how long the token lives; 0 takes Lifetime.Default.
	Expires time.Duration
}

// ErrExpiry: an expiry that is not positive or above the maximum.
var ErrExpiry = errors.New("token: expiry out of range")

// Issue creates a token with one scope, the default lifetime and no owner,
// and returns its secret, which is never stored.
func Issue(ctx context.Context, st store.TxRunner, now time.Time, actor, name string, scope store.Scope, source string) (string, store.Token, error) {
	return IssueSpec(ctx, st, now, actor, Spec{Name: name, Scopes: []store.Scope{scope}, Source: source}, DefaultLifetime)
}

// IssueSpec creates the token spec describes and returns its secret, which
// is never stored. A SCIM token without an explicit source pushes under a
// source named after it.
func IssueSpec(ctx context.Context, st store.TxRunner, now time.Time, actor string, spec Spec, life Lifetime) (string, store.Token, error) {
	name, source := spec.Name, spec.Source
	if !validName.MatchString(name) {
		return "", store.Token{}, fmt.Errorf("token: name %q: use 1-64 letters, digits, '.', '_' or '-'", name)
	}
	if !store.ValidScopes(spec.Scopes) {
		var names []string
		for _, s := range store.Scopes {
			names = append(names, string(s))
		}
		return "", store.Token{}, fmt.Errorf("token: scopes %q: use one or more of %s (scim alone)", spec.Scopes, strings.Join(names, ", "))
	}
	scim := slices.Contains(spec.Scopes, store.ScopeSCIM)
	if source != "" && !validName.MatchString(source) {
		return "", store.Token{}, fmt.Errorf("token: source %q: use 1-64 letters, digits, '.', '_' or '-'", source)
	}
	if scim && source == "" {
		source = name
	}
	if !scim && source != "" {
		return "", store.Token{}, fmt.Errorf("token: --source applies to scim tokens only")
	}
	life = life.orDefault()
	ttl := spec.Expires
	if ttl == 0 {
		ttl = life.Default
	}
	if ttl <= 0 || ttl > life.Max {
		return "", store.Token{}, fmt.Errorf("%w: %s; must be positive and at most %s", ErrExpiry, ttl, life.Max)
	}
	expires := now.UTC().Add(ttl)
	idBytes := make([]byte, 8)
	secretBytes := make([]byte, 32)
	if _, err := rand.Read(idBytes); err != nil {
		return "", store.Token{}, fmt.Errorf("token: random: %w", err)
	}
	if _, err := rand.Read(secretBytes); err != nil {
		return "", store.Token{}, fmt.Errorf("token: random: %w", err)
	}
	id := hex.EncodeToString(idBytes)
	secret := prefix + id + "_" + base64.RawURLEncoding.EncodeToString(secretBytes)
	t := store.Token{ID: id, Name: name, Scopes: slices.Clone(spec.Scopes), Source: source, OwnerID: spec.OwnerID,
		Hash: hash(secret), CreatedAt: now.UTC(), ExpiresAt: &expires}
	err := st.InTx(ctx, func(tx store.Tx) error {
		var err error
		if t.OwnerID != "" {
			owner, err := tx.GetPerson(ctx, t.OwnerID)
			if err != nil {
				return fmt.Errorf("owner: %w", err)
			}
			if owner.Status != store.StatusActive {
				return fmt.Errorf("owner %s is %s", owner.UserName, owner.Status)
			}
		}
		if t, err = tx.CreateToken(ctx, t); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{
			Actor: actor, Action: audit.ActionTokenCreated, Target: "token:" + id,
			Details: map[string]string{"name": name, "scopes": scopeList(t.Scopes), "source": source,
				"owner": t.OwnerID, "expires": expires.Format(time.RFC3339)},
		})
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return "", store.Token{}, fmt.Errorf("token: a token named %q exists already: %w", name, err)
	}
	if err != nil {
		return "", store.Token{}, fmt.Errorf("token: create %q: %w", name, err)
	}
	return secret, t, nil
}

func (l Lifetime) orDefault() Lifetime {
	if l.Max <= 0 {
		l.Max = DefaultLifetime.Max
	}
	if l.Default <= 0 {
		l.Default = min(DefaultLifetime.Default, l.Max)
	}
	return l
}

func scopeList(ss []store.Scope) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, ",")
}

// ErrExpired: the token's expiry has passed. It wraps ErrInvalid, so
// callers answering 401 need not tell them apart; the audit trail does.
var ErrExpired = fmt.Errorf("%w: expired", ErrInvalid)

// ErrScope: the token is live but holds no scope for this use. It wraps
// ErrInvalid.
var ErrScope = fmt.Errorf("%w: scope does not allow this use", ErrInvalid)

// Authenticate returns the live token whose secret is given. For
// store.ScopeSCIM it must be a SCIM token; for any other scope it must be
// an API token holding that scope (store.ScopeAPI: any API token). The
// stored hash is compared in constant time.
func Authenticate(ctx context.Context, st store.TokenReader, secret string, scope store.Scope) (store.Token, error) {
	return AuthenticateAt(ctx, st, secret, scope, time.Now())
}

// AuthenticateAt is Authenticate with the clock given.
func AuthenticateAt(ctx context.Context, st store.TokenReader, secret string, scope store.Scope, now time.Time) (store.Token, error) {
	id, ok := parse(secret)
	if !ok {
		return store.Token{}, ErrInvalid
	}
	t, err := lookup(ctx, st, id, secret)
	if err != nil {
		return store.Token{}, err
	}
	return check(t, scope, now)
}

// lookup reads token id and returns it when secret is its secret and it is
// not revoked.
func lookup(ctx context.Context, st store.TokenReader, id, secret string) (store.Token, error) {
	t, err := st.GetToken(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Token{}, ErrInvalid
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("token: look up: %w", err)
	}
	if subtle.ConstantTimeCompare(t.Hash, hash(secret)) != 1 || t.RevokedAt != nil {
		return store.Token{}, ErrInvalid
	}
	return t, nil
}

// check is what Authenticate decides about a token whose secret matched
// and which is not revoked: expiry and scope.
func check(t store.Token, scope store.Scope, now time.Time) (store.Token, error) {
	if t.ExpiresAt != nil && !now.Before(*t.ExpiresAt) {
		return t, ErrExpired
	}
	isSCIM := slices.Contains(t.Scopes, store.ScopeSCIM)
	switch {
	case scope == store.ScopeSCIM && !isSCIM, scope != store.ScopeSCIM && isSCIM:
		return t, ErrScope
	case scope != store.ScopeSCIM && scope != store.ScopeAPI && !t.Has(scope):
		return t, ErrScope
	}
	return t, nil
}

// Revoke marks a token, given by id or name, unusable from now on.
func Revoke(ctx context.Context, st store.TxRunner, now time.Time, actor, idOrName string) (store.Token, error) {
	var t store.Token
	err := st.InTx(ctx, func(tx store.Tx) error {
		var err error
		if t, err = tx.RevokeToken(ctx, idOrName, now.UTC()); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{
			Actor: actor, Action: audit.ActionTokenRevoked, Target: "token:" + t.ID,
			Details: map[string]string{"name": t.Name},
		})
		return err
	})
	if err != nil {
		return store.Token{}, fmt.Errorf("token: revoke %q: %w", idOrName, err)
	}
	return t, nil
}

func parse(secret string) (id string, ok bool) {
	rest, found := strings.CutPrefix(secret, prefix)
	if !found {
		return "", false
	}
	id, body, found := strings.Cut(rest, "_")
	if !found || len(id) != 16 || len(body) != 43 {
		return "", false
	}
	if _, err := hex.DecodeString(id); err != nil {
		return "", false
	}
	return id, true
}

func hash(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

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

// Issue creates a token and returns its secret, which is never stored. A SCIM
// token without an explicit source pushes under a source named after it.
func Issue(ctx context.Context, st store.Store, now time.Time, actor, name string, scope store.Scope, source string) (string, store.Token, error) {
	if !validName.MatchString(name) {
		return "", store.Token{}, fmt.Errorf("token: name %q: use 1-64 letters, digits, '.', '_' or '-'", name)
	}
	if !scope.Valid() {
		return "", store.Token{}, fmt.Errorf("token: scope %q: must be scim or api", scope)
	}
	if source != "" && !validName.MatchString(source) {
		return "", store.Token{}, fmt.Errorf("token: source %q: use 1-64 letters, digits, '.', '_' or '-'", source)
	}
	if scope == store.ScopeSCIM && source == "" {
		source = name
	}
	if scope != store.ScopeSCIM && source != "" {
		return "", store.Token{}, fmt.Errorf("token: --source applies to scim tokens only")
	}
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
	t := store.Token{ID: id, Name: name, Scope: scope, Source: source, Hash: hash(secret), CreatedAt: now.UTC()}
	err := st.InTx(ctx, func(tx store.Tx) error {
		var err error
		if t, err = tx.CreateToken(ctx, t); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{
			Actor: actor, Action: "token.created", Target: "token:" + id,
			Details: map[string]string{"name": name, "scope": string(scope), "source": source},
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

// Authenticate returns the live token whose secret is given, if its scope
// matches. The stored hash is compared in constant time.
func Authenticate(ctx context.Context, st store.Tx, secret string, scope store.Scope) (store.Token, error) {
	id, ok := parse(secret)
	if !ok {
		return store.Token{}, ErrInvalid
	}
	t, err := st.GetToken(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Token{}, ErrInvalid
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("token: look up: %w", err)
	}
	if subtle.ConstantTimeCompare(t.Hash, hash(secret)) != 1 || t.RevokedAt != nil || t.Scope != scope {
		return store.Token{}, ErrInvalid
	}
	return t, nil
}

// Revoke marks a token, given by id or name, unusable from now on.
func Revoke(ctx context.Context, st store.Store, now time.Time, actor, idOrName string) (store.Token, error) {
	var t store.Token
	err := st.InTx(ctx, func(tx store.Tx) error {
		var err error
		if t, err = tx.RevokeToken(ctx, idOrName, now.UTC()); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{
			Actor: actor, Action: "token.revoked", Target: "token:" + t.ID,
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

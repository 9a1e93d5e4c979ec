package token

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// DefaultCacheTTL is how long a Cache trusts a verification: a token
// revoked (or deleted) in the database keeps working for at most this long
// on a process that verified it just before.
const DefaultCacheTTL = 5 * time.Second

// maxCached bounds a Cache. Only secrets that verified are remembered, so
// it holds at most one entry per live token in use; past the bound,
// entries older than the TTL are dropped, and if none are, all are.
const maxCached = 4096

// Cache remembers which secrets verified, so that a client sending
// thousands of requests a second costs one database read per TTL instead
// of one per request. Expiry and scope are checked on every use against
// the remembered token; revocation takes effect within the TTL (the token
// row is read again once an entry is older). The key is the SHA-256 of
// the whole secret, so a remembered entry answers only for that exact
// secret. The zero value is not usable; use NewCache.
type Cache struct {
	ttl time.Duration

	mu      sync.Mutex
	entries map[[sha256.Size]byte]cachedToken
}

type cachedToken struct {
	tok store.Token
	at  time.Time
}

// NewCache returns a cache trusting a verification for ttl
// (DefaultCacheTTL when ttl <= 0).
func NewCache(ttl time.Duration) *Cache {
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	return &Cache{ttl: ttl, entries: map[[sha256.Size]byte]cachedToken{}}
}

// TTL is how long a verification is trusted: the bound on how long a
// revoked token keeps working.
func (c *Cache) TTL() time.Duration { return c.ttl }

// AuthenticateAt is the package's AuthenticateAt, answered from the cache
// when the secret verified less than the TTL ago.
func (c *Cache) AuthenticateAt(ctx context.Context, st store.TokenReader, secret string, scope store.Scope, now time.Time) (store.Token, error) {
	key := sha256.Sum256([]byte(secret))
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && !now.Before(e.at) && now.Sub(e.at) < c.ttl {
		return check(e.tok, scope, now)
	}
	id, ok := parse(secret)
	if !ok {
		return store.Token{}, ErrInvalid
	}
	t, err := lookup(ctx, st, id, secret)
	if err != nil {
		c.forget(key)
		return store.Token{}, err
	}
	c.remember(key, t, now)
	return check(t, scope, now)
}

func (c *Cache) remember(key [sha256.Size]byte, t store.Token, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCached {
		for k, e := range c.entries {
			if now.Sub(e.at) >= c.ttl || now.Before(e.at) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxCached {
			clear(c.entries)
		}
	}
	c.entries[key] = cachedToken{tok: t, at: now}
}

func (c *Cache) forget(key [sha256.Size]byte) {
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}

package auth

import (
	"context"
	"sync"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// statusTTL is how long a person's status is trusted without a new read.
// Leavers are revoked in the identity write path at once; this check
// catches any other way a status changes, within seconds.
const statusTTL = 3 * time.Second

// statusCache remembers persons' statuses for statusTTL.
type statusCache struct {
	mu      sync.Mutex
	entries map[string]statusEntry
}

type statusEntry struct {
	status store.Status
	at     time.Time
}

// active reports whether personID is active now (as of at most statusTTL
// ago).
func (a *Auth) active(ctx context.Context, personID string) (bool, error) {
	now := a.now()
	c := &a.status
	c.mu.Lock()
	e, ok := c.entries[personID]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < statusTTL {
		return e.status == store.StatusActive, nil
	}
	p, err := a.store.GetPerson(ctx, personID)
	if err != nil {
		return false, err
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) > 100000 {
		c.entries = map[string]statusEntry{}
	}
	c.entries[personID] = statusEntry{status: p.Status, at: now}
	c.mu.Unlock()
	return p.Status == store.StatusActive, nil
}

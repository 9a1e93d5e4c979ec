package gormstore

import (
	"sync/atomic"
	"time"
)

// holdStats measures how long transactions hold the audit chain's head
// (locked FOR UPDATE on PostgreSQL; on SQLite the writer holds everything):
// from the moment the head is locked to the end of the transaction, which
// releases it. Every audited write of every replica waits for this, so it
// is the part of a write that cannot overlap with another.
type holdStats struct {
	n, total, max atomic.Int64
}

// auditHold is one transaction's: when it locked the head (zero: never),
// and whether it queued audit events for the sealer to chain after its
// commit.
type auditHold struct {
	at     time.Time
	queued bool
}

func (h *auditHold) queue() {
	if h != nil {
		h.queued = true
	}
}

func (h *auditHold) locked() {
	if h != nil && h.at.IsZero() {
		h.at = time.Now()
	}
}

func (s *holdStats) observe(h *auditHold) {
	if s == nil || h == nil || h.at.IsZero() {
		return
	}
	d := time.Since(h.at).Nanoseconds()
	s.n.Add(1)
	s.total.Add(d)
	for {
		m := s.max.Load()
		if d <= m || s.max.CompareAndSwap(m, d) {
			return
		}
	}
}

// AuditLockHold reports, over the transactions that appended to the audit
// chain since the store was opened, how many there were and how long they
// held its head on average and at most.
func (s *Store) AuditLockHold() (transactions int64, mean, longest time.Duration) {
	n := s.holds.n.Load()
	if n == 0 {
		return 0, 0, 0
	}
	return n, time.Duration(s.holds.total.Load() / n), time.Duration(s.holds.max.Load())
}

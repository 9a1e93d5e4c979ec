package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// AuditQueuer records audit events whose place in the chain may be
// decided when their transaction commits (docs/adr/0020).
type AuditQueuer interface {
	// QueueAuditEvents records evs (Time, Actor, Action, Target and
	// Details; Seq, PrevHash and Hash are ignored) as the next events of
	// the chain, in order, with the transaction. Where the store's write
	// transactions are serialised anyway (SQLite) they are chained in the
	// transaction (returned chained when that happened at once; a grouped
	// transaction chains its functions' events at its end, ADR 0016).
	// On PostgreSQL they are kept unchained
	// (audit_pending), so concurrent writers do not wait for each other's
	// commits on the chain head: chained in the transaction when the head
	// is free, else by the store after the transaction commits, before
	// InTx returns (at the latest, if that fails, with the next write of
	// any process); they are returned with Seq 0. A transaction that rolls back leaves no trace either way.
	// Times must be whole microseconds.
	QueueAuditEvents(ctx context.Context, evs []AuditEvent) ([]AuditEvent, error)
}

// HashAuditEvent is the hex SHA-256 over the event's fields and the
// previous hash, each length-prefixed so no two different events
// serialise alike. It is the chain's hash (audit.Hash), here so the store
// can chain queued events.
func HashAuditEvent(ev AuditEvent) string {
	h := sha256.New()
	for _, f := range []string{
		strconv.FormatInt(ev.Seq, 10),
		ev.Time.UTC().Format(time.RFC3339Nano),
		ev.Actor,
		ev.Action,
		ev.Target,
		string(ev.Details),
		ev.PrevHash,
	} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

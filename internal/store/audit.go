package store

import "time"

// AuditEvent is one entry of the append-only, hash-chained audit log. Seq
// starts at 1; PrevHash of the first event is the empty string. Hash is
// computed by package audit; the store only persists it and guarantees that
// no two events share a PrevHash (the chain cannot fork).
type AuditEvent struct {
	Seq      int64
	Time     time.Time
	Actor    string
	Action   string
	Target   string
	Details  []byte // canonical JSON
	PrevHash string
	Hash     string
}

// AuditHead is the last event of the chain: what the next event links to.
type AuditHead struct {
	Seq  int64
	Hash string
}

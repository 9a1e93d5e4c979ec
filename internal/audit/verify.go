package audit

import (
	"context"
	"fmt"

	"github.com/syncd-dev/syncd/internal/store"
)

// Break describes the first event where the chain does not hold.
type Break struct {
	Seq    int64
	Reason string
}

func (b *Break) Error() string {
	return fmt.Sprintf("audit chain broken at event %d: %s", b.Seq, b.Reason)
}

// Report is the outcome of a verification that found no break.
type Report struct {
	Events   int64
	LastSeq  int64
	LastHash string
}

// Lister is the part of a store Verify reads.
type Lister interface {
	ListAudit(ctx context.Context, afterSeq int64, limit int) ([]store.AuditEvent, error)
	GetAuditHead(ctx context.Context) (store.AuditHead, error)
}

// Verify walks the whole chain in order and returns a *Break naming the first
// event that was edited, deleted, inserted or reordered, or a Report.
func Verify(ctx context.Context, s Lister) (Report, error) {
	const page = 1000
	var (
		rep      Report
		prevHash string
		wantSeq  int64 = 1
	)
	for {
		evs, err := s.ListAudit(ctx, rep.LastSeq, page)
		if err != nil {
			return rep, fmt.Errorf("audit: verify: %w", err)
		}
		for _, ev := range evs {
			switch {
			case ev.Seq != wantSeq:
				return rep, &Break{Seq: ev.Seq, Reason: fmt.Sprintf("expected event %d next (an event was deleted or renumbered)", wantSeq)}
			case ev.PrevHash != prevHash:
				return rep, &Break{Seq: ev.Seq, Reason: "previous-hash link does not match the event before it (events deleted or reordered)"}
			case Hash(ev) != ev.Hash:
				return rep, &Break{Seq: ev.Seq, Reason: "content does not match its hash (event edited)"}
			}
			prevHash = ev.Hash
			wantSeq++
			rep.Events++
			rep.LastSeq = ev.Seq
			rep.LastHash = ev.Hash
		}
		if len(evs) < page {
			return rep, checkHead(ctx, s, rep)
		}
	}
}

// checkHead compares the end of the walk with the recorded head, which
// catches events deleted from the end of the log, where no later event's
// link would notice.
func checkHead(ctx context.Context, s Lister, rep Report) error {
	head, err := s.GetAuditHead(ctx)
	if err != nil {
		return fmt.Errorf("audit: verify: %w", err)
	}
	switch {
	case head.Seq > rep.LastSeq:
		return &Break{Seq: rep.LastSeq + 1, Reason: fmt.Sprintf("the log ends at event %d but the chain head records %d (events deleted from the end)", rep.LastSeq, head.Seq)}
	case head.Seq != rep.LastSeq || head.Hash != rep.LastHash:
		return &Break{Seq: rep.LastSeq, Reason: "the last event does not match the recorded chain head"}
	}
	return nil
}

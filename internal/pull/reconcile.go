package pull

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/source"
)

// DefaultMaxDeletionShare is the share of a source's people a full run
// may terminate without --confirm-deletions.
const DefaultMaxDeletionShare = 0.10

// maxUnconfirmedShare is how many of the records a read missed may turn
// out to exist still before the whole read is distrusted: more than this
// share of candidates found present means the enumeration was not what
// the source holds, and nothing is removed.
const maxUnconfirmedShare = 0.10

// maxDeletionShare is the threshold for this pass's source.
func (p *pass) maxDeletionShare() float64 {
	if v, ok := p.r.MaxDeletionShare[p.src]; ok && v > 0 {
		return v
	}
	return DefaultMaxDeletionShare
}

// skip records that a part of the run was not done, and why.
func (p *pass) skip(reason string) {
	p.partial = append(p.partial, reason)
	p.r.logger().Warn("pull: deletion detection skipped", "source", p.src, "reason", reason)
}

// confirmAbsent returns the refs the source confirms are gone, one lookup
// each. ok is false, with the reason recorded, when deletion detection
// must be skipped: the source cannot confirm, a lookup failed, or too
// many of the refs still exist (the enumeration was not a snapshot).
func (p *pass) confirmAbsent(ctx context.Context, src source.Source, what string, refs []source.Ref) (absent []source.Ref, ok bool) {
	if len(refs) == 0 {
		return nil, true
	}
	c, can := src.(source.Confirmer)
	if !can {
		p.skip(fmt.Sprintf("%d %s not returned by the read were kept: this source cannot confirm an absence", len(refs), what))
		return nil, false
	}
	exists, err := c.Exists(ctx, refs)
	if err != nil {
		if ctx.Err() != nil {
			return nil, false
		}
		p.skip(fmt.Sprintf("%d %s not returned by the read were kept: confirming their absence failed: %v", len(refs), what, err))
		return nil, false
	}
	present := 0
	for i, r := range refs {
		if i < len(exists) && exists[i] {
			present++
			continue
		}
		absent = append(absent, r)
	}
	if present > 0 {
		if float64(present) > maxUnconfirmedShare*float64(len(refs)) {
			p.skip(fmt.Sprintf("%d of %d %s not returned by the read still exist in the source; the read was not complete, so none were removed",
				present, len(refs), what))
			return nil, false
		}
		p.partial = append(p.partial, fmt.Sprintf("%d %s not returned by the read still exist in the source and were kept", present, what))
	}
	return absent, true
}

// unlinkVanished unlinks the records of the source that a complete read
// did not return and that the source confirms are gone, one by one;
// identity terminates persons no source asserts any more. Too many at
// once, and the run holds them until an operator confirms.
func (p *pass) unlinkVanished(ctx context.Context, src source.Source) error {
	if p.counts.Read == 0 && len(p.known) > 0 {
		return fmt.Errorf("pull: %s: the source returned no people but %d are linked; refusing to unlink them all (%s)",
			p.src, len(p.known), p.r.emptyHint(src))
	}
	var refs []source.Ref
	for _, id := range slices.Sorted(maps.Keys(p.known)) {
		if !p.seen[id] {
			refs = append(refs, source.Ref{Kind: source.KindPerson, ExternalID: id, DN: p.known[id].dn})
		}
	}
	if len(refs) == 0 {
		return nil
	}
	share := p.maxDeletionShare()
	if !p.confirmDeletions && float64(len(refs)) > share*float64(len(p.known)) {
		p.held = len(refs)
		reason := fmt.Sprintf("%d of %d people were not returned by the read, more than the %.0f%% a run may terminate; nobody was terminated (run `syncd sync --source %s --full --confirm-deletions` once the source is known to be right)",
			len(refs), len(p.known), share*100, p.src)
		p.partial = append(p.partial, reason)
		p.r.logger().Error("pull: mass termination held", "source", p.src, "missing", len(refs), "linked", len(p.known), "max_share", share)
		return nil
	}
	absent, ok := p.confirmAbsent(ctx, src, "people", refs)
	if !ok {
		return ctx.Err()
	}
	for _, r := range absent {
		p.batch = append(p.batch, identity.Change{Op: identity.OpUnlink, Record: identity.Record{ExternalID: r.ExternalID}})
		if len(p.batch) >= p.batchSize() {
			if err := p.flush(ctx); err != nil {
				return err
			}
		}
	}
	return p.flush(ctx)
}

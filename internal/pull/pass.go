package pull

import (
	"context"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/source"
	"github.com/syncd-dev/syncd/internal/store"
)

// pass is the state of one run: what the store held before, what the
// source has said so far, and the counters.
type pass struct {
	r    *Runner
	src  string
	mode string
	// lazy (incremental runs) looks links up as records need them instead
	// of loading every key of the source first: an incremental run reads
	// few records, and loading 100,000 keys cost more than the run.
	lazy     bool
	started  time.Time
	progress func(Progress)

	known map[string]known // this source's links before the run
	// loading delivers known while a full run reads the source; early
	// holds the records read before it arrived.
	loading    <-chan keys
	early      []identity.Record
	seen       map[string]bool // external ids the source asserted this run
	dnToPerson map[string]string
	idToPerson map[string]string
	// dnToNHI maps the DNs of this source's service accounts to their
	// NHIs, for group memberships.
	dnToNHI map[string]string

	batch    []identity.Change
	groups   []source.Group
	services []source.ServiceAccount

	counts     store.RunCounts
	rejections []store.Rejection
	// partial lists why the run did less than it was asked to (deletion
	// detection skipped, an inconsistent read); empty for a clean run.
	partial []string
	// duplicates counts records the source returned more than once.
	duplicates int
	// confirmDeletions lifts the mass-termination threshold (an operator
	// confirmed); held is how many terminations the threshold held back.
	confirmDeletions bool
	held             int
	// refreshedAt is counts.Created when the store's statistics were
	// last refreshed (see refreshStatistics).
	refreshedAt int
}

type known struct {
	personID string
	dn       string
	digest   string // store.RawDigest of its document
}

// keys is what loadKeys read: every link of the source by external id,
// and the person of each external id and DN.
type keys struct {
	known    map[string]known
	ids, dns map[string]string
	took     time.Duration
	err      error
}

// loadKeys reads the keys of every link of the source, a page at a time.
// It only reads the store, so it runs while the source is being read.
func (p *pass) loadKeys(ctx context.Context) keys {
	t := time.Now()
	k := keys{known: map[string]known{}, ids: map[string]string{}, dns: map[string]string{}}
	after := ""
	for {
		page, err := p.r.Store.ListLinkKeys(ctx, p.src, after, 5000)
		if err != nil {
			k.err = fmt.Errorf("pull: %s: list links: %w", p.src, err)
			return k
		}
		for _, l := range page {
			d := l.RawDigest
			if d == "" {
				d = digestOf(l.Raw) // a link written before digests were stored
			}
			k.known[l.ExternalID] = known{personID: l.PersonID, dn: l.DN, digest: d}
			k.ids[l.ExternalID] = l.PersonID
			if l.DN != "" {
				k.dns[lower(l.DN)] = l.PersonID
			}
		}
		if len(page) < 5000 {
			k.took = time.Since(t)
			return k
		}
		after = page[len(page)-1].ExternalID
	}
}

// install makes loaded keys the pass's (what the run learnt itself
// meanwhile, if anything, is kept).
func (p *pass) install(k keys) error {
	if k.err != nil {
		return k.err
	}
	p.known = k.known
	if len(p.idToPerson) == 0 && len(p.dnToPerson) == 0 {
		p.idToPerson, p.dnToPerson = k.ids, k.dns
		return nil
	}
	for id, person := range k.ids {
		if _, ok := p.idToPerson[id]; !ok {
			p.idToPerson[id] = person
		}
	}
	for dn, person := range k.dns {
		if _, ok := p.dnToPerson[dn]; !ok {
			p.dnToPerson[dn] = person
		}
	}
	return nil
}

// loadKnown reads and installs the keys of every link of the source.
func (p *pass) loadKnown(ctx context.Context) error { return p.install(p.loadKeys(ctx)) }

// maxEarly bounds the records a full run holds while its link keys are
// still loading (about 1.5 kB each); past it, the read waits for them.
const maxEarly = 20000

// keysReady installs the link keys once they are loaded and compares the
// records held meanwhile. Unless wait, it returns false at once when
// they are not loaded yet.
func (p *pass) keysReady(ctx context.Context, wait bool) (bool, error) {
	if p.loading == nil {
		return true, nil
	}
	var k keys
	if wait {
		k = <-p.loading
	} else {
		select {
		case k = <-p.loading:
		default:
			return false, nil
		}
	}
	p.loading = nil
	p.r.logger().Debug("pull phase done", "source", p.src, "phase", "load links (during the read)", "took", k.took.String(), "held", len(p.early))
	if err := p.install(k); err != nil {
		return true, err
	}
	early := p.early
	p.early = nil
	for _, r := range early {
		if err := p.compare(ctx, r); err != nil {
			return true, err
		}
	}
	return true, nil
}

func (p *pass) execute(ctx context.Context, src source.Source, req source.Request) (source.Result, error) {
	log := p.r.logger().With("source", p.src)
	t := time.Now()
	phase := func(name string) {
		log.Debug("pull phase done", "phase", name, "took", time.Since(t).String())
		t = time.Now()
	}
	if !p.lazy {
		// The link keys load while the source is read: records that
		// arrive before them wait in p.early.
		loading := make(chan keys, 1)
		go func() { loading <- p.loadKeys(ctx) }()
		p.loading = loading
	}
	res, err := src.Pull(ctx, req, p)
	if err != nil {
		if p.loading != nil {
			<-p.loading // nothing held is applied after a failed read
			p.loading = nil
		}
		return res, err
	}
	if _, err := p.keysReady(ctx, true); err != nil {
		return res, err
	}
	if res.Inconsistent != "" {
		p.partial = append(p.partial, "the read was not a consistent snapshot: "+res.Inconsistent)
	}
	if p.duplicates > 0 {
		p.partial = append(p.partial, fmt.Sprintf("the source returned %d records more than once during the read", p.duplicates))
	}
	if err := p.flush(ctx); err != nil {
		return res, err
	}
	phase("read and apply people")
	if res.Full {
		if p.lazy { // the source widened an incremental read to a full one
			if err := p.loadKnown(ctx); err != nil {
				return res, err
			}
			p.lazy = false
		}
		if err := p.unlinkVanished(ctx, src); err != nil {
			return res, err
		}
		phase("unlink vanished")
	}
	// Service accounts before groups: they can be members.
	if err := p.prefetch(ctx); err != nil {
		return res, err
	}
	if err := p.applyServices(ctx, src, res.ServiceAccounts); err != nil {
		return res, err
	}
	phase("service accounts")
	if err := p.applyGroups(ctx, src, res.Groups); err != nil {
		return res, err
	}
	phase("groups")
	p.report()
	return res, nil
}

// Person queues r, skipping it when it asserts what its link holds.
func (p *pass) Person(ctx context.Context, r identity.Record) error {
	p.counts.Read++
	if p.counts.Read%1000 == 0 {
		p.report() // progress also while every record is unchanged
	}
	if r.Raw == nil {
		r.Raw = source.Document(r)
	}
	if p.seen[r.ExternalID] {
		// Offset paging over a collection that grew meanwhile hands a
		// record out twice; applying it twice would only repeat work.
		p.duplicates++
		p.counts.Read--
		return nil
	}
	p.seen[r.ExternalID] = true
	if p.lazy {
		// Compared with their links a batch at a time, in flush.
		p.batch = append(p.batch, identity.Change{Op: identity.OpUpsert, Record: r})
		if len(p.batch) >= p.batchSize() {
			return p.flush(ctx)
		}
		return nil
	}
	if p.loading != nil {
		ready, err := p.keysReady(ctx, len(p.early) >= maxEarly)
		if err != nil {
			return err
		}
		if !ready {
			p.early = append(p.early, r)
			return nil
		}
	}
	return p.compare(ctx, r)
}

// compare queues r unless it asserts what its link holds.
func (p *pass) compare(ctx context.Context, r identity.Record) error {
	if k, ok := p.known[r.ExternalID]; ok && k.digest == digestOf(r.Raw) {
		p.counts.Unchanged++
		return nil
	}
	p.batch = append(p.batch, identity.Change{Op: identity.OpUpsert, Record: r})
	if len(p.batch) >= p.batchSize() {
		return p.flush(ctx)
	}
	return nil
}

// dropUnchanged removes from changes the upserts that assert exactly
// what their links hold, reading those links in one query (incremental
// runs, which have no link keys loaded).
func (p *pass) dropUnchanged(ctx context.Context, changes []identity.Change) ([]identity.Change, error) {
	ids := make([]string, 0, len(changes))
	for _, c := range changes {
		if c.Op == identity.OpUpsert {
			ids = append(ids, c.Record.ExternalID)
		}
	}
	links, err := p.r.Store.GetSourceLinks(ctx, p.src, ids)
	if err != nil {
		return nil, fmt.Errorf("pull: %s: get links: %w", p.src, err)
	}
	held := make(map[string]string, len(links))
	for _, l := range links {
		held[l.ExternalID] = digestOf(l.Raw)
	}
	out := changes[:0]
	for _, c := range changes {
		if d, ok := held[c.Record.ExternalID]; ok && c.Op == identity.OpUpsert && d == digestOf(c.Record.Raw) {
			p.counts.Unchanged++
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// personByDN is the person of this source with dn, "" for none: from the
// keys loaded or seen this run, else (lazy) from the store's DN index.
func (p *pass) personByDN(ctx context.Context, tx store.Tx, dn string) (string, error) {
	key := lower(dn)
	if id, ok := p.dnToPerson[key]; ok || !p.lazy {
		return id, nil
	}
	links, err := tx.FindSourceLinks(ctx, p.src, "dn", dn)
	if err != nil {
		return "", err
	}
	id := ""
	if len(links) == 1 {
		id = links[0].PersonID
	}
	p.dnToPerson[key] = id
	return id, nil
}

// Reject records an entry the source could not map. It still exists in
// the source, so it is not treated as vanished.
func (p *pass) Reject(externalID, reason string) {
	p.counts.Read++
	p.seen[externalID] = true
	p.reject(externalID, reason)
}

func (p *pass) reject(externalID, reason string) {
	p.counts.Rejected++
	p.rejections = append(p.rejections, store.Rejection{ExternalID: externalID, Reason: reason})
}

// Group keeps g until the people are applied.
func (p *pass) Group(_ context.Context, g source.Group) error {
	p.groups = append(p.groups, g)
	return nil
}

// ServiceAccount keeps a until the people are applied.
func (p *pass) ServiceAccount(_ context.Context, a source.ServiceAccount) error {
	p.services = append(p.services, a)
	return nil
}

func (p *pass) batchSize() int {
	if p.r.BatchSize > 0 {
		return p.r.BatchSize
	}
	return 500
}

// flush applies the queued changes in one identity batch.
func (p *pass) flush(ctx context.Context) error {
	if len(p.batch) == 0 {
		return nil
	}
	changes := p.batch
	p.batch = nil
	if p.lazy {
		var err error
		if changes, err = p.dropUnchanged(ctx, changes); err != nil {
			return err
		}
		if len(changes) == 0 {
			return nil
		}
	}
	res, err := p.r.Identity.Apply(ctx, identity.Batch{Source: p.src, Changes: changes})
	if err != nil {
		return err
	}
	for _, a := range res.Applied {
		rec := changes[a.Index].Record
		op := changes[a.Index].Op
		switch {
		case op == identity.OpUnlink:
			delete(p.idToPerson, a.ExternalID)
			if a.Status == store.StatusTerminated {
				p.counts.Terminated++
			} else {
				p.counts.Updated++
			}
			continue
		case a.Created:
			p.counts.Created++
		case a.Changed:
			p.counts.Updated++
		default:
			p.counts.Unchanged++
		}
		if a.Changed && a.Status == store.StatusDisabled {
			p.counts.Disabled++
		}
		p.idToPerson[a.ExternalID] = a.PersonID
		if rec.DN != "" {
			p.dnToPerson[lower(rec.DN)] = a.PersonID
		}
		for _, w := range a.Warnings {
			// Kept with the rejections so an admin sees them per record,
			// but not counted: the record itself was applied.
			p.rejections = append(p.rejections, store.Rejection{ExternalID: a.ExternalID, Reason: "applied with warning: " + w})
		}
	}
	for _, rj := range res.Rejected {
		p.reject(rj.ExternalID, rj.Reason)
	}
	for _, w := range res.Warnings {
		p.r.logger().Warn("identity warning", "source", p.src, "warning", w)
	}
	p.refreshStatistics(ctx)
	p.report()
	return nil
}

// firstRefresh is how many people a run creates before it first
// refreshes the store's statistics.
const firstRefresh = 2000

// refreshStatistics lets the database plan by the tables' new sizes each
// time the people this run created have doubled: a first import grows
// them from nothing, and the batches' lookups by lists of keys must keep
// using their indexes (store.PullBatchTx.RefreshStatistics). A failure
// costs speed, not correctness, so it is logged.
func (p *pass) refreshStatistics(ctx context.Context) {
	if p.counts.Created < max(firstRefresh, 2*p.refreshedAt) {
		return
	}
	p.refreshedAt = p.counts.Created
	if err := p.r.Store.RefreshStatistics(ctx); err != nil {
		p.r.logger().Warn("refresh statistics", "source", p.src, "err", err)
	}
}

func (p *pass) report() {
	if p.progress != nil {
		p.progress(Progress{Source: p.src, Mode: p.mode, Counts: p.counts, Elapsed: time.Since(p.started)})
	}
}

package evidence

import (
	"context"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// AuditSource reads the hash-chained audit log.
type AuditSource interface {
	ListAudit(ctx context.Context, afterSeq int64, limit int) ([]store.AuditEvent, error)
	GetAuditHead(ctx context.Context) (store.AuditHead, error)
}

// PersonSource resolves person IDs to the names an auditor reads.
type PersonSource interface {
	GetPerson(ctx context.Context, id string) (store.Person, error)
}

// RequestSource is the read-only port of the access-request evidence.
type RequestSource interface {
	AuditSource
	PersonSource
	ScanRequests(ctx context.Context, q store.RequestScan) ([]store.AccessRequest, error)
	GetRequest(ctx context.Context, id string) (store.AccessRequest, error)
	ListGrantsByRequest(ctx context.Context, requestIDs []string) ([]store.Grant, error)
	GetPolicyDecision(ctx context.Context, id int64) (store.PolicyDecision, error)
	ListApproverDecisions(ctx context.Context, requestID string) ([]store.ApproverDecision, error)
}

// Exporter writes evidence workbooks. Now and Generator are stamped on
// the Summary and Manifest; Key signs the Manifest.
type Exporter struct {
	Key       []byte // ed25519.PrivateKey
	Generator string // "syncd <version>"
	Now       func() time.Time
	// Population evaluates a campaign's scope afresh for the Population
	// after remediation of a campaign without a population stored at its
	// close (not closed yet, or closed before syncd stored it):
	// review.Service.EvaluatePopulation. Nil leaves that sheet saying the
	// population was not evaluated.
	Population PopulationFunc

	raw bool // benchmark baseline: plain StreamWriter, no hashing, no Manifest
}

func (e *Exporter) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC()
	}
	return time.Now().UTC()
}

// ChainStore answers ChainLookup from an audit source: the event with that
// number exists and carries that hash.
type ChainStore struct{ Audit AuditSource }

// HasChainEvent implements ChainLookup.
func (c ChainStore) HasChainEvent(ctx context.Context, seq int64, hash string) (bool, error) {
	if seq < 1 {
		return hash == "", nil
	}
	evs, err := c.Audit.ListAudit(ctx, seq-1, 1)
	if err != nil {
		return false, err
	}
	return len(evs) == 1 && evs[0].Seq == seq && evs[0].Hash == hash, nil
}

// people caches person lookups for one export.
type people struct {
	src   PersonSource
	cache map[string]store.Person
}

func newPeople(src PersonSource) *people {
	return &people{src: src, cache: map[string]store.Person{}}
}

// get returns the person, or one with only the ID when unknown (deleted
// persons still appear by ID).
func (p *people) get(ctx context.Context, id string) (store.Person, error) {
	if id == "" {
		return store.Person{}, nil
	}
	if v, ok := p.cache[id]; ok {
		return v, nil
	}
	v, err := p.src.GetPerson(ctx, id)
	if err != nil {
		if !isNotFound(err) {
			return store.Person{}, err
		}
		v = store.Person{ID: id}
	}
	if len(p.cache) > 100000 {
		clear(p.cache)
	}
	p.cache[id] = v
	return v, nil
}

// batchPersons is a source that loads many persons in one query.
type batchPersons interface {
	ListPersonsByID(ctx context.Context, ids []string) ([]store.Person, error)
}

// load fetches the persons not cached yet in one query.
func (p *people) load(ctx context.Context, src batchPersons, ids []string) error {
	var missing []string
	seen := map[string]bool{}
	for _, id := range ids {
		if _, ok := p.cache[id]; !ok && id != "" && !seen[id] {
			missing = append(missing, id)
			seen[id] = true
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if len(p.cache)+len(missing) > 100000 {
		clear(p.cache)
	}
	ps, err := src.ListPersonsByID(ctx, missing)
	if err != nil {
		return fmt.Errorf("evidence: persons: %w", err)
	}
	for _, v := range ps {
		p.cache[v.ID] = v
	}
	for _, id := range missing {
		if _, ok := p.cache[id]; !ok {
			p.cache[id] = store.Person{ID: id}
		}
	}
	return nil
}

// name is how a person reads in a workbook: display name, else userName,
// else the ID.
func (p *people) name(ctx context.Context, id string) (string, error) {
	v, err := p.get(ctx, id)
	if err != nil {
		return "", err
	}
	return v.Name(), nil
}

package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// Errors of the change flow; each is wrapped with the reason.
var (
	// ErrForbidden: the actor may not decide this change (the proposer,
	// or neither an admin nor the item's owner).
	ErrForbidden = errors.New("not allowed")
	// ErrNotPending: the change was already approved or rejected.
	ErrNotPending = errors.New("the change is no longer pending")
	// ErrStale: the item changed after the change was proposed.
	ErrStale = errors.New("the change is stale")
	// ErrInvalid: the proposed version no longer compiles with the catalog.
	ErrInvalid = errors.New("the proposed version is invalid")
)

// LintError refuses an approval: the proposed version fails lint.
type LintError struct {
	Findings []LintFinding
}

func (e *LintError) Error() string {
	msgs := make([]string, len(e.Findings))
	for i, f := range e.Findings {
		msgs[i] = f.String()
	}
	return "catalog: the proposed version fails lint: " + strings.Join(msgs, "; ")
}

// Actor is who proposes or decides a change.
type Actor struct {
	// Actor is the audit actor: "person:<id>" or "token:<name>".
	Actor string
	// PersonID is the person acting, or a token's owner ("" for a
	// system token): a token's change is its owner's.
	PersonID string
	Admin    bool
}

// PutResult is what a change of an item did: a tightening (or a new item)
// is stored at once as Version; a loosening waits as Change.
type PutResult struct {
	Version store.CatalogItemVersion
	Applied bool
	Change  *store.CatalogChange
}

// Put stores def (already parsed as it by ParseItem) as the item's next
// version when it tightens or keeps the item, or as a pending change when
// it loosens it (ItemLoosens): then a second person must approve it. The
// comparison is made inside the transaction against the item as stored,
// so a racing writer of the same version makes one of the two fail with
// store.ErrConflict.
func (e *Editor) Put(ctx context.Context, who Actor, id string, def []byte, it Item) (PutResult, error) {
	var res PutResult
	err := e.Store.InTx(ctx, func(tx store.Tx) error {
		base, baseVersion, err := e.base(ctx, tx, id)
		if err != nil {
			return err
		}
		var why []string
		if base != nil {
			why = ItemLoosens(*base, it)
		}
		if len(why) == 0 {
			v, err := e.putVersion(ctx, tx, who.Actor, store.CatalogItemVersion{ItemID: id, Definition: def, Retired: it.Retired, Author: who.Actor}, nil)
			res.Version = v
			return err
		}
		c, err := tx.CreateCatalogChange(ctx, store.CatalogChange{
			ItemID: id, BaseVersion: baseVersion, Definition: def, Retired: it.Retired, Reasons: why,
			Proposer: who.Actor, ProposerPerson: who.PersonID, State: store.ChangePending, CreatedAt: e.now(),
		})
		if err != nil {
			return err
		}
		res.Change = &c
		_, err = audit.Append(ctx, tx, e.now(), audit.Entry{Actor: who.Actor, Action: audit.ActionCatalogChangeProposed, Target: "catalog_item:" + id,
			Details: map[string]any{"change": c.ID, "item": id, "base_version": baseVersion, "reasons": why, "definition": jsonOrNil(def)}})
		return err
	})
	if err != nil {
		return PutResult{}, fmt.Errorf("catalog: change item %s: %w", id, err)
	}
	if res.Change == nil {
		res.Applied = e.reloadAfter(ctx, res.Version)
	}
	return res, nil
}

// base returns the item as stored now (its latest version over its file
// entry) and that version (0: the file's), or nil when the item is new.
func (e *Editor) base(ctx context.Context, tx store.Tx, id string) (*Item, int, error) {
	resolve := PersonResolver(ctx, tx)
	vs, err := tx.ListCatalogItemVersions(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	var fromFile *Item
	if n := len(vs); n == 0 || len(vs[n-1].Definition) == 0 {
		cat, errs := e.Source.Load(resolve)
		if len(errs) > 0 {
			return nil, 0, errs
		}
		for _, x := range cat.Items {
			if x.ID == id {
				fromFile = &x
			}
		}
	}
	if len(vs) == 0 {
		return fromFile, 0, nil
	}
	last := vs[len(vs)-1]
	if len(last.Definition) == 0 {
		if fromFile != nil {
			fromFile.Retired = fromFile.Retired || last.Retired
		}
		return fromFile, last.Version, nil
	}
	fi, errs := DecodeItem(id, last.Definition)
	if len(errs) > 0 {
		return nil, 0, fmt.Errorf("stored version %d: %w", last.Version, errs)
	}
	it := fi.ToItem(resolve)
	it.Retired = it.Retired || last.Retired
	return &it, last.Version, nil
}

// mayDecide refuses the proposer (also through their token) and anyone
// who is neither an admin nor the item's owner.
func (e *Editor) mayDecide(who Actor, c store.CatalogChange) error {
	if who.Actor == c.Proposer || (who.PersonID != "" && who.PersonID == c.ProposerPerson) {
		return fmt.Errorf("you proposed this change; another owner of the item or an admin must decide it: %w", ErrForbidden)
	}
	if who.Admin {
		return nil
	}
	if it := e.Item(c.ItemID); it != nil && it.OwnerID != "" && it.OwnerID == who.PersonID {
		return nil
	}
	return fmt.Errorf("only an owner of item %s or an admin may decide its changes: %w", c.ItemID, ErrForbidden)
}

// Change returns one change.
func (e *Editor) Change(ctx context.Context, id string) (store.CatalogChange, error) {
	c, err := e.Store.GetCatalogChange(ctx, id)
	if err != nil {
		return c, fmt.Errorf("catalog: change %s: %w", id, err)
	}
	return c, nil
}

// Changes lists changes in state ("" all), oldest first.
func (e *Editor) Changes(ctx context.Context, state string) ([]store.CatalogChange, error) {
	cs, err := e.Store.ListCatalogChanges(ctx, state)
	if err != nil {
		return nil, fmt.Errorf("catalog: list changes: %w", err)
	}
	return cs, nil
}

// Approve applies a pending change as the item's next version. The
// approver is never its proposer; the proposed version must pass lint;
// inside the transaction the change must still be pending and the item
// still at the version the change was based on (else it is stale).
func (e *Editor) Approve(ctx context.Context, who Actor, changeID, comment string) (store.CatalogChange, store.CatalogItemVersion, bool, error) {
	fail := func(err error) (store.CatalogChange, store.CatalogItemVersion, bool, error) {
		return store.CatalogChange{}, store.CatalogItemVersion{}, false, fmt.Errorf("catalog: approve change %s: %w", changeID, err)
	}
	c, err := e.Store.GetCatalogChange(ctx, changeID)
	if err != nil {
		return fail(err)
	}
	if c.State != store.ChangePending {
		return fail(fmt.Errorf("it was %s by %s: %w", c.State, c.DecidedBy, ErrNotPending))
	}
	if err := e.mayDecide(who, c); err != nil {
		return fail(err)
	}
	it, errs := e.ParseItem(ctx, c.ItemID, c.Definition)
	if len(errs) > 0 {
		return fail(fmt.Errorf("%w: %v", ErrInvalid, errs))
	}
	if findings := e.LintItem(ctx, it); len(findings) > 0 {
		return store.CatalogChange{}, store.CatalogItemVersion{}, false, &LintError{Findings: findings}
	}
	var v store.CatalogItemVersion
	err = e.Store.InTx(ctx, func(tx store.Tx) error {
		now := e.now()
		if _, err := tx.UpdateCatalogChange(ctx, changeID, decide(store.ChangeApproved, who, comment, now)); err != nil {
			return err
		}
		vs, err := tx.ListCatalogItemVersions(ctx, c.ItemID)
		if err != nil {
			return err
		}
		current := 0
		if n := len(vs); n > 0 {
			current = vs[n-1].Version
		}
		if current != c.BaseVersion {
			return fmt.Errorf("item %s is at version %d, the change was proposed against version %d; propose it again: %w",
				c.ItemID, current, c.BaseVersion, ErrStale)
		}
		v, err = e.putVersion(ctx, tx, who.Actor, store.CatalogItemVersion{ItemID: c.ItemID, Definition: c.Definition, Retired: c.Retired, Author: c.Proposer},
			map[string]any{"change": c.ID, "approved_by": who.Actor})
		if err != nil {
			return err
		}
		if c, err = tx.UpdateCatalogChange(ctx, changeID, func(c store.CatalogChange) (store.CatalogChange, error) {
			c.AppliedVersion = v.Version
			return c, nil
		}); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: who.Actor, Action: audit.ActionCatalogChangeApproved, Target: "catalog_item:" + c.ItemID,
			Details: map[string]any{"change": c.ID, "item": c.ItemID, "proposer": c.Proposer, "version": v.Version, "comment": comment}})
		return err
	})
	if err != nil {
		return fail(err)
	}
	return c, v, e.reloadAfter(ctx, v), nil
}

// Reject closes a pending change without applying it; the same people who
// may approve it may reject it.
func (e *Editor) Reject(ctx context.Context, who Actor, changeID, comment string) (store.CatalogChange, error) {
	fail := func(err error) (store.CatalogChange, error) {
		return store.CatalogChange{}, fmt.Errorf("catalog: reject change %s: %w", changeID, err)
	}
	c, err := e.Store.GetCatalogChange(ctx, changeID)
	if err != nil {
		return fail(err)
	}
	if c.State != store.ChangePending {
		return fail(fmt.Errorf("it was %s by %s: %w", c.State, c.DecidedBy, ErrNotPending))
	}
	if err := e.mayDecide(who, c); err != nil {
		return fail(err)
	}
	err = e.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		now := e.now()
		if c, err = tx.UpdateCatalogChange(ctx, changeID, decide(store.ChangeRejected, who, comment, now)); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: who.Actor, Action: audit.ActionCatalogChangeRejected, Target: "catalog_item:" + c.ItemID,
			Details: map[string]any{"change": c.ID, "item": c.ItemID, "proposer": c.Proposer, "comment": comment}})
		return err
	})
	if err != nil {
		return fail(err)
	}
	return c, nil
}

// decide moves a pending change to state under its row lock; a change
// decided meanwhile is refused.
func decide(state string, who Actor, comment string, now time.Time) func(store.CatalogChange) (store.CatalogChange, error) {
	return func(c store.CatalogChange) (store.CatalogChange, error) {
		if c.State != store.ChangePending {
			return c, fmt.Errorf("it was %s by %s meanwhile: %w", c.State, c.DecidedBy, ErrNotPending)
		}
		c.State, c.DecidedBy, c.DecidedAt, c.Comment = state, who.Actor, &now, comment
		return c, nil
	}
}

// LintItem lints the running catalog with it in place and returns the
// errors found on it.
func (e *Editor) LintItem(ctx context.Context, it Item) []LintFinding {
	var out []LintFinding
	for _, f := range Lint(e.Running.Catalog().With(it), PersonStatus(ctx, e.Store)) {
		if f.Item == it.ID && f.Severity == SeverityError {
			out = append(out, f)
		}
	}
	return out
}

func jsonOrNil(def []byte) any {
	if len(def) == 0 {
		return nil
	}
	return json.RawMessage(def)
}

package review

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/syncd-dev/syncd/internal/store"
)

// closePage is how many items closing a stage reads and writes at once.
const closePage = 2000

// maxAuditIDs bounds the item ids one audit event lists; its counts are
// always complete.
const maxAuditIDs = 100

func ptr[T any](v T) *T { return &v }

// advanceChange moves an item on to the next stage's reviewers, its
// decision cleared for them.
func advanceChange(stage int, reviewers []string, route string) store.ReviewItemChange {
	ids := append([]string(nil), reviewers...)
	return store.ReviewItemChange{Stage: ptr(stage), State: store.ItemPending, Reviewers: &ids, Route: route,
		ClearDecision: true, Escalated: ptr(false)}
}

// changeSets groups items by the change they get, so each distinct
// change is one set-based update.
type changeSets struct {
	order   []string
	changes map[string]store.ReviewItemChange
	items   map[string][]store.ReviewItemVersion
}

func newChangeSets() *changeSets {
	return &changeSets{changes: map[string]store.ReviewItemChange{}, items: map[string][]store.ReviewItemVersion{}}
}

func (cs *changeSets) add(ch store.ReviewItemChange, it store.ReviewItemVersion) error {
	b, err := json.Marshal(ch)
	if err != nil {
		return fmt.Errorf("review: change key: %w", err)
	}
	k := string(b)
	if _, ok := cs.changes[k]; !ok {
		cs.order = append(cs.order, k)
		cs.changes[k] = ch
	}
	cs.items[k] = append(cs.items[k], it)
	return nil
}

// apply writes every set; a set whose items changed since they were read
// fails the whole transaction (store.ErrConflict).
func (cs *changeSets) apply(ctx context.Context, tx store.Tx) error {
	for _, k := range cs.order {
		if err := tx.UpdateReviewItemsSet(ctx, cs.items[k], cs.changes[k]); err != nil {
			return err
		}
	}
	return nil
}

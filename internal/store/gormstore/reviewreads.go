package gormstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/syncd-dev/syncd/internal/store"
)

// ListPersonsByID returns the persons with these IDs.
func (t *txn) ListPersonsByID(ctx context.Context, ids []string) ([]store.Person, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []store.Person
	for chunk := range slices.Chunk(ids, batchSize) {
		var rows []personRow
		if err := t.conn(ctx).Where("id IN ?", chunk).Find(&rows).Error; err != nil {
			return nil, wrap("list persons by id", err)
		}
		for _, r := range rows {
			out = append(out, r.toPerson())
		}
	}
	return out, nil
}

// ListOpenJobFunctionsOf returns the current job functions of each person.
func (t *txn) ListOpenJobFunctionsOf(ctx context.Context, ids []string) (map[string][]string, error) {
	out := map[string][]string{}
	for chunk := range slices.Chunk(ids, batchSize) {
		var rows []assignmentRow
		if err := t.conn(ctx).Where("person_id IN ? AND valid_to IS NULL", chunk).Order("person_id, job_function").Find(&rows).Error; err != nil {
			return nil, wrap("list open job functions", err)
		}
		for _, r := range rows {
			out[r.PersonID] = append(out[r.PersonID], r.JobFunction)
		}
	}
	return out, nil
}

// CountPeers counts job-function populations and their item holders.
func (t *txn) CountPeers(ctx context.Context) (store.PeerCounts, error) {
	pc := store.PeerCounts{Persons: map[string]int{}, Holders: map[string]map[string]int{}}
	var persons []struct {
		JobFunction string
		N           int
	}
	if err := t.conn(ctx).Model(&assignmentRow{}).Select("job_function, COUNT(DISTINCT person_id) AS n").
		Where("valid_to IS NULL").Group("job_function").Scan(&persons).Error; err != nil {
		return pc, wrap("count peers", err)
	}
	for _, p := range persons {
		pc.Persons[p.JobFunction] = p.N
	}
	var holders []struct {
		JobFunction string
		ItemID      string
		N           int
	}
	err := t.conn(ctx).Table("grants AS g").
		Select("a.job_function AS job_function, g.item_id AS item_id, COUNT(DISTINCT g.holder_id) AS n").
		Joins("JOIN job_function_assignments a ON a.person_id = g.holder_id AND a.valid_to IS NULL").
		Where("g.state = ?", string(store.GrantActive)).
		Group("a.job_function, g.item_id").Scan(&holders).Error
	if err != nil {
		return pc, wrap("count peers", err)
	}
	for _, h := range holders {
		if pc.Holders[h.JobFunction] == nil {
			pc.Holders[h.JobFunction] = map[string]int{}
		}
		pc.Holders[h.JobFunction][h.ItemID] = h.N
	}
	return pc, nil
}

// ListMoverEventsAfter pages over mover events by ID.
func (t *txn) ListMoverEventsAfter(ctx context.Context, afterID int64, limit int) ([]store.MoverEvent, error) {
	if limit <= 0 {
		limit = 100
	}
	var rows []moverRow
	if err := t.conn(ctx).Where("id > ?", afterID).Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("list mover events", err)
	}
	out := make([]store.MoverEvent, len(rows))
	for i, r := range rows {
		e := store.MoverEvent{ID: r.ID, PersonID: r.PersonID, Cause: r.Cause, OccurredAt: utc(r.OccurredAt)}
		if err := json.Unmarshal([]byte(r.OldFunctions), &e.Old); err != nil {
			return nil, wrap("list mover events", fmt.Errorf("event %d: %w", r.ID, err))
		}
		if err := json.Unmarshal([]byte(r.NewFunctions), &e.New); err != nil {
			return nil, wrap("list mover events", fmt.Errorf("event %d: %w", r.ID, err))
		}
		out[i] = e
	}
	return out, nil
}

// LastMoverEvents returns each person's latest mover event.
func (t *txn) LastMoverEvents(ctx context.Context, personIDs []string) (map[string]store.MoverEvent, error) {
	out := map[string]store.MoverEvent{}
	for chunk := range slices.Chunk(personIDs, batchSize) {
		var rows []moverRow
		if err := t.conn(ctx).Where("person_id IN ?", chunk).Order("person_id, id").Find(&rows).Error; err != nil {
			return nil, wrap("last mover events", err)
		}
		for _, r := range rows {
			e := store.MoverEvent{ID: r.ID, PersonID: r.PersonID, Cause: r.Cause, OccurredAt: utc(r.OccurredAt)}
			if err := json.Unmarshal([]byte(r.OldFunctions), &e.Old); err != nil {
				return nil, wrap("last mover events", fmt.Errorf("event %d: %w", r.ID, err))
			}
			if err := json.Unmarshal([]byte(r.NewFunctions), &e.New); err != nil {
				return nil, wrap("last mover events", fmt.Errorf("event %d: %w", r.ID, err))
			}
			out[r.PersonID] = e // ordered by id: the last one stays
		}
	}
	return out, nil
}

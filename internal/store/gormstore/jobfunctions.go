package gormstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

type assignmentRow struct {
	ID          int64 `gorm:"primaryKey"`
	PersonID    string
	JobFunction string
	Rule        string
	ValidFrom   time.Time
	ValidTo     *time.Time
}

func (assignmentRow) TableName() string { return "job_function_assignments" }

func (r assignmentRow) toAssignment() store.JobFunctionAssignment {
	return store.JobFunctionAssignment{
		ID: r.ID, PersonID: r.PersonID, JobFunction: r.JobFunction, Rule: r.Rule,
		ValidFrom: utc(r.ValidFrom), ValidTo: utcPtr(r.ValidTo),
	}
}

type moverRow struct {
	ID           int64 `gorm:"primaryKey"`
	PersonID     string
	OldFunctions string // JSON array
	NewFunctions string // JSON array
	Cause        string
	OccurredAt   time.Time
}

func (moverRow) TableName() string { return "mover_events" }

// ListJobFunctions returns a person's assignments ordered by ValidFrom: the
// open ones only, or all of them with history.
func (t *txn) ListJobFunctions(ctx context.Context, personID string, history bool) ([]store.JobFunctionAssignment, error) {
	db := t.conn(ctx).Where("person_id = ?", personID)
	if !history {
		db = db.Where("valid_to IS NULL")
	}
	var rows []assignmentRow
	if err := db.Order("valid_from, id").Find(&rows).Error; err != nil {
		return nil, wrap("list job functions", err)
	}
	out := make([]store.JobFunctionAssignment, len(rows))
	for i, r := range rows {
		out[i] = r.toAssignment()
	}
	return out, nil
}

// OpenJobFunction records a new assignment; ValidFrom defaults to now. A
// second open assignment of the same function to the same person gives
// store.ErrConflict, an unknown person store.ErrNotFound.
func (t *txn) OpenJobFunction(ctx context.Context, a store.JobFunctionAssignment) (store.JobFunctionAssignment, error) {
	op := fmt.Sprintf("open job function %q", a.JobFunction)
	if a.PersonID == "" || a.JobFunction == "" {
		return store.JobFunctionAssignment{}, fmt.Errorf("gormstore: %s: person id and job function are required", op)
	}
	if a.ValidFrom.IsZero() {
		a.ValidFrom = t.stamp()
	}
	row := assignmentRow{
		PersonID: a.PersonID, JobFunction: a.JobFunction, Rule: a.Rule,
		ValidFrom: utc(a.ValidFrom), ValidTo: utcPtr(a.ValidTo),
	}
	if err := t.conn(ctx).Create(&row).Error; err != nil {
		return store.JobFunctionAssignment{}, wrap(op, err)
	}
	return row.toAssignment(), nil
}

// errAlreadyClosed is returned (with store.ErrConflict) when closing an
// assignment that is not open.
var errAlreadyClosed = errors.New("assignment already closed")

// CloseJobFunction ends the open assignment id at at. An unknown id gives
// store.ErrNotFound, an already closed one store.ErrConflict.
func (t *txn) CloseJobFunction(ctx context.Context, id int64, at time.Time) error {
	op := fmt.Sprintf("close job function %d", id)
	if at.IsZero() {
		at = t.stamp()
	}
	err := t.atomic(ctx, func(t *txn) error {
		res := t.conn(ctx).Model(&assignmentRow{}).Where("id = ? AND valid_to IS NULL", id).Update("valid_to", utc(at))
		if res.Error != nil || res.RowsAffected == 1 {
			return res.Error
		}
		var n int64
		if err := t.conn(ctx).Model(&assignmentRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		return fmt.Errorf("%w: %w", store.ErrConflict, errAlreadyClosed)
	})
	return wrap(op, err)
}

// CreateMoverEvent records a change of a person's job functions; OccurredAt
// defaults to now.
func (t *txn) CreateMoverEvent(ctx context.Context, e store.MoverEvent) (store.MoverEvent, error) {
	if e.PersonID == "" {
		return store.MoverEvent{}, errors.New("gormstore: create mover event: person id is required")
	}
	if e.OccurredAt.IsZero() {
		e.OccurredAt = t.stamp()
	}
	oldJSON, err := json.Marshal(nonNil(e.Old))
	if err != nil {
		return store.MoverEvent{}, fmt.Errorf("gormstore: create mover event: %w", err)
	}
	newJSON, err := json.Marshal(nonNil(e.New))
	if err != nil {
		return store.MoverEvent{}, fmt.Errorf("gormstore: create mover event: %w", err)
	}
	row := moverRow{
		PersonID: e.PersonID, OldFunctions: string(oldJSON), NewFunctions: string(newJSON),
		Cause: e.Cause, OccurredAt: utc(e.OccurredAt),
	}
	if err := t.conn(ctx).Create(&row).Error; err != nil {
		return store.MoverEvent{}, wrap("create mover event", err)
	}
	e.ID, e.OccurredAt = row.ID, row.OccurredAt
	return e, nil
}

// ListMoverEvents returns a person's mover events, oldest first. Empty
// function lists come back nil.
func (t *txn) ListMoverEvents(ctx context.Context, personID string) ([]store.MoverEvent, error) {
	var rows []moverRow
	if err := t.conn(ctx).Where("person_id = ?", personID).Order("occurred_at, id").Find(&rows).Error; err != nil {
		return nil, wrap("list mover events", err)
	}
	out := make([]store.MoverEvent, len(rows))
	for i, r := range rows {
		e := store.MoverEvent{ID: r.ID, PersonID: r.PersonID, Cause: r.Cause, OccurredAt: utc(r.OccurredAt)}
		if err := json.Unmarshal([]byte(r.OldFunctions), &e.Old); err != nil {
			return nil, wrap("list mover events", fmt.Errorf("event %d: decode old functions: %w", r.ID, err))
		}
		if err := json.Unmarshal([]byte(r.NewFunctions), &e.New); err != nil {
			return nil, wrap("list mover events", fmt.Errorf("event %d: decode new functions: %w", r.ID, err))
		}
		if len(e.Old) == 0 {
			e.Old = nil
		}
		if len(e.New) == 0 {
			e.New = nil
		}
		out[i] = e
	}
	return out, nil
}

// nonNil makes a nil slice encode as [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

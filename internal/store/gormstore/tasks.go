package gormstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

var _ store.TaskTx = (*txn)(nil)

type taskRow struct {
	ID            int64  `gorm:"primaryKey"`
	NHIID         string `gorm:"column:nhi_id"`
	FormerOwnerID string
	Route         string
	AssigneeID    string
	AssigneeTeam  string
	State         string
	CreatedAt     time.Time `gorm:"autoCreateTime:false"`
	Deadline      time.Time
	ClosedAt      *time.Time
	ClosedBy      string
	NewOwnerID    string
	Action        string
}

func (taskRow) TableName() string { return "nhi_tasks" }

func taskToRow(k store.ReownershipTask) taskRow {
	return taskRow{
		ID: k.ID, NHIID: k.NHIID, FormerOwnerID: k.FormerOwnerID, Route: k.Route, AssigneeID: k.AssigneeID,
		AssigneeTeam: k.AssigneeTeam, State: string(k.State), CreatedAt: utc(k.CreatedAt), Deadline: utc(k.Deadline),
		ClosedAt: utcPtr(k.ClosedAt), ClosedBy: k.ClosedBy, NewOwnerID: k.NewOwnerID, Action: k.Action,
	}
}

func (r taskRow) toTask() store.ReownershipTask {
	return store.ReownershipTask{
		ID: r.ID, NHIID: r.NHIID, FormerOwnerID: r.FormerOwnerID, Route: r.Route, AssigneeID: r.AssigneeID,
		AssigneeTeam: r.AssigneeTeam, State: store.TaskState(r.State), CreatedAt: utc(r.CreatedAt), Deadline: utc(r.Deadline),
		ClosedAt: utcPtr(r.ClosedAt), ClosedBy: r.ClosedBy, NewOwnerID: r.NewOwnerID, Action: r.Action,
	}
}

func validTask(k store.ReownershipTask) error {
	switch {
	case k.NHIID == "":
		return fmt.Errorf("nhi id is required")
	case k.Route != store.RouteManager && k.Route != store.RouteProjectOwner && k.Route != store.RouteFallbackTeam:
		return fmt.Errorf("invalid route %q", k.Route)
	case k.State != store.TaskOpen && k.State != store.TaskAccepted && k.State != store.TaskExpired && k.State != store.TaskCancelled:
		return fmt.Errorf("invalid state %q", k.State)
	case k.Deadline.IsZero():
		return fmt.Errorf("deadline is required")
	}
	return nil
}

// CreateTask inserts k; an empty state is open, a zero CreatedAt now. A
// second open task for the same NHI gives store.ErrConflict.
func (t *txn) CreateTask(ctx context.Context, k store.ReownershipTask) (store.ReownershipTask, error) {
	op := fmt.Sprintf("create task for nhi %q", k.NHIID)
	if k.State == "" {
		k.State = store.TaskOpen
	}
	if err := validTask(k); err != nil {
		return store.ReownershipTask{}, fmt.Errorf("gormstore: %s: %w", op, err)
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = t.stamp()
	}
	k.ID = 0
	row := taskToRow(k)
	if err := t.conn(ctx).Create(&row).Error; err != nil {
		return store.ReownershipTask{}, wrap(op, err)
	}
	return row.toTask(), nil
}

// CreateTasks inserts ts in batches; see CreateTask.
func (t *txn) CreateTasks(ctx context.Context, ts []store.ReownershipTask) ([]store.ReownershipTask, error) {
	if len(ts) == 0 {
		return nil, nil
	}
	rows := make([]taskRow, len(ts))
	now := t.stamp()
	for i, k := range ts {
		if k.State == "" {
			k.State = store.TaskOpen
		}
		if err := validTask(k); err != nil {
			return nil, fmt.Errorf("gormstore: create tasks: nhi %q: %w", k.NHIID, err)
		}
		if k.CreatedAt.IsZero() {
			k.CreatedAt = now
		}
		k.ID = 0
		rows[i] = taskToRow(k)
	}
	err := t.atomic(ctx, func(t *txn) error {
		return t.conn(ctx).CreateInBatches(&rows, batchSize).Error
	})
	if err != nil {
		return nil, wrap("create tasks", err)
	}
	out := make([]store.ReownershipTask, len(rows))
	for i, r := range rows {
		out[i] = r.toTask()
	}
	return out, nil
}

// GetTask returns the task with id.
func (t *txn) GetTask(ctx context.Context, id int64) (store.ReownershipTask, error) {
	var row taskRow
	if err := t.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return store.ReownershipTask{}, wrap(fmt.Sprintf("get task %d", id), err)
	}
	return row.toTask(), nil
}

// UpdateTask reads the task under a row lock, applies fn and writes the
// result; fn may not change ID, NHIID or CreatedAt.
func (t *txn) UpdateTask(ctx context.Context, id int64, fn func(store.ReownershipTask) (store.ReownershipTask, error)) (store.ReownershipTask, error) {
	var (
		out   store.ReownershipTask
		fnErr error
	)
	err := t.atomic(ctx, func(t *txn) error {
		var row taskRow
		if err := t.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error; err != nil {
			return err
		}
		old := row.toTask()
		var next store.ReownershipTask
		if next, fnErr = fn(old); fnErr != nil {
			return fnErr
		}
		next.ID, next.NHIID, next.CreatedAt = old.ID, old.NHIID, old.CreatedAt
		if err := validTask(next); err != nil {
			return err
		}
		row = taskToRow(next)
		if err := t.conn(ctx).Model(&taskRow{}).Where("id = ?", id).Select("*").Omit("id", "nhi_id", "created_at").Updates(&row).Error; err != nil {
			return err
		}
		out = row.toTask()
		return nil
	})
	if fnErr != nil {
		return store.ReownershipTask{}, fnErr
	}
	if err != nil {
		return store.ReownershipTask{}, wrap(fmt.Sprintf("update task %d", id), err)
	}
	return out, nil
}

// ListTasks returns matching tasks ordered by ID.
func (t *txn) ListTasks(ctx context.Context, q store.TaskQuery) ([]store.ReownershipTask, error) {
	db := t.conn(ctx).Model(&taskRow{})
	if q.NHIID != "" {
		db = db.Where("nhi_id = ?", q.NHIID)
	}
	var teams []string
	for _, tm := range q.AssigneeTeams {
		if tm != "" {
			teams = append(teams, tm)
		}
	}
	var who []string
	var args []any
	if q.AssigneeID != "" {
		who, args = append(who, "assignee_id = ?"), append(args, q.AssigneeID)
	}
	for _, tm := range teams {
		who, args = append(who, "lower(assignee_team) = lower(?)"), append(args, tm)
	}
	if len(who) > 0 {
		db = db.Where("("+strings.Join(who, " OR ")+")", args...)
	} else if len(q.AssigneeTeams) > 0 {
		return nil, nil // only empty team names: nobody's team
	}
	if q.State != "" {
		db = db.Where("state = ?", string(q.State))
	}
	if q.DueBefore != nil {
		db = db.Where("deadline < ?", utc(*q.DueBefore))
	}
	if q.AfterID > 0 {
		db = db.Where("id > ?", q.AfterID)
	}
	db = db.Limit(pageLimit(q.Limit))
	var rows []taskRow
	if err := db.Order("id").Find(&rows).Error; err != nil {
		return nil, wrap("list tasks", err)
	}
	out := make([]store.ReownershipTask, len(rows))
	for i, r := range rows {
		out[i] = r.toTask()
	}
	return out, nil
}

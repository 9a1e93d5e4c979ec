package store

import (
	"context"
	"time"
)

// TaskState is where a re-ownership task stands.
type TaskState string

const (
	TaskOpen      TaskState = "open"
	TaskAccepted  TaskState = "accepted"  // someone took ownership
	TaskExpired   TaskState = "expired"   // the deadline passed; the default action applied
	TaskCancelled TaskState = "cancelled" // the cause went away otherwise (owner back, NHI retired)
)

// Task routes assignee kinds.
const (
	RouteManager      = "manager"
	RouteProjectOwner = "project-owner"
	RouteFallbackTeam = "fallback-team"
)

// ReownershipTask asks someone to take over an NHI whose owner left. It is
// routed to the owner's manager, else the project owner, else a fallback
// team, and carries a deadline after which Action is applied.
type ReownershipTask struct {
	ID            int64
	NHIID         string
	FormerOwnerID string
	Route         string // manager | project-owner | fallback-team
	AssigneeID    string // person, for manager and project-owner routes
	AssigneeTeam  string // for the fallback-team route
	State         TaskState
	CreatedAt     time.Time
	Deadline      time.Time
	ClosedAt      *time.Time
	ClosedBy      string
	NewOwnerID    string // set when accepted
	Action        string // what was applied at expiry: flag-for-disablement | disable
}

// TaskQuery selects tasks; empty fields do not filter.
type TaskQuery struct {
	NHIID      string
	AssigneeID string
	// AssigneeTeams, with AssigneeID, selects the tasks assigned to that
	// person or to any of these teams; alone, the tasks of these teams.
	// Team names compare case-insensitively, as directory group names do
	// (GroupQuery.DisplayName).
	AssigneeTeams []string
	State         TaskState
	// DueBefore selects tasks whose deadline is before it.
	DueBefore *time.Time
	// AfterID pages: tasks with a larger id (they list in id order).
	AfterID int64
	Limit   int // 0: DefaultLimit; All: every one
}

// TaskTx stores re-ownership tasks.
type TaskTx interface {
	TaskReader
	TaskWriter
}

// TaskReader is the reading half of TaskTx.
type TaskReader interface {
	GetTask(ctx context.Context, id int64) (ReownershipTask, error)
	// ListTasks returns matching tasks ordered by ID.
	ListTasks(ctx context.Context, q TaskQuery) ([]ReownershipTask, error)
}

// TaskWriter is the writing half of TaskTx.
type TaskWriter interface {
	CreateTask(ctx context.Context, t ReownershipTask) (ReownershipTask, error)
	// CreateTasks inserts ts in batches and returns them with their IDs, in
	// order; ErrConflict if one would be a second open task for its NHI.
	CreateTasks(ctx context.Context, ts []ReownershipTask) ([]ReownershipTask, error)
	// UpdateTask reads the task under a row lock, applies fn and writes
	// the result; fn's error is returned as is.
	UpdateTask(ctx context.Context, id int64, fn func(ReownershipTask) (ReownershipTask, error)) (ReownershipTask, error)
}

// PersonRef is the part of a person the orphan rules need, read for every
// person in one query.
type PersonRef struct {
	ID        string
	Status    Status
	ManagerID string
	UserName  string
	Email     string
}

package store

import "time"

// JobFunctionAssignment is one period during which a person held a job
// function. ValidTo is nil while the assignment is open.
type JobFunctionAssignment struct {
	ID          int64
	PersonID    string
	JobFunction string
	Rule        string // the rule that produced it
	ValidFrom   time.Time
	ValidTo     *time.Time
}

// Open reports whether the assignment is current.
func (a JobFunctionAssignment) Open() bool { return a.ValidTo == nil }

// MoverEvent records a change of a person's set of job functions.
type MoverEvent struct {
	ID         int64
	PersonID   string
	Old        []string
	New        []string
	Cause      string
	OccurredAt time.Time
}

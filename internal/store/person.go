package store

import (
	"strings"
	"time"
)

// Status is a person's lifecycle state.
type Status string

const (
	StatusActive     Status = "active"
	StatusDisabled   Status = "disabled"
	StatusTerminated Status = "terminated"
)

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusActive, StatusDisabled, StatusTerminated:
		return true
	}
	return false
}

// Person is a human identity correlated across sources. Its attributes are
// the effective values after source precedence; what each source asserted is
// kept on its SourceLink.
type Person struct {
	ID              string
	UserName        string
	Email           string
	GivenName       string
	FamilyName      string
	DisplayName     string
	EmployeeNumber  string
	Title           string
	Department      string
	CostCenter      string
	Organization    string
	Division        string
	ManagerID       string // person ID of the manager, "" when none
	Status          Status
	StatusChangedAt time.Time
	StatusCause     string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// PersonQuery selects persons for listing. Empty fields do not filter.
type PersonQuery struct {
	Text        string // case-insensitive substring of name, userName or email
	Department  string
	JobFunction string
	Status      Status
	ManagerID   string
	Source      string // only persons linked to this source
	AfterID     string // keyset pagination: persons with ID > AfterID
	Limit       int    // 0: DefaultLimit; All: every one
}

// MatchKey names a person attribute used to correlate records across sources.
type MatchKey string

const (
	MatchEmployeeNumber MatchKey = "employeeNumber"
	MatchEmail          MatchKey = "email"
	MatchUserName       MatchKey = "userName"
)

// Valid reports whether k is a known match key.
func (k MatchKey) Valid() bool {
	switch k {
	case MatchEmployeeNumber, MatchEmail, MatchUserName:
		return true
	}
	return false
}

// Name is how the person reads to people (pages, mails, evidence): the
// display name, else given and family name, else the userName, else the
// ID.
func (p Person) Name() string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	if n := strings.TrimSpace(p.GivenName + " " + p.FamilyName); n != "" {
		return n
	}
	if p.UserName != "" {
		return p.UserName
	}
	return p.ID
}

package store

import (
	"context"
	"time"
)

// NHIKind is the kind of a non-human identity.
type NHIKind string

const (
	KindServiceAccount NHIKind = "service-account"
	KindAPIKey         NHIKind = "api-key"
	KindCertificate    NHIKind = "certificate"
	KindToken          NHIKind = "token"
	KindWorkload       NHIKind = "workload"
)

// Valid reports whether k is a known kind.
func (k NHIKind) Valid() bool {
	switch k {
	case KindServiceAccount, KindAPIKey, KindCertificate, KindToken, KindWorkload:
		return true
	}
	return false
}

// NHIStatus is the lifecycle state of a non-human identity.
type NHIStatus string

const (
	NHIActive   NHIStatus = "active"
	NHIDisabled NHIStatus = "disabled"
	NHIRetired  NHIStatus = "retired"
)

// NHI is a non-human identity: a service account, API key, certificate,
// token or workload. It is never a person and never holds a job function.
type NHI struct {
	ID          string
	Kind        NHIKind
	Name        string
	Source      string // ldap source name, scim source name, "api", "import", "request"
	ExternalID  string // the source's stable id; unique per source when set
	Environment string // prod, staging, dev, ...
	// OwnerID is the owning person; OwnerRef is the owner as the source
	// named it (DN, login, email). OwnerRef set with OwnerID empty is a
	// dangling owner: recorded, never dropped.
	OwnerID  string
	OwnerRef string
	// SourceOwnerRef is the owner a pulled source last asserted, kept
	// apart from the governed owner above: when an owner chosen in syncd
	// (a re-ownership) differs from it, the pull keeps syncd's choice
	// until the source asserts a different owner. "" for none.
	SourceOwnerRef string
	CoOwnerIDs     []string
	OwningTeam     string
	ProjectID      string
	Status         NHIStatus
	Description    string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ExpiresAt      *time.Time
	RotatedAt      *time.Time
	LastUsedAt     *time.Time
}

// NHIQuery selects NHIs; empty fields do not filter.
type NHIQuery struct {
	Kind        NHIKind
	Environment string
	OwnerID     string
	ProjectID   string
	Source      string
	Status      NHIStatus
	Text        string
	AfterID     string
	Limit       int // 0: DefaultLimit; All: every one
}

// ProjectStatus is open or closed.
type ProjectStatus string

const (
	ProjectActive ProjectStatus = "active"
	ProjectClosed ProjectStatus = "closed"
)

// Project groups NHIs under an owner and an end date.
type Project struct {
	ID        string
	Name      string // unique
	OwnerID   string
	StartDate *time.Time
	EndDate   *time.Time
	Status    ProjectStatus
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NHITx is the NHI part of Tx.
type NHITx interface {
	NHIReader
	NHIWriter
}

// NHIReader is the reading half of NHITx.
type NHIReader interface {
	GetNHI(ctx context.Context, id string) (NHI, error)
	GetNHIByExternalID(ctx context.Context, source, externalID string) (NHI, error)
	ListNHIs(ctx context.Context, q NHIQuery) ([]NHI, error)
	CountNHIs(ctx context.Context, q NHIQuery) (int, error)
	GetProject(ctx context.Context, id string) (Project, error)
	GetProjectByName(ctx context.Context, name string) (Project, error)
	ListProjects(ctx context.Context) ([]Project, error)
}

// NHIWriter is the writing half of NHITx.
type NHIWriter interface {
	// CreateNHI fails with ErrConflict on a duplicate (Source, ExternalID)
	// or a duplicate (Source, Name).
	CreateNHI(ctx context.Context, n NHI) (NHI, error)
	UpdateNHI(ctx context.Context, id string, fn func(NHI) (NHI, error)) (NHI, error)

	CreateProject(ctx context.Context, p Project) (Project, error)
	UpdateProject(ctx context.Context, id string, fn func(Project) (Project, error)) (Project, error)
}

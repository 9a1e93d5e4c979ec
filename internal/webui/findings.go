package webui

import (
	"context"
	"time"

	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// Findings is what the pages need of the orphan-finding engine (package
// nhi owns it). A nil Findings means none is wired: pages say so instead of
// failing.
type Findings interface {
	ListFindings(ctx context.Context, q store.FindingQuery) ([]store.Finding, error)
	// CountOpenFindingsByRule counts unresolved findings per rule.
	CountOpenFindingsByRule(ctx context.Context) (map[string]int, error)
}

// NHIWriter is what the NHI pages change through the NHI service, the one
// writer of NHIs and projects (nhi.Service): an owner change is the API's
// update, audited and re-evaluated in its transaction; so is accepting a
// re-ownership task.
type NHIWriter interface {
	UpdateNHI(ctx context.Context, actor, id string, p nhi.NHIPatch, check func(store.NHI) error) (store.NHI, error)
	ExtendProject(ctx context.Context, actor, id string, end time.Time, reason string, check func(store.Project) error) (store.Project, error)
	TaskAccepter
}

// OrphanRules are the rule names the NHI filter offers (store.Finding.Rule).
var OrphanRules = []string{"no-owner", "owner-inactive", "project-ended", "credential-expired", "rotation-overdue", "unused"}

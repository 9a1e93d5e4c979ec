package nhi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// Default actions applied when a re-ownership task's deadline passes.
const (
	ActionFlag    = "flag-for-disablement"
	ActionDisable = "disable"
)

// Remediation configures re-ownership tasks.
type Remediation struct {
	// Deadline is how long an assignee has to accept ownership.
	Deadline time.Duration
	// FallbackTeam receives tasks when neither the owner's manager nor the
	// project owner is an active person.
	FallbackTeam string
	// DefaultAction applies at the deadline: ActionFlag (record and audit
	// the NHI as flagged for disablement) or ActionDisable (set the NHI's
	// status to disabled; directory write-back belongs to the source).
	DefaultAction string
}

// Service evaluates the orphan rules and keeps findings and tasks current.
// Every change it makes is audited in the transaction that makes it.
type Service struct {
	Store       store.Store
	Policy      Policy
	Remediation Remediation
	Now         func() time.Time
	Logger      *slog.Logger
	// Disablers write a disablement back to the NHI's source, by source
	// name (the LDAP pull registers one when write-back is configured).
	// Called inside the transaction that records it: an error rolls the
	// expiry back and the next evaluation tries again.
	Disablers map[string]Disabler
	// OwnerWriters write an owner decided in syncd back to the NHI's
	// source, by source name (WriteOwnerBack); none when a source has no
	// write credentials.
	OwnerWriters map[string]OwnerWriter
}

// Disabler disables an NHI in the system it came from.
type Disabler interface {
	DisableNHI(ctx context.Context, n store.NHI) error
}

// Summary is the outcome of one evaluation.
type Summary struct {
	NHIs           int            `json:"nhis"`
	Persons        int            `json:"persons"`
	Counts                        // findings opened, updated, reopened, resolved
	OpenByRule     map[string]int `json:"open_by_rule"`
	TasksCreated   int            `json:"tasks_created"`
	TasksCancelled int            `json:"tasks_cancelled"`
	TasksExpired   int            `json:"tasks_expired"`
	Duration       time.Duration  `json:"duration"`
}

// pageSize is how many NHIs one query reads during an evaluation.
const pageSize = 10000

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC().Truncate(time.Microsecond)
	}
	return s.Now().UTC().Truncate(time.Microsecond)
}

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// Evaluate runs the orphan rules over the whole inventory in one
// transaction: overdue re-ownership tasks get their default action first,
// then every active NHI is evaluated against the persons and projects read
// in a handful of queries (never one per NHI), findings are reconciled, and
// owners who left get re-ownership tasks. Call it after each sync and on a
// schedule; it is idempotent.
func (s *Service) Evaluate(ctx context.Context) (Summary, error) {
	start := time.Now()
	var sum Summary
	err := retryConflict(ctx, func() error {
		sum = Summary{}
		return s.Store.InTx(ctx, func(tx store.Tx) error {
			now := s.now()
			expired, err := s.expireTasks(ctx, tx, now)
			if err != nil {
				return err
			}
			sum.TasksExpired = expired
			inv, err := loadInventory(ctx, tx)
			if err != nil {
				return err
			}
			sum.NHIs, sum.Persons = len(inv.NHIs), len(inv.Persons)
			findings, err := tx.ListFindings(ctx, store.FindingQuery{Limit: store.All})
			if err != nil {
				return err
			}
			open, err := tx.ListTasks(ctx, store.TaskQuery{State: store.TaskOpen, Limit: store.All})
			if err != nil {
				return err
			}
			return s.apply(ctx, tx, inv, findings, open, nil, now, &sum)
		})
	})
	if err != nil {
		return Summary{}, fmt.Errorf("nhi: evaluate: %w", err)
	}
	if sum.OpenByRule, err = s.Store.CountOpenFindingsByRule(ctx); err != nil {
		return Summary{}, fmt.Errorf("nhi: evaluate: %w", err)
	}
	sum.Duration = time.Since(start)
	s.logger().Info("nhi evaluation", "nhis", sum.NHIs, "opened", sum.Opened, "resolved", sum.Resolved,
		"reopened", sum.Reopened, "tasks_created", sum.TasksCreated, "tasks_expired", sum.TasksExpired, "duration", sum.Duration)
	return sum, nil
}

// retryConflict retries fn once when a concurrent evaluation (another
// replica) won a uniqueness race.
func retryConflict(ctx context.Context, fn func() error) error {
	err := fn()
	if errors.Is(err, store.ErrConflict) && ctx.Err() == nil {
		err = fn()
	}
	return err
}

// apply evaluates inv, reconciles findings (scope nil: all of them) and
// keeps tasks in line, inside tx.
func (s *Service) apply(ctx context.Context, tx store.Tx, inv Inventory, findings []store.Finding, openTasks []store.ReownershipTask, scope map[string]bool, now time.Time, sum *Summary) error {
	hits := Evaluate(inv, s.Policy, now)
	plan := Reconcile(findings, hits, scope, now)
	created, err := tx.CreateFindings(ctx, plan.Create)
	if err != nil {
		return err
	}
	events := plan.Events
	for _, f := range created {
		events = append(events, store.FindingEvent{FindingID: f.ID, At: now, Kind: EventOpened, Actor: "system", Reason: f.Reason})
	}
	if err := tx.SaveFindings(ctx, plan.Save); err != nil {
		return err
	}
	if err := tx.AddFindingEvents(ctx, events); err != nil {
		return err
	}
	sum.Counts = plan.Counts
	if plan.Counts != (Counts{}) {
		if _, err := audit.Append(ctx, tx, now, audit.Entry{
			Actor: "system", Action: audit.ActionNHIFindingsReconciled, Target: "nhi-findings", Details: plan.Counts,
		}); err != nil {
			return err
		}
	}
	return s.syncTasks(ctx, tx, inv, hits, openTasks, scope, now, sum)
}

// loadInventory reads every active NHI (a page of 10,000 per query), every
// person's lean view and every project.
func loadInventory(ctx context.Context, tx store.Tx) (Inventory, error) {
	var inv Inventory
	after := ""
	for {
		page, err := tx.ListNHIs(ctx, store.NHIQuery{Status: store.NHIActive, AfterID: after, Limit: pageSize})
		if err != nil {
			return Inventory{}, err
		}
		inv.NHIs = append(inv.NHIs, page...)
		if len(page) < pageSize {
			break
		}
		after = page[len(page)-1].ID
	}
	refs, err := tx.ListPersonRefs(ctx)
	if err != nil {
		return Inventory{}, err
	}
	inv.Persons = make(map[string]store.PersonRef, len(refs))
	for _, r := range refs {
		inv.Persons[r.ID] = r
	}
	projects, err := tx.ListProjects(ctx)
	if err != nil {
		return Inventory{}, err
	}
	inv.Projects = make(map[string]store.Project, len(projects))
	for _, p := range projects {
		inv.Projects[p.ID] = p
	}
	return inv, nil
}

// reevaluate runs the rules for the given NHIs only, inside tx: what an
// API change, an import or an accepted task calls so findings follow at
// once rather than at the next scheduled evaluation.
func (s *Service) reevaluate(ctx context.Context, tx store.Tx, ids []string, now time.Time) (Summary, error) {
	var sum Summary
	if distinct(ids) > reevaluateSetBased {
		return s.reevaluateSet(ctx, tx, ids, now)
	}
	inv := Inventory{Persons: map[string]store.PersonRef{}, Projects: map[string]store.Project{}}
	scope := map[string]bool{}
	var findings []store.Finding
	var open []store.ReownershipTask
	for _, id := range ids {
		if scope[id] {
			continue
		}
		scope[id] = true
		n, err := tx.GetNHI(ctx, id)
		if err != nil {
			return sum, err
		}
		inv.NHIs = append(inv.NHIs, n)
		fs, err := tx.ListFindings(ctx, store.FindingQuery{NHIID: id, Limit: store.All})
		if err != nil {
			return sum, err
		}
		findings = append(findings, fs...)
		ts, err := tx.ListTasks(ctx, store.TaskQuery{NHIID: id, State: store.TaskOpen, Limit: store.All})
		if err != nil {
			return sum, err
		}
		open = append(open, ts...)
		persons := append([]string{n.OwnerID}, n.CoOwnerIDs...)
		if n.ProjectID != "" {
			if p, err := tx.GetProject(ctx, n.ProjectID); err == nil {
				inv.Projects[p.ID] = p
				persons = append(persons, p.OwnerID)
			} else if !errors.Is(err, store.ErrNotFound) {
				return sum, err
			}
		}
		if err := loadPersons(ctx, tx, inv.Persons, persons, true); err != nil {
			return sum, err
		}
	}
	err := s.apply(ctx, tx, inv, findings, open, scope, now, &sum)
	return sum, err
}

// loadPersons adds the named persons (and, with managers, the owner's
// manager) to m.
func loadPersons(ctx context.Context, tx store.Tx, m map[string]store.PersonRef, ids []string, managers bool) error {
	for _, id := range ids {
		if id == "" {
			continue
		}
		if _, ok := m[id]; ok {
			continue
		}
		p, err := tx.GetPerson(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		m[id] = store.PersonRef{ID: p.ID, Status: p.Status, ManagerID: p.ManagerID, UserName: p.UserName, Email: p.Email}
		if managers && p.ManagerID != "" {
			if err := loadPersons(ctx, tx, m, []string{p.ManagerID}, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadScopedInventory reads what the rules need for the NHIs in scope:
// the active ones among them (a page of 10,000 per query), every
// project, and the persons reevaluate would read one by one (owners,
// co-owners and project owners, and their managers) a chunk of ids per
// query, not every person: a pull's batches of service accounts each
// re-read 100,000 persons before.
func loadScopedInventory(ctx context.Context, tx store.Tx, scope map[string]bool) (Inventory, error) {
	inv := Inventory{Persons: map[string]store.PersonRef{}, Projects: map[string]store.Project{}}
	after := ""
	for {
		page, err := tx.ListNHIs(ctx, store.NHIQuery{Status: store.NHIActive, AfterID: after, Limit: pageSize})
		if err != nil {
			return Inventory{}, err
		}
		// Retired and disabled NHIs are not in the inventory and raise no
		// findings: theirs resolve, as they do when read one by one.
		for _, n := range page {
			if scope[n.ID] {
				inv.NHIs = append(inv.NHIs, n)
			}
		}
		if len(page) < pageSize {
			break
		}
		after = page[len(page)-1].ID
	}
	projects, err := tx.ListProjects(ctx)
	if err != nil {
		return Inventory{}, err
	}
	for _, p := range projects {
		inv.Projects[p.ID] = p
	}
	var ids []string
	for _, n := range inv.NHIs {
		ids = append(ids, n.OwnerID)
		ids = append(ids, n.CoOwnerIDs...)
		if p, ok := inv.Projects[n.ProjectID]; ok && n.ProjectID != "" {
			ids = append(ids, p.OwnerID)
		}
	}
	// The named persons, then their managers (Route asks for the
	// owner's), as loadPersons reads them.
	for round := 0; round < 2 && len(ids) > 0; round++ {
		var want []string
		asked := map[string]bool{}
		for _, id := range ids {
			if _, ok := inv.Persons[id]; !ok && id != "" && !asked[id] {
				asked[id] = true
				want = append(want, id)
			}
		}
		if len(want) == 0 {
			break
		}
		persons, err := tx.GetPersons(ctx, want)
		if err != nil {
			return Inventory{}, err
		}
		ids = ids[:0]
		for _, p := range persons {
			inv.Persons[p.ID] = store.PersonRef{ID: p.ID, Status: p.Status, ManagerID: p.ManagerID, UserName: p.UserName, Email: p.Email}
			ids = append(ids, p.ManagerID)
		}
	}
	return inv, nil
}

// reevaluateSetBased is how many NHIs reevaluate reads one by one (about
// five queries each); more, as a pull's batch of changed service accounts
// can be, are evaluated against the inventory read in a handful of
// queries, as Evaluate reads it, with only their findings and tasks
// reconciled.
const reevaluateSetBased = 64

func distinct(ids []string) int {
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		seen[id] = true
	}
	return len(seen)
}

// reevaluateSet is reevaluate for many NHIs: set-based reads, the same
// outcome.
func (s *Service) reevaluateSet(ctx context.Context, tx store.Tx, ids []string, now time.Time) (Summary, error) {
	var sum Summary
	scope := make(map[string]bool, len(ids))
	for _, id := range ids {
		scope[id] = true
	}
	inv, err := loadScopedInventory(ctx, tx, scope)
	if err != nil {
		return sum, err
	}
	all, err := tx.ListFindings(ctx, store.FindingQuery{Limit: store.All})
	if err != nil {
		return sum, err
	}
	findings := slices.DeleteFunc(all, func(f store.Finding) bool { return !scope[f.NHIID] })
	tasks, err := tx.ListTasks(ctx, store.TaskQuery{State: store.TaskOpen, Limit: store.All})
	if err != nil {
		return sum, err
	}
	open := slices.DeleteFunc(tasks, func(k store.ReownershipTask) bool { return !scope[k.NHIID] })
	err = s.apply(ctx, tx, inv, findings, open, scope, now, &sum)
	return sum, err
}

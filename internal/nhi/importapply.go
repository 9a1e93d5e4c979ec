package nhi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// Import row outcomes.
const (
	ImportCreate    = "create"
	ImportUpdate    = "update"
	ImportUnchanged = "unchanged"
	ImportInvalid   = "invalid"
)

// ImportResult is what happened (or, in a dry run, would happen) to one row.
type ImportResult struct {
	Line   int          `json:"line"`
	Name   string       `json:"name"`
	Action string       `json:"action"`
	NHIID  string       `json:"nhi_id,omitempty"`
	Errors []FieldError `json:"errors,omitempty"`
}

// ImportReport is the outcome of an import.
type ImportReport struct {
	DryRun    bool           `json:"dry_run"`
	Rows      []ImportResult `json:"rows"`
	Created   int            `json:"created"`
	Updated   int            `json:"updated"`
	Unchanged int            `json:"unchanged"`
	Invalid   int            `json:"invalid"`
}

var errDryRun = errors.New("dry run")

// Import applies the valid rows in one transaction and lists the invalid
// ones with their line numbers; a row is written entirely or not at all.
// A dry run does exactly the same work, store checks included, and rolls
// it back, so its report is what a real run would do.
func (s *Service) Import(ctx context.Context, actor string, rows []ImportRow, dryRun bool) (ImportReport, error) {
	var rep ImportReport
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		rep = ImportReport{DryRun: dryRun}
		now := s.now()
		existing := map[string]*sourceIndex{}
		seen := map[string]int{} // source\x00name → line
		var touched []string
		for _, row := range rows {
			res := ImportResult{Line: row.Line, Name: row.Input.Name, Errors: row.Errors}
			key := row.Input.Source + "\x00" + row.Input.Name
			if first, dup := seen[key]; dup && row.Input.Name != "" {
				res.Errors = append(res.Errors, FieldError{Field: "name", Msg: fmt.Sprintf("%q appears again in source %q (first on line %d)", row.Input.Name, row.Input.Source, first)})
			} else if row.Input.Name != "" {
				seen[key] = row.Line
			}
			if !structural(res.Errors) {
				// The store checks run even for a row with parse errors, so
				// every problem of the row is listed at once.
				row.Input.Invalid = res.Errors
				if err := s.importRow(ctx, tx, actor, row, existing, now, &res); err != nil {
					return err
				}
			}
			if len(res.Errors) > 0 {
				res.Action = ImportInvalid
				rep.Invalid++
			}
			switch res.Action {
			case ImportCreate:
				rep.Created++
			case ImportUpdate:
				rep.Updated++
			case ImportUnchanged:
				rep.Unchanged++
			}
			if res.Action == ImportCreate || res.Action == ImportUpdate {
				touched = append(touched, res.NHIID)
			}
			rep.Rows = append(rep.Rows, res)
		}
		if _, err := s.reevaluate(ctx, tx, touched, now); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return ImportReport{}, fmt.Errorf("nhi: import: %w", err)
	}
	return rep, nil
}

// importRow creates or updates one row's NHI; problems with the row go to
// res.Errors, store failures are returned.
// sourceIndex is one source's NHIs by name and by external id. Conflicts
// are found here rather than by the database, because a failed statement
// aborts a PostgreSQL transaction and with it the other rows.
type sourceIndex struct {
	byName map[string]store.NHI
	byExt  map[string]store.NHI
}

func (x *sourceIndex) put(n store.NHI) {
	x.byName[n.Name] = n
	if n.ExternalID != "" {
		x.byExt[n.ExternalID] = n
	}
}

func (s *Service) importRow(ctx context.Context, tx store.Tx, actor string, row ImportRow, existing map[string]*sourceIndex, now time.Time, res *ImportResult) error {
	idx, ok := existing[row.Input.Source]
	if !ok {
		idx = &sourceIndex{byName: map[string]store.NHI{}, byExt: map[string]store.NHI{}}
		after := ""
		for {
			page, err := tx.ListNHIs(ctx, store.NHIQuery{Source: row.Input.Source, AfterID: after, Limit: pageSize})
			if err != nil {
				return err
			}
			for _, n := range page {
				idx.put(n)
			}
			if len(page) < pageSize {
				break
			}
			after = page[len(page)-1].ID
		}
		existing[row.Input.Source] = idx
	}
	want, err := buildNHI(ctx, tx, row.Input)
	var ve *ValidationError
	if errors.As(err, &ve) {
		res.Errors = dedupe(ve.Fields)
		return nil
	}
	if err != nil {
		return err
	}
	old, found := idx.byName[row.Input.Name]
	if other, taken := idx.byExt[row.Input.ExternalID]; taken && row.Input.ExternalID != "" && other.Name != row.Input.Name {
		res.Errors = append(res.Errors, FieldError{Field: "external_id", Msg: fmt.Sprintf("%q belongs to %q in source %q", row.Input.ExternalID, other.Name, row.Input.Source)})
		return nil
	}
	if !found {
		n, err := s.createNHI(ctx, tx, actor, row.Input, now)
		if errors.As(err, &ve) {
			res.Errors = append(res.Errors, ve.Fields...)
			return nil
		}
		if err != nil {
			return err
		}
		res.Action, res.NHIID = ImportCreate, n.ID
		idx.put(n)
		return nil
	}
	next := old
	next.Kind, next.Environment, next.OwnerID, next.OwnerRef = want.Kind, want.Environment, want.OwnerID, want.OwnerRef
	next.CoOwnerIDs, next.OwningTeam, next.ProjectID, next.Description = want.CoOwnerIDs, want.OwningTeam, want.ProjectID, want.Description
	next.ExpiresAt, next.RotatedAt, next.LastUsedAt = want.ExpiresAt, want.RotatedAt, want.LastUsedAt
	if row.Input.ExternalID != "" {
		next.ExternalID = row.Input.ExternalID
	}
	res.NHIID = old.ID
	if sameNHI(old, next) {
		res.Action = ImportUnchanged
		return nil
	}
	n, err := tx.UpdateNHI(ctx, old.ID, func(store.NHI) (store.NHI, error) { return next, nil })
	if err != nil {
		return err
	}
	if _, err := audit.Append(ctx, tx, now, audit.Entry{Actor: actor, Action: audit.ActionNHIUpdated, Target: "nhi:" + n.ID,
		Details: map[string]any{"before": nhiDetails(old), "after": nhiDetails(n), "import_line": row.Line}}); err != nil {
		return err
	}
	res.Action = ImportUpdate
	idx.put(n)
	return nil
}

func sameNHI(a, b store.NHI) bool {
	eqT := func(x, y *time.Time) bool {
		return (x == nil) == (y == nil) && (x == nil || x.Truncate(time.Microsecond).Equal(y.Truncate(time.Microsecond)))
	}
	return a.Kind == b.Kind && a.Environment == b.Environment && a.OwnerID == b.OwnerID && a.OwnerRef == b.OwnerRef &&
		slices.Equal(a.CoOwnerIDs, b.CoOwnerIDs) && a.OwningTeam == b.OwningTeam && a.ProjectID == b.ProjectID &&
		a.Description == b.Description && a.ExternalID == b.ExternalID &&
		eqT(a.ExpiresAt, b.ExpiresAt) && eqT(a.RotatedAt, b.RotatedAt) && eqT(a.LastUsedAt, b.LastUsedAt)
}

// structural reports whether errs include a problem with the row as a
// whole (a CSV syntax error, a wrong field count): then nothing in it can
// be trusted enough to look up.
func structural(errs []FieldError) bool {
	for _, e := range errs {
		if e.Field == "(row)" {
			return true
		}
	}
	return false
}

// dedupe drops repeated problems (the parser and the store checks both
// see an unknown kind).
func dedupe(errs []FieldError) []FieldError {
	seen := map[FieldError]bool{}
	var out []FieldError
	for _, e := range errs {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

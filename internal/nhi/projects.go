package nhi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// ProjectInput is a new project; Owner is a person reference.
type ProjectInput struct {
	Name      string
	Owner     string
	StartDate *time.Time
	EndDate   *time.Time
	Invalid   []FieldError // see NHIInput.Invalid
}

// ProjectPatch changes a project: nil leaves a field alone.
type ProjectPatch struct {
	Owner    *string
	EndDate  *time.Time
	ClearEnd bool
	Status   *store.ProjectStatus
	Invalid  []FieldError // see NHIInput.Invalid
}

// CreateProject checks in and writes the project with its audit event.
func (s *Service) CreateProject(ctx context.Context, actor string, in ProjectInput) (store.Project, error) {
	var out store.Project
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		now := s.now()
		fe := append([]FieldError(nil), in.Invalid...)
		p := store.Project{Name: strings.TrimSpace(in.Name), StartDate: in.StartDate, EndDate: in.EndDate, Status: store.ProjectActive}
		if p.Name == "" {
			fe = append(fe, FieldError{Field: "name", Msg: "required"})
		}
		ownerID, e, err := resolvePerson(ctx, tx, "owner", in.Owner)
		if err != nil {
			return err
		}
		if e != nil {
			fe = append(fe, *e)
		}
		p.OwnerID = ownerID
		if e := checkDates(p.StartDate, p.EndDate); e != nil {
			fe = append(fe, *e)
		}
		if fe != nil {
			return &ValidationError{Fields: fe}
		}
		out, err = tx.CreateProject(ctx, p)
		if errors.Is(err, store.ErrConflict) {
			return &ValidationError{Fields: []FieldError{{Field: "name", Msg: fmt.Sprintf("a project named %q exists already", p.Name)}}}
		}
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, now, audit.Entry{Actor: actor, Action: audit.ActionProjectCreated, Target: "project:" + out.ID,
			Details: map[string]any{"name": out.Name, "owner": out.OwnerID, "start": out.StartDate, "end": out.EndDate}})
		return err
	})
	if err != nil {
		return store.Project{}, fmt.Errorf("nhi: create project %q: %w", in.Name, err)
	}
	return out, nil
}

func checkDates(start, end *time.Time) *FieldError {
	if start != nil && end != nil && end.Before(*start) {
		return &FieldError{Field: "end_date", Msg: fmt.Sprintf("%s is before start_date %s", day(*end), day(*start))}
	}
	return nil
}

// UpdateProject applies p, audits it and re-evaluates the project's NHIs
// (extending a project resolves their project-ended findings). check
// authorizes against the project as it was (nil allows).
func (s *Service) UpdateProject(ctx context.Context, actor, id string, p ProjectPatch, check func(store.Project) error) (store.Project, error) {
	var out store.Project
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		now := s.now()
		// The patch is applied to the row as it is once locked, so a
		// concurrent update of another field is never lost.
		var err error
		if out, err = tx.UpdateProject(ctx, id, func(cur store.Project) (store.Project, error) {
			if check != nil {
				if err := check(cur); err != nil {
					return store.Project{}, err
				}
			}
			next := cur
			fe := append([]FieldError(nil), p.Invalid...)
			if p.Owner != nil {
				ownerID, e, err := resolvePerson(ctx, tx, "owner", *p.Owner)
				if err != nil {
					return store.Project{}, err
				}
				if e != nil {
					fe = append(fe, *e)
				}
				next.OwnerID = ownerID
			}
			if p.ClearEnd {
				next.EndDate = nil
			} else if p.EndDate != nil {
				next.EndDate = p.EndDate
			}
			if p.Status != nil {
				if *p.Status != store.ProjectActive && *p.Status != store.ProjectClosed {
					fe = append(fe, FieldError{Field: "status", Msg: fmt.Sprintf("unknown status %q (use active or closed)", *p.Status)})
				}
				next.Status = *p.Status
			}
			if e := checkDates(next.StartDate, next.EndDate); e != nil {
				fe = append(fe, *e)
			}
			if fe != nil {
				return store.Project{}, &ValidationError{Fields: fe}
			}
			return next, nil
		}); err != nil {
			return err
		}
		if _, err := audit.Append(ctx, tx, now, audit.Entry{Actor: actor, Action: audit.ActionProjectUpdated, Target: "project:" + id,
			Details: map[string]any{"owner": out.OwnerID, "end": out.EndDate, "status": out.Status}}); err != nil {
			return err
		}
		return s.reevaluateProject(ctx, tx, id, now)
	})
	if err != nil {
		return store.Project{}, fmt.Errorf("nhi: update project %s: %w", id, err)
	}
	return out, nil
}

// reevaluateProject re-evaluates every NHI of the project.
func (s *Service) reevaluateProject(ctx context.Context, tx store.Tx, id string, now time.Time) error {
	var ids []string
	after := ""
	for {
		page, err := tx.ListNHIs(ctx, store.NHIQuery{ProjectID: id, AfterID: after, Limit: pageSize})
		if err != nil {
			return err
		}
		for _, n := range page {
			ids = append(ids, n.ID)
		}
		if len(page) < pageSize {
			break
		}
		after = page[len(page)-1].ID
	}
	_, err := s.reevaluate(ctx, tx, ids, now)
	return err
}

// ExtendProject moves the project's end date to end, which must be in the
// future and later than its current end, reopening it if it was closed;
// it records project.extended with the reason and re-evaluates the
// project's NHIs (their project-ended findings resolve). check authorizes
// against the project as it was (nil allows).
func (s *Service) ExtendProject(ctx context.Context, actor, id string, end time.Time, reason string, check func(store.Project) error) (store.Project, error) {
	var out store.Project
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		now := s.now()
		if !end.After(now) {
			return &ValidationError{Fields: []FieldError{{Field: "end_date", Msg: "the new end date must be in the future"}}}
		}
		var from string
		var err error
		if out, err = tx.UpdateProject(ctx, id, func(p store.Project) (store.Project, error) {
			if check != nil {
				if err := check(p); err != nil {
					return store.Project{}, err
				}
			}
			if p.EndDate != nil {
				if !end.After(*p.EndDate) {
					return p, &ValidationError{Fields: []FieldError{{Field: "end_date", Msg: "the project already ends on " + day(*p.EndDate)}}}
				}
				from = day(*p.EndDate)
			}
			p.EndDate, p.Status = &end, store.ProjectActive
			return p, nil
		}); err != nil {
			return err
		}
		if _, err := audit.Append(ctx, tx, now, audit.Entry{
			Actor: actor, Action: audit.ActionProjectExtended, Target: "project:" + id,
			Details: map[string]string{"from": from, "to": day(end), "reason": reason},
		}); err != nil {
			return err
		}
		return s.reevaluateProject(ctx, tx, id, now)
	})
	if err != nil {
		return store.Project{}, fmt.Errorf("nhi: extend project %s: %w", id, err)
	}
	return out, nil
}

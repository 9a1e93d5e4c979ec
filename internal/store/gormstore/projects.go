package gormstore

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

type projectRow struct {
	ID        string `gorm:"primaryKey"`
	Name      string
	OwnerID   string
	StartDate *time.Time
	EndDate   *time.Time
	Status    string
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

func (projectRow) TableName() string { return "projects" }

func projectToRow(p store.Project) projectRow {
	return projectRow{
		ID: p.ID, Name: p.Name, OwnerID: p.OwnerID, StartDate: utcPtr(p.StartDate), EndDate: utcPtr(p.EndDate),
		Status: string(p.Status), CreatedAt: utc(p.CreatedAt), UpdatedAt: utc(p.UpdatedAt),
	}
}

func (r projectRow) toProject() store.Project {
	return store.Project{
		ID: r.ID, Name: r.Name, OwnerID: r.OwnerID, StartDate: utcPtr(r.StartDate), EndDate: utcPtr(r.EndDate),
		Status: store.ProjectStatus(r.Status), CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
	}
}

func validProject(p store.Project) error {
	switch {
	case p.Name == "":
		return fmt.Errorf("name is required")
	case p.Status != store.ProjectActive && p.Status != store.ProjectClosed:
		return fmt.Errorf("invalid status %q", p.Status)
	}
	return nil
}

// CreateProject inserts p; an empty ID gets a UUIDv7, an empty status
// "active", zero times now. Names are unique (store.ErrConflict).
func (t *txn) CreateProject(ctx context.Context, p store.Project) (store.Project, error) {
	op := fmt.Sprintf("create project %q", p.Name)
	if p.Status == "" {
		p.Status = store.ProjectActive
	}
	if err := validProject(p); err != nil {
		return store.Project{}, fmt.Errorf("gormstore: %s: %w", op, err)
	}
	if p.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return store.Project{}, fmt.Errorf("gormstore: %s: %w", op, err)
		}
		p.ID = id.String()
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = t.stamp()
	}
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = p.CreatedAt
	}
	row := projectToRow(p)
	if err := t.conn(ctx).Create(&row).Error; err != nil {
		return store.Project{}, wrap(op, err)
	}
	return row.toProject(), nil
}

// GetProject returns the project with id.
func (t *txn) GetProject(ctx context.Context, id string) (store.Project, error) {
	var row projectRow
	if err := t.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return store.Project{}, wrap(fmt.Sprintf("get project %q", id), err)
	}
	return row.toProject(), nil
}

// GetProjectByName returns the project named name (exact match).
func (t *txn) GetProjectByName(ctx context.Context, name string) (store.Project, error) {
	var row projectRow
	if err := t.conn(ctx).Where("name = ?", name).Take(&row).Error; err != nil {
		return store.Project{}, wrap(fmt.Sprintf("get project by name %q", name), err)
	}
	return row.toProject(), nil
}

// UpdateProject reads the project under a row lock, applies fn and writes
// the result. fn may not change ID or CreatedAt; UpdatedAt is set to now
// unless fn set it. fn's error is returned as is.
func (t *txn) UpdateProject(ctx context.Context, id string, fn func(store.Project) (store.Project, error)) (store.Project, error) {
	var (
		out   store.Project
		fnErr error
	)
	err := t.atomic(ctx, func(t *txn) error {
		var row projectRow
		if err := t.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error; err != nil {
			return err
		}
		old := row.toProject()
		var next store.Project
		if next, fnErr = fn(old); fnErr != nil {
			return fnErr
		}
		next.ID, next.CreatedAt = old.ID, old.CreatedAt
		if err := validProject(next); err != nil {
			return err
		}
		if next.UpdatedAt.Equal(old.UpdatedAt) || next.UpdatedAt.IsZero() {
			next.UpdatedAt = t.stamp()
		}
		row = projectToRow(next)
		if err := t.conn(ctx).Model(&projectRow{}).Where("id = ?", id).Select("*").Omit("id", "created_at").Updates(&row).Error; err != nil {
			return err
		}
		out = row.toProject()
		return nil
	})
	if fnErr != nil {
		return store.Project{}, fnErr
	}
	if err != nil {
		return store.Project{}, wrap(fmt.Sprintf("update project %q", id), err)
	}
	return out, nil
}

// ListProjects returns all projects ordered by name.
func (t *txn) ListProjects(ctx context.Context) ([]store.Project, error) {
	var rows []projectRow
	if err := t.conn(ctx).Order("name").Find(&rows).Error; err != nil {
		return nil, wrap("list projects", err)
	}
	out := make([]store.Project, len(rows))
	for i, r := range rows {
		out[i] = r.toProject()
	}
	return out, nil
}

package gormstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

type personRow struct {
	ID              string `gorm:"primaryKey"`
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
	ManagerID       string
	Status          string
	StatusChangedAt *time.Time
	StatusCause     string
	CreatedAt       time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt       time.Time `gorm:"autoUpdateTime:false"`
}

func (personRow) TableName() string { return "persons" }

func personToRow(p store.Person) personRow {
	return personRow{
		ID: p.ID, UserName: p.UserName, Email: p.Email,
		GivenName: p.GivenName, FamilyName: p.FamilyName, DisplayName: p.DisplayName,
		EmployeeNumber: p.EmployeeNumber, Title: p.Title, Department: p.Department,
		CostCenter: p.CostCenter, Organization: p.Organization, Division: p.Division,
		ManagerID: p.ManagerID, Status: string(p.Status),
		StatusChangedAt: utcPtr(&p.StatusChangedAt), StatusCause: p.StatusCause,
		CreatedAt: utc(p.CreatedAt), UpdatedAt: utc(p.UpdatedAt),
	}
}

func (r personRow) toPerson() store.Person {
	p := store.Person{
		ID: r.ID, UserName: r.UserName, Email: r.Email,
		GivenName: r.GivenName, FamilyName: r.FamilyName, DisplayName: r.DisplayName,
		EmployeeNumber: r.EmployeeNumber, Title: r.Title, Department: r.Department,
		CostCenter: r.CostCenter, Organization: r.Organization, Division: r.Division,
		ManagerID: r.ManagerID, Status: store.Status(r.Status), StatusCause: r.StatusCause,
		CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
	}
	if r.StatusChangedAt != nil {
		p.StatusChangedAt = utc(*r.StatusChangedAt)
	}
	return p
}

func personsFromRows(rows []personRow) []store.Person {
	out := make([]store.Person, len(rows))
	for i, r := range rows {
		out[i] = r.toPerson()
	}
	return out
}

// CreatePerson inserts p. An empty ID gets a UUIDv7, an empty status
// "active", zero CreatedAt/UpdatedAt the current time.
func (t *txn) CreatePerson(ctx context.Context, p store.Person) (store.Person, error) {
	if p.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return store.Person{}, fmt.Errorf("gormstore: create person: %w", err)
		}
		p.ID = id.String()
	}
	if p.Status == "" {
		p.Status = store.StatusActive
	}
	if !p.Status.Valid() {
		return store.Person{}, fmt.Errorf("gormstore: create person: invalid status %q", p.Status)
	}
	now := t.stamp()
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = p.CreatedAt
	}
	row := personToRow(p)
	if err := t.conn(ctx).Create(&row).Error; err != nil {
		return store.Person{}, wrap("create person", err)
	}
	return row.toPerson(), nil
}

// GetPerson returns the person with id.
func (t *txn) GetPerson(ctx context.Context, id string) (store.Person, error) {
	var row personRow
	if err := t.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return store.Person{}, wrap(fmt.Sprintf("get person %q", id), err)
	}
	return row.toPerson(), nil
}

// UpdatePerson reads the person under a row lock, applies fn and writes the
// result. fn may not change the ID or CreatedAt; UpdatedAt is set to now
// unless fn set it.
func (t *txn) UpdatePerson(ctx context.Context, id string, fn func(store.Person) (store.Person, error)) (store.Person, error) {
	op := fmt.Sprintf("update person %q", id)
	var (
		out   store.Person
		fnErr error
	)
	err := t.atomic(ctx, func(t *txn) error {
		var row personRow
		if err := t.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error; err != nil {
			return err
		}
		old := row.toPerson()
		var next store.Person
		if next, fnErr = fn(old); fnErr != nil {
			return fnErr
		}
		next.ID, next.CreatedAt = old.ID, old.CreatedAt
		if !next.Status.Valid() {
			return fmt.Errorf("invalid status %q", next.Status)
		}
		if next.UpdatedAt.Equal(old.UpdatedAt) || next.UpdatedAt.IsZero() {
			next.UpdatedAt = t.stamp()
		}
		row = personToRow(next)
		if err := t.conn(ctx).Model(&personRow{}).Where("id = ?", id).Select("*").Omit("id", "created_at").Updates(&row).Error; err != nil {
			return err
		}
		out = row.toPerson()
		return nil
	})
	if fnErr != nil {
		return store.Person{}, fnErr
	}
	if err != nil {
		return store.Person{}, wrap(op, err)
	}
	return out, nil
}

// matchColumns maps a match key to its column.
var matchColumns = map[store.MatchKey]string{
	store.MatchEmployeeNumber: "employee_number",
	store.MatchEmail:          "email",
	store.MatchUserName:       "user_name",
}

// FindPersons returns the persons whose key attribute equals value,
// case-insensitively, ordered by ID. An empty value matches nobody.
func (t *txn) FindPersons(ctx context.Context, key store.MatchKey, value string) ([]store.Person, error) {
	col, ok := matchColumns[key]
	if !ok {
		return nil, fmt.Errorf("gormstore: find persons: unknown match key %q", key)
	}
	if value == "" {
		return nil, nil
	}
	var rows []personRow
	err := t.conn(ctx).Where("lower("+col+") = lower(?)", value).Order("id").Find(&rows).Error
	if err != nil {
		return nil, wrap("find persons by "+string(key), err)
	}
	return personsFromRows(rows), nil
}

// ListPersons returns the persons matching q ordered by ID, a page of
// q.Limit (default 100) after q.AfterID.
func (t *txn) ListPersons(ctx context.Context, q store.PersonQuery) ([]store.Person, error) {
	limit := pageLimit(q.Limit)
	db := t.personFilter(t.conn(ctx).Model(&personRow{}), q)
	if q.AfterID != "" {
		db = db.Where("id > ?", q.AfterID)
	}
	var rows []personRow
	if err := db.Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("list persons", err)
	}
	return personsFromRows(rows), nil
}

// CountPersons counts the persons matching q, ignoring its pagination.
func (t *txn) CountPersons(ctx context.Context, q store.PersonQuery) (int, error) {
	var n int64
	if err := t.personFilter(t.conn(ctx).Model(&personRow{}), q).Count(&n).Error; err != nil {
		return 0, wrap("count persons", err)
	}
	return int(n), nil
}

// personFilter adds q's filters (not its pagination) to db.
func (t *txn) personFilter(db *gorm.DB, q store.PersonQuery) *gorm.DB {
	if q.Text != "" {
		pattern := "%" + likeEscaper.Replace(q.Text) + "%"
		db = db.Where(`(lower(user_name) LIKE lower(@p) ESCAPE '\' OR lower(email) LIKE lower(@p) ESCAPE '\'`+
			` OR lower(display_name) LIKE lower(@p) ESCAPE '\' OR lower(given_name) LIKE lower(@p) ESCAPE '\'`+
			` OR lower(family_name) LIKE lower(@p) ESCAPE '\')`, map[string]any{"p": pattern})
	}
	if q.Department != "" {
		db = db.Where("lower(department) = lower(?)", q.Department)
	}
	if q.Status != "" {
		db = db.Where("status = ?", string(q.Status))
	}
	if q.ManagerID != "" {
		db = db.Where("manager_id = ?", q.ManagerID)
	}
	if q.JobFunction != "" {
		db = db.Where("EXISTS (SELECT 1 FROM job_function_assignments j"+
			" WHERE j.person_id = persons.id AND j.job_function = ? AND j.valid_to IS NULL)", q.JobFunction)
	}
	if q.Source != "" {
		db = db.Where("EXISTS (SELECT 1 FROM source_links l WHERE l.person_id = persons.id AND l.source = ?)", q.Source)
	}
	return db
}

// likeEscaper escapes LIKE wildcards so user text matches literally.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ListPersonRefs returns the lean view of every person in one query.
func (t *txn) ListPersonRefs(ctx context.Context) ([]store.PersonRef, error) {
	var out []store.PersonRef
	err := t.eachRow(ctx, frag{sql: "SELECT id, status, manager_id, user_name, email FROM persons ORDER BY id"},
		func(scan func(...any) error) error {
			var (
				r                           store.PersonRef
				status, mgr, userName, mail sql.NullString
			)
			if err := scan(&r.ID, &status, &mgr, &userName, &mail); err != nil {
				return err
			}
			r.Status, r.ManagerID, r.UserName, r.Email = store.Status(status.String), mgr.String, userName.String, mail.String
			out = append(out, r)
			return nil
		})
	if err != nil {
		return nil, wrap("list person refs", err)
	}
	return out, nil
}

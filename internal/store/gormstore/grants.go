package gormstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

type grantRow struct {
	ID                  string `gorm:"primaryKey"`
	ItemID              string
	HolderID            string
	HolderNHIID         string `gorm:"column:holder_nhi_id"`
	RequestID           string
	DecisionID          int64
	Assurance           string
	ApproverIDs         string
	StartAt             time.Time
	EndAt               time.Time
	State               string
	FulfillmentStatus   string
	FulfillmentError    string
	FulfillmentRef      string
	EndedAt             *time.Time
	EndedBy             string
	EndReason           string
	WorkDueAt           *time.Time
	LeaseUntil          *time.Time
	LeaseToken          string
	FulfillmentAttempts int
	EndState            string
	TakebackState       string
	TakebackError       string
	TakebackAttempts    int
	TakebackRequestedAt *time.Time
	TakebackDoneAt      *time.Time
	TakebackAdapter     string
	CreatedAt           time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt           time.Time `gorm:"autoUpdateTime:false"`
}

func (grantRow) TableName() string { return "grants" }

func grantToRow(g store.Grant) (grantRow, error) {
	approvers, err := json.Marshal(nonNil(g.ApproverIDs))
	if err != nil {
		return grantRow{}, err
	}
	return grantRow{
		ID: g.ID, ItemID: g.ItemID, HolderID: g.HolderID, HolderNHIID: g.HolderNHIID, RequestID: g.RequestID, DecisionID: g.DecisionID,
		Assurance: g.Assurance, ApproverIDs: string(approvers), StartAt: utc(g.Start), EndAt: utc(g.End),
		State: string(g.State), FulfillmentStatus: g.FulfillmentStatus, FulfillmentError: g.FulfillmentError,
		FulfillmentRef: g.FulfillmentRef, EndedAt: utcPtr(g.EndedAt), EndedBy: g.EndedBy, EndReason: g.EndReason,
		WorkDueAt: utcPtr(g.Work.DueAt), LeaseUntil: utcPtr(g.Work.LeaseUntil), LeaseToken: g.Work.LeaseToken,
		FulfillmentAttempts: g.Work.Attempts, EndState: string(g.Work.EndState),
		TakebackState: g.TakeBack.State, TakebackError: g.TakeBack.Error, TakebackAttempts: g.TakeBack.Attempts,
		TakebackRequestedAt: utcPtr(g.TakeBack.RequestedAt), TakebackDoneAt: utcPtr(g.TakeBack.DoneAt), TakebackAdapter: g.TakeBack.Adapter,
		CreatedAt: utc(g.CreatedAt), UpdatedAt: utc(g.UpdatedAt),
	}, nil
}

func (r grantRow) toGrant() (store.Grant, error) {
	g := store.Grant{
		ID: r.ID, ItemID: r.ItemID, HolderID: r.HolderID, HolderNHIID: r.HolderNHIID, RequestID: r.RequestID, DecisionID: r.DecisionID,
		Assurance: r.Assurance, Start: utc(r.StartAt), End: utc(r.EndAt), State: store.GrantState(r.State),
		FulfillmentStatus: r.FulfillmentStatus, FulfillmentError: r.FulfillmentError, FulfillmentRef: r.FulfillmentRef,
		EndedAt: utcPtr(r.EndedAt), EndedBy: r.EndedBy, EndReason: r.EndReason,
		Work: store.GrantWork{DueAt: utcPtr(r.WorkDueAt), LeaseUntil: utcPtr(r.LeaseUntil), LeaseToken: r.LeaseToken,
			Attempts: r.FulfillmentAttempts, EndState: store.GrantState(r.EndState)},
		TakeBack: store.TakeBack{State: r.TakebackState, Error: r.TakebackError, Attempts: r.TakebackAttempts,
			RequestedAt: utcPtr(r.TakebackRequestedAt), DoneAt: utcPtr(r.TakebackDoneAt), Adapter: r.TakebackAdapter},
		CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
	}
	if err := json.Unmarshal([]byte(r.ApproverIDs), &g.ApproverIDs); err != nil {
		return store.Grant{}, fmt.Errorf("grant %s: approver ids: %w", r.ID, err)
	}
	if len(g.ApproverIDs) == 0 {
		g.ApproverIDs = nil
	}
	return g, nil
}

func validGrant(g store.Grant) error {
	switch {
	case g.ItemID == "" || g.HolderID == "":
		return errors.New("item and holder are required")
	case g.Assurance == "":
		return errors.New("assurance is required")
	case !g.End.After(g.Start):
		return errors.New("end must be after start")
	}
	switch g.State {
	case store.GrantPending, store.GrantActive, store.GrantFailed, store.GrantEnding, store.GrantEnded, store.GrantRevoked:
		return nil
	}
	return fmt.Errorf("invalid state %q", g.State)
}

// CreateGrant stores a grant; an empty ID gets a UUIDv7.
func (t *txn) CreateGrant(ctx context.Context, g store.Grant) (store.Grant, error) {
	if err := validGrant(g); err != nil {
		return store.Grant{}, fmt.Errorf("gormstore: create grant: %w", err)
	}
	if g.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return store.Grant{}, fmt.Errorf("gormstore: create grant: %w", err)
		}
		g.ID = id.String()
	}
	if g.CreatedAt.IsZero() {
		g.CreatedAt = t.stamp()
	}
	if g.UpdatedAt.IsZero() {
		g.UpdatedAt = g.CreatedAt
	}
	if g.FulfillmentStatus == "" {
		g.FulfillmentStatus = "pending"
	}
	row, err := grantToRow(g)
	if err != nil {
		return store.Grant{}, fmt.Errorf("gormstore: create grant: %w", err)
	}
	if err := t.conn(ctx).Create(&row).Error; err != nil {
		return store.Grant{}, wrap("create grant", err)
	}
	return row.toGrant()
}

// GetGrant returns the grant with id.
func (t *txn) GetGrant(ctx context.Context, id string) (store.Grant, error) {
	var row grantRow
	if err := t.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return store.Grant{}, wrap(fmt.Sprintf("get grant %q", id), err)
	}
	return row.toGrant()
}

// UpdateGrant is a read-modify-write of one grant under a row lock.
func (t *txn) UpdateGrant(ctx context.Context, id string, fn func(store.Grant) (store.Grant, error)) (store.Grant, error) {
	var (
		out   store.Grant
		fnErr error
	)
	err := t.atomic(ctx, func(t *txn) error {
		var row grantRow
		if err := t.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error; err != nil {
			return err
		}
		old, err := row.toGrant()
		if err != nil {
			return err
		}
		var next store.Grant
		if next, fnErr = fn(old); fnErr != nil {
			return fnErr
		}
		next.ID, next.CreatedAt = old.ID, old.CreatedAt
		if err := validGrant(next); err != nil {
			return err
		}
		next.UpdatedAt = t.stamp()
		if row, err = grantToRow(next); err != nil {
			return err
		}
		if err := t.conn(ctx).Model(&grantRow{}).Where("id = ?", id).Select("*").Omit("id", "created_at").Updates(&row).Error; err != nil {
			return err
		}
		out, err = row.toGrant()
		return err
	})
	if fnErr != nil {
		return store.Grant{}, fnErr
	}
	if err != nil {
		return store.Grant{}, wrap(fmt.Sprintf("update grant %q", id), err)
	}
	return out, nil
}

// ListGrants returns matching grants, oldest first.
func (t *txn) ListGrants(ctx context.Context, q store.GrantQuery) ([]store.Grant, error) {
	db := t.conn(ctx).Model(&grantRow{})
	if q.HolderID != "" {
		db = db.Where("holder_id = ?", q.HolderID)
	}
	switch {
	case q.ItemID != "" && len(q.ItemIDs) > 0:
		db = db.Where("item_id IN ?", append([]string{q.ItemID}, q.ItemIDs...))
	case q.ItemID != "":
		db = db.Where("item_id = ?", q.ItemID)
	case len(q.ItemIDs) > 0:
		db = db.Where("item_id IN ?", q.ItemIDs)
	}
	if q.HolderNHIID != "" {
		db = db.Where("holder_nhi_id = ?", q.HolderNHIID)
	}
	if len(q.States) > 0 {
		states := make([]string, len(q.States))
		for i, s := range q.States {
			states[i] = string(s)
		}
		db = db.Where("state IN ?", states)
	}
	if q.EndBefore != nil {
		db = db.Where("state = ? AND end_at < ?", string(store.GrantActive), utc(*q.EndBefore))
	}
	limit := pageLimit(q.Limit)
	var rows []grantRow
	if err := db.Order("created_at, id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("list grants", err)
	}
	out := make([]store.Grant, 0, len(rows))
	for _, r := range rows {
		g, err := r.toGrant()
		if err != nil {
			return nil, fmt.Errorf("gormstore: list grants: %w", err)
		}
		out = append(out, g)
	}
	return out, nil
}

type notificationRow struct {
	ID        int64 `gorm:"primaryKey"`
	PersonID  string
	Kind      string
	Subject   string
	Message   string
	DedupeKey string
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	ReadAt    *time.Time
}

func (notificationRow) TableName() string { return "notifications" }

// CreateNotification records n once per DedupeKey; a repeat is
// store.ErrConflict and leaves the transaction usable.
func (t *txn) CreateNotification(ctx context.Context, n store.Notification) (store.Notification, error) {
	if n.PersonID == "" || n.DedupeKey == "" {
		return store.Notification{}, errors.New("gormstore: create notification: person and dedupe key are required")
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = t.stamp()
	}
	row := notificationRow{PersonID: n.PersonID, Kind: n.Kind, Subject: n.Subject, Message: n.Message, DedupeKey: n.DedupeKey, CreatedAt: utc(n.CreatedAt), ReadAt: utcPtr(n.ReadAt)}
	// DO NOTHING rather than a unique violation: inside a PostgreSQL
	// transaction a violation would abort the caller's whole transaction.
	res := t.conn(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "dedupe_key"}}, DoNothing: true}).Create(&row)
	if res.Error != nil {
		return store.Notification{}, wrap("create notification", res.Error)
	}
	if res.RowsAffected == 0 {
		return store.Notification{}, fmt.Errorf("gormstore: create notification %q: %w", n.DedupeKey, store.ErrConflict)
	}
	n.ID, n.CreatedAt = row.ID, row.CreatedAt
	return n, nil
}

// ListNotifications returns a person's notifications, newest first.
func (t *txn) ListNotifications(ctx context.Context, personID string, unreadOnly bool) ([]store.Notification, error) {
	db := t.conn(ctx).Where("person_id = ?", personID)
	if unreadOnly {
		db = db.Where("read_at IS NULL")
	}
	var rows []notificationRow
	if err := db.Order("id DESC").Limit(defaultLimit).Find(&rows).Error; err != nil {
		return nil, wrap("list notifications", err)
	}
	out := make([]store.Notification, len(rows))
	for i, r := range rows {
		out[i] = store.Notification{ID: r.ID, PersonID: r.PersonID, Kind: r.Kind, Subject: r.Subject, Message: r.Message, DedupeKey: r.DedupeKey, CreatedAt: utc(r.CreatedAt), ReadAt: utcPtr(r.ReadAt)}
	}
	return out, nil
}

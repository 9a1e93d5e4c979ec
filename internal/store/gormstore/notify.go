package gormstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

var _ store.NotifyTx = (*txn)(nil)

type digestRow struct {
	ID        int64 `gorm:"primaryKey"`
	Channel   string
	PersonID  string
	Kind      string
	Subject   string
	Day       string
	State     string
	SendAfter time.Time
	Attempts  int
	LastError string
	SentAt    *time.Time
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

func (digestRow) TableName() string { return "notification_digests" }

func (r digestRow) toDigest() store.NotificationDigest {
	return store.NotificationDigest{
		ID:        r.ID,
		DigestKey: store.DigestKey{Channel: r.Channel, PersonID: r.PersonID, Kind: r.Kind, Subject: r.Subject, Day: r.Day},
		State:     store.DigestState(r.State), SendAfter: utc(r.SendAfter), Attempts: r.Attempts, LastError: r.LastError,
		SentAt: utcPtr(r.SentAt), CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
	}
}

type deliveryRow struct {
	NotificationID int64  `gorm:"primaryKey;autoIncrement:false"`
	Channel        string `gorm:"primaryKey"`
	DigestID       *int64
	Reason         string
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
}

func (deliveryRow) TableName() string { return "notification_deliveries" }

func (r notificationRow) toNotification() store.Notification {
	return store.Notification{ID: r.ID, PersonID: r.PersonID, Kind: r.Kind, Subject: r.Subject, Message: r.Message,
		DedupeKey: r.DedupeKey, CreatedAt: utc(r.CreatedAt), ReadAt: utcPtr(r.ReadAt)}
}

// ListUndispatchedNotifications is an anti-join on the deliveries'
// primary key, walking notifications by (created_at, id).
func (t *txn) ListUndispatchedNotifications(ctx context.Context, channel string, since time.Time, limit int) ([]store.Notification, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	var rows []notificationRow
	err := t.conn(ctx).
		Where("created_at >= ?", utc(since)).
		Where("NOT EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.notification_id = notifications.id AND d.channel = ?)", channel).
		Order("created_at, id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, wrap("list undispatched notifications", err)
	}
	out := make([]store.Notification, len(rows))
	for i, r := range rows {
		out[i] = r.toNotification()
	}
	return out, nil
}

// OpenDigest inserts the digest with ON CONFLICT DO NOTHING (a unique
// violation would abort a PostgreSQL transaction), then reads it locked.
func (t *txn) OpenDigest(ctx context.Context, key store.DigestKey, sendAfter time.Time) (store.NotificationDigest, bool, error) {
	op := fmt.Sprintf("open digest %s/%s/%s/%s", key.Channel, key.PersonID, key.Kind, key.Day)
	if key.Channel == "" || key.PersonID == "" || key.Kind == "" || key.Day == "" {
		return store.NotificationDigest{}, false, fmt.Errorf("gormstore: %s: channel, person, kind and day are required", op)
	}
	now := t.stamp()
	row := digestRow{Channel: key.Channel, PersonID: key.PersonID, Kind: key.Kind, Subject: key.Subject, Day: key.Day,
		State: string(store.DigestOpen), SendAfter: utc(sendAfter), CreatedAt: now, UpdatedAt: now}
	var created bool
	err := t.atomic(ctx, func(t *txn) error {
		res := t.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return res.Error
		}
		created = res.RowsAffected == 1
		row = digestRow{}
		return t.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("channel = ? AND person_id = ? AND kind = ? AND subject = ? AND day = ?", key.Channel, key.PersonID, key.Kind, key.Subject, key.Day).
			Take(&row).Error
	})
	if err != nil {
		return store.NotificationDigest{}, false, wrap(op, err)
	}
	return row.toDigest(), created, nil
}

// AddDelivery inserts d with ON CONFLICT DO NOTHING on its primary key.
func (t *txn) AddDelivery(ctx context.Context, d store.NotificationDelivery) (bool, error) {
	op := fmt.Sprintf("add delivery %d/%s", d.NotificationID, d.Channel)
	if d.NotificationID == 0 || d.Channel == "" {
		return false, fmt.Errorf("gormstore: %s: notification and channel are required", op)
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = t.stamp()
	}
	row := deliveryRow{NotificationID: d.NotificationID, Channel: d.Channel, Reason: d.Reason, CreatedAt: utc(d.CreatedAt)}
	if d.DigestID != 0 {
		row.DigestID = &d.DigestID
	}
	res := t.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	if res.Error != nil {
		return false, wrap(op, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// GetDigest returns a digest by id.
func (t *txn) GetDigest(ctx context.Context, id int64) (store.NotificationDigest, error) {
	var row digestRow
	if err := t.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return store.NotificationDigest{}, wrap(fmt.Sprintf("get digest %d", id), err)
	}
	return row.toDigest(), nil
}

// UpdateDigest is a locked read-modify-write of the digest's mutable
// fields; its key never changes.
func (t *txn) UpdateDigest(ctx context.Context, id int64, fn func(store.NotificationDigest) (store.NotificationDigest, error)) (store.NotificationDigest, error) {
	op := fmt.Sprintf("update digest %d", id)
	var out store.NotificationDigest
	var fnErr error
	err := t.atomic(ctx, func(t *txn) error {
		var row digestRow
		if err := t.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error; err != nil {
			return err
		}
		next, err := fn(row.toDigest())
		if err != nil {
			fnErr = err
			return err
		}
		row.State, row.Attempts, row.LastError = string(next.State), next.Attempts, next.LastError
		row.SendAfter, row.SentAt, row.UpdatedAt = utc(next.SendAfter), utcPtr(next.SentAt), t.stamp()
		if err := t.conn(ctx).Save(&row).Error; err != nil {
			return err
		}
		out = row.toDigest()
		return nil
	})
	if fnErr != nil {
		return store.NotificationDigest{}, fnErr
	}
	if err != nil {
		return store.NotificationDigest{}, wrap(op, err)
	}
	return out, nil
}

// ListDigestNotifications joins the digest's deliveries to their
// notifications.
func (t *txn) ListDigestNotifications(ctx context.Context, digestID int64) ([]store.Notification, error) {
	var rows []notificationRow
	err := t.conn(ctx).
		Where("id IN (SELECT notification_id FROM notification_deliveries WHERE digest_id = ?)", digestID).
		Order("created_at, id").Find(&rows).Error
	if err != nil {
		return nil, wrap(fmt.Sprintf("list digest %d notifications", digestID), err)
	}
	out := make([]store.Notification, len(rows))
	for i, r := range rows {
		out[i] = r.toNotification()
	}
	return out, nil
}

// ListDigests returns digests, newest first.
func (t *txn) ListDigests(ctx context.Context, q store.DigestQuery) ([]store.NotificationDigest, error) {
	limit := pageLimit(q.Limit)
	db := t.conn(ctx)
	if len(q.States) > 0 {
		states := make([]string, len(q.States))
		for i, s := range q.States {
			states[i] = string(s)
		}
		db = db.Where("state IN ?", states)
	}
	if q.PersonID != "" {
		db = db.Where("person_id = ?", q.PersonID)
	}
	var rows []digestRow
	if err := db.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("list digests", err)
	}
	out := make([]store.NotificationDigest, len(rows))
	for i, r := range rows {
		out[i] = r.toDigest()
	}
	return out, nil
}

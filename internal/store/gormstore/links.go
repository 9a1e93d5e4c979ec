package gormstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

type linkRow struct {
	Source     string `gorm:"primaryKey"`
	ExternalID string `gorm:"primaryKey"`
	PersonID   string
	Attributes string // JSON object; JSONB on PostgreSQL
	ManagerRef string
	Raw        []byte
	RawDigest  *string // store.RawDigest(Raw), NULL for no document
	Version    int64
	AssertedAt time.Time
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt  time.Time `gorm:"autoUpdateTime:false"`
}

func (linkRow) TableName() string { return "source_links" }

// linkUpdateColumns are what replacing a link writes: the document and
// its digest always together.
var linkUpdateColumns = []string{"person_id", "attributes", "manager_ref", "raw", "raw_digest", "asserted_at", "updated_at"}

func linkToRow(l store.SourceLink) (linkRow, error) {
	attrs := l.Attributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	b := marshalStringMap(attrs)
	var digest *string
	if d := store.RawDigest(l.Raw); d != "" {
		digest = &d
	}
	return linkRow{
		Source: l.Source, ExternalID: l.ExternalID, PersonID: l.PersonID,
		Attributes: string(b), ManagerRef: l.ManagerRef, Raw: l.Raw, RawDigest: digest, Version: l.Version,
		AssertedAt: utc(l.AssertedAt), CreatedAt: utc(l.CreatedAt), UpdatedAt: utc(l.UpdatedAt),
	}, nil
}

// marshalStringMap is json.Marshal(m) without reflection (keys sorted,
// strings quoted as encoding/json quotes them): every link a pull writes
// encodes its attributes.
func marshalStringMap(m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	n := 2
	for k, v := range m {
		keys = append(keys, k)
		n += len(k) + len(v) + 6
	}
	slices.Sort(keys)
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = store.AppendJSONString(b, k)
		b = append(b, ':')
		b = store.AppendJSONString(b, m[k])
	}
	return append(b, '}')
}

// toLink converts a row; an empty attribute set or raw value comes back nil.
func (r linkRow) toLink() (store.SourceLink, error) {
	l := store.SourceLink{
		Source: r.Source, ExternalID: r.ExternalID, PersonID: r.PersonID,
		ManagerRef: r.ManagerRef, Version: r.Version,
		AssertedAt: utc(r.AssertedAt), CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
	}
	if len(r.Raw) > 0 {
		l.Raw = r.Raw
	}
	if r.Attributes != "" {
		if err := json.Unmarshal([]byte(r.Attributes), &l.Attributes); err != nil {
			return store.SourceLink{}, fmt.Errorf("link %s/%s: decode attributes: %w", r.Source, r.ExternalID, err)
		}
		if len(l.Attributes) == 0 {
			l.Attributes = nil
		}
	}
	return l, nil
}

func linksFromRows(rows []linkRow) ([]store.SourceLink, error) {
	out := make([]store.SourceLink, len(rows))
	for i, r := range rows {
		l, err := r.toLink()
		if err != nil {
			return nil, err
		}
		out[i] = l
	}
	return out, nil
}

// GetSourceLink returns the link of (source, externalID).
func (t *txn) GetSourceLink(ctx context.Context, source, externalID string) (store.SourceLink, error) {
	op := fmt.Sprintf("get source link %s/%s", source, externalID)
	var row linkRow
	if err := t.conn(ctx).Where("source = ? AND external_id = ?", source, externalID).Take(&row).Error; err != nil {
		return store.SourceLink{}, wrap(op, err)
	}
	l, err := row.toLink()
	if err != nil {
		return store.SourceLink{}, wrap(op, err)
	}
	return l, nil
}

// PutSourceLink creates or replaces the link for (Source, ExternalID). A
// replaced link keeps its CreatedAt; UpdatedAt is always now, AssertedAt now
// when zero. A PersonID that does not exist gives store.ErrNotFound.
func (t *txn) PutSourceLink(ctx context.Context, l store.SourceLink) (store.SourceLink, error) {
	op := fmt.Sprintf("put source link %s/%s", l.Source, l.ExternalID)
	if l.Source == "" || l.ExternalID == "" || l.PersonID == "" {
		return store.SourceLink{}, fmt.Errorf("gormstore: %s: source, external id and person id are required", op)
	}
	var out store.SourceLink
	err := t.atomic(ctx, func(t *txn) error {
		now := t.stamp()
		var old linkRow
		err := t.conn(ctx).Where("source = ? AND external_id = ?", l.Source, l.ExternalID).Take(&old).Error
		switch {
		case err == nil:
			l.CreatedAt = old.CreatedAt
			l.Version = old.Version + 1
		case errors.Is(err, gorm.ErrRecordNotFound):
			l.Version = 1
			if l.CreatedAt.IsZero() {
				l.CreatedAt = now
			}
		default:
			return err
		}
		l.UpdatedAt = now
		if l.AssertedAt.IsZero() {
			l.AssertedAt = now
		}
		row, err := linkToRow(l)
		if err != nil {
			return err
		}
		// An upsert rather than insert-or-update, so two first puts racing
		// on PostgreSQL do not conflict; the version is raised from the
		// row as it is when written, not as it was read.
		err = t.conn(ctx).Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "source"}, {Name: "external_id"}},
			DoUpdates: append(clause.AssignmentColumns(linkUpdateColumns),
				clause.Assignment{Column: clause.Column{Name: "version"}, Value: gorm.Expr("source_links.version + 1")}),
		}).Create(&row).Error
		if err != nil {
			return err
		}
		out, err = row.toLink()
		return err
	})
	if err != nil {
		return store.SourceLink{}, wrap(op, err)
	}
	return out, nil
}

// DeleteSourceLink removes the link of (source, externalID).
func (t *txn) DeleteSourceLink(ctx context.Context, source, externalID string) error {
	op := fmt.Sprintf("delete source link %s/%s", source, externalID)
	res := t.conn(ctx).Where("source = ? AND external_id = ?", source, externalID).Delete(&linkRow{})
	if res.Error != nil {
		return wrap(op, res.Error)
	}
	if res.RowsAffected == 0 {
		return wrap(op, store.ErrNotFound)
	}
	return nil
}

// ListSourceLinks returns the links of a person ordered by source and
// external id.
func (t *txn) ListSourceLinks(ctx context.Context, personID string) ([]store.SourceLink, error) {
	var rows []linkRow
	if err := t.conn(ctx).Where("person_id = ?", personID).Order("source, external_id").Find(&rows).Error; err != nil {
		return nil, wrap("list source links", err)
	}
	links, err := linksFromRows(rows)
	if err != nil {
		return nil, wrap("list source links", err)
	}
	return links, nil
}

// FindSourceLinks returns the links of source whose attribute equals value,
// case-insensitively, ordered by external id. An empty value matches none.
func (t *txn) FindSourceLinks(ctx context.Context, source, attribute, value string) ([]store.SourceLink, error) {
	op := fmt.Sprintf("find source links %s by %q", source, attribute)
	if attribute == "" || strings.ContainsAny(attribute, `"\`) {
		return nil, fmt.Errorf("gormstore: %s: invalid attribute name", op)
	}
	if value == "" {
		return nil, nil
	}
	var rows []linkRow
	db := t.conn(ctx).Where("source = ?", source)
	if plainKey.MatchString(attribute) {
		// A literal key, so an expression index on it (dn, migration
		// 00004) serves the lookup instead of a scan of every link.
		db = db.Where("lower("+t.jsonAttrLiteral(attribute)+") = lower(?)", value)
	} else {
		db = db.Where("lower("+t.jsonAttr("?")+") = lower(?)", t.jsonKey(attribute), value)
	}
	err := db.Order("external_id").Find(&rows).Error
	if err != nil {
		return nil, wrap(op, err)
	}
	links, err := linksFromRows(rows)
	if err != nil {
		return nil, wrap(op, err)
	}
	return links, nil
}

// ListUnresolvedManagerLinks returns the links of source that carry a
// manager reference but no resolved "manager" attribute, by external id.
func (t *txn) ListUnresolvedManagerLinks(ctx context.Context, source string) ([]store.SourceLink, error) {
	op := fmt.Sprintf("list unresolved manager links %s", source)
	var rows []linkRow
	// Written exactly as the partial index of migration 00004 states it,
	// so identity's per-batch retry reads only the unresolved links.
	err := t.conn(ctx).Where("source = ?", source).
		Where("manager_ref <> '' AND coalesce(" + t.jsonAttrLiteral("manager") + ", '') = ''").
		Order("external_id").Find(&rows).Error
	if err != nil {
		return nil, wrap(op, err)
	}
	links, err := linksFromRows(rows)
	if err != nil {
		return nil, wrap(op, err)
	}
	return links, nil
}

// jsonAttr is the SQL extracting the text of one attribute, whose key (from
// jsonKey) is bound to the placeholder param.
func (t *txn) jsonAttr(param string) string {
	if t.postgres() {
		return "(attributes ->> " + param + "::text)"
	}
	return "json_extract(attributes, " + param + ")"
}

// plainKey matches attribute names safe to write into SQL literally.
var plainKey = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// jsonAttrLiteral is jsonAttr with the key written into the SQL, in the
// form the expression indexes of the migrations use; key must match
// plainKey.
func (t *txn) jsonAttrLiteral(key string) string {
	if t.postgres() {
		return "(attributes ->> '" + key + "')"
	}
	return "json_extract(attributes, '$." + key + "')"
}

// jsonKey is the bound value naming attribute for jsonAttr: the key itself
// on PostgreSQL, a quoted JSON path on SQLite.
func (t *txn) jsonKey(attribute string) string {
	if t.postgres() {
		return attribute
	}
	return `$."` + attribute + `"`
}

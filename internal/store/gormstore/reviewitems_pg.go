package gormstore

import (
	"context"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// plainNew reports whether items are fresh (undecided, no remediation),
// which the PostgreSQL fast path below inserts.
func plainNew(items []store.ReviewItem) bool {
	for _, it := range items {
		if it.Decision != "" || it.DecidedAt != nil || it.DecidedBy != "" || it.Justification != "" || it.Defaulted ||
			it.Escalated || it.Reassigned != 0 || it.Remediation != (store.Remediation{}) || it.DecidedIssuer != "" || it.DecidedSubject != "" {
			return false
		}
	}
	return true
}

// createReviewItemsPG inserts fresh items with one statement over column
// arrays (unnest) and their reviewers with another: generation writes a
// million items, and per-row parameters cost far more than the rows.
// IDs are drawn from the identity sequence first so they map back to the
// items in order.
func (t *txn) createReviewItemsPG(ctx context.Context, rows []reviewItemRow) error {
	pool := t.conn(ctx).Statement.ConnPool
	n := len(rows)
	// The sequence is looked up once (OFFSET 0 keeps the planner from
	// inlining the subquery), not once per row: per row it cost more than
	// drawing the ids.
	idRows, err := pool.QueryContext(ctx, `SELECT nextval(q.seq) FROM (SELECT pg_get_serial_sequence('review_items', 'id')::regclass AS seq OFFSET 0) AS q,
		generate_series(1, $1)`, n)
	if err != nil {
		return err
	}
	ids := make([]int64, 0, n)
	for idRows.Next() {
		var id int64
		if err := idRows.Scan(&id); err != nil {
			idRows.Close()
			return err
		}
		ids = append(ids, id)
	}
	idRows.Close()
	if err := idRows.Err(); err != nil {
		return err
	}
	if len(ids) != n {
		return fmt.Errorf("drew %d ids for %d items", len(ids), n)
	}
	var (
		campaign, grant, nhi, holder, holderNHI, item, snapshot, version, reviewers, route, rec, reason, state = make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		stage   = make([]int64, n)
		created = make([]time.Time, n)
	)
	for i := range rows {
		r := &rows[i]
		r.ID = ids[i]
		campaign[i], grant[i], nhi[i], holder[i], holderNHI[i], item[i] = r.CampaignID, r.GrantID, r.NHIID, r.HolderID, r.HolderNHIID, r.ItemID
		snapshot[i], version[i], reviewers[i], route[i], rec[i], reason[i], state[i] = r.Snapshot, r.DefinitionVersion, r.ReviewerIDs, r.Route, r.Recommendation, r.Reason, r.State
		stage[i], created[i] = int64(r.Stage), r.CreatedAt
	}
	_, err = pool.ExecContext(ctx, `INSERT INTO review_items (id, campaign_id, grant_id, nhi_id, holder_id, holder_nhi_id, item_id, snapshot,
		definition_version, stage, reviewer_ids, route, recommendation, reason, state, version, created_at, updated_at)
		SELECT u.id, u.campaign_id, u.grant_id, u.nhi_id, u.holder_id, u.holder_nhi_id, u.item_id, u.snapshot, u.definition_version,
		       u.stage, u.reviewer_ids, u.route, u.recommendation, u.reason, u.state, 1, u.created_at, u.created_at
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
		            $10::int[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::timestamptz[])
		  AS u(id, campaign_id, grant_id, nhi_id, holder_id, holder_nhi_id, item_id, snapshot, definition_version,
		       stage, reviewer_ids, route, recommendation, reason, state, created_at)`,
		ids, campaign, grant, nhi, holder, holderNHI, item, snapshot, version, stage, reviewers, route, rec, reason, state, created)
	return err
}

// createReviewersPG inserts the reviewer index rows in one statement.
func (t *txn) createReviewersPG(ctx context.Context, revs []reviewerRow) error {
	if len(revs) == 0 {
		return nil
	}
	items, campaigns, persons := make([]int64, len(revs)), make([]string, len(revs)), make([]string, len(revs))
	for i, r := range revs {
		items[i], campaigns[i], persons[i] = r.ItemID, r.CampaignID, r.PersonID
	}
	_, err := t.conn(ctx).Statement.ConnPool.ExecContext(ctx, `INSERT INTO review_item_reviewers (item_id, campaign_id, person_id)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])`, items, campaigns, persons)
	return err
}

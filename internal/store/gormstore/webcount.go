package gormstore

import (
	"context"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// CountPendingApprovals counts with the filter ListRequests uses for
// RequestQuery.Approver.
func (t *txn) CountPendingApprovals(ctx context.Context, approverID string) (int, error) {
	if approverID == "" {
		return 0, nil
	}
	var n int64
	err := t.conn(ctx).Model(&requestRow{}).
		Where("state = ? AND approvers LIKE ?", string(store.RequestPending), "%|"+escapeLike(approverID)+"|%").
		Count(&n).Error
	if err != nil {
		return 0, wrap("count pending approvals", err)
	}
	return int(n), nil
}

// CountOpenReviewItems counts through the reviewer index joined to the
// items and their campaigns, so only the current stage of active
// campaigns counts.
func (t *txn) CountOpenReviewItems(ctx context.Context, reviewerID string) (int, error) {
	if reviewerID == "" {
		return 0, nil
	}
	var n int64
	err := t.conn(ctx).Table("review_item_reviewers r").
		Joins("JOIN review_items i ON i.id = r.item_id").
		Joins("JOIN campaigns c ON c.id = i.campaign_id").
		Where("r.person_id = ? AND c.state = ? AND i.stage = c.stage AND i.holder_id <> ? AND i.decision = '' AND i.state IN ?",
			reviewerID, string(store.CampaignActive), reviewerID,
			[]string{string(store.ItemPending), string(store.ItemDecided), string(store.ItemEscalated)}).
		Count(&n).Error
	if err != nil {
		return 0, wrap("count open review items", err)
	}
	return int(n), nil
}

// CountDecidedByDay groups decided items by the UTC date of decided_at
// (stored in UTC on SQLite, as timestamptz on PostgreSQL).
func (t *txn) CountDecidedByDay(ctx context.Context, campaignID string) ([]store.DayCount, error) {
	day := "substr(decided_at, 1, 10)"
	if t.dialect == DriverPostgres {
		day = "to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	var rows []struct {
		Day string
		N   int
	}
	err := t.conn(ctx).Model(&reviewItemRow{}).
		Select(day+" AS day, COUNT(*) AS n").
		Where("campaign_id = ? AND decision <> '' AND decided_at IS NOT NULL", campaignID).
		Group(day).Order("day").Scan(&rows).Error
	if err != nil {
		return nil, wrap("count decided by day", err)
	}
	out := make([]store.DayCount, 0, len(rows))
	for _, r := range rows {
		d, err := time.Parse("2006-01-02", r.Day)
		if err != nil {
			return nil, fmt.Errorf("gormstore: count decided by day: day %q: %w", r.Day, err)
		}
		out = append(out, store.DayCount{Day: d, N: r.N})
	}
	return out, nil
}

package gormstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/syncd-dev/syncd/internal/store"
)

var _ store.ReviewBulkTx = (*txn)(nil)

// bulkChunk bounds the (id, version) pairs of one statement: two
// parameters each, well under SQLite's and PostgreSQL's limits.
const bulkChunk = 500

func validReviewChange(ch store.ReviewItemChange) error {
	switch ch.State {
	case "", store.ItemPending, store.ItemDecided, store.ItemEscalated, store.ItemFinal:
	default:
		return fmt.Errorf("invalid state %q", ch.State)
	}
	if ch.Stage != nil && *ch.Stage < 0 {
		return fmt.Errorf("invalid stage %d", *ch.Stage)
	}
	if d := ch.Default; d != nil {
		if d.Decision != store.DecisionCertify && d.Decision != store.DecisionRevoke {
			return fmt.Errorf("invalid decision %q", d.Decision)
		}
		if ch.ClearDecision {
			return errors.New("a change cannot both clear and set the decision")
		}
	}
	if r := ch.Remediation; r != nil {
		switch r.State {
		case store.RemediationNone, store.RemediationRequested, store.RemediationFulfilled, store.RemediationVerified,
			store.RemediationFailed, store.RemediationUnverified, store.RemediationNotVerifiable:
		default:
			return fmt.Errorf("invalid remediation state %q", r.State)
		}
	}
	return nil
}

// changeColumns is the column assignment of one change.
func (t *txn) changeColumns(ch store.ReviewItemChange) (map[string]any, error) {
	cols := map[string]any{"version": gorm.Expr("version + 1"), "updated_at": t.stamp()}
	if ch.Stage != nil {
		cols["stage"] = *ch.Stage
	}
	if ch.State != "" {
		cols["state"] = string(ch.State)
	}
	if ch.Reviewers != nil {
		b, err := json.Marshal(nonNil(*ch.Reviewers))
		if err != nil {
			return nil, err
		}
		cols["reviewer_ids"], cols["route"] = string(b), ch.Route
	}
	if ch.ClearDecision {
		for _, c := range []string{"decision", "justification", "decided_by", "decided_issuer", "decided_subject"} {
			cols[c] = ""
		}
		cols["decided_at"], cols["defaulted"] = nil, false
	}
	if d := ch.Default; d != nil {
		cols["decision"], cols["justification"], cols["decided_by"] = d.Decision, d.Justification, d.DecidedBy
		cols["decided_issuer"], cols["decided_subject"] = "", ""
		cols["decided_at"], cols["defaulted"] = utc(d.At), true
	}
	if ch.Escalated != nil {
		cols["escalated"] = *ch.Escalated
	}
	if ch.Remediation != nil {
		r := *ch.Remediation
		cols["remediation_state"], cols["remediation_requested_at"] = string(r.State), utcPtr(r.RequestedAt)
		cols["remediation_fulfilled_at"], cols["remediation_adapter"] = utcPtr(r.FulfilledAt), r.Adapter
		cols["remediation_verified_at"], cols["remediation_verified_run"] = utcPtr(r.VerifiedAt), r.VerifiedRun
		cols["remediation_failed_at"], cols["remediation_error"] = utcPtr(r.FailedAt), r.Error
		cols["remediation_escalated_at"], cols["remediation_source"] = utcPtr(r.EscalatedAt), r.VerifySource
		cols["remediation_checks"], cols["remediation_reason"] = r.Checks, r.Reason
	}
	return cols, nil
}

// UpdateReviewItemsSet is one version-checked UPDATE per chunk of items
// (plus the reviewer index when reviewers change); a chunk that does not
// update every listed row is a conflict.
func (t *txn) UpdateReviewItemsSet(ctx context.Context, items []store.ReviewItemVersion, ch store.ReviewItemChange) error {
	if err := validReviewChange(ch); err != nil {
		return fmt.Errorf("gormstore: update review items: %w", err)
	}
	cols, err := t.changeColumns(ch)
	if err != nil {
		return fmt.Errorf("gormstore: update review items: %w", err)
	}
	var reviewers []string
	if ch.Reviewers != nil {
		seen := map[string]bool{}
		for _, p := range *ch.Reviewers {
			if p != "" && !seen[p] {
				seen[p] = true
				reviewers = append(reviewers, p)
			}
		}
	}
	err = t.atomic(ctx, func(t *txn) error {
		for start := 0; start < len(items); start += bulkChunk {
			chunk := items[start:min(start+bulkChunk, len(items))]
			ids := make([]int64, len(chunk))
			var sb strings.Builder
			args := make([]any, 0, 2*len(chunk))
			sb.WriteString("(id, version) IN (VALUES ")
			for i, it := range chunk {
				if i > 0 {
					sb.WriteString(",")
				}
				sb.WriteString("(CAST(? AS BIGINT),CAST(? AS BIGINT))")
				args = append(args, it.ID, it.Version)
				ids[i] = it.ID
			}
			sb.WriteString(")")
			if len(reviewers) > 0 {
				var selfReview int64
				if err := t.conn(ctx).Model(&reviewItemRow{}).Where("id IN ? AND holder_id IN ?", ids, reviewers).
					Count(&selfReview).Error; err != nil {
					return err
				}
				if selfReview > 0 {
					return fmt.Errorf("%d items' holders are among their reviewers: no one may review their own access", selfReview)
				}
			}
			res := t.conn(ctx).Model(&reviewItemRow{}).Where(sb.String(), args...).Updates(cols)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != int64(len(chunk)) {
				return fmt.Errorf("%w: %d of %d review items changed since they were read", store.ErrConflict,
					int64(len(chunk))-res.RowsAffected, len(chunk))
			}
			if ch.Reviewers == nil {
				continue
			}
			if err := t.conn(ctx).Where("item_id IN ?", ids).Delete(&reviewerRow{}).Error; err != nil {
				return err
			}
			if len(reviewers) == 0 {
				continue
			}
			var campaigns []struct {
				ID         int64
				CampaignID string
			}
			if err := t.conn(ctx).Model(&reviewItemRow{}).Select("id, campaign_id").Where("id IN ?", ids).
				Scan(&campaigns).Error; err != nil {
				return err
			}
			revs := make([]reviewerRow, 0, len(campaigns)*len(reviewers))
			for _, c := range campaigns {
				for _, p := range reviewers {
					revs = append(revs, reviewerRow{ItemID: c.ID, CampaignID: c.CampaignID, PersonID: p})
				}
			}
			if err := t.conn(ctx).CreateInBatches(&revs, 300).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return wrap("update review items", err)
	}
	return nil
}

// CreateReviewDecisions inserts decisions in batches.
func (t *txn) CreateReviewDecisions(ctx context.Context, ds []store.ReviewDecision) error {
	if len(ds) == 0 {
		return nil
	}
	rows := make([]reviewDecisionRow, len(ds))
	for i, d := range ds {
		switch {
		case d.ItemID == 0 || d.CampaignID == "" || d.ReviewerID == "":
			return errors.New("gormstore: create review decisions: item, campaign and reviewer are required")
		case d.Decision != store.DecisionCertify && d.Decision != store.DecisionRevoke && d.Decision != store.DecisionReassign:
			return fmt.Errorf("gormstore: create review decisions: invalid decision %q", d.Decision)
		}
		prev, err := json.Marshal(nonNil(d.PreviousReviewerIDs))
		if err != nil {
			return fmt.Errorf("gormstore: create review decisions: %w", err)
		}
		if d.CreatedAt.IsZero() {
			d.CreatedAt = t.stamp()
		}
		rows[i] = reviewDecisionRow{
			ItemID: d.ItemID, CampaignID: d.CampaignID, Stage: d.Stage, Decision: d.Decision, ReviewerID: d.ReviewerID,
			Issuer: d.Issuer, Subject: d.Subject, Justification: d.Justification, RecommendationShown: d.RecommendationShown,
			ReasonShown: d.ReasonShown, Defaulted: d.Defaulted, ReassignTo: d.ReassignTo, PreviousReviewerIDs: string(prev),
			CreatedAt: utc(d.CreatedAt),
		}
	}
	if err := t.conn(ctx).CreateInBatches(&rows, 200).Error; err != nil {
		return wrap("create review decisions", err)
	}
	return nil
}

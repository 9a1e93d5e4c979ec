package gormstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

type reviewItemRow struct {
	ID                     int64 `gorm:"primaryKey"`
	CampaignID             string
	GrantID                string
	NHIID                  string `gorm:"column:nhi_id"`
	HolderID               string
	HolderNHIID            string `gorm:"column:holder_nhi_id"`
	ItemID                 string
	Snapshot               string
	DefinitionVersion      string
	Stage                  int
	ReviewerIDs            string
	Route                  string
	Recommendation         string
	Reason                 string
	State                  string
	Decision               string
	Justification          string
	DecidedBy              string
	DecidedIssuer          string
	DecidedSubject         string
	DecidedAt              *time.Time
	Defaulted              bool
	Escalated              bool
	Reassigned             int
	RemediationState       string
	RemediationRequestedAt *time.Time
	RemediationFulfilledAt *time.Time
	RemediationAdapter     string
	RemediationVerifiedAt  *time.Time
	RemediationVerifiedRun int64
	RemediationFailedAt    *time.Time
	RemediationError       string
	RemediationEscalatedAt *time.Time
	RemediationSource      string
	RemediationChecks      int
	RemediationReason      string
	Version                int64
	CreatedAt              time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt              time.Time `gorm:"autoUpdateTime:false"`
}

func (reviewItemRow) TableName() string { return "review_items" }

type reviewerRow struct {
	ItemID     int64 `gorm:"primaryKey;autoIncrement:false"`
	CampaignID string
	PersonID   string `gorm:"primaryKey"`
}

func (reviewerRow) TableName() string { return "review_item_reviewers" }

type snapshotJSON struct {
	HolderName   string     `json:"holderName,omitempty"`
	HolderDept   string     `json:"holderDepartment,omitempty"`
	JobFunctions []string   `json:"jobFunctions,omitempty"`
	ItemName     string     `json:"itemName,omitempty"`
	RiskTier     string     `json:"riskTier,omitempty"`
	Source       string     `json:"source,omitempty"`
	Assurance    string     `json:"assurance,omitempty"`
	Start        time.Time  `json:"start"`
	Expiry       *time.Time `json:"expiry,omitempty"`
	LastUsedAt   *time.Time `json:"lastUsedAt,omitempty"`
	Environment  string     `json:"environment,omitempty"`
	NHIKind      string     `json:"nhiKind,omitempty"`
	ProjectID    string     `json:"projectId,omitempty"`
}

func reviewItemToRow(it store.ReviewItem) (reviewItemRow, error) {
	s := it.Snapshot
	snap, err := json.Marshal(snapshotJSON{
		HolderName: s.HolderName, HolderDept: s.HolderDept, JobFunctions: s.JobFunctions, ItemName: s.ItemName,
		RiskTier: s.RiskTier, Source: s.Source, Assurance: s.Assurance, Start: utc(s.Start), Expiry: utcPtr(s.Expiry),
		LastUsedAt: utcPtr(s.LastUsedAt), Environment: s.Environment, NHIKind: s.NHIKind, ProjectID: s.ProjectID,
	})
	if err != nil {
		return reviewItemRow{}, err
	}
	reviewers, err := json.Marshal(nonNil(it.ReviewerIDs))
	if err != nil {
		return reviewItemRow{}, err
	}
	r := it.Remediation
	return reviewItemRow{
		ID: it.ID, CampaignID: it.CampaignID, GrantID: it.GrantID, NHIID: it.NHIID, HolderID: it.HolderID,
		HolderNHIID: it.HolderNHIID, ItemID: it.ItemID, Snapshot: string(snap), DefinitionVersion: it.DefinitionVersion,
		Stage: it.Stage, ReviewerIDs: string(reviewers), Route: it.Route, Recommendation: it.Recommendation,
		Reason: it.Reason, State: string(it.State), Decision: it.Decision, Justification: it.Justification,
		DecidedBy: it.DecidedBy, DecidedIssuer: it.DecidedIssuer, DecidedSubject: it.DecidedSubject,
		DecidedAt: utcPtr(it.DecidedAt), Defaulted: it.Defaulted, Escalated: it.Escalated, Reassigned: it.Reassigned,
		RemediationState: string(r.State), RemediationRequestedAt: utcPtr(r.RequestedAt),
		RemediationFulfilledAt: utcPtr(r.FulfilledAt), RemediationAdapter: r.Adapter,
		RemediationVerifiedAt: utcPtr(r.VerifiedAt), RemediationVerifiedRun: r.VerifiedRun,
		RemediationFailedAt: utcPtr(r.FailedAt), RemediationError: r.Error,
		RemediationEscalatedAt: utcPtr(r.EscalatedAt), RemediationSource: r.VerifySource,
		RemediationChecks: r.Checks, RemediationReason: r.Reason,
		Version: it.Version, CreatedAt: utc(it.CreatedAt), UpdatedAt: utc(it.UpdatedAt),
	}, nil
}

func (r reviewItemRow) toReviewItem() (store.ReviewItem, error) {
	it := store.ReviewItem{
		ID: r.ID, CampaignID: r.CampaignID, GrantID: r.GrantID, NHIID: r.NHIID, HolderID: r.HolderID,
		HolderNHIID: r.HolderNHIID, ItemID: r.ItemID, DefinitionVersion: r.DefinitionVersion, Stage: r.Stage,
		Route: r.Route, Recommendation: r.Recommendation, Reason: r.Reason, State: store.ReviewItemState(r.State),
		Decision: r.Decision, Justification: r.Justification, DecidedBy: r.DecidedBy, DecidedIssuer: r.DecidedIssuer,
		DecidedSubject: r.DecidedSubject, DecidedAt: utcPtr(r.DecidedAt), Defaulted: r.Defaulted,
		Escalated: r.Escalated, Reassigned: r.Reassigned,
		Remediation: store.Remediation{
			State: store.RemediationState(r.RemediationState), RequestedAt: utcPtr(r.RemediationRequestedAt),
			FulfilledAt: utcPtr(r.RemediationFulfilledAt), Adapter: r.RemediationAdapter,
			VerifiedAt: utcPtr(r.RemediationVerifiedAt), VerifiedRun: r.RemediationVerifiedRun,
			FailedAt: utcPtr(r.RemediationFailedAt), Error: r.RemediationError,
			EscalatedAt: utcPtr(r.RemediationEscalatedAt), VerifySource: r.RemediationSource,
			Checks: r.RemediationChecks, Reason: r.RemediationReason,
		},
		Version: r.Version, CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
	}
	var s snapshotJSON
	if err := json.Unmarshal([]byte(r.Snapshot), &s); err != nil {
		return store.ReviewItem{}, fmt.Errorf("review item %d: snapshot: %w", r.ID, err)
	}
	it.Snapshot = store.ReviewSnapshot{
		HolderName: s.HolderName, HolderDept: s.HolderDept, JobFunctions: s.JobFunctions, ItemName: s.ItemName,
		RiskTier: s.RiskTier, Source: s.Source, Assurance: s.Assurance, Start: utc(s.Start), Expiry: utcPtr(s.Expiry),
		LastUsedAt: utcPtr(s.LastUsedAt), Environment: s.Environment, NHIKind: s.NHIKind, ProjectID: s.ProjectID,
	}
	if err := json.Unmarshal([]byte(r.ReviewerIDs), &it.ReviewerIDs); err != nil {
		return store.ReviewItem{}, fmt.Errorf("review item %d: reviewers: %w", r.ID, err)
	}
	if len(it.ReviewerIDs) == 0 {
		it.ReviewerIDs = nil
	}
	return it, nil
}

func validReviewItem(it store.ReviewItem) error {
	switch {
	case it.CampaignID == "":
		return errors.New("campaign is required")
	case (it.GrantID == "") == (it.NHIID == ""):
		return errors.New("exactly one of grant and nhi is required")
	case it.Recommendation != store.RecommendKeep && it.Recommendation != store.RecommendRevoke:
		return fmt.Errorf("invalid recommendation %q", it.Recommendation)
	case it.Decision != "" && it.Decision != store.DecisionCertify && it.Decision != store.DecisionRevoke:
		return fmt.Errorf("invalid decision %q", it.Decision)
	case it.Stage < 0:
		return fmt.Errorf("invalid stage %d", it.Stage)
	}
	for _, id := range it.ReviewerIDs {
		if id != "" && (id == it.HolderID) {
			return fmt.Errorf("holder %s may not review their own access", id)
		}
	}
	switch it.Remediation.State {
	case store.RemediationNone, store.RemediationRequested, store.RemediationFulfilled, store.RemediationVerified,
		store.RemediationFailed, store.RemediationUnverified, store.RemediationNotVerifiable:
	default:
		return fmt.Errorf("invalid remediation state %q", it.Remediation.State)
	}
	switch it.State {
	case store.ItemPending, store.ItemDecided, store.ItemEscalated, store.ItemFinal:
		return nil
	}
	return fmt.Errorf("invalid state %q", it.State)
}

func reviewerRows(it store.ReviewItem) []reviewerRow {
	seen := map[string]bool{}
	var out []reviewerRow
	for _, p := range it.ReviewerIDs {
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, reviewerRow{ItemID: it.ID, CampaignID: it.CampaignID, PersonID: p})
	}
	return out
}

// CreateReviewItems inserts items and their reviewers in batches.
func (t *txn) CreateReviewItems(ctx context.Context, items []store.ReviewItem) ([]store.ReviewItem, error) {
	if len(items) == 0 {
		return nil, nil
	}
	rows := make([]reviewItemRow, len(items))
	now := t.stamp()
	for i, it := range items {
		if it.State == "" {
			it.State = store.ItemPending
		}
		if err := validReviewItem(it); err != nil {
			return nil, fmt.Errorf("gormstore: create review items: grant %q nhi %q: %w", it.GrantID, it.NHIID, err)
		}
		if it.CreatedAt.IsZero() {
			it.CreatedAt = now
		}
		it.ID, it.UpdatedAt, it.Version = 0, it.CreatedAt, 1
		row, err := reviewItemToRow(it)
		if err != nil {
			return nil, fmt.Errorf("gormstore: create review items: %w", err)
		}
		rows[i] = row
	}
	out := make([]store.ReviewItem, len(rows))
	fast := t.postgres() && plainNew(items)
	err := t.atomic(ctx, func(t *txn) error {
		if fast {
			if err := t.createReviewItemsPG(ctx, rows); err != nil {
				return err
			}
		} else if err := t.conn(ctx).CreateInBatches(&rows, batchSize).Error; err != nil {
			return err
		}
		var revs []reviewerRow
		for i, r := range rows {
			// What was written, without decoding it back: generation
			// writes a million of these.
			it := items[i]
			it.ID, it.State, it.Version = r.ID, store.ReviewItemState(r.State), r.Version
			it.CreatedAt, it.UpdatedAt = r.CreatedAt, r.UpdatedAt
			it.Snapshot = normSnapshot(it.Snapshot)
			if len(it.ReviewerIDs) == 0 {
				it.ReviewerIDs = nil
			}
			it.DecidedAt = utcPtr(it.DecidedAt)
			it.Remediation = normRemediation(it.Remediation)
			out[i] = it
			revs = append(revs, reviewerRows(it)...)
		}
		if len(revs) == 0 {
			return nil
		}
		if fast {
			return t.createReviewersPG(ctx, revs)
		}
		return t.conn(ctx).CreateInBatches(&revs, batchSize).Error
	})
	if err != nil {
		return nil, wrap("create review items", err)
	}
	return out, nil
}

// GetReviewItem returns the review item with id.
func (t *txn) GetReviewItem(ctx context.Context, id int64) (store.ReviewItem, error) {
	var row reviewItemRow
	if err := t.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return store.ReviewItem{}, wrap(fmt.Sprintf("get review item %d", id), err)
	}
	it, err := row.toReviewItem()
	if err != nil {
		return store.ReviewItem{}, fmt.Errorf("gormstore: get review item: %w", err)
	}
	return it, nil
}

// UpdateReviewItem is a read-modify-write of one item under a row lock;
// fn may not change ID, CampaignID, GrantID, NHIID, HolderID, the snapshot
// or CreatedAt. The reviewer index follows ReviewerIDs.
func (t *txn) UpdateReviewItem(ctx context.Context, id int64, fn func(store.ReviewItem) (store.ReviewItem, error)) (store.ReviewItem, error) {
	var (
		out   store.ReviewItem
		fnErr error
	)
	err := t.atomic(ctx, func(t *txn) error {
		var row reviewItemRow
		if err := t.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error; err != nil {
			return err
		}
		old, err := row.toReviewItem()
		if err != nil {
			return err
		}
		var next store.ReviewItem
		if next, fnErr = fn(old); fnErr != nil {
			return fnErr
		}
		next.ID, next.CampaignID, next.GrantID, next.NHIID, next.HolderID, next.HolderNHIID = old.ID, old.CampaignID, old.GrantID, old.NHIID, old.HolderID, old.HolderNHIID
		next.ItemID, next.Snapshot, next.DefinitionVersion, next.CreatedAt = old.ItemID, old.Snapshot, old.DefinitionVersion, old.CreatedAt
		if err := validReviewItem(next); err != nil {
			return err
		}
		next.Version, next.UpdatedAt = old.Version+1, t.stamp()
		if row, err = reviewItemToRow(next); err != nil {
			return err
		}
		if err := t.conn(ctx).Model(&reviewItemRow{}).Where("id = ?", id).Select("*").
			Omit("id", "campaign_id", "grant_id", "nhi_id", "holder_id", "holder_nhi_id", "item_id", "snapshot", "definition_version", "created_at").
			Updates(&row).Error; err != nil {
			return err
		}
		if !sameStrings(old.ReviewerIDs, next.ReviewerIDs) {
			if err := t.conn(ctx).Where("item_id = ?", id).Delete(&reviewerRow{}).Error; err != nil {
				return err
			}
			if revs := reviewerRows(next); len(revs) > 0 {
				if err := t.conn(ctx).Create(&revs).Error; err != nil {
					return err
				}
			}
		}
		out, err = row.toReviewItem()
		return err
	})
	if fnErr != nil {
		return store.ReviewItem{}, fnErr
	}
	if err != nil {
		return store.ReviewItem{}, wrap(fmt.Sprintf("update review item %d", id), err)
	}
	return out, nil
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ListReviewItems returns matching items ordered by ID.
func (t *txn) ListReviewItems(ctx context.Context, q store.ReviewItemQuery) ([]store.ReviewItem, error) {
	db := t.conn(ctx).Model(&reviewItemRow{})
	if q.ReviewerID != "" {
		sub := t.conn(ctx).Model(&reviewerRow{}).Select("item_id").Where("person_id = ?", q.ReviewerID)
		if q.CampaignID != "" {
			sub = sub.Where("campaign_id = ?", q.CampaignID)
		}
		db = db.Where("id IN (?)", sub)
	}
	if q.CampaignID != "" {
		db = db.Where("campaign_id = ?", q.CampaignID)
	}
	if q.Stage != nil {
		db = db.Where("stage = ?", *q.Stage)
	}
	if len(q.States) > 0 {
		states := make([]string, len(q.States))
		for i, s := range q.States {
			states[i] = string(s)
		}
		db = db.Where("state IN ?", states)
	}
	if q.Decision != nil {
		db = db.Where("decision = ?", *q.Decision)
	}
	if len(q.Remediation) > 0 {
		states := make([]string, len(q.Remediation))
		for i, s := range q.Remediation {
			states[i] = string(s)
		}
		db = db.Where("remediation_state IN ?", states)
	}
	if q.HolderID != "" {
		db = db.Where("holder_id = ?", q.HolderID)
	}
	if q.ItemID != "" {
		db = db.Where("item_id = ?", q.ItemID)
	}
	if q.GrantID != "" {
		db = db.Where("grant_id = ?", q.GrantID)
	}
	if q.NHIID != "" {
		db = db.Where("nhi_id = ?", q.NHIID)
	}
	if q.AfterID > 0 {
		db = db.Where("id > ?", q.AfterID)
	}
	limit := pageLimit(q.Limit)
	var rows []reviewItemRow
	if err := db.Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("list review items", err)
	}
	out := make([]store.ReviewItem, 0, len(rows))
	for _, r := range rows {
		it, err := r.toReviewItem()
		if err != nil {
			return nil, fmt.Errorf("gormstore: list review items: %w", err)
		}
		out = append(out, it)
	}
	return out, nil
}

// CountReviewItems summarises a campaign's items with two grouped queries.
func (t *txn) CountReviewItems(ctx context.Context, campaignID string) (store.ReviewCounts, error) {
	type group struct {
		Stage      int
		Decision   string
		Defaulted  bool
		Escalated  bool
		Reassigned bool
		Remedy     string
		N          int
	}
	var groups []group
	err := t.conn(ctx).Model(&reviewItemRow{}).
		Select("stage, decision, defaulted, escalated, reassigned > 0 AS reassigned, remediation_state AS remedy, COUNT(*) AS n").
		Where("campaign_id = ?", campaignID).
		Group("stage, decision, defaulted, escalated, reassigned > 0, remediation_state").
		Scan(&groups).Error
	if err != nil {
		return store.ReviewCounts{}, wrap(fmt.Sprintf("count review items of %q", campaignID), err)
	}
	c := store.ReviewCounts{ByStage: map[int]store.StageCounts{}, Remediation: map[store.RemediationState]int{}}
	for _, g := range groups {
		c.Total += g.N
		sc := c.ByStage[g.Stage]
		sc.Total += g.N
		switch g.Decision {
		case store.DecisionCertify:
			c.Certified += g.N
			sc.Certified += g.N
		case store.DecisionRevoke:
			c.Revoked += g.N
			sc.Revoked += g.N
		default:
			c.Undecided += g.N
			sc.Undecided += g.N
		}
		c.ByStage[g.Stage] = sc
		if g.Defaulted {
			c.Defaulted += g.N
		}
		if g.Escalated {
			c.Escalated += g.N
		}
		if g.Reassigned {
			c.Reassigned += g.N
		}
		if g.Remedy != "" {
			c.Remediation[store.RemediationState(g.Remedy)] += g.N
		}
	}
	return c, nil
}

// ListReviewerLoads counts pending items per reviewer in one stage.
func (t *txn) ListReviewerLoads(ctx context.Context, campaignID string, stage int) ([]store.ReviewerLoad, error) {
	var rows []struct {
		PersonID string
		N        int
	}
	err := t.conn(ctx).Table("review_item_reviewers AS r").
		Select("r.person_id AS person_id, COUNT(*) AS n").
		Joins("JOIN review_items i ON i.id = r.item_id").
		Where("r.campaign_id = ? AND i.stage = ? AND i.state IN ?", campaignID, stage, []string{string(store.ItemPending), string(store.ItemEscalated)}).
		Group("r.person_id").Order("r.person_id").Scan(&rows).Error
	if err != nil {
		return nil, wrap(fmt.Sprintf("list reviewer loads of %q", campaignID), err)
	}
	out := make([]store.ReviewerLoad, len(rows))
	for i, r := range rows {
		out[i] = store.ReviewerLoad{ReviewerID: r.PersonID, Pending: r.N}
	}
	return out, nil
}

type reviewDecisionRow struct {
	ID                  int64 `gorm:"primaryKey"`
	ItemID              int64
	CampaignID          string
	Stage               int
	Decision            string
	ReviewerID          string
	Issuer              string
	Subject             string
	Justification       string
	RecommendationShown string
	ReasonShown         string
	Defaulted           bool
	ReassignTo          string
	PreviousReviewerIDs string
	CreatedAt           time.Time `gorm:"autoCreateTime:false"`
}

func (reviewDecisionRow) TableName() string { return "review_decisions" }

func (r reviewDecisionRow) toDecision() (store.ReviewDecision, error) {
	d := store.ReviewDecision{
		ID: r.ID, ItemID: r.ItemID, CampaignID: r.CampaignID, Stage: r.Stage, Decision: r.Decision,
		ReviewerID: r.ReviewerID, Issuer: r.Issuer, Subject: r.Subject, Justification: r.Justification,
		RecommendationShown: r.RecommendationShown, ReasonShown: r.ReasonShown, Defaulted: r.Defaulted,
		ReassignTo: r.ReassignTo, CreatedAt: utc(r.CreatedAt),
	}
	if err := json.Unmarshal([]byte(r.PreviousReviewerIDs), &d.PreviousReviewerIDs); err != nil {
		return store.ReviewDecision{}, fmt.Errorf("review decision %d: %w", r.ID, err)
	}
	if len(d.PreviousReviewerIDs) == 0 {
		d.PreviousReviewerIDs = nil
	}
	return d, nil
}

// CreateReviewDecision appends one decision to an item's history.
func (t *txn) CreateReviewDecision(ctx context.Context, d store.ReviewDecision) (store.ReviewDecision, error) {
	switch {
	case d.ItemID == 0 || d.CampaignID == "" || d.ReviewerID == "":
		return store.ReviewDecision{}, errors.New("gormstore: create review decision: item, campaign and reviewer are required")
	case d.Decision != store.DecisionCertify && d.Decision != store.DecisionRevoke && d.Decision != store.DecisionReassign:
		return store.ReviewDecision{}, fmt.Errorf("gormstore: create review decision: invalid decision %q", d.Decision)
	}
	prev, err := json.Marshal(nonNil(d.PreviousReviewerIDs))
	if err != nil {
		return store.ReviewDecision{}, fmt.Errorf("gormstore: create review decision: %w", err)
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = t.stamp()
	}
	row := reviewDecisionRow{
		ItemID: d.ItemID, CampaignID: d.CampaignID, Stage: d.Stage, Decision: d.Decision, ReviewerID: d.ReviewerID,
		Issuer: d.Issuer, Subject: d.Subject, Justification: d.Justification, RecommendationShown: d.RecommendationShown,
		ReasonShown: d.ReasonShown, Defaulted: d.Defaulted, ReassignTo: d.ReassignTo, PreviousReviewerIDs: string(prev),
		CreatedAt: utc(d.CreatedAt),
	}
	if err := t.conn(ctx).Create(&row).Error; err != nil {
		return store.ReviewDecision{}, wrap("create review decision", err)
	}
	return row.toDecision()
}

// ListReviewDecisions returns decisions oldest first, paged by ID.
func (t *txn) ListReviewDecisions(ctx context.Context, campaignID string, itemID, afterID int64, limit int) ([]store.ReviewDecision, error) {
	db := t.conn(ctx).Model(&reviewDecisionRow{}).Where("id > ?", afterID)
	if campaignID != "" {
		db = db.Where("campaign_id = ?", campaignID)
	}
	if itemID > 0 {
		db = db.Where("item_id = ?", itemID)
	}
	if limit <= 0 {
		limit = 1000
	}
	var rows []reviewDecisionRow
	if err := db.Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("list review decisions", err)
	}
	out := make([]store.ReviewDecision, 0, len(rows))
	for _, r := range rows {
		d, err := r.toDecision()
		if err != nil {
			return nil, fmt.Errorf("gormstore: list review decisions: %w", err)
		}
		out = append(out, d)
	}
	return out, nil
}

// normSnapshot is the snapshot as it reads back: times in UTC to the
// microsecond, an empty job-function list as nil.
func normSnapshot(s store.ReviewSnapshot) store.ReviewSnapshot {
	s.Start, s.Expiry, s.LastUsedAt = utc(s.Start), utcPtr(s.Expiry), utcPtr(s.LastUsedAt)
	if len(s.JobFunctions) == 0 {
		s.JobFunctions = nil
	}
	return s
}

func normRemediation(r store.Remediation) store.Remediation {
	r.RequestedAt, r.FulfilledAt, r.VerifiedAt = utcPtr(r.RequestedAt), utcPtr(r.FulfilledAt), utcPtr(r.VerifiedAt)
	r.FailedAt, r.EscalatedAt = utcPtr(r.FailedAt), utcPtr(r.EscalatedAt)
	return r
}

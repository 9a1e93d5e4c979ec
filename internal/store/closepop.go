package store

import (
	"context"
	"time"
)

// CloseEvaluation records that a campaign's scope was evaluated against
// the data at its close, once, in the transaction that closed it: the
// Population after remediation of its evidence workbook.
type CloseEvaluation struct {
	CampaignID  string
	EvaluatedAt time.Time // the close
	Scope       string    // the scope expression evaluated ("" for everything)
	Rows        int       // population rows written (ClosePopulationRow)
}

// ClosePopulationRow is one grant or NHI in a campaign's scope at its
// close, with what the workbook shows of it, frozen then: holder (for an
// NHI, its owner), item, how it was obtained, and what the campaign did
// with it.
type ClosePopulationRow struct {
	CampaignID string
	Seq        int64 // 1, 2, … per campaign, in evaluation order
	GrantID    string
	NHIID      string

	HolderID       string
	HolderName     string
	EmployeeNumber string
	Department     string
	Title          string
	ManagerID      string
	ManagerName    string
	HolderStatus   string

	ItemID        string
	ItemName      string
	ItemOwnerID   string
	ItemOwnerName string
	Risk          string

	ObtainedBy string // requested, birthright, imported (an NHI: its source)
	Assurance  string
	RequestID  string
	Start      time.Time
	Expiry     *time.Time
	LastUsedAt *time.Time

	// InScope is false for a row listed only because the campaign revoked
	// it and it is still held, though the scope no longer selects it.
	InScope bool

	// ReviewItemID is the campaign's review item of this grant or NHI
	// (0: not in the reviewed population); Decision and Remediation are
	// that item's at close.
	ReviewItemID int64
	Decision     string
	Remediation  RemediationState
	// RevokedStillHeld: the campaign revoked it and it was still held at
	// close, a remediation exception.
	RevokedStillHeld bool
	// Note says why a row outside the reviewed population is in scope
	// (granted after launch, re-granted after a revoke, came into scope).
	Note string
}

// ClosePopulationTx stores the population a campaign's scope held at its
// close. Rows are written in batches inside the closing transaction and
// read back by keyset pages.
type ClosePopulationTx interface {
	ClosePopulationReader
	ClosePopulationWriter
}

// ClosePopulationWriter is the writing half of ClosePopulationTx.
type ClosePopulationWriter interface {
	// AddClosePopulation inserts rows (CampaignID and Seq set by the
	// caller); a (CampaignID, Seq) already stored gives ErrConflict, an
	// unknown campaign ErrNotFound.
	AddClosePopulation(ctx context.Context, rows []ClosePopulationRow) error
	// CreateCloseEvaluation records the evaluation; a second one for the
	// same campaign gives ErrConflict, an unknown campaign ErrNotFound.
	CreateCloseEvaluation(ctx context.Context, e CloseEvaluation) error
}

// ClosePopulationReader is the reading half of ClosePopulationTx.
type ClosePopulationReader interface {
	// GetCloseEvaluation returns the campaign's evaluation, or ErrNotFound
	// (not closed, or closed before evaluations were stored).
	GetCloseEvaluation(ctx context.Context, campaignID string) (CloseEvaluation, error)
	// ListClosePopulation returns at most limit rows of the campaign with
	// Seq > afterSeq, by Seq (limit 0 or less: 1000).
	ListClosePopulation(ctx context.Context, campaignID string, afterSeq int64, limit int) ([]ClosePopulationRow, error)
}

package evidence

import (
	"context"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// PopulationFunc evaluates a campaign's scope afresh over src and passes
// the rows in scope to fn a page at a time, returning the scope
// expression: review.Service.EvaluatePopulation, the code that stores the
// population at close.
type PopulationFunc func(ctx context.Context, src CampaignSource, c store.Campaign, fn func([]store.ClosePopulationRow) error) (string, error)

var afterColumns = []Column{
	{Name: "Review item", Kind: Number}, {Name: "Grant"}, {Name: "NHI"}, {Name: "Holder"}, {Name: "Holder id"},
	{Name: "Employee number", Width: 14}, {Name: "Department"}, {Name: "Title"}, {Name: "Manager"}, {Name: "Manager id"}, {Name: "Holder status", Width: 12},
	{Name: "Catalog item"}, {Name: "Item name"}, {Name: "Item owner"}, {Name: "Risk", Width: 10},
	{Name: "Obtained by", Width: 12}, {Name: "Assurance level"}, {Name: "Request"},
	{Name: "Start", Kind: Time}, {Name: "Expiry", Kind: Time}, {Name: "Last used", Kind: Time},
	{Name: "In scope", Width: 10}, {Name: "Decision", Width: 10}, {Name: "Remediation state", Width: 14},
	{Name: "Revoked and still held", Width: 12}, {Name: "Note", Width: 60},
}

// afterCounts are the footer of the Population after remediation.
type afterCounts struct {
	inScope, reviewed, notReviewed, stillHeld, stillHeldOutOfScope int
}

func (n *afterCounts) add(r store.ClosePopulationRow) {
	if r.InScope {
		n.inScope++
		if r.ReviewItemID != 0 {
			n.reviewed++
		} else {
			n.notReviewed++
		}
	}
	if r.RevokedStillHeld {
		n.stillHeld++
		if !r.InScope {
			n.stillHeldOutOfScope++
		}
	}
}

// afterBasis says when and why the population after remediation was
// evaluated: stored at the campaign's close, or afresh at export.
type afterBasis struct {
	stored bool
	at     time.Time
	scope  string
	// text is the Summary's line; label the footer's.
	text, label string
	evaluated   bool
}

// afterBasisOf decides the basis: the population stored when the campaign
// closed; else, for a campaign not closed yet or closed before syncd
// stored it, a fresh evaluation at export, said so; else (no campaign
// definitions configured) none.
func (x *campaignExport) afterBasisOf(ctx context.Context) (afterBasis, error) {
	ev, err := x.src.GetCloseEvaluation(ctx, x.c.ID)
	switch {
	case err == nil:
		at := ev.EvaluatedAt.UTC().Format(time.RFC3339)
		return afterBasis{stored: true, evaluated: true, at: ev.EvaluatedAt, scope: ev.Scope, label: "at campaign close",
			text: "evaluated at campaign close " + at + ": the campaign's scope against the data then, stored when it closed; changes since do not show here"}, nil
	case !isNotFound(err):
		return afterBasis{}, fmt.Errorf("evidence: campaign %s: close evaluation: %w", x.c.ID, err)
	}
	at := x.now.Format(time.RFC3339)
	b := afterBasis{at: x.now, evaluated: x.e.Population != nil}
	switch {
	case x.c.State != store.CampaignClosed:
		b.label = "at export: campaign not closed"
		b.text = fmt.Sprintf("campaign not closed (%s): population evaluated at export time %s; the population at close is stored when it closes", x.c.State, at)
	default:
		closed := "?"
		if x.c.ClosedAt != nil {
			closed = x.c.ClosedAt.UTC().Format(time.RFC3339)
		}
		b.label = "at export: no population stored at close"
		b.text = fmt.Sprintf("campaign closed at %s, before syncd stored the population at close: population evaluated at export time %s, not at close", closed, at)
	}
	if !b.evaluated {
		b.label = "not evaluated"
		b.text = "not evaluated: no population was stored at close and the exporter has no campaign definitions to evaluate the scope with"
	}
	return b, nil
}

// after writes the Population after remediation: the campaign's scope
// evaluated at its close, as stored then, or evaluated afresh (with a
// note saying so) for a campaign not closed yet or closed before syncd
// stored it. Each row is a grant or NHI in scope, or one the campaign
// revoked that is still held.
func (x *campaignExport) after(ctx context.Context) error {
	s, err := x.w.NewSheet("Population after remediation", afterColumns, SheetOptions{ExpectedRows: x.counts.Total})
	if err != nil {
		return err
	}
	var n afterCounts
	b := x.basis
	write := func(rows []store.ClosePopulationRow) error {
		for _, r := range rows {
			n.add(r)
			if err := x.afterRow(s, r); err != nil {
				return err
			}
		}
		return nil
	}
	switch {
	case b.stored:
		err = keyset(ctx, itemPage, func(ctx context.Context, after int64) ([]store.ClosePopulationRow, error) {
			return x.src.ListClosePopulation(ctx, x.c.ID, after, itemPage)
		}, func(r store.ClosePopulationRow) int64 { return r.Seq }, write)
	case b.evaluated:
		b.scope, err = x.e.Population(ctx, x.src, x.c, write)
	}
	if err != nil {
		return fmt.Errorf("evidence: campaign %s: population after remediation: %w", x.c.ID, err)
	}
	scope := b.scope
	switch {
	case !b.evaluated:
		scope = "not evaluated"
	case x.c.Kind == store.CampaignMover:
		scope = "the subject's grants that rest on a job function their job functions no longer justify"
	case scope == "":
		scope = "(everything)"
	}
	for _, r := range [][]any{
		{},
		{"Population evaluated", nil, nil, b.label},
		{"Evaluated at", nil, nil, b.at.UTC().Format(time.RFC3339)},
		{"Scope", nil, nil, scope},
		{"In scope", nil, nil, n.inScope},
		{"  of which reviewed", nil, nil, n.reviewed},
		{"  not reviewed", nil, nil, n.notReviewed},
		{"Revoked by this campaign and still held", nil, nil, n.stillHeld},
		{"  of which out of scope (listed for that)", nil, nil, n.stillHeldOutOfScope},
		{"Revoked by this campaign and not held", nil, nil, x.counts.Revoked - n.stillHeld},
	} {
		if err := s.Row(r...); err != nil {
			return err
		}
	}
	return s.Close()
}

func (x *campaignExport) afterRow(s *Sheet, r store.ClosePopulationRow) error {
	var item any
	if r.ReviewItemID != 0 {
		item = r.ReviewItemID
	}
	return s.Row(item, r.GrantID, r.NHIID, r.HolderName, r.HolderID, r.EmployeeNumber, r.Department, r.Title, r.ManagerName, r.ManagerID, r.HolderStatus,
		r.ItemID, r.ItemName, r.ItemOwnerName, r.Risk, r.ObtainedBy, r.Assurance, r.RequestID, r.Start, r.Expiry, r.LastUsedAt,
		yesNo(r.InScope), r.Decision, string(r.Remediation), yesNo(r.RevokedStillHeld), r.Note)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

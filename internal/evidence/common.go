package evidence

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// summaryColumns are a Summary sheet's: a field, its value, and for a
// timestamp the ISO text beside it.
var summaryColumns = []Column{{Name: "Field", Width: 40}, {Name: "Value", Kind: Time, Width: 48}}

// writeSummary writes a Field/Value sheet named "Summary".
func writeSummary(w *Writer, rows [][2]any) error {
	s, err := w.NewSheet("Summary", summaryColumns, SheetOptions{ExpectedRows: len(rows)})
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := s.Row(r[0], r[1]); err != nil {
			return err
		}
	}
	return s.Close()
}

// Control is one row of the Controls sheet: which evidence answers which
// control.
type Control struct {
	Framework, ID, Control, Evidence string
}

// writeControls writes the Controls sheet.
func writeControls(w *Writer, controls []Control) error {
	s, err := w.NewSheet("Controls", []Column{
		{Name: "Framework", Width: 26}, {Name: "Control", Width: 16}, {Name: "What the control asks", Width: 60}, {Name: "Where this workbook answers it", Width: 90},
	}, SheetOptions{ExpectedRows: len(controls)})
	if err != nil {
		return err
	}
	for _, c := range controls {
		if err := s.Row(c.Framework, c.ID, c.Control, c.Evidence); err != nil {
			return err
		}
	}
	return s.Close()
}

// auditColumns are the Audit sheet's.
var auditColumns = []Column{
	{Name: "Event", Kind: Number}, {Name: "At", Kind: Time}, {Name: "Actor", Width: 30}, {Name: "Action", Width: 28},
	{Name: "Target", Width: 46}, {Name: "Details (JSON)", Width: 60}, {Name: "Previous hash", Width: 66}, {Name: "Hash", Width: 66},
}

// writeAudit writes the Audit sheet: the events of the chain up to head
// that inScope selects, with their hashes, and the chain head last. It
// walks the chain page by page.
func writeAudit(ctx context.Context, w *Writer, src AuditSource, head store.AuditHead, inScope func(store.AuditEvent) bool) error {
	s, err := w.NewSheet("Audit", auditColumns, SheetOptions{ExpectedRows: 1000})
	if err != nil {
		return err
	}
	var after int64
	for after < head.Seq {
		evs, err := src.ListAudit(ctx, after, 1000)
		if err != nil {
			return fmt.Errorf("evidence: audit: %w", err)
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			if ev.Seq > head.Seq {
				break
			}
			if inScope(ev) {
				if err := s.Row(ev.Seq, ev.Time, ev.Actor, ev.Action, ev.Target, string(ev.Details), ev.PrevHash, ev.Hash); err != nil {
					return err
				}
			}
		}
		after = evs[len(evs)-1].Seq
	}
	if err := s.Row(); err != nil {
		return err
	}
	if err := s.Row("Chain head at export", nil, "event "+fmt.Sprint(head.Seq), "", "", "", "", head.Hash); err != nil {
		return err
	}
	return s.Close()
}

// requestColumns are the Requests and approvals sheet's.
var requestColumns = []Column{
	{Name: "Request"}, {Name: "Submitted at", Kind: Time}, {Name: "Requester"}, {Name: "Requester id"},
	{Name: "Beneficiary"}, {Name: "Beneficiary id"}, {Name: "Beneficiary NHI"}, {Name: "Catalog item"}, {Name: "Extends grant"},
	{Name: "Justification", Width: 40}, {Name: "Requested from", Kind: Time}, {Name: "Requested until", Kind: Time},
	{Name: "State", Width: 12}, {Name: "Catalog version", Width: 14}, {Name: "Policy outcome", Width: 14}, {Name: "Policy rule"},
	{Name: "Policy reasons", Width: 40}, {Name: "Policy explanation", Width: 50}, {Name: "Approvals by stage", Width: 60},
	{Name: "Grant"}, {Name: "Assurance level"}, {Name: "Grant state", Width: 12}, {Name: "Grant start", Kind: Time},
	{Name: "Grant end", Kind: Time}, {Name: "Grant ended at", Kind: Time}, {Name: "Ended by"}, {Name: "End reason", Width: 30},
}

// requestRows writes the row (or, for several grants, rows) of one
// request: with the grants it created, or the grant it extended.
func requestRows(ctx context.Context, s *Sheet, src RequestSource, ppl *people, r store.AccessRequest, grants []store.Grant) error {
	requester, err := ppl.name(ctx, r.RequesterID)
	if err != nil {
		return err
	}
	beneficiary, err := ppl.name(ctx, r.BeneficiaryID)
	if err != nil {
		return err
	}
	var outcome, rule, reasons, explanation string
	if r.DecisionID != 0 {
		d, err := src.GetPolicyDecision(ctx, r.DecisionID)
		switch {
		case err == nil:
			outcome, rule, reasons, explanation = d.Outcome, d.Rule, strings.Join(d.Reasons, "; "), d.Explanation
		case !isNotFound(err):
			return fmt.Errorf("evidence: request %s: decision: %w", r.ID, err)
		}
	}
	approvals, err := approvalsText(ctx, src, ppl, r)
	if err != nil {
		return err
	}
	base := []any{r.ID, r.CreatedAt, requester, r.RequesterID, beneficiary, r.BeneficiaryID, r.BeneficiaryNHIID, r.ItemID, r.ExtendsGrantID,
		r.Justification, r.Start, r.End, string(r.State), r.CatalogVersion, outcome, rule, reasons, explanation, approvals}
	if len(grants) == 0 {
		return s.Row(base...)
	}
	for _, g := range grants {
		row := append(append([]any(nil), base...), g.ID, g.Assurance, string(g.State), g.Start, g.End, g.EndedAt, g.EndedBy, g.EndReason)
		if err := s.Row(row...); err != nil {
			return err
		}
	}
	return nil
}

// approvalsText says, per stage, who was asked and who approved or denied
// when, with their comments.
func approvalsText(ctx context.Context, src RequestSource, ppl *people, r store.AccessRequest) (string, error) {
	if len(r.Stages) == 0 {
		return "", nil
	}
	ds, err := src.ListApproverDecisions(ctx, r.ID)
	if err != nil {
		return "", fmt.Errorf("evidence: request %s: approvals: %w", r.ID, err)
	}
	var parts []string
	for i, st := range r.Stages {
		var asked []string
		for _, id := range st.Approvers {
			n, err := ppl.name(ctx, id)
			if err != nil {
				return "", err
			}
			asked = append(asked, n)
		}
		line := fmt.Sprintf("stage %d %s (quorum %d; approvers %s)", i+1, st.Name, st.Quorum, strings.Join(asked, ", "))
		if st.Escalated {
			line += " escalated"
		}
		for _, d := range ds {
			if d.Stage != i {
				continue
			}
			n, err := ppl.name(ctx, d.ApproverID)
			if err != nil {
				return "", err
			}
			verb := "denied"
			if d.Approve {
				verb = "approved"
			}
			line += fmt.Sprintf(": %s %s (%s) at %s", verb, n, d.ApproverID, d.CreatedAt.UTC().Format(time.RFC3339))
			if d.Comment != "" {
				line += fmt.Sprintf(" %q", d.Comment)
			}
		}
		parts = append(parts, line)
	}
	return strings.Join(parts, "\n"), nil
}

package evidence

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// requestControls say what the access-request workbook answers.
var requestControls = []Control{
	{"NIST CSF 2.0", "PR.AA-05", "Access permissions, entitlements and authorizations are defined in a policy, managed, enforced and reviewed.",
		"Requests and approvals: every request of the period with the policy rule that decided it, its reasons and inputs' explanation, and who approved each stage and when."},
	{"SOC 2 (2017 TSC)", "CC6.2", "New internal and external users are registered and authorized before credentials are issued.",
		"Requests and approvals: requester, beneficiary, justification, approvers per stage with their system timestamps, and the grant each approved request created with its assurance level."},
	{"SOC 2 (2017 TSC)", "CC6.3", "Access is authorized, modified or removed based on roles, responsibilities or the system design and changes.",
		"Requests and approvals: grant start, end and when and why it ended (expiry, revocation); Audit: the hash-chained events of each request and grant."},
	{"ISO/IEC 27001:2022", "A.5.18", "Access rights are provisioned, reviewed, modified and removed in accordance with the access control policy.",
		"Requests and approvals (provisioning and removal with approvals); Audit (system record of each change)."},
	{"SOX ITGC", "Access provisioning", "Access is granted only with documented, appropriate approval, and approvals precede provisioning.",
		"Requests and approvals: approval timestamps per stage next to the grant start; Audit: the order of events, tamper-evident through the hash chain."},
	{"All", "Integrity", "The evidence is complete and has not been altered since it was produced.",
		"Manifest: SHA-256 of each sheet's canonical content and the audit chain head at export, signed with Ed25519; check with `syncd evidence verify`."},
}

// ExportRequests writes the access-request evidence of requests submitted
// in [from, to): Summary, Requests and approvals, Controls, Audit, Manifest.
func (e *Exporter) ExportRequests(ctx context.Context, src RequestSource, from, to time.Time, out io.Writer) error {
	if !from.Before(to) {
		return fmt.Errorf("evidence: export requests: --from %s is not before --to %s", from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	head, err := src.GetAuditHead(ctx)
	if err != nil {
		return fmt.Errorf("evidence: export requests: %w", err)
	}
	now := e.now()
	// Counts first: the Summary is the first sheet.
	counts := map[store.RequestState]int{}
	total := 0
	if err := scanRequests(ctx, src, from, to, func(r store.AccessRequest) error {
		counts[r.State]++
		total++
		return nil
	}); err != nil {
		return err
	}
	w, err := NewWriter()
	if err != nil {
		return err
	}
	defer w.Close()
	title := fmt.Sprintf("Access requests submitted from %s to %s (UTC)", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
	if err := writeSummary(w, [][2]any{
		{"Evidence", title},
		{"Period from", from.UTC()},
		{"Period until (exclusive)", to.UTC()},
		{"Generated at", now},
		{"Generator", e.Generator},
		{"Requests submitted", total},
		{"Approved (a grant was created)", counts[store.RequestApproved]},
		{"Denied", counts[store.RequestDenied]},
		{"Pending at export", counts[store.RequestPending]},
		{"Audit chain head at export", fmt.Sprintf("event %d, hash %s", head.Seq, head.Hash)},
		{"How to check this workbook", "syncd evidence verify FILE.xlsx --public-key KEY (the Manifest sheet lists each sheet's SHA-256 and the signature)"},
	}); err != nil {
		return err
	}
	targets := map[string]bool{}
	s, err := w.NewSheet("Requests and approvals", requestColumns, SheetOptions{ExpectedRows: total})
	if err != nil {
		return err
	}
	ppl := newPeople(src)
	if err := scanRequestPages(ctx, src, from, to, func(page []store.AccessRequest) error {
		ids := make([]string, len(page))
		for i, r := range page {
			ids[i] = r.ID
		}
		grants, err := src.ListGrantsByRequest(ctx, ids)
		if err != nil {
			return fmt.Errorf("evidence: export requests: %w", err)
		}
		byReq := map[string][]store.Grant{}
		for _, g := range grants {
			byReq[g.RequestID] = append(byReq[g.RequestID], g)
			targets["grant:"+g.ID] = true
		}
		for _, r := range page {
			targets["request:"+r.ID] = true
			if err := requestRows(ctx, s, src, ppl, r, byReq[r.ID]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := s.Close(); err != nil {
		return err
	}
	if err := writeControls(w, requestControls); err != nil {
		return err
	}
	if err := writeAudit(ctx, w, src, head, func(ev store.AuditEvent) bool { return targets[ev.Target] }); err != nil {
		return err
	}
	return w.Finish(out, Meta{Title: title, GeneratedAt: now, Generator: e.Generator, ChainHead: ChainHead{Seq: head.Seq, Hash: head.Hash}}, ed25519.PrivateKey(e.Key))
}

func scanRequests(ctx context.Context, src RequestSource, from, to time.Time, fn func(store.AccessRequest) error) error {
	return scanRequestPages(ctx, src, from, to, func(page []store.AccessRequest) error {
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	})
}

func scanRequestPages(ctx context.Context, src RequestSource, from, to time.Time, fn func([]store.AccessRequest) error) error {
	const limit = 500
	return keyset(ctx, limit, func(ctx context.Context, after store.AccessRequest) ([]store.AccessRequest, error) {
		page, err := src.ScanRequests(ctx, store.RequestScan{From: from, To: to, AfterCreated: after.CreatedAt, AfterID: after.ID, Limit: limit})
		if err != nil {
			return nil, fmt.Errorf("evidence: scan requests: %w", err)
		}
		return page, nil
	}, func(r store.AccessRequest) store.AccessRequest { return r }, fn)
}

// ParseDate reads a --from/--to value: a date (midnight UTC) or an
// RFC 3339 time.
func ParseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("evidence: %q is neither a date (2026-01-31) nor an RFC 3339 time", s)
	}
	return t.UTC(), nil
}

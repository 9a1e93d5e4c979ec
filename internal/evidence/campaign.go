package evidence

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// CampaignSource is the read-only port of the campaign workbook.
type CampaignSource interface {
	RequestSource
	GetCampaign(ctx context.Context, id string) (store.Campaign, error)
	CountReviewItems(ctx context.Context, campaignID string) (store.ReviewCounts, error)
	ListReviewItems(ctx context.Context, q store.ReviewItemQuery) ([]store.ReviewItem, error)
	ListReviewDecisions(ctx context.Context, campaignID string, itemID int64, afterID int64, limit int) ([]store.ReviewDecision, error)
	ListPersonsByID(ctx context.Context, ids []string) ([]store.Person, error)
	ListGrantsByID(ctx context.Context, ids []string) ([]store.Grant, error)
	ScanGrants(ctx context.Context, q store.GrantScan) ([]store.Grant, error)
	ListGrants(ctx context.Context, q store.GrantQuery) ([]store.Grant, error)
	ListAuditByTarget(ctx context.Context, targets []string, limit int) ([]store.AuditEvent, error)
	ListAuditByAction(ctx context.Context, afterSeq int64, actions []string, limit int) ([]store.AuditEvent, error)
	ListCampaignItemsByGrant(ctx context.Context, campaignID string, grantIDs []string) ([]store.ReviewItem, error)
	ListRequestsExtending(ctx context.Context, grantIDs []string) ([]store.AccessRequest, error)
	ListOpenJobFunctionsOf(ctx context.Context, ids []string) (map[string][]string, error)
	GetNHI(ctx context.Context, id string) (store.NHI, error)
	ListNHIs(ctx context.Context, q store.NHIQuery) ([]store.NHI, error)
	ListFindings(ctx context.Context, q store.FindingQuery) ([]store.Finding, error)
	GetCloseEvaluation(ctx context.Context, campaignID string) (store.CloseEvaluation, error)
	ListClosePopulation(ctx context.Context, campaignID string, afterSeq int64, limit int) ([]store.ClosePopulationRow, error)
}

// CatalogItem is what the workbook shows of a catalog item beyond the
// frozen snapshot: its current owner.
type CatalogItem struct {
	Name    string
	OwnerID string
}

// itemPage is how many review items one read returns.
const itemPage = 1000

// campaignControls say what the campaign workbook answers.
var campaignControls = []Control{
	{"NIST CSF 2.0", "PR.AA-05", "Access permissions, entitlements and authorizations are defined in a policy, managed, enforced and reviewed, incorporating least privilege and separation of duties.",
		"Summary (definition, scope, reviewers rule, stages, schedule); Population at launch (what was reviewed); Decisions (who decided what, when and why); Remediation and Population after remediation (that revocations happened)."},
	{"SOC 2 (2017 TSC)", "CC6.2", "Prior to issuing credentials and granting access, the entity registers and authorizes users; access is removed when no longer authorized.",
		"Requests and approvals (how each reviewed grant was obtained and approved); Remediation (removal of what reviewers revoked, verified by the next sync run)."},
	{"SOC 2 (2017 TSC)", "CC6.3", "The entity authorizes, modifies or removes access based on roles and responsibilities, and periodically reviews it.",
		"Decisions (reviewer independence: a reviewer never decides their own access; person id and OIDC issuer and subject of each reviewer; system timestamps); Completeness (every item decided or defaulted, exceptions listed)."},
	{"ISO/IEC 27001:2022", "A.5.18", "Access rights are provisioned, reviewed, modified and removed in accordance with the topic-specific access control policy; they are reviewed at planned intervals.",
		"Summary (schedule and definition version); Population at launch; Decisions; Remediation; Population after remediation."},
	{"SOX ITGC", "User access review", "Management reviews user access to in-scope systems for appropriateness, completely and accurately, and acts on the results.",
		"Completeness (the launch population reconciled against the grants recorded in syncd, counts per source and per item, differences explained); Decisions; Remediation (evidence that removals happened, with the sync run that verified each)."},
	{"All", "Integrity", "The evidence is complete and has not been altered since it was produced.",
		"Audit (the campaign's hash-chained events and the chain head); Manifest (SHA-256 of each sheet's canonical content and the chain head at export, signed with Ed25519; check with `syncd evidence verify`)."},
}

// ExportCampaign writes a campaign's evidence workbook: Summary, Population
// at launch, Decisions, Remediation, Population after remediation,
// Completeness, Requests and approvals, Controls, Audit and Manifest. It
// reads items page by page; memory does not grow with the campaign.
func (e *Exporter) ExportCampaign(ctx context.Context, src CampaignSource, id string, catalog func(itemID string) (CatalogItem, bool), out io.Writer) error {
	c, err := src.GetCampaign(ctx, id)
	if err != nil {
		return fmt.Errorf("evidence: campaign %s: %w", id, err)
	}
	counts, err := src.CountReviewItems(ctx, id)
	if err != nil {
		return fmt.Errorf("evidence: campaign %s: %w", id, err)
	}
	head, err := src.GetAuditHead(ctx)
	if err != nil {
		return fmt.Errorf("evidence: campaign %s: %w", id, err)
	}
	if catalog == nil {
		catalog = func(string) (CatalogItem, bool) { return CatalogItem{}, false }
	}
	x := &campaignExport{e: e, src: src, c: c, counts: counts, catalog: catalog, ppl: newPeople(src), now: e.now()}
	if x.launchSeq, err = launchSeq(ctx, src, c.ID); err != nil {
		return err
	}
	if x.launchSeq > 0 {
		if x.atLaunch, err = loadAsOf(ctx, src, x.launchSeq, head); err != nil {
			return err
		}
	}
	if x.basis, err = x.afterBasisOf(ctx); err != nil {
		return err
	}
	w, err := NewWriter()
	if err != nil {
		return err
	}
	defer w.Close()
	x.w = w
	w.raw = e.raw
	steps := []func(context.Context) error{
		x.summary, x.launch, x.decisions, x.remediation, x.after, x.completeness, x.requests,
		func(context.Context) error { return writeControls(w, campaignControls) },
		func(ctx context.Context) error {
			return writeAudit(ctx, w, src, head, func(ev store.AuditEvent) bool {
				return ev.Target == "campaign:"+c.ID || x.revokedGrants[ev.Target]
			})
		},
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return w.Finish(out, Meta{Title: fmt.Sprintf("Campaign %s (%s)", c.ID, c.Definition), GeneratedAt: x.now, Generator: e.Generator,
		ChainHead: ChainHead{Seq: head.Seq, Hash: head.Hash}}, ed25519.PrivateKey(e.Key))
}

type campaignExport struct {
	e       *Exporter
	src     CampaignSource
	c       store.Campaign
	counts  store.ReviewCounts
	catalog func(string) (CatalogItem, bool)
	ppl     *people
	w       *Writer
	now     time.Time
	// revokedGrants are the audit targets of revoked grants ("grant:<id>"),
	// whose removal events the Audit sheet lists.
	revokedGrants map[string]bool
	// launchSeq is the audit event at which the population was complete;
	// atLaunch rebuilds holders as they were then (nil: as they are).
	launchSeq int64
	atLaunch  *asOf
	// basis is what the Population after remediation shows: the
	// population stored at close, or a fresh evaluation.
	basis afterBasis
}

// eachItem pages over the campaign's items matching q.
func (x *campaignExport) eachItem(ctx context.Context, q store.ReviewItemQuery, fn func([]store.ReviewItem) error) error {
	q.CampaignID, q.Limit = x.c.ID, itemPage
	return keyset(ctx, itemPage, func(ctx context.Context, after int64) ([]store.ReviewItem, error) {
		q.AfterID = after
		page, err := x.src.ListReviewItems(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("evidence: campaign %s: items: %w", x.c.ID, err)
		}
		return page, nil
	}, func(it store.ReviewItem) int64 { return it.ID }, fn)
}

// loadPeople batch-loads the persons a page of items names.
func (x *campaignExport) loadPeople(ctx context.Context, page []store.ReviewItem) error {
	var ids []string
	for _, it := range page {
		ids = append(ids, it.HolderID, it.DecidedBy)
		ids = append(ids, it.ReviewerIDs...)
	}
	if err := x.ppl.load(ctx, x.src, ids); err != nil {
		return err
	}
	var managers []string
	for _, it := range page {
		if p, ok := x.ppl.cache[it.HolderID]; ok {
			if m := x.atLaunch.person(p).ManagerID; m != "" {
				managers = append(managers, m)
			}
		}
	}
	return x.ppl.load(ctx, x.src, managers)
}

// asOfText says which moment the launch sheet's holder details are of.
func (x *campaignExport) asOfText() string {
	if x.launchSeq == 0 {
		return "export (the campaign has no launch event in the audit chain)"
	}
	return fmt.Sprintf("launch: audit event %d (generation complete), rebuilt from the person events after it", x.launchSeq)
}

func (x *campaignExport) names(ctx context.Context, ids []string) (string, error) {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		n, err := x.ppl.name(ctx, id)
		if err != nil {
			return "", err
		}
		out = append(out, n)
	}
	return strings.Join(out, ", "), nil
}

func (x *campaignExport) summary(_ context.Context) error {
	c, n := x.c, x.counts
	rows := [][2]any{
		{"Evidence", "Access recertification campaign"},
		{"Campaign", c.ID},
		{"Definition", c.Definition},
		{"Definition version", c.DefinitionVersion},
		{"Kind", c.Kind},
		{"Period", c.Period},
		{"State", string(c.State)},
		{"Started by", c.StartedBy},
		{"Started at", c.StartedAt},
		{"Current stage", fmt.Sprintf("%d of %d", c.Stage+1, c.Stages)},
		{"Current stage due at", c.StageDueAt},
		{"Due at", c.DueAt},
		{"Closed at", c.ClosedAt},
	}
	rows = append(rows, parameterRows(c.Parameters)...)
	rows = append(rows,
		[2]any{"Generated at", x.now},
		[2]any{"Generator", x.e.Generator},
		[2]any{"Holder details (employee number, title, manager, status) as of", x.asOfText()},
		[2]any{"Population after remediation", x.basis.text},
		[2]any{"Items in scope", n.Total},
	)
	stages := make([]int, 0, len(n.ByStage))
	for s := range n.ByStage {
		stages = append(stages, s)
	}
	sort.Ints(stages)
	for _, s := range stages {
		sc := n.ByStage[s]
		rows = append(rows, [2]any{fmt.Sprintf("Stage %d: items / certified / revoked / undecided", s+1),
			fmt.Sprintf("%d / %d / %d / %d", sc.Total, sc.Certified, sc.Revoked, sc.Undecided)})
	}
	decided := n.Certified + n.Revoked
	completion := 0.0
	if n.Total > 0 {
		completion = float64(n.Total-n.Undecided) / float64(n.Total) * 100
	}
	rows = append(rows,
		[2]any{"Certified", n.Certified},
		[2]any{"Revoked", n.Revoked},
		[2]any{"Decided by a reviewer or the default", decided},
		[2]any{"Defaulted (non-response default applied)", n.Defaulted},
		[2]any{"Escalated", n.Escalated},
		[2]any{"Reassigned at least once", n.Reassigned},
		[2]any{"Undecided", n.Undecided},
		[2]any{"Remediation requested", n.Remediation[store.RemediationRequested]},
		[2]any{"Remediation fulfilled, awaiting verification", n.Remediation[store.RemediationFulfilled]},
		[2]any{"Remediation verified", n.Remediation[store.RemediationVerified]},
		[2]any{"Remediation failed", n.Remediation[store.RemediationFailed]},
		[2]any{"Remediation unverified (escalated)", n.Remediation[store.RemediationUnverified]},
		[2]any{"Remediation not verifiable (no source reports the access)", n.Remediation[store.RemediationNotVerifiable]},
		[2]any{"Completion (% of items decided or defaulted)", roundNumber(completion)},
	)
	for _, note := range c.Report {
		rows = append(rows, [2]any{"Report: " + note.Kind, fmt.Sprintf("%s (%s)", note.Text, note.At.UTC().Format(time.RFC3339))})
	}
	rows = append(rows, [2]any{"How to check this workbook", "syncd evidence verify FILE.xlsx --public-key KEY (the Manifest sheet lists each sheet's SHA-256 and the signature)"})
	return writeSummary(x.w, rows)
}

// parameterRows lists the definition as the campaign stored it (JSON),
// one row per field, nested fields with dotted names.
func parameterRows(raw []byte) [][2]any {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return [][2]any{{"Parameters", string(raw)}}
	}
	var rows [][2]any
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch t := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(prefix+"."+k, t[k])
			}
		case []any:
			allScalar := true
			for _, e := range t {
				switch e.(type) {
				case map[string]any, []any:
					allScalar = false
				}
			}
			if allScalar {
				parts := make([]string, len(t))
				for i, e := range t {
					parts[i] = fmt.Sprint(e)
				}
				rows = append(rows, [2]any{prefix, strings.Join(parts, ", ")})
				return
			}
			for i, e := range t {
				walk(fmt.Sprintf("%s[%d]", prefix, i+1), e)
			}
		case float64:
			rows = append(rows, [2]any{prefix, t})
		case nil:
		default:
			rows = append(rows, [2]any{prefix, fmt.Sprint(t)})
		}
	}
	walk("Parameter", v)
	return rows
}

var launchColumns = []Column{
	{Name: "Review item", Kind: Number}, {Name: "Grant"}, {Name: "NHI"}, {Name: "Holder"}, {Name: "Holder id"},
	{Name: "Employee number", Width: 14}, {Name: "Department"}, {Name: "Title"}, {Name: "Manager"}, {Name: "Manager id"}, {Name: "Holder status", Width: 12},
	{Name: "Catalog item"}, {Name: "Item name"}, {Name: "Item owner"}, {Name: "Risk", Width: 10},
	{Name: "Obtained by", Width: 12}, {Name: "Assurance level"}, {Name: "Job functions at launch"}, {Name: "Environment", Width: 12},
	{Name: "Start", Kind: Time}, {Name: "Expiry", Kind: Time}, {Name: "Last used", Kind: Time},
	{Name: "Reviewers at launch"}, {Name: "Reviewer route", Width: 14}, {Name: "Recommendation", Width: 14}, {Name: "Recommendation reason", Width: 40},
}

// launch writes the population as frozen at generation. Holder attributes
// beyond the snapshot (employee number, title, manager, status) are the
// person's as of the launch event, rebuilt from the audit chain, so a
// later mover event does not change them.
func (x *campaignExport) launch(ctx context.Context) error {
	s, err := x.w.NewSheet("Population at launch", launchColumns, SheetOptions{ExpectedRows: x.counts.Total})
	if err != nil {
		return err
	}
	err = x.eachItem(ctx, store.ReviewItemQuery{}, func(page []store.ReviewItem) error {
		if err := x.loadPeople(ctx, page); err != nil {
			return err
		}
		for _, it := range page {
			holder, err := x.ppl.get(ctx, it.HolderID)
			if err != nil {
				return err
			}
			holder = x.atLaunch.person(holder)
			manager := ""
			if holder.ManagerID != "" {
				m, err := x.ppl.get(ctx, holder.ManagerID)
				if err != nil {
					return err
				}
				manager = (x.atLaunch.person(m)).Name()
			}
			reviewers, err := x.names(ctx, it.ReviewerIDs)
			if err != nil {
				return err
			}
			owner := ""
			if ci, ok := x.catalog(it.ItemID); ok && ci.OwnerID != "" {
				if owner, err = x.ppl.name(ctx, ci.OwnerID); err != nil {
					return err
				}
			}
			holderName := it.Snapshot.HolderName
			if holderName == "" {
				holderName = holder.Name()
			}
			if err := s.Row(it.ID, it.GrantID, it.NHIID, holderName, it.HolderID, holder.EmployeeNumber, it.Snapshot.HolderDept, holder.Title,
				manager, holder.ManagerID, string(holder.Status), it.ItemID, it.Snapshot.ItemName, owner, it.Snapshot.RiskTier, it.Snapshot.Source, it.Snapshot.Assurance,
				strings.Join(it.Snapshot.JobFunctions, ", "), it.Snapshot.Environment, it.Snapshot.Start, it.Snapshot.Expiry, it.Snapshot.LastUsedAt,
				reviewers, it.Route, it.Recommendation, it.Reason); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.Close()
}

var decisionColumns = []Column{
	{Name: "Decision", Kind: Number}, {Name: "Review item", Kind: Number}, {Name: "Stage", Kind: Number}, {Name: "Outcome", Width: 10},
	{Name: "Reviewer"}, {Name: "Reviewer person id"}, {Name: "OIDC issuer", Width: 30}, {Name: "OIDC subject"},
	{Name: "Decided at", Kind: Time}, {Name: "Justification", Width: 40}, {Name: "Recommendation shown", Width: 14}, {Name: "Reason shown", Width: 40},
	{Name: "Default applied", Width: 10}, {Name: "Reassigned to"}, {Name: "Previous reviewers"},
}

// decisions writes every decision as it was made, the changed ones too.
func (x *campaignExport) decisions(ctx context.Context) error {
	s, err := x.w.NewSheet("Decisions", decisionColumns, SheetOptions{ExpectedRows: x.counts.Total})
	if err != nil {
		return err
	}
	err = keyset(ctx, itemPage, func(ctx context.Context, after int64) ([]store.ReviewDecision, error) {
		page, err := x.src.ListReviewDecisions(ctx, x.c.ID, 0, after, itemPage)
		if err != nil {
			return nil, fmt.Errorf("evidence: campaign %s: decisions: %w", x.c.ID, err)
		}
		return page, nil
	}, func(d store.ReviewDecision) int64 { return d.ID }, func(page []store.ReviewDecision) error {
		var ids []string
		for _, d := range page {
			ids = append(ids, d.ReviewerID, d.ReassignTo)
			ids = append(ids, d.PreviousReviewerIDs...)
		}
		if err := x.ppl.load(ctx, x.src, ids); err != nil {
			return err
		}
		for _, d := range page {
			reviewer := "the non-response default"
			if !d.Defaulted || d.ReviewerID != "system" {
				var err error
				if reviewer, err = x.ppl.name(ctx, d.ReviewerID); err != nil {
					return err
				}
			}
			to, err := x.ppl.name(ctx, d.ReassignTo)
			if err != nil {
				return err
			}
			prev, err := x.names(ctx, d.PreviousReviewerIDs)
			if err != nil {
				return err
			}
			if err := s.Row(d.ID, d.ItemID, d.Stage+1, d.Decision, reviewer, d.ReviewerID, d.Issuer, d.Subject, d.CreatedAt,
				d.Justification, d.RecommendationShown, d.ReasonShown, d.Defaulted, to, prev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.Close()
}

var remediationColumns = []Column{
	{Name: "Review item", Kind: Number}, {Name: "Grant"}, {Name: "NHI"}, {Name: "Holder"}, {Name: "Catalog item"},
	{Name: "Remediation state", Width: 14}, {Name: "Requested at", Kind: Time}, {Name: "Adapter", Width: 14}, {Name: "Fulfilled at", Kind: Time},
	{Name: "Verified by sync run", Kind: Number}, {Name: "Verifying source"}, {Name: "Verified at", Kind: Time},
	{Name: "Failed at", Kind: Time}, {Name: "Failure", Width: 40}, {Name: "Escalated at", Kind: Time},
}

var remediationStates = store.RemediationStates

// remediation writes the take-back of every revoked item.
func (x *campaignExport) remediation(ctx context.Context) error {
	s, err := x.w.NewSheet("Remediation", remediationColumns, SheetOptions{ExpectedRows: x.counts.Revoked})
	if err != nil {
		return err
	}
	x.revokedGrants = map[string]bool{}
	err = x.eachItem(ctx, store.ReviewItemQuery{Remediation: remediationStates}, func(page []store.ReviewItem) error {
		for _, it := range page {
			if it.GrantID != "" {
				x.revokedGrants["grant:"+it.GrantID] = true
			}
			if it.NHIID != "" {
				x.revokedGrants["nhi:"+it.NHIID] = true
			}
			r := it.Remediation
			var run any
			if r.VerifiedRun != 0 {
				run = r.VerifiedRun
			}
			if err := s.Row(it.ID, it.GrantID, it.NHIID, it.Snapshot.HolderName, it.ItemID, string(r.State), r.RequestedAt, r.Adapter, r.FulfilledAt,
				run, r.VerifySource, r.VerifiedAt, r.FailedAt, r.Error, r.EscalatedAt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.Close()
}

// accessAfter says whether an item's access remains after remediation,
// and what shows it.
func accessAfter(it store.ReviewItem) (string, string) {
	r := it.Remediation
	switch {
	case it.Decision == store.DecisionCertify:
		return "retained (certified)", ""
	case it.Decision == "":
		return "retained (undecided)", "no decision: see Completeness"
	case r.State == store.RemediationVerified:
		return "removed (verified)", fmt.Sprintf("sync run %d of %s at %s", r.VerifiedRun, r.VerifySource, fmtTime(r.VerifiedAt))
	case r.State == store.RemediationFulfilled:
		return "removed (not yet verified)", fmt.Sprintf("%s fulfilled at %s", r.Adapter, fmtTime(r.FulfilledAt))
	case r.State == store.RemediationRequested:
		return "removal requested", fmt.Sprintf("requested at %s", fmtTime(r.RequestedAt))
	case r.State == store.RemediationFailed:
		return "still held (removal failed)", r.Error
	case r.State == store.RemediationNotVerifiable:
		return "removed (not verifiable)", fmt.Sprintf("%s fulfilled at %s; %s", r.Adapter, fmtTime(r.FulfilledAt), r.Reason)
	case r.State == store.RemediationUnverified:
		return "removal unverified (escalated)", fmt.Sprintf("%s fulfilled at %s; no sync confirmed it", r.Adapter, fmtTime(r.FulfilledAt))
	}
	return "revoked, remediation not started", ""
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "?"
	}
	return t.UTC().Format(time.RFC3339)
}

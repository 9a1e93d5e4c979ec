package evidence

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// campaignFixture is a closed campaign of three grants: one certified (a
// requested grant), one revoked and verified by a sync run, one undecided.
type campaignFixture struct {
	c                     store.Campaign
	certified, revoked    store.ReviewItem
	undecided             store.ReviewItem
	reviewer, holder, mgr store.Person
	request, extension    store.AccessRequest
	birthright            store.Grant
}

func seedCampaign(t *testing.T, st store.Store) campaignFixture {
	t.Helper()
	ctx := t.Context()
	approved, _, reqGrant := seedRequests(t, st)
	var f campaignFixture
	f.request = approved
	var err error
	f.mgr, err = st.CreatePerson(ctx, store.Person{UserName: "mia", DisplayName: "Mia Manager", Status: store.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	f.holder, err = st.GetPerson(ctx, reqGrant.HolderID)
	if err != nil {
		t.Fatal(err)
	}
	f.holder, err = st.UpdatePerson(ctx, f.holder.ID, func(p store.Person) (store.Person, error) {
		p.ManagerID, p.EmployeeNumber, p.Title = f.mgr.ID, "E-42", "@SUM(9) Analyst"
		return p, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.reviewer = f.mgr
	launch := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	f.birthright, err = st.CreateGrant(ctx, store.Grant{ItemID: "vpn", HolderID: f.holder.ID, Assurance: store.AssuranceBirthright,
		Start: launch.Add(-240 * time.Hour), End: launch.Add(24 * 365 * time.Hour), State: store.GrantActive, CreatedAt: launch.Add(-240 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	imported, err := st.CreateGrant(ctx, store.Grant{ItemID: "vpn", HolderID: f.mgr.ID, Assurance: store.AssuranceImported,
		Start: launch.Add(-480 * time.Hour), End: launch.Add(24 * 365 * time.Hour), State: store.GrantActive, CreatedAt: launch.Add(-480 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	// Held at launch but outside the scope: the reconciliation explains it.
	if _, err := st.CreateGrant(ctx, store.Grant{ItemID: "wiki", HolderID: f.mgr.ID, Assurance: store.AssuranceBirthright,
		Start: launch.Add(-480 * time.Hour), End: launch.Add(24 * 365 * time.Hour), State: store.GrantActive, CreatedAt: launch.Add(-480 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	closed := launch.Add(14 * 24 * time.Hour)
	f.c, err = st.CreateCampaign(ctx, store.Campaign{Definition: "quarterly-finance", DefinitionVersion: "a1b2c3", Period: "2026-11-01T00:00:00Z",
		Parameters: []byte(`{"name":"quarterly-finance","kind":"grants","scope":"grant.item in [\"finance-reports\", \"vpn\"]","stages":[{"name":"manager","reviewers":["manager"],"duration":"336h0m0s"}],"frequency":"quarterly","default":"revoke","capPercent":10,"capItems":0}`),
		Kind:       store.CampaignGrants, State: store.CampaignClosed, Stages: 1, StartedBy: "schedule", StartedAt: launch,
		StageDueAt: closed, DueAt: closed, ClosedAt: &closed, Generated: 3})
	if err != nil {
		t.Fatal(err)
	}
	snap := func(g store.Grant, holder store.Person, src string) store.ReviewSnapshot {
		return store.ReviewSnapshot{HolderName: holder.DisplayName, HolderDept: "Finance", JobFunctions: []string{"accountant"}, ItemName: "Item " + g.ItemID,
			RiskTier: "high", Source: src, Assurance: g.Assurance, Start: g.Start, Expiry: &g.End}
	}
	items, err := st.CreateReviewItems(ctx, []store.ReviewItem{
		{CampaignID: f.c.ID, GrantID: reqGrant.ID, HolderID: f.holder.ID, ItemID: reqGrant.ItemID, Snapshot: snap(reqGrant, f.holder, "requested"),
			ReviewerIDs: []string{f.mgr.ID}, Route: "manager", Recommendation: store.RecommendKeep, Reason: "used last week", State: store.ItemPending},
		{CampaignID: f.c.ID, GrantID: f.birthright.ID, HolderID: f.holder.ID, ItemID: "vpn", Snapshot: snap(f.birthright, f.holder, "birthright"),
			ReviewerIDs: []string{f.mgr.ID}, Route: "manager", Recommendation: store.RecommendRevoke, Reason: "=unused for 120 days", State: store.ItemPending},
		{CampaignID: f.c.ID, GrantID: imported.ID, HolderID: f.mgr.ID, ItemID: "vpn", Snapshot: snap(imported, f.mgr, "imported"),
			ReviewerIDs: []string{f.holder.ID}, Route: "manager", Recommendation: store.RecommendKeep, State: store.ItemPending},
	})
	if err != nil {
		t.Fatal(err)
	}
	decide := func(it store.ReviewItem, dec string, at time.Time, just string, rem store.Remediation) store.ReviewItem {
		t.Helper()
		if _, err := st.CreateReviewDecision(ctx, store.ReviewDecision{ItemID: it.ID, CampaignID: f.c.ID, Decision: dec, ReviewerID: f.mgr.ID,
			Issuer: "https://idp.example", Subject: "sub-mia", Justification: just, RecommendationShown: it.Recommendation, ReasonShown: it.Reason, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
		up, err := st.UpdateReviewItem(ctx, it.ID, func(x store.ReviewItem) (store.ReviewItem, error) {
			x.Decision, x.Justification, x.DecidedBy, x.DecidedIssuer, x.DecidedSubject, x.DecidedAt = dec, just, f.mgr.ID, "https://idp.example", "sub-mia", &at
			x.State, x.Remediation = store.ItemFinal, rem
			return x, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return up
	}
	d1, d2 := launch.Add(48*time.Hour), launch.Add(50*time.Hour)
	req, ful, ver := d2.Add(time.Minute), d2.Add(2*time.Minute), d2.Add(time.Hour)
	f.certified = decide(items[0], store.DecisionCertify, d1, "needed for close", store.Remediation{})
	f.revoked = decide(items[1], store.DecisionRevoke, d2, "-left the team", store.Remediation{State: store.RemediationVerified, RequestedAt: &req,
		FulfilledAt: &ful, Adapter: "ldap-group", VerifiedAt: &ver, VerifiedRun: 77, VerifySource: "corp-ldap"})
	f.undecided = items[2]
	f.extension, err = st.CreateRequest(ctx, store.AccessRequest{ItemID: reqGrant.ItemID, RequesterID: reqGrant.HolderID, BeneficiaryID: reqGrant.HolderID,
		Justification: "another quarter", Start: reqGrant.Start, End: reqGrant.End.Add(90 * 24 * time.Hour), State: store.RequestApproved,
		CatalogVersion: "v3", CreatedAt: launch.Add(-time.Hour), ExtendsGrantID: reqGrant.ID})
	if err != nil {
		t.Fatal(err)
	}
	// The take-back ended the revoked grant.
	if _, err := st.UpdateGrant(ctx, f.birthright.ID, func(g store.Grant) (store.Grant, error) {
		g.State, g.EndedAt, g.EndedBy, g.EndReason = store.GrantRevoked, &ful, "person:"+f.mgr.ID, "revoked in campaign "+f.c.ID
		return g, nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, e := range []audit.Entry{
		{Actor: "schedule", Action: "campaign.started", Target: "campaign:" + f.c.ID},
		{Actor: "person:" + f.mgr.ID, Action: "grant.revoked", Target: "grant:" + f.birthright.ID},
		{Actor: "system", Action: audit.ActionGrantExtended, Target: "grant:" + imported.ID},
	} {
		if _, err := audit.Append(ctx, st, launch, e); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestExportCampaign(t *testing.T) {
	st := gormtest.SQLite(t)
	fx := seedCampaign(t, st)
	key := testKey(t, 4)
	ex := &Exporter{Key: key, Generator: "syncd test", Now: func() time.Time { return testTime }, Population: freshPopulation(t)}
	catalog := func(id string) (CatalogItem, bool) {
		return CatalogItem{Name: "Item " + id, OwnerID: fx.mgr.ID}, true
	}
	var buf bytes.Buffer
	if err := ex.ExportCampaign(t.Context(), st, fx.c.ID, catalog, &buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "campaign.xlsx")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := "Summary,Population at launch,Decisions,Remediation,Population after remediation,Completeness,Requests and approvals,Controls,Audit,Manifest"
	if got := strings.Join(f.GetSheetList(), ","); got != want {
		t.Fatalf("sheets = %s", got)
	}
	sum := sheetMap(t, f, "Summary")
	for k, v := range map[string]string{
		"Campaign": fx.c.ID, "Definition": "quarterly-finance", "Definition version": "a1b2c3", "Items in scope": "3", "Certified": "1",
		"Revoked": "1", "Undecided": "1", "Remediation verified": "1", "Parameter.scope": `grant.item in ["finance-reports", "vpn"]`,
		"Parameter.default": "revoke", "Parameter.capPercent": "10", "Parameter.stages[1].reviewers": "manager",
		"Started at": "2026-11-01 09:00:00", "Completion (% of items decided or defaulted)": "66.6666666666667",
	} {
		if sum[k] != v {
			t.Errorf("Summary %q = %q, want %q", k, sum[k], v)
		}
	}

	launch := rowsOf(t, f, "Population at launch")
	if len(launch.rows) != 3 {
		t.Fatalf("launch rows = %d", len(launch.rows))
	}
	r := launch.rows[1]
	for k, v := range map[string]string{
		"Grant": fx.birthright.ID, "Holder": "'" + hostile[0], "Employee number": "E-42", "Title": "'@SUM(9) Analyst", "Manager": "Mia Manager",
		"Item owner": "Mia Manager", "Obtained by": "birthright", "Risk": "high", "Recommendation": "revoke", "Recommendation reason": "'=unused for 120 days",
		"Reviewers at launch": "Mia Manager", "Start (ISO 8601)": fx.birthright.Start.Format(time.RFC3339Nano),
	} {
		if got := launch.get(r, k); got != v {
			t.Errorf("launch %s = %q, want %q", k, got, v)
		}
	}

	dec := rowsOf(t, f, "Decisions")
	if len(dec.rows) != 2 {
		t.Fatalf("decision rows = %d", len(dec.rows))
	}
	d := dec.rows[1]
	for k, v := range map[string]string{
		"Outcome": "revoke", "Reviewer": "Mia Manager", "Reviewer person id": fx.mgr.ID, "OIDC issuer": "https://idp.example",
		"OIDC subject": "sub-mia", "Decided at": "2026-11-03 11:00:00", "Decided at (ISO 8601)": "2026-11-03T11:00:00Z",
		"Justification": "'-left the team", "Recommendation shown": "revoke", "Default applied": "no",
	} {
		if got := dec.get(d, k); got != v {
			t.Errorf("decision %s = %q, want %q", k, got, v)
		}
	}

	rem := rowsOf(t, f, "Remediation")
	if len(rem.rows) != 1 || rem.get(rem.rows[0], "Verified by sync run") != "77" || rem.get(rem.rows[0], "Adapter") != "ldap-group" ||
		rem.get(rem.rows[0], "Verified at (ISO 8601)") != "2026-11-03T12:00:00Z" || rem.get(rem.rows[0], "Remediation state") != "verified" {
		t.Errorf("remediation = %q", rem.rows)
	}

	// Closed before syncd stored the population at close: evaluated at
	// export, and both the sheet and the Summary say so.
	after := rowsOf(t, f, "Population after remediation")
	var held []string
	footer := map[string]string{}
	for _, r := range after.rows {
		if g := after.get(r, "Grant"); g != "" {
			held = append(held, g+"/"+after.get(r, "In scope")+"/"+after.get(r, "Decision")+"/"+after.get(r, "Revoked and still held"))
		} else if len(r) > 3 {
			footer[r[0]] = r[3]
		}
	}
	if w := fx.certified.GrantID + "/yes/certify/no|" + fx.undecided.GrantID + "/yes//no"; strings.Join(held, "|") != w {
		t.Errorf("after = %v, want %s", held, w)
	}
	if footer["In scope"] != "2" || footer["  not reviewed"] != "0" || footer["Revoked by this campaign and not held"] != "1" ||
		footer["Scope"] != `grant.item in ["finance-reports", "vpn"]` || footer["Population evaluated"] != "at export: no population stored at close" ||
		footer["Evaluated at"] != testTime.Format(time.RFC3339) {
		t.Errorf("after footer = %v", footer)
	}
	if got := sum["Population after remediation"]; !strings.Contains(got, "before syncd stored the population at close: population evaluated at export time "+testTime.Format(time.RFC3339)) {
		t.Errorf("Summary population after remediation = %q", got)
	}

	comp := rowsOf(t, f, "Completeness")
	var found []string
	for _, r := range comp.rows {
		found = append(found, strings.Join(r, "|"))
	}
	all := strings.Join(found, "\n")
	for _, want := range []string{
		"Per source|birthright|1|2|1|1 grants held at launch that the scope",
		"Per source|imported|1|1|0|every grant held at launch is in the population",
		"Per catalog item|wiki|0|1|1|",
		"Exception|review item " + itoa(fx.undecided.ID),
	} {
		if !strings.Contains(all, want) {
			t.Errorf("completeness lacks %q:\n%s", want, all)
		}
	}

	reqs := rowsOf(t, f, "Requests and approvals")
	if len(reqs.rows) != 2 || reqs.get(reqs.rows[0], "Request") != fx.request.ID || reqs.get(reqs.rows[0], "Grant") != fx.certified.GrantID ||
		reqs.get(reqs.rows[0], "Extends grant") != "" {
		t.Errorf("requests = %q", reqs.rows)
	}
	// The request that extended the certified grant, with it.
	if r := reqs.rows[1]; reqs.get(r, "Request") != fx.extension.ID || reqs.get(r, "Extends grant") != fx.certified.GrantID || reqs.get(r, "Grant") != fx.certified.GrantID {
		t.Errorf("extension row = %q", r)
	}

	aud := rowsOf(t, f, "Audit")
	var actions []string
	for _, r := range aud.rows {
		if a := aud.get(r, "Action"); a != "" {
			actions = append(actions, a)
		}
	}
	// The campaign's events and the revoked grant's, not the others.
	if strings.Join(actions, ",") != "campaign.started,grant.revoked" {
		t.Errorf("audit actions = %q", actions)
	}
	if last := aud.rows[len(aud.rows)-1]; last[0] != "Chain head at export" {
		t.Errorf("audit ends with %q", last)
	}

	if _, err := verifyFile(t, path, VerifyOptions{PublicKey: key.Public().(ed25519.PublicKey), Chain: ChainStore{Audit: st}}); err != nil {
		t.Fatal(err)
	}
	// LibreOffice renders every sheet, and its re-save still verifies.
	if testing.Short() {
		return
	}
	text := pdfText(t, libreOffice(t, path, "pdf"))
	for _, title := range strings.Split(want, ",") {
		if !strings.Contains(text, title) {
			t.Errorf("the PDF lacks the sheet title %q", title)
		}
	}
	if _, err := verifyFile(t, libreOffice(t, path, "xlsx"), VerifyOptions{PublicKey: key.Public().(ed25519.PublicKey)}); err != nil {
		t.Errorf("LibreOffice re-save: %v", err)
	}
}

type sheetRows struct {
	col  map[string]int
	rows [][]string
}

// rowsOf reads a sheet as shown, header apart.
func rowsOf(t *testing.T, f *excelize.File, sheet string) sheetRows {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return sheetRows{col: header(rows[0]), rows: rows[1:]}
}

func (s sheetRows) get(row []string, name string) string { return cellAt(row, s.col, name) }

func itoa(n int64) string { return fmtInt(n) }

package evidence

import (
	"bytes"
	"context"
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

// seedRequests stores two persons (one with a hostile display name), an
// approved request with its decision, approval and grant, a denied one and
// one outside the period, each with audit events.
func seedRequests(t *testing.T, st store.Store) (approved, denied store.AccessRequest, grant store.Grant) {
	t.Helper()
	ctx := t.Context()
	ada, err := st.CreatePerson(ctx, store.Person{UserName: "ada", DisplayName: "Ada Lovelace", Status: store.StatusActive, EmployeeNumber: "E1"})
	if err != nil {
		t.Fatal(err)
	}
	eve, err := st.CreatePerson(ctx, store.Person{UserName: "eve", DisplayName: hostile[0], Status: store.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 10, 5, 8, 0, 0, 0, time.UTC)
	mk := func(at time.Time, state store.RequestState, just string) store.AccessRequest {
		r, err := st.CreateRequest(ctx, store.AccessRequest{ItemID: "finance-reports", RequesterID: eve.ID, BeneficiaryID: eve.ID, Justification: just,
			Start: at, End: at.Add(72 * time.Hour), State: state, CatalogVersion: "v3", CreatedAt: at,
			Stages: []store.ApprovalStage{{Name: "manager", Approvers: []string{ada.ID}, Quorum: 1, Approved: []string{ada.ID}}}})
		if err != nil {
			t.Fatal(err)
		}
		d, err := st.CreatePolicyDecision(ctx, store.PolicyDecision{RequestID: r.ID, Outcome: "approval", Rule: "manager-approves", Reasons: []string{"risk tier high"}, Explanation: "needs the manager", CatalogVersion: "v3", Inputs: []byte(`{}`), CreatedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		r, err = st.UpdateRequest(ctx, r.ID, func(r store.AccessRequest) (store.AccessRequest, error) { r.DecisionID = d.ID; return r, nil })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateApproverDecision(ctx, store.ApproverDecision{RequestID: r.ID, Stage: 0, ApproverID: ada.ID, Approve: state == store.RequestApproved, Comment: "+ok", CreatedAt: at.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Append(ctx, st, at, audit.Entry{Actor: "person:" + eve.ID, Action: "request.submitted", Target: "request:" + r.ID}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	approved = mk(day, store.RequestApproved, "@SUM(1+1) month-end close")
	denied = mk(day.Add(24*time.Hour), store.RequestDenied, "curious")
	mk(day.Add(40*24*time.Hour), store.RequestApproved, "outside the period")
	grant, err = st.CreateGrant(ctx, store.Grant{ItemID: "finance-reports", HolderID: eve.ID, RequestID: approved.ID, DecisionID: approved.DecisionID,
		Assurance: store.AssuranceApproved, ApproverIDs: []string{ada.ID}, Start: day.Add(time.Hour), End: day.Add(72 * time.Hour), State: store.GrantActive})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Append(ctx, st, day.Add(time.Hour), audit.Entry{Actor: "person:" + ada.ID, Action: "grant.created", Target: "grant:" + grant.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Append(ctx, st, day, audit.Entry{Actor: "system", Action: "person.created", Target: "person:" + ada.ID}); err != nil {
		t.Fatal(err)
	}
	return approved, denied, grant
}

func TestExportRequests(t *testing.T) {
	st := gormtest.SQLite(t)
	approved, denied, grant := seedRequests(t, st)
	key := testKey(t, 3)
	ex := &Exporter{Key: key, Generator: "syncd test", Now: func() time.Time { return testTime }}
	var buf bytes.Buffer
	from, to := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if err := ex.ExportRequests(t.Context(), st, from, to, &buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "requests.xlsx")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "Summary,Requests and approvals,Controls,Audit,Manifest" {
		t.Fatalf("sheets = %s", got)
	}
	sum := sheetMap(t, f, "Summary")
	if sum["Requests submitted"] != "2" || sum["Approved (a grant was created)"] != "1" || sum["Denied"] != "1" || sum["Generated at"] != "2026-11-30 09:15:30" {
		t.Errorf("summary = %v", sum)
	}
	rows, err := f.GetRows("Requests and approvals")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("request rows = %d, want header and 2", len(rows))
	}
	col := header(rows[0])
	r1 := rows[1]
	for name, want := range map[string]string{
		"Request": approved.ID, "Requester": "'" + hostile[0], "Justification": "'@SUM(1+1) month-end close",
		"Submitted at": "2026-10-05 08:00:00", "Submitted at (ISO 8601)": "2026-10-05T08:00:00Z",
		"State": "approved", "Policy rule": "manager-approves", "Policy reasons": "risk tier high", "Grant": grant.ID,
		"Assurance level": "approved", "Grant state": "active", "Grant start (ISO 8601)": "2026-10-05T09:00:00Z",
	} {
		if got := cellAt(r1, col, name); got != want {
			t.Errorf("approved request %s = %q, want %q", name, got, want)
		}
	}
	if a := cellAt(r1, col, "Approvals by stage"); !strings.Contains(a, "approved Ada Lovelace") || !strings.Contains(a, `"+ok"`) {
		t.Errorf("approvals = %q", a)
	}
	if cellAt(rows[2], col, "Request") != denied.ID || cellAt(rows[2], col, "Grant") != "" || !strings.Contains(cellAt(rows[2], col, "Approvals by stage"), "denied Ada Lovelace") {
		t.Errorf("denied request row = %q", rows[2])
	}
	auditRows, err := f.GetRows("Audit")
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, r := range auditRows[1:] {
		if len(r) > 5 && r[0] != "Chain head at export" {
			actions = append(actions, r[4])
		}
	}
	// The request and grant events of the period; not the person event nor
	// the request outside the period.
	if strings.Join(actions, ",") != "request.submitted,request.submitted,grant.created" {
		t.Errorf("audit actions = %v", actions)
	}
	head, _ := st.GetAuditHead(t.Context())
	last := auditRows[len(auditRows)-1]
	if last[0] != "Chain head at export" || last[len(last)-1] != head.Hash {
		t.Errorf("audit last row = %q, head %v", last, head)
	}
	rep, err := verifyFile(t, path, VerifyOptions{PublicKey: key.Public().(ed25519.PublicKey), Chain: ChainStore{Audit: st}})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.ChainChecked || rep.ChainHead.Seq != head.Seq {
		t.Errorf("report = %+v", rep)
	}
	// The chain may grow; the recorded head stays in it.
	if _, err := audit.Append(context.Background(), st, testTime, audit.Entry{Actor: "system", Action: audit.ActionJobsCanary, Target: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := verifyFile(t, path, VerifyOptions{Chain: ChainStore{Audit: st}}); err != nil {
		t.Fatalf("after the chain grew: %v", err)
	}
	// Another store's chain does not hold the head.
	other := gormtest.SQLite(t)
	if _, err := audit.Append(context.Background(), other, testTime, audit.Entry{Actor: "system", Action: audit.ActionJobsCanary, Target: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := verifyFile(t, path, VerifyOptions{Chain: ChainStore{Audit: other}}); err == nil || !strings.Contains(err.Error(), "not in the current chain") {
		t.Fatalf("foreign chain: %v", err)
	}
}

// sheetMap reads a Field/Value sheet as shown (formatted values).
func sheetMap(t *testing.T, f *excelize.File, sheet string) map[string]string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, r := range rows[1:] {
		if len(r) > 1 {
			m[r[0]] = r[1]
		}
	}
	return m
}

func header(row []string) map[string]int {
	m := map[string]int{}
	for i, h := range row {
		m[h] = i
	}
	return m
}

func cellAt(row []string, col map[string]int, name string) string {
	i, ok := col[name]
	if !ok {
		return "<no column " + name + ">"
	}
	if i < len(row) {
		return row[i]
	}
	return ""
}

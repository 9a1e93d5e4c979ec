package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
)

const campaignCatalog = `approverGroups:
  auditors: [aud@example.com]
items:
  - id: reports
    name: Reports
    kind: app-role
    owner: olga@example.com
    risk: low
    eligibility: {jobFunctions: [analyst]}
    approval:
      stages: [{name: owner, approvers: [{itemOwner: true}]}]
    maxDuration: 30d
    fulfillment: {type: manual}
`

func writeCampaignConfig(t *testing.T, driver, dsn string) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "catalog.yaml"), []byte(campaignCatalog), 0o600)
	path := filepath.Join(dir, "syncd.yaml")
	body := fmt.Sprintf(`storage: {driver: %s, dsn: %q, autoMigrate: true}
log: {level: warn}
identity:
  jobFunctions:
    - {rule: analyst, jobFunction: analyst, when: 'person.title == "Analyst"'}
sources: [{name: hr, role: hr, type: scim-push}]
catalog: {files: [catalog.yaml]}
review:
  campaigns:
    - name: quarterly-access
      scope: 'grant.source in ["requested", "imported"]'
      stages:
        - {name: manager, reviewers: [manager], fallback: [item-owner], duration: 14d}
      schedule: {frequency: quarterly, start: 2026-01-01}
      default: {action: recommendation, capPercent: 50}
      reminders: [72h]
      fallbackGroup: auditors
    - name: mover
      kind: mover
      stages: [{reviewers: [manager]}]
      grace: 14d
      default: {action: recommendation}
`, driver, dsn)
	os.WriteFile(path, []byte(body), 0o600)
	return path
}

// TestCampaignCommands drives syncd campaign list|start|status|close and
// checks their JSON shapes on both databases.
func TestCampaignCommands(t *testing.T) {
	forEachDB(t, func(t *testing.T, driver, dsn string) {
		cfgPath := writeCampaignConfig(t, driver, dsn)
		code, out, errOut := cli(t, noEnv, "campaign", "list", "--config", cfgPath, "--format", "json")
		if code != exitOK {
			t.Fatalf("list: %d %s", code, errOut)
		}
		var list struct {
			Definitions []map[string]any `json:"definitions"`
			Campaigns   []map[string]any `json:"campaigns"`
		}
		if err := json.Unmarshal([]byte(out), &list); err != nil || len(list.Definitions) != 2 || list.Definitions[0]["name"] != "quarterly-access" || len(list.Campaigns) != 0 {
			t.Fatalf("list: %v %s", err, out)
		}
		// An empty scope starts nothing.
		code, out, errOut = cli(t, noEnv, "campaign", "start", "--config", cfgPath, "--definition", "quarterly-access")
		if code != exitOK || !strings.Contains(out, "nothing in scope") {
			t.Fatalf("start on nothing: %d %s %s", code, out, errOut)
		}

		cfg, err := loadConfig(cfgPath, noEnv)
		if err != nil {
			t.Fatal(err)
		}
		st := openForTest(t, driver, dsn)
		idsvc, err := identity.New(cfg.identityConfig(), st)
		if err != nil {
			t.Fatal(err)
		}
		var changes []identity.Change
		for _, p := range []struct{ login, title, manager string }{{"olga", "Controller", ""}, {"aud", "Auditor", ""}, {"ana", "Analyst", "olga"}, {"sam", "Rep", "olga"}} {
			r := identity.Record{ExternalID: p.login, Attributes: map[string]string{"userName": p.login, "email": p.login + "@example.com", "title": p.title}}
			if p.manager != "" {
				r.Manager = &identity.ManagerRef{ExternalID: p.manager}
			}
			changes = append(changes, identity.Change{Op: identity.OpUpsert, Record: r})
		}
		res, err := idsvc.Apply(t.Context(), identity.Batch{Source: "hr", Changes: changes})
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]string{}
		for _, a := range res.Applied {
			ids[a.ExternalID] = a.PersonID
		}
		now := time.Now().UTC()
		for _, h := range []string{"ana", "sam"} {
			if _, err := st.CreateGrant(t.Context(), store.Grant{ItemID: "reports", HolderID: ids[h], Assurance: store.AssuranceApproved,
				Start: now.Add(-time.Hour), End: now.Add(300 * 24 * time.Hour), State: store.GrantActive, FulfillmentStatus: "done"}); err != nil {
				t.Fatal(err)
			}
		}

		code, out, errOut = cli(t, noEnv, "campaign", "start", "--config", cfgPath, "--definition", "quarterly-access")
		if code != exitOK {
			t.Fatalf("start: %d %s", code, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		id := lines[len(lines)-1]
		if _, err := st.GetCampaign(t.Context(), id); err != nil {
			t.Fatalf("the last line %q is not the campaign id: %v", id, err)
		}
		code, _, _ = cli(t, noEnv, "campaign", "start", "--config", cfgPath, "--definition", "nope")
		if code != exitUsage {
			t.Fatalf("unknown definition: exit %d", code)
		}

		code, out, errOut = cli(t, noEnv, "campaign", "list", "--config", cfgPath, "--format", "json")
		if code != exitOK {
			t.Fatalf("list: %s", errOut)
		}
		if err := json.Unmarshal([]byte(out), &list); err != nil || len(list.Campaigns) != 1 {
			t.Fatalf("list after start: %v %s", err, out)
		}
		for _, k := range []string{"id", "definition", "state", "startedAt", "dueAt"} {
			if _, ok := list.Campaigns[0][k]; !ok {
				t.Errorf("campaign list entry lacks %q: %s", k, out)
			}
		}

		status := func() map[string]any {
			t.Helper()
			code, out, errOut := cli(t, noEnv, "campaign", "status", "--config", cfgPath, "--id", id, "--format", "json")
			if code != exitOK {
				t.Fatalf("status: %d %s", code, errOut)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(out), &m); err != nil {
				t.Fatalf("status: %v %s", err, out)
			}
			for _, k := range []string{"id", "state", "total", "certified", "revoked", "reassigned", "undecided", "defaulted", "escalated", "byStage", "remediation"} {
				if _, ok := m[k]; !ok {
					t.Errorf("status lacks %q: %s", k, out)
				}
			}
			for _, k := range []string{"requested", "fulfilled", "verified", "failed", "notVerifiable"} {
				if _, ok := m["remediation"].(map[string]any)[k]; !ok {
					t.Errorf("status remediation lacks %q: %s", k, out)
				}
			}
			return m
		}
		if m := status(); m["total"] != 2.0 || m["undecided"] != 2.0 || m["state"] != "active" {
			t.Fatalf("status after start %v", m)
		}
		// Close applies the default now: sam (no longer justified) revoked, ana kept.
		code, out, errOut = cli(t, noEnv, "campaign", "close", "--config", cfgPath, "--id", id)
		if code != exitOK {
			t.Fatalf("close: %d %s %s", code, out, errOut)
		}
		m := status()
		if m["state"] != "closed" || m["revoked"] != 1.0 || m["certified"] != 1.0 || m["defaulted"] != 2.0 ||
			m["remediation"].(map[string]any)["notVerifiable"] != 1.0 {
			t.Fatalf("status after close %v", m)
		}
		code, out, _ = cli(t, noEnv, "campaign", "status", "--config", cfgPath, "--id", id)
		if code != exitOK || !strings.Contains(out, "1 revoked") {
			t.Fatalf("table status: %s", out)
		}
	})
}

// TestDemoStartsWithACampaignInProgress: a newcomer's `syncd demo` shows a
// campaign with decided, revoked-and-verified and undecided items.
func TestDemoStartsWithACampaignInProgress(t *testing.T) {
	dir := t.TempDir()
	d := startDemo(t, "--data", dir, "--listen", "127.0.0.1:0")
	if !strings.Contains(d.output.String(), "Started campaign") {
		t.Fatalf("demo output:\n%s", d.output.String())
	}
	d.halt(t)
	st := openForTest(t, gormstore.DriverSQLite, filepath.Join(dir, "syncd.db"))
	cs, err := st.ListCampaigns(t.Context(), store.CampaignQuery{States: []store.CampaignState{store.CampaignActive}})
	if err != nil || len(cs) != 1 {
		t.Fatalf("active campaigns: %v %d", err, len(cs))
	}
	n, err := st.CountReviewItems(t.Context(), cs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if n.Certified == 0 || n.Revoked == 0 || n.Undecided == 0 || n.Remediation[store.RemediationVerified] == 0 {
		t.Fatalf("demo campaign counts %+v", n)
	}
}

// TestCampaignConfigValidation names every problem of a bad definition.
func TestCampaignConfigValidation(t *testing.T) {
	_, err := parseConfig([]byte(`storage: {driver: sqlite, dsn: x.db}
review:
  campaigns:
    - name: bad
      kind: grants
      scope: 'grant.item =='
      stages:
        - {reviewers: [boss]}
        - {reviewers: [manager], advance: sometimes}
        - {reviewers: [manager]}
        - {reviewers: [manager]}
      schedule: {frequency: fortnightly, start: yesterday}
      default: {action: purge, capPercent: 120}
    - name: bad
      kind: mover
      stages: [{reviewers: [manager]}]
`), noEnv)
	var ce ConfigErrors
	if !errors.As(err, &ce) {
		t.Fatalf("want config errors, got %v", err)
	}
	got := ce.Error()
	for _, want := range []string{
		"review.campaigns[0].scope", "review.campaigns[0].stages", `unknown reviewer "boss"`, "review.campaigns[0].stages[1].advance",
		"review.campaigns[0].schedule.frequency", "review.campaigns[0].schedule.start", "review.campaigns[0].default.action",
		"review.campaigns[0].default.capPercent", "review.campaigns[1].name",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q:\n%s", want, got)
		}
	}
}

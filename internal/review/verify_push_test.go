package review_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/scim"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
	"github.com/syncd-dev/syncd/internal/token"
)

// TestPushedNHIRemediation: service accounts an IdP pushes to syncd's SCIM
// server (over HTTP) are reviewed by their owners and revoked. syncd
// cannot read the IdP back, so nothing verifies the removal: one the IdP
// pushes again, active, after the take-back is failed and escalated (the
// account still exists there); one the IdP leaves alone is not
// verifiable once UnverifiedAfter has passed, with the reason.
func TestPushedNHIRemediation(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		clk := newClock()
		ids := loadOrg(t, identityService(t, st, clk.Now), smallOrg)

		server, err := scim.New(scim.Config{BaseURL: "http://idp.test/scim/v2", NonHuman: scim.NonHumanRule{UserTypes: []string{"Service"}}},
			st, identityService(t, st, clk.Now), nil, clk.Now)
		must(t, "scim server", err)
		mux := http.NewServeMux()
		mux.Handle("/scim/v2/", http.StripPrefix("/scim", server))
		hs := httptest.NewServer(mux)
		t.Cleanup(hs.Close)
		tok, _, err := token.Issue(ctx, st, time.Now(), "test", "scim-idp", store.ScopeSCIM, "idp")
		must(t, "token", err)
		push := func(method, path string, body any) map[string]any {
			t.Helper()
			raw, _ := json.Marshal(body)
			req, _ := http.NewRequestWithContext(ctx, method, hs.URL+"/scim/v2"+path, bytes.NewReader(raw))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/scim+json")
			resp, err := http.DefaultClient.Do(req)
			must(t, "push", err)
			defer resp.Body.Close()
			out, _ := io.ReadAll(resp.Body)
			if resp.StatusCode/100 != 2 {
				t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, out)
			}
			var m map[string]any
			_ = json.Unmarshal(out, &m)
			return m
		}
		account := func(name, owner string) map[string]any {
			return map[string]any{
				"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
				"userName": name, "userType": "Service", "active": true,
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"manager": map[string]any{"value": owner}},
			}
		}
		push("POST", "/Users", account("svc-build", ids["devon"]))
		push("POST", "/Users", account("svc-report", ids["dana"]))

		def := review.Definition{Name: "pushed-nhis", Kind: store.CampaignNHIs, Scope: `nhi.source == "idp"`,
			Stages: []review.Stage{{Reviewers: []string{"nhi-owner"}}}, Remediate: review.RemediateImmediately,
			UnverifiedAfter: 48 * time.Hour, FallbackGroup: "security"}
		svc := newService(t, st, testCatalog(ids), clk, def)
		svc.NHI = &nhi.Service{Store: st, Now: clk.Now}
		c, err := svc.Start(ctx, def.Name, "test", review.StartOptions{})
		must(t, "start", err)
		its := items(t, st, c.ID)
		if len(its) != 2 {
			t.Fatalf("%d items, want the 2 pushed service accounts", len(its))
		}
		byOwner := map[string]store.ReviewItem{}
		for _, it := range its {
			byOwner[it.ReviewerIDs[0]] = it
			got, err := svc.Decide(ctx, review.Actor{PersonID: it.ReviewerIDs[0], Issuer: "https://idp.test", Subject: "s"}, it.ID,
				review.Decision{Decision: store.DecisionRevoke, Justification: "not used any more"})
			must(t, "decide", err)
			if got.Remediation.State != store.RemediationFulfilled || got.Remediation.VerifySource != "idp" {
				t.Fatalf("after the revoke: %+v", got.Remediation)
			}
			if n, _ := st.GetNHI(ctx, it.NHIID); n.Status != store.NHIRetired {
				t.Fatalf("NHI %s is %s after the revoke", n.Name, n.Status)
			}
		}
		build, report := byOwner[ids["devon"]], byOwner[ids["dana"]]

		// Nothing pushed yet: a tick changes nothing (never verified
		// without evidence).
		clk.Add(time.Hour)
		must(t, "tick", svc.Tick(ctx))
		for _, it := range its {
			if got, _ := st.GetReviewItem(ctx, it.ID); got.Remediation.State != store.RemediationFulfilled {
				t.Fatalf("before any push: %+v", got.Remediation)
			}
		}

		// The IdP still has svc-build and pushes it again.
		clk.Add(time.Hour)
		push("POST", "/Users", account("svc-build", ids["devon"]))
		if n, _ := st.GetNHI(ctx, build.NHIID); n.Status != store.NHIActive {
			t.Fatalf("svc-build after the push: %s", n.Status)
		}
		must(t, "tick", svc.Tick(ctx))
		got, err := st.GetReviewItem(ctx, build.ID)
		must(t, "item", err)
		if got.Remediation.State != store.RemediationFailed || got.Remediation.EscalatedAt == nil ||
			!strings.Contains(got.Remediation.Reason, "idp pushed the account again") {
			t.Fatalf("svc-build after the IdP pushed it again: %+v", got.Remediation)
		}
		cc, err := st.GetCampaign(ctx, c.ID)
		must(t, "campaign", err)
		if !hasNote(cc.Report, "verification-failed", build.ID) {
			t.Fatalf("report lacks svc-build: %+v", cc.Report)
		}

		// svc-report: the IdP leaves it alone; past UnverifiedAfter it is
		// not verifiable, and not escalated.
		clk.Add(48 * time.Hour)
		must(t, "tick", svc.Tick(ctx))
		got, err = st.GetReviewItem(ctx, report.ID)
		must(t, "item", err)
		if got.Remediation.State != store.RemediationNotVerifiable || got.Remediation.EscalatedAt != nil ||
			!strings.Contains(got.Remediation.Reason, "idp pushes to syncd and cannot be read back") {
			t.Fatalf("svc-report after UnverifiedAfter: %+v", got.Remediation)
		}
		stat, err := svc.Status(ctx, c.ID)
		must(t, "status", err)
		if stat.Remediation.Failed != 1 || stat.Remediation.NotVerifiable != 1 || stat.Remediation.Verified != 0 {
			t.Fatalf("status remediation %+v", stat.Remediation)
		}
	})
}

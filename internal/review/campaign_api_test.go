package review_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/api"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/ldap"
	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/pull"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

const suffix = "dc=example,dc=org"

// apiClient calls the API as a person (a session with an OIDC issuer and
// subject) or as an admin token.
type apiClient struct {
	t   *testing.T
	url string
}

func (c apiClient) do(method, path, as string, body any, want int, out any) {
	c.t.Helper()
	var rd bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&rd).Encode(body); err != nil {
			c.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, c.url+path, &rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("X-Test-As", as)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&raw)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s as %s: %d %s, want %d", method, path, as, resp.StatusCode, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
}

func testAuth(r *http.Request) (api.Principal, error) {
	as := r.Header.Get("X-Test-As")
	switch as {
	case "":
		return api.Principal{}, api.ErrNoCredentials
	case "admin":
		return api.Principal{TokenName: "admin", Roles: []string{api.RoleAdmin}, Scopes: []store.Scope{store.ScopeAdmin, store.ScopeRead, store.ScopeReviews, store.ScopeRequests}}, nil
	}
	return api.Principal{PersonID: as, Issuer: "https://idp.test", Subject: "sub-" + as}, nil
}

type itemsPage struct {
	Items []review.ItemJSON `json:"items"`
	Next  string            `json:"next"`
}

// TestQuarterlyCampaignThroughAPI is the whole loop against a real slapd:
// a scheduled quarterly campaign over imported directory-group grants is
// generated, decided through the API (single and bulk), its deadline
// applies the capped default, the revocations take the memberships back
// in the directory, and the next LDAP pull verifies the removal.
func TestQuarterlyCampaignThroughAPI(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		ctx := t.Context()
		srv := ldaptest.Start(t, ldaptest.Options{LDIF: ldaptest.Generate(suffix, ldaptest.Directory{People: 12, Groups: 2})})
		clk := newClock()

		// The directory pull: persons with their managers, groups with members.
		ids, err := identity.New(identity.Config{Sources: map[string]identity.SourceRole{"corp": identity.RoleDirectory}}, st)
		must(t, "identity", err)
		runner := &pull.Runner{Store: st, Identity: ids, Holder: "test", Now: clk.Now}
		src, err := ldap.New(ldap.Config{Name: "corp", URL: srv.URL, BindDN: srv.ReaderDN, BindPassword: srv.ReaderPassword,
			Preset: ldap.PresetOpenLDAP, People: ldap.Search{BaseDN: "ou=people," + suffix}, Groups: &ldap.Search{BaseDN: "ou=groups," + suffix}}, nil)
		must(t, "ldap source", err)
		t.Cleanup(func() { src.Close() })
		if run, err := runner.Run(ctx, src, pull.Options{Full: true}); err != nil {
			t.Fatalf("first pull: %v %+v", err, run)
		}
		person := map[int]string{}
		for i := range 12 {
			ps, err := st.FindPersons(ctx, store.MatchUserName, ldaptest.UID(i))
			if err != nil || len(ps) != 1 {
				t.Fatalf("person %d: %v %d", i, err, len(ps))
			}
			person[i] = ps[0].ID
		}

		// Two ldap-group items; the directory's memberships become imported grants.
		w, err := ldap.NewGroupWriter(ldap.Config{Name: "corp", URL: srv.URL, BindDN: srv.ReaderDN, BindPassword: srv.ReaderPassword},
			ldap.WriteCredentials{BindDN: srv.WriterDN, BindPassword: srv.WriterPassword})
		must(t, "group writer", err)
		t.Cleanup(func() { w.Close() })
		cat := &catalog.Catalog{
			ApproverGroups: map[string][]string{"auditors": {person[11]}},
			Items: []catalog.Item{
				{ItemSpec: policy.ItemSpec{ID: "group-0", Name: "Group 0", Kind: "group", Risk: policy.RiskMedium, OwnerID: person[0]},
					Fulfillment: catalog.Fulfillment{Type: "ldap-group", Params: map[string]string{"source": "corp", "group": ldaptest.GroupDN(suffix, 0)}}},
				{ItemSpec: policy.ItemSpec{ID: "group-1", Name: "Group 1", Kind: "group", Risk: policy.RiskLow, OwnerID: person[0]},
					Fulfillment: catalog.Fulfillment{Type: "ldap-group", Params: map[string]string{"source": "corp", "group": ldaptest.GroupDN(suffix, 1)}}},
			},
		}
		rev, acc := accessRevoker(t, st, cat, map[string]access.Fulfiller{"ldap-group": &access.LDAPGroup{Store: st, Writers: map[string]access.GroupWriter{"corp": w}}}, clk.Now)
		if _, err := acc.Sweep(ctx); err != nil {
			t.Fatalf("sweep: %v", err)
		}

		def := quarterly()
		def.Default = review.Default{Action: review.DefaultRevoke, CapPercent: 80}
		def.FallbackGroup = "auditors"
		svc := newService(t, st, cat, clk, def)
		svc.Revoker = rev
		runner.AfterRun = func(ctx2 context.Context, run store.SyncRun) error {
			_, err := svc.VerifyAfterSync(ctx2, run.ID)
			return err
		}
		mux := http.NewServeMux()
		(&api.Server{Store: st, Review: svc, Auth: api.AuthenticatorFunc(testAuth)}).Register(mux)
		hs := httptest.NewServer(mux)
		t.Cleanup(hs.Close)
		c := apiClient{t: t, url: hs.URL}

		// The schedule starts this quarter's campaign; a second tick does not.
		must(t, "tick", svc.Tick(ctx))
		must(t, "tick again", svc.Tick(ctx))
		var list struct {
			Definitions []struct{ Name string } `json:"definitions"`
			Campaigns   []struct {
				ID, Definition, State string
			} `json:"campaigns"`
		}
		c.do("GET", "/api/v1/campaigns", "admin", nil, 200, &list)
		if len(list.Campaigns) != 1 || list.Campaigns[0].State != "active" || list.Definitions[0].Name != def.Name {
			t.Fatalf("campaigns %+v", list)
		}
		id := list.Campaigns[0].ID
		var status review.Status
		c.do("GET", "/api/v1/campaigns/"+id, "admin", nil, 200, &status)
		if status.Total != 12 || status.Undecided != 12 {
			t.Fatalf("status after generation %+v", status)
		}

		// Person 0 heads the tree and holds group 0: nobody manages them
		// and they own the item, so the fallback group reviews it.
		var p0 itemsPage
		c.do("GET", "/api/v1/campaigns/"+id+"/items?reviewer=me", person[11], nil, 200, &p0)
		if len(p0.Items) != 1 || p0.Items[0].Holder != person[0] || p0.Items[0].Route != review.RouteFallbackGroup {
			t.Fatalf("fallback reviewer's items %+v", p0.Items)
		}
		// The manager of persons 1..10 reviews their items, a page at a time.
		var mine []review.ItemJSON
		after := ""
		for {
			var page itemsPage
			c.do("GET", "/api/v1/campaigns/"+id+"/items?reviewer=me&limit=4&after="+after, person[0], nil, 200, &page)
			mine = append(mine, page.Items...)
			if page.Next == "" {
				break
			}
			after = page.Next
		}
		if len(mine) != 10 {
			t.Fatalf("manager has %d items, want 10", len(mine))
		}
		byHolder := map[string]review.ItemJSON{}
		for _, it := range mine {
			byHolder[it.Holder] = it
		}
		var decided review.ItemJSON
		c.do("POST", fmt.Sprintf("/api/v1/review-items/%d/decision", byHolder[person[2]].ID), person[0],
			map[string]string{"decision": "certify"}, 200, &decided)
		c.do("POST", fmt.Sprintf("/api/v1/review-items/%d/decision", byHolder[person[4]].ID), person[0],
			map[string]string{"decision": "revoke"}, 400, nil) // a revoke needs a justification
		c.do("POST", fmt.Sprintf("/api/v1/review-items/%d/decision", byHolder[person[4]].ID), person[0],
			map[string]string{"decision": "revoke", "justification": "moved teams"}, 200, &decided)
		if decided.DecidedBy != person[0] || decided.Decision != "revoke" || decided.DecidedAt == nil {
			t.Fatalf("decided %+v", decided)
		}
		c.do("POST", fmt.Sprintf("/api/v1/review-items/%d/decision", byHolder[person[4]].ID), person[2],
			map[string]string{"decision": "certify", "justification": "x"}, 403, nil) // not their reviewer
		var bulk review.BulkResult
		c.do("POST", "/api/v1/campaigns/"+id+"/decisions", person[0],
			map[string]any{"decision": "certify", "item": "group-1", "undecided": true}, 200, &bulk)
		if bulk.Decided != 5 || len(bulk.Failed) != 0 {
			t.Fatalf("bulk %+v", bulk)
		}
		var withHistory struct {
			review.ItemJSON
			History []struct {
				Decision, By, RecommendationShown string
			} `json:"history"`
		}
		c.do("GET", fmt.Sprintf("/api/v1/review-items/%d", byHolder[person[4]].ID), person[0], nil, 200, &withHistory)
		if len(withHistory.History) != 1 || withHistory.History[0].Decision != "revoke" || withHistory.History[0].RecommendationShown == "" {
			t.Fatalf("item history %+v", withHistory.History)
		}
		c.do("GET", fmt.Sprintf("/api/v1/review-items/%d", byHolder[person[4]].ID), person[4], nil, 404, nil) // not their item to see
		got, err := st.GetReviewItem(ctx, byHolder[person[4]].ID)
		must(t, "item", err)
		if got.DecidedIssuer != "https://idp.test" || got.DecidedSubject != "sub-"+person[0] {
			t.Fatalf("decision identity %+v", got)
		}

		// The deadline: undecided group-0 items (persons 0, 6, 8, 10: 4 of
		// 6 holders, within the 80% cap) are revoked by default, and
		// person 11's group-1 item (undecided) too.
		clk.Add(15 * 24 * time.Hour)
		must(t, "tick at the deadline", svc.Tick(ctx))
		c.do("GET", "/api/v1/campaigns/"+id, "admin", nil, 200, &status)
		if status.State != "closed" || status.Revoked != 6 || status.Certified != 6 || status.Defaulted != 5 || status.Remediation.Fulfilled != 6 {
			t.Fatalf("status after the deadline %+v", status)
		}
		members := srv.Members(t, ldaptest.GroupDN(suffix, 0))
		for _, i := range []int{0, 4, 6, 8, 10} {
			if slices.Contains(members, ldaptest.PersonDN(suffix, i)) {
				t.Errorf("person %d is still in group 0 after the revoke", i)
			}
		}
		if !slices.Contains(members, ldaptest.PersonDN(suffix, 2)) {
			t.Error("person 2 was certified but lost group 0")
		}

		// The next pull no longer sees the memberships: verified, with the run.
		clk.Add(time.Hour)
		run, err := runner.Run(ctx, src, pull.Options{Full: true})
		must(t, "second pull", err)
		var all itemsPage
		c.do("GET", "/api/v1/campaigns/"+id+"/items?limit=100", "admin", nil, 200, &all)
		verified := 0
		for _, it := range all.Items {
			if it.Decision != "revoke" {
				if it.Remediation.State != "" {
					t.Errorf("certified item %d has remediation %+v", it.ID, it.Remediation)
				}
				continue
			}
			if it.Remediation.State != "verified" || it.Remediation.SyncRun != run.ID || it.Remediation.Adapter != "ldap-group" || it.Remediation.VerifiedAt == nil {
				t.Errorf("revoked item %d of %s: remediation %+v", it.ID, it.Holder, it.Remediation)
				continue
			}
			verified++
		}
		if verified != 6 {
			t.Fatalf("%d take-backs verified, want 6", verified)
		}
		c.do("GET", "/api/v1/campaigns/"+id, "admin", nil, 200, &status)
		if status.Remediation.Verified != 6 {
			t.Fatalf("status remediation %+v", status.Remediation)
		}
	})
}

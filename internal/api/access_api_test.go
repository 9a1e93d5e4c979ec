package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/api"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
	"github.com/syncd-dev/syncd/internal/token"
)

// newAccessHarness serves the API with the request flow over a small
// organisation: dana (finance analyst, reports to olga), sam (sales,
// reports to mia), and the owner olga; "root" is an admin.
func newAccessHarness(t *testing.T, s *gormstore.Store) *harness {
	t.Helper()
	return newAccessHarnessWith(t, s, nil)
}

// newAccessHarnessWith serves the same with more items, given the ids.
func newAccessHarnessWith(t *testing.T, s *gormstore.Store, more func(ids map[string]string) []catalog.Item) *harness {
	t.Helper()
	now := time.Now().UTC()
	idsvc, err := identity.New(identity.Config{
		Sources: map[string]identity.SourceRole{"hr": identity.RoleHR},
		Rules:   []identity.Rule{{Name: "fa", JobFunction: "finance-analyst", When: `person.title == "Analyst"`}},
	}, s)
	if err != nil {
		t.Fatal(err)
	}
	var changes []identity.Change
	for _, p := range []struct{ login, dept, title, mgr string }{
		{"olga", "Finance", "Controller", ""}, {"mia", "Sales", "Director", ""}, {"root", "IT", "Admin", ""},
		{"dana", "Finance", "Analyst", "olga"}, {"sam", "Sales", "Rep", "mia"},
	} {
		rec := identity.Record{ExternalID: p.login, Attributes: map[string]string{"userName": p.login, "displayName": p.login, "department": p.dept, "title": p.title}}
		if p.mgr != "" {
			rec.Manager = &identity.ManagerRef{ExternalID: p.mgr}
		}
		changes = append(changes, identity.Change{Op: identity.OpUpsert, Record: rec})
	}
	res, err := idsvc.Apply(t.Context(), identity.Batch{Source: "hr", Changes: changes})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, st: s, ids: map[string]string{}, now: now}
	for _, a := range res.Applied {
		h.ids[a.ExternalID] = a.PersonID
	}
	cat := &catalog.Catalog{Items: []catalog.Item{{ItemSpec: policy.ItemSpec{
		ID: "reports", Name: "Reports", Kind: "app-role", Risk: policy.RiskLow, OwnerID: h.ids["olga"],
		Eligibility: policy.Eligibility{JobFunctions: []string{"finance-analyst"}, Departments: []string{"Sales"}},
		AutoApprove: &policy.Condition{JobFunctions: []string{"finance-analyst"}},
		Stages:      []policy.StageSpec{{Name: "manager", Approvers: []policy.ApproverSpec{{Manager: true}}}},
		MaxDuration: 90 * 24 * time.Hour}, Fulfillment: catalog.Fulfillment{Type: "manual"}}}}
	if more != nil {
		cat.Items = append(cat.Items, more(h.ids)...)
	}
	asvc, err := access.NewService(s, cat, map[string]access.Fulfiller{"manual": access.Manual{}, "api-key": &access.APIKey{Store: s, Now: time.Now}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h.secret, _, err = token.Issue(t.Context(), s, now, "test", "robot", store.ScopeAPI, ""); err != nil {
		t.Fatal(err)
	}
	h.access = asvc
	mux := http.NewServeMux()
	(&api.Server{Store: s, Access: asvc, Auth: api.Chain{api.TokenAuthenticator{Store: s}, personAuth{admins: map[string]bool{h.ids["root"]: true}}}}).Register(mux)
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	return h
}

func TestRequestFlowOverHTTP(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
		h := newAccessHarness(t, s)

		cat := h.want("dana", "GET", "/api/v1/catalog", nil, 200)
		items := cat["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["outcome"] != "auto-approve" {
			t.Fatalf("catalog for dana: %v", cat)
		}
		if got := h.want("sam", "GET", "/api/v1/catalog", nil, 200)["items"].([]any)[0].(map[string]any)["outcome"]; got != "approval" {
			t.Fatalf("catalog for sam: %v", got)
		}

		out := h.want("dana", "POST", "/api/v1/requests", map[string]any{"item": "reports", "justification": "close"}, 201)
		if out["outcome"] != "auto-approve" || out["explanation"] != "auto-approved: dana holds job function finance-analyst; item risk low" || out["grant"] == nil {
			t.Fatalf("dana's request: %v", out)
		}

		out = h.want("sam", "POST", "/api/v1/requests", map[string]any{"item": "reports"}, 201)
		reqID := out["request"].(map[string]any)["id"].(string)
		if out["outcome"] != "approval" || out["grant"] != nil {
			t.Fatalf("sam's request: %v", out)
		}
		// Nobody decides on their own request; outsiders are refused.
		h.want("sam", "POST", "/api/v1/requests/"+reqID+"/decision", map[string]any{"approve": true}, 403)
		h.want("olga", "POST", "/api/v1/requests/"+reqID+"/decision", map[string]any{"approve": true}, 404) // not hers to see: as unknown
		h.want("token", "POST", "/api/v1/requests/"+reqID+"/decision", map[string]any{"approve": true}, 403)
		h.want("mia", "POST", "/api/v1/requests/"+reqID+"/decision", map[string]any{"approve": false}, 400)
		h.want("mia", "POST", "/api/v1/requests/"+reqID+"/decision", map[string]any{}, 400)

		inbox := h.want("mia", "GET", "/api/v1/approvals", nil, 200)["requests"].([]any)
		if len(inbox) != 1 || inbox[0].(map[string]any)["id"] != reqID {
			t.Fatalf("mia's inbox: %v", inbox)
		}
		bulk := h.want("mia", "POST", "/api/v1/approvals/bulk", map[string]any{"requests": []string{reqID, "missing"}, "approve": true}, 200)
		results := bulk["results"].([]any)
		if results[0].(map[string]any)["state"] != "approved" || results[1].(map[string]any)["error"] == nil {
			t.Fatalf("bulk: %v", bulk)
		}

		ex := h.want("sam", "GET", "/api/v1/requests/"+reqID+"/explanation", nil, 200)
		if ex["rule"] != "approval" || !strings.Contains(ex["explanation"].(string), "sam is in department Sales") ||
			len(ex["approvals"].([]any)) != 1 || ex["inputs"] == nil || ex["catalog_version"] == "" {
			t.Fatalf("explanation: %v", ex)
		}
		h.want("dana", "GET", "/api/v1/requests/"+reqID+"/explanation", nil, 404) // not involved
		h.want("token", "GET", "/api/v1/requests/"+reqID+"/explanation", nil, 200)

		mine := h.want("sam", "GET", "/api/v1/requests", nil, 200)["requests"].([]any)
		all := h.want("root", "GET", "/api/v1/requests", nil, 200)["requests"].([]any)
		if len(mine) != 1 || len(all) != 2 {
			t.Fatalf("sam sees %d, root sees %d", len(mine), len(all))
		}

		h.work()
		grants := h.want("sam", "GET", "/api/v1/grants", nil, 200)["grants"].([]any)
		if len(grants) != 1 {
			t.Fatalf("sam's grants: %v", grants)
		}
		g := grants[0].(map[string]any)
		if g["assurance"] != "approved" || g["approver_ids"].([]any)[0] != h.ids["mia"] {
			t.Fatalf("grant: %v", g)
		}
		gid := g["id"].(string)
		// Extensions go through policy; a grant not yet active is not extended.
		h.want("sam", "POST", "/api/v1/grants/"+gid+"/extend", map[string]any{"end": time.Now().AddDate(0, 3, 0).Format(time.RFC3339)}, 409)
		h.want("sam", "POST", "/api/v1/grants/"+gid+"/extend", map[string]any{}, 400)
		h.want("sam", "POST", "/api/v1/grants/"+gid+"/confirm", nil, 403)
		h.want("olga", "POST", "/api/v1/grants/"+gid+"/confirm", nil, 200)
		h.want("sam", "POST", "/api/v1/grants/"+gid+"/revoke", map[string]any{"reason": "done"}, 403)
		h.want("olga", "POST", "/api/v1/grants/"+gid+"/revoke", map[string]any{}, 400)
		// The take-back is durable work: the grant is ending until the
		// worker carried it out, then revoked.
		if g := h.want("olga", "POST", "/api/v1/grants/"+gid+"/revoke", map[string]any{"reason": "no longer needed"}, 200); g["state"] != "ending" ||
			g["take_back"].(map[string]any)["state"] != "requested" {
			t.Fatalf("revoked grant: %v", g)
		}
		h.work()
		if g := h.want("sam", "GET", "/api/v1/grants", nil, 200)["grants"].([]any)[0].(map[string]any); g["state"] != "revoked" ||
			g["take_back"].(map[string]any)["state"] != "done" || g["fulfillment"].(map[string]any)["status"] != "removed" {
			t.Fatalf("grant after the take-back: %v", g)
		}
	})
}

func TestRequestBadInput(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, s *gormstore.Store) {
		h := newAccessHarness(t, s)
		for _, tc := range []struct {
			name   string
			body   any
			status int
			want   string
		}{
			{"unknown item", map[string]any{"item": "nope"}, 404, ""},
			{"missing item", map[string]any{}, 400, "item: required"},
			{"bad date", map[string]any{"item": "reports", "end": "next tuesday"}, 400, "end:"},
			{"unknown field", map[string]any{"item": "reports", "colour": "red"}, 400, "colour: unknown field"},
			{"not json", "{", 400, "(body)"},
			{"someone else's report", map[string]any{"item": "reports", "beneficiary": h.ids["dana"]}, 403, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				out := h.want("sam", "POST", "/api/v1/requests", tc.body, tc.status)
				if tc.want != "" && !strings.Contains(strings.Join(fieldsOf(out), "\n"), tc.want) {
					t.Fatalf("fields %v lack %q", fieldsOf(out), tc.want)
				}
			})
		}
		h.want("token", "POST", "/api/v1/requests", map[string]any{"item": "reports"}, 403)
		h.want("none", "POST", "/api/v1/requests", map[string]any{"item": "reports"}, 401)
		if rs := h.want("root", "GET", "/api/v1/requests", nil, 200)["requests"].([]any); len(rs) != 0 {
			t.Fatalf("bad input stored %d requests", len(rs))
		}
	})
}

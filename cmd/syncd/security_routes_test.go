package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/auth/authtest"
	"github.com/syncd-dev/syncd/internal/store"
)

// The route × role × object table. Every route of the web UI and of the
// JSON API, as the routers themselves list them, has a row here (a new
// route without one fails TestEveryRouteHasARow). Each row names the
// action it performs on which kind of object; each persona (employee,
// manager, approver, owner, auditor, admin) calls it on an object of
// their own and on someone else's, and the outcome must be the one the
// action's rule gives, so the web UI and the API, whose rows share the
// rules, agree on every persona and object.
//
// "Own" is the object that is the persona's by the relation their role
// is about: the employee's own, the manager's report's, the approver's
// request to decide, the owner's project, item or NHI, the auditor's and
// the admin's own. "Other" belongs to someone outside that relation.

// personas in order; the admin comes last, so actions only they may take
// run after everyone else was refused on the same objects.
var personas = []string{"employee", "manager", "approver", "owner", "auditor", "admin"}

var personaUser = map[string]string{
	"employee": "rita", "manager": "mike", "approver": "pat", "owner": "sam", "auditor": "alice", "admin": "carol",
}

// whose gives whose object "own" and "other" mean for a persona, for
// people, NHIs, projects, findings and tasks.
var (
	ownOf   = map[string]string{"employee": "rita", "manager": "rita", "approver": "pat", "owner": "sam", "auditor": "alice", "admin": "carol"}
	otherOf = map[string]string{"employee": "sam", "manager": "sam", "approver": "sam", "owner": "rita", "auditor": "sam", "admin": "alice"}
)

// rule says whether a persona may act on its own (or another's) object.
type rule func(p string, own bool) bool

func anyOf(ps ...string) rule {
	return func(p string, _ bool) bool { return slices.Contains(ps, p) }
}

var (
	everyone  rule = func(string, bool) bool { return true }
	seesAll        = anyOf("admin", "auditor")
	adminOnly      = anyOf("admin")
	readRule  rule = func(p string, own bool) bool { return p == "admin" || p == "auditor" || own }
	// manage: owners (and project owners) and admins; a manager reads a
	// report's objects but does not change them.
	manageRule rule = func(p string, own bool) bool { return p == "admin" || (own && p != "manager") }
	createRule rule = func(p string, own bool) bool { return p == "admin" || own }
	// requests: requester, beneficiary and approvers read; approvers
	// decide; the requester withdraws.
	requestDecide   rule = func(p string, own bool) bool { return own && (p == "manager" || p == "approver") }
	requestWithdraw rule = func(p string, own bool) bool { return own && p != "manager" && p != "approver" }
	requestList     rule = func(p string, own bool) bool { return p == "admin" || p == "auditor" || requestWithdraw(p, own) }
	submitRule      rule = func(p string, own bool) bool { return own }
	// grants: the holder lists and relinquishes, the item owner and admins
	// revoke and confirm (nobody their own), holder or direct manager extends.
	grantList rule = func(p string, own bool) bool {
		return p == "admin" || p == "auditor" || (own && p != "manager" && p != "owner")
	}
	grantRevoke     rule = func(p string, own bool) bool { return p == "admin" || (own && p == "owner") }
	grantRelinquish rule = func(p string, own bool) bool { return own && p != "manager" && p != "owner" }
	grantConfirm    rule = func(p string, own bool) bool { return (own && p == "owner") || (!own && p == "admin") }
	grantExtend     rule = func(p string, own bool) bool { return own && p != "owner" }
	catalogWrite    rule = func(p string, own bool) bool { return p == "admin" || (own && p == "owner") }
	catalogHistory       = anyOf("admin", "auditor", "owner")
	reviewRead      rule = func(p string, own bool) bool {
		return p == "admin" || p == "auditor" || (own && (p == "manager" || p == "admin"))
	}
	reviewDecide rule = func(p string, own bool) bool { return own && (p == "manager" || p == "admin") }
	campaignRead      = anyOf("admin", "auditor", "manager")
	taskList     rule = func(p string, own bool) bool { return p == "admin" || p == "auditor" || (own && p != "manager") }
	// My tasks (web) lists the viewer's own tasks only, whatever their role.
	myTasks rule = func(p string, own bool) bool { return own && p != "manager" }
	never   rule = func(string, bool) bool { return false }
)

// routeRow is one route's row. obj names the kind of object substituted
// for {id} (or looked for in a list); call makes the request.
type routeRow struct {
	route  string
	public bool   // served without sign-in (sign-in itself, static files)
	action string // what the route does, shared by web and API rows
	obj    string
	allow  rule
	list   bool // allowed means the object is listed (the call itself is open)
	fresh  bool // the action changes the object: a new one per allowed call
	// readable: the persona may see the object anyway (the catalog), so a
	// refusal may say 403 rather than 404.
	readable bool
	// passed: these statuses mean the call passed authorization and
	// failed on something else (no write credentials for the source).
	passed []int
	// refusedAs: a refusal reported as this status besides 403/404 (a
	// creation for someone else is invalid input, 400).
	refusedAs int
	form      func(id string) url.Values
	body      func(id string) any
}

func routeTable() []routeRow {
	reason := func(string) url.Values { return url.Values{"reason": {"routes test"}} }
	// Each extension asks for a later end than the last, or it would
	// conflict with the grant the last one created.
	days := 20
	laterEnd := func() time.Time { days++; return time.Now().AddDate(0, 0, days) }
	return []routeRow{
		{route: "GET /auth/login", public: true},
		{route: "GET /auth/callback", public: true},
		{route: "POST /auth/logout", public: true},
		{route: "POST /auth/backchannel-logout", public: true},
		{route: "GET /static/", public: true},
		{route: "GET /signed-out", public: true},
		{route: "/", public: true},

		{route: "GET /{$}", action: "home", allow: everyone},
		{route: "GET /people", action: "person.read", obj: "person", allow: readRule, list: true},
		{route: "GET /people/{id}", action: "person.read", obj: "person", allow: readRule},
		{route: "GET /nhis", action: "nhi.read", obj: "nhi", allow: readRule, list: true},
		{route: "GET /api/v1/nhis", action: "nhi.read", obj: "nhi", allow: readRule, list: true},
		{route: "GET /nhis/{id}", action: "nhi.read", obj: "nhi", allow: readRule},
		{route: "GET /api/v1/nhis/{id}", action: "nhi.read", obj: "nhi", allow: readRule},
		{route: "POST /nhis/{id}/owner", action: "nhi.manage", obj: "nhi", allow: manageRule, fresh: true,
			form: func(string) url.Values { return url.Values{"owner": {"mike@example.com"}, "reason": {"routes test"}} }},
		{route: "PATCH /api/v1/nhis/{id}", action: "nhi.manage", obj: "nhi", allow: manageRule,
			body: func(string) any { return map[string]any{"description": "routes test"} }},
		{route: "POST /api/v1/nhis/{id}/retire", action: "nhi.manage", obj: "nhi", allow: manageRule, fresh: true, body: func(string) any { return map[string]any{} }},
		{route: "POST /api/v1/nhis/{id}/write-owner-back", action: "nhi.writeback", obj: "nhi", allow: manageRule, passed: []int{http.StatusConflict},
			body: func(string) any { return map[string]any{} }},
		{route: "POST /api/v1/nhis", action: "nhi.create", obj: "self", allow: createRule, refusedAs: http.StatusBadRequest, body: func(owner string) any {
			return map[string]any{"kind": "service-account", "name": "svc-" + owner + "-" + fmt.Sprint(time.Now().UnixNano()), "source": "api", "environment": "prod", "owner": owner}
		}},
		{route: "POST /nhis/{id}/project", action: "project.manage", obj: "nhi-in-project", allow: manageRule,
			form: func(string) url.Values {
				return url.Values{"end_date": {time.Now().AddDate(0, 6, 0).Format("2006-01-02")}, "reason": {"routes test"}}
			}},
		{route: "GET /api/v1/projects", action: "project.read", obj: "project", allow: readRule, list: true},
		{route: "GET /api/v1/projects/{id}", action: "project.read", obj: "project", allow: readRule},
		{route: "PATCH /api/v1/projects/{id}", action: "project.manage", obj: "project", allow: manageRule,
			body: func(string) any { return map[string]any{"end_date": time.Now().AddDate(1, 0, 0).Format("2006-01-02")} }},
		{route: "POST /api/v1/projects", action: "project.create", obj: "self", allow: createRule, refusedAs: http.StatusBadRequest, body: func(owner string) any {
			return map[string]any{"name": "p-" + owner + "-" + fmt.Sprint(time.Now().UnixNano()), "owner": owner}
		}},
		{route: "GET /api/v1/findings", action: "finding.read", obj: "finding", allow: readRule, list: true},
		{route: "POST /api/v1/findings/{id}/acknowledge", action: "finding.manage", obj: "finding", allow: manageRule, fresh: true,
			body: func(string) any {
				return map[string]any{"justification": "routes test", "expires": time.Now().AddDate(0, 1, 0).Format("2006-01-02")}
			}},
		{route: "GET /api/v1/tasks", action: "task.read", obj: "task", allow: taskList, list: true},
		{route: "POST /api/v1/tasks/{id}/accept", action: "task.accept", obj: "task", allow: manageRule, fresh: true,
			body: func(string) any { return map[string]any{} }},
		{route: "GET /tasks", action: "task.mine", obj: "task", allow: myTasks, list: true},
		{route: "POST /tasks/{id}/accept", action: "task.accept", obj: "task", allow: manageRule, fresh: true},

		{route: "GET /catalog", action: "catalog.read", allow: everyone},
		{route: "GET /api/v1/catalog", action: "catalog.read", allow: everyone},
		{route: "GET /catalog/lint", action: "catalog.lint", allow: anyOf("admin", "auditor", "owner")},
		{route: "PUT /api/v1/catalog/items/{id}", action: "catalog.write", obj: "catalog-item", allow: catalogWrite, body: catalogItemBody},
		{route: "POST /api/v1/catalog/items/{id}/simulate", action: "catalog.write", obj: "catalog-item", allow: catalogWrite, body: catalogItemBody},
		{route: "POST /api/v1/catalog/items/{id}/retire", action: "catalog.write", obj: "catalog-item", allow: catalogWrite, fresh: true,
			body: func(string) any { return map[string]any{} }},
		{route: "GET /api/v1/catalog/items/{id}/versions", action: "catalog.history", obj: "catalog-item", allow: catalogHistory, readable: true},
		// Governed (four-eyes) changes: read like the history; decided by
		// an admin or the item's owner (mike proposed each, so no persona
		// here is refused as the proposer).
		{route: "GET /api/v1/catalog/changes", action: "catalog.history", allow: catalogHistory},
		{route: "GET /api/v1/catalog/changes/{id}", action: "catalog.history", obj: "catalog-change", allow: catalogHistory, readable: true},
		{route: "POST /api/v1/catalog/changes/{id}/approve", action: "catalog.write", obj: "catalog-change", allow: catalogWrite, fresh: true,
			body: func(string) any { return map[string]any{} }},
		{route: "POST /api/v1/catalog/changes/{id}/reject", action: "catalog.write", obj: "catalog-change", allow: catalogWrite, fresh: true,
			body: func(string) any { return map[string]any{} }},

		{route: "POST /requests", action: "request.submit", obj: "beneficiary", allow: submitRule, fresh: true,
			form: func(id string) url.Values {
				pid, item, _ := strings.Cut(id, "|")
				return url.Values{"item": {item}, "beneficiary": {pid}, "justification": {"routes test"}}
			}},
		{route: "POST /api/v1/requests", action: "request.submit", obj: "beneficiary", allow: submitRule, fresh: true,
			body: func(id string) any {
				pid, item, _ := strings.Cut(id, "|")
				return map[string]any{"item": item, "beneficiary": pid, "justification": "routes test"}
			}},
		// The web UI's list is "My requests": requester or beneficiary,
		// also for admins and auditors; the API lists all to them.
		{route: "GET /requests", action: "request.mine", obj: "request", allow: requestWithdraw, list: true},
		{route: "GET /api/v1/requests", action: "request.list", obj: "request", allow: requestList, list: true},
		{route: "GET /requests/{id}", action: "request.read", obj: "request", allow: readRule},
		{route: "GET /api/v1/requests/{id}", action: "request.read", obj: "request", allow: readRule},
		{route: "GET /api/v1/requests/{id}/explanation", action: "request.read", obj: "request", allow: readRule},
		{route: "GET /api/v1/requests/{id}/credential", action: "request.credential", obj: "request", allow: never},
		{route: "GET /approvals", action: "request.approvals", obj: "request", allow: requestDecide, list: true},
		{route: "GET /api/v1/approvals", action: "request.approvals", obj: "request", allow: requestDecide, list: true},
		{route: "POST /approvals", action: "request.decide", obj: "request", allow: requestDecide, fresh: true,
			form: func(id string) url.Values { return url.Values{"request": {id}, "decision": {"approve"}} }},
		{route: "POST /api/v1/requests/{id}/decision", action: "request.decide", obj: "request", allow: requestDecide, fresh: true,
			body: func(string) any { return map[string]any{"approve": true} }},
		{route: "POST /api/v1/approvals/bulk", action: "request.decide", obj: "request", allow: requestDecide, fresh: true,
			body: func(id string) any { return map[string]any{"requests": []string{id}, "approve": true} }},
		{route: "POST /api/v1/requests/{id}/withdraw", action: "request.withdraw", obj: "request", allow: requestWithdraw, fresh: true,
			body: func(string) any { return map[string]any{"reason": "routes test"} }},

		{route: "GET /api/v1/grants", action: "grant.list", obj: "grant", allow: grantList, list: true},
		{route: "POST /api/v1/grants/{id}/revoke", action: "grant.revoke", obj: "grant", allow: grantRevoke, fresh: true,
			body: func(string) any { return map[string]any{"reason": "routes test"} }},
		{route: "POST /api/v1/grants/{id}/relinquish", action: "grant.relinquish", obj: "grant", allow: grantRelinquish, fresh: true,
			body: func(string) any { return map[string]any{"reason": "routes test"} }},
		{route: "POST /grants/{id}/confirm", action: "grant.confirm", obj: "pending-grant", allow: grantConfirm, fresh: true, form: reason},
		{route: "POST /api/v1/grants/{id}/confirm", action: "grant.confirm", obj: "pending-grant", allow: grantConfirm, fresh: true,
			body: func(string) any { return map[string]any{} }},
		{route: "POST /grants/{id}/extend", action: "grant.extend", obj: "grant", allow: grantExtend, fresh: true,
			form: func(string) url.Values {
				return url.Values{"end": {laterEnd().Format("2006-01-02")}, "justification": {"routes test"}}
			}},
		{route: "POST /api/v1/grants/{id}/extend", action: "grant.extend", obj: "grant", allow: grantExtend, fresh: true,
			body: func(string) any {
				return map[string]any{"end": laterEnd().UTC().Format(time.RFC3339), "justification": "routes test"}
			}},

		// A campaign (authz.Campaign) is seen by admins, auditors, its owner
		// (carol started rt-main) and its reviewers (mike), who see it with
		// their own items only; all of its items (evidence) by the first three.
		{route: "GET /campaigns", action: "campaign.read", obj: "campaign", allow: campaignRead, list: true},
		{route: "GET /api/v1/campaigns", action: "campaign.read", obj: "campaign", allow: campaignRead, list: true},
		{route: "GET /campaigns/{id}", action: "campaign.read", obj: "campaign", allow: campaignRead},
		{route: "GET /api/v1/campaigns/{id}", action: "campaign.read", obj: "campaign", allow: campaignRead},
		{route: "POST /api/v1/campaigns", action: "campaign.start", allow: adminOnly, body: func(string) any { return map[string]any{"definition": "rt-start"} }},
		{route: "POST /api/v1/campaigns/{id}/close", action: "campaign.close", obj: "campaign", allow: adminOnly, fresh: true,
			body: func(string) any { return map[string]any{} }},
		{route: "GET /campaigns/{id}/evidence.xlsx", action: "campaign.evidence", obj: "campaign", allow: seesAll},
		{route: "GET /api/v1/campaigns/{id}/evidence.xlsx", action: "campaign.evidence", obj: "campaign", allow: seesAll},
		// The web UI's list is "My reviews": the reviewer's own items, also
		// for admins and auditors; the API lists a campaign's items to them.
		{route: "GET /reviews", action: "review.mine", obj: "review-item", allow: reviewDecide, list: true},
		{route: "GET /api/v1/campaigns/{id}/items", action: "review.read", obj: "review-item-campaign", allow: reviewRead, list: true},
		{route: "GET /api/v1/review-items/{id}", action: "review.read", obj: "review-item", allow: reviewRead},
		{route: "POST /reviews", action: "review.decide", obj: "review-item", allow: reviewDecide, fresh: true,
			form: func(id string) url.Values {
				return url.Values{"item": {id}, "decision": {"certify"}, "justification": {"routes test"}}
			}},
		{route: "POST /api/v1/review-items/{id}/decision", action: "review.decide", obj: "review-item", allow: reviewDecide, fresh: true,
			body: func(string) any { return map[string]any{"decision": "certify", "justification": "routes test"} }},
		{route: "POST /api/v1/campaigns/{id}/decisions", action: "review.decide", obj: "review-item-bulk", allow: reviewDecide, fresh: true,
			body: func(id string) any { return nil }},

		{route: "GET /sync", action: "sync.read", allow: seesAll},
		{route: "GET /sync/runs/{id}", action: "sync.read", obj: "sync-run", allow: seesAll},
		{route: "GET /jobs", action: "jobs.read", allow: seesAll},
		{route: "GET /api/v1/audit", action: "audit.read", allow: seesAll},
		{route: "GET /audit", action: "audit.read", allow: seesAll},
		{route: "GET /audit/verify", action: "audit.read", allow: seesAll},
		{route: "GET /grants", action: "oversight.read", allow: seesAll},
		{route: "GET /findings", action: "oversight.read", allow: seesAll},
		{route: "GET /reports", action: "oversight.read", allow: seesAll},
		{route: "GET /evidence", action: "oversight.read", allow: seesAll},
		{route: "GET /evidence/requests.xlsx", action: "campaign.evidence", allow: seesAll,
			// Without from and to the form comes back (422): authorization passed.
			passed: []int{http.StatusUnprocessableEntity}},
		{route: "GET /catalog/mine", action: "home", allow: everyone},
		// Outside the demo there is no mail sink: nobody sees the page.
		{route: "GET /demo/mail", action: "demo.mail", allow: never},
		{route: "GET /charts/identities.svg", action: "charts.read", allow: seesAll},
		{route: "GET /charts/findings.svg", action: "charts.read", allow: seesAll},
	}
}

// catalogItemBody is a catalog item's definition as PUT takes it: the
// item as the catalog file has it, owner unchanged.
func catalogItemBody(id string) any {
	owner := strings.SplitN(strings.TrimPrefix(id, "own-"), "-", 2)[0]
	return map[string]any{"name": "Owned " + id, "kind": "app-role", "owner": owner + "@example.com", "risk": "low",
		"approval": map[string]any{"autoApprove": map[string]any{"when": "true"}}, "maxDuration": "30d", "fulfillment": map[string]any{"type": "manual"}}
}

// Every route the routers serve has exactly one row, and every row is a
// route they serve.
func TestEveryRouteHasARow(t *testing.T) {
	h := newRouteServe(t)
	rows := map[string]bool{}
	for _, r := range routeTable() {
		if rows[r.route] {
			t.Errorf("route %q has two rows", r.route)
		}
		rows[r.route] = true
	}
	served := map[string]bool{}
	for _, r := range h.d.routes {
		served[r] = true
		if !rows[r] {
			t.Errorf("route %q has no row in the route × role table (security_routes_test.go)", r)
		}
	}
	for r := range rows {
		if !served[r] {
			t.Errorf("row %q names a route the routers do not serve", r)
		}
	}
}

// newRouteServe is newSecServe with everything a route needs: pat (an
// approver by name), sam a catalog owner through a SCIM-pushed group,
// items to request, own and grant, campaigns, evidence downloads.
func newRouteServe(t *testing.T) *secServe {
	t.Helper()
	key, err := demoEvidenceKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var items strings.Builder
	item := func(id, owner, approval string) {
		fmt.Fprintf(&items, "  - {id: %s, name: %s, kind: app-role, owner: %s@example.com, risk: low, approval: %s, maxDuration: 30d, fulfillment: {type: manual}}\n",
			id, id, owner, approval)
	}
	auto := `{autoApprove: {when: "true"}}`
	for i := 1; i <= 40; i++ {
		item(fmt.Sprintf("r%d", i), "carol", "{stages: [{name: manager, approvers: [{manager: true}]}]}")
		item(fmt.Sprintf("p%d", i), "carol", "{stages: [{name: named, approvers: [{persons: [pat@example.com]}]}]}")
	}
	for _, u := range []string{"rita", "mike", "pat", "sam", "alice", "carol"} {
		for i := 1; i <= 6; i++ {
			item(fmt.Sprintf("s-%s-%d", u, i), "carol", auto)
			item(fmt.Sprintf("own-%s-%d", u, i), u, auto)
		}
	}
	item("g-carol", "carol", auto)
	item("tools", "sam", auto)
	campaign := func(name string) string {
		return fmt.Sprintf(`    - name: %s
      scope: 'grant.source in ["requested", "imported"]'
      stages:
        - {name: manager, reviewers: [manager], fallback: [item-owner], duration: 14d}
      default: {action: recommendation, capPercent: 50}
`, name)
	}
	cfg := fmt.Sprintf("evidence: {signingKeyFile: %q}\nreview:\n  campaigns:\n", key)
	for _, c := range []string{"rt-main", "rt-start", "rt-close-1", "rt-close-2"} {
		cfg += campaign(c)
	}
	h := newSecServeCatalog(t, cfg, items.String())
	h.pushUser("pat", "carol")
	st, out := h.scimCall(http.MethodPost, "/scim/v2/Groups", map[string]any{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "app-owners", "externalId": "app-owners",
		"members": []any{map[string]any{"value": h.scimID["sam"]}},
	})
	if st != http.StatusCreated {
		t.Fatalf("SCIM group: %d %v", st, out)
	}
	return h
}

// routeEnv makes the objects the table's calls act on.
type routeEnv struct {
	t        *testing.T
	h        *secServe
	b        map[string]*authtest.Browser
	seq      int
	cache    map[string]string
	reqItems map[string]int             // "r"/"p" → items used
	reviews  map[string][]string        // reviewer → undecided review items
	ofItem   map[string]string          // review item → campaign
	campaign string                     // rt-main
	closes   []string                   // definitions left to start for close
	results  map[string]map[string]bool // action → "persona/own" → allowed
}

func (e *routeEnv) next() int { e.seq++; return e.seq }

func (e *routeEnv) id(user string) string { return e.h.ids[user] }

// object returns the id of the object of kind for persona p (own or
// other's), made afresh when fresh.
func (e *routeEnv) object(kind, p string, own, fresh bool) string {
	t := e.t
	t.Helper()
	key := fmt.Sprintf("%s|%s|%v", kind, p, own)
	if id, ok := e.cache[key]; ok && !fresh {
		return id
	}
	whose := otherOf[p]
	if own {
		whose = ownOf[p]
	}
	ctx := t.Context()
	var id string
	switch kind {
	case "":
		return ""
	case "person":
		id = e.id(whose)
	case "self":
		id = e.id(otherOf[p])
		if own {
			id = e.id(personaUser[p])
		}
	case "beneficiary":
		e.reqItems["s-"+whose]++
		id = fmt.Sprintf("%s|s-%s-%d", e.id(whose), whose, e.reqItems["s-"+whose])
	case "nhi", "nhi-in-project", "finding", "task":
		n := store.NHI{Kind: store.KindServiceAccount, Name: fmt.Sprintf("svc-rt-%d", e.next()), Source: "ldap", Environment: "prod", OwnerID: e.id(whose)}
		if kind == "nhi-in-project" || (p == "owner" && own) {
			pr, err := e.h.st.CreateProject(ctx, store.Project{Name: fmt.Sprintf("rt-project-%d", e.next()), OwnerID: e.id(whose), EndDate: ptr(time.Now().AddDate(0, 1, 0))})
			if err != nil {
				t.Fatal(err)
			}
			n.ProjectID = pr.ID
			if p == "owner" && own {
				n.OwnerID = "" // the owner's hold on it is the project
			}
		}
		got, err := e.h.st.CreateNHI(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		id = got.ID
		switch kind {
		case "finding":
			fs, err := e.h.st.CreateFindings(ctx, []store.Finding{{NHIID: got.ID, Rule: "unused", Reason: "routes test", State: store.FindingOpen, OpenedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}})
			if err != nil {
				t.Fatal(err)
			}
			id = fmt.Sprint(fs[0].ID)
		case "task":
			tk, err := e.h.st.CreateTask(ctx, store.ReownershipTask{NHIID: got.ID, FormerOwnerID: e.id("sam"), Route: "manager", AssigneeID: e.id(whose),
				State: store.TaskOpen, CreatedAt: time.Now().UTC(), Deadline: time.Now().AddDate(0, 0, 14).UTC()})
			if err != nil {
				t.Fatal(err)
			}
			id = fmt.Sprint(tk.ID)
		}
	case "project":
		pr, err := e.h.st.CreateProject(ctx, store.Project{Name: fmt.Sprintf("rt-project-%d", e.next()), OwnerID: e.id(whose)})
		if err != nil {
			t.Fatal(err)
		}
		id = pr.ID
	case "catalog-item":
		e.reqItems["own-"+whose]++
		id = fmt.Sprintf("own-%s-%d", whose, e.reqItems["own-"+whose])
	case "catalog-change":
		// An item owned by whose, created by the admin, and a pending
		// change lowering its risk that mike proposed.
		item := fmt.Sprintf("chg-%s-%d", whose, e.next())
		body := func(risk string) map[string]any {
			return map[string]any{"name": "Changed " + item, "kind": "app-role", "owner": whose + "@example.com", "risk": risk,
				"eligibility": map[string]any{"departments": []string{"Finance"}}, "maxDuration": "30d", "fulfillment": map[string]any{"type": "manual"}}
		}
		if resp := e.h.api(e.browser("carol"), "", http.MethodPut, "/api/v1/catalog/items/"+item, body("high")); resp.StatusCode != http.StatusOK {
			t.Fatalf("catalog item %s: %d %s", item, resp.StatusCode, resp.Body)
		}
		def, _ := json.Marshal(body("medium"))
		c, err := e.h.st.CreateCatalogChange(ctx, store.CatalogChange{ItemID: item, BaseVersion: 1, Definition: def, Reasons: []string{"risk lowered from high to medium"},
			Proposer: "person:" + e.id("mike"), ProposerPerson: e.id("mike"), State: store.ChangePending})
		if err != nil {
			t.Fatal(err)
		}
		id = c.ID
	case "request":
		// Own: the employee's and the manager's is rita's request her
		// manager decides, the approver's rita's request pat decides by
		// name, the others' their own (pat decides). Other: sam's, which
		// carol decides (rita's for sam, alice's for carol).
		requester, kindOf := map[string][2]string{
			"employee": {"rita", "r"}, "manager": {"rita", "r"}, "approver": {"rita", "p"}, "owner": {"sam", "p"}, "auditor": {"alice", "p"}, "admin": {"carol", "p"},
		}[p][0], map[string]string{"employee": "r", "manager": "r", "approver": "p", "owner": "p", "auditor": "p", "admin": "p"}[p]
		if !own {
			requester, kindOf = map[string]string{"owner": "rita", "admin": "alice"}[p], "r"
			if requester == "" {
				requester = "sam"
			}
			if requester == "alice" {
				kindOf = "p"
			}
		}
		e.reqItems[kindOf]++
		it := fmt.Sprintf("%s%d", kindOf, e.reqItems[kindOf])
		resp := e.h.api(e.browser(requester), "", http.MethodPost, "/api/v1/requests", map[string]any{"item": it, "justification": "routes test"})
		m := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(resp.Body)
		if resp.StatusCode >= 300 || m == nil {
			t.Fatalf("request %s by %s: %d %s", it, requester, resp.StatusCode, resp.Body)
		}
		id = m[1]
	case "grant", "pending-grant":
		holder, itemID := map[string]string{"employee": "rita", "manager": "rita", "approver": "pat", "owner": "rita", "auditor": "alice", "admin": "carol"}[p], "g-carol"
		if own && p == "owner" {
			itemID = "tools"
		}
		if !own {
			holder = map[string]string{"owner": "alice", "admin": "alice"}[p]
			if holder == "" {
				holder = "sam"
			}
		}
		g := store.Grant{ItemID: itemID, HolderID: e.id(holder), Assurance: store.AssuranceImported, Start: time.Now().Add(-time.Hour).UTC(),
			End: time.Now().AddDate(0, 0, 10).UTC(), State: store.GrantActive, FulfillmentStatus: "done"}
		if kind == "pending-grant" {
			g.State, g.FulfillmentStatus = store.GrantPending, "awaiting-confirmation"
		}
		got, err := e.h.st.CreateGrant(ctx, g)
		if err != nil {
			t.Fatal(err)
		}
		id = got.ID
	case "campaign":
		id = e.campaign
		if fresh {
			def := e.closes[0]
			e.closes = e.closes[1:]
			id = e.startCampaign(def)
		}
	case "review-item", "review-item-campaign", "review-item-bulk":
		reviewer := "mike"
		if own && p == "admin" {
			reviewer = "carol"
		} else if !own && p == "manager" {
			reviewer = "carol"
		}
		list := e.reviews[reviewer]
		if len(list) == 0 {
			t.Fatalf("no undecided review item of %s left", reviewer)
		}
		id = list[0]
		if fresh {
			e.reviews[reviewer] = list[1:]
		}
	case "sync-run":
		run, err := e.h.st.CreateSyncRun(ctx, store.SyncRun{Source: "hr", Mode: "push", Status: store.RunSucceeded, StartedAt: time.Now().UTC()})
		if err != nil {
			t.Fatal(err)
		}
		id = fmt.Sprint(run.ID)
	default:
		t.Fatalf("unknown object kind %q", kind)
	}
	if !fresh {
		e.cache[key] = id
	}
	return id
}

func ptr[T any](v T) *T { return &v }

func (e *routeEnv) browser(user string) *authtest.Browser {
	if b, ok := e.b[user]; ok {
		return b
	}
	b := e.h.as(user)
	e.b[user] = b
	return b
}

// startCampaign starts a campaign of def as the admin and waits for its
// items.
func (e *routeEnv) startCampaign(def string) string {
	t := e.t
	t.Helper()
	resp := e.h.api(e.browser("carol"), "", http.MethodPost, "/api/v1/campaigns", map[string]any{"definition": def})
	m := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(resp.Body)
	if resp.StatusCode != http.StatusAccepted || m == nil {
		t.Fatalf("start %s: %d %s", def, resp.StatusCode, resp.Body)
	}
	for deadline := time.Now().Add(20 * time.Second); ; {
		c, err := e.h.st.GetCampaign(t.Context(), m[1])
		if err != nil {
			t.Fatal(err)
		}
		if c.State != store.CampaignGenerating {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign %s still generating", def)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWebAndAPIAgreeOnEveryRoute runs the table: every row, persona and
// object; then checks that rows sharing an action (the web UI's and the
// API's) gave every persona the same answer.
func TestWebAndAPIAgreeOnEveryRoute(t *testing.T) {
	h := newRouteServe(t)
	e := &routeEnv{t: t, h: h, b: map[string]*authtest.Browser{}, cache: map[string]string{}, reqItems: map[string]int{},
		reviews: map[string][]string{}, ofItem: map[string]string{}, closes: []string{"rt-close-1", "rt-close-2"},
		results: map[string]map[string]bool{}}
	// Grants to review before the campaign freezes its population: rita's
	// (reviewed by mike), pat's and sam's (reviewed by carol).
	for _, holder := range []string{"rita", "rita", "rita", "rita", "pat", "pat", "pat", "sam"} {
		if _, err := h.st.CreateGrant(t.Context(), store.Grant{ItemID: "g-carol", HolderID: e.id(holder), Assurance: store.AssuranceImported,
			Start: time.Now().Add(-time.Hour).UTC(), End: time.Now().AddDate(0, 0, 10).UTC(), State: store.GrantActive, FulfillmentStatus: "done"}); err != nil {
			t.Fatal(err)
		}
	}
	e.campaign = e.startCampaign("rt-main")
	its, err := h.st.ListReviewItems(t.Context(), store.ReviewItemQuery{CampaignID: e.campaign, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range its {
		for _, r := range it.ReviewerIDs {
			for u, id := range h.ids {
				if id == r {
					e.reviews[u] = append(e.reviews[u], fmt.Sprint(it.ID))
				}
			}
		}
	}
	if len(e.reviews["mike"]) < 4 || len(e.reviews["carol"]) < 3 {
		t.Fatalf("review items: mike %d, carol %d", len(e.reviews["mike"]), len(e.reviews["carol"]))
	}
	for _, p := range personas {
		e.browser(personaUser[p])
	}

	rows := routeTable()
	// Lists first (before the fresh objects of later rows crowd their
	// first page), then reads, then changes.
	order := func(r routeRow) int {
		switch {
		case r.list:
			return 0
		case !r.fresh && strings.HasPrefix(r.route, "GET "):
			return 1
		case !r.fresh:
			return 2
		}
		return 3
	}
	sort.SliceStable(rows, func(i, j int) bool { return order(rows[i]) < order(rows[j]) })
	for _, row := range rows {
		if row.public {
			continue
		}
		for _, p := range personas {
			for _, own := range []bool{true, false} {
				want := row.allow(p, own)
				id := e.object(row.obj, p, own, row.fresh && want)
				got, detail := e.call(row, p, id)
				if got != want {
					t.Errorf("%s as %s on %s object: allowed=%v, want %v (%s)", row.route, p, ownName(own), got, want, detail)
				}
				if e.results[row.action] == nil {
					e.results[row.action] = map[string]bool{}
				}
				k := fmt.Sprintf("%s/%s", p, ownName(own))
				if prev, ok := e.results[row.action][k]; ok && prev != got {
					t.Errorf("%s: routes of the same action disagree for %s (%s gave %v)", row.action, k, row.route, got)
				}
				e.results[row.action][k] = got
			}
		}
	}
}

func ownName(own bool) string {
	if own {
		return "own"
	}
	return "other's"
}

// call makes row's request as persona p on object id and says whether it
// was allowed. A refusal must look like one (403/404, or the page's
// refusal); anything else is reported in detail and counts as allowed
// only when it is a success.
func (e *routeEnv) call(row routeRow, p, id string) (bool, string) {
	t := e.t
	t.Helper()
	method, pattern, _ := strings.Cut(row.route, " ")
	path := strings.ReplaceAll(pattern, "{$}", "")
	b := e.browser(personaUser[p])
	switch row.obj {
	case "review-item-campaign", "review-item-bulk":
		path = strings.ReplaceAll(path, "{id}", e.campaign)
	default:
		path = strings.ReplaceAll(path, "{id}", id)
	}
	var resp authtest.Response
	api := strings.HasPrefix(path, "/api/")
	switch {
	case method == http.MethodGet:
		if api {
			resp = e.h.api(b, "", method, path, nil)
		} else {
			resp = b.Get(e.h.base + path)
		}
	case api:
		var body any = map[string]any{}
		if row.body != nil {
			body = row.body(id)
		}
		if row.obj == "review-item-bulk" {
			body = map[string]any{"items": []int64{atoi(id)}, "decision": "certify", "justification": "routes test"}
		}
		resp = e.h.api(b, "", method, path, body)
	default:
		form := url.Values{}
		if row.form != nil {
			form = row.form(id)
		}
		form.Set("csrf_token", e.h.csrf(b))
		resp = b.PostForm(e.h.base+path, form)
	}
	detail := fmt.Sprintf("%d %.300s", resp.StatusCode, strings.TrimSpace(resp.Body))
	if row.list {
		if resp.StatusCode == http.StatusOK {
			return listed(resp.Body, id, api), detail
		}
		return false, detail
	}
	ok := resp.StatusCode < 300 || (!api && resp.StatusCode < 400) || slices.Contains(row.passed, resp.StatusCode)
	switch {
	case ok && api && strings.HasSuffix(path, "/bulk"):
		ok = !strings.Contains(resp.Body, `"error"`)
	case ok && api && strings.HasSuffix(path, "/decisions"):
		ok = !strings.Contains(resp.Body, `"decided":0`)
	}
	if !ok {
		refused := resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusForbidden || resp.StatusCode == row.refusedAs ||
			(!api && resp.StatusCode == http.StatusUnprocessableEntity) || (method == http.MethodGet && !api && resp.StatusCode == http.StatusSeeOther) ||
			(api && strings.HasSuffix(path, "/decisions") && resp.StatusCode == http.StatusOK)
		if method == http.MethodGet && row.obj != "" && !row.readable && resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s as %s: a refused read answered %d, want 404 as for an unknown id", row.route, p, resp.StatusCode)
		}
		if !refused && resp.StatusCode != http.StatusOK {
			t.Errorf("%s as %s: neither allowed nor refused: %s", row.route, p, detail)
		}
	}
	return ok, detail
}

// listed reports whether a list shows the object id: in a link or form
// value on a page, as an "id" member in JSON. Numeric ids are matched
// whole.
func listed(body, id string, api bool) bool {
	if id == "" {
		return false
	}
	q := regexp.QuoteMeta(id)
	if _, err := fmt.Sscan(id, new(int64)); err == nil && !strings.ContainsAny(id, "-|") {
		if api {
			return regexp.MustCompile(`"id":\s*"?` + q + `"?[,}]`).MatchString(body)
		}
		return regexp.MustCompile(`(value="|/)` + q + `["?/]`).MatchString(body)
	}
	return strings.Contains(body, id)
}

func atoi(s string) int64 {
	var n int64
	_, _ = fmt.Sscan(s, &n)
	return n
}

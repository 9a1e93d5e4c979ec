package authz

import (
	"context"
	"testing"

	"github.com/syncd-dev/syncd/internal/store"
)

// people is a fixed organisation: boss ── mgr ── emp; other alone.
type people map[string]store.Person

func (p people) GetPerson(_ context.Context, id string) (store.Person, error) {
	if x, ok := p[id]; ok {
		return x, nil
	}
	return store.Person{}, store.ErrNotFound
}

func TestPolicyTable(t *testing.T) {
	org := people{
		"boss":  {ID: "boss"},
		"mgr":   {ID: "mgr", ManagerID: "boss"},
		"emp":   {ID: "emp", ManagerID: "mgr"},
		"other": {ID: "other"},
	}
	pol := Policy{People: org}
	emp, mgr, boss, other := Principal{PersonID: "emp"}, Principal{PersonID: "mgr"}, Principal{PersonID: "boss"}, Principal{PersonID: "other"}
	auditor := Principal{PersonID: "other", Roles: []Role{RoleAuditor}}
	admin := Principal{PersonID: "other", Roles: []Role{RoleAdmin}}
	owner := Principal{PersonID: "emp", Roles: []Role{RoleCatalogOwner}}
	system := Principal{}
	empNHI := NHI{NHI: store.NHI{ID: "n1", OwnerID: "emp"}}
	coOwned := NHI{NHI: store.NHI{ID: "n2", OwnerID: "other", CoOwnerIDs: []string{"emp"}}}
	projectNHI := NHI{NHI: store.NHI{ID: "n3", ProjectID: "p1"}, Project: store.Project{ID: "p1", OwnerID: "emp"}}
	orphan := NHI{NHI: store.NHI{ID: "n4"}}
	mgrTask := store.ReownershipTask{ID: 1, NHIID: "n1", Route: store.RouteManager, AssigneeID: "mgr"}
	teamTask := store.ReownershipTask{ID: 2, NHIID: "n4", Route: store.RouteFallbackTeam, AssigneeTeam: "security"}
	for _, tc := range []struct {
		name string
		p    Principal
		a    Action
		o    Object
		want bool
	}{
		{"self reads self", emp, Read, Person{org["emp"]}, true},
		{"manager reads report", mgr, Read, Person{org["emp"]}, true},
		{"skip-level reads", boss, Read, Person{org["emp"]}, true},
		{"report does not read manager", emp, Read, Person{org["mgr"]}, false},
		{"stranger does not read", other, Read, Person{org["emp"]}, false},
		{"nobody manages a person", mgr, Manage, Person{org["emp"]}, false},
		{"auditor reads anyone", auditor, Read, Person{org["emp"]}, true},
		{"owner manages own NHI", emp, Manage, empNHI, true},
		{"co-owner manages", emp, Manage, coOwned, true},
		{"project owner manages", emp, Manage, projectNHI, true},
		{"manager reads report's NHI", mgr, Read, empNHI, true},
		{"manager does not manage report's NHI", mgr, Manage, empNHI, false},
		{"stranger does not read NHI", other, Read, empNHI, false},
		{"auditor reads orphan", auditor, Read, orphan, true},
		{"auditor does not manage", auditor, Manage, orphan, false},
		{"admin manages orphan", admin, Manage, orphan, true},
		{"system token without roles reads nothing", system, Read, orphan, false},
		{"finding follows its NHI", mgr, Read, Finding{NHI: empNHI.NHI}, true},
		{"finding: stranger", other, Manage, Finding{NHI: empNHI.NHI}, false},
		{"project owner manages project", emp, Manage, Project{store.Project{OwnerID: "emp"}}, true},
		{"manager reads report's project", mgr, Read, Project{store.Project{OwnerID: "emp"}}, true},
		{"manager does not manage it", mgr, Manage, Project{store.Project{OwnerID: "emp"}}, false},
		{"assignee accepts a task", mgr, Manage, Task{Task: mgrTask}, true},
		{"another does not act on it", other, Manage, Task{Task: mgrTask}, false},
		{"the assignee's report does not either", emp, Manage, Task{Task: mgrTask}, false},
		{"auditor reads a task", auditor, Read, Task{Task: mgrTask}, true},
		{"auditor does not accept it", auditor, Manage, Task{Task: mgrTask}, false},
		{"team member accepts a team's task", other, Manage, Task{Task: teamTask, TeamMember: true}, true},
		{"non-member does not", emp, Manage, Task{Task: teamTask}, false},
		{"membership means nothing for a person's task", other, Manage, Task{Task: mgrTask, TeamMember: true}, false},
		{"admin accepts any task", admin, Manage, Task{Task: teamTask}, true},
		{"system token accepts none", system, Manage, Task{Task: teamTask}, false},
		{"catalog read by all", other, Read, CatalogItem{OwnerID: "emp"}, true},
		{"catalog owner changes own item", owner, Manage, CatalogItem{OwnerID: "emp"}, true},
		{"catalog owner creates an item", owner, Manage, CatalogItem{}, true},
		{"catalog owner not another's", owner, Manage, CatalogItem{OwnerID: "other"}, false},
		{"owning without the role is not enough", emp, Manage, CatalogItem{OwnerID: "emp"}, false},
		{"audit trail: auditor", auditor, Read, AuditTrail{}, true},
		{"audit trail: employee", emp, Read, AuditTrail{}, false},
		{"audit trail: nobody writes", auditor, Manage, AuditTrail{}, false},
		{"sync runs: admin", admin, Read, SyncRuns{}, true},
		{"unknown action", admin, Action("delete"), orphan, true},
		{"unknown action, not admin", emp, Action("delete"), empNHI, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pol.Allowed(t.Context(), tc.p, tc.a, tc.o)
			if err != nil || got != tc.want {
				t.Fatalf("Allowed = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestRequestRule(t *testing.T) {
	r := store.AccessRequest{RequesterID: "mgr", BeneficiaryID: "emp", Stages: []store.ApprovalStage{{Approvers: []string{"boss"}, Fallback: []string{"fb"}}}}
	pol := Policy{People: people{}}
	for who, want := range map[string]bool{"mgr": true, "emp": true, "boss": true, "fb": true, "other": false, "": false} {
		got, err := pol.Allowed(t.Context(), Principal{PersonID: who}, Read, Request{Request: r})
		if err != nil || got != want {
			t.Errorf("%q reads: %v %v, want %v", who, got, err, want)
		}
		if got, _ := pol.Allowed(t.Context(), Principal{PersonID: who}, Manage, Request{Request: r}); got {
			t.Errorf("%q manages a request through the policy", who)
		}
	}
	if got, _ := pol.Allowed(t.Context(), Principal{PersonID: "other", Roles: []Role{RoleAuditor}}, Read, Request{Request: r}); !got {
		t.Error("an auditor does not read")
	}
}

// TestRequestItemOwnerRule: a catalog item's owner reads the requests for
// their item, also their own request for it, and never manages one (deciding
// is package access's, for approvers only).
func TestRequestItemOwnerRule(t *testing.T) {
	pol := Policy{People: people{}}
	forOthers := store.AccessRequest{RequesterID: "emp", BeneficiaryID: "emp", Stages: []store.ApprovalStage{{Approvers: []string{"boss"}}}}
	ownRequest := store.AccessRequest{RequesterID: "owner", BeneficiaryID: "owner", Stages: []store.ApprovalStage{{Approvers: []string{"boss"}}}}
	for _, tc := range []struct {
		name   string
		who    Principal
		a      Action
		r      store.AccessRequest
		itemOf string
		want   bool
	}{
		{"item owner reads a request for their item", Principal{PersonID: "owner"}, Read, forOthers, "owner", true},
		{"item owner with the catalog-owner role reads", Principal{PersonID: "owner", Roles: []Role{RoleCatalogOwner}}, Read, forOthers, "owner", true},
		{"another item's owner does not read", Principal{PersonID: "owner"}, Read, forOthers, "someone-else", false},
		{"unknown owner: nobody by that rule", Principal{PersonID: "owner"}, Read, forOthers, "", false},
		{"item owner does not manage a request", Principal{PersonID: "owner", Roles: []Role{RoleCatalogOwner}}, Manage, forOthers, "owner", false},
		{"item owner reads their own request", Principal{PersonID: "owner"}, Read, ownRequest, "owner", true},
		{"item owner does not manage their own request", Principal{PersonID: "owner"}, Manage, ownRequest, "owner", false},
		{"a system token is nobody's owner", Principal{}, Read, forOthers, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pol.Allowed(t.Context(), tc.who, tc.a, Request{Request: tc.r, ItemOwnerID: tc.itemOf})
			if err != nil || got != tc.want {
				t.Fatalf("Allowed = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// TestCampaignRules: role × object for a campaign and for all of its items.
func TestCampaignRules(t *testing.T) {
	pol := Policy{People: people{}}
	c := store.Campaign{ID: "c1", StartedBy: "person:starter"}
	scheduled := store.Campaign{ID: "c2", StartedBy: "schedule"}
	admin := Principal{PersonID: "a", Roles: []Role{RoleAdmin}}
	auditor := Principal{PersonID: "au", Roles: []Role{RoleAuditor}}
	starter := Principal{PersonID: "starter"}
	reviewer := Principal{PersonID: "rev"}
	stranger := Principal{PersonID: "x"}
	catalogOwner := Principal{PersonID: "co", Roles: []Role{RoleCatalogOwner}}
	for _, tc := range []struct {
		name string
		p    Principal
		a    Action
		o    Object
		want bool
	}{
		{"admin reads", admin, Read, Campaign{Campaign: c}, true},
		{"admin reads all items", admin, Read, CampaignItems{Campaign: c}, true},
		{"admin manages", admin, Manage, Campaign{Campaign: c}, true},
		{"auditor reads", auditor, Read, Campaign{Campaign: c}, true},
		{"auditor reads all items", auditor, Read, CampaignItems{Campaign: c}, true},
		{"auditor does not manage", auditor, Manage, Campaign{Campaign: c}, false},
		{"owner reads", starter, Read, Campaign{Campaign: c}, true},
		{"owner reads all items", starter, Read, CampaignItems{Campaign: c}, true},
		{"owner does not manage", starter, Manage, Campaign{Campaign: c}, false},
		{"owner of another campaign does not read", starter, Read, Campaign{Campaign: scheduled}, false},
		{"reviewer reads", reviewer, Read, Campaign{Campaign: c, Reviewer: true}, true},
		{"reviewer does not read all items", reviewer, Read, CampaignItems{Campaign: c}, false},
		{"reviewer does not manage", reviewer, Manage, Campaign{Campaign: c, Reviewer: true}, false},
		{"stranger does not read", stranger, Read, Campaign{Campaign: c}, false},
		{"catalog owner as such does not read", catalogOwner, Read, Campaign{Campaign: c}, false},
		{"a token without a person is no reviewer", Principal{}, Read, Campaign{Campaign: c, Reviewer: true}, false},
		{"a scheduled campaign has no owner", Principal{PersonID: "schedule"}, Read, CampaignItems{Campaign: scheduled}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pol.Allowed(t.Context(), tc.p, tc.a, tc.o)
			if err != nil || got != tc.want {
				t.Fatalf("Allowed = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

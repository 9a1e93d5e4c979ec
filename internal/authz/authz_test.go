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
		got, err := pol.Allowed(t.Context(), Principal{PersonID: who}, Read, Request{r})
		if err != nil || got != want {
			t.Errorf("%q reads: %v %v, want %v", who, got, err, want)
		}
		if got, _ := pol.Allowed(t.Context(), Principal{PersonID: who}, Manage, Request{r}); got {
			t.Errorf("%q manages a request through the policy", who)
		}
	}
	if got, _ := pol.Allowed(t.Context(), Principal{PersonID: "other", Roles: []Role{RoleAuditor}}, Read, Request{r}); !got {
		t.Error("an auditor does not read")
	}
}

package authz

import (
	"context"
	"errors"
	"slices"

	"github.com/syncd-dev/syncd/internal/store"
)

// Role is a role a principal holds beyond being a signed-in person.
type Role string

const (
	RoleAdmin        Role = "admin"
	RoleAuditor      Role = "auditor"
	RoleCatalogOwner Role = "catalog-owner"
)

// Principal is who asks: a person (PersonID, "" for a system token) with
// roles.
type Principal struct {
	PersonID string
	Roles    []Role
}

// Has reports whether p holds r.
func (p Principal) Has(r Role) bool { return slices.Contains(p.Roles, r) }

// SeesAll reports whether p may read every object (admin or auditor).
func (p Principal) SeesAll() bool { return p.Has(RoleAdmin) || p.Has(RoleAuditor) }

// Action is what a principal wants to do with an object.
type Action string

const (
	// Read: see the object.
	Read Action = "read"
	// Manage: change the object (NHI owner and project changes, finding
	// acknowledgement, catalog item changes).
	Manage Action = "manage"
)

// Object is something authorization is asked about; the concrete types
// below carry what the rules need.
type Object interface{ kind() string }

// Person is a person record.
type Person struct{ Person store.Person }

// NHI is a non-human identity with its project ("" ID when none).
type NHI struct {
	NHI     store.NHI
	Project store.Project
}

// Finding is an orphan finding on an NHI.
type Finding struct {
	Finding store.Finding
	NHI     store.NHI
	Project store.Project
}

// Project is a project.
type Project struct{ Project store.Project }

// Request is an access request; ItemOwnerID is its catalog item's owner
// ("" when unknown).
type Request struct {
	Request     store.AccessRequest
	ItemOwnerID string
}

// Campaign is an access review campaign. Reviewer says whether the
// principal reviews items in it (the caller looks it up; a reviewer sees
// the campaign for their own items only, see CampaignItems).
type Campaign struct {
	Campaign store.Campaign
	Reviewer bool
}

// CampaignItems is all of a campaign's items: its progress, revocations,
// reviewers and evidence.
type CampaignItems struct{ Campaign store.Campaign }

// Grant is a grant; ItemOwnerID is its catalog item's owner.
type Grant struct {
	Grant       store.Grant
	ItemOwnerID string
}

// CatalogItem is a catalog item ("" OwnerID for a new one).
type CatalogItem struct{ OwnerID string }

// Task is an NHI re-ownership task. TeamMember says the principal is an
// active member of the team the task is assigned to (the caller looks it
// up, in the transaction that acts on the task).
type Task struct {
	Task       store.ReownershipTask
	TeamMember bool
}

// AuditTrail is the audit log as a whole.
type AuditTrail struct{}

// SyncRuns is the sync history as a whole.
type SyncRuns struct{}

func (Person) kind() string        { return "person" }
func (NHI) kind() string           { return "nhi" }
func (Finding) kind() string       { return "finding" }
func (Project) kind() string       { return "project" }
func (Request) kind() string       { return "request" }
func (Grant) kind() string         { return "grant" }
func (CatalogItem) kind() string   { return "catalog-item" }
func (AuditTrail) kind() string    { return "audit" }
func (SyncRuns) kind() string      { return "sync-runs" }
func (Campaign) kind() string      { return "campaign" }
func (CampaignItems) kind() string { return "campaign-items" }
func (Task) kind() string          { return "task" }

// Kind names o's kind, for audit events.
func Kind(o Object) string { return o.kind() }

// People is what the policy reads: persons, for manager chains.
type People interface {
	GetPerson(ctx context.Context, id string) (store.Person, error)
}

// Policy is the authorization policy.
type Policy struct{ People People }

// maxChain bounds manager-chain walks; identity refuses cycles, this
// guards against a long or corrupt chain anyway.
const maxChain = 32

// Allowed reports whether p may do a on o. The rules:
//
//   - admins may do everything; auditors read everything and change nothing;
//   - a person reads themselves and, as a manager, everyone below them;
//   - an NHI (and its findings) is managed by its owner, co-owners and its
//     project's owner, and read by the owner's managers;
//   - a project is managed by its owner, read by the owner's managers;
//   - a request is read by its requester, its beneficiary, the approvers
//     (and fallbacks) of its stages and its item's owner (SeesRequest,
//     which package access applies to every request it shows); reading is
//     never deciding: decisions are checked in package access when they
//     take effect (approvers only, never on one's own request);
//   - a campaign is read by its owner (the person who started it) and by
//     its reviewers, who see their own items only; all of its items
//     (CampaignItems) by its owner; changing it is for admins;
//   - a grant is read by its holder, the holder's managers and the item's
//     owner;
//   - a re-ownership task is read and acted on (accepted) by its
//     assignee, or, when it is assigned to a team, by the team's active
//     members; auditors read it;
//   - catalog items are changed by catalog owners (their own items, or
//     new ones);
//   - the audit trail and sync runs are read by admins and auditors only;
//   - so are the oversight views (all grants, reports, findings, evidence).
func (pol Policy) Allowed(ctx context.Context, p Principal, a Action, o Object) (bool, error) {
	if p.Has(RoleAdmin) {
		return true, nil
	}
	if a != Read && a != Manage {
		return false, nil
	}
	auditorRead := a == Read && p.Has(RoleAuditor)
	me := p.PersonID
	switch o := o.(type) {
	case Person:
		if auditorRead || (me != "" && o.Person.ID == me && a == Read) {
			return true, nil
		}
		if a != Read {
			return false, nil
		}
		return pol.manages(ctx, me, o.Person)
	case NHI:
		return pol.nhi(ctx, p, a, o.NHI, o.Project)
	case Finding:
		return pol.nhi(ctx, p, a, o.NHI, o.Project)
	case Project:
		if me != "" && o.Project.OwnerID == me {
			return true, nil
		}
		if auditorRead {
			return true, nil
		}
		if a != Read {
			return false, nil
		}
		return pol.managesID(ctx, me, o.Project.OwnerID)
	case Request:
		if a != Read {
			return false, nil
		}
		return auditorRead || SeesRequest(o.Request, o.ItemOwnerID, me), nil
	case Campaign:
		if a != Read {
			return false, nil
		}
		return auditorRead || o.Reviewer && me != "" || CampaignOwner(o.Campaign, me), nil
	case CampaignItems:
		if a != Read {
			return false, nil
		}
		return auditorRead || CampaignOwner(o.Campaign, me), nil
	case Grant:
		if a != Read {
			return false, nil
		}
		g := o.Grant
		if auditorRead || (me != "" && (g.HolderID == me || o.ItemOwnerID == me)) {
			return true, nil
		}
		return pol.managesID(ctx, me, g.HolderID)
	case Task:
		if auditorRead || o.TeamMember && o.Task.AssigneeTeam != "" {
			return true, nil
		}
		return me != "" && o.Task.AssigneeID == me, nil
	case CatalogItem:
		if a == Read {
			return true, nil // the catalog is for everyone signed in
		}
		return p.Has(RoleCatalogOwner) && me != "" && (o.OwnerID == "" || o.OwnerID == me), nil
	case AuditTrail, SyncRuns:
		return auditorRead, nil
	case Oversight:
		return auditorRead, nil
	}
	return false, nil
}

// InRequest reports whether personID takes part in r: its requester, its
// beneficiary, or an approver or fallback of one of its stages. They, and
// admins and auditors, see the request; nobody else learns it exists.
func InRequest(r store.AccessRequest, personID string) bool {
	if personID == "" {
		return false
	}
	if personID == r.RequesterID || personID == r.BeneficiaryID {
		return true
	}
	for _, st := range r.Stages {
		if slices.Contains(st.Approvers, personID) || slices.Contains(st.Fallback, personID) {
			return true
		}
	}
	return false
}

// SeesRequest reports whether personID may read r when itemOwnerID owns
// its catalog item: InRequest, or that owner.
func SeesRequest(r store.AccessRequest, itemOwnerID, personID string) bool {
	return InRequest(r, personID) || personID != "" && personID == itemOwnerID
}

// CampaignOwner reports whether personID started c.
func CampaignOwner(c store.Campaign, personID string) bool {
	return personID != "" && c.StartedBy == "person:"+personID
}

func (pol Policy) nhi(ctx context.Context, p Principal, a Action, n store.NHI, project store.Project) (bool, error) {
	me := p.PersonID
	if me != "" && (n.OwnerID == me || slices.Contains(n.CoOwnerIDs, me) || (project.ID != "" && project.OwnerID == me)) {
		return true, nil
	}
	if a != Read {
		return false, nil
	}
	if p.Has(RoleAuditor) {
		return true, nil
	}
	return pol.managesID(ctx, me, n.OwnerID)
}

func (pol Policy) managesID(ctx context.Context, managerID, personID string) (bool, error) {
	if managerID == "" || personID == "" {
		return false, nil
	}
	target, err := pol.People.GetPerson(ctx, personID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return pol.manages(ctx, managerID, target)
}

// manages reports whether managerID is above target in the manager chain.
func (pol Policy) manages(ctx context.Context, managerID string, target store.Person) (bool, error) {
	if managerID == "" {
		return false, nil
	}
	cur := target
	for range maxChain {
		if cur.ManagerID == "" {
			return false, nil
		}
		if cur.ManagerID == managerID {
			return true, nil
		}
		next, err := pol.People.GetPerson(ctx, cur.ManagerID)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		cur = next
	}
	return false, nil
}

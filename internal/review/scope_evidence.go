package review

import (
	"encoding/json"
	"fmt"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
)

// CampaignScope is the scope a campaign was generated with, compiled from
// the definition stored on the campaign (not the one configured now), with
// the catalog in force: what the evidence workbook evaluates afresh to
// show the population after remediation. MatchGrant and MatchNHI build the
// same variables generation builds (grantItems, nhiPage) and call the same
// policy.Scope.Match.
type CampaignScope struct {
	c     store.Campaign
	scope *policy.Scope
	items map[string]catalog.Item
}

// CampaignScope compiles campaign c's stored scope.
func (s *Service) CampaignScope(c store.Campaign) (*CampaignScope, error) {
	var p struct {
		Scope *string `json:"scope"`
	}
	src := ""
	if len(c.Parameters) > 0 {
		if err := json.Unmarshal(c.Parameters, &p); err != nil {
			return nil, fmt.Errorf("review: campaign %s: parameters: %w", c.ID, err)
		}
	}
	switch {
	case p.Scope != nil:
		src = *p.Scope
	default:
		// Campaigns stored before their parameters were: the definition
		// configured now.
		d, err := s.definition(c.Definition)
		if err != nil {
			return nil, fmt.Errorf("review: campaign %s: %w", c.ID, err)
		}
		src = d.Scope
	}
	sc, err := policy.CompileScope(src)
	if err != nil {
		return nil, fmt.Errorf("review: campaign %s: %w", c.ID, err)
	}
	return &CampaignScope{c: c, scope: sc, items: s.items()}, nil
}

// Source is the scope expression.
func (cs *CampaignScope) Source() string { return cs.scope.Source }

// GrantVars are the variables a grant's scope is evaluated over, by
// generation (grantItems) and by the evidence's fresh evaluation alike.
func GrantVars(g store.Grant, it catalog.Item, holder store.Person, jobFunctions []string, holderNHI *store.NHI) map[string]any {
	vars := map[string]any{
		"item": g.ItemID, "itemName": it.Name, "risk": it.Risk, "kind": it.Kind, "source": grantSource(g),
		"department": holder.Department, "jobFunctions": jobFunctions, "status": string(holder.Status),
		"environment": "", "assurance": g.Assurance, "holder": holder.UserName, "holderNHI": g.HolderNHIID != "",
		"owner": it.OwnerID, "state": string(g.State),
	}
	if holderNHI != nil {
		vars["environment"] = holderNHI.Environment
	}
	if jobFunctions == nil {
		vars["jobFunctions"] = []string{}
	}
	return vars
}

// MatchGrant says whether grant g of holder (with these current job
// functions, and the NHI holding it if any) is in the campaign's scope.
// A mover micro-review's scope is the subject's grants that rest on a job
// function and that the subject's job functions no longer justify.
func (cs *CampaignScope) MatchGrant(g store.Grant, holder store.Person, jobFunctions []string, holderNHI *store.NHI) (bool, error) {
	it, known := cs.items[g.ItemID]
	if cs.c.Kind == store.CampaignMover {
		if g.HolderID != cs.c.SubjectID || g.HolderNHIID != "" || !known {
			return false, nil
		}
		why, rests := justifiedBy(g, it, jobFunctions)
		return rests && len(why) == 0, nil
	}
	if cs.c.Kind == store.CampaignNHIs {
		return false, nil
	}
	return cs.scope.Match(GrantVars(g, it, holder, jobFunctions, holderNHI), nil)
}

// NHIVars are the variables an NHI's scope is evaluated over, by generation
// (nhiPage) and by the evidence's fresh evaluation alike. ownerStatus is
// "none" without an owner.
func NHIVars(n store.NHI, ownerStatus string, findingRules []string) map[string]any {
	if findingRules == nil {
		findingRules = []string{}
	}
	return map[string]any{
		"kind": string(n.Kind), "environment": n.Environment, "project": n.ProjectID, "ownerStatus": ownerStatus,
		"findings": findingRules, "source": n.Source, "status": string(n.Status), "name": n.Name,
	}
}

// MatchNHI says whether NHI n (its owner's status, "none" without one, and
// the rules of its findings) is in an NHI campaign's scope.
func (cs *CampaignScope) MatchNHI(n store.NHI, ownerStatus string, findingRules []string) (bool, error) {
	if cs.c.Kind != store.CampaignNHIs {
		return false, nil
	}
	return cs.scope.Match(nil, NHIVars(n, ownerStatus, findingRules))
}

package evidence

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/store"
)

// personActions are the audit events that change what the workbook shows
// of a person: identity writes every change of a person's attributes and
// status with the old value, in the transaction that makes it. (Job
// functions at launch are in each item's snapshot.)
var personActions = []string{audit.ActionPersonUpdated, audit.ActionPersonStatusChanged}

// asOf rebuilds persons as they were just after audit event seq: the
// current person with every attribute that changed since put back to the
// old value of its first change after seq. Only persons changed since are
// held in memory.
type asOf struct {
	seq    int64
	attrs  map[string]map[string]string // person -> attribute -> value at seq
	status map[string]store.Status
}

// loadAsOf reads the person events in (seq, head].
func loadAsOf(ctx context.Context, src CampaignSource, seq int64, head store.AuditHead) (*asOf, error) {
	a := &asOf{seq: seq, attrs: map[string]map[string]string{}, status: map[string]store.Status{}}
	after := seq
	for after < head.Seq {
		evs, err := src.ListAuditByAction(ctx, after, personActions, 1000)
		if err != nil {
			return nil, fmt.Errorf("evidence: person events after %d: %w", seq, err)
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			if ev.Seq > head.Seq {
				return a, nil
			}
			if err := a.add(ev); err != nil {
				return nil, err
			}
		}
		after = evs[len(evs)-1].Seq
	}
	return a, nil
}

func (a *asOf) add(ev store.AuditEvent) error {
	const prefix = "person:"
	if len(ev.Target) <= len(prefix) || ev.Target[:len(prefix)] != prefix {
		return nil
	}
	id := ev.Target[len(prefix):]
	switch ev.Action {
	case audit.ActionPersonUpdated:
		var d struct {
			Changes []struct {
				Attr string `json:"attribute"`
				Old  string `json:"old"`
			} `json:"changes"`
		}
		if err := json.Unmarshal(ev.Details, &d); err != nil {
			return fmt.Errorf("evidence: audit event %d: %w", ev.Seq, err)
		}
		m := a.attrs[id]
		if m == nil {
			m = map[string]string{}
			a.attrs[id] = m
		}
		for _, c := range d.Changes {
			if _, seen := m[c.Attr]; !seen {
				m[c.Attr] = c.Old
			}
		}
	case audit.ActionPersonStatusChanged:
		var d struct {
			Old store.Status `json:"old"`
		}
		if err := json.Unmarshal(ev.Details, &d); err != nil {
			return fmt.Errorf("evidence: audit event %d: %w", ev.Seq, err)
		}
		if _, seen := a.status[id]; !seen {
			a.status[id] = d.Old
		}
	}
	return nil
}

// person returns p as it was at the anchor.
func (a *asOf) person(p store.Person) store.Person {
	if a == nil {
		return p
	}
	if s, ok := a.status[p.ID]; ok {
		p.Status = s
	}
	for attr, v := range a.attrs[p.ID] {
		switch attr {
		case identity.AttrUserName:
			p.UserName = v
		case identity.AttrEmail:
			p.Email = v
		case identity.AttrGivenName:
			p.GivenName = v
		case identity.AttrFamilyName:
			p.FamilyName = v
		case identity.AttrDisplayName:
			p.DisplayName = v
		case identity.AttrEmployeeNumber:
			p.EmployeeNumber = v
		case identity.AttrTitle:
			p.Title = v
		case identity.AttrDepartment:
			p.Department = v
		case identity.AttrCostCenter:
			p.CostCenter = v
		case identity.AttrOrganization:
			p.Organization = v
		case identity.AttrDivision:
			p.Division = v
		case identity.AttrManager:
			p.ManagerID = v
		case identity.AttrStatus:
			p.Status = store.Status(v)
		}
	}
	return p
}

// launchSeq is the audit event at which the campaign's population was
// complete: its generation end (campaign.generated or campaign.empty), or
// its start for a mover micro-review (created in one transaction) and for
// a campaign still generating. 0 when it has neither.
func launchSeq(ctx context.Context, src CampaignSource, id string) (int64, error) {
	evs, err := src.ListAuditByTarget(ctx, []string{"campaign:" + id}, 10000)
	if err != nil {
		return 0, fmt.Errorf("evidence: campaign %s: events: %w", id, err)
	}
	var generated, started int64
	for _, ev := range evs { // newest first: the oldest of each wins
		switch ev.Action {
		case "campaign.generated", "campaign.empty":
			generated = ev.Seq
		case "campaign.started":
			started = ev.Seq
		}
	}
	if generated > 0 {
		return generated, nil
	}
	return started, nil
}

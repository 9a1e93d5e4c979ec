package nhi

import (
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// Finding event kinds, kept in each finding's history.
const (
	EventOpened       = "opened"
	EventUpdated      = "updated"
	EventAcknowledged = "acknowledged"
	EventReopened     = "reopened"
	EventResolved     = "resolved"
)

// Plan is what a reconciliation writes: findings to create (their
// "opened" events follow once they have IDs), findings to save and the
// events of those saves.
type Plan struct {
	Create []store.Finding
	Save   []store.Finding
	Events []store.FindingEvent
	Counts Counts
}

// Counts says how many findings changed and how.
type Counts struct {
	Opened   int `json:"opened"`
	Updated  int `json:"updated"`
	Reopened int `json:"reopened"`
	Resolved int `json:"resolved"`
}

// Reconcile compares the unresolved findings with the rules' hits at now.
// A hit without a finding opens one; a finding without a hit resolves; a
// finding whose reason changed is updated; an acknowledged finding whose
// acknowledgement expired and still fires reopens. Findings of NHIs not in
// scope are left alone (scope nil means every finding is in scope).
func Reconcile(existing []store.Finding, hits []Hit, scope map[string]bool, now time.Time) Plan {
	type key struct{ nhi, rule string }
	live := make(map[key]*store.Finding, len(existing))
	for i := range existing {
		f := &existing[i]
		live[key{f.NHIID, f.Rule}] = f
	}
	var p Plan
	seen := make(map[key]bool, len(hits))
	for _, h := range hits {
		k := key{h.NHIID, h.Rule}
		if seen[k] {
			continue
		}
		seen[k] = true
		f, ok := live[k]
		if !ok {
			p.Create = append(p.Create, store.Finding{
				NHIID: h.NHIID, Rule: h.Rule, Reason: h.Reason, State: store.FindingOpen, OpenedAt: now, UpdatedAt: now,
			})
			p.Counts.Opened++
			continue
		}
		next := *f
		kind := ""
		if f.State == store.FindingAcknowledged && f.AckExpiresAt != nil && !f.AckExpiresAt.After(now) {
			next.State, kind = store.FindingOpen, EventReopened
			next.AckBy, next.AckJustification, next.AckExpiresAt = "", "", nil
			p.Counts.Reopened++
		}
		if f.Reason != h.Reason {
			next.Reason = h.Reason
			if kind == "" {
				kind = EventUpdated
				p.Counts.Updated++
			}
		}
		if kind != "" {
			next.UpdatedAt = now
			p.Save = append(p.Save, next)
			p.Events = append(p.Events, store.FindingEvent{FindingID: f.ID, At: now, Kind: kind, Actor: "system", Reason: next.Reason})
		}
	}
	for i := range existing {
		f := existing[i]
		if seen[key{f.NHIID, f.Rule}] || (scope != nil && !scope[f.NHIID]) {
			continue
		}
		f.State, f.ResolvedAt, f.UpdatedAt = store.FindingResolved, &now, now
		p.Save = append(p.Save, f)
		p.Events = append(p.Events, store.FindingEvent{FindingID: f.ID, At: now, Kind: EventResolved, Actor: "system", Reason: "cause went away: " + f.Reason})
		p.Counts.Resolved++
	}
	return p
}

package identity

import (
	"context"
	"fmt"
	"strings"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/store"
)

// attrChange is one effective attribute that changed, and the source whose
// assertion decided the new value.
type attrChange struct {
	Attr   string `json:"attribute"`
	Old    string `json:"old"`
	New    string `json:"new"`
	Source string `json:"source"`
}

// plan is what the third pass writes for one person.
type plan struct {
	ps            *personState
	next          store.Person
	changes       []attrChange // excluding status
	statusChanged bool
}

// write is the third pass: persons (managers before their reports, so a
// new manager exists when referenced), then links, then job functions,
// mover and audit events.
func (b *batch) write(ctx context.Context) error {
	plans := make([]*plan, 0, len(b.dirty))
	for _, ps := range b.dirty {
		plans = append(plans, b.plan(ps))
	}
	// New persons go in with multi-row inserts, managers first (the
	// order writeOrder gives); changed ones are updated one by one.
	var fresh []*plan
	for _, pl := range writeOrder(plans) {
		if pl.ps.isNew {
			pl.next.CreatedAt, pl.next.UpdatedAt = b.now, b.now
			fresh = append(fresh, pl)
			continue
		}
		if err := b.writePerson(ctx, pl); err != nil {
			return err
		}
	}
	if len(fresh) > 0 {
		next := make([]store.Person, len(fresh))
		for i, pl := range fresh {
			next[i] = pl.next
		}
		created, err := b.tx.CreatePersons(ctx, next)
		if err != nil {
			return fmt.Errorf("create persons: %w", err)
		}
		for i, pl := range fresh {
			pl.ps.final = created[i]
		}
	}
	// Links the batch read as absent are inserted (a concurrent writer
	// that linked one since is a conflict, and the batch is planned
	// again); the others are replaced.
	var put, created []store.SourceLink
	for _, ext := range b.linkOrder {
		e := b.links[ext]
		switch {
		case e.link != nil && !e.inDB:
			created = append(created, *e.link)
		case e.link != nil:
			put = append(put, *e.link)
		case e.inDB:
			if err := b.tx.DeleteSourceLink(ctx, b.source, ext); err != nil {
				return fmt.Errorf("delete link %s/%s: %w", b.source, ext, err)
			}
		}
	}
	if err := b.tx.CreateSourceLinks(ctx, created); err != nil {
		return fmt.Errorf("create links of %s: %w", b.source, err)
	}
	if err := b.tx.PutSourceLinks(ctx, put); err != nil {
		return fmt.Errorf("put links of %s: %w", b.source, err)
	}
	// The links as written (the store sets their times), for the caller's
	// answer: inserted and replaced alike.
	written := make(map[string]*store.SourceLink, len(created)+len(put))
	for i := range created {
		written[created[i].ExternalID] = &created[i]
	}
	for i := range put {
		written[put[i].ExternalID] = &put[i]
	}
	for _, pl := range plans {
		if err := b.finish(ctx, pl); err != nil {
			return err
		}
	}
	for i := range b.res.Applied {
		a := &b.res.Applied[i]
		ps := b.persons[a.PersonID]
		if ps == nil {
			continue
		}
		a.Status, a.Person = ps.p.Status, ps.p
		if ps.dirty {
			a.Status, a.Person, a.JobFunctions = ps.final.Status, ps.final, ps.jobFunctions
		}
		if l, ok := written[a.ExternalID]; ok {
			a.Link = l
		}
		a.Warnings = append(a.Warnings, ps.warnings...)
	}
	return b.flushAudit(ctx)
}

// plan computes the person ps becomes from its links.
func (b *batch) plan(ps *personState) *plan {
	pl := &plan{ps: ps, next: ps.p}
	merged := ps.eff // markDirty keeps it current with ps.links
	if merged == nil {
		merged = b.cfg.merge(ps.links)
	}
	if len(ps.links) > 0 {
		setPersonAttrs(&pl.next, values(merged))
	}
	status, cause := effectiveStatus(len(ps.links), merged)
	if ps.isNew || status != ps.p.Status {
		pl.next.Status, pl.next.StatusChangedAt, pl.next.StatusCause = status, b.now, cause
		pl.statusChanged = !ps.isNew
	}
	for _, attr := range Attributes {
		old, now := personAttr(&ps.p, attr), personAttr(&pl.next, attr)
		if attr == AttrStatus || old == now {
			continue
		}
		src := merged[attr].Source
		if src == "" {
			src = b.source
		}
		pl.changes = append(pl.changes, attrChange{Attr: attr, Old: old, New: now, Source: src})
	}
	return pl
}

// effectiveStatus is the status the links give and why.
func effectiveStatus(links int, merged map[string]assertion) (store.Status, string) {
	if links == 0 {
		return store.StatusTerminated, "no source asserts this person any more"
	}
	if a, ok := merged[AttrStatus]; ok && a.Value != "" {
		return store.Status(a.Value), fmt.Sprintf("status asserted by source %q", a.Source)
	}
	return store.StatusActive, "no linked source asserts a status; active by default"
}

// writeOrder puts new persons first, each after its manager when that is
// new too, then existing persons in the order they were touched.
func writeOrder(plans []*plan) []*plan {
	byID := map[string]*plan{}
	for _, pl := range plans {
		byID[pl.next.ID] = pl
	}
	var out []*plan
	done := map[string]bool{}
	var visit func(pl *plan)
	visit = func(pl *plan) {
		if done[pl.next.ID] {
			return
		}
		done[pl.next.ID] = true // before recursing: a cycle cannot loop
		if m, ok := byID[pl.next.ManagerID]; ok && m.ps.isNew {
			visit(m)
		}
		out = append(out, pl)
	}
	for _, pl := range plans {
		if pl.ps.isNew {
			visit(pl)
		}
	}
	for _, pl := range plans {
		if !pl.ps.isNew {
			out = append(out, pl)
		}
	}
	return out
}

func (b *batch) writePerson(ctx context.Context, pl *plan) error {
	ps := pl.ps
	switch {
	case ps.isNew:
		pl.next.CreatedAt, pl.next.UpdatedAt = b.now, b.now
		p, err := b.tx.CreatePerson(ctx, pl.next)
		if err != nil {
			return fmt.Errorf("create person: %w", err)
		}
		ps.final = p
	case len(pl.changes) > 0 || pl.statusChanged:
		next := pl.next
		p, err := b.tx.UpdatePerson(ctx, ps.p.ID, func(cur store.Person) (store.Person, error) {
			next.CreatedAt, next.UpdatedAt = cur.CreatedAt, b.now
			return next, nil
		})
		if err != nil {
			return fmt.Errorf("update person %s: %w", ps.p.ID, err)
		}
		ps.final = p
	default:
		ps.final = ps.p
	}
	return nil
}

// finish recomputes job functions and writes the person's mover and audit
// events.
func (b *batch) finish(ctx context.Context, pl *plan) error {
	ps := pl.ps
	id := ps.final.ID
	target := "person:" + id
	personChanged := ps.isNew || len(pl.changes) > 0 || pl.statusChanged

	var jf jobFunctionDiff
	if personChanged {
		var err error
		if jf, err = b.jobFunctions(ctx, ps); err != nil {
			return err
		}
	}

	if ps.isNew {
		ps.jobFunctions = append([]string{}, jf.New...) // non-nil: known
		return b.audit(ctx, audit.ActionPersonCreated, target, map[string]any{
			"source": b.source, "externalIds": ps.linked,
			"attributes": nonEmpty(personAttrs(ps.final)), "status": ps.final.Status,
			"statusCause": ps.final.StatusCause, "jobFunctions": jf.New,
		})
	}
	for _, ext := range ps.linked {
		if err := b.audit(ctx, audit.ActionPersonLinked, target, map[string]any{"source": b.source, "externalId": ext}); err != nil {
			return err
		}
	}
	for _, ext := range ps.unlinked {
		if err := b.audit(ctx, audit.ActionPersonUnlinked, target, map[string]any{"source": b.source, "externalId": ext}); err != nil {
			return err
		}
	}
	if len(pl.changes) > 0 {
		if err := b.audit(ctx, audit.ActionPersonUpdated, target, map[string]any{"source": b.source, "changes": pl.changes}); err != nil {
			return err
		}
	}
	if pl.statusChanged {
		if err := b.audit(ctx, audit.ActionPersonStatusChanged, target, map[string]any{
			"old": ps.p.Status, "new": ps.final.Status, "cause": ps.final.StatusCause,
		}); err != nil {
			return err
		}
		if err := b.revokeAccess(ctx, ps); err != nil {
			return err
		}
	}
	if !jf.Changed() {
		return nil
	}
	cause := moverCause(pl)
	if _, err := b.tx.CreateMoverEvent(ctx, store.MoverEvent{
		PersonID: id, Old: jf.Old, New: jf.New, Cause: cause, OccurredAt: b.now,
	}); err != nil {
		return fmt.Errorf("create mover event for %s: %w", id, err)
	}
	return b.audit(ctx, audit.ActionJobFunctionChanged, target, map[string]any{"old": jf.Old, "new": jf.New, "cause": cause})
}

// jobFunctions evaluates the rules for the person as written and brings
// its open assignments in line. Terminated persons hold none; disabled
// persons keep theirs (they may come back, and grants are governed apart).
func (b *batch) jobFunctions(ctx context.Context, ps *personState) (jobFunctionDiff, error) {
	want := map[string]string{}
	if ps.final.Status != store.StatusTerminated {
		var failed []RuleError
		want, failed = evalRules(b.cfg.rules, personAttrs(ps.final))
		for _, f := range failed {
			b.s.Logger.Warn("job-function rule failed to evaluate; treated as not matching",
				"rule", f.Rule, "person_id", ps.final.ID, "error", f.Err)
			ps.warnings = append(ps.warnings, f.Error())
		}
	}
	var open []store.JobFunctionAssignment
	if !ps.isNew {
		var err error
		if open, err = b.tx.ListJobFunctions(ctx, ps.final.ID, false); err != nil {
			return jobFunctionDiff{}, fmt.Errorf("list job functions of %s: %w", ps.final.ID, err)
		}
	}
	d := diffJobFunctions(open, want)
	for _, a := range d.Close {
		if err := b.tx.CloseJobFunction(ctx, a.ID, b.now); err != nil {
			return d, fmt.Errorf("close job function %q of %s: %w", a.JobFunction, ps.final.ID, err)
		}
	}
	for _, a := range d.Open {
		a.PersonID, a.ValidFrom = ps.final.ID, b.now
		if _, err := b.tx.OpenJobFunction(ctx, a); err != nil {
			return d, fmt.Errorf("open job function %q of %s: %w", a.JobFunction, ps.final.ID, err)
		}
	}
	return d, nil
}

// moverCause says why a person's job functions changed.
func moverCause(pl *plan) string {
	if pl.statusChanged && pl.next.Status == store.StatusTerminated {
		return "terminated: " + pl.next.StatusCause
	}
	var parts []string
	for _, c := range pl.changes {
		parts = append(parts, fmt.Sprintf("%s changed from %q to %q (source %q)", c.Attr, c.Old, c.New, c.Source))
	}
	if pl.statusChanged {
		parts = append(parts, fmt.Sprintf("status changed from %q to %q (%s)", pl.ps.p.Status, pl.next.Status, pl.next.StatusCause))
	}
	return strings.Join(parts, "; ")
}

// audit queues an event; flushAudit appends the queue at the end of the
// write pass, so the chain lock is held only from there to commit.
func (b *batch) audit(_ context.Context, action, target string, details any) error {
	b.auditQueue = append(b.auditQueue, audit.Entry{Actor: b.actor, Action: action, Target: target, Details: details})
	return nil
}

func (b *batch) flushAudit(ctx context.Context) error {
	_, err := audit.AppendAll(ctx, b.tx, b.now, b.auditQueue...)
	b.auditQueue = nil
	return err
}

func nonEmpty(m map[string]string) map[string]string {
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return m
}

// revokeAccess ends the web sessions and personal API tokens of a person
// who stopped being active, in the same transaction as the status change:
// a leaver's open browser or script stops working with the commit, not at
// their next sign-in.
func (b *batch) revokeAccess(ctx context.Context, ps *personState) error {
	if ps.final.Status == store.StatusActive {
		return nil
	}
	sessions, tokens, err := b.tx.RevokePersonAccess(ctx, ps.final.ID, b.now)
	if err != nil {
		return fmt.Errorf("revoke access of %s: %w", ps.final.ID, err)
	}
	if sessions == 0 && tokens == 0 {
		return nil
	}
	return b.audit(ctx, audit.ActionSessionRevoked, "person:"+ps.final.ID, map[string]any{
		"reason": "status " + string(ps.final.Status) + ": " + ps.final.StatusCause, "sessions": sessions, "tokens": tokens,
	})
}

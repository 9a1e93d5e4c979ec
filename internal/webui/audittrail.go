package webui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/store"
)

// auditPageSize is how many events one page of the trail shows.
const auditPageSize = 50

type auditFilter struct {
	Action, Actor, Target, From, To string
}

// Values is the filter as URL parameters (for the verify form).
func (f auditFilter) Values() url.Values { return f.values() }

func (f auditFilter) values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"action": f.Action, "actor": f.Actor, "target": f.Target, "from": f.From, "to": f.To} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

type auditRow struct {
	Event       store.AuditEvent
	Actor       ref
	Target      ref
	Details     []detail
	ActorQuery  string // the trail filtered to this actor
	TargetQuery string
}

type auditPage struct {
	Page
	Filter auditFilter
	Errors map[string]string
	Rows   []auditRow
	// Newer and Older are the cursor links, with the filter kept.
	Newer, Older, Newest string
	// Verified is the verification's outcome when it was asked for.
	Verified *chainResult
}

type chainResult struct {
	OK       bool
	Events   int64
	LastSeq  int64
	LastHash string
	BreakSeq int64
	Reason   string
}

// auditTrail is the audit log for auditors and admins: newest first,
// filtered by action, actor, target and days, paged by cursor, each
// event with its hash and the hash before it, actors and targets named.
// /audit/verify runs the chain verification `syncd audit verify` runs
// and shows its result above the same list.
func (s *Server) auditTrail(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auth.PrincipalFrom(ctx)
	if ok, err := s.policy().Allowed(ctx, subject(p), authz.Read, authz.AuditTrail{}); err != nil || !ok {
		if err != nil {
			s.internal(w, r, "audit: authorize", err)
			return
		}
		s.notFound(w, r, "Page")
		return
	}
	v := r.URL.Query()
	f := auditFilter{Action: strings.TrimSpace(v.Get("action")), Actor: strings.TrimSpace(v.Get("actor")),
		Target: strings.TrimSpace(v.Get("target")), From: strings.TrimSpace(v.Get("from")), To: strings.TrimSpace(v.Get("to"))}
	data := auditPage{Page: s.page(r, "Audit trail", "audit"), Filter: f, Errors: map[string]string{}}
	q := store.AuditTrailQuery{Target: f.Target, Limit: auditPageSize + 1}
	if f.Action != "" {
		q.Actions = audit.Aliases(f.Action) // events stored under an older name too
	}
	var msg string
	if q.Actor, msg = s.actorQuery(r, f.Actor); msg != "" {
		data.Errors["actor"] = msg
	}
	for _, d := range []struct {
		raw, field string
		dst        *time.Time
		next       bool
	}{{f.From, "from", &q.From, false}, {f.To, "to", &q.To, true}} {
		if d.raw == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", d.raw)
		if err != nil {
			data.Errors[d.field] = "There is no such date; use YYYY-MM-DD."
			continue
		}
		if d.next {
			t = t.AddDate(0, 0, 1) // the day given is included
		}
		*d.dst = t
	}
	if data.Errors["from"] == "" && data.Errors["to"] == "" && !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		data.Errors["to"] = "The last day is before the first."
	}
	if r.URL.Path == "/audit/verify" {
		data.Verified = s.verifyChain(r)
	}
	if len(data.Errors) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, "audit", data)
		return
	}
	q.BeforeSeq, _ = strconv.ParseInt(v.Get("before"), 10, 64)
	if q.BeforeSeq <= 0 {
		q.AfterSeq, _ = strconv.ParseInt(v.Get("after"), 10, 64)
	}
	evs, err := s.Store.ListAuditTrail(ctx, q)
	if err != nil {
		s.internal(w, r, "audit: list", err)
		return
	}
	more := len(evs) > auditPageSize
	if more {
		// One extra row says whether another page follows in the
		// direction read; after= reads newer events, so the extra one is
		// the newest.
		if q.AfterSeq > 0 {
			evs = evs[1:]
		} else {
			evs = evs[:auditPageSize]
		}
	}
	refs := s.refs(ctx)
	for _, e := range evs {
		row := auditRow{Event: e, Actor: refs.actor(e.Actor), Target: refs.target(e.Target), Details: refs.details(e.Details)}
		a, t := f, f
		a.Actor, t.Target = e.Actor, e.Target
		row.ActorQuery, row.TargetQuery = "/audit?"+a.values().Encode(), "/audit?"+t.values().Encode()
		data.Rows = append(data.Rows, row)
	}
	if len(evs) > 0 {
		base := f.values()
		newer, older := q.AfterSeq > 0 && more || q.BeforeSeq > 0, q.AfterSeq == 0 && more || q.AfterSeq > 0
		if newer {
			n := f.values()
			n.Set("after", strconv.FormatInt(evs[0].Seq, 10))
			data.Newer, data.Newest = "/audit?"+n.Encode(), "/audit?"+base.Encode()
		}
		if older {
			o := f.values()
			o.Set("before", strconv.FormatInt(evs[len(evs)-1].Seq, 10))
			data.Older = "/audit?" + o.Encode()
		}
	}
	s.render(w, r, http.StatusOK, "audit", data)
}

// actorQuery turns the actor filter into the stored form: a user name or
// e-mail address is a person; "system", "source:…", "token:…" and
// "person:…" are taken as they are. The second result is the message
// for the field when the input names nobody.
func (s *Server) actorQuery(r *http.Request, in string) (string, string) {
	if in == "" || in == "system" || strings.Contains(in, ":") {
		return in, ""
	}
	for _, key := range []store.MatchKey{store.MatchUserName, store.MatchEmail} {
		ps, err := s.Store.FindPersons(r.Context(), key, in)
		if err != nil {
			s.Logger.Error("audit: find actor", "err", err)
			return "", "syncd could not look this person up. The problem has been logged."
		}
		if len(ps) == 1 {
			return "person:" + ps[0].ID, ""
		}
	}
	return "", "Nobody has this user name or e-mail address. Give one, or an actor as recorded (system, source:hr, token:name)."
}

// verifyChain runs the same verification as `syncd audit verify`.
func (s *Server) verifyChain(r *http.Request) *chainResult {
	rep, err := audit.Verify(r.Context(), s.Store)
	var brk *audit.Break
	switch {
	case errors.As(err, &brk):
		return &chainResult{Events: rep.Events, BreakSeq: brk.Seq, Reason: brk.Reason}
	case err != nil:
		s.Logger.Error("audit: verify", "err", err)
		return &chainResult{Reason: "syncd could not read the audit log to verify it. The problem has been logged."}
	}
	return &chainResult{OK: true, Events: rep.Events, LastSeq: rep.LastSeq, LastHash: rep.LastHash}
}

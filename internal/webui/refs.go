package webui

import (
	"context"
	"strconv"
	"strings"
)

// ref is an object named for people: a label and, where it has a page,
// a link.
type ref struct {
	Label string
	Link  string
	Raw   string // as recorded ("request:<id>"), for the title
}

// refResolver names actors and targets of audit events for one page,
// each lookup made once.
type refResolver struct {
	s     *Server
	ctx   context.Context
	names func(string) string
	items map[string]string // catalog item id → name
	seen  map[string]ref
}

func (s *Server) refs(ctx context.Context) *refResolver {
	items := map[string]string{}
	for id, it := range s.catalogItems() {
		items[id] = it.Name
	}
	return &refResolver{s: s, ctx: ctx, names: s.names(ctx), items: items, seen: map[string]ref{}}
}

func (rr *refResolver) item(id string) string {
	if n, ok := rr.items[id]; ok {
		return n
	}
	return id
}

// actor names who did it: a person by name, anything else as recorded.
func (rr *refResolver) actor(a string) ref {
	if id, ok := strings.CutPrefix(a, "person:"); ok {
		return ref{Label: rr.names(id), Link: "/people/" + id, Raw: a}
	}
	switch {
	case a == "system":
		return ref{Label: "syncd (scheduled or automatic)", Raw: a}
	case strings.HasPrefix(a, "source:"):
		return ref{Label: "source " + strings.TrimPrefix(a, "source:"), Raw: a}
	case strings.HasPrefix(a, "token:"):
		return ref{Label: "API token " + strings.TrimPrefix(a, "token:"), Raw: a}
	}
	return ref{Label: a, Raw: a}
}

// target names what it was done to.
func (rr *refResolver) target(t string) ref {
	if r, ok := rr.seen[t]; ok {
		return r
	}
	r := rr.resolve(t)
	r.Raw = t
	rr.seen[t] = r
	return r
}

func (rr *refResolver) resolve(t string) ref {
	kind, id, _ := strings.Cut(t, ":")
	ctx, st := rr.ctx, rr.s.Store
	switch kind {
	case "person":
		return ref{Label: rr.names(id), Link: "/people/" + id}
	case "nhi":
		if n, err := st.GetNHI(ctx, id); err == nil {
			return ref{Label: n.Name + " (" + string(n.Kind) + ")", Link: "/nhis/" + id}
		}
		return ref{Label: "a non-human identity no longer known"}
	case "request":
		if q, err := st.GetRequest(ctx, id); err == nil {
			return ref{Label: "request for " + rr.item(q.ItemID) + " for " + rr.names(q.BeneficiaryID), Link: "/requests/" + id}
		}
		return ref{Label: "a request no longer known"}
	case "grant":
		if g, err := st.GetGrant(ctx, id); err == nil {
			holder := rr.names(g.HolderID)
			if g.HolderID == "" && g.HolderNHIID != "" {
				holder = "a non-human identity"
				if n, err := st.GetNHI(ctx, g.HolderNHIID); err == nil {
					holder = n.Name
				}
			}
			return ref{Label: "grant of " + rr.item(g.ItemID) + " to " + holder}
		}
		return ref{Label: "a grant no longer known"}
	case "review-item":
		n, err := strconv.ParseInt(id, 10, 64)
		if err == nil {
			if it, err := st.GetReviewItem(ctx, n); err == nil {
				what := it.Snapshot.ItemName
				if what == "" {
					what = rr.item(it.ItemID)
				}
				return ref{Label: "review of " + what + " of " + it.Snapshot.HolderName}
			}
		}
		return ref{Label: "a review item no longer known"}
	case "campaign":
		if c, err := st.GetCampaign(ctx, id); err == nil {
			return ref{Label: "campaign " + c.Definition + " (" + c.StartedAt.UTC().Format("2006-01-02") + ")", Link: "/campaigns/" + id}
		}
	case "project":
		if p, err := st.GetProject(ctx, id); err == nil {
			return ref{Label: "project " + p.Name}
		}
	case "group":
		if g, err := st.GetGroup(ctx, id); err == nil {
			return ref{Label: "group " + g.DisplayName}
		}
	case "catalog_item":
		return ref{Label: "catalog item " + rr.item(id)}
	}
	return ref{Label: t}
}

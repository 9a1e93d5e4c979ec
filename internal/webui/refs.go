package webui

import (
	"context"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
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

// detail is one recorded detail of an audit event, an id put in words.
type detail struct {
	Key, Value, Raw string
}

// details lists an event's recorded details by key; a value that is a
// person's or an NHI's id reads as its name (the id kept for the title).
func (rr *refResolver) details(raw []byte) []detail {
	var m map[string]any
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		if s := strings.TrimSpace(string(raw)); s != "" && s != "null" && s != "{}" {
			return []detail{{Key: "details", Value: s}}
		}
		return nil
	}
	var out []detail
	rr.flatten("", m, &out)
	return out
}

// flatten lists nested details under dotted keys, ids in words.
func (rr *refResolver) flatten(prefix string, m map[string]any, out *[]detail) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		key := prefix + k
		switch v := m[k].(type) {
		case nil:
		case map[string]any:
			rr.flatten(key+".", v, out)
		case string:
			d := detail{Key: key, Value: v}
			if uuidLike.MatchString(v) {
				d.Raw, d.Value = v, rr.idName(v)
			}
			*out = append(*out, d)
		case []any:
			var parts, raw []string
			for _, x := range v {
				if s, ok := x.(string); ok && uuidLike.MatchString(s) {
					parts, raw = append(parts, rr.idName(s)), append(raw, s)
					continue
				}
				b, _ := json.Marshal(x)
				parts = append(parts, strings.Trim(string(b), `"`))
			}
			*out = append(*out, detail{Key: key, Value: strings.Join(parts, ", "), Raw: strings.Join(raw, ", ")})
		default:
			b, _ := json.Marshal(v)
			*out = append(*out, detail{Key: key, Value: string(b)})
		}
	}
}

var uuidLike = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// idName names a bare id: a person, an NHI, a request, a grant, or
// "an id no longer known".
func (rr *refResolver) idName(id string) string {
	for _, kind := range []string{"person", "nhi", "request", "grant", "campaign", "project"} {
		r := rr.target(kind + ":" + id)
		if !strings.Contains(r.Label, "no longer known") && r.Label != kind+":"+id {
			return r.Label
		}
	}
	return "an object no longer known"
}

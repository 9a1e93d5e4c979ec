package scim

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	lib "github.com/elimity-com/scim"
	"github.com/elimity-com/scim/optional"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/membership"
	"github.com/syncd-dev/syncd/internal/store"
)

// groupHandler serves /Groups: the token's source's groups, whose members
// are persons of the same source's view.
type groupHandler struct{ s *Server }

func (h *groupHandler) find(ctx context.Context, rq *request, id string) (store.Group, error) {
	g, err := h.s.Store.GetGroup(ctx, id)
	if err != nil {
		if isNotFound(err) {
			return store.Group{}, notFound("Group", id)
		}
		return store.Group{}, h.s.fail(ctx, rq, "find group", err)
	}
	if g.Source != rq.source {
		return store.Group{}, notFound("Group", id)
	}
	return g, nil
}

func (h *groupHandler) resource(ctx context.Context, rq *request, g store.Group, withMembers bool) (lib.Resource, error) {
	doc, err := decodeDoc(g.Raw)
	if err != nil {
		return lib.Resource{}, h.s.fail(ctx, rq, "read group", err)
	}
	res := lib.Resource{ID: g.ID, Meta: lib.Meta{Created: &g.CreatedAt, LastModified: &g.UpdatedAt, Version: etag(g.Version)}}
	if g.ExternalID != "" {
		res.ExternalID = optional.NewString(g.ExternalID)
	}
	delete(doc, "externalId")
	doc["displayName"] = g.DisplayName
	if withMembers {
		ids, err := h.s.Store.ListGroupMembers(ctx, g.ID)
		if err != nil {
			return lib.Resource{}, h.s.fail(ctx, rq, "read group members", err)
		}
		members := []any{}
		for _, id := range ids {
			members = append(members, map[string]any{"value": id, "$ref": h.s.cfg.BaseURL + "/Users/" + id, "type": "User"})
		}
		doc["members"] = members
	}
	res.Attributes = doc
	return withPreciseMeta(res), nil
}

// groupDoc splits a pushed group into its document (without members) and
// its member ids.
func groupDoc(attrs map[string]any) (map[string]any, []string, error) {
	doc, err := cleanDoc(attrs)
	if err != nil {
		return nil, nil, err
	}
	var ids []string
	for _, m := range asSlice(getFold(doc, "members")) {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil, nil, invalidValue("members must be objects with a value")
		}
		v := str(mm, "value")
		if v == "" {
			return nil, nil, invalidValue("a member has no value (the user id)")
		}
		if !slices.Contains(ids, v) {
			ids = append(ids, v)
		}
	}
	deleteFold(doc, "members")
	if strings.TrimSpace(str(doc, "displayName")) == "" {
		return nil, nil, invalidValue("displayName is required and must be a non-empty string")
	}
	return doc, ids, nil
}

// checkMembers refuses members that are not persons of the source's
// view; it reads only the members named.
func (h *groupHandler) checkMembers(ctx context.Context, tx store.Tx, rq *request, ids []string) error {
	for _, id := range ids {
		_, ok, err := personLinkIn(ctx, tx, rq.source, id)
		if err != nil {
			return err
		}
		if !ok {
			return invalidValue("member %q is not a user of this source", id)
		}
	}
	return nil
}

// claimGroupName checks, in the writing transaction and under the name's
// lock (across processes), that no other group of the source has name.
func claimGroupName(ctx context.Context, tx store.Tx, rq *request, name, exceptID string) error {
	if err := tx.LockKey(ctx, "scim-group\x00"+rq.source+"\x00"+strings.ToLower(name)); err != nil {
		return err
	}
	items, _, err := tx.ListGroupView(ctx, store.ViewQuery{Source: rq.source, Limit: 2,
		Filter: store.Filter{Op: store.FilterEq, Path: []string{"displayName"}, Value: name}})
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.ID != exceptID {
			return conflict("displayName " + name + " is already in use")
		}
	}
	return nil
}

// Create handles POST /Groups.
func (h *groupHandler) Create(r *http.Request, attrs lib.ResourceAttributes) (lib.Resource, error) {
	ctx, rq, s := r.Context(), reqOf(r), h.s
	doc, members, err := groupDoc(attrs)
	if err != nil {
		return lib.Resource{}, err
	}
	name := str(doc, "displayName")
	raw, _ := json.Marshal(doc) // decoded from JSON: always encodes
	var g store.Group
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		if err := claimGroupName(ctx, tx, rq, name, ""); err != nil {
			return err
		}
		if err := h.checkMembers(ctx, tx, rq, members); err != nil {
			return err
		}
		var err error
		g, err = tx.CreateGroup(ctx, store.Group{Source: rq.source, ExternalID: str(doc, "externalId"), DisplayName: name, Raw: raw})
		if err != nil {
			return err
		}
		var added []string
		if err := membership.Write(ctx, tx, s.Now(), func(mw *membership.Writes) error {
			a, err := mw.Apply(ctx, rq.actor, membership.Delta{GroupID: g.ID, Source: rq.source, Name: name, Add: members})
			added = a.Added
			return err
		}); err != nil {
			return err
		}
		if g, err = tx.GetGroup(ctx, g.ID); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, s.Now(), audit.Entry{Actor: rq.actor, Action: audit.ActionGroupCreated, Target: "group:" + g.ID,
			Details: map[string]any{"source": rq.source, "displayName": name, "members": nonNil(added)}})
		return err
	})
	if err != nil {
		return lib.Resource{}, s.fail(ctx, rq, "create group", err)
	}
	return h.resource(ctx, rq, g, true)
}

// Get handles GET /Groups/{id}.
func (h *groupHandler) Get(r *http.Request, id string) (lib.Resource, error) {
	ctx, rq := r.Context(), reqOf(r)
	g, err := h.find(ctx, rq, id)
	if err != nil {
		return lib.Resource{}, err
	}
	return h.resource(ctx, rq, g, !excludes(r, "members"))
}

// GetAll handles GET /Groups; members are not loaded when excluded
// (Entra asks with excludedAttributes=members).
func (h *groupHandler) GetAll(r *http.Request, p lib.ListRequestParams) (lib.Page, error) {
	ctx, rq, s := r.Context(), reqOf(r), h.s
	q := store.ViewQuery{Source: rq.source, Offset: p.StartIndex - 1, Limit: p.Count, CountOnly: p.Count == 0}
	if p.FilterValidator != nil {
		f, err := filterConverter{idx: s.groups, groups: true}.convert(p.FilterValidator.GetFilter())
		if err != nil {
			return lib.Page{}, err
		}
		q.Filter = f
	}
	items, total, err := s.Store.ListGroupView(ctx, q)
	if err != nil {
		return lib.Page{}, s.fail(ctx, rq, "list groups", err)
	}
	withMembers := !excludes(r, "members")
	page := lib.Page{TotalResults: total, Resources: make([]lib.Resource, 0, len(items))}
	for _, it := range items {
		g := store.Group{ID: it.ID, ExternalID: it.ExternalID, Raw: it.Raw, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, Version: it.Version}
		doc, err := decodeDoc(it.Raw)
		if err != nil {
			return lib.Page{}, s.fail(ctx, rq, "list groups", err)
		}
		g.DisplayName = str(doc, "displayName")
		res, err := h.resource(ctx, rq, g, withMembers)
		if err != nil {
			return lib.Page{}, err
		}
		page.Resources = append(page.Resources, res)
	}
	return page, nil
}

// Replace handles PUT /Groups/{id}: name, document and members at once,
// diffed against the member list read under the group's lock.
func (h *groupHandler) Replace(r *http.Request, id string, attrs lib.ResourceAttributes) (lib.Resource, error) {
	ctx, rq := r.Context(), reqOf(r)
	doc, members, err := groupDoc(attrs)
	if err != nil {
		return lib.Resource{}, err
	}
	g, err := h.update(r, id, func(ctx context.Context, tx store.Tx, g store.Group) (groupChange, error) {
		old, err := tx.ListGroupMembers(ctx, g.ID)
		if err != nil {
			return groupChange{}, err
		}
		add, remove := diffMembers(old, members)
		return groupChange{doc: doc, add: add, remove: remove}, nil
	})
	if err != nil {
		return lib.Resource{}, err
	}
	return h.resource(ctx, rq, g, true)
}

// groupChange is what one request does to a group: its new document (nil
// when unchanged) and the members to add and to remove.
type groupChange struct {
	doc         map[string]any
	add, remove []string
}

func diffMembers(old, want []string) (add, remove []string) {
	have := make(map[string]bool, len(old))
	for _, m := range old {
		have[m] = true
	}
	keep := make(map[string]bool, len(want))
	for _, m := range want {
		keep[m] = true
		if !have[m] {
			add = append(add, m)
		}
	}
	for _, m := range old {
		if !keep[m] {
			remove = append(remove, m)
		}
	}
	return add, remove
}

// update is every write of an existing group: in one transaction the
// group is locked, If-Match checked, plan computes the change from the
// locked state, and the change is written with an audit event naming
// exactly what this request changed.
func (h *groupHandler) update(r *http.Request, id string, plan func(ctx context.Context, tx store.Tx, g store.Group) (groupChange, error)) (store.Group, error) {
	ctx, rq, s := r.Context(), reqOf(r), h.s
	var out store.Group
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		g, err := tx.LockGroup(ctx, id)
		if isNotFound(err) || err == nil && g.Source != rq.source {
			return notFound("Group", id)
		}
		if err != nil {
			return err
		}
		if err := checkIfMatch(r, etag(g.Version)); err != nil {
			return err
		}
		c, err := plan(ctx, tx, g)
		if err != nil {
			return err
		}
		details := map[string]any{"source": rq.source}
		if c.doc != nil {
			if err := checkDoc(c.doc); err != nil {
				return err
			}
			name := str(c.doc, "displayName")
			raw, _ := json.Marshal(c.doc) // decoded from JSON: always encodes
			if string(raw) != string(g.Raw) || name != g.DisplayName {
				if !strings.EqualFold(name, g.DisplayName) {
					if err := claimGroupName(ctx, tx, rq, name, g.ID); err != nil {
						return err
					}
				}
				if _, err := tx.UpdateGroup(ctx, g.ID, func(cur store.Group) (store.Group, error) {
					cur.DisplayName, cur.Raw, cur.ExternalID = name, raw, str(c.doc, "externalId")
					cur.UpdatedAt = s.Now().UTC()
					return cur, nil
				}); err != nil {
					return err
				}
				details["document"] = true
				if name != g.DisplayName {
					details["displayName"] = map[string]string{"old": g.DisplayName, "new": name}
				}
			}
		}
		if err := h.checkMembers(ctx, tx, rq, c.add); err != nil {
			return err
		}
		// Members change through the membership writer, which names
		// exactly the memberships this request changed
		// (group.members_changed); the document's change is the group's
		// own event.
		var applied membership.Applied
		if err := membership.Write(ctx, tx, s.Now(), func(mw *membership.Writes) error {
			var err error
			applied, err = mw.Apply(ctx, rq.actor, membership.Delta{GroupID: g.ID, Source: rq.source, Name: g.DisplayName, Add: c.add, Remove: c.remove})
			return err
		}); err != nil {
			return err
		}
		if applied.Empty() && details["document"] == nil {
			out = g
			return nil // nothing changed: no event, same version
		}
		if details["document"] != nil {
			delete(details, "document")
			if _, err := audit.Append(ctx, tx, s.Now(), audit.Entry{Actor: rq.actor, Action: audit.ActionGroupUpdated, Target: "group:" + g.ID, Details: details}); err != nil {
				return err
			}
		}
		out, err = tx.GetGroup(ctx, g.ID)
		return err
	})
	if err != nil {
		return store.Group{}, s.fail(ctx, rq, "update group", err)
	}
	return out, nil
}

// Patch handles PATCH /Groups/{id} and answers 204, as Entra expects.
// Adding and removing named members is a delta: only those memberships
// are read and written, whatever the group's size. Only operations that
// need the whole list (replace of members, remove of all members, a
// filter other than value eq) read it, under the group's lock.
func (h *groupHandler) Patch(r *http.Request, id string, ops []lib.PatchOperation) (lib.Resource, error) {
	s := h.s
	pops := toPatchOps(ops)
	docOps, delta, full, err := planMembers(pops)
	if err != nil {
		return lib.Resource{}, err
	}
	_, err = h.update(r, id, func(ctx context.Context, tx store.Tx, g store.Group) (groupChange, error) {
		doc, err := decodeDoc(g.Raw)
		if err != nil {
			return groupChange{}, err
		}
		delete(doc, "members")
		doc["displayName"] = g.DisplayName
		if g.ExternalID != "" {
			doc["externalId"] = g.ExternalID
		}
		if !full {
			var c groupChange
			if len(docOps) > 0 {
				next, err := applyPatch(s.groups, doc, docOps)
				if err != nil {
					return groupChange{}, err
				}
				if c.doc, _, err = groupDoc(next); err != nil {
					return groupChange{}, err
				}
			}
			c.add, c.remove = delta.split()
			return c, nil
		}
		old, err := tx.ListGroupMembers(ctx, g.ID)
		if err != nil {
			return groupChange{}, err
		}
		list := make([]any, len(old))
		for i, m := range old {
			list[i] = map[string]any{"value": m}
		}
		doc["members"] = list
		next, err := applyPatch(s.groups, doc, pops)
		if err != nil {
			return groupChange{}, err
		}
		ndoc, members, err := groupDoc(next)
		if err != nil {
			return groupChange{}, err
		}
		add, remove := diffMembers(old, members)
		return groupChange{doc: ndoc, add: add, remove: remove}, nil
	})
	return lib.Resource{}, err
}

// Delete handles DELETE /Groups/{id}.
func (h *groupHandler) Delete(r *http.Request, id string) error {
	ctx, rq, s := r.Context(), reqOf(r), h.s
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		g, err := tx.LockGroup(ctx, id)
		if isNotFound(err) || err == nil && g.Source != rq.source {
			return notFound("Group", id)
		}
		if err != nil {
			return err
		}
		if err := checkIfMatch(r, etag(g.Version)); err != nil {
			return err
		}
		if err := tx.DeleteGroup(ctx, g.ID); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, s.Now(), audit.Entry{Actor: rq.actor, Action: audit.ActionGroupDeleted, Target: "group:" + g.ID,
			Details: map[string]any{"source": rq.source, "displayName": g.DisplayName}})
		return err
	})
	if err != nil {
		return s.fail(ctx, rq, "delete group", err)
	}
	return nil
}

// removeMemberships drops a person from the source's groups, through the
// membership writer (an event per group, cause "user deleted").
func (s *Server) removeMemberships(ctx context.Context, tx store.Tx, rq *request, personID string) error {
	return membership.Write(ctx, tx, s.Now(), func(mw *membership.Writes) error {
		return mw.LeaveGroups(ctx, rq.actor, rq.source, personID, "user deleted")
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

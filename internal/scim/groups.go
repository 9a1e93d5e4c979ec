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
	"github.com/syncd-dev/syncd/internal/store"
)

// Audit actions for groups a SCIM source pushes.
const (
	ActionGroupCreated = "group.created"
	ActionGroupUpdated = "group.updated"
	ActionGroupDeleted = "group.deleted"
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
	res := lib.Resource{ID: g.ID, Meta: lib.Meta{Created: &g.CreatedAt, LastModified: &g.UpdatedAt}}
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

// checkMembers refuses members that are not persons of the source's view.
func (h *groupHandler) checkMembers(ctx context.Context, rq *request, ids []string) error {
	for _, id := range ids {
		_, ok, err := h.s.personLink(ctx, rq.source, id)
		if err != nil {
			return h.s.fail(ctx, rq, "check members", err)
		}
		if !ok {
			return invalidValue("member %q is not a user of this source", id)
		}
	}
	return nil
}

func (h *groupHandler) checkUnique(ctx context.Context, rq *request, name, exceptID string) error {
	items, _, err := h.s.Store.ListGroupView(ctx, store.ViewQuery{Source: rq.source, Limit: 2,
		Filter: store.Filter{Op: store.FilterEq, Path: []string{"displayName"}, Value: name}})
	if err != nil {
		return h.s.fail(ctx, rq, "check displayName", err)
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
	if err := h.checkUnique(ctx, rq, name, ""); err != nil {
		return lib.Resource{}, err
	}
	if err := h.checkMembers(ctx, rq, members); err != nil {
		return lib.Resource{}, err
	}
	raw, _ := json.Marshal(doc) // decoded from JSON: always encodes
	var g store.Group
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		g, err = tx.CreateGroup(ctx, store.Group{Source: rq.source, ExternalID: str(doc, "externalId"), DisplayName: name, Raw: raw})
		if err != nil {
			return err
		}
		if err := tx.SetGroupMembers(ctx, g.ID, members); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, s.Now(), audit.Entry{Actor: rq.actor, Action: ActionGroupCreated, Target: "group:" + g.ID,
			Details: map[string]any{"source": rq.source, "displayName": name, "members": nonNil(members)}})
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
	q := store.ViewQuery{Source: rq.source, Offset: p.StartIndex - 1, Limit: p.Count}
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
		g := store.Group{ID: it.ID, ExternalID: it.ExternalID, Raw: it.Raw, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt}
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

// Replace handles PUT /Groups/{id}: name, document and members at once.
func (h *groupHandler) Replace(r *http.Request, id string, attrs lib.ResourceAttributes) (lib.Resource, error) {
	ctx, rq := r.Context(), reqOf(r)
	g, err := h.find(ctx, rq, id)
	if err != nil {
		return lib.Resource{}, err
	}
	doc, members, err := groupDoc(attrs)
	if err != nil {
		return lib.Resource{}, err
	}
	g, err = h.write(ctx, rq, g, doc, members)
	if err != nil {
		return lib.Resource{}, err
	}
	return h.resource(ctx, rq, g, true)
}

// write replaces the group's document and member list in one
// transaction, with an audit event saying what changed.
func (h *groupHandler) write(ctx context.Context, rq *request, g store.Group, doc map[string]any, members []string) (store.Group, error) {
	s := h.s
	name := str(doc, "displayName")
	if !strings.EqualFold(name, g.DisplayName) {
		if err := h.checkUnique(ctx, rq, name, g.ID); err != nil {
			return store.Group{}, err
		}
	}
	old, err := s.Store.ListGroupMembers(ctx, g.ID)
	if err != nil {
		return store.Group{}, s.fail(ctx, rq, "read group members", err)
	}
	var added, removed []string
	for _, m := range members {
		if !slices.Contains(old, m) {
			added = append(added, m)
		}
	}
	for _, m := range old {
		if !slices.Contains(members, m) {
			removed = append(removed, m)
		}
	}
	if err := h.checkMembers(ctx, rq, added); err != nil {
		return store.Group{}, err
	}
	raw, _ := json.Marshal(doc) // decoded from JSON: always encodes
	if string(raw) == string(g.Raw) && name == g.DisplayName && len(added) == 0 && len(removed) == 0 {
		return g, nil
	}
	var out store.Group
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.UpdateGroup(ctx, g.ID, func(cur store.Group) (store.Group, error) {
			cur.DisplayName, cur.Raw, cur.ExternalID = name, raw, str(doc, "externalId")
			cur.UpdatedAt = s.Now().UTC()
			return cur, nil
		})
		if err != nil {
			return err
		}
		if err := tx.RemoveGroupMembers(ctx, g.ID, removed); err != nil {
			return err
		}
		if err := tx.AddGroupMembers(ctx, g.ID, added); err != nil {
			return err
		}
		details := map[string]any{"source": rq.source, "added": nonNil(added), "removed": nonNil(removed)}
		if name != g.DisplayName {
			details["displayName"] = map[string]string{"old": g.DisplayName, "new": name}
		}
		_, err = audit.Append(ctx, tx, s.Now(), audit.Entry{Actor: rq.actor, Action: ActionGroupUpdated, Target: "group:" + g.ID, Details: details})
		return err
	})
	if err != nil {
		return store.Group{}, s.fail(ctx, rq, "update group", err)
	}
	return out, nil
}

// Patch handles PATCH /Groups/{id} and answers 204, as Entra expects: the
// operations apply to the group with its members, then the result is
// written once.
func (h *groupHandler) Patch(r *http.Request, id string, ops []lib.PatchOperation) (lib.Resource, error) {
	ctx, rq, s := r.Context(), reqOf(r), h.s
	g, err := h.find(ctx, rq, id)
	if err != nil {
		return lib.Resource{}, err
	}
	cur, err := h.resource(ctx, rq, g, true)
	if err != nil {
		return lib.Resource{}, err
	}
	doc := map[string]any(cur.Attributes)
	if g.ExternalID != "" {
		doc["externalId"] = g.ExternalID
	}
	next, err := applyPatch(s.groups, doc, toPatchOps(ops))
	if err != nil {
		return lib.Resource{}, err
	}
	ndoc, members, err := groupDoc(next)
	if err != nil {
		return lib.Resource{}, err
	}
	if _, err := h.write(ctx, rq, g, ndoc, members); err != nil {
		return lib.Resource{}, err
	}
	return lib.Resource{}, nil
}

// Delete handles DELETE /Groups/{id}.
func (h *groupHandler) Delete(r *http.Request, id string) error {
	ctx, rq, s := r.Context(), reqOf(r), h.s
	g, err := h.find(ctx, rq, id)
	if err != nil {
		return err
	}
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.DeleteGroup(ctx, g.ID); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, s.Now(), audit.Entry{Actor: rq.actor, Action: ActionGroupDeleted, Target: "group:" + g.ID,
			Details: map[string]any{"source": rq.source, "displayName": g.DisplayName}})
		return err
	})
	if err != nil {
		return s.fail(ctx, rq, "delete group", err)
	}
	return nil
}

// removeMemberships drops a person from the source's groups, with an
// audit event per group.
func (s *Server) removeMemberships(ctx context.Context, tx store.Tx, rq *request, personID string) error {
	gs, err := tx.ListPersonGroups(ctx, personID, rq.source)
	if err != nil || len(gs) == 0 {
		return err
	}
	if err := tx.RemovePersonFromGroups(ctx, personID, rq.source); err != nil {
		return err
	}
	for _, g := range gs {
		if _, err := audit.Append(ctx, tx, s.Now(), audit.Entry{Actor: rq.actor, Action: ActionGroupUpdated, Target: "group:" + g.ID,
			Details: map[string]any{"source": rq.source, "added": []string{}, "removed": []string{personID}, "cause": "user deleted"}}); err != nil {
			return err
		}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

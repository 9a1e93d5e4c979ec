package scim

import (
	"context"
	"net/http"
	"strings"

	lib "github.com/elimity-com/scim"
	"github.com/google/uuid"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/store"
)

// userHandler serves /Users: the persons linked to the token's source and
// the non-human users it pushed.
type userHandler struct{ s *Server }

// find locates id in the source's view: a person (link) or an NHI.
func (h *userHandler) find(ctx context.Context, rq *request, id string) (store.ViewItem, error) {
	s := h.s
	l, ok, err := s.personLink(ctx, rq.source, id)
	if err != nil {
		return store.ViewItem{}, s.fail(ctx, rq, "find user", err)
	}
	if ok {
		return store.ViewItem{Kind: store.ViewPerson, ID: id, ExternalID: l.ExternalID, Raw: l.Raw,
			CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt}, nil
	}
	it, ok, err := s.nhiItem(ctx, rq.source, id)
	if err != nil {
		return store.ViewItem{}, s.fail(ctx, rq, "find user", err)
	}
	if ok {
		return it, nil
	}
	return store.ViewItem{}, notFound("User", id)
}

func (h *userHandler) resource(ctx context.Context, rq *request, it store.ViewItem, withGroups bool) (lib.Resource, error) {
	var (
		res lib.Resource
		err error
	)
	if it.Kind == store.ViewNHI {
		res, err = h.s.nhiResource(ctx, it)
	} else {
		res, err = h.s.personResource(ctx, rq.source, it, withGroups)
	}
	if err != nil {
		return lib.Resource{}, h.s.fail(ctx, rq, "read user", err)
	}
	return res, nil
}

// userNameTaken reports whether another resource of the view has userName
// (compared case-insensitively, RFC 7643 §4.1.1).
func (s *Server) userNameTaken(ctx context.Context, source, userName, exceptID string) (bool, error) {
	items, _, err := s.Store.ListUserView(ctx, store.ViewQuery{Source: source, Limit: 2,
		Filter: store.Filter{Op: store.FilterEq, Path: []string{"userName"}, Value: userName}})
	if err != nil {
		return false, err
	}
	for _, it := range items {
		if it.ID != exceptID {
			return true, nil
		}
	}
	return false, nil
}

func (h *userHandler) checkUnique(ctx context.Context, rq *request, doc map[string]any, exceptID string) error {
	userName := str(doc, "userName")
	if strings.TrimSpace(userName) == "" {
		return invalidValue("userName is required and must be a non-empty string")
	}
	taken, err := h.s.userNameTaken(ctx, rq.source, userName, exceptID)
	if err != nil {
		return h.s.fail(ctx, rq, "check userName", err)
	}
	if taken {
		return conflict("userName " + userName + " is already in use")
	}
	return nil
}

// Create handles POST /Users. A user that correlates with a person known
// from another source is linked to it (201 with that person) rather than
// duplicated; 409 is for a userName this source already uses.
func (h *userHandler) Create(r *http.Request, attrs lib.ResourceAttributes) (lib.Resource, error) {
	ctx, rq, s := r.Context(), reqOf(r), h.s
	doc, err := cleanDoc(attrs)
	if err != nil {
		return lib.Resource{}, err
	}
	defer s.lockName(rq.source, str(doc, "userName"))()
	if err := h.checkUnique(ctx, rq, doc, ""); err != nil {
		return lib.Resource{}, err
	}
	if s.nonHuman(doc) {
		it, err := s.createNHI(ctx, rq, doc)
		if err != nil {
			return lib.Resource{}, err
		}
		return h.resource(ctx, rq, it, true)
	}
	rec, err := s.recordFromDoc(ctx, rq.source, uuid.Must(uuid.NewV7()).String(), doc)
	if err != nil {
		return lib.Resource{}, s.fail(ctx, rq, "create user", err)
	}
	a, err := s.Identity.ApplyOne(ctx, rq.source, rq.actor, identity.Change{Op: identity.OpUpsert, Record: rec})
	if err != nil {
		return lib.Resource{}, s.fail(ctx, rq, "create user", err)
	}
	it, err := h.find(ctx, rq, a.PersonID)
	if err != nil {
		return lib.Resource{}, err
	}
	return h.resource(ctx, rq, it, true)
}

// Get handles GET /Users/{id}.
func (h *userHandler) Get(r *http.Request, id string) (lib.Resource, error) {
	ctx, rq := r.Context(), reqOf(r)
	it, err := h.find(ctx, rq, id)
	if err != nil {
		return lib.Resource{}, err
	}
	return h.resource(ctx, rq, it, true)
}

// GetAll handles GET /Users with filter, startIndex and count; the filter
// is evaluated in the database.
func (h *userHandler) GetAll(r *http.Request, p lib.ListRequestParams) (lib.Page, error) {
	ctx, rq, s := r.Context(), reqOf(r), h.s
	q := store.ViewQuery{Source: rq.source, Offset: p.StartIndex - 1, Limit: p.Count}
	if p.FilterValidator != nil {
		f, err := filterConverter{idx: s.users}.convert(p.FilterValidator.GetFilter())
		if err != nil {
			return lib.Page{}, err
		}
		q.Filter = f
	}
	items, total, err := s.Store.ListUserView(ctx, q)
	if err != nil {
		return lib.Page{}, s.fail(ctx, rq, "list users", err)
	}
	withGroups := !excludes(r, "groups")
	page := lib.Page{TotalResults: total, Resources: make([]lib.Resource, 0, len(items))}
	for _, it := range items {
		res, err := h.resource(ctx, rq, it, withGroups)
		if err != nil {
			return lib.Page{}, err
		}
		page.Resources = append(page.Resources, res)
	}
	return page, nil
}

// excludes reports whether the request excludes attribute name (or asks
// for attributes without it), so it need not be computed.
func excludes(r *http.Request, name string) bool {
	q := r.URL.Query()
	for _, a := range splitList(q.Get("excludedAttributes")) {
		if strings.EqualFold(a, name) {
			return true
		}
	}
	if attrs := splitList(q.Get("attributes")); len(attrs) > 0 {
		for _, a := range attrs {
			if strings.EqualFold(a, name) || strings.HasPrefix(strings.ToLower(a), strings.ToLower(name)+".") {
				return false
			}
		}
		return true
	}
	return false
}

// Replace handles PUT /Users/{id}: the document replaces what this source
// asserted (Okta updates this way).
func (h *userHandler) Replace(r *http.Request, id string, attrs lib.ResourceAttributes) (lib.Resource, error) {
	ctx, rq := r.Context(), reqOf(r)
	it, err := h.find(ctx, rq, id)
	if err != nil {
		return lib.Resource{}, err
	}
	doc, err := cleanDoc(attrs)
	if err != nil {
		return lib.Resource{}, err
	}
	return h.write(ctx, rq, it, doc)
}

// write stores doc as the new document of it, through identity for
// persons.
func (h *userHandler) write(ctx context.Context, rq *request, it store.ViewItem, doc map[string]any) (lib.Resource, error) {
	s := h.s
	defer s.lockName(rq.source, str(doc, "userName"))()
	if err := h.checkUnique(ctx, rq, doc, it.ID); err != nil {
		return lib.Resource{}, err
	}
	if it.Kind == store.ViewNHI {
		next, err := s.replaceNHI(ctx, rq, it.ID, doc)
		if err != nil {
			return lib.Resource{}, err
		}
		return h.resource(ctx, rq, next, true)
	}
	rec, err := s.recordFromDoc(ctx, rq.source, it.ExternalID, doc)
	if err != nil {
		return lib.Resource{}, s.fail(ctx, rq, "update user", err)
	}
	if _, err := s.Identity.ApplyOne(ctx, rq.source, rq.actor, identity.Change{Op: identity.OpUpsert, Record: rec}); err != nil {
		return lib.Resource{}, s.fail(ctx, rq, "update user", err)
	}
	next, err := h.find(ctx, rq, it.ID)
	if err != nil {
		return lib.Resource{}, err
	}
	return h.resource(ctx, rq, next, true)
}

// Patch handles PATCH /Users/{id}: all operations apply to the stored
// document, then the result is written once (all or nothing).
func (h *userHandler) Patch(r *http.Request, id string, ops []lib.PatchOperation) (lib.Resource, error) {
	ctx, rq := r.Context(), reqOf(r)
	it, err := h.find(ctx, rq, id)
	if err != nil {
		return lib.Resource{}, err
	}
	doc, err := decodeDoc(it.Raw)
	if err != nil {
		return lib.Resource{}, h.s.fail(ctx, rq, "patch user", err)
	}
	next, err := applyPatch(h.s.users, doc, toPatchOps(ops))
	if err != nil {
		return lib.Resource{}, err
	}
	if next, err = cleanDoc(next); err != nil {
		return lib.Resource{}, err
	}
	return h.write(ctx, rq, it, next)
}

func toPatchOps(ops []lib.PatchOperation) []patchOp {
	out := make([]patchOp, len(ops))
	for i, o := range ops {
		out[i] = patchOp{Op: strings.ToLower(o.Op), Path: o.Path, Value: o.Value}
	}
	return out
}

// Delete handles DELETE /Users/{id}: the source's link goes (the person
// stays, terminated if no source asserts it any more) and so do its
// memberships in this source's groups; an NHI is retired.
func (h *userHandler) Delete(r *http.Request, id string) error {
	ctx, rq, s := r.Context(), reqOf(r), h.s
	it, err := h.find(ctx, rq, id)
	if err != nil {
		return err
	}
	if it.Kind == store.ViewNHI {
		return s.retireNHI(ctx, rq, id)
	}
	// The unlink and the removal of the user's memberships in this
	// source's groups commit together.
	res, err := s.Identity.Apply(ctx, identity.Batch{
		Source: rq.source, Actor: rq.actor,
		Changes: []identity.Change{{Op: identity.OpUnlink, Record: identity.Record{ExternalID: it.ExternalID}}},
		Then: func(ctx context.Context, tx store.Tx, res identity.Result) error {
			if len(res.Rejected) > 0 {
				return nil
			}
			return s.removeMemberships(ctx, tx, rq, id)
		},
	})
	if err != nil {
		return s.fail(ctx, rq, "delete user", err)
	}
	if len(res.Rejected) > 0 {
		return s.fail(ctx, rq, "delete user", &identity.RejectedError{Rejected: res.Rejected[0]})
	}
	return nil
}

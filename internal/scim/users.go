package scim

import (
	"context"
	"errors"
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
			CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt, Version: l.Version, ETag: etag(l.Version)}, nil
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
	return h.listed(ctx, rq, it, withGroups, nil)
}

// listed is resource with what a list page read for all its persons.
func (h *userHandler) listed(ctx context.Context, rq *request, it store.ViewItem, withGroups bool, pre *listPrefetch) (lib.Resource, error) {
	var (
		res lib.Resource
		err error
	)
	if it.Kind == store.ViewNHI {
		res, err = h.s.nhiResource(ctx, it)
	} else {
		res, err = h.s.personResource(ctx, rq.source, it, withGroups, pre)
	}
	if err != nil {
		return lib.Resource{}, h.s.fail(ctx, rq, "read user", err)
	}
	return res, nil
}

// userNameTaken reports whether another resource of the view has userName
// (compared case-insensitively, RFC 7643 §4.1.1).
func userNameTaken(ctx context.Context, tx store.Tx, source, userName, exceptID string) (bool, error) {
	ids, err := tx.FindUserNameHolders(ctx, source, userName)
	if err != nil {
		return false, err
	}
	for _, id := range ids {
		if id != exceptID {
			return true, nil
		}
	}
	return false, nil
}

// claimName checks, inside the writing transaction, that doc's userName
// is not used by another resource of the source's view. The name's lock
// (held until the transaction ends, across processes) keeps two writers
// from both finding it free.
func claimName(ctx context.Context, tx store.Tx, source string, doc map[string]any, exceptID string) error {
	userName := str(doc, "userName")
	if strings.TrimSpace(userName) == "" {
		return invalidValue("userName is required and must be a non-empty string")
	}
	if err := tx.LockKey(ctx, "scim-username\x00"+source+"\x00"+strings.ToLower(userName)); err != nil {
		return err
	}
	taken, err := userNameTaken(ctx, tx, source, userName, exceptID)
	if err != nil {
		return err
	}
	if taken {
		return conflict("userName " + userName + " is already in use")
	}
	return nil
}

// apply runs one identity change that prepare computes inside the
// transaction, so what it reads is what the write replaces.
func (h *userHandler) apply(ctx context.Context, rq *request, prepare func(ctx context.Context, tx store.Tx) ([]identity.Change, error)) (identity.Applied, error) {
	res, err := h.s.Identity.Apply(ctx, identity.Batch{Source: rq.source, Actor: rq.actor, Prepare: prepare})
	if err != nil {
		return identity.Applied{}, err
	}
	if len(res.Rejected) > 0 {
		return identity.Applied{}, &identity.RejectedError{Rejected: res.Rejected[0]}
	}
	if len(res.Applied) == 0 {
		return identity.Applied{}, errors.New("scim: change neither applied nor rejected")
	}
	return res.Applied[0], nil
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
	if strings.TrimSpace(str(doc, "userName")) == "" {
		return lib.Resource{}, invalidValue("userName is required and must be a non-empty string")
	}
	if s.nonHuman(doc) {
		it, err := s.createNHI(ctx, rq, doc)
		if err != nil {
			return lib.Resource{}, err
		}
		return h.resource(ctx, rq, it, true)
	}
	// The record is built (and the document encoded) before the
	// transaction; in it only the name's claim and the manager's reference
	// are read.
	rec, manager, err := recordOf(uuid.Must(uuid.NewV7()).String(), doc)
	if err != nil {
		return lib.Resource{}, err
	}
	a, err := h.apply(ctx, rq, func(ctx context.Context, tx store.Tx) ([]identity.Change, error) {
		if err := claimName(ctx, tx, rq.source, doc, ""); err != nil {
			return nil, err
		}
		rec, err := withManager(ctx, tx, rq.source, rec, manager)
		if err != nil {
			return nil, err
		}
		return []identity.Change{{Op: identity.OpUpsert, Record: rec, New: true}}, nil
	})
	if err != nil {
		return lib.Resource{}, s.fail(ctx, rq, "create user", err)
	}
	return h.created(ctx, rq, a)
}

// created is the response to a create, built from what the transaction
// wrote rather than read back: the new link (version 1), the person as
// written and, for a new person, its job functions and no groups. A
// person found by correlation may already be in groups, which are read.
func (h *userHandler) created(ctx context.Context, rq *request, a identity.Applied) (lib.Resource, error) {
	if a.Link == nil || a.Person.ID != a.PersonID {
		it, err := h.find(ctx, rq, a.PersonID)
		if err != nil {
			return lib.Resource{}, err
		}
		return h.resource(ctx, rq, it, true)
	}
	l := a.Link
	it := store.ViewItem{Kind: store.ViewPerson, ID: a.PersonID, ExternalID: l.ExternalID, Raw: l.Raw,
		CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt, Version: 1, ETag: etag(1)}
	pre := &listPrefetch{persons: map[string]store.Person{a.PersonID: a.Person}}
	if a.JobFunctions != nil {
		pre.jobFunctions = map[string][]string{a.PersonID: a.JobFunctions}
	}
	if a.Created {
		pre.groups = map[string][]store.Group{}
	}
	return h.listed(ctx, rq, it, true, pre)
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
	q := store.ViewQuery{Source: rq.source, Offset: p.StartIndex - 1, Limit: p.Count, CountOnly: p.Count == 0}
	if rq.filter != nil {
		q.Filter = *rq.filter
	} else if p.FilterValidator != nil {
		f, err := filterConverter{idx: s.users}.convert(p.FilterValidator.GetFilter())
		if err != nil {
			return lib.Page{}, err
		}
		q.Filter = f
	}
	withGroups := !excludes(r, "groups")
	// The page's rows come with what their persons show (one statement
	// for a lookup by userName).
	shown, total, err := s.Store.ListUserViewShown(ctx, q, withGroups)
	if err != nil {
		return lib.Page{}, s.fail(ctx, rq, "list users", err)
	}
	pre := prefetched(shown, withGroups)
	page := lib.Page{TotalResults: total, Resources: make([]lib.Resource, 0, len(shown))}
	for _, u := range shown {
		res, err := h.listed(ctx, rq, u.ViewItem, withGroups, pre)
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
	doc, err := cleanDoc(attrs)
	if err != nil {
		return lib.Resource{}, err
	}
	return h.update(r, id, func(map[string]any) (map[string]any, error) { return doc, nil })
}

// Patch handles PATCH /Users/{id}: all operations apply to the stored
// document as it is under lock, then the result is written once (all or
// nothing) in the same transaction.
func (h *userHandler) Patch(r *http.Request, id string, ops []lib.PatchOperation) (lib.Resource, error) {
	pops := toPatchOps(ops)
	return h.update(r, id, func(cur map[string]any) (map[string]any, error) {
		next, err := applyPatch(h.s.users, cur, pops)
		if err != nil {
			return nil, err
		}
		return cleanDoc(next)
	})
}

// update is the read-modify-write of a user: compute turns the stored
// document into the new one. It runs inside the writing transaction with
// the row locked, so a concurrent write is never overwritten unseen.
func (h *userHandler) update(r *http.Request, id string, compute func(cur map[string]any) (map[string]any, error)) (lib.Resource, error) {
	ctx, rq, s := r.Context(), reqOf(r), h.s
	it, err := h.find(ctx, rq, id)
	if err != nil {
		return lib.Resource{}, err
	}
	if it.Kind == store.ViewNHI {
		next, err := s.updateNHI(r, rq, id, compute)
		if err != nil {
			return lib.Resource{}, err
		}
		return h.resource(ctx, rq, next, true)
	}
	_, err = h.apply(ctx, rq, func(ctx context.Context, tx store.Tx) ([]identity.Change, error) {
		l, err := lockedLink(ctx, r, tx, rq.source, id)
		if err != nil {
			return nil, err
		}
		cur, err := decodeDoc(l.Raw)
		if err != nil {
			return nil, err
		}
		next, err := compute(cur)
		if err != nil {
			return nil, err
		}
		if err := checkDoc(next); err != nil {
			return nil, err
		}
		if err := claimName(ctx, tx, rq.source, next, id); err != nil {
			return nil, err
		}
		rec, err := s.recordFromDoc(ctx, tx, rq.source, l.ExternalID, next)
		if err != nil {
			return nil, err
		}
		return []identity.Change{{Op: identity.OpUpsert, Record: rec}}, nil
	})
	if err != nil {
		return lib.Resource{}, s.fail(ctx, rq, "update user", err)
	}
	next, err := h.find(ctx, rq, id)
	if err != nil {
		return lib.Resource{}, err
	}
	return h.resource(ctx, rq, next, true)
}

// lockedLink reads the source's link of person id under lock and checks
// If-Match against its version; a person outside the view is 404.
func lockedLink(ctx context.Context, r *http.Request, tx store.Tx, source, id string) (store.SourceLink, error) {
	l, err := tx.LockPersonLink(ctx, source, id)
	if isNotFound(err) || err == nil && len(l.Raw) == 0 {
		return store.SourceLink{}, notFound("User", id)
	}
	if err != nil {
		return store.SourceLink{}, err
	}
	if err := checkIfMatch(r, etag(l.Version)); err != nil {
		return store.SourceLink{}, err
	}
	return l, nil
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
		return s.retireNHI(r, rq, id)
	}
	// The unlink and the removal of the user's memberships in this
	// source's groups commit together, checked against If-Match under
	// the link's lock.
	res, err := s.Identity.Apply(ctx, identity.Batch{
		Source: rq.source, Actor: rq.actor,
		Prepare: func(ctx context.Context, tx store.Tx) ([]identity.Change, error) {
			_, err := lockedLink(ctx, r, tx, rq.source, id)
			return nil, err
		},
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

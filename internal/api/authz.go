package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/store"
)

// policy is the one object-level policy, shared with the web UI.
func (s *Server) policy() authz.Policy { return authz.Policy{People: s.Store} }

// subject maps the caller onto the policy's principal.
func (p Principal) subject() authz.Principal {
	out := authz.Principal{PersonID: p.PersonID}
	for _, r := range p.Roles {
		out.Roles = append(out.Roles, authz.Role(r))
	}
	return out
}

// allowed asks the policy and records a refusal as a security event.
func (s *Server) allowed(r *http.Request, a authz.Action, o authz.Object, target string) (bool, error) {
	p := principalFrom(r.Context())
	ok, err := s.policy().Allowed(r.Context(), p.subject(), a, o)
	if err != nil {
		return false, fmt.Errorf("api: authorize: %w", err)
	}
	if !ok {
		s.record(r, p.Actor(), audit.ActionAccessDenied, target, map[string]string{"action": string(a), "object": authz.Kind(o)})
	}
	return ok, nil
}

// nhiObject loads what the policy needs about an NHI.
func (s *Server) nhiObject(ctx context.Context, n store.NHI) (authz.NHI, error) {
	o := authz.NHI{NHI: n}
	if n.ProjectID != "" {
		pr, err := s.Store.GetProject(ctx, n.ProjectID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return o, err
		}
		o.Project = pr
	}
	return o, nil
}

// check asks the policy without recording: for checks that run inside
// another transaction (recording would wait for that transaction's write
// lock on SQLite).
func (s *Server) check(r *http.Request, a authz.Action, o authz.Object) (bool, error) {
	return s.policy().Allowed(r.Context(), principalFrom(r.Context()).subject(), a, o)
}

// canNHI: the check package nhi runs inside its transaction before a
// change (refusals are recorded by denied, after it): an NHI the caller may not read is "not found" (as an unknown
// id is), one they may read but not manage is forbidden.
func (s *Server) canNHI(r *http.Request) func(store.NHI) error {
	return func(n store.NHI) error {
		o, err := s.nhiObject(r.Context(), n)
		if err != nil {
			return err
		}
		if ok, err := s.check(r, authz.Read, o); err != nil || !ok {
			if err == nil {
				err = store.ErrNotFound
			}
			return err
		}
		if ok, err := s.check(r, authz.Manage, o); err != nil || !ok {
			if err == nil {
				err = fmt.Errorf("only the owner of NHI %q, its co-owners, its project's owner or an admin may change it: %w", n.Name, errForbidden)
			}
			return err
		}
		return nil
	}
}

// canProject is canNHI for projects.
func (s *Server) canProject(r *http.Request) func(store.Project) error {
	return func(pr store.Project) error {
		o := authz.Project{Project: pr}
		if ok, err := s.check(r, authz.Read, o); err != nil || !ok {
			if err == nil {
				err = store.ErrNotFound
			}
			return err
		}
		if ok, err := s.check(r, authz.Manage, o); err != nil || !ok {
			if err == nil {
				err = fmt.Errorf("only the owner of project %q or an admin may change it: %w", pr.Name, errForbidden)
			}
			return err
		}
		return nil
	}
}

// record writes a security event when a recorder is wired.
func (s *Server) record(r *http.Request, actor, action, target string, details map[string]string) {
	if s.Events != nil {
		s.Events.Record(r, actor, action, target, details)
	}
}

// denied records a change refused by canNHI or canProject.
func (s *Server) denied(r *http.Request, err error, target, object string) {
	if errors.Is(err, errForbidden) || errors.Is(err, store.ErrNotFound) {
		s.record(r, principalFrom(r.Context()).Actor(), audit.ActionAccessDenied, target, map[string]string{"action": string(authz.Manage), "object": object})
	}
}

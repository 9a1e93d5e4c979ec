package webui

import (
	"context"
	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/store"
)

// maxChain bounds manager-chain walks; identity refuses cycles, this
// guards against a long or corrupt chain anyway.
const maxChain = 32

// policy is the one object-level authorization policy, shared with the
// JSON API.
func (s *Server) policy() authz.Policy { return authz.Policy{People: s.Store} }

// subject maps the signed-in principal onto the policy's.
func subject(p *auth.Principal) authz.Principal {
	if p == nil {
		return authz.Principal{}
	}
	out := authz.Principal{PersonID: p.PersonID}
	for _, r := range p.Roles {
		out.Roles = append(out.Roles, authz.Role(r))
	}
	return out
}

// canSeePerson: admins and auditors see everyone, everyone sees
// themselves, and a manager sees the people below them in the chain.
func (s *Server) canSeePerson(ctx context.Context, p *auth.Principal, target store.Person) (bool, error) {
	if p == nil {
		return false, nil
	}
	return s.policy().Allowed(ctx, subject(p), authz.Read, authz.Person{Person: target})
}

// reportsOf returns everyone below managerID, breadth first.
func (s *Server) reportsOf(ctx context.Context, managerID string) (map[string]bool, error) {
	seen := map[string]bool{}
	queue := []string{managerID}
	for len(queue) > 0 && len(seen) < 100000 {
		m := queue[0]
		queue = queue[1:]
		after := ""
		for {
			ps, err := s.Store.ListPersons(ctx, store.PersonQuery{ManagerID: m, AfterID: after, Limit: 500})
			if err != nil {
				return nil, err
			}
			for _, r := range ps {
				if !seen[r.ID] && r.ID != managerID {
					seen[r.ID] = true
					queue = append(queue, r.ID)
				}
			}
			if len(ps) < 500 {
				break
			}
			after = ps[len(ps)-1].ID
		}
	}
	return seen, nil
}

// nhiAccess says what p may do with n.
type nhiAccess struct{ see, manage bool }

// accessNHI says what p may do with n, by the shared policy.
func (s *Server) accessNHI(ctx context.Context, p *auth.Principal, n store.NHI, project store.Project) (nhiAccess, error) {
	if p == nil {
		return nhiAccess{}, nil
	}
	pol, sub, obj := s.policy(), subject(p), authz.NHI{NHI: n, Project: project}
	see, err := pol.Allowed(ctx, sub, authz.Read, obj)
	if err != nil || !see {
		return nhiAccess{}, err
	}
	manage, err := pol.Allowed(ctx, sub, authz.Manage, obj)
	return nhiAccess{see: see, manage: manage}, err
}

package webui

import (
	"context"
	"errors"
	"slices"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/store"
)

// maxChain bounds manager-chain walks; identity refuses cycles, this
// guards against a long or corrupt chain anyway.
const maxChain = 32

// canSeePerson: admins and auditors see everyone, everyone sees
// themselves, and a manager sees the people below them in the chain.
func (s *Server) canSeePerson(ctx context.Context, p *auth.Principal, target store.Person) (bool, error) {
	if p == nil {
		return false, nil
	}
	if p.SeesAll() || target.ID == p.PersonID {
		return true, nil
	}
	return s.managesTransitively(ctx, p.PersonID, target)
}

// managesTransitively reports whether managerID is above target in the
// manager chain.
func (s *Server) managesTransitively(ctx context.Context, managerID string, target store.Person) (bool, error) {
	cur := target
	for range maxChain {
		if cur.ManagerID == "" {
			return false, nil
		}
		if cur.ManagerID == managerID {
			return true, nil
		}
		next, err := s.Store.GetPerson(ctx, cur.ManagerID)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		cur = next
	}
	return false, nil
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

// accessNHI: admins manage every NHI and auditors see them all; the owner,
// co-owners and the project's owner manage it; a manager sees (not
// manages) the NHIs their reports own.
func (s *Server) accessNHI(ctx context.Context, p *auth.Principal, n store.NHI, project store.Project) (nhiAccess, error) {
	if p == nil {
		return nhiAccess{}, nil
	}
	if p.Has(auth.RoleAdmin) {
		return nhiAccess{see: true, manage: true}, nil
	}
	me := p.PersonID
	if n.OwnerID == me || slices.Contains(n.CoOwnerIDs, me) || (project.ID != "" && project.OwnerID == me) {
		return nhiAccess{see: true, manage: true}, nil
	}
	if p.Has(auth.RoleAuditor) {
		return nhiAccess{see: true}, nil
	}
	if n.OwnerID == "" {
		return nhiAccess{}, nil
	}
	owner, err := s.Store.GetPerson(ctx, n.OwnerID)
	if errors.Is(err, store.ErrNotFound) {
		return nhiAccess{}, nil
	}
	if err != nil {
		return nhiAccess{}, err
	}
	ok, err := s.managesTransitively(ctx, me, owner)
	return nhiAccess{see: ok}, err
}

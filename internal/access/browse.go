package access

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
)

// Entry is one catalog item with what would happen if the viewer asked
// for it for themselves now with the item's default window: per
// environment when the item has environments (the default one may be
// approved at once while prod needs approval).
type Entry struct {
	Item catalog.Item
	// Outcome and Explanation are the first environment's (or the only
	// decision's), Rule its policy rule.
	Outcome     policy.Outcome
	Rule        string
	Explanation string
	Conditions  []string
	// Environments has one verdict per environment of the item (nil for
	// an item without environments).
	Environments []EnvVerdict
	// Blocked: a request cannot be filed now for another reason than
	// policy (one is pending, the item is held beyond the default
	// window); Explanation says which.
	Blocked bool
}

// EnvVerdict is the verdict for one environment.
type EnvVerdict struct {
	Environment string
	Verdict
}

// Eligible reports whether the viewer could file a request that policy
// does not deny, in some environment.
func (e Entry) Eligible() bool {
	if e.Blocked {
		return false
	}
	if len(e.Environments) == 0 {
		return e.Outcome != policy.Deny
	}
	for _, v := range e.Environments {
		if v.Outcome != policy.Deny {
			return true
		}
	}
	return false
}

// Browse decides every live item for personID as a request for
// themselves with the item's default window, by the code Submit uses
// (decide), writing nothing, so the catalog page shows eligibility per
// item and environment. The justification an item may require is taken
// as given: the form asks for it.
func (s *Service) Browse(ctx context.Context, personID string) ([]Entry, error) {
	if err := s.refresh(ctx); err != nil {
		return nil, err
	}
	now := s.now()
	var out []Entry
	err := s.Store.InTx(ctx, func(tx store.Tx) error {
		names := personNames(ctx, tx)
		for _, it := range s.Catalog().Items {
			if it.Retired {
				continue
			}
			e := Entry{Item: it}
			envs := it.Environments
			if len(envs) == 0 {
				envs = []string{""}
			}
			for i, env := range envs {
				sub := Submission{RequesterID: personID, ItemID: it.ID, Justification: "(preview)", Environment: env}
				s.window(&sub, it, now)
				dec, err := s.decide(ctx, tx, sub, it, now)
				if errors.Is(err, ErrConflict) {
					e.Blocked, e.Explanation = true, blockedWhy(err)
					break
				}
				if err != nil {
					return err
				}
				v := verdict(dec.d, names)
				if i == 0 {
					e.Outcome, e.Rule, e.Explanation, e.Conditions = v.Outcome, v.Rule, v.Explanation, v.Conditions
				}
				if env != "" {
					e.Environments = append(e.Environments, EnvVerdict{Environment: env, Verdict: v})
				}
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, mapErr("browse", err)
	}
	return out, nil
}

// blockedWhy words a conflict for the catalog: its own message, without
// the package prefix, sentinel or request id.
func blockedWhy(err error) string {
	msg := strings.TrimPrefix(err.Error(), "access: ")
	msg = strings.TrimSuffix(msg, ": "+ErrConflict.Error())
	return requestIDInParens.ReplaceAllString(msg, "")
}

var requestIDInParens = regexp.MustCompile(` \([0-9a-f-]{36}\)`)

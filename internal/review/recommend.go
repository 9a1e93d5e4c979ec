package review

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/store"
)

// grantFacts is what a grant's recommendation is computed from.
type grantFacts struct {
	Grant        store.Grant
	Item         catalog.Item
	KnownItem    bool
	JobFunctions []string          // the holder's current job functions
	LastMove     *store.MoverEvent // the holder's latest mover event, if any
	LastUsed     *time.Time
	Now          time.Time
	CampaignEnd  time.Time
	UnusedDays   int
	PeerPercent  float64 // threshold; 0: off
	Peers        store.PeerCounts
}

// justifiedBy returns the job functions (of fns) that justify the grant,
// and whether the grant rests on job functions at all: a birthright rests
// on the item's birthright functions, a requested grant on eligibility
// that names job functions only.
func justifiedBy(g store.Grant, it catalog.Item, fns []string) (why []string, rests bool) {
	var basis []string
	switch {
	case g.Assurance == store.AssuranceBirthright:
		basis = it.Birthright
	case len(it.Eligibility.JobFunctions) > 0 && len(it.Eligibility.Departments) == 0 && it.Eligibility.When == "":
		basis = it.Eligibility.JobFunctions
	default:
		return nil, false
	}
	for _, f := range fns {
		if slices.Contains(basis, f) {
			why = append(why, f)
		}
	}
	return why, true
}

// recommendGrant computes a grant's recommendation and its reason.
func recommendGrant(f grantFacts) (string, string) {
	g, it := f.Grant, f.Item
	if f.KnownItem {
		if why, rests := justifiedBy(g, it, f.JobFunctions); rests && len(why) == 0 {
			if f.LastMove != nil && len(f.LastMove.Old) > 0 {
				return store.RecommendRevoke, fmt.Sprintf("revoke: moved from %s to %s", list(f.LastMove.Old), list(f.LastMove.New))
			}
			return store.RecommendRevoke, fmt.Sprintf("revoke: job function %s no longer justifies it", list(f.JobFunctions))
		}
	}
	if f.LastUsed != nil && f.UnusedDays > 0 {
		if days := int(f.Now.Sub(*f.LastUsed).Hours() / 24); days >= f.UnusedDays {
			return store.RecommendRevoke, fmt.Sprintf("revoke: unused for %d days (last used %s)", days, f.LastUsed.Format("2006-01-02"))
		}
	}
	if !f.CampaignEnd.IsZero() && g.End.Before(f.CampaignEnd) {
		return store.RecommendRevoke, fmt.Sprintf("revoke: expires on %s, before the campaign ends", g.End.Format("2006-01-02"))
	}
	if f.PeerPercent > 0 && len(f.JobFunctions) > 0 {
		best, bestFn := -1.0, ""
		for _, fn := range f.JobFunctions {
			n := f.Peers.Persons[fn]
			if n == 0 {
				continue
			}
			share := 100 * float64(f.Peers.Holders[fn][g.ItemID]) / float64(n)
			if share > best {
				best, bestFn = share, fn
			}
		}
		if best >= 0 && best < f.PeerPercent {
			return store.RecommendRevoke, fmt.Sprintf("revoke: held by %.0f%% of %s peers (threshold %.0f%%)", best, bestFn, f.PeerPercent)
		}
	}
	return store.RecommendKeep, keepReason(f)
}

func keepReason(f grantFacts) string {
	g := f.Grant
	if f.KnownItem {
		if why, rests := justifiedBy(g, f.Item, f.JobFunctions); rests {
			if g.Assurance == store.AssuranceBirthright {
				return "keep: birthright of " + list(why)
			}
			return "keep: eligible through job function " + list(why)
		}
	}
	switch {
	case g.Assurance == store.AssuranceImported:
		return "keep: imported from the directory; no sign it is unused or unjustified"
	case len(g.ApproverIDs) > 0:
		return fmt.Sprintf("keep: requested and approved on %s; no sign it is unused or unjustified", g.Start.Format("2006-01-02"))
	default:
		return fmt.Sprintf("keep: %s on %s; no sign it is unused or unjustified", g.Assurance, g.Start.Format("2006-01-02"))
	}
}

// nhiFacts is what an NHI's recommendation is computed from.
type nhiFacts struct {
	NHI         store.NHI
	Findings    []store.Finding // unresolved
	OwnerActive bool
	Now         time.Time
	CampaignEnd time.Time
	UnusedDays  int
}

func recommendNHI(f nhiFacts) (string, string) {
	for _, fd := range f.Findings {
		if fd.State == store.FindingOpen && (fd.Rule == "no-owner" || fd.Rule == "owner-inactive" || fd.Rule == "project-ended") {
			return store.RecommendRevoke, fmt.Sprintf("revoke: open orphan finding %s: %s", fd.Rule, fd.Reason)
		}
	}
	n := f.NHI
	if n.LastUsedAt != nil && f.UnusedDays > 0 {
		if days := int(f.Now.Sub(*n.LastUsedAt).Hours() / 24); days >= f.UnusedDays {
			return store.RecommendRevoke, fmt.Sprintf("revoke: unused for %d days (last used %s)", days, n.LastUsedAt.Format("2006-01-02"))
		}
	}
	if n.ExpiresAt != nil && !f.CampaignEnd.IsZero() && n.ExpiresAt.Before(f.CampaignEnd) {
		return store.RecommendRevoke, fmt.Sprintf("revoke: expires on %s, before the campaign ends", n.ExpiresAt.Format("2006-01-02"))
	}
	if len(f.Findings) > 0 {
		return store.RecommendKeep, fmt.Sprintf("keep: owner active; finding %s is not about ownership", f.Findings[0].Rule)
	}
	if n.LastUsedAt != nil {
		return store.RecommendKeep, fmt.Sprintf("keep: owner active, no open findings, last used %s", n.LastUsedAt.Format("2006-01-02"))
	}
	return store.RecommendKeep, "keep: owner active and no open findings"
}

func list(xs []string) string {
	if len(xs) == 0 {
		return "(none)"
	}
	return strings.Join(xs, ", ")
}

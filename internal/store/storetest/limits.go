package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// limitTests check that every query struct reads Limit the same way: 0
// is a page of store.DefaultLimit rows, n at most n, store.All every row.
var limitTests = []test{
	{"persons", limitCase(seedPersons, func(t *testing.T, s store.Store, l int) (int, error) {
		r, err := s.ListPersons(t.Context(), store.PersonQuery{Limit: l})
		return len(r), err
	})},
	{"grants", limitCase(seedGrants, func(t *testing.T, s store.Store, l int) (int, error) {
		r, err := s.ListGrants(t.Context(), store.GrantQuery{Limit: l})
		return len(r), err
	})},
	{"grant scan", limitCase(seedGrants, func(t *testing.T, s store.Store, l int) (int, error) {
		r, err := s.ScanGrants(t.Context(), store.GrantScan{Limit: l})
		return len(r), err
	})},
	{"requests", limitCase(seedRequests, func(t *testing.T, s store.Store, l int) (int, error) {
		r, err := s.ListRequests(t.Context(), store.RequestQuery{Limit: l})
		return len(r), err
	})},
	{"request scan", limitCase(seedRequests, func(t *testing.T, s store.Store, l int) (int, error) {
		r, err := s.ScanRequests(t.Context(), store.RequestScan{From: at(-time.Hour), To: at(time.Hour), Limit: l})
		return len(r), err
	})},
	{"findings", limitCase(seedFindings, func(t *testing.T, s store.Store, l int) (int, error) {
		r, err := s.ListFindings(t.Context(), store.FindingQuery{Limit: l})
		return len(r), err
	})},
	{"tasks", limitCase(seedTasks, func(t *testing.T, s store.Store, l int) (int, error) {
		r, err := s.ListTasks(t.Context(), store.TaskQuery{Limit: l})
		return len(r), err
	})},
	{"nhis", limitCase(seedNHIs, func(t *testing.T, s store.Store, l int) (int, error) {
		r, err := nhiTx(t, s).ListNHIs(t.Context(), store.NHIQuery{Limit: l})
		return len(r), err
	})},
	{"groups", limitCase(seedGroups, func(t *testing.T, s store.Store, l int) (int, error) {
		r, err := groupTx(t, s).ListGroups(t.Context(), store.GroupQuery{Limit: l})
		return len(r), err
	})},
	{"campaigns", limitCase(seedCampaigns, func(t *testing.T, s store.Store, l int) (int, error) {
		r, err := s.ListCampaigns(t.Context(), store.CampaignQuery{Limit: l})
		return len(r), err
	})},
	{"review items", limitCase(seedReviewItems, func(t *testing.T, s store.Store, l int) (int, error) {
		r, err := s.ListReviewItems(t.Context(), store.ReviewItemQuery{Limit: l})
		return len(r), err
	})},
	{"jobs", limitCase(seedJobs, func(t *testing.T, s store.Store, l int) (int, error) {
		r, err := s.ListJobs(t.Context(), store.JobQuery{Limit: l})
		return len(r), err
	})},
	{"digests", limitCase(seedDigests, func(t *testing.T, s store.Store, l int) (int, error) {
		r, err := s.ListDigests(t.Context(), store.DigestQuery{Limit: l})
		return len(r), err
	})},
	{"audit events", limitCase(seedAudit, func(t *testing.T, s store.Store, l int) (int, error) {
		r, err := s.ListAuditEvents(t.Context(), store.AuditQuery{Limit: l})
		return len(r), err
	})},
	{"audit trail", limitCase(seedAudit, func(t *testing.T, s store.Store, l int) (int, error) {
		r, err := s.ListAuditTrail(t.Context(), store.AuditTrailQuery{Limit: l})
		return len(r), err
	})},
	{"user view", limitCase(seedLinks, func(t *testing.T, s store.Store, l int) (int, error) {
		r, total, err := s.ListUserView(t.Context(), store.ViewQuery{Source: "idp", Limit: l})
		if err == nil && total != limitRows {
			err = fmt.Errorf("total %d, want %d", total, limitRows)
		}
		return len(r), err
	})},
}

// limitRows is one more than a default page.
const limitRows = store.DefaultLimit + 1

// limitCase seeds limitRows rows and lists them with Limit 0, 3 and All.
func limitCase(seed func(t *testing.T, s store.Store), list func(t *testing.T, s store.Store, limit int) (int, error)) func(t *testing.T, s store.Store) {
	return func(t *testing.T, s store.Store) {
		seed(t, s)
		for _, tc := range []struct {
			limit, want int
		}{{0, store.DefaultLimit}, {3, 3}, {store.All, limitRows}} {
			got, err := list(t, s, tc.limit)
			must(t, fmt.Sprintf("list with limit %d", tc.limit), err)
			if got != tc.want {
				t.Errorf("limit %d: %d rows, want %d", tc.limit, got, tc.want)
			}
		}
	}
}

func seedPersons(t *testing.T, s store.Store) {
	ps := make([]store.Person, limitRows)
	for i := range ps {
		ps[i] = store.Person{UserName: "p" + itoa(i), Status: store.StatusActive}
	}
	_, err := s.CreatePersons(t.Context(), ps)
	must(t, "create persons", err)
}

func seedGrants(t *testing.T, s store.Store) {
	a := newPerson(t, s, store.Person{UserName: "ana"})
	for i := range limitRows {
		_, err := s.CreateGrant(t.Context(), store.Grant{ItemID: "x" + itoa(i), HolderID: a.ID, Assurance: store.AssuranceApproved,
			Start: at(0), End: at(time.Hour), State: store.GrantActive})
		must(t, "create grant", err)
	}
}

func seedRequests(t *testing.T, s store.Store) {
	a, b, c := accessPeople(t, s)
	for range limitRows {
		r := pendingRequest(a, b, c)
		r.CreatedAt = at(0)
		_, err := s.CreateRequest(t.Context(), r)
		must(t, "create request", err)
	}
}

func seedFindings(t *testing.T, s store.Store) {
	a := newNHI(t, s, "a")
	fs := make([]store.Finding, limitRows)
	for i := range fs {
		fs[i] = store.Finding{NHIID: a.ID, Rule: "r" + itoa(i), State: store.FindingOpen, OpenedAt: at(0)}
	}
	_, err := s.CreateFindings(t.Context(), fs)
	must(t, "create findings", err)
}

func seedTasks(t *testing.T, s store.Store) {
	ks := make([]store.ReownershipTask, limitRows)
	for i := range ks {
		n := newNHI(t, s, "n"+itoa(i))
		ks[i] = store.ReownershipTask{NHIID: n.ID, Route: store.RouteFallbackTeam, AssigneeTeam: "sre", Deadline: at(time.Hour)}
	}
	_, err := s.CreateTasks(t.Context(), ks)
	must(t, "create tasks", err)
}

func seedNHIs(t *testing.T, s store.Store) {
	nhiTx(t, s)
	for i := range limitRows {
		newNHI(t, s, "n"+itoa(i))
	}
}

func seedGroups(t *testing.T, s store.Store) {
	gs := groupTx(t, s)
	for i := range limitRows {
		_, err := gs.CreateGroup(t.Context(), store.Group{Source: "idp", ExternalID: "g" + itoa(i), DisplayName: "G" + itoa(i)})
		must(t, "create group", err)
	}
}

func seedCampaigns(t *testing.T, s store.Store) {
	for i := range limitRows {
		newCampaign(t, s, "quarterly", "p"+itoa(i))
	}
}

func seedReviewItems(t *testing.T, s store.Store) {
	c := newCampaign(t, s, "quarterly", "q4")
	items := make([]store.ReviewItem, limitRows)
	for i := range items {
		items[i] = reviewItem(c, "g"+itoa(i), "ana", "ben")
	}
	_, err := s.CreateReviewItems(t.Context(), items)
	must(t, "create review items", err)
}

func seedJobs(t *testing.T, s store.Store) {
	for i := range limitRows {
		_, _, err := s.EnqueueJob(t.Context(), store.Job{Kind: "k", Key: "j" + itoa(i), RunAt: at(0)})
		must(t, "enqueue job", err)
	}
}

func seedDigests(t *testing.T, s store.Store) {
	p := newPerson(t, s, store.Person{UserName: "ana"})
	for i := range limitRows {
		_, _, err := s.OpenDigest(t.Context(), store.DigestKey{Channel: "email", PersonID: p.ID, Kind: "k", Subject: "s" + itoa(i), Day: "2026-03-14"}, at(time.Minute))
		must(t, "open digest", err)
	}
}

func seedAudit(t *testing.T, s store.Store) {
	for range limitRows {
		appendEvent(t, s, "person.created")
	}
}

func seedLinks(t *testing.T, s store.Store) {
	for i := range limitRows {
		p := newPerson(t, s, store.Person{UserName: "u" + itoa(i)})
		putLink(t, s, store.SourceLink{Source: "idp", ExternalID: "e" + itoa(i), PersonID: p.ID, Raw: []byte(`{"userName":"u` + itoa(i) + `"}`)})
	}
}

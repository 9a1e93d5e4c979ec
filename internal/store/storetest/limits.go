package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var limitTests = []test{
	{"every query reads Limit the same way", testLimits},
}

// limitRows is one more than a default page.
const limitRows = store.DefaultLimit + 1

// limitAction names the audit events testLimits appends.
const limitAction = "storetest.limit"

// testLimits checks that every query struct reads Limit the same way: 0
// is a page of store.DefaultLimit rows, n at most n, store.All every row.
// It seeds limitRows rows of each kind in one store (one schema to
// migrate, not one per query) and lists each kind through a filter that
// selects just its own rows.
func testLimits(t *testing.T, s store.Store) {
	ctx := t.Context()
	ana, ben, cyd := accessPeople(t, s)

	people := make([]store.Person, limitRows)
	for i := range people {
		people[i] = store.Person{UserName: "p" + itoa(i), Department: "limits", Status: store.StatusActive}
	}
	_, err := s.CreatePersons(ctx, people)
	must(t, "create persons", err)

	for i := range limitRows {
		_, err := s.CreateGrant(ctx, store.Grant{ItemID: "x" + itoa(i), HolderID: ana.ID, Assurance: store.AssuranceApproved,
			Start: at(0), End: at(time.Hour), State: store.GrantActive})
		must(t, "create grant", err)
		r := pendingRequest(ana, ben, cyd)
		r.CreatedAt = at(0)
		_, err = s.CreateRequest(ctx, r)
		must(t, "create request", err)
	}

	hub := newNHI(t, s, "hub")
	findings := make([]store.Finding, limitRows)
	tasks := make([]store.ReownershipTask, limitRows)
	for i := range limitRows {
		findings[i] = store.Finding{NHIID: hub.ID, Rule: "r" + itoa(i), State: store.FindingOpen, OpenedAt: at(0)}
		n, err := nhiTx(t, s).CreateNHI(ctx, store.NHI{Kind: store.KindServiceAccount, Name: "n" + itoa(i), Source: "api", Environment: "limits"})
		must(t, "create nhi", err)
		tasks[i] = store.ReownershipTask{NHIID: n.ID, Route: store.RouteFallbackTeam, AssigneeTeam: "sre", Deadline: at(time.Hour)}
	}
	_, err = s.CreateFindings(ctx, findings)
	must(t, "create findings", err)
	_, err = s.CreateTasks(ctx, tasks)
	must(t, "create tasks", err)

	gs := groupTx(t, s)
	for i := range limitRows {
		_, err := gs.CreateGroup(ctx, store.Group{Source: "limits", ExternalID: "g" + itoa(i), DisplayName: "G" + itoa(i)})
		must(t, "create group", err)
		newCampaign(t, s, "limits", "p"+itoa(i))
		_, _, err = s.EnqueueJob(ctx, store.Job{Kind: "limits", Key: "j" + itoa(i), RunAt: at(0)})
		must(t, "enqueue job", err)
		_, _, err = s.OpenDigest(ctx, store.DigestKey{Channel: "email", PersonID: ana.ID, Kind: "k", Subject: "s" + itoa(i), Day: "2026-03-14"}, at(time.Minute))
		must(t, "open digest", err)
		appendEvent(t, s, limitAction)
		p := newPerson(t, s, store.Person{UserName: "u" + itoa(i)})
		putLink(t, s, store.SourceLink{Source: "limits", ExternalID: "e" + itoa(i), PersonID: p.ID, Raw: []byte(`{"userName":"u` + itoa(i) + `"}`)})
	}
	c := newCampaign(t, s, "quarterly", "q4")
	items := make([]store.ReviewItem, limitRows)
	for i := range items {
		items[i] = reviewItem(c, "g"+itoa(i), "ana", "ben")
	}
	_, err = s.CreateReviewItems(ctx, items)
	must(t, "create review items", err)

	for _, tc := range []struct {
		name string
		list func(limit int) (int, error)
	}{
		{"persons", func(l int) (int, error) {
			r, err := s.ListPersons(ctx, store.PersonQuery{Department: "limits", Limit: l})
			return len(r), err
		}},
		{"grants", func(l int) (int, error) {
			r, err := s.ListGrants(ctx, store.GrantQuery{HolderID: ana.ID, Limit: l})
			return len(r), err
		}},
		{"grant scan", func(l int) (int, error) {
			r, err := s.ScanGrants(ctx, store.GrantScan{Limit: l})
			return len(r), err
		}},
		{"requests", func(l int) (int, error) {
			r, err := s.ListRequests(ctx, store.RequestQuery{RequesterID: ana.ID, Limit: l})
			return len(r), err
		}},
		{"request scan", func(l int) (int, error) {
			r, err := s.ScanRequests(ctx, store.RequestScan{From: at(-time.Hour), To: at(time.Hour), Limit: l})
			return len(r), err
		}},
		{"findings", func(l int) (int, error) {
			r, err := s.ListFindings(ctx, store.FindingQuery{NHIID: hub.ID, Limit: l})
			return len(r), err
		}},
		{"tasks", func(l int) (int, error) {
			r, err := s.ListTasks(ctx, store.TaskQuery{State: store.TaskOpen, Limit: l})
			return len(r), err
		}},
		{"nhis", func(l int) (int, error) {
			r, err := nhiTx(t, s).ListNHIs(ctx, store.NHIQuery{Environment: "limits", Limit: l})
			return len(r), err
		}},
		{"groups", func(l int) (int, error) {
			r, err := gs.ListGroups(ctx, store.GroupQuery{Source: "limits", Limit: l})
			return len(r), err
		}},
		{"campaigns", func(l int) (int, error) {
			r, err := s.ListCampaigns(ctx, store.CampaignQuery{Definition: "limits", Limit: l})
			return len(r), err
		}},
		{"review items", func(l int) (int, error) {
			r, err := s.ListReviewItems(ctx, store.ReviewItemQuery{CampaignID: c.ID, Limit: l})
			return len(r), err
		}},
		{"jobs", func(l int) (int, error) {
			r, err := s.ListJobs(ctx, store.JobQuery{Kind: "limits", Limit: l})
			return len(r), err
		}},
		{"digests", func(l int) (int, error) {
			r, err := s.ListDigests(ctx, store.DigestQuery{PersonID: ana.ID, Limit: l})
			return len(r), err
		}},
		{"audit events", func(l int) (int, error) {
			r, err := s.ListAuditEvents(ctx, store.AuditQuery{Actions: []string{limitAction}, Limit: l})
			return len(r), err
		}},
		{"audit trail", func(l int) (int, error) {
			r, err := s.ListAuditTrail(ctx, store.AuditTrailQuery{Actions: []string{limitAction}, Limit: l})
			return len(r), err
		}},
		{"user view", func(l int) (int, error) {
			r, total, err := s.ListUserView(ctx, store.ViewQuery{Source: "limits", Limit: l})
			if err == nil && total != limitRows {
				err = fmt.Errorf("total %d, want %d", total, limitRows)
			}
			return len(r), err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, want := range []struct{ limit, rows int }{{0, store.DefaultLimit}, {3, 3}, {store.All, limitRows}} {
				got, err := tc.list(want.limit)
				must(t, fmt.Sprintf("list with limit %d", want.limit), err)
				if got != want.rows {
					t.Errorf("limit %d: %d rows, want %d", want.limit, got, want.rows)
				}
			}
		})
	}
}

package nhi

import (
	"reflect"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) *time.Time { t := now.Add(-d); return &t }

const dayDur = 24 * time.Hour

func testInventory(n store.NHI) Inventory {
	return Inventory{
		NHIs: []store.NHI{n},
		Persons: map[string]store.PersonRef{
			"alice": {ID: "alice", UserName: "alice", Status: store.StatusActive},
			"bob":   {ID: "bob", UserName: "bob", Status: store.StatusDisabled, ManagerID: "alice"},
			"carl":  {ID: "carl", UserName: "carl", Status: store.StatusTerminated},
		},
		Projects: map[string]store.Project{
			"live":   {ID: "live", Name: "live", Status: store.ProjectActive, EndDate: new(now.Add(dayDur))},
			"over":   {ID: "over", Name: "over", Status: store.ProjectActive, EndDate: ago(dayDur)},
			"today":  {ID: "today", Name: "today", Status: store.ProjectActive, EndDate: new(now)},
			"closed": {ID: "closed", Name: "closed", Status: store.ProjectClosed},
			"open":   {ID: "open", Name: "open", Status: store.ProjectActive},
		},
	}
}

var testPolicy = Policy{Thresholds: []Threshold{
	{Kind: store.KindAPIKey, Environment: "prod", RotateEvery: 90 * dayDur, UnusedAfter: 30 * dayDur},
	{Kind: store.KindAPIKey, RotateEvery: 180 * dayDur},
	{Environment: "dev"},
	{RotateEvery: 365 * dayDur, UnusedAfter: 90 * dayDur},
}}

func TestRules(t *testing.T) {
	base := store.NHI{ID: "n1", Kind: store.KindServiceAccount, Name: "svc", Status: store.NHIActive, OwnerID: "alice", CreatedAt: now.Add(-10 * dayDur)}
	with := func(f func(*store.NHI)) store.NHI { n := base; f(&n); return n }
	cases := []struct {
		name string
		nhi  store.NHI
		want []Hit
	}{
		{"healthy", base, nil},
		{"no owner", with(func(n *store.NHI) { n.OwnerID = "" }), []Hit{{"n1", RuleNoOwner, "no owner recorded"}}},
		{"dangling owner ref", with(func(n *store.NHI) { n.OwnerID, n.OwnerRef = "", "uid=ghost,ou=people" }),
			[]Hit{{"n1", RuleNoOwner, `owner reference "uid=ghost,ou=people" resolves to nobody`}}},
		{"owner id of nobody", with(func(n *store.NHI) { n.OwnerID = "zed" }), []Hit{{"n1", RuleNoOwner, "owner zed does not exist"}}},
		{"no owner but team", with(func(n *store.NHI) { n.OwnerID, n.OwningTeam = "", "sre" }), nil},
		{"disabled owner", with(func(n *store.NHI) { n.OwnerID = "bob" }),
			[]Hit{{"n1", RuleOwnerInactive, "owner bob is disabled and no active co-owner or owning team is recorded"}}},
		{"terminated owner", with(func(n *store.NHI) { n.OwnerID = "carl" }),
			[]Hit{{"n1", RuleOwnerInactive, "owner carl is terminated and no active co-owner or owning team is recorded"}}},
		{"inactive owner, active co-owner", with(func(n *store.NHI) { n.OwnerID, n.CoOwnerIDs = "bob", []string{"carl", "alice"} }), nil},
		{"inactive owner, inactive co-owner", with(func(n *store.NHI) { n.OwnerID, n.CoOwnerIDs = "bob", []string{"carl"} }),
			[]Hit{{"n1", RuleOwnerInactive, "owner bob is disabled and no active co-owner or owning team is recorded"}}},
		{"inactive owner, team", with(func(n *store.NHI) { n.OwnerID, n.OwningTeam = "carl", "sre" }), nil},
		{"project live", with(func(n *store.NHI) { n.ProjectID = "live" }), nil},
		{"project without end", with(func(n *store.NHI) { n.ProjectID = "open" }), nil},
		{"project ended", with(func(n *store.NHI) { n.ProjectID = "over" }), []Hit{{"n1", RuleProjectEnded, `project "over" ended on 2026-05-31`}}},
		{"project ends now", with(func(n *store.NHI) { n.ProjectID = "today" }), []Hit{{"n1", RuleProjectEnded, `project "today" ended on 2026-06-01`}}},
		{"project closed", with(func(n *store.NHI) { n.ProjectID = "closed" }), []Hit{{"n1", RuleProjectEnded, `project "closed" is closed`}}},
		{"unknown project id", with(func(n *store.NHI) { n.ProjectID = "gone" }), nil},
		{"expires tomorrow", with(func(n *store.NHI) { n.ExpiresAt = new(now.Add(dayDur)) }), nil},
		{"expired", with(func(n *store.NHI) { n.ExpiresAt = ago(2 * dayDur) }), []Hit{{"n1", RuleCredentialExpired, "expired on 2026-05-30 but still active"}}},
		{"expired but disabled", with(func(n *store.NHI) { n.ExpiresAt, n.Status, n.OwnerID = ago(2*dayDur), store.NHIDisabled, "" }), nil},
		{"retired raises nothing", with(func(n *store.NHI) { n.Status, n.OwnerID = store.NHIRetired, "" }), nil},
		{"prod api key rotated 91 days ago", with(func(n *store.NHI) { n.Kind, n.Environment, n.RotatedAt = store.KindAPIKey, "prod", ago(91*dayDur) }),
			[]Hit{{"n1", RuleRotationOverdue, "last rotated 2026-03-02, 91 days ago; policy for prod api-key is 90 days"}}},
		{"prod api key rotated 89 days ago", with(func(n *store.NHI) { n.Kind, n.Environment, n.RotatedAt = store.KindAPIKey, "prod", ago(89*dayDur) }), nil},
		{"staging api key 91 days: 180-day policy", with(func(n *store.NHI) { n.Kind, n.Environment, n.RotatedAt = store.KindAPIKey, "staging", ago(91*dayDur) }), nil},
		{"staging api key never rotated, created 200 days ago", with(func(n *store.NHI) {
			n.Kind, n.Environment, n.CreatedAt = store.KindAPIKey, "staging", now.Add(-200*dayDur)
		}), []Hit{{"n1", RuleRotationOverdue, "created 2025-11-13, 200 days ago; policy for staging api-key is 180 days"}}},
		{"dev: rules off", with(func(n *store.NHI) {
			n.Environment, n.RotatedAt, n.LastUsedAt = "dev", ago(1000*dayDur), ago(1000*dayDur)
		}), nil},
		{"prod api key unused 31 days", with(func(n *store.NHI) { n.Kind, n.Environment, n.LastUsedAt = store.KindAPIKey, "prod", ago(31*dayDur) }),
			[]Hit{{"n1", RuleUnused, "last used 2026-05-01, 31 days ago; threshold for prod api-key is 30 days"}}},
		{"no use reported", with(func(n *store.NHI) { n.Kind, n.Environment = store.KindAPIKey, "prod" }), nil},
		{"staging api key unused: no threshold", with(func(n *store.NHI) { n.Kind, n.Environment, n.LastUsedAt = store.KindAPIKey, "staging", ago(500*dayDur) }), nil},
		{"general threshold unused", with(func(n *store.NHI) { n.LastUsedAt = ago(91 * dayDur) }),
			[]Hit{{"n1", RuleUnused, "last used 2026-03-02, 91 days ago; threshold for service-account is 90 days"}}},
		{"everything at once", with(func(n *store.NHI) {
			n.OwnerID, n.ProjectID, n.ExpiresAt, n.RotatedAt, n.LastUsedAt, n.Environment = "carl", "closed", ago(dayDur), ago(400*dayDur), ago(100*dayDur), "qa"
		}), []Hit{
			{"n1", RuleOwnerInactive, "owner carl is terminated and no active co-owner or owning team is recorded"},
			{"n1", RuleProjectEnded, `project "closed" is closed`},
			{"n1", RuleCredentialExpired, "expired on 2026-05-31 but still active"},
			{"n1", RuleRotationOverdue, "last rotated 2025-04-27, 400 days ago; policy for qa service-account is 365 days"},
			{"n1", RuleUnused, "last used 2026-02-21, 100 days ago; threshold for qa service-account is 90 days"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Evaluate(testInventory(tc.nhi), testPolicy, now)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("hits:\n got %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestPolicyFor(t *testing.T) {
	cases := []struct {
		kind store.NHIKind
		env  string
		want Threshold
	}{
		{store.KindAPIKey, "prod", testPolicy.Thresholds[0]},
		{store.KindAPIKey, "", testPolicy.Thresholds[1]},
		{store.KindToken, "dev", testPolicy.Thresholds[2]},
		{store.KindToken, "prod", testPolicy.Thresholds[3]},
	}
	for _, tc := range cases {
		if got := testPolicy.For(tc.kind, tc.env); got != tc.want {
			t.Errorf("For(%s, %q) = %+v, want %+v", tc.kind, tc.env, got, tc.want)
		}
	}
	if got := (Policy{}).For(store.KindToken, "prod"); got != (Threshold{}) {
		t.Errorf("empty policy: %+v", got)
	}
}

func TestRoute(t *testing.T) {
	inv := Inventory{
		Persons: map[string]store.PersonRef{
			"leaver":   {ID: "leaver", Status: store.StatusTerminated, ManagerID: "boss"},
			"boss":     {ID: "boss", Status: store.StatusActive},
			"orphan":   {ID: "orphan", Status: store.StatusTerminated, ManagerID: "goneboss"},
			"goneboss": {ID: "goneboss", Status: store.StatusDisabled},
			"po":       {ID: "po", Status: store.StatusActive},
		},
		Projects: map[string]store.Project{
			"p":  {ID: "p", OwnerID: "po"},
			"p2": {ID: "p2", OwnerID: "goneboss"},
		},
	}
	cases := []struct {
		name             string
		nhi              store.NHI
		route, who, team string
	}{
		{"manager", store.NHI{OwnerID: "leaver", ProjectID: "p"}, store.RouteManager, "boss", ""},
		{"inactive manager: project owner", store.NHI{OwnerID: "orphan", ProjectID: "p"}, store.RouteProjectOwner, "po", ""},
		{"inactive manager and project owner: team", store.NHI{OwnerID: "orphan", ProjectID: "p2"}, store.RouteFallbackTeam, "", "security"},
		{"no manager, no project: team", store.NHI{OwnerID: "po"}, store.RouteFallbackTeam, "", "security"},
		{"owner owns the project: team", store.NHI{OwnerID: "po", ProjectID: "p"}, store.RouteFallbackTeam, "", "security"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, who, team := Route(&tc.nhi, inv, "security")
			if r != tc.route || who != tc.who || team != tc.team {
				t.Fatalf("Route = %s %q %q, want %s %q %q", r, who, team, tc.route, tc.who, tc.team)
			}
		})
	}
}

func TestReconcile(t *testing.T) {
	later := now.Add(time.Hour)
	open := store.Finding{ID: 1, NHIID: "a", Rule: RuleNoOwner, Reason: "no owner recorded", State: store.FindingOpen, OpenedAt: now, UpdatedAt: now}
	acked := store.Finding{ID: 2, NHIID: "b", Rule: RuleUnused, Reason: "r", State: store.FindingAcknowledged, AckBy: "x", AckJustification: "j", AckExpiresAt: new(now.Add(30 * time.Minute))}
	ackedLong := acked
	ackedLong.AckExpiresAt = new(now.Add(48 * time.Hour))
	cases := []struct {
		name     string
		existing []store.Finding
		hits     []Hit
		scope    map[string]bool
		counts   Counts
		events   []string
		states   []store.FindingState
	}{
		{"new hit opens", nil, []Hit{{"a", RuleNoOwner, "no owner recorded"}}, nil, Counts{Opened: 1}, nil, nil},
		{"same hit: nothing", []store.Finding{open}, []Hit{{"a", RuleNoOwner, "no owner recorded"}}, nil, Counts{}, nil, nil},
		{"duplicate hits count once", nil, []Hit{{"a", RuleNoOwner, "x"}, {"a", RuleNoOwner, "x"}}, nil, Counts{Opened: 1}, nil, nil},
		{"reason changed updates", []store.Finding{open}, []Hit{{"a", RuleNoOwner, "owner reference \"x\" resolves to nobody"}}, nil,
			Counts{Updated: 1}, []string{EventUpdated}, []store.FindingState{store.FindingOpen}},
		{"gone resolves", []store.Finding{open}, nil, nil, Counts{Resolved: 1}, []string{EventResolved}, []store.FindingState{store.FindingResolved}},
		{"out of scope stays", []store.Finding{open}, nil, map[string]bool{"b": true}, Counts{}, nil, nil},
		{"ack expired and firing reopens", []store.Finding{acked}, []Hit{{"b", RuleUnused, "r"}}, nil,
			Counts{Reopened: 1}, []string{EventReopened}, []store.FindingState{store.FindingOpen}},
		{"ack valid and firing stays", []store.Finding{ackedLong}, []Hit{{"b", RuleUnused, "r"}}, nil, Counts{}, nil, nil},
		{"acked and gone resolves", []store.Finding{ackedLong}, nil, nil, Counts{Resolved: 1}, []string{EventResolved}, []store.FindingState{store.FindingResolved}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := Reconcile(tc.existing, tc.hits, tc.scope, later)
			if p.Counts != tc.counts {
				t.Fatalf("counts %+v, want %+v", p.Counts, tc.counts)
			}
			if len(p.Create) != tc.counts.Opened {
				t.Fatalf("created %d", len(p.Create))
			}
			var events []string
			for _, e := range p.Events {
				events = append(events, e.Kind)
			}
			var states []store.FindingState
			for _, f := range p.Save {
				states = append(states, f.State)
				if f.State == store.FindingResolved && (f.ResolvedAt == nil || !f.ResolvedAt.Equal(later)) {
					t.Fatalf("resolved without time: %+v", f)
				}
				if f.State == store.FindingOpen && f.AckExpiresAt != nil {
					t.Fatalf("reopened keeps its acknowledgement: %+v", f)
				}
			}
			if !reflect.DeepEqual(events, tc.events) || !reflect.DeepEqual(states, tc.states) {
				t.Fatalf("events %v states %v, want %v %v", events, states, tc.events, tc.states)
			}
		})
	}
}

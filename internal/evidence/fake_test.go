package evidence

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
)

// synthCampaign is a CampaignSource of n review items made up on the fly
// (nothing held in memory), for the export benchmark: about 10% revoked
// (remediation verified, some failed), 2% undecided, a third requested.
type synthCampaign struct {
	n    int64
	base time.Time
}

func newSynthCampaign(n int64) *synthCampaign {
	return &synthCampaign{n: n, base: time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)}
}

const synthID = "bench-campaign"

var synthSources = []string{"requested", "birthright", "imported"}

func (s *synthCampaign) item(i int64) store.ReviewItem {
	start := s.base.Add(-time.Duration(i%9000) * time.Hour)
	exp := start.Add(365 * 24 * time.Hour)
	used := s.base.Add(-time.Duration(i%700) * time.Hour)
	src := synthSources[i%3]
	holder := "p" + strconv.FormatInt(i%50000, 10)
	mgr := "p" + strconv.FormatInt(50000+i%2000, 10)
	it := store.ReviewItem{
		ID: i, CampaignID: synthID, GrantID: fmt.Sprintf("g%08d", i), HolderID: holder, ItemID: "item-" + strconv.FormatInt(i%200, 10),
		Snapshot: store.ReviewSnapshot{HolderName: "Person " + holder, HolderDept: "Dept " + strconv.FormatInt(i%40, 10), JobFunctions: []string{"fn-" + strconv.FormatInt(i%30, 10)},
			ItemName: "Item " + strconv.FormatInt(i%200, 10), RiskTier: "high", Source: src, Assurance: "approved", Start: start, Expiry: &exp, LastUsedAt: &used},
		ReviewerIDs: []string{mgr}, Route: "manager", Recommendation: store.RecommendKeep, Reason: "used in the last 30 days", State: store.ItemFinal,
	}
	decided := s.base.Add(48*time.Hour + time.Duration(i)*time.Second)
	switch {
	case i%50 == 7:
		it.State = store.ItemPending
	case i%10 == 0:
		req, ful, ver := decided.Add(time.Minute), decided.Add(2*time.Minute), decided.Add(time.Hour)
		it.Decision, it.Recommendation, it.Reason = store.DecisionRevoke, store.RecommendRevoke, "unused for 120 days"
		it.Remediation = store.Remediation{State: store.RemediationVerified, RequestedAt: &req, FulfilledAt: &ful, Adapter: "ldap-group", VerifiedAt: &ver, VerifiedRun: 1000 + i%97, VerifySource: "corp-ldap"}
		if i%1000 == 0 {
			it.Remediation.State, it.Remediation.VerifiedAt, it.Remediation.FailedAt, it.Remediation.Error = store.RemediationFailed, nil, &ver, "ldap: insufficient access"
		}
	default:
		it.Decision = store.DecisionCertify
	}
	if it.Decision != "" {
		it.DecidedBy, it.DecidedIssuer, it.DecidedSubject, it.DecidedAt, it.Justification = mgr, "https://idp.example", "sub-"+mgr, &decided, "still needed for the close"
	}
	return it
}

func (s *synthCampaign) GetCampaign(_ context.Context, id string) (store.Campaign, error) {
	if id != synthID {
		return store.Campaign{}, store.ErrNotFound
	}
	closed := s.base.Add(14 * 24 * time.Hour)
	return store.Campaign{ID: synthID, Definition: "bench", DefinitionVersion: "abc", Period: "2026-Q4", Kind: store.CampaignGrants, State: store.CampaignClosed,
		Stages: 1, StartedAt: s.base, StageDueAt: closed, DueAt: closed, ClosedAt: &closed, Generated: int(s.n),
		Parameters: []byte(`{"name":"bench","scope":"true","stages":[{"reviewers":["manager"]}],"default":"revoke","capPercent":10}`)}, nil
}

func (s *synthCampaign) CountReviewItems(context.Context, string) (store.ReviewCounts, error) {
	var c store.ReviewCounts
	c.Remediation = map[store.RemediationState]int{}
	c.ByStage = map[int]store.StageCounts{}
	for i := int64(1); i <= s.n; i++ {
		it := s.item(i)
		c.Total++
		switch it.Decision {
		case store.DecisionCertify:
			c.Certified++
		case store.DecisionRevoke:
			c.Revoked++
		default:
			c.Undecided++
		}
		if it.Remediation.State != "" {
			c.Remediation[it.Remediation.State]++
		}
	}
	c.ByStage[0] = store.StageCounts{Total: c.Total, Certified: c.Certified, Revoked: c.Revoked, Undecided: c.Undecided}
	return c, nil
}

func (s *synthCampaign) ListReviewItems(_ context.Context, q store.ReviewItemQuery) ([]store.ReviewItem, error) {
	if q.HolderID != "" {
		return nil, nil // the extra grants' holders were never revoked by the campaign
	}
	var out []store.ReviewItem
	for i := q.AfterID + 1; i <= s.n && len(out) < q.Limit; i++ {
		it := s.item(i)
		if q.Decision != nil && it.Decision != *q.Decision {
			continue
		}
		if q.Remediation != nil && !slices.Contains(q.Remediation, it.Remediation.State) {
			continue
		}
		out = append(out, it)
	}
	return out, nil
}

func (s *synthCampaign) ListReviewDecisions(_ context.Context, _ string, _ int64, after int64, limit int) ([]store.ReviewDecision, error) {
	var out []store.ReviewDecision
	for i := after + 1; i <= s.n && len(out) < limit; i++ {
		it := s.item(i)
		if it.Decision == "" {
			continue
		}
		out = append(out, store.ReviewDecision{ID: i, ItemID: i, CampaignID: synthID, Decision: it.Decision, ReviewerID: it.DecidedBy,
			Issuer: it.DecidedIssuer, Subject: it.DecidedSubject, Justification: it.Justification, RecommendationShown: it.Recommendation,
			ReasonShown: it.Reason, CreatedAt: *it.DecidedAt})
	}
	return out, nil
}

func (s *synthCampaign) person(id string) store.Person {
	n, _ := strconv.Atoi(id[1:])
	p := store.Person{ID: id, UserName: "user" + id, DisplayName: "Person " + id, EmployeeNumber: "E" + id[1:], Title: "Analyst", Department: "Dept"}
	if n < 50000 {
		p.ManagerID = "p" + strconv.Itoa(50000+n%2000)
	}
	return p
}

func (s *synthCampaign) GetPerson(_ context.Context, id string) (store.Person, error) {
	return s.person(id), nil
}

func (s *synthCampaign) ListPersonsByID(_ context.Context, ids []string) ([]store.Person, error) {
	out := make([]store.Person, len(ids))
	for i, id := range ids {
		out[i] = s.person(id)
	}
	return out, nil
}

func (s *synthCampaign) grant(i int64) store.Grant {
	it := s.item(i)
	g := store.Grant{ID: fmt.Sprintf("g%08d", i), ItemID: it.ItemID, HolderID: it.HolderID, Assurance: store.AssuranceApproved,
		Start: it.Snapshot.Start, End: *it.Snapshot.Expiry, State: store.GrantActive, CreatedAt: it.Snapshot.Start}
	if i > s.n {
		g.CreatedAt = s.base.Add(20 * 24 * time.Hour)
	}
	switch i % 3 {
	case 1:
		g.Assurance = store.AssuranceBirthright
	case 2:
		g.Assurance = store.AssuranceImported
	default:
		g.RequestID, g.DecisionID, g.ApproverIDs = fmt.Sprintf("r%08d", i), i, it.ReviewerIDs
	}
	return g
}

func (s *synthCampaign) ListGrantsByID(_ context.Context, ids []string) ([]store.Grant, error) {
	out := make([]store.Grant, 0, len(ids))
	for _, id := range ids {
		n, _ := strconv.ParseInt(id[1:], 10, 64)
		out = append(out, s.grant(n))
	}
	return out, nil
}

func (s *synthCampaign) ScanGrants(_ context.Context, q store.GrantScan) ([]store.Grant, error) {
	var after int64
	if q.AfterID != "" {
		after, _ = strconv.ParseInt(q.AfterID[1:], 10, 64)
	}
	var out []store.Grant
	for i := after + 1; i <= s.n+s.extra() && len(out) < q.Limit; i++ {
		out = append(out, s.grant(i))
	}
	return out, nil
}

func (s *synthCampaign) GetRequest(_ context.Context, id string) (store.AccessRequest, error) {
	n, _ := strconv.ParseInt(id[1:], 10, 64)
	g := s.grant(n)
	return store.AccessRequest{ID: id, ItemID: g.ItemID, RequesterID: g.HolderID, BeneficiaryID: g.HolderID, Justification: "quarter close",
		Start: g.Start, End: g.End, State: store.RequestApproved, CatalogVersion: "v7", DecisionID: n, CreatedAt: g.Start.Add(-time.Hour),
		Stages: []store.ApprovalStage{{Name: "manager", Approvers: g.ApproverIDs, Quorum: 1, Approved: g.ApproverIDs}}}, nil
}

func (s *synthCampaign) GetPolicyDecision(_ context.Context, id int64) (store.PolicyDecision, error) {
	return store.PolicyDecision{ID: id, Outcome: "approval", Rule: "manager-approves", Reasons: []string{"risk high"}, Explanation: "the manager approves high-risk items"}, nil
}

func (s *synthCampaign) ListApproverDecisions(_ context.Context, id string) ([]store.ApproverDecision, error) {
	r, _ := s.GetRequest(context.Background(), id)
	return []store.ApproverDecision{{RequestID: id, ApproverID: r.Stages[0].Approvers[0], Approve: true, CreatedAt: r.CreatedAt.Add(time.Hour)}}, nil
}

func (s *synthCampaign) ScanRequests(context.Context, store.RequestScan) ([]store.AccessRequest, error) {
	return nil, nil
}

func (s *synthCampaign) ListGrantsByRequest(context.Context, []string) ([]store.Grant, error) {
	return nil, nil
}

const synthEvents = 2000

func (s *synthCampaign) ListAudit(_ context.Context, after int64, limit int) ([]store.AuditEvent, error) {
	var out []store.AuditEvent
	for i := after + 1; i <= synthEvents && len(out) < limit; i++ {
		target := "campaign:" + synthID
		if i%2 == 0 {
			target = fmt.Sprintf("grant:g%08d", i*10)
		}
		out = append(out, store.AuditEvent{Seq: i, Time: s.base.Add(time.Duration(i) * time.Second), Actor: "system", Action: "campaign.decided",
			Target: target, Details: []byte(`{"n":1}`), PrevHash: fmt.Sprintf("%064x", i-1), Hash: fmt.Sprintf("%064x", i)})
	}
	return out, nil
}

func (s *synthCampaign) GetAuditHead(context.Context) (store.AuditHead, error) {
	return store.AuditHead{Seq: synthEvents, Hash: fmt.Sprintf("%064x", synthEvents)}, nil
}

// synthExtra is how many grants the synthetic directory holds beyond the
// campaign's: granted after launch, in scope, not reviewed.
func (s *synthCampaign) extra() int64 { return s.n / 1000 }

func (s *synthCampaign) ListGrants(context.Context, store.GrantQuery) ([]store.Grant, error) {
	return nil, nil
}

func (s *synthCampaign) ListAuditByTarget(_ context.Context, targets []string, _ int) ([]store.AuditEvent, error) {
	if len(targets) == 1 && targets[0] == "campaign:"+synthID {
		return []store.AuditEvent{{Seq: 3, Action: "campaign.generated", Target: targets[0]}, {Seq: 1, Action: "campaign.started", Target: targets[0]}}, nil
	}
	return nil, nil
}

// ListAuditByAction gives a person event every 100 events: the holder
// p<seq> had another title and department at launch.
func (s *synthCampaign) ListAuditByAction(_ context.Context, after int64, actions []string, limit int) ([]store.AuditEvent, error) {
	var out []store.AuditEvent
	for i := (after/100 + 1) * 100; i <= synthEvents && len(out) < limit; i += 100 {
		out = append(out, store.AuditEvent{Seq: i, Action: "person.updated", Target: fmt.Sprintf("person:p%d", i),
			Details: []byte(`{"changes":[{"attribute":"title","new":"Analyst","old":"Trainee","source":"hr"},{"attribute":"department","new":"Dept","old":"Before","source":"hr"}],"source":"hr"}`)})
	}
	return out, nil
}

func (s *synthCampaign) ListCampaignItemsByGrant(_ context.Context, _ string, ids []string) ([]store.ReviewItem, error) {
	var out []store.ReviewItem
	for _, id := range ids {
		n, _ := strconv.ParseInt(id[1:], 10, 64)
		if n >= 1 && n <= s.n {
			out = append(out, s.item(n))
		}
	}
	return out, nil
}

func (s *synthCampaign) ListOpenJobFunctionsOf(_ context.Context, ids []string) (map[string][]string, error) {
	out := make(map[string][]string, len(ids))
	for _, id := range ids {
		n, _ := strconv.Atoi(id[1:])
		out[id] = []string{"fn-" + strconv.Itoa(n%30)}
	}
	return out, nil
}

func (s *synthCampaign) GetNHI(context.Context, string) (store.NHI, error) {
	return store.NHI{}, store.ErrNotFound
}

func (s *synthCampaign) ListNHIs(context.Context, store.NHIQuery) ([]store.NHI, error) {
	return nil, nil
}

func (s *synthCampaign) ListFindings(context.Context, store.FindingQuery) ([]store.Finding, error) {
	return nil, nil
}

// freshPopulation is the exporter's Population as serve wires it:
// package review's EvaluatePopulation (definitions are not needed for
// campaigns that stored their parameters; the catalog is empty).
func freshPopulation(tb testing.TB) PopulationFunc {
	svc, err := review.NewService(nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return reviewPopulation(svc)
}

// reviewPopulation wires svc's EvaluatePopulation as an exporter's
// Population.
func reviewPopulation(svc *review.Service) PopulationFunc {
	return func(ctx context.Context, src CampaignSource, c store.Campaign, fn func([]store.ClosePopulationRow) error) (string, error) {
		scope, _, err := svc.EvaluatePopulation(ctx, src, c, fn)
		return scope, err
	}
}

// GetCloseEvaluation: the synthetic campaign's population was stored at
// its close.
func (s *synthCampaign) GetCloseEvaluation(ctx context.Context, id string) (store.CloseEvaluation, error) {
	c, err := s.GetCampaign(ctx, id)
	if err != nil {
		return store.CloseEvaluation{}, err
	}
	return store.CloseEvaluation{CampaignID: id, EvaluatedAt: *c.ClosedAt, Scope: "true", Rows: int(s.n - s.n/10 + s.n/1000 + s.extra())}, nil
}

// ListClosePopulation makes the rows stored at close up on the fly: row i
// is grant i, every grant but those whose revoke was verified removed
// (the failed ones are still held), then the extra grants.
func (s *synthCampaign) ListClosePopulation(_ context.Context, _ string, after int64, limit int) ([]store.ClosePopulationRow, error) {
	var out []store.ClosePopulationRow
	for i := after + 1; i <= s.n+s.extra() && len(out) < limit; i++ {
		g := s.grant(i)
		holder := s.person(g.HolderID)
		r := store.ClosePopulationRow{CampaignID: synthID, Seq: i, GrantID: g.ID, HolderID: g.HolderID, HolderName: holder.DisplayName,
			EmployeeNumber: holder.EmployeeNumber, Department: holder.Department, Title: holder.Title, ManagerID: holder.ManagerID,
			ManagerName: "Person " + holder.ManagerID, HolderStatus: "active", ItemID: g.ItemID, ItemName: "Item " + g.ItemID[5:], ItemOwnerID: "p50001",
			ItemOwnerName: "Person p50001", Risk: "high", ObtainedBy: synthSources[i%3], Assurance: g.Assurance, RequestID: g.RequestID,
			Start: g.Start, InScope: true}
		if i <= s.n {
			it := s.item(i)
			if it.Decision == store.DecisionRevoke && it.Remediation.State == store.RemediationVerified {
				continue
			}
			r.Expiry, r.LastUsedAt = it.Snapshot.Expiry, it.Snapshot.LastUsedAt
			r.ReviewItemID, r.Decision, r.Remediation, r.RevokedStillHeld = it.ID, it.Decision, it.Remediation.State, it.Decision == store.DecisionRevoke
		} else {
			r.Note = "granted at " + g.CreatedAt.Format(time.RFC3339) + ", after the campaign started"
		}
		out = append(out, r)
	}
	return out, nil
}

// ListRequestsExtending: every 50th requested grant was extended once.
func (s *synthCampaign) ListRequestsExtending(ctx context.Context, ids []string) ([]store.AccessRequest, error) {
	var out []store.AccessRequest
	for _, id := range ids {
		n, _ := strconv.ParseInt(id[1:], 10, 64)
		if n%3 == 0 && n%50 == 0 {
			r, _ := s.GetRequest(ctx, fmt.Sprintf("r%08d", n))
			r.ID, r.ExtendsGrantID, r.CreatedAt = fmt.Sprintf("x%08d", n), id, s.base.Add(-24*time.Hour)
			out = append(out, r)
		}
	}
	return out, nil
}

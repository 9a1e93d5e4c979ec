package notify_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/jobs"
	"github.com/syncd-dev/syncd/internal/notify"
	"github.com/syncd-dev/syncd/internal/notify/smtpsink"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
)

// accessFor is the access service with one item that the approver must
// approve.
func accessFor(t *testing.T, f *fixture, approver, owner string) *access.Service {
	t.Helper()
	cat := &catalog.Catalog{Items: []catalog.Item{{
		ItemSpec: policy.ItemSpec{ID: "ledger", Name: "General ledger", Kind: "app-role", Risk: policy.RiskMedium, OwnerID: owner,
			Stages:      []policy.StageSpec{{Name: "finance", Approvers: []policy.ApproverSpec{{Persons: []string{approver}}}}},
			MaxDuration: 30 * 24 * time.Hour},
		Fulfillment: catalog.Fulfillment{Type: "manual"},
	}}}
	svc, err := access.NewService(f.st, cat, map[string]access.Fulfiller{"manual": access.Manual{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc.Now = f.clk.now
	return svc
}

// TestApprovalRequestMailsApproverOnce: a request needing approval makes
// exactly one mail to the approver, linking to the request, however often
// dispatch and delivery run; the requester's mail says it was decided.
func TestApprovalRequestMailsApproverOnce(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			f := newFixture(t, pg)
			olga := f.person(t, "olga", "Olga Owner", "olga@example.com")
			ana := f.person(t, "ana", "Ana Approver", "ana@example.com")
			rex := f.person(t, "rex", "Rex Requester", "rex@example.com")
			svc := accessFor(t, f, ana.ID, olga.ID)
			out, err := svc.Submit(t.Context(), access.Submission{RequesterID: rex.ID, ItemID: "ledger", Justification: "month-end close"})
			if err != nil || out.Request.State != store.RequestPending {
				t.Fatalf("submit: %v %+v", err, out.Request)
			}
			f.drain(t) // within the digest window: nothing yet
			if n := len(f.sink.Messages()); n != 0 {
				t.Fatalf("%d mail(s) before the window closed", n)
			}
			f.clk.add(2 * time.Minute)
			f.drain(t)
			f.drain(t)
			ms := f.waitMail(t, 1)
			if len(ms) != 1 {
				t.Fatalf("want one mail, got:\n%s", describe(ms))
			}
			m := ms[0]
			link := "https://syncd.example.com/requests/" + out.Request.ID
			if len(m.To) != 1 || m.To[0] != "ana@example.com" || m.From != "syncd@example.com" ||
				!strings.HasPrefix(m.Subject(), "Approval needed: ") || !strings.Contains(text(m), link) ||
				!strings.Contains(html(m), `href="`+link+`"`) || !strings.Contains(m.Header.Get("To"), "Ana Approver") {
				t.Fatalf("mail: to %v from %s subject %q\n%s", m.To, m.From, m.Subject(), m.Data)
			}
			if f.obs.get("email/ok") != 1 {
				t.Fatalf("metrics: %+v", f.obs.n)
			}
			// The approver approves: the requester hears of it once.
			if _, err := svc.Decide(t.Context(), ana.ID, out.Request.ID, true, "ok"); err != nil {
				t.Fatal(err)
			}
			f.clk.add(2 * time.Minute)
			f.drain(t)
			f.waitMail(t, 2)
			f.drain(t)
			if ms = f.sink.Messages(); len(ms) != 2 || ms[1].To[0] != "rex@example.com" ||
				!strings.HasPrefix(ms[1].Subject(), "Your request was decided") || !strings.Contains(text(ms[1]), link) {
				t.Fatalf("after the decision:\n%s", describe(ms))
			}
		})
	}
}

// TestNoMailAboutFinishedWork: a request decided before its digest goes
// out is not mailed; the digest is dropped.
func TestNoMailAboutFinishedWork(t *testing.T) {
	f := newFixture(t, false)
	olga := f.person(t, "olga", "Olga Owner", "olga@example.com")
	ana := f.person(t, "ana", "Ana Approver", "ana@example.com")
	rex := f.person(t, "rex", "Rex Requester", "")
	svc := accessFor(t, f, ana.ID, olga.ID)
	out, err := svc.Submit(t.Context(), access.Submission{RequesterID: rex.ID, ItemID: "ledger", Justification: "x"})
	if err != nil {
		t.Fatal(err)
	}
	f.drain(t)
	if _, err := svc.Decide(t.Context(), ana.ID, out.Request.ID, false, "not needed"); err != nil {
		t.Fatal(err)
	}
	f.clk.add(2 * time.Minute)
	f.drain(t)
	if ms := f.sink.Messages(); len(ms) != 0 {
		t.Fatalf("mailed about finished work:\n%s", describe(ms))
	}
	states := map[store.DigestState]int{}
	for _, d := range f.digests(t) {
		states[d.State]++
	}
	// The approval digest is dropped (decided); the requester has no address.
	if states[store.DigestDropped] != 2 || f.obs.get("email/dropped") != 2 {
		t.Fatalf("digests %v, metrics %v", states, f.obs.n)
	}
}

// campaign makes an active campaign with n pending items for reviewer.
func campaign(t *testing.T, f *fixture, reviewer, holder string, n int) store.Campaign {
	t.Helper()
	now := f.clk.now()
	c, err := f.st.CreateCampaign(t.Context(), store.Campaign{Definition: "quarterly", Period: "2026-Q2", Kind: "grants", State: store.CampaignActive,
		Stages: 1, StartedBy: "schedule", StartedAt: now, StageDueAt: now.Add(14 * 24 * time.Hour), DueAt: now.Add(14 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var items []store.ReviewItem
	for i := range n {
		items = append(items, store.ReviewItem{CampaignID: c.ID, GrantID: fmt.Sprintf("g-%d", i), HolderID: holder, ItemID: "ledger",
			ReviewerIDs: []string{reviewer}, Route: "manager", Recommendation: "keep", State: store.ItemPending})
	}
	if _, err := f.st.CreateReviewItems(t.Context(), items); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDigestOfManyReviewItems: 300 notices for one reviewer and one
// campaign become one mail; a notice after it was sent waits for the next
// day's digest (at most one mail per kind, subject and day).
func TestDigestOfManyReviewItems(t *testing.T) {
	f := newFixture(t, false)
	rita := f.person(t, "rita", "Rita Reviewer", "rita@example.com")
	hal := f.person(t, "hal", "Hal Holder", "hal@example.com")
	c := campaign(t, f, rita.ID, hal.ID, 300)
	for i := range 300 {
		f.notice(t, rita.ID, notify.KindReviewEscalated, "campaign:"+c.ID, fmt.Sprintf("item %d escalated to you", i), fmt.Sprintf("esc:%d", i))
		if i%100 == 99 {
			f.drain(t) // dispatch runs while notices arrive
		}
	}
	f.clk.add(2 * time.Minute)
	f.drain(t)
	f.drain(t)
	ms := f.waitMail(t, 1)
	if len(ms) != 1 {
		t.Fatalf("300 notices, %d mails:\n%s", len(ms), describe(ms))
	}
	body := text(ms[0])
	if ms[0].Subject() != "300 access review items escalated to you" || !strings.Contains(body, "item 0 escalated") ||
		!strings.Contains(body, "and 250 more") || !strings.Contains(body, "https://syncd.example.com/reviews") {
		t.Fatalf("digest: %q\n%s", ms[0].Subject(), body)
	}
	// Later the same day: held for tomorrow, sent then.
	f.clk.add(time.Hour)
	f.notice(t, rita.ID, notify.KindReviewEscalated, "campaign:"+c.ID, "one more item", "esc:late")
	f.clk.add(2 * time.Minute)
	f.drain(t)
	if n := len(f.sink.Messages()); n != 1 {
		t.Fatalf("a second mail the same day: %d", n)
	}
	f.clk.add(24 * time.Hour)
	f.drain(t)
	ms = f.waitMail(t, 2)
	if len(ms) != 2 || !strings.Contains(text(ms[1]), "one more item") || strings.Contains(text(ms[1]), "item 0 escalated") {
		t.Fatalf("next day's digest:\n%s", describe(ms))
	}
}

// TestSMTPDownRetriedThenDelivered: with the server down the job is
// retried with backoff, the digest records attempts and the last error,
// and the message arrives once the server is back.
func TestSMTPDownRetriedThenDelivered(t *testing.T) {
	f := newFixture(t, false)
	ana := f.person(t, "ana", "Ana", "ana@example.com")
	addr := f.sink.Addr
	if err := f.sink.Close(); err != nil {
		t.Fatal(err)
	}
	f.notice(t, ana.ID, notify.KindTakeBackFailed, "grant:g1", "taking back Ledger failed 5 times", "tb:g1")
	f.clk.add(2 * time.Minute)
	f.drain(t)
	ds := f.digests(t)
	if len(ds) != 1 || ds[0].State != store.DigestSending || ds[0].Attempts != 1 || !strings.Contains(ds[0].LastError, "connect") {
		t.Fatalf("after a failed attempt: %+v", ds)
	}
	js, err := f.st.ListJobs(t.Context(), store.JobQuery{Kind: notify.JobDeliver})
	if err != nil || len(js) != 1 || js[0].State != store.JobQueued || !js[0].RunAt.After(f.clk.now()) || js[0].LastError == "" {
		t.Fatalf("job after a failure: %v %+v", err, js)
	}
	f.drain(t) // not due yet: backoff
	if ds := f.digests(t); ds[0].Attempts != 1 {
		t.Fatalf("retried before its backoff: %+v", ds[0])
	}
	f.clk.add(time.Minute)
	f.drain(t) // second attempt fails too
	sink, err := smtpsink.Start(smtpsink.Options{Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	f.sink = sink
	f.clk.add(5 * time.Minute)
	f.drain(t)
	ms := f.waitMail(t, 1)
	ds = f.digests(t)
	if len(ms) != 1 || ds[0].State != store.DigestSent || ds[0].Attempts != 3 || ds[0].LastError != "" || ds[0].SentAt == nil {
		t.Fatalf("after recovery: %d mails, %+v", len(ms), ds[0])
	}
	if f.obs.get("email/retry") != 2 || f.obs.get("email/ok") != 1 {
		t.Fatalf("metrics: %v", f.obs.n)
	}
}

// crashing wraps a channel: after its first successful send it advances
// the clock past the lease and lets a second worker claim and run the
// job, as if the first worker had died between the send and its commit.
type crashing struct {
	notify.Channel
	f       *fixture
	second  *jobs.Runner
	crashed bool
	t       *testing.T
}

func (c *crashing) Send(ctx context.Context, m notify.Message) error {
	if err := c.Channel.Send(ctx, m); err != nil {
		return err
	}
	if !c.crashed {
		c.crashed = true
		c.f.clk.add(2 * time.Minute) // the first worker's lease lapses
		ran, err := c.second.RunOne(ctx, ctx, []string{notify.JobDeliver})
		if err != nil || !ran {
			c.t.Errorf("second worker: ran %v, %v", ran, err)
		}
	}
	return nil
}

// TestCrashBetweenSendAndCommit: a worker that sent the mail but lost its
// lease before committing cannot mark the digest; the next claim sends it
// again with the same Message-ID, and the digest ends sent once. The
// duplicate is bounded by the number of claims.
func TestCrashBetweenSendAndCommit(t *testing.T) {
	f := newFixture(t, false)
	ana := f.person(t, "ana", "Ana", "ana@example.com")
	second := &jobs.Runner{Store: f.st, Holder: "test-2", Now: f.clk.now, LeaseTTL: time.Minute}
	ch := &crashing{Channel: f.email, f: f, second: second, t: t}
	f.svc.Channels = []notify.Channel{ch}
	f.svc.Register(second, 0)
	f.notice(t, ana.ID, notify.KindTakeBackFailed, "grant:g1", "taking back Ledger failed", "tb:g1")
	f.clk.add(2 * time.Minute)
	f.drain(t)
	ms := f.waitMail(t, 2)
	if len(ms) != 2 || ms[0].Header.Get("Message-ID") == "" || ms[0].Header.Get("Message-ID") != ms[1].Header.Get("Message-ID") {
		t.Fatalf("want the message twice with one Message-ID:\n%s", describe(ms))
	}
	ds := f.digests(t)
	if len(ds) != 1 || ds[0].State != store.DigestSent || ds[0].Attempts != 2 {
		t.Fatalf("digest: %+v", ds)
	}
	js, _ := f.st.ListJobs(t.Context(), store.JobQuery{Kind: notify.JobDeliver})
	if len(js) != 1 || js[0].State != store.JobDone || js[0].Attempts != 2 {
		t.Fatalf("job: %+v", js)
	}
	f.clk.add(time.Hour)
	f.drain(t)
	if n := len(f.sink.Messages()); n != 2 {
		t.Fatalf("%d mails after the job finished", n)
	}
	if f.obs.get("email/ok") != 1 {
		t.Fatalf("metrics: %v", f.obs.n)
	}
}

var _ = errors.Is

// TestConcurrentDispatch: dispatch runs that overlap (a slow period and
// the next) file every notification once and open one digest per key.
func TestConcurrentDispatch(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			f := newFixture(t, pg)
			ana := f.person(t, "ana", "Ana", "ana@example.com")
			for i := range 60 {
				f.notice(t, ana.ID, notify.KindTakeBackFailed, fmt.Sprintf("grant:g%d", i%3), fmt.Sprintf("notice %d", i), fmt.Sprintf("n%d", i))
			}
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					if _, err := f.svc.Dispatch(t.Context()); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			f.clk.add(2 * time.Minute)
			f.drain(t)
			ms := f.waitMail(t, 3)
			if len(ms) != 3 || len(f.digests(t)) != 3 {
				t.Fatalf("%d mails, %d digests:\n%s", len(ms), len(f.digests(t)), describe(ms))
			}
			for _, m := range ms {
				if n := strings.Count(text(m), "- notice "); n != 20 {
					t.Fatalf("a digest lists %d notices, want 20:\n%s", n, text(m))
				}
			}
		})
	}
}

package notify_test

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/jobs"
	"github.com/syncd-dev/syncd/internal/notify"
	"github.com/syncd-dev/syncd/internal/notify/smtpsink"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// clock is a settable clock shared by the service and the runner.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// counter is a metrics observer.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) NotificationDelivered(channel, result string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[channel+"/"+result]++
}

func (c *counter) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[k]
}

type fixture struct {
	st    store.Store
	clk   *clock
	sink  *smtpsink.Sink
	svc   *notify.Service
	run   *jobs.Runner
	obs   *counter
	email *notify.Email
}

// newFixture is a store (SQLite, or PostgreSQL when pg), an SMTP sink on
// loopback, the notify service with the e-mail channel, and a job runner
// driven step by step.
func newFixture(t testing.TB, pg bool) *fixture {
	t.Helper()
	var st store.Store
	if pg {
		st = gormtest.Postgres(t)
	} else {
		st = gormtest.SQLite(t)
	}
	sink, err := smtpsink.Start(smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	f := &fixture{st: st, sink: sink, clk: &clock{t: time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)}, obs: &counter{}}
	f.email = &notify.Email{SMTP: notify.SMTP{Addr: sink.Addr, From: mailAddr("syncd", "syncd@example.com"), Timeout: 5 * time.Second}}
	f.svc = &notify.Service{Store: st, Channels: []notify.Channel{f.email}, BaseURL: "https://syncd.example.com/", Now: f.clk.now, Observer: f.obs}
	f.run = &jobs.Runner{Store: st, Holder: "test-1", Now: f.clk.now, LeaseTTL: time.Minute, MaxAttempts: 8,
		Backoff: func(attempt int) time.Duration { return time.Duration(attempt) * time.Minute }}
	f.svc.Register(f.run, 0)
	return f
}

// person creates an active person.
func (f *fixture) person(t testing.TB, login, name, email string) store.Person {
	t.Helper()
	p, err := f.st.CreatePerson(t.Context(), store.Person{UserName: login, DisplayName: name, Email: email, Status: store.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// notice records a notification now.
func (f *fixture) notice(t testing.TB, personID, kind, subject, msg, key string) {
	t.Helper()
	if _, err := f.st.CreateNotification(t.Context(), store.Notification{PersonID: personID, Kind: kind, Subject: subject, Message: msg, DedupeKey: key, CreatedAt: f.clk.now()}); err != nil {
		t.Fatal(err)
	}
}

// drain dispatches and runs every job due now, until none is.
func (f *fixture) drain(t testing.TB) {
	t.Helper()
	if _, err := f.svc.Dispatch(t.Context()); err != nil {
		t.Fatal(err)
	}
	for range 10000 {
		ran, err := f.run.RunOne(t.Context(), t.Context(), []string{notify.JobDeliver})
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			return
		}
	}
	t.Fatal("jobs keep coming")
}

// waitMail waits for n messages in the sink.
func (f *fixture) waitMail(t testing.TB, n int) []smtpsink.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	ms, err := f.sink.Wait(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func (f *fixture) digests(t testing.TB) []store.NotificationDigest {
	t.Helper()
	ds, err := f.st.ListDigests(t.Context(), store.DigestQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// text is the message's decoded text part.
func text(m smtpsink.Message) string { return m.Text() }

// html is the message's decoded HTML part.
func html(m smtpsink.Message) string { return m.Part("text/html") }

func describe(ms []smtpsink.Message) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "to %v subject %q\n", m.To, m.Subject())
	}
	return b.String()
}

func mailAddr(name, addr string) mail.Address { return mail.Address{Name: name, Address: addr} }

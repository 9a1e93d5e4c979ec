package webui_test

import (
	"context"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/jobs"
	"github.com/syncd-dev/syncd/internal/notify"
	"github.com/syncd-dev/syncd/internal/notify/smtpsink"
)

// mailer is internal/notify delivering e's notifications by e-mail to a
// real SMTP server on loopback, its clock past every digest window.
type mailer struct {
	t      *testing.T
	sink   *smtpsink.Sink
	svc    *notify.Service
	runner *jobs.Runner
}

func newMailer(t *testing.T, e *env, holder string) *mailer {
	t.Helper()
	sink, err := smtpsink.Start(smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	clock := time.Now().Add(time.Hour)
	svc := &notify.Service{Store: e.store, BaseURL: e.base, Now: func() time.Time { return clock },
		Channels: []notify.Channel{&notify.Email{SMTP: notify.SMTP{Addr: sink.Addr, From: mailFrom, Timeout: 5 * time.Second}}}}
	runner := &jobs.Runner{Store: e.store, Holder: holder, Now: func() time.Time { return clock }}
	svc.Register(runner, 0)
	return &mailer{t: t, sink: sink, svc: svc, runner: runner}
}

// deliver turns the stored notifications into messages and runs every
// delivery job due.
func (m *mailer) deliver() {
	m.t.Helper()
	if _, err := m.svc.Dispatch(m.t.Context()); err != nil {
		m.t.Fatal(err)
	}
	for {
		ran, err := m.runner.RunOne(m.t.Context(), m.t.Context(), []string{notify.JobDeliver})
		if err != nil {
			m.t.Fatal(err)
		}
		if !ran {
			return
		}
	}
}

// wait returns the first n messages the server received, failing after
// 10 s.
func (m *mailer) wait(n int) []smtpsink.Message {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(m.t.Context(), 10*time.Second)
	defer cancel()
	ms, err := m.sink.Wait(ctx, n)
	if err != nil {
		m.t.Fatalf("waiting for %d messages: %v", n, err)
	}
	return ms
}

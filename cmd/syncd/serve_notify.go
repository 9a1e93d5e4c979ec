package main

import (
	"context"
	"fmt"
	"time"

	"github.com/syncd-dev/syncd/internal/notify"
	"github.com/syncd-dev/syncd/internal/notify/smtpsink"
	"github.com/syncd-dev/syncd/internal/webui"
)

// notifyParts is the running notification delivery: the service, and in
// the demo the SMTP sink its mail goes to.
type notifyParts struct {
	svc  *notify.Service
	sink *smtpsink.Sink
}

// startNotify registers notification delivery with the job runner: the
// periodic notify.dispatch job files new notices into digests, and
// notify.deliver jobs send them (see internal/notify). In `syncd demo`
// the e-mail goes to a built-in SMTP sink on loopback, listed at
// /demo/mail for administrators.
func (d *daemon) startNotify(ctx context.Context) error {
	cfg := d.cfg
	parts := &notifyParts{}
	if cfg.Notify.demoSink {
		sink, err := smtpsink.Start(smtpsink.Options{Keep: 500})
		if err != nil {
			return fmt.Errorf("demo mail sink: %w", err)
		}
		parts.sink = sink
		d.closers = append(d.closers, sink.Close)
		cfg.Notify.Email.SMTP.Addr = sink.Addr
		if cfg.Notify.Email.SMTP.from.Address == "" {
			cfg.Notify.Email.SMTP.from.Name, cfg.Notify.Email.SMTP.from.Address = "syncd demo", "syncd@demo.invalid"
		}
	}
	if !cfg.Notify.enabled() {
		d.logger.Info("notifications are shown in the web UI only (notify: no SMTP server or chat webhook configured)")
		d.notify = parts
		return nil
	}
	svc := cfg.notifyService()
	svc.Store, svc.Observer = d.store, d.metrics
	svc.Logger = d.logger.With("component", "notify")
	svc.Register(d.jobs, time.Duration(cfg.Notify.DispatchEvery))
	parts.svc = svc
	d.notify = parts
	var names []string
	for _, c := range svc.Channels {
		names = append(names, c.Name())
	}
	d.metrics.NotificationChannels(names...)
	d.logger.Info("notification delivery on", "channels", names)
	return nil
}

// demoMail lists the demo sink's messages for the web page; nil outside
// the demo.
func (d *daemon) demoMail() func() []webui.DemoMail {
	if d.notify == nil || d.notify.sink == nil {
		return nil
	}
	sink := d.notify.sink
	return func() []webui.DemoMail {
		var out []webui.DemoMail
		for _, m := range sink.Messages() {
			out = append(out, webui.DemoMail{At: m.ReceivedAt, From: m.Header.Get("From"), To: m.To, Subject: m.Subject(), Text: m.Text()})
		}
		return out
	}
}

package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/notify/smtpsink"
	"github.com/syncd-dev/syncd/internal/store"
)

// TestServeDeliversNotificationsAndCountsThem: a served daemon with
// notify.email configured mails a recorded notification to the person's
// address through a real SMTP server on loopback, and the delivery shows
// in the /metrics scrape as syncd_notification_deliveries_total.
func TestServeDeliversNotificationsAndCountsThem(t *testing.T) {
	forEachDB(t, func(t *testing.T, driver, dsn string) {
		sink, err := smtpsink.Start(smtpsink.Options{Username: "syncd", Password: "pw"})
		if err != nil {
			t.Fatal(err)
		}
		defer sink.Close()
		path := writeConfig(t, driver, dsn, true)
		pwFile := filepath.Join(t.TempDir(), "smtp-password")
		if err := os.WriteFile(pwFile, []byte("pw\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.WriteString(f, "server:\n  baseURL: https://syncd.example.com\nnotify:\n  window: 100ms\n  dispatchEvery: 1s\n  email:\n    smtp:\n"+
			"      addr: "+sink.Addr+"\n      from: \"syncd <syncd@example.com>\"\n      username: syncd\n      passwordFile: "+pwFile+"\n")
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := loadConfig(path, noEnv)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Jobs.PollInterval = Duration(20 * time.Millisecond)
		st := openForTest(t, driver, dsn)
		if err := ensureSchema(t.Context(), st, true); err != nil {
			t.Fatal(err)
		}
		p, err := st.CreatePerson(t.Context(), store.Person{UserName: "ana", DisplayName: "Ana", Email: "ana@example.com", Status: store.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateNotification(t.Context(), store.Notification{PersonID: p.ID, Kind: "takeback.failed", Subject: "grant:g1",
			Message: "Taking back Ledger failed 5 times", DedupeKey: "g1:tb", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		d, err := newDaemon(t.Context(), cfg, st, newLogger(io.Discard, cfg.Log))
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		served := make(chan error, 1)
		go func() { served <- d.serve(ctx, ln) }()
		wctx, wcancel := context.WithTimeout(t.Context(), 20*time.Second)
		ms, err := sink.Wait(wctx, 1)
		wcancel()
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		if ms[0].To[0] != "ana@example.com" || ms[0].User != "syncd" || !strings.Contains(ms[0].Text(), "https://syncd.example.com/requests") {
			t.Fatalf("mail %+v\n%s", ms[0], ms[0].Text())
		}
		var body string
		waitUntil(t, func() bool {
			resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
			if err != nil {
				return false
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			return strings.Contains(body, `syncd_notification_deliveries_total{channel="email",result="ok"} 1`)
		})
		cancel()
		if err := <-served; err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("serve: %v", err)
		}
	})
}

// TestNotifyConfigErrors: every problem of the notify section at once.
func TestNotifyConfigErrors(t *testing.T) {
	cfg := defaultConfig()
	cfg.Notify = NotifyConfig{
		BaseURL: "ftp://x", DispatchEvery: Duration(time.Millisecond), MaxAttempts: -1,
		Email: NotifyEmailConfig{Kinds: []string{"approval.requested", "nope"}, SMTP: NotifySMTPConfig{
			Addr: "no-port", From: "not an address", Username: "u", PasswordEnv: "SMTP_PW", StartTLS: "maybe"}},
		Chat: NotifyChatConfig{URLEnv: "HOOK", Format: "irc"},
	}
	errs := cfg.validateNotify(func(k string) string {
		if k == "HOOK" {
			return "not a url"
		}
		return ""
	})
	got := errs.Error()
	for _, want := range []string{"notify.baseURL", "notify.dispatchEvery", "notify.maxAttempts", `unknown kind "nope"`,
		"notify.email.smtp.addr", "notify.email.smtp.from", "notify.email.smtp.startTLS", "SMTP_PW is empty", "notify.chat.urlEnv", "notify.chat.format"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "not a url") {
		t.Errorf("the webhook URL (a secret) is echoed:\n%s", got)
	}
}

package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/notify"
)

// NotifyConfig turns the notifications syncd records (approval requests,
// decisions, review assignments and reminders, escalations, re-ownership
// tasks, failed take-backs) into e-mail and chat messages. Off unless
// email.smtp.addr or a chat webhook is set. Secrets come from the
// environment or a file, never the file itself.
//
//	notify:
//	  baseURL: https://syncd.example.com  # links in messages; server.baseURL when empty
//	  window: 1m          # a digest collects notices this long before it is sent
//	  dispatchEvery: 30s  # how often new notices are filed into digests
//	  maxAge: 72h         # older notices (an outage, a first start) are not sent
//	  maxAttempts: 8      # delivery attempts before a digest fails
//	  email:
//	    kinds: []         # all kinds when empty
//	    smtp:
//	      addr: smtp.example.com:587
//	      from: "syncd <syncd@example.com>"
//	      username: syncd
//	      passwordEnv: SYNCD_SMTP_PASSWORD
//	      startTLS: auto  # auto | required | off
//	      caFile: /etc/syncd/smtp-ca.pem
//	      helo: syncd.example.com
//	      timeout: 30s
//	  chat:
//	    urlEnv: SYNCD_CHAT_WEBHOOK  # or urlFile
//	    format: slack               # slack | teams
//	    kinds: [approval.requested, review.escalated, takeback.failed]
type NotifyConfig struct {
	BaseURL       string            `yaml:"baseURL"`
	Window        Duration          `yaml:"window"`
	DispatchEvery Duration          `yaml:"dispatchEvery"`
	MaxAge        Duration          `yaml:"maxAge"`
	MaxAttempts   int               `yaml:"maxAttempts"`
	Email         NotifyEmailConfig `yaml:"email"`
	Chat          NotifyChatConfig  `yaml:"chat"`

	// demoSink: `syncd demo` sends mail to its built-in SMTP sink.
	demoSink bool
}

// NotifyEmailConfig is the e-mail channel; see NotifyConfig.
type NotifyEmailConfig struct {
	Kinds []string         `yaml:"kinds"`
	SMTP  NotifySMTPConfig `yaml:"smtp"`
}

// NotifySMTPConfig is the submission server; see NotifyConfig.
type NotifySMTPConfig struct {
	Addr         string   `yaml:"addr"`
	From         string   `yaml:"from"`
	Username     string   `yaml:"username"`
	PasswordEnv  string   `yaml:"passwordEnv"`
	PasswordFile string   `yaml:"passwordFile"`
	StartTLS     string   `yaml:"startTLS"`
	CAFile       string   `yaml:"caFile"`
	Helo         string   `yaml:"helo"`
	Timeout      Duration `yaml:"timeout"`

	password string
	from     mail.Address
	tls      *tls.Config
}

// NotifyChatConfig is the chat webhook; see NotifyConfig.
type NotifyChatConfig struct {
	URLEnv  string   `yaml:"urlEnv"`
	URLFile string   `yaml:"urlFile"`
	Format  string   `yaml:"format"`
	Kinds   []string `yaml:"kinds"`

	url string
}

// notifyKinds are the kinds a kinds list may name.
var notifyKinds = []string{
	notify.KindApprovalRequested, notify.KindRequestDecided, notify.KindCredentialReady, notify.KindGrantExpiring,
	notify.KindFulfillmentConfirm, notify.KindTakeBackFailed, notify.KindReviewAssigned, notify.KindReviewReminder,
	notify.KindReviewEscalated, notify.KindReviewRemediation, notify.KindReownership,
}

// enabled reports whether any channel is configured.
func (n NotifyConfig) enabled() bool { return n.Email.SMTP.Addr != "" || n.Chat.url != "" }

// validateNotify reports every problem of the notify section and
// resolves its secrets.
func (c *Config) validateNotify(getenv func(string) string) ConfigErrors {
	var errs ConfigErrors
	add := func(path, format string, args ...any) {
		errs = append(errs, FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	n := &c.Notify
	if n.BaseURL != "" {
		if u, err := url.Parse(n.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("notify.baseURL", "not an http(s) URL: %q", n.BaseURL)
		}
	}
	for _, d := range []struct {
		path string
		v    Duration
	}{{"notify.window", n.Window}, {"notify.dispatchEvery", n.DispatchEvery}, {"notify.maxAge", n.MaxAge}, {"notify.email.smtp.timeout", n.Email.SMTP.Timeout}} {
		if d.v < 0 {
			add(d.path, "must not be negative")
		}
	}
	if n.DispatchEvery != 0 && time.Duration(n.DispatchEvery) < time.Second {
		add("notify.dispatchEvery", "must be at least 1s")
	}
	if n.MaxAttempts < 0 {
		add("notify.maxAttempts", "must not be negative")
	}
	kinds := func(path string, ks []string) {
		for _, k := range ks {
			if !slices.Contains(notifyKinds, k) {
				add(path, "unknown kind %q (one of %s)", k, strings.Join(notifyKinds, ", "))
			}
		}
	}
	kinds("notify.email.kinds", n.Email.Kinds)
	kinds("notify.chat.kinds", n.Chat.Kinds)
	s := &n.Email.SMTP
	if s.Addr != "" {
		if _, _, err := net.SplitHostPort(s.Addr); err != nil {
			add("notify.email.smtp.addr", "not a host:port address: %q", s.Addr)
		}
		if a, err := mail.ParseAddress(s.From); err != nil {
			add("notify.email.smtp.from", "not a mail address: %q", s.From)
		} else {
			s.from = *a
		}
		switch s.StartTLS {
		case "", "auto", "required", "off":
		default:
			add("notify.email.smtp.startTLS", "must be auto, required or off")
		}
		if s.Username != "" {
			pw, err := secretFrom(getenv, s.PasswordEnv, s.PasswordFile)
			if err != nil {
				add("notify.email.smtp.passwordEnv", "%v", err)
			}
			s.password = pw
		}
		if s.CAFile != "" {
			pem, err := os.ReadFile(s.CAFile)
			pool := x509.NewCertPool()
			if err != nil || !pool.AppendCertsFromPEM(pem) {
				add("notify.email.smtp.caFile", "cannot read a PEM certificate from %s", s.CAFile)
			}
			s.tls = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
	} else if s.From != "" || s.Username != "" {
		add("notify.email.smtp.addr", "is required when the e-mail channel is configured")
	}
	ch := &n.Chat
	if ch.URLEnv != "" || ch.URLFile != "" {
		u, err := secretFrom(getenv, ch.URLEnv, ch.URLFile)
		switch {
		case err != nil:
			add("notify.chat.urlEnv", "%v", err)
		default:
			if p, perr := url.Parse(u); perr != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
				add("notify.chat.urlEnv", "the webhook is not an http(s) URL")
			}
		}
		ch.url = u
		switch ch.Format {
		case "", "slack", "teams":
		default:
			add("notify.chat.format", "must be slack or teams")
		}
	}
	return errs
}

// secretFrom reads a secret from exactly one of an environment variable
// and a file.
func secretFrom(getenv func(string) string, env, file string) (string, error) {
	switch {
	case env != "" && file != "":
		return "", fmt.Errorf("give only one of the environment variable and the file")
	case env != "":
		if v := getenv(env); v != "" {
			return v, nil
		}
		return "", fmt.Errorf("environment variable %s is empty or unset", env)
	case file != "":
		b, err := os.ReadFile(file)
		if v := strings.TrimSpace(string(b)); err == nil && v != "" {
			return v, nil
		}
		return "", fmt.Errorf("cannot read a secret from %s", file)
	}
	return "", fmt.Errorf("a secret is required (an environment variable or a file)")
}

// notifyService builds the delivery service of the configured channels.
func (c Config) notifyService() *notify.Service {
	n := c.Notify
	svc := &notify.Service{
		BaseURL: or(n.BaseURL, c.listenBaseURL()), Window: time.Duration(n.Window), MaxAge: time.Duration(n.MaxAge),
		MaxAttempts: n.MaxAttempts,
	}
	if s := n.Email.SMTP; s.Addr != "" {
		svc.Channels = append(svc.Channels, &notify.Email{Kinds: n.Email.Kinds, SMTP: notify.SMTP{
			Addr: s.Addr, From: s.from, Username: s.Username, Password: s.password, StartTLS: s.StartTLS,
			TLS: s.tls, Helo: s.Helo, Timeout: time.Duration(s.Timeout),
		}})
	}
	if n.Chat.url != "" {
		svc.Channels = append(svc.Channels, &notify.Chat{URL: n.Chat.url, Format: n.Chat.Format, Kinds: n.Chat.Kinds})
	}
	return svc
}

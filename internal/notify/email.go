package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	htmltemplate "html/template"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"
)

// SMTP is how the e-mail channel reaches its mail server.
type SMTP struct {
	// Addr is host:port of the submission server (587 with STARTTLS,
	// or 25 inside a trusted network).
	Addr string
	// From is the sender, e.g. "syncd <syncd@example.com>".
	From mail.Address
	// Username and Password authenticate with AUTH PLAIN, only over TLS
	// (or to localhost): net/smtp refuses to send them in the clear.
	Username, Password string
	// StartTLS: "auto" (the default: upgrade when the server offers it),
	// "required" (fail without it) or "off".
	StartTLS string
	// TLS is the client TLS configuration (RootCAs for a private CA);
	// ServerName defaults to Addr's host.
	TLS *tls.Config
	// Helo is the name given in EHLO; "localhost" when empty.
	Helo string
	// Timeout bounds one delivery (connect to QUIT); 30s when 0.
	Timeout time.Duration
}

// Email is the e-mail channel: one message per digest to the person's
// address from the identity record.
type Email struct {
	SMTP SMTP
	// Kinds limits the channel to these notification kinds; all when empty.
	Kinds []string
}

// Name is "email".
func (e *Email) Name() string { return "email" }

// Accepts reports whether kind is sent by mail.
func (e *Email) Accepts(kind string) bool { return len(e.Kinds) == 0 || slices.Contains(e.Kinds, kind) }

// Send delivers m over SMTP.
func (e *Email) Send(ctx context.Context, m Message) error {
	to, err := mail.ParseAddress(m.To.Email)
	if m.To.Email == "" || err != nil {
		return fmt.Errorf("%w: %q", ErrNoAddress, m.To.Email)
	}
	to.Name = oneLine(m.To.Name)
	from := e.SMTP.From
	from.Name = oneLine(from.Name)
	body, err := buildMail(from, *to, m)
	if err != nil {
		return err
	}
	return e.SMTP.send(ctx, from.Address, to.Address, body)
}

func (c SMTP) send(ctx context.Context, from, to string, body []byte) error {
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("notify: smtp address %q: %w", c.Addr, err)
	}
	timeout := or(c.Timeout, 30*time.Second)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("notify: smtp connect %s: %w", c.Addr, err)
	}
	defer conn.Close()
	dl, _ := ctx.Deadline()
	if err := conn.SetDeadline(dl); err != nil {
		return fmt.Errorf("notify: smtp: %w", err)
	}
	cl, err := smtp.NewClient(conn, host)
	if err != nil {
		return fmt.Errorf("notify: smtp greeting from %s: %w", c.Addr, err)
	}
	defer cl.Close()
	if err := cl.Hello(or(c.Helo, "localhost")); err != nil {
		return fmt.Errorf("notify: smtp EHLO: %w", err)
	}
	mode := or(c.StartTLS, "auto")
	if ok, _ := cl.Extension("STARTTLS"); ok && mode != "off" {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if c.TLS != nil {
			cfg = c.TLS.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		if err := cl.StartTLS(cfg); err != nil {
			return fmt.Errorf("notify: smtp STARTTLS: %w", err)
		}
	} else if mode == "required" {
		return fmt.Errorf("notify: smtp: %s does not offer STARTTLS and smtp.startTLS is required", c.Addr)
	}
	if c.Username != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.Username, c.Password, host)); err != nil {
			return fmt.Errorf("notify: smtp AUTH: %w", err)
		}
	}
	if err := cl.Mail(from); err != nil {
		return fmt.Errorf("notify: smtp MAIL FROM: %w", err)
	}
	if err := cl.Rcpt(to); err != nil {
		return fmt.Errorf("notify: smtp RCPT TO: %w", err)
	}
	w, err := cl.Data()
	if err != nil {
		return fmt.Errorf("notify: smtp DATA: %w", err)
	}
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("notify: smtp DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("notify: smtp DATA: %w", err)
	}
	// The server accepted the message; a failed QUIT changes nothing.
	_ = cl.Quit()
	return nil
}

var textMail = texttemplate.Must(texttemplate.New("text").Parse(`Hello {{.To.Name}},

{{.Intro}}

{{range .Items}}- {{.Text}}
{{end}}{{if .More}}- and {{.More}} more
{{end}}
{{.LinkLabel}}: {{.Link}}

This message was sent by syncd; you are receiving it because of your role in access governance.
`))

var htmlMail = htmltemplate.Must(htmltemplate.New("html").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body style="font-family: sans-serif">
<p>Hello {{.To.Name}},</p>
<p>{{.Intro}}</p>
<ul>{{range .Items}}<li>{{.Text}}</li>{{end}}{{if .More}}<li>and {{.More}} more</li>{{end}}</ul>
<p><a href="{{.Link}}">{{.LinkLabel}}</a></p>
<p style="color: #666; font-size: small">This message was sent by syncd; you are receiving it because of your role in access governance.</p>
</body></html>
`))

// buildMail renders m as a multipart/alternative message (text and
// HTML). Header values carry no line breaks: names and titles pass
// through oneLine, addresses through net/mail, and non-ASCII text is
// RFC 2047 encoded.
func buildMail(from, to mail.Address, m Message) ([]byte, error) {
	var text, html bytes.Buffer
	if err := textMail.Execute(&text, m); err != nil {
		return nil, fmt.Errorf("notify: render text: %w", err)
	}
	if err := htmlMail.Execute(&html, m); err != nil {
		return nil, fmt.Errorf("notify: render html: %w", err)
	}
	boundary := "syncd-" + rand.Text()
	domain := "syncd.invalid"
	if _, d, ok := strings.Cut(from.Address, "@"); ok && d != "" {
		domain = d
	}
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", from.String())
	h("To", to.String())
	h("Subject", mime.QEncoding.Encode("utf-8", clip(oneLine(m.Title), 200)))
	h("Date", m.At.Format(time.RFC1123Z))
	h("Message-ID", "<syncd-"+oneLine(m.ID)+"@"+oneLine(domain)+">")
	h("Auto-Submitted", "auto-generated")
	h("X-Syncd-Kind", oneLine(m.Kind))
	h("MIME-Version", "1.0")
	h("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n")
	for _, part := range []struct {
		typ  string
		body []byte
	}{{"text/plain", text.Bytes()}, {"text/html", html.Bytes()}} {
		fmt.Fprintf(&b, "--%s\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", boundary, part.typ)
		qp := quotedprintable.NewWriter(&b)
		if _, err := qp.Write(bytes.ReplaceAll(part.body, []byte("\n"), []byte("\r\n"))); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes(), nil
}

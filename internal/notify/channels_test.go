package notify_test

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/jobs"
	"github.com/syncd-dev/syncd/internal/notify"
	"github.com/syncd-dev/syncd/internal/notify/smtpsink"
	"github.com/syncd-dev/syncd/internal/store"
)

// TestHeaderInjectionAndEscaping: CR/LF in a display name, a title or a
// message cannot add headers or recipients; HTML in names and messages is
// escaped in the HTML part.
func TestHeaderInjectionAndEscaping(t *testing.T) {
	f := newFixture(t, false)
	f.email.SMTP.From = mailAddr("syncd\r\nBcc: from@evil.example", "syncd@example.com")
	eve := f.person(t, "eve", "Eve <b>Bold</b>\r\nBcc: victim@evil.example\r\n", "eve@example.com")
	f.notice(t, eve.ID, notify.KindRequestDecided, "request:r1",
		"Ledger\r\nSubject: injected\r\n\r\n<script>alert(1)</script> & more", "tb:1")
	f.clk.add(2 * time.Minute)
	f.drain(t)
	ms := f.waitMail(t, 1)
	m := ms[0]
	if len(m.To) != 1 || m.To[0] != "eve@example.com" {
		t.Fatalf("recipients %v", m.To)
	}
	for k := range m.Header {
		switch strings.ToLower(k) {
		case "bcc", "cc":
			t.Fatalf("injected header %s: %q", k, m.Header[k])
		}
	}
	if got := m.Header["Subject"]; len(got) != 1 || !strings.HasPrefix(m.Subject(), "Your request was decided: Ledger Subject: injected <script>") ||
		strings.ContainsAny(m.Subject(), "\r\n") {
		t.Fatalf("subject headers %q (%q)", got, m.Subject())
	}
	if from := m.Header.Get("From"); strings.ContainsAny(from, "\r\n") || !strings.HasSuffix(from, "<syncd@example.com>") {
		t.Fatalf("From: %q", from)
	}
	if to := m.Header.Get("To"); strings.ContainsAny(to, "\r\n") || !strings.Contains(to, "<eve@example.com>") {
		t.Fatalf("To: %q", to)
	}
	h := html(m)
	if strings.Contains(h, "<script>") || !strings.Contains(h, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more") ||
		strings.Contains(h, "<b>Bold</b>") || !strings.Contains(h, "Eve &lt;b&gt;Bold&lt;/b&gt;") {
		t.Fatalf("html part not escaped:\n%s", h)
	}
	if tx := text(m); !strings.Contains(tx, "Ledger Subject: injected <script>") {
		t.Fatalf("text part: line breaks of the message are not flattened:\n%s", tx)
	}
}

// TestSTARTTLSAndAuth: the client upgrades with STARTTLS before AUTH
// PLAIN; "required" refuses a server without STARTTLS.
func TestSTARTTLSAndAuth(t *testing.T) {
	sink, err := smtpsink.Start(smtpsink.Options{STARTTLS: true, Username: "syncd", Password: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	e := &notify.Email{SMTP: notify.SMTP{Addr: sink.Addr, From: mailAddr("syncd", "syncd@example.com"), Username: "syncd", Password: "s3cret",
		StartTLS: "required", TLS: &tls.Config{RootCAs: sink.RootCAs, MinVersion: tls.VersionTLS12}}}
	m := notify.Message{ID: "digest-1", To: notify.Recipient{Name: "Ana", Email: "ana@example.com"}, Title: "t", Items: []notify.Item{{Text: "x"}}, At: time.Now()}
	if err := e.Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	got := sink.Messages()
	if len(got) != 1 || !got[0].TLS || got[0].User != "syncd" {
		t.Fatalf("received %+v", got)
	}
	e.SMTP.Password = "wrong"
	if err := e.Send(t.Context(), m); err == nil || !strings.Contains(err.Error(), "AUTH") {
		t.Fatalf("wrong password: %v", err)
	}
	plain, err := smtpsink.Start(smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	e = &notify.Email{SMTP: notify.SMTP{Addr: plain.Addr, From: mailAddr("", "syncd@example.com"), StartTLS: "required"}}
	if err := e.Send(t.Context(), m); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("required STARTTLS without it: %v", err)
	}
	if len(plain.Messages()) != 0 {
		t.Fatal("sent without STARTTLS")
	}
	m.To.Email = ""
	if err := e.Send(t.Context(), m); !errors.Is(err, notify.ErrNoAddress) {
		t.Fatalf("no address: %v", err)
	}
}

// hook is a chat webhook receiver on loopback.
type hook struct {
	mu     sync.Mutex
	bodies []map[string]any
	status int
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var v map[string]any
	if r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(b, &v) != nil {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.status != 0 {
		http.Error(w, "no", h.status)
		return
	}
	h.bodies = append(h.bodies, v)
	w.Write([]byte("ok"))
}

func (h *hook) got() []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]map[string]any(nil), h.bodies...)
}

// TestChatWebhook: digests go to the webhook as Slack mrkdwn (escaped) or
// a Teams MessageCard; e-mail and chat are separate deliveries of one
// notification; 5xx is retried, 4xx fails the digest.
func TestChatWebhook(t *testing.T) {
	f := newFixture(t, false)
	h := &hook{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	chat := &notify.Chat{URL: srv.URL + "/hook", Format: "slack", Client: srv.Client()}
	f.svc.Channels = append(f.svc.Channels, chat)
	ana := f.person(t, "ana", "Ana <!channel>", "ana@example.com")
	f.notice(t, ana.ID, notify.KindTakeBackFailed, "grant:g1", "taking back <https://evil.example|Ledger> & co failed", "tb:1")
	f.clk.add(2 * time.Minute)
	f.drain(t)
	f.waitMail(t, 1)
	bs := h.got()
	if len(bs) != 1 {
		t.Fatalf("webhook got %d posts", len(bs))
	}
	txt, _ := bs[0]["text"].(string)
	if !strings.Contains(txt, "For Ana &lt;!channel&gt;") || !strings.Contains(txt, "taking back &lt;https://evil.example|Ledger&gt; &amp; co failed") ||
		!strings.Contains(txt, "<https://syncd.example.com/requests|Open My requests>") {
		t.Fatalf("slack text:\n%s", txt)
	}
	if f.obs.get("chat/ok") != 1 || f.obs.get("email/ok") != 1 {
		t.Fatalf("metrics %v", f.obs.n)
	}

	// Teams.
	chat.Format = "teams"
	f.notice(t, ana.ID, notify.KindTakeBackFailed, "grant:g2", "[click](https://evil.example) *now*", "tb:2")
	f.clk.add(2 * time.Minute)
	f.drain(t)
	bs = h.got()
	if len(bs) != 2 || bs[1]["@type"] != "MessageCard" {
		t.Fatalf("teams post: %+v", bs)
	}
	if txt := bs[1]["text"].(string); !strings.Contains(txt, `\[click\]\(https://evil.example\) \*now\*`) {
		t.Fatalf("teams text not escaped: %s", txt)
	}
	act := bs[1]["potentialAction"].([]any)[0].(map[string]any)
	if tg := act["targets"].([]any)[0].(map[string]any); tg["uri"] != "https://syncd.example.com/requests" {
		t.Fatalf("teams action %+v", act)
	}

	// A failing webhook: 503 retried, then 404 fails the digest for good.
	h.mu.Lock()
	h.status = http.StatusServiceUnavailable
	h.mu.Unlock()
	f.notice(t, ana.ID, notify.KindTakeBackFailed, "grant:g3", "third", "tb:3")
	f.clk.add(2 * time.Minute)
	f.drain(t)
	if f.obs.get("chat/retry") != 1 {
		t.Fatalf("503 not retried: %v", f.obs.n)
	}
	h.mu.Lock()
	h.status = http.StatusNotFound
	h.mu.Unlock()
	f.clk.add(5 * time.Minute)
	f.drain(t)
	var failed []store.NotificationDigest
	for _, d := range f.digests(t) {
		if d.State == store.DigestFailed {
			failed = append(failed, d)
		}
	}
	if len(failed) != 1 || failed[0].Channel != "chat" || !strings.Contains(failed[0].LastError, "404") || strings.Contains(failed[0].LastError, srv.URL) {
		t.Fatalf("failed digests %+v", failed)
	}
	js, _ := f.st.ListJobs(t.Context(), store.JobQuery{Kind: notify.JobDeliver, State: store.JobDone})
	if len(js) != 6 {
		t.Fatalf("done delivery jobs: %d", len(js))
	}
	_ = jobs.ErrPermanent
}

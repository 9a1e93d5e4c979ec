package webui_test

import (
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/store"
)

var mailFrom = mail.Address{Name: "syncd", Address: "syncd@example.com"}

var mailLink = regexp.MustCompile(`Open the request: (\S+)`)

// TestApproverJourneyFromMail: sam requests through the pages; the
// approval notice is delivered by internal/notify to a real SMTP server on
// loopback; the link in carol's mail opens the request, where she
// approves it; sam's decision mail follows. (HTTP-level, through the real
// provider sign-in; not in Chromium.)
func TestApproverJourneyFromMail(t *testing.T) {
	e := newEnvWith(t, false, []string{"hr"}, idpUsers, (*env).seed, withCatalog)
	mails := newMailer(t, e, "journey")

	sam := e.as("sam")
	if resp := e.post(sam, "/requests", url.Values{"item": {"reports"}, "justification": {"pipeline review"}, "csrf_token": {e.csrf(sam)}}); resp.StatusCode != 303 {
		t.Fatalf("submit: %d %s", resp.StatusCode, resp.Body)
	}
	mails.deliver()
	ms := mails.wait(1)
	carolPerson, err := e.store.GetPerson(t.Context(), e.ids["carol"])
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].To[0] != carolPerson.Email || !strings.HasPrefix(ms[0].Subject(), "Approval needed") {
		t.Fatalf("approval mail: %+v", ms)
	}
	m := mailLink.FindStringSubmatch(ms[0].Text())
	if m == nil || !strings.HasPrefix(m[1], e.base+"/requests/") {
		t.Fatalf("no request link in:\n%s", ms[0].Text())
	}
	id := strings.TrimPrefix(m[1], e.base+"/requests/")

	carol := e.as("carol")
	page := carol.Get(m[1])
	if page.StatusCode != 200 || !strings.Contains(page.Body, `id="approve"`) || !strings.Contains(page.Body, "pipeline review") {
		t.Fatalf("the mail's link: %d %s", page.StatusCode, page.Body)
	}
	resp := e.post(carol, "/approvals", url.Values{"request": {id}, "decision": {"approve"}, "csrf_token": {e.csrf(carol)}})
	if !strings.Contains(resp.Body, "approved") {
		t.Fatalf("approve: %d %s", resp.StatusCode, resp.Body)
	}
	r, err := e.store.GetRequest(t.Context(), id)
	if err != nil || r.State != store.RequestApproved {
		t.Fatalf("request after approval: %v %+v", err, r)
	}
	mails.deliver()
	mails.wait(2)
	mails.deliver()
	if ms = mails.sink.Messages(); len(ms) != 2 || !strings.HasPrefix(ms[1].Subject(), "Your request was decided") || !strings.Contains(ms[1].Text(), m[1]) {
		t.Fatalf("after approval: %d mails, last %q", len(ms), ms[len(ms)-1].Subject())
	}
}

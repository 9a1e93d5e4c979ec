package webui

import (
	"bytes"
	"html/template"
	"net/http"
	"sync"
	"time"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/web"
)

// DemoMail is one message the demo's built-in SMTP sink received.
type DemoMail struct {
	At      time.Time
	From    string
	To      []string
	Subject string
	Text    string // the plain-text part
}

type demoMailPage struct {
	Page
	Mail []DemoMail
}

// demoMailTemplate is parsed once from the embedded templates; the page
// exists only in the demo, so it is not among the required pages (a
// test parses it).
var demoMailTemplate = sync.OnceValues(func() (*template.Template, error) {
	return template.New("").Funcs(funcs).ParseFS(web.Templates(), "layout.html", "partials.html", "demomail.html")
})

// demoMail lists the mail syncd sent in the demo, newest first, for
// administrators: notifications are seen working without a mail server.
func (s *Server) demoMail(w http.ResponseWriter, r *http.Request) {
	if s.DemoMail == nil {
		s.Fail(w, r, http.StatusNotFound, "Page not found", "There is no page at this address.")
		return
	}
	if !auth.PrincipalFrom(r.Context()).Has(auth.RoleAdmin) {
		s.Fail(w, r, http.StatusForbidden, "Not allowed", "The demo mailbox is for administrators.")
		return
	}
	ms := s.DemoMail()
	data := demoMailPage{Page: s.page(r, "Demo mail", "demomail")}
	for i := len(ms) - 1; i >= 0 && len(data.Mail) < pageSize; i-- {
		data.Mail = append(data.Mail, ms[i])
	}
	t, err := demoMailTemplate()
	if err != nil {
		s.internal(w, r, "demo mail: template", err)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.internal(w, r, "demo mail: render", err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	buf.WriteTo(w)
}

package webui

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/requestlog"
)

// Page is what the layout needs; every page's data embeds it.
type Page struct {
	Title string
	Nav   string // which main navigation entry is current
	Who   *auth.Principal
	Flash string
	// OpenReviews counts the viewer's undecided review items, shown in
	// the navigation.
	OpenReviews int
	// PendingApprovals counts the requests waiting for the viewer.
	PendingApprovals int
}

var funcs = template.FuncMap{
	"date":      func(v any) string { return formatTime(v, "2006-01-02") },
	"datetime":  func(v any) string { return formatTime(v, "2006-01-02 15:04 UTC") },
	"join":      func(v []string) string { return strings.Join(v, ", ") },
	"inc":       func(n int) int { return n + 1 },
	"add":       func(a, b int) int { return a + b },
	"sub":       func(a, b int) int { return a - b },
	"riskTiers": func() []string { return []string{"low", "medium", "high", "critical"} },
	"reqField":  newReqField,
	"catalogItem": func(p catalogPage, e catalogEntry) catalogItemData {
		return catalogItemData{Page: p, Entry: e}
	},
}

// catalogItemData is one catalog entry with its page (the form, the
// viewer), for the catalogitem template.
type catalogItemData struct {
	Page  catalogPage
	Entry catalogEntry
}

// reqField is one input of the catalog's request form: its value and
// error are shown only on the form that came back (mine).
type reqField struct {
	Item, Name, Label, Value, Pattern, Error string
	Mine                                     bool
}

func newReqField(errs map[string]string, mine bool, item, name, label, value, pattern string) reqField {
	f := reqField{Item: item, Name: name, Label: label, Pattern: pattern, Mine: mine}
	if mine {
		f.Value, f.Error = value, errs[name]
	}
	return f
}

// formatTime formats a time or *time.Time in UTC; nil and zero times
// are blank.
func formatTime(v any, layout string) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x != nil {
			t = *x
		}
	}
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(layout)
}

// parseTemplates builds one template set per page (layout + partials +
// the page) and fails if a required page is missing or broken.
func parseTemplates(tfs fs.FS) (map[string]*template.Template, *template.Template, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(tfs, "layout.html", "partials.html")
	if err != nil {
		return nil, nil, fmt.Errorf("webui: templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, name := range requiredPages {
		t, err := base.Clone()
		if err == nil {
			t, err = t.ParseFS(tfs, name+".html")
		}
		if err != nil {
			return nil, nil, fmt.Errorf("webui: required template %s.html: %w", name, err)
		}
		if t.Lookup("content") == nil {
			return nil, nil, fmt.Errorf("webui: required template %s.html defines no \"content\"", name)
		}
		pages[name] = t
	}
	chart, err := template.New("").Funcs(funcs).ParseFS(tfs, "barchart.svg")
	if err != nil {
		return nil, nil, fmt.Errorf("webui: required template barchart.svg: %w", err)
	}
	return pages, chart, nil
}

// render executes a page into a buffer first, so a template error gives an
// error page rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.Logger.Error("render page", "page", name, "err", err)
		if name != "error" {
			s.Fail(w, r, http.StatusInternalServerError, "Something went wrong", "syncd could not show this page. The problem has been logged.")
			return
		}
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

type errorPage struct {
	Page
	Status int
	Detail string
	// RequestID finds the log line with the internal detail.
	RequestID string
}

// Fail renders the error page; it is also auth's Failure.
func (s *Server) Fail(w http.ResponseWriter, r *http.Request, status int, title, detail string) {
	s.render(w, r, status, "error", errorPage{
		Page:   Page{Title: title, Who: auth.PrincipalFrom(r.Context())},
		Status: status, Detail: detail, RequestID: requestlog.ID(r.Context()),
	})
}

// internal logs err and renders a generic error page.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.Logger.Error(what, "path", r.URL.Path, "err", err, "request_id", requestlog.ID(r.Context()))
	s.Fail(w, r, http.StatusInternalServerError, "Something went wrong", "syncd could not complete this request. The problem has been logged.")
}

// notFound is the answer for objects that do not exist and for objects
// the viewer may not see alike, so URLs cannot be used to probe.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, what string) {
	s.Fail(w, r, http.StatusNotFound, what+" not found", "There is no "+strings.ToLower(what)+" here that you may see.")
}

func (s *Server) page(r *http.Request, title, nav string) Page {
	p := Page{Title: title, Nav: nav, Who: auth.PrincipalFrom(r.Context())}
	p.OpenReviews = s.undecidedReviews(r)
	p.PendingApprovals = s.pendingApprovals(r)
	switch r.URL.Query().Get("done") {
	case "owner":
		p.Flash = "Owner reassigned."
	case "project":
		p.Flash = "Project extended."
	case "decided":
		p.Flash = "Decisions recorded."
	}
	return p
}

func (s *Server) signedOut(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signedout", Page{Title: "Signed out"})
}

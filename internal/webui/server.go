package webui

import (
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/requestlog"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/web"
)

// pageSize is how many rows a list page shows.
const pageSize = 50

// Server holds the web UI's dependencies.
type Server struct {
	// Store is what pages read: the web UI writes only through the
	// services below (docs/adr/0017).
	Store store.ReadStore
	// Auth signs people in; set it before Handler (auth.New needs Fail
	// from this server, so it is built second).
	Auth     *auth.Auth
	Findings Findings // nil: not wired
	// NHI changes owners and project end dates; nil: those forms answer
	// that NHI changes are not configured.
	NHI NHIWriter
	// Access is the request flow; nil when no catalog is configured.
	Access *access.Service
	// Evidence writes campaign evidence workbooks; nil leaves the
	// download out.
	Evidence EvidenceExporter
	// Reviews decides review items from My reviews; nil leaves the page
	// saying reviews are not configured.
	Reviews *review.Service
	// Sources are the configured source names, shown on the sync page
	// even before their first run.
	Sources []string
	Now     func() time.Time
	Logger  *slog.Logger

	// DemoMail lists the demo's caught mail; nil (outside the demo)
	// leaves /demo/mail a 404.
	DemoMail func() []DemoMail

	pages  map[string]*template.Template
	chart  *template.Template
	routes []string // every pattern Handler registered
}

// requiredPages are the templates the server cannot run without; New
// fails at start-up when one is missing or does not parse.
var requiredPages = []string{"error", "signedout", "home", "people", "person", "nhis", "nhi", "sync", "syncrun",
	"catalog", "requests", "request", "approvals", "lint", "jobs", "reviews", "campaigns", "campaign", "audit", "catalogowner",
	"grants", "evidence", "reports", "findings", "tasks"}

// New parses the embedded templates and checks every required page.
func New(s Server) (*Server, error) {
	return newWithTemplates(s, web.Templates())
}

func newWithTemplates(s Server, tfs fs.FS) (*Server, error) {
	if s.Store == nil {
		return nil, errors.New("webui: no store")
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	pages, chart, err := parseTemplates(tfs)
	if err != nil {
		return nil, err
	}
	s.pages, s.chart = pages, chart
	return &s, nil
}

// Handler returns the web UI with its security layers: security headers
// on every response, Go's cross-origin protection (Sec-Fetch-Site/Origin)
// on every state-changing request, then the session.
func (s *Server) Handler() http.Handler {
	if s.Auth == nil {
		panic("webui: Handler called before Auth was set")
	}
	mux := &routeRecorder{ServeMux: http.NewServeMux()}
	defer func() { s.routes = mux.patterns }()
	s.Auth.Register(mux)
	page := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, auth.Require(h)) }
	action := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, auth.Require(s.Auth.RequireCSRF(h))) }

	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(web.Static())))
	mux.HandleFunc("GET /signed-out", s.signedOut)
	page("GET /{$}", s.home)
	page("GET /people", s.people)
	page("GET /people/{id}", s.person)
	page("GET /nhis", s.nhis)
	page("GET /nhis/{id}", s.nhi)
	action("POST /nhis/{id}/owner", s.reassignOwner)
	action("POST /nhis/{id}/project", s.extendProject)
	page("GET /tasks", s.tasks)
	action("POST /tasks/{id}/accept", s.acceptTask)
	page("GET /catalog", s.catalog)
	page("GET /catalog/lint", s.lint)
	page("GET /catalog/mine", s.catalogOwner)
	action("POST /requests", s.submitRequest)
	page("GET /requests", s.requests)
	page("GET /requests/{id}", s.request)
	page("GET /approvals", s.approvals)
	action("POST /approvals", s.decide)
	action("POST /grants/{id}/extend", s.extendGrant)
	action("POST /grants/{id}/confirm", s.confirmGrant)
	page("GET /reviews", s.reviews)
	action("POST /reviews", s.decideReviews)
	page("GET /campaigns", s.campaigns)
	page("GET /campaigns/{id}", s.campaign)
	page("GET /audit", s.auditTrail)
	page("GET /audit/verify", s.auditTrail)
	page("GET /grants", s.grants)
	page("GET /findings", s.findingsList)
	page("GET /reports", s.reports)
	page("GET /evidence", s.evidencePage)
	page("GET /sync", s.syncPage)
	page("GET /sync/runs/{id}", s.syncRun)
	page("GET /jobs", s.jobsPage)
	page("GET /demo/mail", s.demoMail)
	page("GET /charts/identities.svg", s.identitiesChart)
	page("GET /charts/findings.svg", s.findingsChart)
	if s.Evidence != nil {
		page("GET /campaigns/{id}/evidence.xlsx", s.campaignEvidence)
		if _, ok := s.Evidence.(RequestEvidenceExporter); ok {
			page("GET /evidence/requests.xlsx", s.requestEvidence)
		}
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.Fail(w, r, http.StatusNotFound, "Page not found", "There is no page at this address.")
	})

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Fail(w, r, http.StatusForbidden, "Request refused", "This request came from another site, so syncd refused it (cross-origin protection).")
	}))
	return requestlog.Ensure(securityHeaders(s.Auth.EndSessionOrigin(), cop.Handler(s.Auth.Authenticate(mux))))
}

package api

import (
	"log/slog"
	"net/http"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/catalog"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/requestlog"
	"github.com/syncd-dev/syncd/internal/review"
	"github.com/syncd-dev/syncd/internal/store"
)

// Server holds the API's dependencies.
type Server struct {
	// Store is what handlers read; they write only through the services
	// below (docs/adr/0017).
	Store store.ReadStore
	NHI   *nhi.Service
	// Access serves the catalog, requests, approvals and grants; nil
	// leaves those routes out.
	Access *access.Service
	// Catalog lets admins and catalog owners change catalog items; nil
	// (or a nil Access) leaves those routes out.
	Catalog *catalog.Editor
	// Review serves campaigns and review items; nil leaves those routes out.
	Review *review.Service
	// Evidence writes campaign evidence workbooks; nil leaves the
	// download out.
	Evidence EvidenceExporter
	Auth     Authenticator
	Logger   *slog.Logger
	// Events records security events and Limiter throttles failed
	// authentication; both optional.
	Events  Events
	Limiter Limiter

	patterns []string // every pattern Register added
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// route is one API route and the token scope it needs (sessions are
// bounded by roles and the object policy only).
type route struct {
	pattern string
	h       http.HandlerFunc
	scope   store.Scope
}

// Register adds the API's routes to mux.
func (s *Server) Register(mux *http.ServeMux) {
	// Each route names the token scope it needs (sessions are bounded by
	// roles and the object policy only).
	const (
		read    = store.ScopeRead
		nhiW    = store.ScopeNHIWrite
		reqW    = store.ScopeRequests
		catalog = store.ScopeCatalogWrite
	)
	routes := []route{
		{"GET /api/v1/nhis", s.listNHIs, read},
		{"POST /api/v1/nhis", s.createNHI, nhiW},
		{"GET /api/v1/nhis/{id}", s.getNHI, read},
		{"PATCH /api/v1/nhis/{id}", s.updateNHI, nhiW},
		{"POST /api/v1/nhis/{id}/retire", s.retireNHI, nhiW},
		{"POST /api/v1/nhis/{id}/write-owner-back", s.writeOwnerBack, nhiW},
		{"GET /api/v1/projects", s.listProjects, read},
		{"POST /api/v1/projects", s.createProject, nhiW},
		{"GET /api/v1/projects/{id}", s.getProject, read},
		{"PATCH /api/v1/projects/{id}", s.updateProject, nhiW},
		{"GET /api/v1/findings", s.listFindings, read},
		{"POST /api/v1/findings/{id}/acknowledge", s.acknowledgeFinding, nhiW},
		{"GET /api/v1/tasks", s.listTasks, read},
		{"POST /api/v1/tasks/{id}/accept", s.acceptTask, nhiW},
		{"GET /api/v1/audit", s.listAudit, store.ScopeAudit},
	}
	if s.Access != nil {
		routes = append(routes, []route{
			{"GET /api/v1/catalog", s.browseCatalog, read},
			{"POST /api/v1/requests", s.submitRequest, reqW},
			{"GET /api/v1/requests", s.listRequests, read},
			{"GET /api/v1/requests/{id}/explanation", s.explainRequest, read},
			{"POST /api/v1/requests/{id}/decision", s.decideRequest, reqW},
			{"GET /api/v1/approvals", s.listApprovals, read},
			{"POST /api/v1/approvals/bulk", s.bulkDecide, reqW},
			{"GET /api/v1/grants", s.listGrants, read},
			{"POST /api/v1/grants/{id}/revoke", s.revokeGrant, reqW},
			{"POST /api/v1/grants/{id}/confirm", s.confirmGrant, reqW},
			{"POST /api/v1/grants/{id}/extend", s.extendGrant, reqW},
			{"GET /api/v1/requests/{id}", s.getRequest, read},
			{"POST /api/v1/requests/{id}/withdraw", s.withdrawRequest, reqW},
			{"GET /api/v1/requests/{id}/credential", s.requestCredential, reqW},
			{"POST /api/v1/grants/{id}/relinquish", s.relinquishGrant, reqW},
		}...)
	}
	if s.Access != nil && s.Catalog != nil {
		routes = append(routes, []route{
			{"PUT /api/v1/catalog/items/{id}", s.putCatalogItem, catalog},
			{"GET /api/v1/catalog/items/{id}/versions", s.listCatalogItemVersions, read},
			{"POST /api/v1/catalog/items/{id}/retire", s.retireCatalogItem, catalog},
			{"POST /api/v1/catalog/items/{id}/simulate", s.simulateCatalogItem, catalog},
			{"GET /api/v1/catalog/changes", s.listCatalogChanges, read},
			{"GET /api/v1/catalog/changes/{id}", s.getCatalogChange, read},
			{"POST /api/v1/catalog/changes/{id}/approve", s.approveCatalogChange, catalog},
			{"POST /api/v1/catalog/changes/{id}/reject", s.rejectCatalogChange, catalog},
		}...)
	}
	if s.Review != nil {
		routes = append(routes, reviewRoutes(s)...)
	}
	if s.Evidence != nil {
		routes = append(routes, route{"GET /api/v1/campaigns/{id}/evidence.xlsx", s.campaignEvidence, read})
	}
	for _, rt := range routes {
		s.patterns = append(s.patterns, rt.pattern)
		mux.Handle(rt.pattern, requestlog.Ensure(s.authenticated(rt.scope, s.jsonBody(rt.h))))
	}
}

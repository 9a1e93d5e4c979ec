package api

import (
	"log/slog"
	"net/http"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/nhi"
	"github.com/syncd-dev/syncd/internal/store"
)

// Server holds the API's dependencies.
type Server struct {
	Store store.Store
	NHI   *nhi.Service
	// Access serves the catalog, requests, approvals and grants; nil
	// leaves those routes out.
	Access *access.Service
	// Catalog lets admins and catalog owners change catalog items; nil
	// (or a nil Access) leaves those routes out.
	Catalog CatalogEditor
	Auth    Authenticator
	Logger  *slog.Logger
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// Register adds the API's routes to mux.
func (s *Server) Register(mux *http.ServeMux) {
	routes := []struct {
		pattern string
		h       http.HandlerFunc
	}{
		{"GET /api/v1/nhis", s.listNHIs},
		{"POST /api/v1/nhis", s.createNHI},
		{"GET /api/v1/nhis/{id}", s.getNHI},
		{"PATCH /api/v1/nhis/{id}", s.updateNHI},
		{"POST /api/v1/nhis/{id}/retire", s.retireNHI},
		{"POST /api/v1/nhis/{id}/write-owner-back", s.writeOwnerBack},
		{"GET /api/v1/projects", s.listProjects},
		{"POST /api/v1/projects", s.createProject},
		{"GET /api/v1/projects/{id}", s.getProject},
		{"PATCH /api/v1/projects/{id}", s.updateProject},
		{"GET /api/v1/findings", s.listFindings},
		{"POST /api/v1/findings/{id}/acknowledge", s.acknowledgeFinding},
		{"GET /api/v1/tasks", s.listTasks},
		{"POST /api/v1/tasks/{id}/accept", s.acceptTask},
	}
	if s.Access != nil {
		routes = append(routes, []struct {
			pattern string
			h       http.HandlerFunc
		}{
			{"GET /api/v1/catalog", s.browseCatalog},
			{"POST /api/v1/requests", s.submitRequest},
			{"GET /api/v1/requests", s.listRequests},
			{"GET /api/v1/requests/{id}/explanation", s.explainRequest},
			{"POST /api/v1/requests/{id}/decision", s.decideRequest},
			{"GET /api/v1/approvals", s.listApprovals},
			{"POST /api/v1/approvals/bulk", s.bulkDecide},
			{"GET /api/v1/grants", s.listGrants},
			{"POST /api/v1/grants/{id}/revoke", s.revokeGrant},
			{"POST /api/v1/grants/{id}/confirm", s.confirmGrant},
			{"POST /api/v1/grants/{id}/extend", s.extendGrant},
		}...)
	}
	if s.Access != nil && s.Catalog != nil {
		routes = append(routes, []struct {
			pattern string
			h       http.HandlerFunc
		}{
			{"PUT /api/v1/catalog/items/{id}", s.putCatalogItem},
			{"GET /api/v1/catalog/items/{id}/versions", s.listCatalogItemVersions},
			{"POST /api/v1/catalog/items/{id}/retire", s.retireCatalogItem},
			{"POST /api/v1/catalog/items/{id}/simulate", s.simulateCatalogItem},
		}...)
	}
	for _, rt := range routes {
		mux.HandleFunc(rt.pattern, s.authenticated(rt.h))
	}
}

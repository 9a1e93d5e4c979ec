package webui

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/store"
)

// submitRequest files a request from the catalog form and shows its
// outcome on the request's page.
func (s *Server) submitRequest(w http.ResponseWriter, r *http.Request) {
	if s.Access == nil {
		s.notFound(w, r, "Catalog")
		return
	}
	p := auth.PrincipalFrom(r.Context())
	sub := access.Submission{
		RequesterID:   p.PersonID,
		BeneficiaryID: strings.TrimSpace(r.PostFormValue("beneficiary")),
		ItemID:        strings.TrimSpace(r.PostFormValue("item")),
		Justification: strings.TrimSpace(r.PostFormValue("justification")),
		Environment:   strings.TrimSpace(r.PostFormValue("environment")),
		NHIName:       strings.TrimSpace(r.PostFormValue("nhi_name")),
		Project:       strings.TrimSpace(r.PostFormValue("project")),
	}
	if id, ok := strings.CutPrefix(sub.BeneficiaryID, "nhi:"); ok {
		sub.BeneficiaryID, sub.BeneficiaryNHI = "", id // a non-human identity the viewer owns
	}
	if end := strings.TrimSpace(r.PostFormValue("end")); end != "" {
		t, err := time.Parse("2006-01-02", end)
		if err != nil {
			s.Fail(w, r, http.StatusBadRequest, "Invalid end date", "Give the end date as YYYY-MM-DD.")
			return
		}
		sub.End = t.Add(24*time.Hour - time.Second)
	}
	out, err := s.Access.Submit(r.Context(), sub)
	switch {
	case errors.Is(err, access.ErrForbidden):
		s.Fail(w, r, http.StatusForbidden, "Not allowed", "You may request access for yourself, your direct reports, or the non-human identities you own.")
		return
	case errors.Is(err, access.ErrInvalid):
		s.Fail(w, r, http.StatusBadRequest, "Cannot request this", strings.TrimPrefix(err.Error(), "access: "))
		return
	case errors.Is(err, access.ErrNotFound):
		s.Fail(w, r, http.StatusNotFound, "Unknown item", "There is no catalog item "+sub.ItemID+".")
		return
	case err != nil && out.Request.ID == "":
		s.internal(w, r, "submit request", err)
		return
	case err != nil:
		s.Logger.Warn("request fulfillment", "request_id", out.Request.ID, "err", err)
	}
	http.Redirect(w, r, "/requests/"+out.Request.ID, http.StatusSeeOther)
}

func storePersonQueryManager(managerID, after string) store.PersonQuery {
	return store.PersonQuery{ManagerID: managerID, AfterID: after, Limit: 100}
}

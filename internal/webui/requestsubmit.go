package webui

import (
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/syncd-dev/syncd/internal/access"
	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/policy"
	"github.com/syncd-dev/syncd/internal/store"
)

// submitRequest files a request from the catalog form and shows its
// outcome on the request's page. Input the item does not allow, a
// request policy would deny (access.Preview, the submission's own
// decision) and a request the service refuses before deciding it bring
// the catalog back with the form as it was filled in and the message by
// the field; nothing is stored for them.
func (s *Server) submitRequest(w http.ResponseWriter, r *http.Request) {
	if s.Access == nil {
		s.notFound(w, r, "Catalog")
		return
	}
	p := auth.PrincipalFrom(r.Context())
	form := requestFormFrom(r)
	it, ok := s.catalogItems()[form.ItemID]
	if !ok || it.Retired {
		s.Fail(w, r, http.StatusNotFound, "Unknown item", "There is no such item in the catalog.")
		return
	}
	sub := access.Submission{
		RequesterID: p.PersonID, BeneficiaryID: form.Beneficiary, ItemID: form.ItemID, Justification: form.Justification,
		Environment: form.Environment, NHIName: form.NHIName, Project: form.Project,
	}
	if id, ok := strings.CutPrefix(sub.BeneficiaryID, "nhi:"); ok {
		sub.BeneficiaryID, sub.BeneficiaryNHI = "", id // a non-human identity the viewer owns
	}
	var held store.Grant
	if sub.BeneficiaryNHI == "" {
		who := sub.BeneficiaryID
		if who == "" {
			who = p.PersonID
		}
		until, err := s.heldUntil(r.Context(), who, it.ID)
		if err != nil {
			s.internal(w, r, "submit request: held grants", err)
			return
		}
		held.End = until
	}
	sub.End = form.check(it, s.Now().UTC(), held.End)
	if len(form.Errors) > 0 {
		s.renderCatalog(w, r, http.StatusUnprocessableEntity, form)
		return
	}
	// The same decision the submission takes, filing nothing: a request
	// policy denies (not eligible, separation of duties, …) is a form
	// error, not a stored denied request.
	v, err := s.Access.Preview(r.Context(), sub)
	if err == nil && v.Outcome == policy.Deny {
		form.fail("form", "You cannot request "+it.Name+": "+sentence(strings.TrimPrefix(v.Explanation, "denied: ")))
		s.renderCatalog(w, r, http.StatusUnprocessableEntity, form)
		return
	}
	var out access.Outcome
	if err == nil {
		out, err = s.Access.Submit(r.Context(), sub)
	}
	switch {
	case errors.Is(err, access.ErrForbidden):
		form.fail("beneficiary", "You may request access for yourself, your direct reports, or the non-human identities you own.")
		s.renderCatalog(w, r, http.StatusForbidden, form)
		return
	case errors.Is(err, access.ErrInvalid), errors.Is(err, access.ErrConflict):
		form.fail("form", submitMessage(err))
		s.renderCatalog(w, r, http.StatusUnprocessableEntity, form)
		return
	case errors.Is(err, access.ErrNotFound):
		form.fail("beneficiary", "There is no such person or non-human identity that you may request for.")
		s.renderCatalog(w, r, http.StatusUnprocessableEntity, form)
		return
	case err != nil && out.Request.ID == "":
		s.internal(w, r, "submit request", err)
		return
	case err != nil:
		s.Logger.Warn("request fulfillment", "request_id", out.Request.ID, "err", err)
	}
	http.Redirect(w, r, "/requests/"+out.Request.ID, http.StatusSeeOther)
}

// submitMessage words a submission the service refused before deciding
// it: its own reason, without package prefix, sentinel or request ids.
func submitMessage(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "access: "); i >= 0 {
		msg = msg[i+len("access: "):]
	}
	for _, sentinel := range []error{access.ErrConflict, access.ErrInvalid} {
		msg = strings.TrimSuffix(msg, ": "+sentinel.Error())
	}
	msg = strings.TrimSpace(uuidInParens.ReplaceAllString(msg, ""))
	if msg == "" {
		return "syncd could not file this request."
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

var uuidInParens = regexp.MustCompile(` \([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\)`)

func storePersonQueryManager(managerID, after string) store.PersonQuery {
	return store.PersonQuery{ManagerID: managerID, AfterID: after, Limit: 100}
}

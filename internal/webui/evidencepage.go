package webui

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/evidence"
	"github.com/syncd-dev/syncd/internal/store"
)

// RequestEvidenceExporter writes the access-request evidence workbook of
// the requests submitted in [from, to), as `syncd evidence export
// --requests` does. The EvidenceExporter may implement it; then the
// evidence page offers the download.
type RequestEvidenceExporter interface {
	ExportRequests(ctx context.Context, from, to time.Time, w io.Writer) error
}

// evidenceCampaign is a campaign as the evidence page lists it.
type evidenceCampaign struct {
	Campaign store.Campaign
	Link     string // the workbook, "" when downloads are off
}

type evidencePage struct {
	Page
	// Downloads: a signing key is configured, so workbooks can be made.
	Downloads bool
	Requests  bool // the access-request workbook is offered
	Reviews   bool // campaigns are configured
	Campaigns []evidenceCampaign
	From, To  string
	Errors    map[string]string
}

// evidencePage lists the signed evidence workbooks auditors can take
// away: each campaign's, and the access requests of a period.
func (s *Server) evidencePage(w http.ResponseWriter, r *http.Request) {
	if !s.oversee(w, r, "evidence") {
		return
	}
	data, err := s.evidenceData(r)
	if err != nil {
		s.internal(w, r, "evidence: campaigns", err)
		return
	}
	s.render(w, r, http.StatusOK, "evidence", data)
}

func (s *Server) evidenceData(r *http.Request) (evidencePage, error) {
	data := evidencePage{Page: s.page(r, "Evidence", "evidence"), Downloads: s.Evidence != nil, Reviews: s.Reviews != nil, Errors: map[string]string{}}
	_, data.Requests = s.Evidence.(RequestEvidenceExporter)
	now := s.Now().UTC()
	data.To = now.AddDate(0, 0, 1).Format(time.DateOnly)
	data.From = now.AddDate(0, -3, 0).Format(time.DateOnly)
	if s.Reviews == nil {
		return data, nil
	}
	cs, err := s.Reviews.List(r.Context(), "")
	if err != nil {
		return data, err
	}
	for _, c := range cs {
		row := evidenceCampaign{Campaign: c}
		if data.Downloads {
			row.Link = "/campaigns/" + url.PathEscape(c.ID) + "/evidence.xlsx"
		}
		data.Campaigns = append(data.Campaigns, row)
	}
	return data, nil
}

// requestEvidence: GET /evidence/requests.xlsx?from=…&to=… downloads the
// signed access-request workbook of the requests submitted from from
// (inclusive) to to (exclusive), the dates read as the CLI reads them.
// Wrong dates bring the evidence page back with the input and the
// message next to the field.
func (s *Server) requestEvidence(w http.ResponseWriter, r *http.Request) {
	if !s.oversee(w, r, "evidence") {
		return
	}
	ex, ok := s.Evidence.(RequestEvidenceExporter)
	if !ok {
		s.notFound(w, r, "Page")
		return
	}
	in := r.URL.Query()
	fromRaw, toRaw := strings.TrimSpace(in.Get("from")), strings.TrimSpace(in.Get("to"))
	errs := map[string]string{}
	from, err := evidence.ParseDate(fromRaw)
	if err != nil {
		errs["from"] = "There is no such date; use YYYY-MM-DD."
	}
	to, err := evidence.ParseDate(toRaw)
	if err != nil {
		errs["to"] = "There is no such date; use YYYY-MM-DD."
	}
	if len(errs) == 0 && !from.Before(to) {
		errs["to"] = "The end must be after the start."
	}
	if len(errs) > 0 {
		data, err := s.evidenceData(r)
		if err != nil {
			s.internal(w, r, "evidence: campaigns", err)
			return
		}
		data.From, data.To, data.Errors = fromRaw, toRaw, errs
		s.render(w, r, http.StatusUnprocessableEntity, "evidence", data)
		return
	}
	name := "requests-" + from.UTC().Format("20060102") + "-" + to.UTC().Format("20060102") + "-evidence.xlsx"
	err = evidence.ServeWorkbook(w, name, func(out io.Writer) error {
		return ex.ExportRequests(r.Context(), from, to, out)
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.notFound(w, r, "Evidence")
	case err != nil:
		s.internal(w, r, "request evidence", err)
	}
}

package webui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/syncd-dev/syncd/internal/store"
)

// reportLine is one number of the reports page with the list behind it.
type reportLine struct {
	ID, Title, Detail string
	Count             int
	Link, CSV         string
	Truncated         bool // the count stopped at the list's cap
}

type reportsPage struct {
	Page
	AccessAvailable   bool
	FindingsAvailable bool
	Findings          []reportLine // open findings by rule
	FindingsTotal     reportLine
	Grants            []reportLine
}

// reportGrants are the grant lists an auditor asks for, each a view of
// the grants register.
var reportGrants = []struct {
	id, title, detail string
	f                 grantFilter
}{
	{"leavers", "Leavers with active access", "Active grants of people who are disabled or terminated.", grantFilter{State: string(store.GrantActive), Leavers: true}},
	{"expiring", "Access expiring in the next 30 days", "Active grants whose end falls within 30 days (or has passed without the grant ending yet).", grantFilter{Expiring: 30}},
	{"sod", "Separation-of-duties conflicts", "Active grants of an item that conflicts with another item the same person holds (sodConflicts in the catalog).", grantFilter{State: string(store.GrantActive), SoD: true}},
	{"revoked", "Access revoked in the last 30 days", "Grants revoked (by a review, an owner or an administrator) in the last 30 days.", grantFilter{State: string(store.GrantRevoked), Ended: 30}},
}

// values is the filter as the register's query parameters.
func (f grantFilter) values() url.Values {
	v := url.Values{}
	set := func(k, x string) {
		if x != "" {
			v.Set(k, x)
		}
	}
	set("state", f.State)
	set("item", f.Item)
	set("holder", f.Holder)
	if f.Expiring > 0 {
		v.Set("expiring", strconv.Itoa(f.Expiring))
	}
	if f.Ended > 0 {
		v.Set("ended", strconv.Itoa(f.Ended))
	}
	if f.Leavers {
		v.Set("leavers", "1")
	}
	if f.SoD {
		v.Set("sod", "1")
	}
	return v
}

// reports shows auditors the counts they ask for, each counted from the
// very list it links to (and that list's CSV), so a number and its list
// never disagree.
func (s *Server) reports(w http.ResponseWriter, r *http.Request) {
	if !s.oversee(w, r, "reports") {
		return
	}
	ctx := r.Context()
	data := reportsPage{Page: s.page(r, "Reports", "reports"), AccessAvailable: s.Access != nil, FindingsAvailable: s.Findings != nil}
	if s.Findings != nil {
		if err := s.findingReport(ctx, &data); err != nil {
			s.internal(w, r, "reports: findings", err)
			return
		}
	}
	for _, g := range reportGrants {
		rows, truncated, err := s.register(ctx, g.f, "")
		if err != nil {
			s.internal(w, r, "reports: "+g.id, err)
			return
		}
		q := g.f.values()
		line := reportLine{ID: g.id, Title: g.title, Detail: g.detail, Count: len(rows), Truncated: truncated, Link: "/grants?" + q.Encode()}
		q.Set("format", "csv")
		line.CSV = "/grants?" + q.Encode()
		data.Grants = append(data.Grants, line)
	}
	s.render(w, r, http.StatusOK, "reports", data)
}

// findingReport counts the unresolved findings the viewer may see by
// rule, as /findings lists them.
func (s *Server) findingReport(ctx context.Context, data *reportsPage) error {
	fs, err := s.Findings.ListFindings(ctx, store.FindingQuery{Limit: store.All})
	if err != nil {
		return err
	}
	rows, err := s.findingRows(ctx, fs)
	if err != nil {
		return err
	}
	by := map[string]int{}
	for _, x := range rows {
		by[x.Finding.Rule]++
	}
	line := func(rule string, n int) reportLine {
		v := url.Values{}
		if rule != "" {
			v.Set("rule", rule)
		}
		l := reportLine{ID: "findings-" + rule, Title: rule, Count: n, Link: "/findings?" + v.Encode()}
		v.Set("format", "csv")
		l.CSV = "/findings?" + v.Encode()
		return l
	}
	for _, rule := range OrphanRules {
		data.Findings = append(data.Findings, line(rule, by[rule]))
	}
	data.FindingsTotal = line("", len(rows))
	data.FindingsTotal.ID, data.FindingsTotal.Title = "findings-all", "All rules"
	return nil
}

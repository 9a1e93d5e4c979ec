package webui_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/auth/authtest"
)

// readCSVFrom checks a response is a CSV export and parses it.
func readCSVFrom(t *testing.T, resp authtest.Response) [][]string {
	t.Helper()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("CSV: %d %s %.300s", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Body)
	}
	recs, err := csv.NewReader(strings.NewReader(resp.Body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	return recs
}

var regexpCSV = regexp.MustCompile(`href="([^"]+)" class="csv"`)

// TestListsSortPageAndExport: the approvals inbox, My requests, My
// reviews and the NHI list sort on the server, say where the page is in
// the whole, and export CSV with the filter and order kept, names for
// people and formula-like input neutralised.
func TestListsSortPageAndExport(t *testing.T) {
	f := newReviewFixtureWith(t, withStrictCatalog)
	sam, rita := f.as("sam"), f.as("rita")
	formula := `=HYPERLINK("http://evil.example","<b>click</b>")`
	for _, tc := range []struct {
		who  string
		form url.Values
	}{
		{"sam", url.Values{"item": {"payroll"}, "justification": {formula}, "environment": {"prod"}}},
		{"rita", url.Values{"item": {"payroll"}, "justification": {"+month end"}, "environment": {"dev"}}},
	} {
		br := sam
		if tc.who == "rita" {
			br = rita
		}
		tc.form.Set("csrf_token", f.csrf(br))
		if resp := f.post(br, "/requests", tc.form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s submits: %d %s", tc.who, resp.StatusCode, resp.Body)
		}
	}
	carol, mike := f.as("carol"), f.as("mike")

	// Carol approves Sam's (her report); Mike approves Rita's.
	inbox := carol.Get(f.base + "/approvals?sort=for")
	if !strings.Contains(inbox.Body, `id="sort-by"`) || !strings.Contains(inbox.Body, "1–1 of 1") || strings.Contains(inbox.Body, "<b>click</b>") {
		t.Fatalf("carol's inbox: %s", inbox.Body)
	}
	csvLink := regexpCSV.FindStringSubmatch(inbox.Body)
	if csvLink == nil || !strings.Contains(csvLink[1], "sort=for") {
		t.Fatalf("no CSV link keeping the order: %s", inbox.Body)
	}
	recs := readCSVFrom(t, carol.Get(f.base+strings.ReplaceAll(csvLink[1], "&amp;", "&")))
	if len(recs) != 2 || strings.Join(recs[0][:4], ",") != "requested,item,risk,for" {
		t.Fatalf("approvals CSV: %q", recs)
	}
	if row := recs[1]; row[1] != "Payroll <b>admin</b>" || row[3] != "Sam Sales" || row[5] != "'"+formula || row[9] != "manager: Carol CEO" {
		t.Fatalf("approvals CSV row: %q", row)
	}

	mine := readCSVFrom(t, sam.Get(f.base+"/requests?format=csv"))
	if len(mine) != 2 || mine[1][1] != "Payroll <b>admin</b>" || mine[1][3] != "pending" || mine[1][4] != "'"+formula {
		t.Fatalf("my requests CSV: %q", mine)
	}
	if ritas := readCSVFrom(t, rita.Get(f.base+"/requests?format=csv")); ritas[1][4] != "'+month end" {
		t.Fatalf("rita's CSV: %q", ritas)
	}

	// My reviews: sorted by risk within each person, exported with the
	// filter.
	page := mike.Get(f.base + "/reviews?sort=risk&dir=desc")
	if i, j := strings.Index(page.Body, "Production database"), strings.Index(page.Body, "Payroll (read)"); i < 0 || j < 0 || i > j {
		t.Fatalf("rita's rows by risk, high first: %d %d", i, j)
	}
	revs := readCSVFrom(t, mike.Get(f.base+"/reviews?rec=revoke&format=csv"))
	if len(revs) != 3 || revs[0][0] != "holder" {
		t.Fatalf("reviews CSV with rec=revoke: %q", revs)
	}
	for _, row := range revs[1:] {
		if row[7] != "revoke" {
			t.Fatalf("reviews CSV ignores the filter: %q", row)
		}
	}

	// NHIs: the export keeps the rule filter and names owners.
	alice := f.as("alice")
	list := alice.Get(f.base + "/nhis?owner=mike")
	if !strings.Contains(list.Body, `id="nhis-csv"`) {
		t.Fatalf("no NHI export link: %s", list.Body)
	}
	nhis := readCSVFrom(t, alice.Get(f.base+"/nhis?owner=mike&format=csv"))
	if len(nhis) != 2 || nhis[1][0] != "svc-mike" || nhis[1][3] != "Mike Manager" {
		t.Fatalf("NHI CSV: %q", nhis)
	}
	// Sam sees his own and those of the project he owns, nothing else
	// (sorted by name, as the list shows them).
	if other := readCSVFrom(t, f.as("sam").Get(f.base+"/nhis?format=csv")); len(other) != 3 || other[1][0] != "svc-apollo" || other[2][0] != "svc-sam" {
		t.Fatalf("sam's NHI CSV shows what he may not see: %q", other)
	}
}

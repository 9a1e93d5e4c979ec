package webui

import (
	"cmp"
	"encoding/csv"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

type testRow struct {
	id, name string
	n        int
}

var testKeys = []sortKey[testRow]{
	{Key: "name", Label: "Name", Cmp: func(a, b testRow) int { return strings.Compare(a.name, b.name) }},
	{Key: "n", Label: "N", Cmp: func(a, b testRow) int { return cmp.Compare(a.n, b.n) }},
}

func TestSortPage(t *testing.T) {
	var rows []testRow
	for i := range 120 {
		rows = append(rows, testRow{id: strconv.Itoa(1000 + i), name: []string{"b", "a", "c"}[i%3], n: i % 7})
	}
	get := func(query string) ([]testRow, listView) {
		r := httptest.NewRequest("GET", "/x?"+query, nil)
		return sortPage(r, listParams{Path: "/x", Size: 50}, testKeys, "name", false, func(r testRow) string { return r.id }, cloneRows(rows))
	}
	// Every page of every order: each row once, in order, ties by id.
	for _, q := range []string{"", "sort=n", "sort=n&dir=desc", "sort=bogus&q=keep"} {
		var all []testRow
		var v listView
		for p := 1; p <= 3; p++ {
			var page []testRow
			page, v = get(q + "&page=" + strconv.Itoa(p))
			all = append(all, page...)
			if want := []int{50, 50, 20}[p-1]; len(page) != want || v.From != (p-1)*50+1 || v.Total != 120 {
				t.Fatalf("%s page %d: %d rows, view %+v", q, p, len(page), v)
			}
		}
		seen := map[string]bool{}
		for i, r := range all {
			if seen[r.id] {
				t.Fatalf("%s: row %s twice", q, r.id)
			}
			seen[r.id] = true
			if i == 0 {
				continue
			}
			prev := all[i-1]
			c := 0
			switch v.Sort {
			case "name":
				c = strings.Compare(prev.name, r.name)
			case "n":
				c = cmp.Compare(prev.n, r.n)
			}
			if v.Desc {
				c = -c
			}
			if c > 0 || c == 0 && prev.id > r.id {
				t.Fatalf("%s: %+v before %+v", q, prev, r)
			}
		}
		if strings.Contains(q, "keep") && (!strings.Contains(v.Prev, "q=keep") || !strings.Contains(v.CSV, "q=keep") || !strings.Contains(v.Headers["n"].Link, "q=keep")) {
			t.Fatalf("links lose the filter: %+v", v)
		}
	}
	_, v := get("sort=n&page=2")
	if h := v.Headers["n"]; !h.Current || h.Desc || !strings.Contains(h.Link, "dir=desc") || strings.Contains(h.Link, "page=") {
		t.Fatalf("header of the current sort: %+v", h)
	}
	if _, v := get("page=99"); v.From != 101 || v.Next != "" || v.Prev == "" {
		t.Fatalf("a page past the end: %+v", v)
	}
}

func cloneRows(rows []testRow) []testRow { return append([]testRow(nil), rows...) }

func TestWriteCSVNeutralisesFormulas(t *testing.T) {
	rec := httptest.NewRecorder()
	cells := []string{"=HYPERLINK(\"http://evil\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "plain, with \"quotes\"\nand a newline", "", "a=b"}
	writeCSV(rec, "x.csv", []string{"c"}, [][]string{cells})
	if ct := rec.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" || !strings.Contains(rec.Header().Get("Content-Disposition"), `filename="x.csv"`) {
		t.Fatalf("headers %v", rec.Header())
	}
	cr := csv.NewReader(strings.NewReader(rec.Body.String()))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("%v %q", err, rec.Body.String())
	}
	want := []string{"'=HYPERLINK(\"http://evil\")", "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "plain, with \"quotes\"\nand a newline", "", "a=b"}
	for i, w := range want {
		if recs[1][i] != w {
			t.Errorf("cell %d: %q, want %q", i, recs[1][i], w)
		}
	}
}

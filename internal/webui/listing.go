package webui

import (
	"cmp"
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// sortKey is one sortable column of a list: how two rows compare on it.
type sortKey[T any] struct {
	Key, Label string
	Cmp        func(a, b T) int
	// Group, when set, orders first and is never reversed: rows of one
	// group stay together in the group's order.
	Group func(a, b T) int
}

// sortHeader is a column header as a link that sorts by it (or turns
// the order around when it already does).
type sortHeader struct {
	Key, Label, Link string
	Current          bool
	Desc             bool
}

// pageLink is one page number of a list.
type pageLink struct {
	N       int
	Link    string
	Current bool
}

// listView is what a list's template needs: the sorted page's place in
// the whole (From–To of Total), links to the other pages and the sort
// headers, each keeping the page's filters, and the CSV export of the
// whole sorted list.
type listView struct {
	Sort       string
	Desc       bool
	From, To   int
	Total      int
	Prev, Next string
	Pages      []pageLink
	Headers    map[string]sortHeader
	Ordered    []sortHeader // the headers in the list's order
	CSV        string
}

// listParams names a list's query parameters; a page with two lists
// gives the second a prefix.
type listParams struct {
	Path   string // the page's path
	Prefix string // "" or e.g. "g" for gsort, gdir, gpage
	Size   int    // rows per page
}

// sortPage sorts rows in place by the request's sort key (else def),
// stably, ties broken by id so the order never changes between pages,
// and returns the page asked for with its view. Unknown keys fall back
// to def; pages beyond the last show the last.
func sortPage[T any](r *http.Request, lp listParams, keys []sortKey[T], def string, defDesc bool, id func(T) string, rows []T) ([]T, listView) {
	q := r.URL.Query()
	key, dir := q.Get(lp.Prefix+"sort"), q.Get(lp.Prefix+"dir")
	i := slices.IndexFunc(keys, func(k sortKey[T]) bool { return k.Key == key })
	desc := dir == "desc"
	if i < 0 {
		key, desc = def, defDesc
		i = slices.IndexFunc(keys, func(k sortKey[T]) bool { return k.Key == def })
	}
	by, group := keys[i].Cmp, keys[i].Group
	slices.SortStableFunc(rows, func(a, b T) int {
		if group != nil {
			if c := group(a, b); c != 0 {
				return c
			}
		}
		c := by(a, b)
		if desc {
			c = -c
		}
		if c == 0 {
			c = strings.Compare(id(a), id(b))
		}
		return c
	})
	v := listView{Sort: key, Desc: desc, Total: len(rows), Headers: map[string]sortHeader{}}
	link := func(set map[string]string) string {
		u := url.Values{}
		for k, vs := range q {
			u[k] = slices.Clone(vs)
		}
		u.Del("format")
		for k, x := range set {
			if x == "" {
				u.Del(k)
			} else {
				u.Set(k, x)
			}
		}
		return lp.Path + "?" + u.Encode()
	}
	for _, k := range keys {
		h := sortHeader{Key: k.Key, Label: k.Label, Current: k.Key == key}
		nextDir := ""
		if h.Current {
			h.Desc = desc
			if !desc {
				nextDir = "desc"
			}
		}
		h.Link = link(map[string]string{lp.Prefix + "sort": k.Key, lp.Prefix + "dir": nextDir, lp.Prefix + "page": ""})
		v.Headers[k.Key] = h
		v.Ordered = append(v.Ordered, h)
	}
	v.CSV = link(map[string]string{"format": "csv", "list": lp.Prefix})
	size := cmp.Or(lp.Size, pageSize)
	pages := max(1, (len(rows)+size-1)/size)
	page, err := strconv.Atoi(q.Get(lp.Prefix + "page"))
	if err != nil || page < 1 {
		page = 1
	}
	page = min(page, pages)
	start, end := (page-1)*size, min(page*size, len(rows))
	if len(rows) > 0 {
		v.From, v.To = start+1, end
	}
	pageURL := func(n int) string {
		if n == 1 {
			return link(map[string]string{lp.Prefix + "page": ""})
		}
		return link(map[string]string{lp.Prefix + "page": strconv.Itoa(n)})
	}
	if pages > 1 {
		for n := 1; n <= pages; n++ {
			// Every page near this one, the first and the last.
			if n == 1 || n == pages || n >= page-3 && n <= page+3 {
				v.Pages = append(v.Pages, pageLink{N: n, Link: pageURL(n), Current: n == page})
			}
		}
		if page > 1 {
			v.Prev = pageURL(page - 1)
		}
		if page < pages {
			v.Next = pageURL(page + 1)
		}
	}
	return rows[start:end], v
}

// wantsCSV reports whether the request asks for list (its prefix) as
// CSV.
func wantsCSV(r *http.Request, prefix string) bool {
	q := r.URL.Query()
	return q.Get("format") == "csv" && q.Get("list") == prefix
}

// writeCSV sends a list as a CSV attachment (RFC 4180 quoting by
// encoding/csv). A cell a spreadsheet would read as a formula (it
// begins with =, +, -, @, a tab or a carriage return) is written with a
// leading apostrophe, so an exported name like "=HYPERLINK(…)" stays
// text (OWASP CSV injection).
func writeCSV(w http.ResponseWriter, filename string, header []string, rows [][]string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write(header)
	for _, row := range rows {
		out := make([]string, len(row))
		for i, c := range row {
			out[i] = neutralise(c)
		}
		cw.Write(out)
	}
	cw.Flush()
}

func neutralise(c string) string {
	if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
		return "'" + c
	}
	return c
}

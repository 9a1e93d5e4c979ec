package webui

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/store"
)

// reviewRow is one review item as the reviewer sees it.
type reviewRow struct {
	Item       store.ReviewItem
	Holder     string // the holder's name
	HolderID   string
	Title      string
	Department string
	ItemName   string
	Risk       string
	Obtained   string // how the access was obtained, in words
	Campaign   string
	Selected   bool
	// Justification is the input kept when the row's decision failed;
	// Error is the message shown next to it.
	Justification string
	Error         string
	Highlight     bool // the row a decision just changed
}

// reviewGroup is the rows of one person or one item.
type reviewGroup struct {
	Key   string
	Title string
	Rows  []reviewRow
}

// reviewFilter is the page's filters; the zero value shows everything.
type reviewFilter struct {
	Group          string // person | item
	Recommendation string // keep | revoke
	Risk           string // low | medium | high | critical
	State          string // undecided | decided
	Holder         string // a person id
}

func filterFrom(v url.Values) reviewFilter {
	f := reviewFilter{Group: v.Get("group"), Recommendation: v.Get("rec"), Risk: v.Get("risk"), State: v.Get("state"), Holder: v.Get("holder")}
	if f.Group != "item" {
		f.Group = "person"
	}
	return f
}

// query is the filter as URL parameters, for links and redirects.
func (f reviewFilter) query() string {
	v := url.Values{}
	for k, x := range map[string]string{"group": f.Group, "rec": f.Recommendation, "risk": f.Risk, "state": f.State, "holder": f.Holder} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v.Encode()
}

func (f reviewFilter) match(r reviewRow) bool {
	switch {
	case f.Recommendation != "" && r.Item.Recommendation != f.Recommendation,
		f.Risk != "" && r.Risk != f.Risk,
		f.State == "undecided" && r.Item.Decision != "",
		f.State == "decided" && r.Item.Decision == "",
		f.Holder != "" && r.HolderID != f.Holder:
		return false
	}
	return true
}

type reviewsPage struct {
	Page
	Available bool
	Filter    reviewFilter
	Groups    []reviewGroup
	Shown     int
	Total     int
	Undecided int
	// FormError is a failed bulk decision's message, shown by the bulk
	// form; Bulk keeps that form's input.
	FormError string
	Bulk      bulkInput
	// Last is the item a single-row decision just changed; its outcome
	// becomes the confirmation. Undone is the item whose decision was
	// just taken back.
	Last   int64
	Undone int64
	List   listView
}

// reviewKeys are My reviews' sort orders: within the groups (by person
// or by item), which stay together.
func reviewKeys(group string) []sortKey[reviewRow] {
	title := func(x reviewRow) string {
		if group == "item" {
			return x.ItemName + "\x00" + x.Item.ItemID + x.Item.NHIID
		}
		return x.Holder + "\x00" + x.HolderID
	}
	other := func(x reviewRow) string { return pick(group == "item", x.Holder, x.ItemName) }
	byGroup := func(a, b reviewRow) int { return strings.Compare(title(a), title(b)) }
	keys := []sortKey[reviewRow]{
		{Key: "default", Label: pick(group == "item", "Holder", "Access"), Cmp: func(a, b reviewRow) int { return strings.Compare(other(a), other(b)) }},
		{Key: "risk", Label: "Risk", Cmp: func(a, b reviewRow) int { return riskRank[a.Risk] - riskRank[b.Risk] }},
		{Key: "recommendation", Label: "Recommendation", Cmp: func(a, b reviewRow) int { return strings.Compare(a.Item.Recommendation, b.Item.Recommendation) }},
		{Key: "decision", Label: "Decision", Cmp: func(a, b reviewRow) int { return strings.Compare(a.Item.Decision, b.Item.Decision) }},
		{Key: "lastused", Label: "Last used", Cmp: func(a, b reviewRow) int {
			at := func(x reviewRow) int64 {
				if x.Item.Snapshot.LastUsedAt == nil {
					return 0
				}
				return x.Item.Snapshot.LastUsedAt.Unix()
			}
			return cmp.Compare(at(a), at(b))
		}},
	}
	for i := range keys {
		keys[i].Group = byGroup
	}
	return keys
}

// reviewsCSV exports the viewer's items as filtered and sorted.
func reviewsCSV(w http.ResponseWriter, rows []reviewRow) {
	var out [][]string
	for _, x := range rows {
		out = append(out, []string{x.Holder, x.Title, x.Department, x.ItemName, x.Risk, x.Obtained, formatTime(x.Item.Snapshot.LastUsedAt, "2006-01-02"),
			x.Item.Recommendation, x.Item.Reason, x.Item.Decision, formatTime(x.Item.DecidedAt, "2006-01-02 15:04"), x.Item.Justification})
	}
	writeCSV(w, "my-reviews.csv", []string{"holder", "title", "department", "access", "risk", "how obtained", "last used", "recommendation", "reason", "decision", "decided", "justification"}, out)
}

type bulkInput struct {
	Decision      string
	Justification string
	ReassignTo    string
}

// reviews is "My reviews": the open items the viewer decides, grouped by
// person or by item, with filters and per-row and bulk decisions.
func (s *Server) reviews(w http.ResponseWriter, r *http.Request) {
	f := filterFrom(r.URL.Query())
	data := reviewsPage{Page: s.page(r, "My reviews", "reviews"), Available: s.Reviews != nil, Filter: f}
	if n, err := strconv.Atoi(r.URL.Query().Get("decided")); err == nil && n > 0 {
		data.Flash = strconv.Itoa(n) + " decision" + plural(n) + " recorded. You can change " + pick(n == 1, "it", "them") + " here until the stage closes."
		data.Last, _ = strconv.ParseInt(r.URL.Query().Get("last"), 10, 64)
	}
	if r.URL.Query().Get("undone") != "" {
		data.Undone, _ = strconv.ParseInt(r.URL.Query().Get("last"), 10, 64)
		data.Flash = "Decision undone; the item is undecided again."
	}
	s.renderReviews(w, r, http.StatusOK, data, nil)
}

// renderReviews loads the viewer's rows; keep carries the input of rows
// whose decision failed, by item ID.
func (s *Server) renderReviews(w http.ResponseWriter, r *http.Request, status int, data reviewsPage, keep map[int64]reviewRow) {
	if s.Reviews != nil {
		rows, err := s.reviewRows(r.Context(), auth.PrincipalFrom(r.Context()).PersonID)
		if err != nil {
			s.internal(w, r, "reviews: list", err)
			return
		}
		data.Total = len(rows)
		var shown []reviewRow
		for _, row := range rows {
			if row.Item.Decision == "" {
				data.Undecided++
			}
			if data.Last != 0 && row.Item.ID == data.Last && row.Item.Decision != "" {
				data.Flash = pick(row.Item.Decision == store.DecisionRevoke, "Revoked ", "Certified ") + row.ItemName + " of " + row.Holder +
					". You can change this decision here until the stage closes."
				row.Highlight = true
			}
			if data.Undone != 0 && row.Item.ID == data.Undone && row.Item.Decision == "" {
				data.Flash = "Decision on " + row.ItemName + " of " + row.Holder + " undone; it is undecided again."
				row.Highlight = true
			}
			if !data.Filter.match(row) {
				continue
			}
			if k, ok := keep[row.Item.ID]; ok {
				row.Selected, row.Justification, row.Error = k.Selected, k.Justification, k.Error
			}
			shown = append(shown, row)
		}
		data.Shown = len(shown)
		var page []reviewRow
		page, data.List = sortPage(r, listParams{Path: "/reviews"}, reviewKeys(data.Filter.Group), "default", false,
			func(x reviewRow) string { return strconv.FormatInt(x.Item.ID, 10) }, shown)
		if wantsCSV(r, "") {
			reviewsCSV(w, shown)
			return
		}
		index := map[string]int{}
		for _, row := range page {
			key, title := "person:"+row.HolderID, row.Holder
			if data.Filter.Group == "item" {
				key, title = "item:"+row.Item.ItemID+"/"+row.Item.NHIID, row.ItemName
			}
			i, ok := index[key]
			if !ok {
				i = len(data.Groups)
				index[key] = i
				data.Groups = append(data.Groups, reviewGroup{Key: key, Title: title})
			}
			data.Groups[i].Rows = append(data.Groups[i].Rows, row)
		}
	}
	s.render(w, r, status, "reviews", data)
}

// openReviewItems are the items personID may decide now: in an active
// campaign's current stage, not yet final.
func (s *Server) openReviewItems(ctx context.Context, personID string) ([]store.ReviewItem, error) {
	campaigns := map[string]store.Campaign{}
	var out []store.ReviewItem
	var after int64
	for {
		page, err := s.Store.ListReviewItems(ctx, store.ReviewItemQuery{ReviewerID: personID, AfterID: after, Limit: 500,
			States: []store.ReviewItemState{store.ItemPending, store.ItemDecided, store.ItemEscalated}})
		if err != nil {
			return nil, err
		}
		for _, it := range page {
			c, ok := campaigns[it.CampaignID]
			if !ok {
				if c, err = s.Store.GetCampaign(ctx, it.CampaignID); err != nil && !errors.Is(err, store.ErrNotFound) {
					return nil, err
				}
				campaigns[it.CampaignID] = c
			}
			if c.State == store.CampaignActive && it.Stage == c.Stage && it.HolderID != personID {
				out = append(out, it)
			}
		}
		if len(page) < 500 {
			return out, nil
		}
		after = page[len(page)-1].ID
	}
}

// reviewRows adds names, titles and how the access was obtained.
func (s *Server) reviewRows(ctx context.Context, personID string) ([]reviewRow, error) {
	items, err := s.openReviewItems(ctx, personID)
	if err != nil {
		return nil, err
	}
	people := map[string]*store.Person{}
	person := func(id string) *store.Person {
		if p, ok := people[id]; ok || id == "" {
			return p
		}
		p, err := s.Store.GetPerson(ctx, id)
		if err != nil {
			people[id] = nil
			return nil
		}
		people[id] = &p
		return &p
	}
	name := func(id string) string {
		if p := person(id); p != nil {
			return (*p).Name()
		}
		return "someone no longer known"
	}
	var rows []reviewRow
	for _, it := range items {
		row := reviewRow{Item: it, HolderID: it.HolderID, Holder: it.Snapshot.HolderName, Department: it.Snapshot.HolderDept,
			ItemName: it.Snapshot.ItemName, Risk: it.Snapshot.RiskTier, Campaign: it.CampaignID}
		if it.NHIID != "" && it.ItemID == "" {
			// An NHI reviewed as such: the item is the NHI, the holder its
			// accountable owner.
			row.ItemName = it.Snapshot.NHIKind
			if n, err := s.Store.GetNHI(ctx, it.NHIID); err == nil {
				row.ItemName = n.Name + " (" + string(n.Kind) + ")"
				row.HolderID, row.Holder = n.OwnerID, ""
			}
			if row.HolderID == "" {
				row.Holder = "No owner"
			}
		}
		if p := person(row.HolderID); p != nil {
			row.Title = p.Title
			if row.Holder == "" {
				row.Holder = (*p).Name()
			}
			if row.Department == "" {
				row.Department = p.Department
			}
		}
		if row.ItemName == "" {
			row.ItemName = it.ItemID
		}
		row.Obtained = s.obtained(ctx, it, name)
		rows = append(rows, row)
	}
	return rows, nil
}

// obtained says in words how the reviewed access came about.
func (s *Server) obtained(ctx context.Context, it store.ReviewItem, name func(string) string) string {
	switch it.Snapshot.Source {
	case "birthright":
		return "Birthright (from the holder's job function)"
	case "imported":
		return "Imported from a directory"
	case "requested":
	default:
		if it.NHIID != "" {
			return "Non-human identity from " + orDash(it.Snapshot.Source)
		}
		return orDash(it.Snapshot.Source)
	}
	if it.GrantID == "" {
		return "Requested"
	}
	g, err := s.Store.GetGrant(ctx, it.GrantID)
	if err != nil || g.RequestID == "" {
		return "Requested"
	}
	out := "Requested"
	if req, err := s.Store.GetRequest(ctx, g.RequestID); err == nil && req.RequesterID != "" {
		out += " by " + name(req.RequesterID)
	}
	if len(g.ApproverIDs) == 0 {
		return out + ", approved automatically by policy"
	}
	var by []string
	for _, id := range g.ApproverIDs {
		by = append(by, name(id))
	}
	return out + ", approved by " + strings.Join(by, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func plural(n int) string { return pick(n == 1, "", "s") }

func pick(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

// undecidedReviews counts the viewer's open, undecided review items for
// the navigation with one count query; 0 when reviews are off or the
// count fails (logged).
func (s *Server) undecidedReviews(r *http.Request) int {
	p := auth.PrincipalFrom(r.Context())
	if s.Reviews == nil || p == nil || p.PersonID == "" {
		return 0
	}
	n, err := s.Store.CountOpenReviewItems(r.Context(), p.PersonID)
	if err != nil {
		s.Logger.Warn("reviews: count", "err", err)
		return 0
	}
	return n
}

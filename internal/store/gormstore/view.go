package gormstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/syncd-dev/syncd/internal/store"
)

var (
	_ store.ViewTx   = (*txn)(nil)
	_ store.NHIDocTx = (*txn)(nil)
)

// viewRow is one row of a view query.
type viewRow struct {
	Kind       string
	ID         string
	ExternalID string
	Raw        []byte
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
	// What ListUserViewShown reads beside a person's row (NULL for NHIs
	// and in the other views): the person's status and manager, the open
	// job functions as a JSON array and the groups as a JSON array of
	// [id, displayName] pairs.
	Status       *string
	ManagerID    *string
	JobFunctions *string
	Groups       *string
}

func (r viewRow) item() store.ViewItem {
	return store.ViewItem{
		Kind: store.ViewKind(r.Kind), ID: r.ID, ExternalID: r.ExternalID, Raw: r.Raw,
		CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt), Version: r.Version,
	}
}

// jsonDoc turns a raw column into the dialect's JSON document expression.
func (t *txn) jsonDoc(col string) string {
	if t.postgres() {
		return "convert_from(COALESCE(" + col + ", '\\x7b7d'::bytea), 'UTF8')::jsonb"
	}
	return "COALESCE(CAST(" + col + " AS TEXT), '{}')"
}

// ListUserView returns a page of the persons linked to q.Source (through a
// link carrying a pushed document) and of the NHIs it pushed, filtered and
// counted in the database, ordered by id.
func (t *txn) ListUserView(ctx context.Context, q store.ViewQuery) ([]store.ViewItem, int, error) {
	rows, total, err := t.userView(ctx, q, false, false)
	if err != nil {
		return nil, 0, err
	}
	return items(rows), total, nil
}

// ListUserViewShown is ListUserView with each person's status, manager,
// open job functions and (withGroups) groups in the source, read by the
// statement that reads the page's rows.
func (t *txn) ListUserViewShown(ctx context.Context, q store.ViewQuery, withGroups bool) ([]store.ShownUser, int, error) {
	rows, total, err := t.userView(ctx, q, true, withGroups)
	if err != nil {
		return nil, 0, err
	}
	out := make([]store.ShownUser, len(rows))
	for i, r := range rows {
		if out[i], err = t.shown(r, withGroups); err != nil {
			return nil, 0, wrap("user view", err)
		}
	}
	return out, total, nil
}

// stable binds v so that SQLite does not re-prepare the statement for
// each new value. SQLite (without its query planner stability guarantee,
// which mattn's driver does not let us turn on) marks a parameter whose
// value the planner looked at, a column compared with = ? as in source =
// ?, a LIMIT or OFFSET, and re-prepares the statement whenever one is
// bound again: every execution, since database/sql binds every call. In
// a profile of lookups by userName the re-preparation was four fifths of
// SQLite's time (about 120 of 145 µs of CPU per statement). Wrapped in an
// expression (CAST(? AS TEXT), ?+0) the value is opaque to the planner;
// the plan, which did not depend on it, is the same. PostgreSQL binds as
// usual.
func (t *txn) stable(v any) frag {
	if t.postgres() {
		return bind(v)
	}
	switch v.(type) {
	case int, int64:
		return frag{sql: "(?+0)", args: []any{v}}
	default:
		return frag{sql: "CAST(? AS TEXT)", args: []any{v}}
	}
}

func items(rows []viewRow) []store.ViewItem {
	out := make([]store.ViewItem, len(rows))
	for i, r := range rows {
		out[i] = r.item()
	}
	return out
}

// shownColumns are the columns ListUserViewShown reads beside a person's
// row (l a source link, p its person): the job functions and groups as
// JSON arrays, so a lookup by userName is one statement and a page one
// statement for its rows whatever its size. PostgreSQL aggregates them in
// order; SQLite aggregates them unordered with their sort keys and
// shownRow sorts them (an ordered aggregate costs SQLite a temporary
// b-tree per person and column: in a profile of lookups by userName it
// was more than the rest of the statement).
func (t *txn) shownColumns(source string, withGroups bool) frag {
	jobFunctions := "(SELECT json_group_array(json_array(a.valid_from, a.id, a.job_function)) FROM job_function_assignments a" +
		" WHERE a.person_id = l.person_id AND a.valid_to IS NULL)"
	groups := "(SELECT json_group_array(json_array(g.id, g.display_name)) FROM group_members m" +
		" JOIN source_groups g ON g.id = m.group_id WHERE m.person_id = l.person_id AND g.source = "
	if t.postgres() {
		jobFunctions = "(SELECT json_agg(a.job_function ORDER BY a.valid_from, a.id)::text FROM job_function_assignments a" +
			" WHERE a.person_id = l.person_id AND a.valid_to IS NULL)"
		groups = "(SELECT json_agg(json_build_array(g.id, g.display_name) ORDER BY g.id)::text FROM group_members m" +
			" JOIN source_groups g ON g.id = m.group_id WHERE m.person_id = l.person_id AND g.source = "
	}
	cols := ", p.status AS status, p.manager_id AS manager_id, " + jobFunctions + " AS job_functions, "
	if !withGroups {
		return frag{sql: cols + "NULL AS groups"}
	}
	return cat(cols+groups, t.stable(source), ") AS groups")
}

// shown turns a row read with shownColumns into a ShownUser.
func (t *txn) shown(r viewRow, withGroups bool) (store.ShownUser, error) {
	u := store.ShownUser{ViewItem: r.item()}
	if u.Kind != store.ViewPerson {
		return u, nil
	}
	if r.Status != nil {
		u.Status = store.Status(*r.Status)
	}
	if r.ManagerID != nil {
		u.ManagerID = *r.ManagerID
	}
	var err error
	if u.JobFunctions, err = t.jobFunctionNames(r.JobFunctions); err != nil {
		return store.ShownUser{}, fmt.Errorf("job functions: %w", err)
	}
	if withGroups {
		if u.Groups, err = t.groupRefs(r.Groups); err != nil {
			return store.ShownUser{}, fmt.Errorf("groups: %w", err)
		}
	}
	return u, nil
}

// jobFunctionNames reads shownColumns' job functions: on PostgreSQL the
// names in order, on SQLite [valid_from, id, name] triples sorted here as
// ORDER BY valid_from, id would (valid_from is text there, compared
// bytewise). Never nil.
func (t *txn) jobFunctionNames(raw *string) ([]string, error) {
	out := []string{}
	if raw == nil || *raw == "" {
		return out, nil
	}
	if t.postgres() {
		return out, json.Unmarshal([]byte(*raw), &out)
	}
	var rows [][3]json.RawMessage
	if err := json.Unmarshal([]byte(*raw), &rows); err != nil {
		return nil, err
	}
	type entry struct {
		from string
		id   int64
		name string
	}
	entries := make([]entry, len(rows))
	for i, r := range rows {
		e := &entries[i]
		if err := json.Unmarshal(r[0], &e.from); err != nil {
			e.from = string(r[0]) // not text: compared by its JSON form
		}
		if err := json.Unmarshal(r[1], &e.id); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(r[2], &e.name); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if c := strings.Compare(a.from, b.from); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	for _, e := range entries {
		out = append(out, e.name)
	}
	return out, nil
}

// groupRefs reads shownColumns' groups, [id, displayName] pairs, sorted
// by id (bytewise, SQLite's ORDER BY id; PostgreSQL's come in order).
// Never nil.
func (t *txn) groupRefs(raw *string) ([]store.GroupRef, error) {
	out := []store.GroupRef{}
	if raw == nil || *raw == "" {
		return out, nil
	}
	var pairs [][2]string
	if err := json.Unmarshal([]byte(*raw), &pairs); err != nil {
		return nil, err
	}
	for _, p := range pairs {
		out = append(out, store.GroupRef{ID: p[0], DisplayName: p[1]})
	}
	if !t.postgres() {
		slices.SortFunc(out, func(a, b store.GroupRef) int { return strings.Compare(a.ID, b.ID) })
	}
	return out, nil
}

// userView reads a page of the user view; shown adds shownColumns.
func (t *txn) userView(ctx context.Context, q store.ViewQuery, shown, withGroups bool) ([]viewRow, int, error) {
	userName := "json_extract(l.attributes, '$.userName')"
	displayName := "json_extract(l.attributes, '$.displayName')"
	if t.postgres() {
		userName = "(l.attributes ->> 'userName')"
		displayName = "(l.attributes ->> 'displayName')"
	}
	// userName and displayName are read from the link's canonical
	// attributes, which hold the pushed document's values (identity takes
	// them from it), where (source, lower(...)) indexes serve eq, and
	// co/sw through a scan of the index instead of every document.
	persons := filterSQL{pg: t.postgres(), cols: viewColumns{
		doc: t.jsonDoc("l.raw"), id: "l.person_id", created: "l.created_at", modified: "l.updated_at",
		columns: map[string]string{"username": userName, "displayname": displayName},
	}}
	if t.postgres() {
		// PostgreSQL keeps lower(displayName) in a stored, indexed
		// column (migration 00230): displayName filters read it instead
		// of extracting and lowering every link's displayName, and co
		// counts with an index-only scan.
		persons.cols.lowered = map[string]string{"displayname": "l.display_name_lc"}
	}
	nhis := filterSQL{pg: t.postgres(), cols: viewColumns{
		doc: t.jsonDoc("d.raw"), id: "d.nhi_id", created: "d.created_at", modified: "d.updated_at",
	}}
	pf, err := persons.build(q.Filter)
	if err != nil {
		return nil, 0, fmt.Errorf("gormstore: user view: filter: %w", err)
	}
	nf, err := nhis.build(q.Filter)
	if err != nil {
		return nil, 0, fmt.Errorf("gormstore: user view: filter: %w", err)
	}
	// With a filter, SQLite must not walk the (source, person_id) index to
	// produce id order (it would test the filter on every row): the unary
	// plus hides that index, so the filter's own index (userName) is used
	// and the few matches are sorted.
	personID, nhiID := "l.person_id", "d.nhi_id"
	if !t.postgres() && q.Filter.Op != "" {
		personID, nhiID = "+l.person_id", "+d.nhi_id"
	}
	// SQLite's planner, without statistics, takes any index that starts
	// with source and may pick one that is not partial, which then reads
	// every link to test raw IS NOT NULL (a count of 100,000 links:
	// 90 ms instead of 8). The view's ids come from the index made for
	// them: (source, person_id) for the whole view, and for a displayName
	// comparison the (source, lower(displayName), person_id) index, which
	// holds what the filter compares and the ids (migration 00230).
	links := "source_links l"
	switch {
	case t.postgres():
	case q.Filter.Op == "":
		links = "source_links l INDEXED BY source_links_view_idx"
	case displayNameCompare(q.Filter):
		links = "source_links l INDEXED BY source_links_display_name_idx"
	}
	personIDs := cat("SELECT "+t.idCol(personID)+" AS id FROM "+links+" WHERE l.source = ", t.stable(q.Source),
		" AND l.raw IS NOT NULL AND (", pf, ")")
	nhiIDs := cat("SELECT "+t.idCol(nhiID)+" AS id FROM scim_nhi_docs d WHERE d.source = ", t.stable(q.Source),
		" AND (", nf, ") AND "+liveNHI)
	ids := cat(personIDs, " UNION ALL ", nhiIDs)
	arms := []frag{personIDs, nhiIDs}
	extra, join, nhiExtra := frag{}, "", ""
	if shown {
		extra, join, nhiExtra = t.shownColumns(q.Source, withGroups), " JOIN persons p ON p.id = l.person_id", ", NULL, NULL, NULL, NULL"
	}
	rows := func(personCond, nhiCond frag) frag {
		return cat(
			"SELECT 'person' AS kind, l.person_id AS id, l.external_id AS external_id, l.raw AS raw,"+
				" l.created_at AS created_at, l.updated_at AS updated_at, l.version AS version", extra, " FROM source_links l"+join+
				" WHERE l.source = ", t.stable(q.Source), " AND l.raw IS NOT NULL AND (", personCond, ")"+
				" UNION ALL SELECT 'nhi', "+nhiID+", (SELECT n.external_id FROM nhis n WHERE n.id = d.nhi_id), d.raw,"+
				" d.created_at, d.updated_at, 0"+nhiExtra+
				" FROM scim_nhi_docs d WHERE d.source = ", t.stable(q.Source),
			" AND (", nhiCond, ") AND "+liveNHI)
	}
	// A lookup by userName (what IdPs send before every change) finds at
	// most a few rows through its index: one statement reads them whole.
	byID := func(elems frag) frag {
		return rows(cat("l.person_id IN (", elems, ")"), cat("d.nhi_id IN (", elems, ")"))
	}
	if q.Filter.Op == store.FilterEq && len(q.Filter.Path) == 1 && strings.EqualFold(q.Filter.Path[0], "userName") {
		return t.viewPage(ctx, "user view", ids, nil, byID, q, rows(pf, nf))
	}
	return t.viewPage(ctx, "user view", ids, arms, byID, q, frag{})
}

// displayNameCompare reports whether f is one case-insensitive comparison
// of displayName with a string (what an IdP's `displayName co "…"` or
// `sw` sends), which the (source, lower(displayName), person_id) index
// answers on SQLite.
func displayNameCompare(f store.Filter) bool {
	if len(f.Path) != 1 || !strings.EqualFold(f.Path[0], "displayName") || f.CaseExact {
		return false
	}
	if _, ok := f.Value.(string); !ok {
		return false
	}
	switch f.Op {
	case store.FilterEq, store.FilterCo, store.FilterSw, store.FilterEw,
		store.FilterGt, store.FilterGe, store.FilterLt, store.FilterLe:
		return true
	}
	return false
}

// liveNHI keeps the SCIM documents of NHIs that are not retired. A
// correlated lookup rather than a join with nhis: on SQLite the join cost
// every execution of the prepared statement about 18 µs more (measured
// with empty NHI tables: 23.5 against 5.3 µs for FindUserNameHolders'
// statement), a fifth of a SCIM lookup by userName. A document without an
// NHI (which the foreign key rules out) compares NULL and is left out, as
// the join left it out.
const liveNHI = "(SELECT n.status FROM nhis n WHERE n.id = d.nhi_id) <> 'retired'"

// ListGroupView returns a page of q.Source's groups, filtered and counted
// in the database, ordered by id.
func (t *txn) ListGroupView(ctx context.Context, q store.ViewQuery) ([]store.ViewItem, int, error) {
	groups := filterSQL{pg: t.postgres(), cols: viewColumns{
		doc: t.jsonDoc("g.raw"), id: "g.id", created: "g.created_at", modified: "g.updated_at", group: "g.id",
		columns: map[string]string{"displayname": "g.display_name"},
	}}
	gf, err := groups.build(q.Filter)
	if err != nil {
		return nil, 0, fmt.Errorf("gormstore: group view: filter: %w", err)
	}
	ids := cat("SELECT "+t.idCol("g.id")+" AS id FROM source_groups g WHERE g.source = ", t.stable(q.Source), " AND (", gf, ")")
	rows := func(page frag) frag {
		return cat("SELECT 'group' AS kind, g.id AS id, g.external_id AS external_id, g.raw AS raw,"+
			" g.created_at AS created_at, g.updated_at AS updated_at, g.version AS version FROM source_groups g"+
			" WHERE g.source = ", t.stable(q.Source), " AND g.id IN (", page, ")")
	}
	found, total, err := t.viewPage(ctx, "group view", ids, nil, rows, q, frag{})
	if err != nil {
		return nil, 0, err
	}
	return items(found), total, nil
}

// viewPage reads a page of a view in two steps: the page's ids first, from
// ids (a query of matching ids only, which indexes answer without reading
// documents), then the rows of just those ids. Sorting and skipping the
// whole view's documents to reach a deep startIndex is what made a page at
// 90,000 users take a tenth of a second and more. When whole is given (a
// query of whole rows for a filter that matches few through an index) the
// page is read with it in one statement instead.
//
// arms, when given, are ids as two queries, the first of the many (the
// persons), the second of the few (the NHIs): see pageIDs.
func (t *txn) viewPage(ctx context.Context, op string, ids frag, arms []frag, rows func(page frag) frag, q store.ViewQuery, whole frag) ([]viewRow, int, error) {
	switch {
	case q.CountOnly:
		q.Limit = 0
	case q.Limit == store.All:
		q.Limit = math.MaxInt32 // a number both databases take in LIMIT
	default:
		q.Limit = pageLimit(q.Limit)
	}
	var out []viewRow
	if q.Limit > 0 && whole.sql != "" {
		sel := cat("SELECT * FROM (", whole, ") v ORDER BY id LIMIT ", t.stable(q.Limit), " OFFSET ", t.stable(q.Offset))
		var err error
		if out, err = t.viewRows(ctx, sel); err != nil {
			return nil, 0, wrap(op, err)
		}
	} else if q.Limit > 0 {
		pageIDs, err := t.pageIDs(ctx, ids, arms, q)
		if err != nil {
			return nil, 0, wrap(op, err)
		}
		if len(pageIDs) > 0 {
			list, err := json.Marshal(pageIDs)
			if err != nil {
				return nil, 0, wrap(op, err)
			}
			// One statement text whatever the page's size: the ids travel
			// as one JSON array.
			elems := cat("SELECT value FROM json_each(", bind(string(list)), ")")
			if t.postgres() {
				elems = cat("SELECT jsonb_array_elements_text(", bind(string(list)), "::jsonb)")
			}
			found, err := t.viewRows(ctx, rows(elems))
			if err != nil {
				return nil, 0, wrap(op, err)
			}
			// In the page's order; a resource deleted between the two
			// reads is simply absent, as if deleted just before it.
			byID := make(map[string]viewRow, len(found))
			for _, r := range found {
				byID[r.ID] = r
			}
			out = make([]viewRow, 0, len(found))
			for _, id := range pageIDs {
				if r, ok := byID[id]; ok {
					out = append(out, r)
				}
			}
		}
	}
	if out == nil {
		out = []viewRow{}
	}
	// A first page that is not full holds everything: no count needed
	// (the common case of a filtered lookup).
	if q.Limit > 0 && q.Offset == 0 && len(out) < q.Limit {
		return out, len(out), nil
	}
	total, err := t.scanCount(ctx, cat("SELECT COUNT(*) FROM (", ids, ") v"))
	if err != nil {
		return nil, 0, wrap(op, err)
	}
	return out, int(total), nil
}

// maxMergedIDs bounds the second arm pageIDs merges in memory.
const maxMergedIDs = 1000

// orderByID orders a query of ids; idCol makes its id column sort bytewise
// on both databases (the order pageIDs merges in).
func (t *txn) orderByID() string { return " ORDER BY id" }

func (t *txn) idCol(expr string) string {
	if t.postgres() {
		return expr + ` COLLATE "C"`
	}
	return expr
}

// pageIDs returns the ids at [q.Offset, q.Offset+q.Limit) of ids in id
// order. PostgreSQL sorts the whole union to skip to a deep offset (it
// does not merge an index scan of the persons with the NHIs' join), so
// when the second arm has at most maxMergedIDs ids they are read whole
// and merged here with the window of persons that can reach the page:
// with k such ids, a person at the page's first position is at least
// the (Offset-k)-th person, so Limit+k persons from there cover it, read
// by an index-only scan.
func (t *txn) pageIDs(ctx context.Context, ids frag, arms []frag, q store.ViewQuery) ([]string, error) {
	if len(arms) == 2 {
		few, err := t.scanStrings(ctx, cat(arms[1], t.orderByID()+" LIMIT ", t.stable(maxMergedIDs+1)))
		if err != nil {
			return nil, err
		}
		if len(few) <= maxMergedIDs {
			k := len(few)
			start := max(0, q.Offset-k)
			many, err := t.scanStrings(ctx, cat(arms[0], t.orderByID()+" LIMIT ", t.stable(q.Limit+k), " OFFSET ", t.stable(start)))
			if err != nil {
				return nil, err
			}
			return mergeWindow(many, start, len(many) < q.Limit+k, few, q.Offset, q.Limit), nil
		}
	}
	return t.scanStrings(ctx, cat(ids, t.orderByID()+" LIMIT ", t.stable(q.Limit), " OFFSET ", t.stable(q.Offset)))
}

// mergeWindow merges many (sorted, the ids at positions start, start+1,
// ... of their arm; complete when nothing follows them) with few (sorted,
// the whole other arm) and returns the merged ids at [offset,
// offset+limit). Positions are exact for every id it keeps: the j-th
// few-id has j few-ids and (start + those of many below it) others
// before it when it is not below many[0]; when start > 0 and it is below
// many[0], fewer than start+len(few) = offset ids precede it, so it is
// before the page; above the last of an incomplete many, at least
// start+len(many) = offset+limit ids precede it, so it is after the page.
func mergeWindow(many []string, start int, complete bool, few []string, offset, limit int) []string {
	type at struct {
		id  string
		pos int
	}
	var got []at
	for i, id := range many {
		before, _ := slices.BinarySearch(few, id)
		got = append(got, at{id, start + i + before})
	}
	for j, id := range few {
		if start > 0 && (len(many) == 0 || id < many[0]) {
			continue
		}
		if !complete && (len(many) == 0 || id > many[len(many)-1]) {
			continue
		}
		before, _ := slices.BinarySearch(many, id)
		got = append(got, at{id, start + before + j})
	}
	out := make([]string, 0, min(limit, len(got)))
	slices.SortFunc(got, func(a, b at) int { return a.pos - b.pos })
	for _, g := range got {
		if g.pos >= offset && g.pos < offset+limit {
			out = append(out, g.id)
		}
	}
	return out
}

type nhiDocRow struct {
	NHIID     string `gorm:"column:nhi_id;primaryKey"`
	Source    string
	Raw       []byte
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

func (nhiDocRow) TableName() string { return "scim_nhi_docs" }

func (r nhiDocRow) doc() store.NHIDoc {
	return store.NHIDoc{NHIID: r.NHIID, Source: r.Source, Raw: r.Raw, CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt)}
}

// PutNHIDoc creates or replaces the document of an NHI; the NHI must exist.
func (t *txn) PutNHIDoc(ctx context.Context, d store.NHIDoc) (store.NHIDoc, error) {
	op := fmt.Sprintf("put nhi doc %q", d.NHIID)
	if d.NHIID == "" || d.Source == "" || len(d.Raw) == 0 {
		return store.NHIDoc{}, fmt.Errorf("gormstore: %s: nhi id, source and document are required", op)
	}
	var out store.NHIDoc
	err := t.atomic(ctx, func(t *txn) error {
		now := t.stamp()
		var old nhiDocRow
		err := t.conn(ctx).Where("nhi_id = ?", d.NHIID).Take(&old).Error
		row := nhiDocRow{NHIID: d.NHIID, Source: d.Source, Raw: d.Raw, CreatedAt: now, UpdatedAt: now}
		switch {
		case err == nil:
			row.CreatedAt = old.CreatedAt
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}
		err = t.conn(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "nhi_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"source", "raw", "updated_at"}),
		}).Create(&row).Error
		out = row.doc()
		return err
	})
	if err != nil {
		return store.NHIDoc{}, wrap(op, err)
	}
	return out, nil
}

// GetNHIDoc returns the document of an NHI.
func (t *txn) GetNHIDoc(ctx context.Context, nhiID string) (store.NHIDoc, error) {
	var row nhiDocRow
	if err := t.conn(ctx).Where("nhi_id = ?", nhiID).Take(&row).Error; err != nil {
		return store.NHIDoc{}, wrap(fmt.Sprintf("get nhi doc %q", nhiID), err)
	}
	return row.doc(), nil
}

// DeleteNHIDoc removes the document of an NHI.
func (t *txn) DeleteNHIDoc(ctx context.Context, nhiID string) error {
	res := t.conn(ctx).Where("nhi_id = ?", nhiID).Delete(&nhiDocRow{})
	if res.Error != nil {
		return wrap(fmt.Sprintf("delete nhi doc %q", nhiID), res.Error)
	}
	if res.RowsAffected == 0 {
		return wrap(fmt.Sprintf("delete nhi doc %q", nhiID), store.ErrNotFound)
	}
	return nil
}

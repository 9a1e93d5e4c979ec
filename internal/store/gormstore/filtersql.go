package gormstore

import (
	"fmt"
	"strings"
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// frag is a piece of SQL with the bind arguments of its placeholders, in
// textual order; fragments compose with cat, so a sub-expression used twice
// carries its arguments twice. Every value and every JSON key travels as an
// argument, never inside the SQL text.
type frag struct {
	sql  string
	args []any
}

// cat joins strings and fragments into one fragment.
func cat(parts ...any) frag {
	var out frag
	var sb strings.Builder
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			sb.WriteString(v)
		case frag:
			sb.WriteString(v.sql)
			out.args = append(out.args, v.args...)
		default:
			panic(fmt.Sprintf("gormstore: cat: unexpected %T", p)) // programming error only
		}
	}
	out.sql = sb.String()
	return out
}

func bind(v any) frag { return frag{sql: "?", args: []any{v}} }

// viewColumns names what a view exposes to a filter.
type viewColumns struct {
	doc      string // SQLite: JSON text expression; PostgreSQL: jsonb expression
	id       string
	created  string
	modified string
	group    string // group id column for member filters; "" when not a group view
	// columns maps a lower-cased top-level attribute to a text column (or
	// indexed expression) holding the same value as the document.
	columns map[string]string
	// lowered maps an attribute of columns to a column holding lower() of
	// it, which case-insensitive comparisons read instead of computing
	// lower() per row.
	lowered map[string]string
}

// filterSQL translates a store.Filter into a SQL condition for one
// dialect. Missing attributes never make a condition NULL: every comparison
// is wrapped in COALESCE so NOT and OR behave as SCIM expects (RFC 7644
// §3.4.2.2: a missing attribute does not equal anything).
type filterSQL struct {
	pg   bool
	cols viewColumns
}

func (b filterSQL) build(f store.Filter) (frag, error) {
	if err := f.Validate(); err != nil {
		return frag{}, err
	}
	if f.Op == "" {
		return frag{sql: "1=1"}, nil
	}
	return b.node(f, false)
}

func (b filterSQL) node(f store.Filter, inElem bool) (frag, error) {
	switch f.Op {
	case store.FilterAnd, store.FilterOr:
		parts := []any{}
		for i, c := range f.Children {
			s, err := b.node(c, inElem)
			if err != nil {
				return frag{}, err
			}
			if i > 0 {
				parts = append(parts, " "+strings.ToUpper(string(f.Op))+" ")
			}
			parts = append(parts, "(", s, ")")
		}
		return cat(parts...), nil
	case store.FilterNot:
		s, err := b.node(f.Children[0], inElem)
		if err != nil {
			return frag{}, err
		}
		return cat("NOT (", s, ")"), nil
	case store.FilterAny:
		return b.anyElem(f)
	}
	switch f.Field {
	case store.FieldID:
		if f.Op == store.FilterPr {
			return frag{sql: "1=1"}, nil
		}
		return b.compareString(frag{sql: b.cols.id}, frag{}, f.Op, f.Value.(string), true)
	case store.FieldCreated, store.FieldModified:
		col := b.cols.created
		if f.Field == store.FieldModified {
			col = b.cols.modified
		}
		if f.Op == store.FilterPr {
			return frag{sql: "1=1"}, nil
		}
		op, ok := sqlOps[f.Op]
		if !ok {
			return frag{}, fmt.Errorf("%s does not apply to times", f.Op)
		}
		return cat("COALESCE(", col, " ", op, " ", bind(utc(f.Value.(time.Time))), ", FALSE)"), nil
	case store.FieldMember:
		if b.cols.group == "" {
			return frag{}, fmt.Errorf("members can only be filtered on groups")
		}
		return cat("EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = ", b.cols.group,
			" AND m.person_id = ", bind(f.Value), ")"), nil
	}
	attr := strings.ToLower(strings.Join(f.Path, "."))
	if col, ok := b.cols.columns[attr]; ok && !inElem {
		if s, ok := f.Value.(string); ok {
			var low frag
			if lc, ok := b.cols.lowered[attr]; ok {
				low = frag{sql: lc}
			}
			return b.compareString(frag{sql: col}, low, f.Op, s, f.CaseExact)
		}
		if f.Op == store.FilterPr {
			return cat("COALESCE(", col, " <> '', FALSE)"), nil
		}
	}
	return b.compareDoc(f, inElem)
}

// base is the JSON value a path starts from: the document, or the current
// array element inside FilterAny.
func (b filterSQL) base(inElem bool) string {
	switch {
	case !inElem:
		return b.cols.doc
	case b.pg:
		return "e.v"
	default:
		return "CASE WHEN e.type = 'object' THEN e.value END"
	}
}

// text is the scalar at path as SQL text (NULL when missing).
func (b filterSQL) text(path []string, inElem bool) frag {
	if b.pg {
		return cat("(", b.base(inElem), " #>> ", b.pgPath(path), ")")
	}
	if inElem && len(path) == 0 {
		return frag{sql: "e.atom"}
	}
	return cat("json_extract(", b.base(inElem), ", ", bind(sqlitePath(path)), ")")
}

// jsonType is the JSON type at path in SQLite's spelling on SQLite
// (null, true, false, integer, real, text, array, object) and jsonb_typeof's
// on PostgreSQL (null, boolean, number, string, array, object); NULL when
// missing.
func (b filterSQL) jsonType(path []string, inElem bool) frag {
	if b.pg {
		return cat("jsonb_typeof(", b.base(inElem), " #> ", b.pgPath(path), ")")
	}
	if inElem && len(path) == 0 {
		return frag{sql: "e.type"}
	}
	return cat("json_type(", b.base(inElem), ", ", bind(sqlitePath(path)), ")")
}

func (b filterSQL) pgPath(path []string) frag {
	if len(path) == 0 {
		return frag{sql: "'{}'::text[]"}
	}
	parts := []any{"ARRAY["}
	for i, k := range path {
		if i > 0 {
			parts = append(parts, ", ")
		}
		parts = append(parts, bind(k))
	}
	parts = append(parts, "]::text[]")
	return cat(parts...)
}

// sqlitePath quotes every key, so URN keys with dots and colons stay one
// key (store.Filter.Validate has excluded quotes and backslashes).
func sqlitePath(path []string) string {
	var sb strings.Builder
	sb.WriteString("$")
	for _, k := range path {
		sb.WriteString(`."`)
		sb.WriteString(k)
		sb.WriteString(`"`)
	}
	return sb.String()
}

var sqlOps = map[store.FilterOp]string{
	store.FilterEq: "=", store.FilterNe: "<>", store.FilterGt: ">", store.FilterGe: ">=",
	store.FilterLt: "<", store.FilterLe: "<=",
}

func (b filterSQL) compareDoc(f store.Filter, inElem bool) (frag, error) {
	t := b.jsonType(f.Path, inElem)
	switch v := f.Value.(type) {
	case nil: // pr: present, not null, not "" and not an empty array/object
		if b.pg {
			x := cat(b.base(inElem), " #> ", b.pgPath(f.Path))
			return cat("COALESCE(", t, " <> 'null' AND ", x, " NOT IN ('\"\"'::jsonb, '[]'::jsonb, '{}'::jsonb), FALSE)"), nil
		}
		return cat("COALESCE(", t, " <> 'null' AND ", b.text(f.Path, inElem), " NOT IN ('', '[]', '{}'), FALSE)"), nil
	case bool:
		var is frag
		if b.pg {
			is = cat("COALESCE(", t, " = 'boolean' AND ", b.text(f.Path, inElem), " = ", bind(fmt.Sprint(v)), ", FALSE)")
		} else {
			is = cat("COALESCE(", t, " = ", bind(fmt.Sprint(v)), ", FALSE)")
		}
		if f.Op == store.FilterNe {
			return cat("NOT ", is), nil
		}
		return is, nil
	case float64:
		op, ok := sqlOps[f.Op]
		if !ok {
			return frag{}, fmt.Errorf("%s does not apply to numbers", f.Op)
		}
		if f.Op == store.FilterNe {
			op = "="
		}
		var cond frag
		if b.pg {
			cond = cat("CASE WHEN ", t, " = 'number' THEN ", b.text(f.Path, inElem), "::numeric END ", op, " ", bind(v))
		} else {
			cond = cat(t, " IN ('integer', 'real') AND ", b.text(f.Path, inElem), " ", op, " ", bind(v))
		}
		if f.Op == store.FilterNe {
			return cat("NOT COALESCE(", cond, ", FALSE)"), nil
		}
		return cat("COALESCE(", cond, ", FALSE)"), nil
	case string:
		return b.compareString(b.text(f.Path, inElem), frag{}, f.Op, v, f.CaseExact)
	case time.Time:
		return b.compareString(b.text(f.Path, inElem), frag{}, f.Op, v.UTC().Format(time.RFC3339Nano), true)
	}
	return frag{}, fmt.Errorf("unsupported value %T", f.Value)
}

// compareString compares the text expression x with v. A missing value
// matches nothing, except ne, which it satisfies. low, when not empty, is
// a column holding lower(x), read instead of it when case does not count.
func (b filterSQL) compareString(x, low frag, op store.FilterOp, v string, caseExact bool) (frag, error) {
	if op == store.FilterPr {
		return cat("COALESCE(", x, " <> '', FALSE)"), nil
	}
	lhs, rhs := x, bind(v)
	if !caseExact {
		lhs, rhs = cat("lower(", x, ")"), cat("lower(", rhs, ")")
		if low.sql != "" {
			// lower(x) is NULL exactly when x is: the condition below
			// then needs no other column than low.
			lhs, x = low, low
		}
	}
	var cond frag
	switch op {
	case store.FilterEq, store.FilterNe:
		cond = cat(lhs, " = ", rhs)
	case store.FilterCo:
		fn := "instr"
		if b.pg {
			fn = "strpos"
		}
		cond = cat(fn, "(", lhs, ", ", rhs, ") > 0")
	case store.FilterSw:
		cond = cat("substr(", lhs, ", 1, length(", rhs, ")) = ", rhs)
	case store.FilterEw:
		cond = cat("length(", lhs, ") >= length(", rhs, ") AND substr(", lhs, ", length(", lhs, ") - length(", rhs, ") + 1) = ", rhs)
	case store.FilterGt, store.FilterGe, store.FilterLt, store.FilterLe:
		c := ""
		if b.pg {
			c = ` COLLATE "C"`
		}
		cond = cat(lhs, c, " ", sqlOps[op], " ", rhs, c)
	default:
		return frag{}, fmt.Errorf("%s does not apply to strings", op)
	}
	switch op {
	case store.FilterEq:
		// Never NULL (a missing value makes the second term false), and
		// sargable: an index on lower(x) serves the first term.
		return cat("(", cond, " AND ", x, " IS NOT NULL)"), nil
	case store.FilterNe:
		return cat("NOT COALESCE(", cond, ", FALSE)"), nil
	}
	return cat("COALESCE(", cond, ", FALSE)"), nil
}

// anyElem matches when some element of the array at f.Path satisfies the
// child filter. A value that is not an array has no elements.
func (b filterSQL) anyElem(f store.Filter) (frag, error) {
	inner, err := b.node(f.Children[0], true)
	if err != nil {
		return frag{}, err
	}
	if b.pg {
		arr := cat(b.cols.doc, " #> ", b.pgPath(f.Path))
		return cat("EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(", arr,
			") = 'array' THEN ", arr, " ELSE '[]'::jsonb END) AS e(v) WHERE ", inner, ")"), nil
	}
	p := bind(sqlitePath(f.Path))
	isArr := cat("json_type(", b.cols.doc, ", ", p, ") = 'array'")
	return cat("EXISTS (SELECT 1 FROM json_each(CASE WHEN ", isArr, " THEN ", b.cols.doc,
		" ELSE '[]' END, CASE WHEN ", isArr, " THEN ", p, " ELSE '$' END) AS e WHERE ", inner, ")"), nil
}

package store

import (
	"context"
	"fmt"
	"time"
)

// FilterOp is the operator of one Filter node. The comparison operators are
// those of SCIM (RFC 7644 §3.4.2.2); FilterAny matches when some element of
// a multi-valued attribute satisfies the node's single child (a SCIM value
// path such as emails[type eq "work"]).
type FilterOp string

const (
	FilterEq  FilterOp = "eq"
	FilterNe  FilterOp = "ne"
	FilterCo  FilterOp = "co"
	FilterSw  FilterOp = "sw"
	FilterEw  FilterOp = "ew"
	FilterGt  FilterOp = "gt"
	FilterGe  FilterOp = "ge"
	FilterLt  FilterOp = "lt"
	FilterLe  FilterOp = "le"
	FilterPr  FilterOp = "pr"
	FilterAnd FilterOp = "and"
	FilterOr  FilterOp = "or"
	FilterNot FilterOp = "not"
	FilterAny FilterOp = "any"
)

// FilterField says what a comparison reads: a value inside the resource
// document a source pushed (FieldDoc, located by Path), or a column the
// store keeps itself.
type FilterField string

const (
	FieldDoc      FilterField = ""         // Path inside the source's raw JSON document
	FieldID       FilterField = "id"       // the resource id (person, group or NHI id)
	FieldCreated  FilterField = "created"  // when the source first asserted the resource
	FieldModified FilterField = "modified" // when the source last changed it
	FieldMember   FilterField = "member"   // groups only: a member's person id (eq only)
)

// Filter is a store-neutral boolean expression over a source's view of its
// resources, translated by each backend into its own query language so it
// is evaluated in the database. The zero Filter (Op "") matches everything.
//
// Value is a string, bool, float64 or time.Time (time only for FieldCreated
// and FieldModified); nil for FilterPr. String comparisons ignore case
// unless CaseExact.
type Filter struct {
	Op        FilterOp
	Field     FilterField
	Path      []string // JSON object keys from the document root (or element)
	CaseExact bool
	Value     any
	Children  []Filter // and/or: two or more; not and any: exactly one
}

// Validate checks the filter's shape, naming the first problem. Backends
// call it before translating, so no malformed filter reaches a database.
func (f Filter) Validate() error { return f.validate(false, 0) }

// maxFilterDepth bounds nesting so a hostile filter cannot exhaust the stack
// or build a query the database refuses.
const maxFilterDepth = 32

func (f Filter) validate(inElement bool, depth int) error {
	if depth > maxFilterDepth {
		return fmt.Errorf("filter nested deeper than %d", maxFilterDepth)
	}
	switch f.Op {
	case "":
		if depth > 0 {
			return fmt.Errorf("empty filter inside an expression")
		}
		return nil
	case FilterAnd, FilterOr:
		if len(f.Children) < 2 {
			return fmt.Errorf("%s needs two or more operands", f.Op)
		}
		for _, c := range f.Children {
			if err := c.validate(inElement, depth+1); err != nil {
				return err
			}
		}
		return nil
	case FilterNot:
		if len(f.Children) != 1 {
			return fmt.Errorf("not needs one operand")
		}
		return f.Children[0].validate(inElement, depth+1)
	case FilterAny:
		if inElement {
			return fmt.Errorf("value filters cannot nest")
		}
		if f.Field != FieldDoc || len(f.Path) == 0 || len(f.Children) != 1 {
			return fmt.Errorf("any needs a document path and one element filter")
		}
		if err := checkPath(f.Path); err != nil {
			return err
		}
		return f.Children[0].validate(true, depth+1)
	case FilterEq, FilterNe, FilterCo, FilterSw, FilterEw, FilterGt, FilterGe, FilterLt, FilterLe, FilterPr:
	default:
		return fmt.Errorf("unknown filter operator %q", f.Op)
	}
	switch f.Field {
	case FieldDoc:
		if err := checkPath(f.Path); err != nil {
			return err
		}
		if !inElement && len(f.Path) == 0 {
			return fmt.Errorf("comparison without an attribute")
		}
	case FieldID, FieldMember:
		if inElement {
			return fmt.Errorf("%s cannot be compared inside a value filter", f.Field)
		}
		if _, ok := f.Value.(string); !ok && f.Op != FilterPr {
			return fmt.Errorf("%s compares with a string", f.Field)
		}
		if f.Field == FieldMember && f.Op != FilterEq {
			return fmt.Errorf("members can only be compared with eq")
		}
	case FieldCreated, FieldModified:
		if inElement {
			return fmt.Errorf("%s cannot be compared inside a value filter", f.Field)
		}
		if _, ok := f.Value.(time.Time); !ok && f.Op != FilterPr {
			return fmt.Errorf("%s compares with a time", f.Field)
		}
	default:
		return fmt.Errorf("unknown filter field %q", f.Field)
	}
	switch v := f.Value.(type) {
	case nil:
		if f.Op != FilterPr {
			return fmt.Errorf("%s needs a value", f.Op)
		}
	case string, time.Time, float64:
	case bool:
		if f.Op != FilterEq && f.Op != FilterNe {
			return fmt.Errorf("booleans compare with eq or ne only")
		}
	default:
		return fmt.Errorf("unsupported filter value %T", v)
	}
	if f.Op == FilterPr && f.Value != nil {
		return fmt.Errorf("pr takes no value")
	}
	if _, ok := f.Value.(float64); ok && (f.Op == FilterCo || f.Op == FilterSw || f.Op == FilterEw) {
		return fmt.Errorf("%s needs a string", f.Op)
	}
	return nil
}

// checkPath admits keys a JSON path can quote safely in every backend.
func checkPath(path []string) error {
	for _, k := range path {
		if k == "" || len(k) > 128 {
			return fmt.Errorf("invalid attribute name %q", k)
		}
		for _, r := range k {
			ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
				r == ':' || r == '.' || r == '_' || r == '-' || r == '$'
			if !ok {
				return fmt.Errorf("invalid attribute name %q", k)
			}
		}
	}
	return nil
}

// ViewKind is what a view item is.
type ViewKind string

const (
	ViewPerson ViewKind = "person"
	ViewNHI    ViewKind = "nhi"
	ViewGroup  ViewKind = "group"
)

// ViewItem is one resource of a source's view: its id, the document the
// source pushed, and when the source created and last changed it.
type ViewItem struct {
	Kind       ViewKind
	ID         string
	ExternalID string // the source's link key (persons) or external id
	Raw        []byte
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Version is the resource's row version (persons' links and groups;
	// raised by every write), set by single reads and lists alike.
	Version int64
	// ETag is the resource's entity tag when the reader computed one
	// (single reads through the SCIM server); the SCIM server derives it
	// from Version (or the NHI) otherwise.
	ETag string
}

// ViewQuery selects a page of a source's view, ordered by ID.
type ViewQuery struct {
	Source string
	Filter Filter
	Offset int
	Limit  int // 0: DefaultLimit; All: every one
	// CountOnly returns no items, only the total (SCIM count=0, RFC 7644
	// section 3.4.2.4).
	CountOnly bool
}

// ViewTx reads what one source sees: the persons linked to it (with the
// NHIs it pushed) and its groups, filtered in the database.
type ViewTx interface {
	// ListUserView returns the source's persons (links with a raw document)
	// and NHIs, and the total matching the filter.
	ListUserView(ctx context.Context, q ViewQuery) ([]ViewItem, int, error)
	// ListGroupView returns the source's groups and the total matching.
	ListGroupView(ctx context.Context, q ViewQuery) ([]ViewItem, int, error)
}

// NHIDoc is the document a source pushed for an NHI it manages (the SCIM
// resource of a service account), kept beside the NHI so the source gets
// back what it sent.
type NHIDoc struct {
	NHIID     string
	Source    string
	Raw       []byte
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NHIDocTx keeps NHI documents; part of Tx.
type NHIDocTx interface {
	NHIDocReader
	NHIDocWriter
}

// NHIDocReader is the reading half of NHIDocTx.
type NHIDocReader interface {
	GetNHIDoc(ctx context.Context, nhiID string) (NHIDoc, error)
}

// NHIDocWriter is the writing half of NHIDocTx.
type NHIDocWriter interface {
	// PutNHIDoc creates or replaces the document of d.NHIID.
	PutNHIDoc(ctx context.Context, d NHIDoc) (NHIDoc, error)
	// DeleteNHIDoc removes it; ErrNotFound when there is none.
	DeleteNHIDoc(ctx context.Context, nhiID string) error
}

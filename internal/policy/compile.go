package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"cel.dev/cel-go/cel"
)

// Catalog is a compiled set of item policies: every CEL condition compiled
// once, identified by a version derived from the specs' content.
type Catalog struct {
	Version string
	items   map[string]*item
}

type item struct {
	spec        ItemSpec
	eligibility cel.Program // nil when Eligibility.When is empty
	autoApprove cel.Program // nil when there is no CEL auto-approve condition
	conflicts   map[string]bool
}

// SpecError is one problem in an item's policy, located by item and field.
type SpecError struct {
	Item  string
	Field string // e.g. "eligibility.when"
	Err   error
}

func (e *SpecError) Error() string {
	return fmt.Sprintf("item %q: %s: %v", e.Item, e.Field, e.Err)
}

func (e *SpecError) Unwrap() error { return e.Err }

// env is the CEL environment of every condition: the requester, the
// beneficiary and the item as maps, the beneficiary's grants as a list of
// item ids, and the request.
func env() (*cel.Env, error) {
	dynMap := cel.MapType(cel.StringType, cel.DynType)
	return cel.NewEnv(
		cel.Variable("requester", dynMap),
		cel.Variable("beneficiary", dynMap),
		cel.Variable("item", dynMap),
		cel.Variable("grants", cel.ListType(cel.StringType)),
		cel.Variable("request", dynMap),
	)
}

// Compile checks and compiles specs. Every problem is returned, each a
// *SpecError naming the item and field; the Catalog is nil then.
func Compile(specs []ItemSpec) (*Catalog, []error) {
	e, err := env()
	if err != nil {
		return nil, []error{fmt.Errorf("policy: cel environment: %w", err)}
	}
	var errs []error
	add := func(id, field string, err error) { errs = append(errs, &SpecError{Item: id, Field: field, Err: err}) }
	compileCond := func(id, field, src string) cel.Program {
		if src == "" {
			return nil
		}
		ast, iss := e.Compile(src)
		if iss != nil && iss.Err() != nil {
			add(id, field, fmt.Errorf("compile: %w", iss.Err()))
			return nil
		}
		if !ast.OutputType().IsExactType(cel.BoolType) {
			add(id, field, fmt.Errorf("condition returns %s, want bool", ast.OutputType()))
			return nil
		}
		prg, err := e.Program(ast)
		if err != nil {
			add(id, field, fmt.Errorf("program: %w", err))
			return nil
		}
		return prg
	}

	c := &Catalog{items: make(map[string]*item, len(specs))}
	for _, s := range specs {
		if s.ID == "" {
			add("", "id", errors.New("missing"))
			continue
		}
		if _, dup := c.items[s.ID]; dup {
			add(s.ID, "id", errors.New("defined twice"))
			continue
		}
		if !slices.Contains([]string{RiskLow, RiskMedium, RiskHigh, RiskCritical}, s.Risk) {
			add(s.ID, "risk", fmt.Errorf("must be low, medium, high or critical, got %q", s.Risk))
		}
		for i, st := range s.Stages {
			if st.OnTimeout != "" && st.OnTimeout != "deny" && st.OnTimeout != "escalate" {
				add(s.ID, fmt.Sprintf("approval.stages[%d].onTimeout", i), fmt.Errorf("must be deny or escalate, got %q", st.OnTimeout))
			}
			if st.Quorum < 0 {
				add(s.ID, fmt.Sprintf("approval.stages[%d].quorum", i), errors.New("must not be negative"))
			}
		}
		if len(s.Stages) > 3 {
			add(s.ID, "approval.stages", fmt.Errorf("at most 3 stages, got %d", len(s.Stages)))
		}
		it := &item{spec: s, conflicts: map[string]bool{}}
		it.eligibility = compileCond(s.ID, "eligibility.when", s.Eligibility.When)
		if s.AutoApprove != nil {
			it.autoApprove = compileCond(s.ID, "approval.autoApprove.when", s.AutoApprove.When)
		}
		for _, other := range s.SoDConflicts {
			it.conflicts[other] = true
		}
		c.items[s.ID] = it
	}
	// A conflict declared on one side only still binds both ways.
	for id, it := range c.items {
		for other := range it.conflicts {
			if o, ok := c.items[other]; ok {
				o.conflicts[id] = true
			} else {
				add(id, "sodConflicts", fmt.Errorf("unknown item %q", other))
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	c.Version = version(specs)
	return c, nil
}

// version is a short content hash of the specs: the same catalog always has
// the same version, and any change gives a new one.
func version(specs []ItemSpec) string {
	b, _ := json.Marshal(specs) // plain data: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}

// Item returns an item's spec.
func (c *Catalog) Item(id string) (ItemSpec, bool) {
	it, ok := c.items[id]
	if !ok {
		return ItemSpec{}, false
	}
	return it.spec, true
}

// Conflicts reports whether holding a and b together violates separation
// of duties (declared on either item).
func (c *Catalog) Conflicts(a, b string) bool {
	it, ok := c.items[a]
	return ok && it.conflicts[b]
}

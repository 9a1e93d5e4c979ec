package policy

import (
	"fmt"
)

// Scope is a compiled campaign scope: a CEL condition over one grant (the
// variable grant) or one non-human identity (the variable nhi), both maps.
//
//	grant.item == "payroll-admin" && grant.source in ["requested", "imported"]
//	nhi.environment == "prod" && "no-owner" in nhi.findings
type Scope struct {
	Source string
	expr   *Expr // nil selects everything
}

// CompileScope compiles src; "" selects everything.
func CompileScope(src string) (*Scope, error) {
	s := &Scope{Source: src}
	if src == "" {
		return s, nil
	}
	e, err := CompileExpr(src, "grant", "nhi")
	if err != nil {
		return nil, fmt.Errorf("policy: scope: %w", err)
	}
	s.expr = e
	return s, nil
}

// Match evaluates the scope for one grant or NHI; an evaluation error (a
// missing key, a type mismatch) is returned, never taken as a match.
func (s *Scope) Match(grant, nhi map[string]any) (bool, error) {
	if s == nil || s.expr == nil {
		return true, nil
	}
	if grant == nil {
		grant = map[string]any{}
	}
	if nhi == nil {
		nhi = map[string]any{}
	}
	ok, err := s.expr.Eval(map[string]any{"grant": grant, "nhi": nhi})
	if err != nil {
		return false, fmt.Errorf("policy: scope %q: %w", s.Source, err)
	}
	return ok, nil
}

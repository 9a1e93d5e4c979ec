package policy

import (
	"fmt"

	"cel.dev/cel-go/cel"
)

// Scope is a compiled campaign scope: a CEL condition over one grant (the
// variable grant) or one non-human identity (the variable nhi), both maps.
//
//	grant.item == "payroll-admin" && grant.source in ["requested", "imported"]
//	nhi.environment == "prod" && "no-owner" in nhi.findings
type Scope struct {
	Source string
	prg    cel.Program
}

// CompileScope compiles src; "" selects everything.
func CompileScope(src string) (*Scope, error) {
	s := &Scope{Source: src}
	if src == "" {
		return s, nil
	}
	dynMap := cel.MapType(cel.StringType, cel.DynType)
	e, err := cel.NewEnv(cel.Variable("grant", dynMap), cel.Variable("nhi", dynMap))
	if err != nil {
		return nil, fmt.Errorf("policy: scope environment: %w", err)
	}
	ast, iss := e.Compile(src)
	if iss != nil && iss.Err() != nil {
		return nil, fmt.Errorf("policy: scope: compile: %w", iss.Err())
	}
	if !ast.OutputType().IsExactType(cel.BoolType) {
		return nil, fmt.Errorf("policy: scope returns %s, want bool", ast.OutputType())
	}
	prg, err := e.Program(ast)
	if err != nil {
		return nil, fmt.Errorf("policy: scope: program: %w", err)
	}
	s.prg = prg
	return s, nil
}

// Match evaluates the scope for one grant or NHI; an evaluation error (a
// missing key, a type mismatch) is returned, never taken as a match.
func (s *Scope) Match(grant, nhi map[string]any) (bool, error) {
	if s == nil || s.prg == nil {
		return true, nil
	}
	if grant == nil {
		grant = map[string]any{}
	}
	if nhi == nil {
		nhi = map[string]any{}
	}
	ok, err := evalBool(s.prg, map[string]any{"grant": grant, "nhi": nhi})
	if err != nil {
		return false, fmt.Errorf("policy: scope %q: %w", s.Source, err)
	}
	return ok, nil
}

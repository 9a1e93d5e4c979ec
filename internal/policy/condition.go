package policy

import (
	"fmt"

	"cel.dev/cel-go/cel"
)

// Expr is one boolean CEL expression compiled once against a fixed
// set of variables, each a map from string to any value. It is how every
// package outside policy (job-function rules, campaign scopes) uses CEL, so
// that cel-go has one owner.
type Expr struct {
	src string
	prg cel.Program
}

// CompileExpr checks src against variables (each a map[string]any in
// CEL) and compiles it. The expression must return a bool.
func CompileExpr(src string, variables ...string) (*Expr, error) {
	opts := make([]cel.EnvOption, 0, len(variables))
	for _, v := range variables {
		opts = append(opts, cel.Variable(v, cel.MapType(cel.StringType, cel.DynType)))
	}
	e, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, fmt.Errorf("policy: cel environment: %w", err)
	}
	ast, iss := e.Compile(src)
	if iss != nil && iss.Err() != nil {
		return nil, fmt.Errorf("compile: %w", iss.Err())
	}
	if !ast.OutputType().IsExactType(cel.BoolType) {
		return nil, fmt.Errorf("condition returns %s, want bool", ast.OutputType())
	}
	prg, err := e.Program(ast)
	if err != nil {
		return nil, fmt.Errorf("program: %w", err)
	}
	return &Expr{src: src, prg: prg}, nil
}

// String returns the expression as written.
func (c *Expr) String() string { return c.src }

// Eval evaluates the condition with vars, one entry per declared variable.
func (c *Expr) Eval(vars map[string]any) (bool, error) {
	return evalBool(c.prg, vars)
}

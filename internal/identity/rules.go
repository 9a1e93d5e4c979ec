package identity

import (
	"errors"
	"fmt"
	"sort"

	"github.com/syncd-dev/syncd/internal/policy"
)

// compiledRule is a Rule with its CEL condition, compiled once. Rules see
// one variable, person, a map from canonical attribute name to value.
type compiledRule struct {
	Rule
	cond *policy.Expr
}

// compileRules compiles every rule, collecting all problems.
func compileRules(rules []Rule) ([]compiledRule, []error) {
	var errs []error
	add := func(i int, r Rule, field string, err error) {
		path := fmt.Sprintf("rules[%d]", i)
		if field != "" {
			path += "." + field
		}
		what := fmt.Sprintf("rule %q", r.Name)
		if r.Name == "" {
			what = fmt.Sprintf("rule #%d", i+1)
		}
		errs = append(errs, &ConfigError{Path: path, What: what, Err: err})
	}
	out := make([]compiledRule, 0, len(rules))
	seen := map[string]bool{}
	for i, r := range rules {
		switch {
		case r.Name == "":
			add(i, r, "name", errors.New("missing name"))
		case seen[r.Name]:
			add(i, r, "name", errors.New("name used by an earlier rule"))
		}
		seen[r.Name] = true
		if r.JobFunction == "" {
			add(i, r, "jobFunction", errors.New("missing job function"))
		}
		if r.When == "" {
			add(i, r, "when", errors.New("missing condition"))
			continue
		}
		cond, err := policy.CompileExpr(r.When, "person")
		if err != nil {
			add(i, r, "when", err)
			continue
		}
		out = append(out, compiledRule{Rule: r, cond: cond})
	}
	return out, errs
}

// RuleError is a rule that failed to evaluate for a person; the rule then
// does not match.
type RuleError struct {
	Rule string
	Err  error
}

func (e RuleError) Error() string { return fmt.Sprintf("identity: rule %q: %v", e.Rule, e.Err) }

// evalRules returns the job functions attrs qualifies for, each with the
// first rule that produced it, and the rules that failed to evaluate.
// attrs must hold every canonical attribute.
func evalRules(rules []compiledRule, attrs map[string]string) (map[string]string, []RuleError) {
	vars := map[string]any{"person": attrs}
	out := map[string]string{}
	var failed []RuleError
	for _, r := range rules {
		match, err := r.cond.Eval(vars)
		if err != nil {
			failed = append(failed, RuleError{Rule: r.Name, Err: err})
			continue
		}
		if !match {
			continue
		}
		if _, dup := out[r.JobFunction]; !dup {
			out[r.JobFunction] = r.Name
		}
		if r.Stop {
			break
		}
	}
	return out, failed
}

// ruleInput is the person map rules see: every canonical attribute present.
func ruleInput(eff map[string]string) map[string]string {
	m := make(map[string]string, len(Attributes))
	for _, a := range Attributes {
		m[a] = eff[a]
	}
	return m
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

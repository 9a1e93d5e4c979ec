package identity

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/store"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		paths []string // ConfigError paths expected, in order
		texts []string // substrings of the messages
	}{
		{name: "empty config is valid", cfg: Config{}},
		{
			name: "every problem at once",
			cfg: Config{
				MatchKeys:  []store.MatchKey{"email", "phone"},
				Sources:    map[string]SourceRole{"workday": "payroll"},
				Precedence: map[string][]string{"shoeSize": {"hr"}},
				Rules: []Rule{
					{Name: "finance-accountant", JobFunction: "accountant", When: `person.department == "Finance" &&`},
					{Name: "returns-string", JobFunction: "x", When: `person.title`},
					{Name: "finance-accountant", JobFunction: "", When: `true`},
					{Name: "unknown-var", JobFunction: "y", When: `employee.title == "x"`},
				},
			},
			paths: []string{"matchKeys[1]", "sources.workday", "precedence.shoeSize", "rules[0].when", "rules[1].when", "rules[2].name", "rules[2].jobFunction", "rules[3].when"},
			texts: []string{`identity: rule "finance-accountant": compile`, `rule "returns-string"`, "want bool", "undeclared reference"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errs := tc.cfg.Validate()
			var paths []string
			var all []string
			for _, err := range errs {
				var ce *ConfigError
				if !errors.As(err, &ce) {
					t.Fatalf("error %v is not a *ConfigError", err)
				}
				if !strings.HasPrefix(err.Error(), "identity: ") {
					t.Errorf("error %q lacks the identity: prefix", err)
				}
				paths = append(paths, ce.Path)
				all = append(all, err.Error())
			}
			if !slices.Equal(paths, tc.paths) {
				t.Errorf("paths = %q, want %q", paths, tc.paths)
			}
			joined := strings.Join(all, "\n")
			for _, s := range tc.texts {
				if !strings.Contains(joined, s) {
					t.Errorf("errors do not mention %q:\n%s", s, joined)
				}
			}
		})
	}
}

func TestNewRejectsBadRule(t *testing.T) {
	_, err := New(Config{Rules: []Rule{{Name: "finance-accountant", JobFunction: "a", When: "person.title +"}}}, nil)
	if err == nil || !strings.Contains(err.Error(), `identity: rule "finance-accountant"`) {
		t.Fatalf("New error = %v, want one naming the rule", err)
	}
}

func TestEvalRules(t *testing.T) {
	rules := []Rule{
		{Name: "finance-accountant", JobFunction: "accountant", When: `person.department == "Finance" && person.title == "Accountant"`},
		{Name: "finance-controller", JobFunction: "controller", When: `person.department == "Finance" && person.title == "Controller"`, Stop: true},
		{Name: "finance-all", JobFunction: "finance-staff", When: `person.department == "Finance"`},
		{Name: "staff-again", JobFunction: "finance-staff", When: `person.costCenter == "F1"`},
		{Name: "active", JobFunction: "employee", When: `person.status == "active"`},
		{Name: "broken-at-runtime", JobFunction: "never", When: `person.title.size() > 0 && person.department / 2 == 1`},
	}
	compiledRules, errs := compileRules(rules)
	if len(errs) > 0 {
		t.Fatalf("compile: %v", errs)
	}
	tests := []struct {
		name   string
		attrs  map[string]string
		want   map[string]string
		failed []string
	}{
		{
			name:   "accountant also gets staff and employee",
			attrs:  map[string]string{"department": "Finance", "title": "Accountant", "status": "active", "costCenter": "F1"},
			want:   map[string]string{"accountant": "finance-accountant", "finance-staff": "finance-all", "employee": "active"},
			failed: []string{"broken-at-runtime"},
		},
		{
			name:  "stop ends evaluation",
			attrs: map[string]string{"department": "Finance", "title": "Controller", "status": "active"},
			want:  map[string]string{"controller": "finance-controller"},
		},
		{
			name:  "nothing set (the broken rule short-circuits)",
			attrs: map[string]string{},
			want:  map[string]string{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, failed := evalRules(compiledRules, ruleInput(tc.attrs))
			if !maps.Equal(got, tc.want) {
				t.Errorf("job functions = %v, want %v", got, tc.want)
			}
			var names []string
			for _, f := range failed {
				names = append(names, f.Rule)
			}
			if !slices.Equal(names, tc.failed) {
				t.Errorf("failed rules = %v, want %v", names, tc.failed)
			}
		})
	}
}

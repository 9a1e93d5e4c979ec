package policy

import (
	"strings"
	"testing"
)

func TestCompileExpr(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		vars    map[string]any
		want    bool
		wantErr string // substring of the compile error; "" compiles
	}{
		{name: "true on match", src: `person.department == "Finance"`, vars: map[string]any{"person": map[string]string{"department": "Finance"}}, want: true},
		{name: "false otherwise", src: `person.department == "Finance"`, vars: map[string]any{"person": map[string]string{"department": "Sales"}}, want: false},
		{name: "not a bool", src: `person.department`, wantErr: "want bool"},
		{name: "unknown variable", src: `grant.item == "x"`, wantErr: "compile"},
		{name: "syntax", src: `person.department ==`, wantErr: "compile"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := CompileExpr(tc.src, "person")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("CompileExpr(%q) error = %v, want one containing %q", tc.src, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("CompileExpr(%q): %v", tc.src, err)
			}
			got, err := e.Eval(tc.vars)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if got != tc.want {
				t.Errorf("Eval = %v, want %v", got, tc.want)
			}
			if e.String() != tc.src {
				t.Errorf("String() = %q, want %q", e.String(), tc.src)
			}
		})
	}
}

package architecture

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/audit"
)

// auditLiteralViolations lists, for the Go files under root (tests and
// package audit excepted), every string literal that spells an audit action:
// the vocabulary lives in internal/audit and is named by its constants.
func auditLiteralViolations(t *testing.T, root string) []string {
	t.Helper()
	known := map[string]bool{}
	for _, a := range audit.Actions() {
		known[a] = true
	}
	var out []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if filepath.ToSlash(path) == filepath.ToSlash(filepath.Join(root, "internal", "audit")) || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		check := func(e ast.Expr) {
			ast.Inspect(e, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				if s, err := strconv.Unquote(lit.Value); err == nil && known[s] {
					out = append(out, fset.Position(lit.Pos()).String()+": "+lit.Value+" (use the audit.Action… constant)")
				}
				return true
			})
		}
		// Where an action is named: the Action field of an entry, a
		// constant or variable called …action…, and the arguments of a
		// function called …audit….
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Action" {
					check(n.Value)
				}
			case *ast.ValueSpec:
				for i, name := range n.Names {
					if strings.Contains(strings.ToLower(name.Name), "action") && i < len(n.Values) {
						check(n.Values[i])
					}
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && strings.Contains(strings.ToLower(id.Name), "action") && i < len(n.Rhs) {
						check(n.Rhs[i])
					}
				}
			case *ast.CallExpr:
				name := ""
				switch fn := n.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				if strings.Contains(strings.ToLower(name), "audit") {
					for _, a := range n.Args {
						check(a)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAuditActionsAreNamedByTheVocabulary(t *testing.T) {
	for _, v := range auditLiteralViolations(t, "../..") {
		t.Error(v)
	}
}

func TestAuditRuleCatchesALiteral(t *testing.T) {
	dir := t.TempDir()
	src := "package p\n\nvar action = \"" + audit.ActionGrantCreated + "\"\nvar kind = \"" + audit.ActionGrantCreated + "\"\n"
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := auditLiteralViolations(t, dir); len(got) != 1 {
		t.Fatalf("violations %q, want one", got)
	}
}

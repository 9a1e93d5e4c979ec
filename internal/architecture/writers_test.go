package architecture

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/store"
)

// writers maps each store method that writes a kind of data with one
// writer to the package (relative to the module) that owns the writes:
// NHIs and projects are written only by internal/nhi, group memberships
// only by internal/membership. Store packages themselves, and tests, may
// call anything.
var writers = map[string]string{
	"CreateNHI":     "internal/nhi",
	"UpdateNHI":     "internal/nhi",
	"CreateProject": "internal/nhi",
	"UpdateProject": "internal/nhi",

	"AddGroupMembers":         "internal/membership",
	"RemoveGroupMembers":      "internal/membership",
	"SetGroupMembers":         "internal/membership",
	"RemovePersonFromGroups":  "internal/membership",
	"AddGroupMemberDelta":     "internal/membership",
	"RemoveGroupMemberDelta":  "internal/membership",
	"AddGroupNHIMembers":      "internal/membership",
	"RemoveGroupNHIMembers":   "internal/membership",
	"CreateGroupsWithMembers": "internal/membership",
}

// writeCall is a call of a store write method found in a package.
type writeCall struct {
	pos    string
	pkg    string // import path
	method string
}

// listedPkg is what the writer check reads of `go list -export -deps -json`.
type listedPkg struct {
	ImportPath string
	Dir        string
	Export     string
	GoFiles    []string
	Standard   bool
}

// storeWriteCalls type-checks the non-test files of every package matching
// patterns (against export data `go list -export` builds) and returns each
// call of a method named in writers whose method is declared in a package
// under internal/store (an interface method of store.Tx or one of its
// ports, or a store implementation's method): a call on a selector, not
// a name match, so nhi.Service.UpdateNHI is not one.
func storeWriteCalls(t *testing.T, dir string, patterns ...string) []writeCall {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-e", "-export", "-deps", "-json=ImportPath,Dir,Export,GoFiles,Standard"}, patterns...)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	exports := map[string]string{}
	var pkgs []listedPkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		exports[p.ImportPath] = p.Export
		if !p.Standard && within(p.ImportPath, module) {
			pkgs = append(pkgs, p)
		}
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	var calls []writeCall
	for _, p := range pkgs {
		if within(p.ImportPath, module+"/internal/store") {
			continue
		}
		var files []*ast.File
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		info := &types.Info{Selections: map[*ast.SelectorExpr]*types.Selection{}}
		conf := types.Config{Importer: imp.(types.ImporterFrom)}
		if _, err := conf.Check(p.ImportPath, fset, files, info); err != nil {
			t.Fatalf("type-check %s: %v", p.ImportPath, err)
		}
		for sel, s := range info.Selections {
			if _, ok := writers[sel.Sel.Name]; !ok || s.Kind() != types.MethodVal {
				continue
			}
			if m := s.Obj(); m.Pkg() != nil && within(m.Pkg().Path(), module+"/internal/store") {
				calls = append(calls, writeCall{pos: fset.Position(sel.Pos()).String(), pkg: p.ImportPath, method: sel.Sel.Name})
			}
		}
	}
	sort.Slice(calls, func(i, j int) bool { return calls[i].pos < calls[j].pos })
	return calls
}

// writerViolations lists the calls made outside the method's owner.
func writerViolations(calls []writeCall) []string {
	var out []string
	for _, c := range calls {
		owner := writers[c.method]
		if !within(c.pkg, module+"/"+owner) {
			out = append(out, fmt.Sprintf("%s: %s calls store %s; only %s writes that data", c.pos, c.pkg, c.method, owner))
		}
	}
	return out
}

func TestOneWriterPerKindOfData(t *testing.T) {
	// Every method named is one of store.Tx, so a rename cannot silently
	// empty the rule.
	tx := reflect.TypeFor[store.Tx]()
	for m := range writers {
		if _, ok := tx.MethodByName(m); !ok {
			t.Errorf("writers names %s, which store.Tx does not have", m)
		}
	}
	for _, v := range writerViolations(storeWriteCalls(t, "../..", "./...")) {
		t.Error(v)
	}
}

func TestWriterRuleCatchesACall(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(filepath.Dir(wd))
	// A package of this module (so its imports resolve and it is type-
	// checked as the real ones are), outside the owners, writing an NHI
	// and a membership through the store; its own method of the same
	// name is not a store call. It lives only while this test runs.
	src := `package zz_writerprobe

import (
	"context"

	"github.com/syncd-dev/syncd/internal/store"
)

type svc struct{}

func (svc) UpdateNHI(string) {}

func Change(ctx context.Context, st store.Store) {
	st.UpdateNHI(ctx, "n", nil)
	_ = st.InTx(ctx, func(tx store.Tx) error { return tx.AddGroupMembers(ctx, "g", nil) })
	svc{}.UpdateNHI("n")
}
`
	probe := filepath.Join(root, "internal", "zz_writerprobe")
	if err := os.MkdirAll(probe, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(probe) })
	if err := os.WriteFile(filepath.Join(probe, "p.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	calls := storeWriteCalls(t, root, "./internal/zz_writerprobe")
	var got []string
	for _, c := range calls {
		got = append(got, c.method)
	}
	slices.Sort(got)
	if want := []string{"AddGroupMembers", "UpdateNHI"}; !slices.Equal(got, want) {
		t.Fatalf("store write calls %v, want %v", got, want)
	}
	if v := writerViolations(calls); len(v) != 2 {
		t.Fatalf("violations %q, want two", v)
	}
}

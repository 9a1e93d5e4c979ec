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
	"slices"
	"sort"
	"strings"
	"testing"
)

// writeRule names store write methods, as a port of package store or as a
// list of store.Tx methods, and the packages that alone may call them
// outside the store (docs/adr/0017, 0018). Every other package reaches
// these writes through the owner's functions.
type writeRule struct {
	port    string   // an interface of internal/store, or
	methods []string // methods of store.Tx (when port is "")
	owners  []string // packages (and their children) that may call them
}

func (r writeRule) name() string {
	if r.port != "" {
		return "store." + r.port
	}
	return "the store's " + strings.Join(r.methods, ", ")
}

var writeRules = []writeRule{
	{port: "PersonWriter", owners: []string{"internal/identity"}},
	{port: "AuditAppender", owners: []string{"internal/audit"}},
	// NHIs and projects are written only by nhi.Service (ADR 0018).
	{methods: []string{"CreateNHI", "UpdateNHI", "CreateProject", "UpdateProject"}, owners: []string{"internal/nhi"}},
	// Group memberships only by internal/membership (ADR 0018).
	{methods: []string{"AddGroupMembers", "RemoveGroupMembers", "SetGroupMembers", "RemovePersonFromGroups",
		"AddGroupMemberDelta", "RemoveGroupMemberDelta", "AddGroupNHIMembers", "RemoveGroupNHIMembers",
		"CreateGroupsWithMembers"}, owners: []string{"internal/membership"}},
}

// storeRoot may call every port: it declares and implements them.
const storeRoot = "internal/store"

type typedPkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	CgoFiles   []string
	Export     string
	Module     *struct{ Path string }
}

// writeViolations type-checks the non-test files of the packages matched
// by patterns (against compiled export data of their imports, from go
// list -export) and lists every selection of a method of a rule's port,
// through any type of package store or its children (store.Tx,
// store.Store, the port itself, gormstore's concrete types), made outside
// the rule's owners.
func writeViolations(t *testing.T, rules []writeRule, patterns ...string) []string {
	t.Helper()
	args := append([]string{"list", "-export", "-deps", "-json=ImportPath,Dir,GoFiles,CgoFiles,Export,Module"}, patterns...)
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	exports := map[string]string{}
	var ours []typedPkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p typedPkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		exports[p.ImportPath] = p.Export
		if p.Module != nil && p.Module.Path == module {
			ours = append(ours, p)
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
	storePkg, err := imp.Import(module + "/" + storeRoot)
	if err != nil {
		t.Fatalf("import store: %v", err)
	}
	// method name -> the rule it falls under
	guarded := map[string]writeRule{}
	storeIface := func(name string) *types.Interface {
		obj := storePkg.Scope().Lookup(name)
		if obj == nil {
			t.Fatalf("store.%s does not exist", name)
		}
		it, ok := obj.Type().Underlying().(*types.Interface)
		if !ok || it.NumMethods() == 0 {
			t.Fatalf("store.%s is not an interface with methods", name)
		}
		return it
	}
	tx := storeIface("Tx")
	for _, r := range rules {
		if r.port != "" {
			for m := range storeIface(r.port).Methods() {
				guarded[m.Name()] = r
			}
			continue
		}
		// A rename must not silently empty the rule.
		for _, name := range r.methods {
			if obj, _, _ := types.LookupFieldOrMethod(tx, false, storePkg, name); obj == nil {
				t.Fatalf("rule for %v names %s, which store.Tx does not have", r.owners, name)
			}
			guarded[name] = r
		}
	}
	var violations []string
	checked := 0
	for _, p := range ours {
		rel := strings.TrimPrefix(p.ImportPath, module+"/")
		if within(rel, storeRoot) {
			continue
		}
		if len(p.CgoFiles) > 0 {
			t.Fatalf("%s has cgo files; the write rules cannot type-check it", rel)
		}
		var files []*ast.File
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, 0)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			files = append(files, f)
		}
		info := &types.Info{Selections: map[*ast.SelectorExpr]*types.Selection{}}
		conf := types.Config{Importer: imp}
		if _, err := conf.Check(p.ImportPath, fset, files, info); err != nil {
			t.Fatalf("type-check %s: %v", rel, err)
		}
		checked++
		for sel, s := range info.Selections {
			fn, ok := s.Obj().(*types.Func)
			if !ok || fn.Pkg() == nil || !within(strings.TrimPrefix(fn.Pkg().Path(), module+"/"), storeRoot) {
				continue
			}
			r, ok := guarded[fn.Name()]
			if !ok || slices.ContainsFunc(r.owners, func(o string) bool { return within(rel, o) }) {
				continue
			}
			violations = append(violations, fmt.Sprintf("%s: %s calls %s, one of %s; only %s may",
				fset.Position(sel.Sel.Pos()), rel, fn.Name(), r.name(), strings.Join(r.owners, ", ")))
		}
	}
	if checked == 0 {
		t.Fatalf("no package of %v checked", patterns)
	}
	sort.Strings(violations)
	return violations
}

func TestOnlyOwnersCallWritePorts(t *testing.T) {
	for _, v := range writeViolations(t, writeRules, module+"/...") {
		t.Error(v)
	}
}

func TestWriteRulesCatchAViolation(t *testing.T) {
	got := writeViolations(t, writeRules, module+"/internal/architecture/testdata/portviolation")
	want := []string{"calls UpdatePerson, one of store.PersonWriter", "calls CreatePersons, one of store.PersonWriter",
		"calls AppendAudit, one of store.AuditAppender", "calls UpdateNHI, one of the store's CreateNHI",
		"calls AddGroupMembers, one of the store's AddGroupMembers"}
	if len(got) != len(want) {
		t.Fatalf("violations %q, want %d", got, len(want))
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.Contains(g, w) }) {
			t.Errorf("no violation that %s in %q", w, got)
		}
	}
}

// Over the whole module, identity's own writes are seen: with no owner
// allowed, they are violations.
func TestWriteRulesSeeIdentitysWrites(t *testing.T) {
	got := writeViolations(t, []writeRule{{port: "PersonWriter", owners: []string{"internal/nobody"}}}, module+"/...")
	if !slices.ContainsFunc(got, func(g string) bool { return strings.Contains(g, "internal/identity calls CreatePerson") }) {
		t.Fatalf("identity's CreatePerson not seen among %d violations: %q", len(got), got)
	}
}

package architecture

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/syncd-dev/syncd"

// owners maps a third-party module path prefix to the one package (and its
// children) that may import it in non-test code.
var owners = map[string]string{
	"gorm.io/":                            "internal/store/gormstore",
	"github.com/pressly/goose":            "internal/store/gormstore",
	"github.com/jackc/pgx":                "internal/store/gormstore",
	"github.com/mattn/go-sqlite3":         "internal/store/gormstore",
	"modernc.org/sqlite":                  "internal/store/gormstore",
	"github.com/elimity-com/scim":         "internal/scim",
	"github.com/go-ldap/ldap":             "internal/ldap",
	"github.com/go-asn1-ber/asn1-ber":     "internal/ldap", // go-ldap's BER; requests and results of the search path
	"github.com/xuri/excelize":            "internal/evidence",
	"cel.dev/cel-go":                      "internal/policy",
	"github.com/coreos/go-oidc":           "internal/auth",
	"github.com/zitadel/oidc":             "internal/demoidp",
	"github.com/prometheus/client_golang": "internal/metrics",
	"gopkg.in/yaml.v3":                    "internal/strictyaml",
	"github.com/robfig/cron":              "internal/review",
	"github.com/emersion/go-smtp":         "internal/notify/smtpsink",
	"github.com/emersion/go-sasl":         "internal/notify/smtpsink",
	"github.com/chromedp/":                "internal/webui", // tests only today; kept to one home
}

// floors may import database drivers directly: a benchmark's raw-insert
// floor measures the driver alone, without syncd's store in between.
var floors = []string{"bench/"}

var drivers = []string{"github.com/jackc/pgx", "github.com/mattn/go-sqlite3", "modernc.org/sqlite"}

func driverFloor(pkg, imp string) bool {
	for _, f := range floors {
		if within(pkg, f) {
			for _, d := range drivers {
				if strings.HasPrefix(imp, d) {
					return true
				}
			}
		}
	}
	return false
}

// surface is what domain packages must never import: the HTTP surface and
// the command.
var surface = []string{"internal/webui", "internal/api", "cmd/"}

// mayImportSurface are the packages that are themselves the surface or
// wire it.
var mayImportSurface = []string{"cmd/", "internal/webui", "internal/api", "internal/architecture"}

// below lists, for a domain package, the domain packages it sits under
// and so must never import: the catalog is read by the request flow and
// campaigns, never the other way round.
var below = map[string][]string{
	"internal/catalog": {"internal/access", "internal/review", "internal/nhi", "internal/identity"},
}

type pkg struct {
	ImportPath string
	Imports    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []pkg
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		p.ImportPath = strings.TrimPrefix(p.ImportPath, module+"/")
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages; expected the whole module", len(pkgs))
	}
	return pkgs
}

func within(path, root string) bool {
	root = strings.TrimSuffix(root, "/")
	return path == root || strings.HasPrefix(path, root+"/")
}

// ownerViolations lists every non-test import of a third-party library
// outside its owner package.
func ownerViolations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		for _, imp := range p.Imports {
			for prefix, owner := range owners {
				if strings.HasPrefix(imp, prefix) && !within(p.ImportPath, owner) && !driverFloor(p.ImportPath, imp) {
					out = append(out, p.ImportPath+" imports "+imp+"; only "+owner+" may")
				}
			}
		}
	}
	return out
}

// surfaceViolations lists every domain package importing webui, api or cmd.
func surfaceViolations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		exempt := false
		for _, m := range mayImportSurface {
			if within(p.ImportPath, m) {
				exempt = true
			}
		}
		if exempt {
			continue
		}
		for _, imp := range p.Imports {
			imp = strings.TrimPrefix(imp, module+"/")
			for _, s := range surface {
				if within(imp, s) {
					out = append(out, p.ImportPath+" imports "+imp+": domain packages never import webui, api or cmd")
				}
			}
		}
	}
	return out
}

// layerViolations lists every import of a package a domain package sits
// under (see below).
func layerViolations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		for root, forbidden := range below {
			if !within(p.ImportPath, root) {
				continue
			}
			for _, imp := range p.Imports {
				imp = strings.TrimPrefix(imp, module+"/")
				for _, f := range forbidden {
					if within(imp, f) {
						out = append(out, p.ImportPath+" imports "+imp+": "+root+" sits under it")
					}
				}
			}
		}
	}
	return out
}

func TestDomainLayers(t *testing.T) {
	for _, v := range layerViolations(listPackages(t)) {
		t.Error(v + " (see docs/architecture.md)")
	}
}

func TestThirdPartyLibrariesHaveOneOwner(t *testing.T) {
	for _, v := range ownerViolations(listPackages(t)) {
		t.Error(v + " (see docs/architecture.md)")
	}
}

func TestDomainPackagesDoNotImportTheSurface(t *testing.T) {
	for _, v := range surfaceViolations(listPackages(t)) {
		t.Error(v + " (see docs/architecture.md)")
	}
}

// TestRulesCatchAViolation proves the checks above can fail: a made-up
// domain package importing gorm and webui is reported by both, the owner
// of gorm importing it is not, a benchmark may import a database driver
// for its floor but not gorm, and a catalog importing access is reported.
func TestRulesCatchAViolation(t *testing.T) {
	pkgs := []pkg{
		{ImportPath: "internal/access", Imports: []string{"gorm.io/gorm", module + "/internal/webui"}},
		{ImportPath: "internal/store/gormstore", Imports: []string{"gorm.io/gorm"}},
		{ImportPath: "bench/scimload", Imports: []string{"github.com/mattn/go-sqlite3", "gorm.io/gorm"}},
		{ImportPath: "internal/catalog", Imports: []string{module + "/internal/access", module + "/internal/policy"}},
	}
	if got := ownerViolations(pkgs); len(got) != 2 || !strings.HasPrefix(got[0], "internal/access imports gorm.io/gorm") ||
		!strings.HasPrefix(got[1], "bench/scimload imports gorm.io/gorm") {
		t.Errorf("ownerViolations = %q, want internal/access's and bench/scimload's gorm imports (a driver in a bench floor is allowed)", got)
	}
	if got := surfaceViolations(pkgs); len(got) != 1 || !strings.HasPrefix(got[0], "internal/access imports internal/webui") {
		t.Errorf("surfaceViolations = %q, want exactly internal/access's webui import", got)
	}
	if got := layerViolations(pkgs); len(got) != 1 || !strings.HasPrefix(got[0], "internal/catalog imports internal/access") {
		t.Errorf("layerViolations = %q, want exactly internal/catalog's access import", got)
	}
}

package scim_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/scim"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
	"github.com/syncd-dev/syncd/internal/token"
)

// fuzzServer is one server on SQLite with a user and a group, shared by all
// inputs of a fuzz target; each input is one request that must not make the
// server panic or answer 5xx.
type fuzzServer struct {
	h           http.Handler
	secret      string
	user, group string
	source      string // the token's source
}

func newFuzzServer(f *testing.F) *fuzzServer { return newBenchServer(f) }

func newBenchServer(f testing.TB) *fuzzServer {
	f.Helper()
	return newBenchServerOn(f, gormtest.SQLite(f))
}

func newBenchServerOn(f testing.TB, st *gormstore.Store) *fuzzServer {
	f.Helper()
	id, err := identity.New(identity.Config{}, st)
	if err != nil {
		f.Fatal(err)
	}
	s, err := scim.New(scim.Config{BaseURL: "http://x/scim/v2", RatePerSecond: 1e9, Burst: 1e9,
		NonHuman: scim.NonHumanRule{UserTypes: []string{"Service"}}}, st, id, slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		f.Fatal(err)
	}
	secret, _, err := token.Issue(f.Context(), st, time.Now(), "fuzz", "fuzz", store.ScopeSCIM, "")
	if err != nil {
		f.Fatal(err)
	}
	fs := &fuzzServer{h: http.StripPrefix("/scim", s), secret: secret, source: "fuzz"}
	rec := fs.do("POST", "/scim/v2/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"fuzz@x.test",`+
		`"emails":[{"type":"work","value":"fuzz@x.test"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D"}}`)
	fs.user = jsonField(rec.Body.String(), "id")
	rec = fs.do("POST", "/scim/v2/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G","members":[{"value":"`+fs.user+`"}]}`)
	fs.group = jsonField(rec.Body.String(), "id")
	if fs.user == "" || fs.group == "" {
		f.Fatal("fixture not created")
	}
	return fs
}

func (fs *fuzzServer) do(method, target, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://x"+target, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+fs.secret)
	rec := httptest.NewRecorder()
	fs.h.ServeHTTP(rec, req)
	return rec
}

func (fs *fuzzServer) check(t *testing.T, rec *httptest.ResponseRecorder, input string) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("input %q: %d %s", input, rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); rec.Body.Len() > 0 && ct != "application/scim+json" {
		t.Fatalf("input %q: content type %q", input, ct)
	}
}

func jsonField(body, key string) string {
	i := strings.Index(body, `"`+key+`":"`)
	if i < 0 {
		return ""
	}
	rest := body[i+len(key)+4:]
	return rest[:strings.IndexByte(rest, '"')]
}

// FuzzFilter drives filter parsing, the Entra rewrite, conversion to
// store.Filter and its SQL translation, executed on SQLite.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{
		`userName eq "a"`, `emails[type eq "work"].value eq "x"`, `emails[type eq "work" and value co "@"]`,
		`not (active eq true) or title pr`, `meta.lastModified gt "2020-01-01T00:00:00Z"`, `id eq "x"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m"`, `name.givenName sw "J"`,
		`emails.value ew "x" and (userName ne "q" or active eq false)`, `x eq`, `((((`, `userName eq "\"'; drop"`,
		`meta.created le "not a date"`, `active gt true`, `emails[type eq "a"].value pr`,
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	fs := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, filter string, groups bool) {
		path := "/scim/v2/Users?filter="
		if groups {
			path = "/scim/v2/Groups?filter="
		}
		fs.check(t, fs.do("GET", path+url.QueryEscape(filter), ""), filter)
	})
}

// FuzzPatch drives PATCH decoding, the request rewrite, the library's
// validation and patch application, then the write path.
func FuzzPatch(f *testing.F) {
	for _, s := range []string{
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"a@b"}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false,"name.givenName":"G"}}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"manager","value":[{"value":"x"}]}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"x\"]"}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"value":"x"}]}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"userName","value":null}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"move","path":"x"}]}`,
		`{"Operations":5}`, `[]`, `{`, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"emails","value":[{"value":1}]}]}`,
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	fs := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, body string, group bool) {
		path := "/scim/v2/Users/" + fs.user
		if group {
			path = "/scim/v2/Groups/" + fs.group
		}
		fs.check(t, fs.do("PATCH", path, body), body)
	})
}

// FuzzDecode drives JSON decoding and schema validation of POST and PUT
// bodies, and the mapping to identity records.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","active":"False","password":"p","groups":[]}`,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"m"}}`,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"svc","userType":"Service"}`,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g","members":[{"value":"nobody"}]}`,
		`{"userName":5}`, `null`, `{"userName":"a"} trailing`, `{"emails":{"value":"x"},"userName":"e"}`, "\xff",
	} {
		f.Add(s, "POST", false)
		f.Add(s, "PUT", true)
	}
	fs := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, body, method string, group bool) {
		if method != "POST" {
			method = "PUT"
		}
		path := "/scim/v2/Users"
		if group {
			path = "/scim/v2/Groups"
		}
		if method == "PUT" {
			if group {
				path += "/" + fs.group
			} else {
				path += "/" + fs.user
			}
		}
		fs.check(t, fs.do(method, path, body), body)
	})
}

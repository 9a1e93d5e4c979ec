package scimclient_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/pull"
	"github.com/syncd-dev/syncd/internal/scim/scimclient"
	"github.com/syncd-dev/syncd/internal/scim/scimtest"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// mutatingProxy sits between the pulling syncd and the upstream SCIM
// server. Before it forwards the second page of a /Users listing it runs
// beforePage2 once (a change upstream in the middle of a paged read), and
// page can replace how a list page is served (reordering).
type mutatingProxy struct {
	mu          sync.Mutex
	beforePage2 func()
	page        func(w http.ResponseWriter, r *http.Request) bool
	// dateShift moves the Date header, as if the run happened later.
	dateShift time.Duration
	// empty answers every /Users listing with no users.
	empty bool
}

func (m *mutatingProxy) start(t *testing.T, upstreamBase string) string {
	t.Helper()
	u, err := url.Parse(upstreamBase)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	rp.ModifyResponse = func(resp *http.Response) error {
		m.mu.Lock()
		shift := m.dateShift
		m.mu.Unlock()
		if shift != 0 {
			if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
				resp.Header.Set("Date", d.Add(shift).UTC().Format(http.TimeFormat))
			}
		}
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		empty := m.empty
		m.mu.Unlock()
		if empty && strings.HasSuffix(r.URL.Path, "/Users") && r.Method == http.MethodGet {
			w.Header().Set("Content-Type", "application/scim+json")
			_, _ = io.WriteString(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}`)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/Users") && r.Method == http.MethodGet && r.URL.Query().Get("filter") == "" {
			if si, _ := strconv.Atoi(r.URL.Query().Get("startIndex")); si > 1 {
				m.mu.Lock()
				f := m.beforePage2
				m.beforePage2 = nil
				page := m.page
				m.mu.Unlock()
				if f != nil {
					f()
				}
				if page != nil && page(w, r) {
					return
				}
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + u.Path
}

func (m *mutatingProxy) set(f func(*mutatingProxy)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f(m)
}

// hrFixture is an upstream syncd holding n people (E-u000...), pulled by
// a downstream syncd through a mutating proxy, 10 per page.
type hrFixture struct {
	up     *scimtest.Server
	proxy  *mutatingProxy
	down   store.Store
	runner *pull.Runner
	src    *scimclient.Source
	ids    map[string]string // login -> upstream SCIM id
}

func newHRFixture(t *testing.T, down *gormstore.Store, n int) *hrFixture {
	t.Helper()
	upstream := gormtest.SQLite(t)
	uids, err := identity.New(identity.Config{}, upstream)
	if err != nil {
		t.Fatal(err)
	}
	f := &hrFixture{up: scimtest.Start(t, upstream, uids, "hr-feed"), proxy: &mutatingProxy{}, down: down, ids: map[string]string{}}
	for i := range n {
		login := fmt.Sprintf("u%03d", i)
		f.ids[login] = f.up.Call("POST", "/Users", hrUser(login))["id"].(string)
	}
	base := f.proxy.start(t, f.up.Base)
	dids, err := identity.New(identity.Config{Sources: map[string]identity.SourceRole{"hr": identity.RoleHR}}, down)
	if err != nil {
		t.Fatal(err)
	}
	f.src, err = scimclient.New(scimclient.Config{Name: "hr", BaseURL: base, Token: f.up.Token, PageSize: 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.runner = &pull.Runner{Store: down, Identity: dids, Holder: "test"}
	run, err := f.runner.Run(t.Context(), f.src, pull.Options{})
	if err != nil || run.Counts.Created != n || run.Status != store.RunSucceeded {
		t.Fatalf("first pull: %+v %v", run, err)
	}
	return f
}

func hrUser(login string) map[string]any {
	return map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
		"userName": login, "active": true, "title": "Clerk", "name": map[string]any{"givenName": "G" + login, "familyName": "F" + login},
		"emails": []any{map[string]any{"value": login + "@example.com", "type": "work", "primary": true}},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"employeeNumber": "E-" + login, "department": "Ops"},
	}
}

// upstreamOrder is the upstream's ids in the order it lists them.
func (f *hrFixture) upstreamOrder(t *testing.T) []string {
	t.Helper()
	list := f.up.Call("GET", "/Users?startIndex=1&count=1000", nil)
	var out []string
	for _, r := range list["Resources"].([]any) {
		out = append(out, r.(map[string]any)["id"].(string))
	}
	return out
}

func (f *hrFixture) loginOf(id string) string {
	for l, i := range f.ids {
		if i == id {
			return l
		}
	}
	return ""
}

// statuses is every downstream person's status by employee number.
func (f *hrFixture) statuses(t *testing.T) map[string]store.Status {
	t.Helper()
	out := map[string]store.Status{}
	for l := range f.ids {
		ps, err := f.down.FindPersons(t.Context(), store.MatchEmployeeNumber, "E-"+l)
		if err != nil || len(ps) != 1 {
			t.Fatalf("person E-%s: %+v %v", l, ps, err)
		}
		out[l] = ps[0].Status
	}
	return out
}

func (f *hrFixture) terminated(t *testing.T) []string {
	var out []string
	for l, s := range f.statuses(t) {
		if s == store.StatusTerminated {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

// TestFullPullDeletionDuringReadTerminatesNobodyElse reproduces issue 20:
// a user deleted upstream between the first and second page shifts every
// later user one place back, so the read misses one still-active person.
// Nobody still upstream may be terminated; the run says it was partial;
// the next consistent full run terminates the deleted person alone.
func TestFullPullDeletionDuringReadTerminatesNobodyElse(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, down *gormstore.Store) {
		f := newHRFixture(t, down, 30)
		order := f.upstreamOrder(t)
		victim := order[4] // on the first page
		before, err := down.GetSourceState(t.Context(), "hr")
		if err != nil {
			t.Fatal(err)
		}
		f.proxy.set(func(m *mutatingProxy) {
			m.beforePage2 = func() { f.up.Call("DELETE", "/Users/"+victim, nil) }
		})
		run, err := f.runner.Run(t.Context(), f.src, pull.Options{Full: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := f.terminated(t); len(got) != 0 {
			t.Fatalf("terminated %v during an inconsistent read (victim %s)", got, f.loginOf(victim))
		}
		if run.Status != store.RunPartial || run.Counts.Terminated != 0 || !strings.Contains(run.Error, "totalResults changed") {
			t.Fatalf("run after a deletion during the read: %s %q %+v", run.Status, run.Error, run.Counts)
		}
		assertPartialAudited(t, down, run.ID)
		// An inconsistent read neither moves the incremental mark (it may
		// have missed changed users) nor counts as a reconciliation.
		state, err := down.GetSourceState(t.Context(), "hr")
		if err != nil || state.LastFullAt == nil || state.Watermark != before.Watermark || !state.LastFullAt.Equal(*before.LastFullAt) {
			t.Fatalf("state after an inconsistent read: %+v, before %+v %v", state, before, err)
		}
		firstFull := *state.LastFullAt

		// The next full read is consistent: the deleted person alone goes.
		run, err = f.runner.Run(t.Context(), f.src, pull.Options{Full: true})
		if err != nil || run.Status != store.RunSucceeded || run.Counts.Terminated != 1 {
			t.Fatalf("next full run: %s %q %+v %v", run.Status, run.Error, run.Counts, err)
		}
		if got := f.terminated(t); !slices.Equal(got, []string{f.loginOf(victim)}) {
			t.Fatalf("terminated %v, want only %s", got, f.loginOf(victim))
		}
		if state, _ := down.GetSourceState(t.Context(), "hr"); !state.LastFullAt.After(firstFull) {
			t.Fatalf("a consistent full run is not recorded as the last full reconciliation: %v", state.LastFullAt)
		}
	})
}

// TestFullPullInsertionDuringReadCreatesNobodyTwice: a hire upstream
// between pages shifts users forward (one comes twice); nobody is
// terminated and no person is created twice.
func TestFullPullInsertionDuringReadCreatesNobodyTwice(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, down *gormstore.Store) {
		f := newHRFixture(t, down, 30)
		var mu sync.Mutex
		hires := []string{}
		f.proxy.set(func(m *mutatingProxy) {
			m.beforePage2 = func() {
				for i := range 3 {
					login := fmt.Sprintf("new%d", i)
					id := f.up.Call("POST", "/Users", hrUser(login))["id"].(string)
					mu.Lock()
					f.ids[login] = id
					hires = append(hires, login)
					mu.Unlock()
				}
			}
		})
		run, err := f.runner.Run(t.Context(), f.src, pull.Options{Full: true})
		if err != nil {
			t.Fatal(err)
		}
		if run.Counts.Terminated != 0 {
			t.Fatalf("terminated %d during a read with hires: %+v", run.Counts.Terminated, run)
		}
		// A second run reads everything; every person exists exactly once.
		if _, err := f.runner.Run(t.Context(), f.src, pull.Options{Full: true}); err != nil {
			t.Fatal(err)
		}
		for l, s := range f.statuses(t) { // fails on a duplicate person
			if s != store.StatusActive {
				t.Fatalf("%s is %s", l, s)
			}
		}
	})
}

// TestFullPullReorderedPagesTerminateNobody: the upstream's order changes
// between pages (page 2 onward is served from the reversed list), so some
// users come twice and others never; nobody is terminated.
func TestFullPullReorderedPagesTerminateNobody(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, down *gormstore.Store) {
		f := newHRFixture(t, down, 30)
		f.proxy.set(func(m *mutatingProxy) {
			m.page = func(w http.ResponseWriter, r *http.Request) bool {
				all := f.up.Call("GET", "/Users?startIndex=1&count=1000", nil)
				res := all["Resources"].([]any)
				slices.Reverse(res)
				si, _ := strconv.Atoi(r.URL.Query().Get("startIndex"))
				n, _ := strconv.Atoi(r.URL.Query().Get("count"))
				lo, hi := min(si-1, len(res)), min(si-1+n, len(res))
				body, _ := json.Marshal(map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
					"totalResults": len(res), "startIndex": si, "itemsPerPage": hi - lo, "Resources": res[lo:hi]})
				w.Header().Set("Content-Type", "application/scim+json")
				_, _ = io.Copy(w, bytes.NewReader(body))
				return true
			}
		})
		run, err := f.runner.Run(t.Context(), f.src, pull.Options{Full: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := f.terminated(t); len(got) != 0 || run.Counts.Terminated != 0 {
			t.Fatalf("terminated %v after a reordered read", got)
		}
		if run.Status != store.RunPartial || !strings.Contains(run.Error, "came twice") {
			t.Fatalf("reordered read: %s %q", run.Status, run.Error)
		}
	})
}

// TestFullPullMassTerminationHeld: a full run that would terminate more
// than a tenth of the source's people terminates nobody, is partial with
// the reason, is audited, and goes through with ConfirmDeletions.
func TestFullPullMassTerminationHeld(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, down *gormstore.Store) {
		f := newHRFixture(t, down, 30)
		order := f.upstreamOrder(t)
		gone := order[10:14] // 4 of 30: more than 10%
		for _, id := range gone {
			f.up.Call("DELETE", "/Users/"+id, nil)
		}
		run, err := f.runner.Run(t.Context(), f.src, pull.Options{Full: true})
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != store.RunPartial || run.Counts.Terminated != 0 || !strings.Contains(run.Error, "--confirm-deletions") {
			t.Fatalf("run over the threshold: %s %q %+v", run.Status, run.Error, run.Counts)
		}
		if got := f.terminated(t); len(got) != 0 {
			t.Fatalf("terminated %v over the threshold", got)
		}
		ev := assertPartialAudited(t, down, run.ID)
		if !strings.Contains(string(ev.Details), `"heldTerminations":4`) {
			t.Fatalf("audit details: %s", ev.Details)
		}

		// A raised threshold lets it through as well as a confirmation.
		f.runner.MaxDeletionShare = map[string]float64{"hr": 0.5}
		run, err = f.runner.Run(t.Context(), f.src, pull.Options{Full: true})
		f.runner.MaxDeletionShare = nil
		if err != nil || run.Status != store.RunSucceeded || run.Counts.Terminated != 4 {
			t.Fatalf("run with a raised threshold: %s %q %+v %v", run.Status, run.Error, run.Counts, err)
		}
		want := []string{}
		for _, id := range gone {
			want = append(want, f.loginOf(id))
		}
		slices.Sort(want)
		if got := f.terminated(t); !slices.Equal(got, want) {
			t.Fatalf("terminated %v, want %v", got, want)
		}

		for _, id := range order[20:25] {
			f.up.Call("DELETE", "/Users/"+id, nil)
		}
		run, err = f.runner.Run(t.Context(), f.src, pull.Options{Full: true, ConfirmDeletions: true})
		if err != nil || run.Status != store.RunSucceeded || run.Counts.Terminated != 5 {
			t.Fatalf("confirmed run: %s %q %+v %v", run.Status, run.Error, run.Counts, err)
		}
	})
}

func assertPartialAudited(t *testing.T, st store.Store, runID int64) store.AuditEvent {
	t.Helper()
	evs, err := st.ListAudit(t.Context(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Action == pull.ActionRunPartial && e.Target == fmt.Sprintf("sync_run:%d", runID) {
			return e
		}
	}
	t.Fatalf("no %s event for run %d", pull.ActionRunPartial, runID)
	return store.AuditEvent{}
}

// TestIncrementalPullReadsOnlyWhatChanged: meta.lastModified travels with
// fractional seconds, so an incremental pull from another syncd resumes
// exactly after the newest change it saw instead of re-reading the whole
// second's records. The proxy moves the upstream's Date on, as if the run
// came a while after the changes (the mark is capped by Date).
func TestIncrementalPullReadsOnlyWhatChanged(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, down *gormstore.Store) {
		f := newHRFixture(t, down, 30)
		f.proxy.set(func(m *mutatingProxy) { m.dateShift = 10 * time.Second })
		if _, err := f.runner.Run(t.Context(), f.src, pull.Options{Full: true}); err != nil {
			t.Fatal(err)
		}
		f.up.Call("PATCH", "/Users/"+f.ids["u007"], map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "replace", "path": "title", "value": "Lead"}}})
		run, err := f.runner.Run(t.Context(), f.src, pull.Options{})
		if err != nil || run.Mode != pull.ModeIncremental || run.Counts.Read != 1 || run.Counts.Updated != 1 {
			t.Fatalf("incremental run after one change: %+v %v", run, err)
		}
		run, err = f.runner.Run(t.Context(), f.src, pull.Options{})
		if err != nil || run.Counts.Read != 0 {
			t.Fatalf("incremental run with no change read %d: %+v %v", run.Counts.Read, run, err)
		}
		got := f.up.Call("GET", "/Users/"+f.ids["u007"], nil)
		lm, _ := got["meta"].(map[string]any)["lastModified"].(string)
		if _, err := time.Parse(time.RFC3339Nano, lm); err != nil || !strings.Contains(lm, ".") {
			t.Fatalf("meta.lastModified %q lacks fractional seconds", lm)
		}
	})
}

// TestSCIMViewOfPulledSource: a SCIM token scoped to a pulled source sees
// its people as SCIM users (userName, name, emails, active, enterprise
// attributes with the manager by SCIM id), never the pull's internal keys,
// and can filter them like any view.
func TestSCIMViewOfPulledSource(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, down *gormstore.Store) {
		f := newHRFixture(t, down, 3)
		boss := f.ids["u000"]
		f.up.Call("PATCH", "/Users/"+f.ids["u001"], map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": map[string]any{"value": boss}}}})
		if _, err := f.runner.Run(t.Context(), f.src, pull.Options{Full: true}); err != nil {
			t.Fatal(err)
		}
		dids, err := identity.New(identity.Config{Sources: map[string]identity.SourceRole{"hr": identity.RoleHR}}, down)
		if err != nil {
			t.Fatal(err)
		}
		view := scimtest.Start(t, down, dids, "hr") // a token scoped to the pulled source
		list := view.Call("GET", "/Users?count=100", nil)
		res, _ := list["Resources"].([]any)
		if len(res) != 3 {
			t.Fatalf("view lists %d users: %v", len(res), list)
		}
		bossDown := ""
		for _, x := range res {
			u := x.(map[string]any)
			if u["userName"] == "u000" {
				bossDown = u["id"].(string)
			}
		}
		for _, x := range res {
			u := x.(map[string]any)
			login, _ := u["userName"].(string)
			for _, k := range []string{"a", "m", "d", "urn:syncd:params:pull"} {
				if _, bad := u[k]; bad {
					t.Fatalf("%s carries internal key %q: %v", login, k, u)
				}
			}
			ent, _ := u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)
			name, _ := u["name"].(map[string]any)
			emails, _ := u["emails"].([]any)
			if !strings.HasPrefix(login, "u00") || u["active"] != true || name["givenName"] != "G"+login || len(emails) != 1 ||
				ent["employeeNumber"] != "E-"+login || ent["department"] != "Ops" || u["externalId"] != f.ids[login] {
				t.Fatalf("pulled user in SCIM form: %v", u)
			}
			schemas := fmt.Sprint(u["schemas"])
			if !strings.Contains(schemas, "urn:ietf:params:scim:schemas:core:2.0:User") || !strings.Contains(schemas, "enterprise:2.0:User") {
				t.Fatalf("schemas %s", schemas)
			}
			if login == "u001" {
				mgr, _ := ent["manager"].(map[string]any)
				if mgr["value"] != bossDown || bossDown == "" {
					t.Fatalf("u001's manager %v, want %s", ent["manager"], bossDown)
				}
			}
		}
		found := view.Call("GET", "/Users?filter="+url.QueryEscape(`userName eq "u002"`), nil)
		if found["totalResults"] != float64(1) {
			t.Fatalf("filter on a pulled view: %v", found)
		}
		one := view.Call("GET", "/Users/"+bossDown+"?attributes=userName,meta", nil)
		lm, _ := one["meta"].(map[string]any)["lastModified"].(string)
		if one["userName"] != "u000" || one["title"] != nil || !strings.Contains(lm, ".") {
			t.Fatalf("GET one pulled user with attributes: %v", one)
		}
	})
}

// TestEmptySCIMAnswerSpeaksOfSCIM: a full read that lists nobody while
// people are linked fails the run, and the error names what to check for
// a SCIM source (its url and token), not an LDAP base DN.
func TestEmptySCIMAnswerSpeaksOfSCIM(t *testing.T) {
	f := newHRFixture(t, gormtest.SQLite(t), 3)
	f.proxy.set(func(m *mutatingProxy) { m.empty = true })
	run, err := f.runner.Run(t.Context(), f.src, pull.Options{Full: true})
	if err == nil || run.Status != store.RunFailed || strings.Contains(err.Error(), "base DN") || !strings.Contains(err.Error(), "check the url") {
		t.Fatalf("empty SCIM answer: %v %+v", err, run)
	}
	if got := f.terminated(t); len(got) != 0 {
		t.Fatalf("terminated %v after an empty answer", got)
	}
}

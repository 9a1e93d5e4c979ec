package scim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/syncd-dev/syncd/internal/audit"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/syncd-dev/syncd/internal/scim"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// send is a goroutine-safe request: it returns the status and body instead
// of failing the test, so it may run outside the test's goroutine.
func (e *env) send(method, path string, body any, header ...string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/scim+json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return res.StatusCode, raw, err
}

// auditDetails returns the details of every event with action on target.
func auditDetails(t *testing.T, st *gormstore.Store, action, target string) []map[string]any {
	t.Helper()
	evs, err := st.ListAudit(t.Context(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, ev := range evs {
		if ev.Action != action || ev.Target != target {
			continue
		}
		var d map[string]any
		if err := json.Unmarshal(ev.Details, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func strs(v any) []string {
	var out []string
	for _, x := range asList(v) {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// TestConcurrentGroupAdds: 8 IdP workers each add their own members to one
// group at once, 10 rounds; every acknowledged add is present afterwards and
// the audit log records only adds, one per request, naming its member.
func TestConcurrentGroupAdds(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := newEnv(t, st, scim.Config{RatePerSecond: 10000})
		const workers, rounds = 8, 10
		ids := make([][]string, workers)
		for w := range workers {
			for r := range rounds {
				ids[w] = append(ids[w], e.do("POST", "/Users", newUser(fmt.Sprintf("u%d-%d@x.test", w, r), nil)).want(t, 201).str("id"))
			}
		}
		gid := e.do("POST", "/Groups", map[string]any{"schemas": []string{groupSchema}, "displayName": "Engineers"}).want(t, 201).str("id")
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			acked []string
			errs  []string
		)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, id := range ids[w] {
					code, raw, err := e.send("PATCH", "/Groups/"+gid, patch(op("add", "members", []any{map[string]any{"value": id}})))
					mu.Lock()
					switch {
					case err != nil:
						errs = append(errs, err.Error())
					case code/100 == 2:
						acked = append(acked, id)
					default:
						errs = append(errs, fmt.Sprintf("%d %s", code, raw))
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("%d requests failed, first: %s", len(errs), errs[0])
		}
		members, err := st.ListGroupMembers(t.Context(), gid)
		if err != nil {
			t.Fatal(err)
		}
		var lost []string
		for _, id := range acked {
			if !slices.Contains(members, id) {
				lost = append(lost, id)
			}
		}
		if len(lost) > 0 {
			t.Errorf("%d of %d acknowledged adds lost", len(lost), len(acked))
		}
		evs := auditDetails(t, st, audit.ActionGroupMembersChanged, "group:"+gid)
		added := map[string]int{}
		for _, d := range evs {
			if r := strs(d["removed"]); len(r) > 0 {
				t.Errorf("an add-only request was audited as removing %v", r)
			}
			a := strs(d["added"])
			if len(a) != 1 {
				t.Errorf("an add of one member was audited as adding %v", a)
			}
			for _, id := range a {
				added[id]++
			}
		}
		for _, id := range acked {
			if added[id] != 1 {
				t.Errorf("member %s audited as added %d times", id, added[id])
			}
		}
	})
}

// TestConcurrentUserPatches: 8 workers each replace a different attribute
// of one user, 10 rounds each; afterwards every attribute holds the last
// value its worker had acknowledged.
func TestConcurrentUserPatches(t *testing.T) {
	gormtest.ForEach(t, func(t *testing.T, st *gormstore.Store) {
		e := newEnv(t, st, scim.Config{RatePerSecond: 10000})
		attrs := []string{"displayName", "title", "nickName", "profileUrl", "locale", "timezone", "preferredLanguage", "userType"}
		id := e.do("POST", "/Users", newUser("shared@x.test", nil)).want(t, 201).str("id")
		const rounds = 10
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			last = map[string]string{}
			errs []string
		)
		for _, a := range attrs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range rounds {
					v := fmt.Sprintf("%s-%d", a, r)
					if a == "profileUrl" {
						v = "https://x.test/" + v
					}
					code, raw, err := e.send("PATCH", "/Users/"+id, patch(op("replace", a, v)))
					mu.Lock()
					switch {
					case err != nil:
						errs = append(errs, err.Error())
					case code/100 == 2:
						last[a] = v
					default:
						errs = append(errs, fmt.Sprintf("%d %s", code, raw))
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("%d requests failed, first: %s", len(errs), errs[0])
		}
		got := e.do("GET", "/Users/"+id, nil).want(t, 200)
		lost := 0
		for a, v := range last {
			if got.str(a) != v {
				lost++
				t.Logf("%s = %q, want %q", a, got.str(a), v)
			}
		}
		if lost > 0 {
			t.Errorf("%d of %d attributes lost their last acknowledged value", lost, len(attrs))
		}
	})
}

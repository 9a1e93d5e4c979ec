package auth_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/audit"
	"github.com/syncd-dev/syncd/internal/auth"
	"github.com/syncd-dev/syncd/internal/auth/authtest"
	"github.com/syncd-dev/syncd/internal/demoidp"
	"github.com/syncd-dev/syncd/internal/identity"
	"github.com/syncd-dev/syncd/internal/store"
	"github.com/syncd-dev/syncd/internal/store/gormstore"
	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

// clock is a settable test clock starting at the real time.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// env is syncd's sign-in in front of a real provider process on loopback.
type env struct {
	base  string
	store *gormstore.Store
	clock *clock
	// tamperToken, when set, rewrites the token endpoint's JSON response.
	mu          sync.Mutex
	tamperToken func(map[string]any)
}

var users = []demoidp.User{
	{ID: "u-ada", Username: "ada", Password: "pw-ada", Name: "Ada Admin", Email: "ada@example.com", Groups: []string{"syncd-admins"}},
	{ID: "u-bob", Username: "bob", Password: "pw-bob", Name: "Bob Staff", Email: "bob@example.com", Groups: []string{"staff"}},
	{ID: "u-eve", Username: "eve", Password: "pw-eve", Name: "Eve Unknown", Email: "eve@elsewhere.example"},
	{ID: "u-tom", Username: "tom", Password: "pw-tom", Name: "Tom Terminated", Email: "tom@example.com"},
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := gormtest.SQLite(t)
	e := &env{store: st, clock: &clock{}}
	seedPeople(t, st)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.base = "http://" + ln.Addr().String()
	idp := authtest.StartIDP(t, e.base+"/auth/callback", users)

	client := &http.Client{Transport: tokenTamperer{e}}
	a, err := auth.New(t.Context(), auth.Config{
		Issuer: idp.Issuer, ClientID: authtest.ClientID, ClientSecret: authtest.ClientSecret,
		RedirectURL: e.base + "/auth/callback", Scopes: []string{"profile", "email"},
		LinkBy: auth.LinkByEmail, LinkClaim: "email", GroupsClaim: "groups",
		RoleGroups:       auth.RoleMap{auth.RoleAdmin: {"syncd-admins"}, auth.RoleCatalogOwner: {"app-owners"}},
		RoleJobFunctions: auth.RoleMap{auth.RoleAuditor: {"internal-audit"}},
		IdleTimeout:      30 * time.Minute, AbsoluteTimeout: 8 * time.Hour,
		HTTPClient: client,
	}, st, e.clock.Now, nil, func(w http.ResponseWriter, _ *http.Request, status int, title, detail string) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "%s\n%s\n", title, detail)
	})
	if err != nil {
		t.Fatalf("auth.New: %v", err)
	}
	mux := http.NewServeMux()
	a.Register(mux)
	mux.Handle("GET /me", auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := auth.PrincipalFrom(r.Context())
		json.NewEncoder(w).Encode(p)
	})))
	mux.Handle("POST /change", auth.Require(a.RequireCSRF(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "changed")
	}))))
	api := func(w http.ResponseWriter, r *http.Request) {
		p, err := a.SessionPrincipal(r)
		switch {
		case errors.Is(err, auth.ErrNoSession):
			http.Error(w, "no session", http.StatusUnauthorized)
		case errors.Is(err, auth.ErrCSRF):
			http.Error(w, "csrf", http.StatusForbidden)
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
		default:
			fmt.Fprint(w, p.PersonID)
		}
	}
	mux.HandleFunc("GET /api/me", api)
	mux.HandleFunc("POST /api/me", api)
	mux.HandleFunc("GET /signed-out", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "signed out") })
	srv := &http.Server{Handler: a.Authenticate(mux)}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return e
}

// seedPeople writes the people through the identity write path.
func seedPeople(t *testing.T, st store.Store) {
	t.Helper()
	svc, err := identity.New(identity.Config{Sources: map[string]identity.SourceRole{"hr": identity.RoleHR}}, st)
	if err != nil {
		t.Fatal(err)
	}
	rec := func(id, email, status string) identity.Change {
		return identity.Change{Record: identity.Record{ExternalID: id, Attributes: map[string]string{
			identity.AttrEmail: email, identity.AttrUserName: id, identity.AttrDisplayName: id, identity.AttrStatus: status,
		}}}
	}
	res, err := svc.Apply(t.Context(), identity.Batch{Source: "hr", Changes: []identity.Change{
		rec("ada", "ada@example.com", "active"),
		rec("bob", "BOB@example.com", "active"),
		rec("tom", "tom@example.com", "terminated"),
	}})
	if err != nil || len(res.Rejected) > 0 {
		t.Fatalf("seed: %v %+v", err, res.Rejected)
	}
}

type tokenTamperer struct{ e *env }

func (tt tokenTamperer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/oauth/token") {
		return resp, err
	}
	tt.e.mu.Lock()
	fn := tt.e.tamperToken
	tt.e.mu.Unlock()
	if fn == nil {
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	fn(m)
	body, _ = json.Marshal(m)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

func me(t *testing.T, b *authtest.Browser, base string) (auth.Principal, authtest.Response) {
	t.Helper()
	resp := b.Get(base + "/me")
	var p auth.Principal
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal([]byte(resp.Body), &p); err != nil {
			t.Fatalf("/me: %v: %s", err, resp.Body)
		}
	}
	return p, resp
}

func TestSignInLinksPersonAndMapsRoles(t *testing.T) {
	e := newEnv(t)
	b := authtest.NewBrowser(t)
	// Unauthenticated page requests are sent to sign in.
	resp := b.Get(e.base + "/me")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Location(), e.base+"/auth/login?return=%2Fme") {
		t.Fatalf("anonymous /me: %d → %q", resp.StatusCode, resp.Location())
	}
	preLogin := ""
	cb := b.SignInToCallback(e.base, "/me", "ada", "pw-ada", nil)
	preLogin = b.Cookie(e.base, "syncd_session")
	resp = b.Get(cb)
	if resp.StatusCode != http.StatusSeeOther || resp.Location() != e.base+"/me" {
		t.Fatalf("callback: %d → %q: %s", resp.StatusCode, resp.Location(), resp.Body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "syncd_session" && c.Value != "" && (!c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/") {
			t.Fatalf("session cookie attributes: %+v", c)
		}
	}
	if after := b.Cookie(e.base, "syncd_session"); after == "" || after == preLogin {
		t.Fatalf("session id not renewed at sign-in: before %q after %q", preLogin, after)
	}
	p, resp := me(t, b, e.base)
	if resp.StatusCode != http.StatusOK || p.Name != "ada" || len(p.Roles) != 1 || p.Roles[0] != auth.RoleAdmin || p.CSRF == "" {
		t.Fatalf("principal: %+v (%d %s)", p, resp.StatusCode, resp.Body)
	}
	ada, err := e.store.FindPersons(t.Context(), store.MatchEmail, "ada@example.com")
	if err != nil || len(ada) != 1 || p.PersonID != ada[0].ID {
		t.Fatalf("linked person %q, want %+v (%v)", p.PersonID, ada, err)
	}
	id, err := e.store.GetOIDCIdentity(t.Context(), p.Issuer, "u-ada")
	if err != nil || id.PersonID != ada[0].ID || id.LinkedBy != "email" {
		t.Fatalf("identity: %+v %v", id, err)
	}
	events, err := e.store.ListAudit(t.Context(), 0, 1000)
	if err != nil || events[len(events)-2].Action != audit.ActionIdentityLinked || events[len(events)-1].Action != "auth.signed_in" {
		t.Fatalf("last audit events: %+v %v", events[len(events)-2:], err)
	}

	// Bob matches case-insensitively and gets no role from "staff".
	b2 := authtest.NewBrowser(t)
	b2.SignIn(e.base, "/me", "bob", "pw-bob")
	p2, _ := me(t, b2, e.base)
	if p2.Name != "bob" || len(p2.Roles) != 0 {
		t.Fatalf("bob: %+v", p2)
	}
}

func TestCallbackStateIsSingleUseAndBoundToBrowser(t *testing.T) {
	e := newEnv(t)
	b := authtest.NewBrowser(t)
	cb := b.SignInToCallback(e.base, "/me", "ada", "pw-ada", nil)

	// Another browser cannot complete this sign-in: the state is bound to
	// the session that started it.
	other := authtest.NewBrowser(t)
	if resp := other.Get(cb); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("callback in another browser: %d %s", resp.StatusCode, resp.Body)
	}
	if _, resp := me(t, other, e.base); resp.StatusCode == http.StatusOK {
		t.Fatal("other browser signed in")
	}

	if resp := b.Get(cb); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("first callback: %d %s", resp.StatusCode, resp.Body)
	}
	// Replaying the callback (same state, same code) is refused.
	if resp := b.Get(cb); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("replayed callback: %d %s", resp.StatusCode, resp.Body)
	}

	// A forged state in the right browser is refused too, and consumes the
	// pending sign-in.
	b3 := authtest.NewBrowser(t)
	cb3 := b3.SignInToCallback(e.base, "/me", "ada", "pw-ada", nil)
	u, _ := url.Parse(cb3)
	q := u.Query()
	q.Set("state", "forged")
	u.RawQuery = q.Encode()
	if resp := b3.Get(u.String()); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("forged state: %d %s", resp.StatusCode, resp.Body)
	}
	if resp := b3.Get(cb3); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("real state after a forged one: %d %s", resp.StatusCode, resp.Body)
	}
}

func TestWrongNonceRejected(t *testing.T) {
	e := newEnv(t)
	b := authtest.NewBrowser(t)
	// The provider signs whatever nonce the authorization request carried;
	// syncd must notice it is not the one it sent.
	cb := b.SignInToCallback(e.base, "/me", "ada", "pw-ada", func(u *url.URL) {
		q := u.Query()
		q.Set("nonce", "attacker-chosen")
		u.RawQuery = q.Encode()
	})
	resp := b.Get(cb)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Body, "nonce") {
		t.Fatalf("wrong nonce: %d %s", resp.StatusCode, resp.Body)
	}
	if _, resp := me(t, b, e.base); resp.StatusCode == http.StatusOK {
		t.Fatal("signed in despite a wrong nonce")
	}
}

func TestTamperedIDTokenRejected(t *testing.T) {
	cases := map[string]func(tok string) string{
		"payload changed": func(tok string) string {
			parts := strings.Split(tok, ".")
			payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
			payload = bytes.Replace(payload, []byte(`"u-ada"`), []byte(`"u-bob"`), 1)
			parts[1] = base64.RawURLEncoding.EncodeToString(payload)
			return strings.Join(parts, ".")
		},
		"signature changed": func(tok string) string {
			parts := strings.Split(tok, ".")
			sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
			sig[0] ^= 0xff
			parts[2] = base64.RawURLEncoding.EncodeToString(sig)
			return strings.Join(parts, ".")
		},
		"unsigned": func(tok string) string {
			parts := strings.Split(tok, ".")
			parts[0] = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
			return parts[0] + "." + parts[1] + "."
		},
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.tamperToken = func(m map[string]any) {
				tok, _ := m["id_token"].(string)
				m["id_token"] = tamper(tok)
			}
			b := authtest.NewBrowser(t)
			resp := b.SignIn(e.base, "/me", "ada", "pw-ada")
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Body, "could not be verified") {
				t.Fatalf("tampered token: %d %s", resp.StatusCode, resp.Body)
			}
			if _, resp := me(t, b, e.base); resp.StatusCode == http.StatusOK {
				t.Fatal("signed in with a tampered ID token")
			}
		})
	}
}

func TestUnlinkedAndInactiveGetAClearPage(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ user, want string }{
		{"eve", "no person record matching"},
		{"tom", "not active"},
	} {
		b := authtest.NewBrowser(t)
		resp := b.SignIn(e.base, "/me", tc.user, "pw-"+tc.user)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Body, tc.want) {
			t.Fatalf("%s: %d %s", tc.user, resp.StatusCode, resp.Body)
		}
		if _, resp := me(t, b, e.base); resp.StatusCode == http.StatusOK {
			t.Fatalf("%s signed in", tc.user)
		}
	}
}

func TestExpiredSessionRedirectsToSignIn(t *testing.T) {
	for _, tc := range []struct {
		name    string
		advance []time.Duration
	}{
		{"idle", []time.Duration{31 * time.Minute}},
		// Active every 25 minutes, yet the absolute limit still ends it.
		{"absolute", []time.Duration{25 * time.Minute, 25 * time.Minute, 25 * time.Minute, 25 * time.Minute, 25 * time.Minute,
			25 * time.Minute, 25 * time.Minute, 25 * time.Minute, 25 * time.Minute, 25 * time.Minute, 25 * time.Minute,
			25 * time.Minute, 25 * time.Minute, 25 * time.Minute, 25 * time.Minute, 25 * time.Minute, 25 * time.Minute,
			25 * time.Minute, 25 * time.Minute, 25 * time.Minute}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			b := authtest.NewBrowser(t)
			b.SignIn(e.base, "/me", "bob", "pw-bob")
			var resp authtest.Response
			for i, d := range tc.advance {
				e.clock.Advance(d)
				_, resp = me(t, b, e.base)
				if i < len(tc.advance)-1 && resp.StatusCode != http.StatusOK {
					t.Fatalf("step %d: session ended early: %d", i, resp.StatusCode)
				}
			}
			if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Location(), "/auth/login") {
				t.Fatalf("expired session: %d → %q", resp.StatusCode, resp.Location())
			}
		})
	}
}

func TestLogoutDestroysSessionServerSide(t *testing.T) {
	e := newEnv(t)
	b := authtest.NewBrowser(t)
	b.SignIn(e.base, "/me", "bob", "pw-bob")
	p, _ := me(t, b, e.base)
	stolen := b.Cookie(e.base, "syncd_session")

	// Logout is a state change: it needs the CSRF token.
	if resp := b.PostForm(e.base+"/auth/logout", nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("logout without token: %d", resp.StatusCode)
	}
	resp := b.PostForm(e.base+"/auth/logout", url.Values{auth.CSRFField: {p.CSRF}})
	// The provider has an end_session_endpoint: sign-out ends its session
	// too and comes back to /signed-out.
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Location(), "/end_session?") ||
		!strings.Contains(resp.Location(), url.QueryEscape(e.base+"/signed-out")) {
		t.Fatalf("logout: %d %q", resp.StatusCode, resp.Location())
	}
	// Replaying the old cookie from another client gets nothing: the
	// session is gone from the database, not just from the browser.
	thief := authtest.NewBrowser(t)
	req, _ := http.NewRequest(http.MethodGet, e.base+"/me", nil)
	req.AddCookie(&http.Cookie{Name: "syncd_session", Value: stolen})
	if resp := thief.Do(req); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("old cookie after logout: %d %s", resp.StatusCode, resp.Body)
	}
	n, err := e.store.DeleteWebSessionsBefore(t.Context(), time.Now().Add(24*time.Hour), time.Now().Add(24*time.Hour))
	if err != nil || n != 0 {
		t.Fatalf("sessions left in the store after logout: %d %v", n, err)
	}
}

func TestCSRFTokenRequired(t *testing.T) {
	e := newEnv(t)
	b := authtest.NewBrowser(t)
	b.SignIn(e.base, "/me", "bob", "pw-bob")
	p, _ := me(t, b, e.base)
	for _, tc := range []struct {
		name  string
		token string
		want  int
	}{
		{"missing", "", http.StatusForbidden},
		{"wrong", p.CSRF + "x", http.StatusForbidden},
		{"right", p.CSRF, http.StatusOK},
	} {
		form := url.Values{}
		if tc.token != "" {
			form.Set(auth.CSRFField, tc.token)
		}
		if resp := b.PostForm(e.base+"/change", form); resp.StatusCode != tc.want {
			t.Fatalf("%s token: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
}

func TestReturnIsLocalOnly(t *testing.T) {
	e := newEnv(t)
	for _, ret := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example"} {
		b := authtest.NewBrowser(t)
		resp := b.SignIn(e.base, ret, "bob", "pw-bob")
		if resp.Request.URL.Host != strings.TrimPrefix(e.base, "http://") {
			t.Fatalf("return %q led to %s", ret, resp.Request.URL)
		}
	}
}

func TestAbandonedSignInExpires(t *testing.T) {
	e := newEnv(t)
	b := authtest.NewBrowser(t)
	cb := b.SignInToCallback(e.base, "/me", "bob", "pw-bob", nil)
	e.clock.Advance(11 * time.Minute)
	if resp := b.Get(cb); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("late callback: %d %s", resp.StatusCode, resp.Body)
	}
	// The pre-login session is gone from the store, not just refused.
	now := e.clock.Now()
	if n, err := e.store.DeleteWebSessionsBefore(t.Context(), now.Add(24*time.Hour), now.Add(24*time.Hour)); err != nil || n != 0 {
		t.Fatalf("%d sessions left: %v", n, err)
	}
}

func TestSessionPrincipalForTheAPI(t *testing.T) {
	e := newEnv(t)
	anon := authtest.NewBrowser(t)
	if resp := anon.Get(e.base + "/api/me"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous: %d", resp.StatusCode)
	}
	b := authtest.NewBrowser(t)
	b.SignIn(e.base, "/me", "bob", "pw-bob")
	p, _ := me(t, b, e.base)
	if resp := b.Get(e.base + "/api/me"); resp.StatusCode != http.StatusOK || resp.Body != p.PersonID {
		t.Fatalf("GET: %d %s", resp.StatusCode, resp.Body)
	}
	if resp := b.PostForm(e.base+"/api/me", nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("POST without token: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, e.base+"/api/me", nil)
	req.Header.Set("X-CSRF-Token", p.CSRF)
	if resp := b.Do(req); resp.StatusCode != http.StatusOK {
		t.Fatalf("POST with header token: %d", resp.StatusCode)
	}
}

// Every request re-checks the person's status: a status changed by any
// path ends the session on the next request.
func TestSessionEndsWhenPersonIsNoLongerActive(t *testing.T) {
	e := newEnv(t)
	b := authtest.NewBrowser(t)
	b.SignIn(e.base, "/me", "bob", "pw-bob")
	p, resp := me(t, b, e.base)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/me: %d", resp.StatusCode)
	}
	if _, err := e.store.UpdatePerson(t.Context(), p.PersonID, func(old store.Person) (store.Person, error) {
		old.Status = store.StatusDisabled
		return old, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, resp := me(t, b, e.base); resp.StatusCode == http.StatusOK {
		t.Fatalf("/me after the person was disabled: %d", resp.StatusCode)
	}
	evs, err := e.store.ListAudit(t.Context(), 0, 1000)
	if err != nil || evs[len(evs)-1].Action != audit.ActionSessionRevoked {
		t.Fatalf("last event %+v %v", evs[len(evs)-1], err)
	}
}

// Roles are derived from current data on every request: groups syncd
// holds decide by their members now, the sign-in's groups claim only for
// groups syncd does not hold, and job functions while they are held.
func TestRolesFollowCurrentGroupsAndJobFunctions(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	ada, bob := authtest.NewBrowser(t), authtest.NewBrowser(t)
	ada.SignIn(e.base, "/me", "ada", "pw-ada")
	bob.SignIn(e.base, "/me", "bob", "pw-bob")
	roles := func(b *authtest.Browser) []auth.Role {
		t.Helper()
		p, resp := me(t, b, e.base)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/me: %d", resp.StatusCode)
		}
		return p.Roles
	}
	want := func(who string, b *authtest.Browser, w ...auth.Role) {
		t.Helper()
		if got := roles(b); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Fatalf("%s: roles %v, want %v", who, got, w)
		}
	}
	want("ada by claim", ada, auth.RoleAdmin)
	want("bob", bob)
	bobP, _ := me(t, bob, e.base)
	adaP, _ := me(t, ada, e.base)

	owners, err := e.store.CreateGroup(ctx, store.Group{Source: "hr", ExternalID: "owners", DisplayName: "App-Owners"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.AddGroupMembers(ctx, owners.ID, []string{bobP.PersonID}); err != nil {
		t.Fatal(err)
	}
	want("bob in app-owners", bob, auth.RoleCatalogOwner)
	jf, err := e.store.OpenJobFunction(ctx, store.JobFunctionAssignment{PersonID: bobP.PersonID, JobFunction: "internal-audit", Rule: "test", ValidFrom: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	want("bob as internal auditor", bob, auth.RoleAuditor, auth.RoleCatalogOwner)
	if err := e.store.CloseJobFunction(ctx, jf.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := e.store.RemoveGroupMembers(ctx, owners.ID, []string{bobP.PersonID}); err != nil {
		t.Fatal(err)
	}
	want("bob after both ended", bob)

	// Once syncd holds the admin group, its members decide, not the claim.
	admins, err := e.store.CreateGroup(ctx, store.Group{Source: "hr", ExternalID: "admins", DisplayName: "syncd-admins"})
	if err != nil {
		t.Fatal(err)
	}
	want("ada, claim outvoted by the held group", ada)
	if err := e.store.AddGroupMembers(ctx, admins.ID, []string{adaP.PersonID}); err != nil {
		t.Fatal(err)
	}
	want("ada, member of the held group", ada, auth.RoleAdmin)
}

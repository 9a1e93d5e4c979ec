package authtest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/demoidp"
)

// Client credentials the test provider registers.
const (
	ClientID     = "syncd-test"
	ClientSecret = "test-secret-not-for-production"
)

// StartIDP starts the demo provider on 127.0.0.1 for redirectURL and
// stops it when the test ends.
func StartIDP(t testing.TB, redirectURL string, users []demoidp.User) *demoidp.Server {
	t.Helper()
	srv, err := demoidp.Start(demoidp.Config{
		Addr: "127.0.0.1:0", Users: users,
		Client: demoidp.Client{ID: ClientID, Secret: ClientSecret, RedirectURI: redirectURL},
	})
	if err != nil {
		t.Fatalf("start demo provider: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// Browser is an HTTP client with a cookie jar that does not follow
// redirects by itself, so each hop can be inspected.
type Browser struct {
	t      testing.TB
	Client *http.Client
}

// NewBrowser returns a browser with an empty cookie jar.
func NewBrowser(t testing.TB) *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{t: t, Client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Response is a response with its body read.
type Response struct {
	*http.Response
	Body string
}

// Location is the resolved redirect target, or "".
func (r Response) Location() string {
	loc, err := r.Response.Location()
	if err != nil {
		return ""
	}
	return loc.String()
}

// Do sends req and reads the body.
func (b *Browser) Do(req *http.Request) Response {
	b.t.Helper()
	resp, err := b.Client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return Response{Response: resp, Body: string(body)}
}

// Get fetches u without following redirects.
func (b *Browser) Get(u string) Response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.Do(req)
}

// PostForm posts form to u, with an Origin header for u's own origin as a
// browser would send (http.CrossOriginProtection checks it).
func (b *Browser) PostForm(u string, form url.Values) Response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if pu, err := url.Parse(u); err == nil {
		req.Header.Set("Origin", pu.Scheme+"://"+pu.Host)
	}
	return b.Do(req)
}

// Follow fetches u and follows redirects (at most 10), returning the last
// response.
func (b *Browser) Follow(u string) Response {
	b.t.Helper()
	resp := b.Get(u)
	for i := 0; i < 10 && resp.Location() != ""; i++ {
		resp = b.Get(resp.Location())
	}
	return resp
}

var authRequestID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// SignInToCallback starts a sign-in at base+/auth/login?return=ret, signs
// in at the provider's form, and returns the callback URL the provider
// redirects to, without visiting it. tamper, when set, may change the
// authorization request on its way to the provider.
func (b *Browser) SignInToCallback(base, ret, user, password string, tamper func(*url.URL)) string {
	b.t.Helper()
	resp := b.Get(base + "/auth/login?return=" + url.QueryEscape(ret))
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("/auth/login: status %d, want 302: %s", resp.StatusCode, resp.Body)
	}
	authz, err := url.Parse(resp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	if tamper != nil {
		tamper(authz)
	}
	resp = b.Follow(authz.String())
	m := authRequestID.FindStringSubmatch(resp.Body)
	if m == nil {
		b.t.Fatalf("provider login form not found (status %d): %s", resp.StatusCode, resp.Body)
	}
	form := resp.Request.URL
	resp = b.PostForm(form.Scheme+"://"+form.Host+"/login", url.Values{"id": {m[1]}, "username": {user}, "password": {password}})
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("provider login: status %d: %s", resp.StatusCode, resp.Body)
	}
	resp = b.Get(resp.Location())
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("provider callback: status %d: %s", resp.StatusCode, resp.Body)
	}
	return resp.Location()
}

// SignIn signs in completely and returns the page the sign-in lands on.
func (b *Browser) SignIn(base, ret, user, password string) Response {
	b.t.Helper()
	cb := b.SignInToCallback(base, ret, user, password, nil)
	return b.Follow(cb)
}

// Cookie returns the browser's cookie called name for u, or "".
func (b *Browser) Cookie(u, name string) string {
	pu, err := url.Parse(u)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range b.Client.Jar.Cookies(pu) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

package auth

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/syncd-dev/syncd/internal/store/gormstore/gormtest"
)

func TestSecureCookieUsesHostPrefix(t *testing.T) {
	st := gormtest.SQLite(t)
	for _, secure := range []bool{true, false} {
		s := &Sessions{Store: st, Now: time.Now, Idle: time.Hour, Absolute: 2 * time.Hour, Secure: secure}
		rec := httptest.NewRecorder()
		sess, err := s.create(t.Context(), rec, sessionData{PersonID: "p"}, s.Absolute)
		if err != nil {
			t.Fatal(err)
		}
		cookies := rec.Result().Cookies()
		if len(cookies) != 1 {
			t.Fatalf("%d cookies", len(cookies))
		}
		c := cookies[0]
		wantName := "syncd_session"
		if secure {
			wantName = "__Host-syncd_session"
		}
		// __Host- requires Secure, Path=/ and no Domain (RFC 6265bis §4.1.3.2).
		if c.Name != wantName || c.Secure != secure || c.Path != "/" || c.Domain != "" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
			t.Fatalf("secure=%v: cookie %+v", secure, c)
		}
		// Only the hash of the id is stored.
		if sess.idHash == c.Value || hashID(c.Value) != sess.idHash {
			t.Fatal("stored id is not the hash of the cookie value")
		}
		if _, err := st.GetWebSession(t.Context(), c.Value); err == nil {
			t.Fatal("the raw session id is stored")
		}
	}
}

package reqid

import (
	"context"
	"crypto/rand"
	"net/http"
)

// Header is the response header carrying the id.
const Header = "X-Request-Id"

type key struct{}

// Middleware gives r an id (an incoming one is not trusted: it is
// replaced) unless an outer layer already did.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if From(r.Context()) != "" {
			next.ServeHTTP(w, r)
			return
		}
		id := rand.Text()[:16]
		w.Header().Set(Header, id)
		r.Header.Set(Header, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), key{}, id)))
	})
}

// From returns the request id in ctx, or "".
func From(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}

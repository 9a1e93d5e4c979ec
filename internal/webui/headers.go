package webui

import "net/http"

// securityHeaders sets the headers every response carries. Pages show
// personal data, so nothing is cached.
// extraFormAction is an origin the sign-out form is redirected to (the
// provider's end_session_endpoint): browsers apply form-action to the
// redirects after a form submission too.
func securityHeaders(extraFormAction string, next http.Handler) http.Handler {
	csp := "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'"
	if extraFormAction != "" {
		csp += " " + extraFormAction
	}
	csp += "; frame-ancestors 'none'; base-uri 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

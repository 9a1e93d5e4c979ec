package demoidp

import (
	"context"
	"html/template"
	"net/http"
)

// loginForm is the provider's own sign-in page: username and password of a
// demo user, then back to the op's callback for the request.
type loginForm struct {
	store    *storage
	callback func(context.Context, string) string
	// csp allows the form to post here and the redirects after it to
	// reach the client's redirect URI (browsers apply form-action to the
	// whole redirect chain).
	csp string
}

var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Demo sign-in</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto">
<main>
<h1>Demo identity provider</h1>
<p>This provider exists only for <code>syncd demo</code>. Sign in with one of the demo logins it printed.</p>
{{if .Error}}<p role="alert" id="error" style="color:#a00">{{.Error}}</p>{{end}}
<form method="post" action="/login">
<input type="hidden" name="id" value="{{.ID}}">
<p><label for="username">Username</label><br><input id="username" name="username" autocomplete="username" required autofocus></p>
<p><label for="password">Password</label><br><input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit" id="submit">Sign in</button></p>
</form>
</main></body></html>`))

func (l *loginForm) render(w http.ResponseWriter, status int, id, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", l.csp)
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_ = loginPage.Execute(w, struct{ ID, Error string }{id, msg})
}

func (l *loginForm) show(w http.ResponseWriter, r *http.Request) {
	l.render(w, http.StatusOK, r.URL.Query().Get("authRequestID"), "")
}

func (l *loginForm) check(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		l.render(w, http.StatusBadRequest, "", "The form could not be read.")
		return
	}
	id := r.PostForm.Get("id")
	if err := l.store.checkPassword(id, r.PostForm.Get("username"), r.PostForm.Get("password")); err != nil {
		l.render(w, http.StatusUnauthorized, id, err.Error())
		return
	}
	http.Redirect(w, r, l.callback(r.Context(), id), http.StatusFound)
}

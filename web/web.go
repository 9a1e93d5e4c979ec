// Package web embeds the web UI's templates and static files, so the
// binary carries its own pages.
package web

import (
	"embed"
	"io/fs"
)

//go:embed templates/*.html templates/*.svg static/*
var files embed.FS

// Templates returns the templates directory.
func Templates() fs.FS {
	sub, _ := fs.Sub(files, "templates")
	return sub
}

// Static returns the static files (CSS) served under /static/.
func Static() fs.FS {
	sub, _ := fs.Sub(files, "static")
	return sub
}

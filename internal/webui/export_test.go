package webui

import (
	"io/fs"

	"github.com/syncd-dev/syncd/internal/store"
)

// NewWithTemplates exposes the start-up template check to the tests.
func NewWithTemplates(st store.Store, fsys fs.FS) error {
	_, err := newWithTemplates(Server{Store: st, NHIWrites: st}, fsys)
	return err
}

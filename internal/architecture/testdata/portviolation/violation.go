// Package portviolation is a planted violation of the store write rules
// (ports_test.go): it writes a person, appends an audit event, changes an
// NHI and a group's members itself, which only packages identity, audit,
// nhi and membership may do.
package portviolation

import (
	"context"

	"github.com/syncd-dev/syncd/internal/store"
)

// Rename writes a person outside package identity.
func Rename(ctx context.Context, tx store.Tx, id string) error {
	_, err := tx.UpdatePerson(ctx, id, func(p store.Person) (store.Person, error) {
		p.DisplayName = "renamed"
		return p, nil
	})
	return err
}

// Batch writes persons through the narrow port, outside package identity.
func Batch(ctx context.Context, w store.PersonWriter) error {
	_, err := w.CreatePersons(ctx, nil)
	return err
}

// Log appends to the chain outside package audit, as a method value.
func Log(st store.Store) func(context.Context, func(store.AuditHead) (store.AuditEvent, error)) (store.AuditEvent, error) {
	return st.AppendAudit
}

// svc has a method named like the store's: calling it is no store write.
type svc struct{}

func (svc) UpdateNHI(string) {}

// Change writes an NHI and a membership through the store, outside their
// owners, and calls its own UpdateNHI, which is not a violation.
func Change(ctx context.Context, st store.Store) {
	_, _ = st.UpdateNHI(ctx, "n", nil)
	_ = st.InTx(ctx, func(tx store.Tx) error { return tx.AddGroupMembers(ctx, "g", nil) })
	svc{}.UpdateNHI("n")
}

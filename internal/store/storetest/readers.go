package storetest

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/syncd-dev/syncd/internal/store"
)

var readerTests = []test{
	{"every read runs inside a read-only snapshot", testReadsInSnapshot},
	{"a write smuggled into a snapshot does not persist", testSnapshotDropsWrites},
}

// testReadsInSnapshot calls every method of store.Reader, with zero
// arguments, inside InSnapshot (on PostgreSQL a READ ONLY transaction,
// which refuses any write or row lock): a read port that wrote or locked
// would fail here.
func testReadsInSnapshot(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, err := s.CreatePerson(ctx, store.Person{UserName: "reader", Status: store.StatusActive})
	must(t, "create", err)
	rt := reflect.TypeFor[store.Reader]()
	if rt.NumMethod() < 100 {
		t.Fatalf("store.Reader has %d methods; expected every read of Tx", rt.NumMethod())
	}
	for i := range rt.NumMethod() {
		m := rt.Method(i)
		t.Run(m.Name, func(t *testing.T) {
			err := s.InSnapshot(ctx, func(tx store.Reader) error {
				fn := reflect.ValueOf(tx).MethodByName(m.Name)
				args := []reflect.Value{reflect.ValueOf(ctx)}
				for j := 1; j < fn.Type().NumIn(); j++ {
					args = append(args, reflect.Zero(fn.Type().In(j)))
				}
				// The few reads that refuse a zero argument.
				for j, a := range args {
					if a.Type() == reflect.TypeFor[store.MatchKey]() {
						args[j] = reflect.ValueOf(store.MatchUserName)
					}
				}
				if m.Name == "FindSourceLinks" {
					args[2] = reflect.ValueOf("userName")
				}
				out := fn.Call(args)
				if e, _ := out[len(out)-1].Interface().(error); e != nil && !errors.Is(e, store.ErrNotFound) {
					return e
				}
				return nil
			})
			if err != nil {
				t.Fatalf("%s in a snapshot: %v", m.Name, err)
			}
		})
	}
}

// testSnapshotDropsWrites reaches past the Reader to the transaction
// behind it and writes: PostgreSQL refuses (READ ONLY), SQLite's snapshot
// is rolled back; on neither does the write persist.
func testSnapshotDropsWrites(t *testing.T, s store.Store) {
	ctx := t.Context()
	err := s.InSnapshot(ctx, func(tx store.Reader) error {
		w, ok := tx.(store.PersonWriter)
		if !ok {
			return nil // nothing to smuggle
		}
		_, err := w.CreatePerson(ctx, store.Person{UserName: "smuggled", Status: store.StatusActive})
		return err
	})
	if err != nil && !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("write in a snapshot: %v, want a read-only refusal or none", err)
	}
	got, err := s.FindPersons(ctx, store.MatchUserName, "smuggled")
	must(t, "find", err)
	if len(got) != 0 {
		t.Fatalf("a write in a snapshot persisted: %+v", got)
	}
}

package store

import (
	"reflect"
	"strings"
	"testing"
)

// isRead tells a read from its name: the store's naming convention.
func isRead(name string) bool {
	for _, p := range []string{"Get", "List", "Find", "Count", "Scan", "Resolve", "Last"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return name == "JobStats"
}

// readerViolations names the methods of tx that are reads missing from
// reader, or writes inside it.
func readerViolations(tx, reader reflect.Type) []string {
	in := map[string]bool{}
	for i := range reader.NumMethod() {
		in[reader.Method(i).Name] = true
	}
	var out []string
	for i := range tx.NumMethod() {
		name := tx.Method(i).Name
		switch {
		case isRead(name) && !in[name]:
			out = append(out, name+" reads but is not in store.Reader: embed its XReader in Reader (ports.go)")
		case !isRead(name) && in[name]:
			out = append(out, name+" writes (or locks) but is in store.Reader: move it to its XWriter")
		}
	}
	return out
}

func TestReaderIsEveryRead(t *testing.T) {
	t.Logf("Tx: %d methods, Reader: %d", reflect.TypeFor[Tx]().NumMethod(), reflect.TypeFor[Reader]().NumMethod())
	for _, v := range readerViolations(reflect.TypeFor[Tx](), reflect.TypeFor[Reader]()) {
		t.Error(v)
	}
}

func TestReaderRuleCatchesAViolation(t *testing.T) {
	type leaky interface {
		PersonReader
		CreatePerson()
	}
	type partial interface{ GetPerson() }
	if got := readerViolations(reflect.TypeFor[Tx](), reflect.TypeFor[leaky]()); len(got) < 2 {
		t.Fatalf("violations %q: want the write inside and the reads missing", got)
	}
	if got := readerViolations(reflect.TypeFor[PersonReader](), reflect.TypeFor[partial]()); len(got) == 0 {
		t.Fatal("no violation for reads missing from the reader")
	}
}

package audit

import (
	"context"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"time"
	"unicode/utf8"

	"github.com/syncd-dev/syncd/internal/store"
)

// Entry is what a caller records; Append turns it into a chained event.
type Entry struct {
	Actor   string // who: "person:<id>", "source:<name>", "token:<name>", "system"
	Action  string // what: "person.created", "token.revoked", ...
	Target  string // on what: "person:<id>", "token:<id>"
	Details any    // marshalled to JSON; nil for none
}

// Append records e as the next event of the chain inside tx, so the event
// commits or rolls back with the change it describes (see AppendAll).
func Append(ctx context.Context, tx store.AuditAppender, now time.Time, e Entry) (store.AuditEvent, error) {
	evs, err := AppendAll(ctx, tx, now, e)
	if err != nil {
		return store.AuditEvent{}, err
	}
	return evs[0], nil
}

// AppendAll records entries, in order, as the next events of the chain
// inside tx: they commit or roll back with it. Where the store chains
// them at once (SQLite) appending takes the chain lock until tx ends, so
// callers that write several events collect them and append once, as
// late in the transaction as they can (docs/adr/0003); on PostgreSQL the
// store chains them right after the commit (docs/adr/0020) and the
// returned events carry no Seq or Hash yet.
func AppendAll(ctx context.Context, tx store.AuditAppender, now time.Time, entries ...Entry) ([]store.AuditEvent, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	at := now.UTC().Truncate(time.Microsecond)
	details := make([][]byte, len(entries))
	for i, e := range entries {
		if err := checkAction(e.Action); err != nil {
			return nil, err
		}
		d, err := canonicalJSON(e.Details)
		if err != nil {
			return nil, fmt.Errorf("audit: %s: details: %w", e.Action, err)
		}
		details[i] = d
	}
	evs := make([]store.AuditEvent, len(entries))
	for i, e := range entries {
		evs[i] = store.AuditEvent{Time: at, Actor: e.Actor, Action: e.Action, Target: e.Target, Details: details[i]}
	}
	evs, err := tx.QueueAuditEvents(ctx, evs)
	if err != nil {
		return nil, fmt.Errorf("audit: append %s: %w", entries[0].Action, err)
	}
	return evs, nil
}

// Hash is the hex SHA-256 over the event's fields and the previous hash,
// each length-prefixed so no two different events serialise alike.
func Hash(ev store.AuditEvent) string { return store.HashAuditEvent(ev) }

// canonicalJSON marshals v with sorted map keys (encoding/json sorts them),
// after a round trip through any so struct field order cannot matter.
// Values the round trip cannot change (maps with string keys, slices,
// valid UTF-8 strings, booleans, small integers) are marshalled once:
// same bytes, a third of the work, which counts when a sync writes an
// event per person.
func canonicalJSON(v any) ([]byte, error) {
	if v == nil {
		return []byte("{}"), nil
	}
	if b, ok := appendPlain(make([]byte, 0, 256), v, 0); ok {
		return b, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if plain(reflect.ValueOf(v), 0) {
		return raw, nil
	}
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		return nil, err
	}
	return json.Marshal(generic)
}

// maxExactInt is the largest integer a float64 (what the round trip
// decodes numbers to) holds exactly.
const maxExactInt = 1 << 53

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// plain reports whether marshalling v gives the bytes the round trip of
// canonicalJSON would: no structs (field order), no custom marshallers,
// no floats or large integers (number formatting), no invalid UTF-8
// (escaped differently the second time), no byte slices.
func plain(v reflect.Value, depth int) bool {
	if depth > 32 {
		return false
	}
	if !v.IsValid() {
		return true // nil interface: null either way
	}
	t := v.Type()
	if t.Implements(marshalerType) || t.Implements(textMarshalerType) ||
		reflect.PointerTo(t).Implements(marshalerType) || reflect.PointerTo(t).Implements(textMarshalerType) {
		return false
	}
	switch v.Kind() {
	case reflect.String:
		return utf8.ValidString(v.String())
	case reflect.Bool:
		return true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := v.Int()
		return n > -maxExactInt && n < maxExactInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint() < maxExactInt
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return true
		}
		return plain(v.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return false
		}
		for i := range v.Len() {
			if !plain(v.Index(i), depth+1) {
				return false
			}
		}
		return true
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return false
		}
		it := v.MapRange()
		for it.Next() {
			if !utf8.ValidString(it.Key().String()) || !plain(it.Value(), depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

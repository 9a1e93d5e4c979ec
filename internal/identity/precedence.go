package identity

import (
	"time"

	"github.com/syncd-dev/syncd/internal/store"
)

// assertion is the value a source asserts for one attribute.
type assertion struct {
	Value      string
	Source     string
	ExternalID string
	At         time.Time
}

// rank is the position of source in the precedence list of attr: the first
// entry naming the source itself or its role. Sources the list does not
// name rank after every listed one.
func (c *compiled) rank(attr, source string) int {
	list := c.precedence[attr]
	role := string(c.role(source))
	for i, e := range list {
		if e == source || e == role {
			return i
		}
	}
	return len(list)
}

// beats reports whether a should win over b for attr: higher precedence,
// then the more recent assertion, then a stable order so the outcome never
// depends on the order links were loaded in.
func (c *compiled) beats(attr string, a, b assertion) bool {
	ra, rb := c.rank(attr, a.Source), c.rank(attr, b.Source)
	if ra != rb {
		return ra < rb
	}
	if !a.At.Equal(b.At) {
		return a.At.After(b.At)
	}
	if a.Source != b.Source {
		return a.Source < b.Source
	}
	return a.ExternalID < b.ExternalID
}

// merge computes a person's effective attributes from all of its links:
// for every canonical attribute some link asserts, the assertion that wins
// by precedence. Attributes no link asserts are absent.
func (c *compiled) merge(links []*store.SourceLink) map[string]assertion {
	out := make(map[string]assertion, len(Attributes))
	for _, l := range links {
		for _, attr := range Attributes {
			v, ok := l.Attributes[attr]
			if !ok {
				continue
			}
			a := assertion{Value: v, Source: l.Source, ExternalID: l.ExternalID, At: l.AssertedAt}
			if cur, ok := out[attr]; !ok || c.beats(attr, a, cur) {
				out[attr] = a
			}
		}
	}
	return out
}

// values flattens merge's result to attribute → value.
func values(m map[string]assertion) map[string]string {
	out := make(map[string]string, len(m))
	for k, a := range m {
		out[k] = a.Value
	}
	return out
}

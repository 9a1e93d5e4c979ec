package pull

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// TestMembersDigestIsStable: the buffered digest is the one groups' stored
// digests were written with (each id and a 0 byte, a 1 byte between
// persons and NHIs), across buffer boundaries and for ids longer than the
// buffer; otherwise every group would look changed once.
func TestMembersDigestIsStable(t *testing.T) {
	var persons []string
	for i := range 3000 {
		persons = append(persons, fmt.Sprintf("person-%08d", i))
	}
	persons = append(persons, strings.Repeat("x", 40000))
	for _, tc := range []struct{ persons, nhis []string }{
		{nil, nil},
		{[]string{"a"}, []string{"b"}},
		{persons, []string{"n1", strings.Repeat("y", 17000)}},
	} {
		h := sha256.New()
		for _, id := range tc.persons {
			h.Write([]byte(id))
			h.Write([]byte{0})
		}
		h.Write([]byte{1})
		for _, id := range tc.nhis {
			h.Write([]byte(id))
			h.Write([]byte{0})
		}
		if got, want := membersDigest(tc.persons, tc.nhis), hex.EncodeToString(h.Sum(nil)); got != want {
			t.Errorf("%d persons, %d nhis: %s, want %s", len(tc.persons), len(tc.nhis), got, want)
		}
	}
}

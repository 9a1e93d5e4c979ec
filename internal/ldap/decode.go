package ldap

import (
	"errors"
	"fmt"
	"strings"
)

// The search responses of a pull are decoded here rather than by
// go-asn1-ber, which allocates for every header byte and every value and
// re-encodes each element into its parent: about half of a no-change full
// run's CPU and most of its garbage (ADR 0014). Only what a search
// response needs is decoded: the LDAPMessage envelope (RFC 4511 §4.1.1)
// and SearchResultEntry (§4.5.2). Everything else (results, controls,
// referrals) goes through go-asn1-ber and go-ldap, a message per page.
//
// LDAP uses BER with definite lengths only (§5.1) and single-byte tags;
// anything else is rejected as malformed.

// maxMessage bounds one LDAPMessage (an entry with every member of a very
// large group still fits many times over).
const maxMessage = 256 << 20

var errMalformed = errors.New("ldap: malformed response")

// tlv splits b into its first element's tag and content and what follows.
func tlv(b []byte) (tag byte, content, rest []byte, err error) {
	if len(b) < 2 {
		return 0, nil, nil, errMalformed
	}
	tag = b[0]
	if tag&0x1f == 0x1f {
		return 0, nil, nil, fmt.Errorf("%w: multi-byte tag", errMalformed)
	}
	n, hdr, err := length(b[1:])
	if err != nil {
		return 0, nil, nil, err
	}
	b = b[1+hdr:]
	if n > len(b) {
		return 0, nil, nil, fmt.Errorf("%w: element of %d bytes in %d", errMalformed, n, len(b))
	}
	return tag, b[:n], b[n:], nil
}

// length decodes a definite BER length at the start of b: the length and
// how many bytes it took. Lengths over maxMessage are refused.
func length(b []byte) (n, size int, err error) {
	if len(b) == 0 {
		return 0, 0, errMalformed
	}
	first := b[0]
	if first < 0x80 {
		return int(first), 1, nil
	}
	k := int(first & 0x7f)
	if k == 0 {
		return 0, 0, fmt.Errorf("%w: indefinite length", errMalformed)
	}
	if k > 4 || len(b) < 1+k {
		return 0, 0, fmt.Errorf("%w: length of %d bytes", errMalformed, k)
	}
	for _, c := range b[1 : 1+k] {
		n = n<<8 | int(c)
	}
	if n > maxMessage {
		return 0, 0, fmt.Errorf("%w: element of %d bytes, over the limit of %d", errMalformed, n, maxMessage)
	}
	return n, 1 + k, nil
}

// BER tags of the elements decoded here.
const (
	tagInteger     = 0x02
	tagOctetString = 0x04
	tagSequence    = 0x30
	tagSet         = 0x31
	tagEntry       = 0x64 // [APPLICATION 4] SearchResultEntry
)

// envelope splits an LDAPMessage into its message ID and protocol
// operation (tag and content); controls, if any, are in rest.
func envelope(msg []byte) (id int64, op byte, content []byte, err error) {
	tag, body, _, err := tlv(msg)
	if err != nil {
		return 0, 0, nil, err
	}
	if tag != tagSequence {
		return 0, 0, nil, fmt.Errorf("%w: message tag %#x", errMalformed, tag)
	}
	tag, idb, body, err := tlv(body)
	if err != nil {
		return 0, 0, nil, err
	}
	if tag != tagInteger || len(idb) == 0 || len(idb) > 4 {
		return 0, 0, nil, fmt.Errorf("%w: message id", errMalformed)
	}
	id = int64(int8(idb[0])) // two's complement, sign from the first byte
	for _, c := range idb[1:] {
		id = id<<8 | int64(c)
	}
	op, content, rest, err := tlv(body)
	if err != nil {
		return 0, 0, nil, err
	}
	if len(rest) > 0 { // controls ([0]), not read here but well-formed
		tag, ctl, after, err := tlv(rest)
		if err != nil {
			return 0, 0, nil, err
		}
		if tag != 0xa0 || len(after) > 0 {
			return 0, 0, nil, fmt.Errorf("%w: data after the operation", errMalformed)
		}
		if err := wellFormed(ctl, 1); err != nil {
			return 0, 0, nil, err
		}
	}
	return id, op, content, nil
}

// wellFormed checks that b is a sequence of elements, constructed ones
// recursively, no deeper than 16 levels.
func wellFormed(b []byte, depth int) error {
	if depth > 16 {
		return fmt.Errorf("%w: nested too deeply", errMalformed)
	}
	for len(b) > 0 {
		tag, content, rest, err := tlv(b)
		if err != nil {
			return err
		}
		if tag&0x20 != 0 {
			if err := wellFormed(content, depth+1); err != nil {
				return err
			}
		}
		b = rest
	}
	return nil
}

// attrNames interns lower-cased attribute names: a connection sees the
// same few names on every entry.
type attrNames map[string]string

func (n attrNames) lower(b []byte) string {
	if s, ok := n[string(b)]; ok {
		return s
	}
	s := strings.ToLower(string(b))
	if len(n) < 1024 {
		n[string(b)] = s
	}
	return s
}

// decodeEntry decodes the content of a SearchResultEntry into an entry:
// names lower-cased, a later attribute of the same name replacing an
// earlier one, as go-ldap's entries were reduced before. The values are
// copied, all into one allocation, so nothing refers to content after.
func decodeEntry(content []byte, names attrNames) (entry, error) {
	tag, dn, attrs, err := tlv(content)
	if err != nil {
		return entry{}, err
	}
	if tag != tagOctetString {
		return entry{}, fmt.Errorf("%w: entry name tag %#x", errMalformed, tag)
	}
	var after []byte
	tag, attrs, after, err = tlv(attrs)
	if err != nil {
		return entry{}, err
	}
	if tag != tagSequence || len(after) > 0 {
		return entry{}, fmt.Errorf("%w: attribute list tag %#x", errMalformed, tag)
	}
	// First pass: check the structure and count, so that the values and
	// their slices take one allocation each.
	nattrs, nvals, size := 0, 0, 0
	for rest := attrs; len(rest) > 0; nattrs++ {
		var a []byte
		if tag, a, rest, err = tlv(rest); err != nil {
			return entry{}, err
		}
		if tag != tagSequence {
			return entry{}, fmt.Errorf("%w: attribute tag %#x", errMalformed, tag)
		}
		var set []byte
		if tag, _, a, err = tlv(a); err != nil {
			return entry{}, err
		}
		if tag != tagOctetString {
			return entry{}, fmt.Errorf("%w: attribute type tag %#x", errMalformed, tag)
		}
		if tag, set, a, err = tlv(a); err != nil {
			return entry{}, err
		}
		if tag != tagSet || len(a) > 0 {
			return entry{}, fmt.Errorf("%w: attribute values tag %#x", errMalformed, tag)
		}
		for len(set) > 0 {
			var v []byte
			if tag, v, set, err = tlv(set); err != nil {
				return entry{}, err
			}
			if tag != tagOctetString {
				return entry{}, fmt.Errorf("%w: attribute value tag %#x", errMalformed, tag)
			}
			nvals++
			size += len(v)
		}
	}
	e := entry{DN: string(dn), Attrs: make(map[string][][]byte, nattrs)}
	data := make([]byte, 0, size)
	vals := make([][]byte, 0, nvals)
	// Second pass: the structure is known to be sound.
	for rest := attrs; len(rest) > 0; {
		var a, name, set, v []byte
		_, a, rest, _ = tlv(rest)
		_, name, a, _ = tlv(a)
		_, set, _, _ = tlv(a)
		from := len(vals)
		for len(set) > 0 {
			_, v, set, _ = tlv(set)
			at := len(data)
			data = append(data, v...)
			vals = append(vals, data[at:len(data):len(data)])
		}
		e.Attrs[names.lower(name)] = vals[from:len(vals):len(vals)]
	}
	return e, nil
}

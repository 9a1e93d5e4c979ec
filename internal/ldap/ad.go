package ldap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// UACAccountDisable is userAccountControl's ACCOUNTDISABLE bit (MS-ADTS
// 2.2.16).
const UACAccountDisable = 0x2

// FormatGUID renders AD's 16-byte objectGUID in the usual string form. The
// first three fields are little-endian on the wire (MS-DTYP 2.3.4.2), so
// the bytes are not simply hex-encoded in order.
func FormatGUID(b []byte) (string, error) {
	if len(b) != 16 {
		return "", fmt.Errorf("objectGUID is %d bytes, want 16", len(b))
	}
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x",
		binary.LittleEndian.Uint32(b[0:4]), binary.LittleEndian.Uint16(b[4:6]), binary.LittleEndian.Uint16(b[6:8]),
		b[8:10], b[10:16]), nil
}

// ParseUserAccountControl parses the decimal userAccountControl flags. AD
// sends them as a signed 32-bit integer, so negative values are accepted.
func ParseUserAccountControl(s string) (uint32, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("not an integer: %q", s)
	}
	if n < -1<<31 || n > 1<<32-1 {
		return 0, fmt.Errorf("out of 32-bit range: %d", n)
	}
	return uint32(n), nil
}

// filetimeEpochOffset is the seconds from 1601-01-01 to 1970-01-01.
const filetimeEpochOffset = 11644473600

// filetimeNever is accountExpires' "never" besides 0.
const filetimeNever = 0x7FFFFFFFFFFFFFFF

// ParseFILETIME parses a FILETIME (100-nanosecond intervals since
// 1601-01-01 UTC, as a decimal string). 0 and 0x7FFFFFFFFFFFFFFF mean
// never, reported with never true.
func ParseFILETIME(s string) (t time.Time, never bool, err error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("not a FILETIME: %q", s)
	}
	switch {
	case n == 0 || n == filetimeNever:
		return time.Time{}, true, nil
	case n < 0:
		return time.Time{}, false, fmt.Errorf("negative FILETIME: %d", n)
	}
	secs := n/10_000_000 - filetimeEpochOffset
	nanos := (n % 10_000_000) * 100
	return time.Unix(secs, nanos).UTC(), false, nil
}

// rangeAttr parses a ranged attribute name such as "member;range=0-1499"
// or "member;range=1500-*" (AD's range retrieval). ok is false for a name
// without a range option.
func rangeAttr(name string) (base string, low, high int, last, ok bool, err error) {
	base, opts, found := strings.Cut(name, ";")
	if !found {
		return name, 0, 0, false, false, nil
	}
	for _, o := range strings.Split(opts, ";") {
		r, isRange := strings.CutPrefix(strings.ToLower(o), "range=")
		if !isRange {
			continue
		}
		lo, hi, dash := strings.Cut(r, "-")
		if !dash {
			return base, 0, 0, false, false, fmt.Errorf("bad range %q", o)
		}
		if low, err = strconv.Atoi(lo); err != nil || low < 0 {
			return base, 0, 0, false, false, fmt.Errorf("bad range start %q", o)
		}
		if hi == "*" {
			return base, low, 0, true, true, nil
		}
		if high, err = strconv.Atoi(hi); err != nil || high < low {
			return base, 0, 0, false, false, fmt.Errorf("bad range end %q", o)
		}
		return base, low, high, false, true, nil
	}
	return base, 0, 0, false, false, nil
}

// errRangeLoop stops a server that never ends a range.
var errRangeLoop = errors.New("ranged retrieval did not finish")

// rangedValues returns every value of attr for the entry at dn: the values
// in e, plus, when the server sent a range ("member;range=0-1499"), the
// further ranges fetched with fetch(dn, "member;range=1500-*") until the
// one ending in "*".
func rangedValues(e entry, attr string, fetch func(dn, attr string) (entry, error)) ([][]byte, error) {
	lower := strings.ToLower(attr)
	out := e.Attrs[lower]
	cur := e
	for range 100000 {
		var next int
		more := false
		for name, vals := range cur.Attrs {
			base, _, high, last, ok, err := rangeAttr(name)
			if err != nil {
				return nil, fmt.Errorf("%s of %s: %w", attr, e.DN, err)
			}
			if !ok || base != lower {
				continue
			}
			out = append(out, vals...)
			if !last {
				more, next = true, high+1
			}
		}
		if !more {
			return out, nil
		}
		var err error
		if cur, err = fetch(e.DN, fmt.Sprintf("%s;range=%d-*", attr, next)); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%s of %s: %w", attr, e.DN, errRangeLoop)
}

package ldap

import (
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/syncd-dev/syncd/internal/identity"
)

// entry is an LDAP entry reduced to what the mapping asked for: attribute
// names lower-cased, values as raw bytes (objectGUID is binary).
type entry struct {
	DN    string
	Attrs map[string][][]byte
}

func (e entry) values(attr string) [][]byte { return e.Attrs[lowerName(attr)] }

// lowered caches the lower-case form of the few attribute names a
// mapping uses, which every entry looks up: strings.ToLower allocates
// for each mixed-case name (entryUUID, givenName) on every call.
var lowered = struct {
	sync.RWMutex
	m map[string]string
}{m: map[string]string{}}

func lowerName(attr string) string {
	lowered.RLock()
	l, ok := lowered.m[attr]
	lowered.RUnlock()
	if ok {
		return l
	}
	l = strings.ToLower(attr)
	lowered.Lock()
	if len(lowered.m) < 256 { // names from configurations, not from entries
		lowered.m[attr] = l
	}
	lowered.Unlock()
	return l
}

// first returns the first value of the first of attrs (a comma-separated
// fallback list such as "departmentNumber,ou") that the entry has.
func (e entry) first(attrs string) ([]byte, bool) {
	for attrs != "" {
		var a string
		a, attrs, _ = strings.Cut(attrs, ",")
		if v := e.values(strings.TrimSpace(a)); len(v) > 0 {
			return v[0], true
		}
	}
	return nil, false
}

// mapError is why an entry cannot become a record.
type mapError struct{ reason string }

func (e *mapError) Error() string { return e.reason }

func rejectf(format string, args ...any) error {
	return &mapError{reason: fmt.Sprintf(format, args...)}
}

// text checks a value is UTF-8 and not longer than maxLen bytes.
func text(attr string, v []byte, maxLen int) (string, error) {
	if !utf8.Valid(v) {
		return "", rejectf("attribute %s is not valid UTF-8", attr)
	}
	if maxLen > 0 && len(v) > maxLen {
		return "", rejectf("attribute %s is %d bytes, longer than the limit of %d", attr, len(v), maxLen)
	}
	return string(v), nil
}

// externalID is the entry's stable id: entryUUID as is, objectGUID
// decoded from its 16 bytes. Never the DN, which renames change.
func (m Mapping) externalID(e entry) (string, error) {
	v, ok := e.first(m.ID)
	if !ok || len(v) == 0 {
		return "", rejectf("no %s (the stable id)", m.ID)
	}
	if strings.EqualFold(m.ID, "objectGUID") {
		return FormatGUID(v)
	}
	return text(m.ID, v, 256)
}

// person maps an entry to a record. A *mapError names why it cannot.
func (m Mapping) person(e entry, now time.Time, maxLen int) (identity.Record, error) {
	id, err := m.externalID(e)
	if err != nil {
		return identity.Record{}, err
	}
	r := identity.Record{ExternalID: id, DN: e.DN, Attributes: make(map[string]string, len(m.Attrs)+1)}
	if !utf8.ValidString(e.DN) {
		return r, rejectf("DN is not valid UTF-8")
	}
	for canon, attr := range m.Attrs {
		v, ok := e.first(attr)
		if !ok {
			r.Attributes[canon] = "" // asserted empty: the directory has none
			continue
		}
		s, err := text(attr, v, maxLen)
		if err != nil {
			return r, err
		}
		r.Attributes[canon] = s
	}
	r.Manager = &identity.ManagerRef{}
	if v, ok := e.first(m.Manager); ok && len(v) > 0 {
		s, err := text(m.Manager, v, maxLen)
		if err != nil {
			return r, err
		}
		r.Manager = &identity.ManagerRef{DN: s}
	}
	disabled, err := m.disabled(e, now)
	if err != nil {
		return r, err
	}
	r.Attributes[identity.AttrStatus] = "active"
	if disabled {
		r.Attributes[identity.AttrStatus] = "disabled"
	}
	return r, nil
}

// disabled reads the preset's account state. On OpenLDAP, ppolicy's
// pwdAccountLockedTime of 000001010000Z is a lock set by an administrator
// (disabled); any other value is the time of a failed-login lockout, which
// expires with pwdLockoutDuration and leaves the person active. On AD,
// userAccountControl bit 0x2 (ACCOUNTDISABLE) or a past accountExpires
// disables; lockoutTime and the LOCKOUT bit are lockouts, not disables.
func (m Mapping) disabled(e entry, now time.Time) (bool, error) {
	if m.Preset != PresetActiveDirectory {
		for _, v := range e.values("pwdAccountLockedTime") {
			if string(v) == AdminLockedTime {
				return true, nil
			}
		}
		return false, nil
	}
	if v, ok := e.first("userAccountControl"); ok {
		uac, err := ParseUserAccountControl(string(v))
		if err != nil {
			return false, rejectf("userAccountControl: %v", err)
		}
		if uac&UACAccountDisable != 0 {
			return true, nil
		}
	}
	if v, ok := e.first("accountExpires"); ok {
		at, never, err := ParseFILETIME(string(v))
		if err != nil {
			return false, rejectf("accountExpires: %v", err)
		}
		if !never && !at.After(now) {
			return true, nil
		}
	}
	return false, nil
}

// watermark is the entry's change marker (modifyTimestamp or uSNChanged).
func (m Mapping) watermark(e entry) string {
	v, _ := e.first(m.Watermark)
	return string(v)
}

// requested lists the attributes a people search asks for.
func (m Mapping) requested(extra ...string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(list string) {
		for _, a := range strings.Split(list, ",") {
			a = strings.TrimSpace(a)
			if a != "" && !seen[strings.ToLower(a)] {
				seen[strings.ToLower(a)] = true
				out = append(out, a)
			}
		}
	}
	add(m.ID)
	add(m.Manager)
	add(m.Watermark)
	for _, a := range m.Attrs {
		add(a)
	}
	if m.Preset == PresetActiveDirectory {
		add("userAccountControl,accountExpires")
	} else {
		add("pwdAccountLockedTime")
	}
	for _, x := range extra {
		add(x)
	}
	return out
}

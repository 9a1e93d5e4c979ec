package ldap

import (
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzMapPerson feeds arbitrary attribute bytes through both presets'
// mapping: it must never panic, and a mapped record must be clean (an
// id, UTF-8 values within the limit, a known status).
func FuzzMapPerson(f *testing.F) {
	f.Add("uid=a,ou=people,dc=x", []byte("5f1c2f0e-1111-2222-3333-444455556666"), []byte("Engineer"), []byte("uid=m,dc=x"), "512", "0", false)
	f.Add("CN=a,DC=x", []byte{0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}, []byte("T"), []byte(""), "514", "133000000000000000", true)
	f.Add("CN=b", []byte{1, 2, 3}, []byte{0xff, 0xfe}, []byte("x"), "-2147483646", "9223372036854775807", true)
	f.Add("", []byte(""), []byte(strings.Repeat("x", 5000)), []byte("\x00"), "x", "-1", false)
	f.Fuzz(func(t *testing.T, dn string, id, title, manager []byte, uac, expires string, ad bool) {
		preset := PresetOpenLDAP
		if ad {
			preset = PresetActiveDirectory
		}
		m, err := presetMapping(preset)
		if err != nil {
			t.Fatal(err)
		}
		e := entry{DN: dn, Attrs: map[string][][]byte{
			strings.ToLower(m.ID): {id}, "title": {title}, "manager": {manager},
			"useraccountcontrol": {[]byte(uac)}, "accountexpires": {[]byte(expires)},
			"pwdaccountlockedtime": {[]byte(expires)},
		}}
		r, err := m.person(e, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 4096)
		if err != nil {
			return
		}
		if r.ExternalID == "" || !utf8.ValidString(r.ExternalID) {
			t.Fatalf("mapped record with id %q", r.ExternalID)
		}
		for k, v := range r.Attributes {
			if !utf8.ValidString(v) || len(v) > 4096 {
				t.Fatalf("attribute %s = %q passed the checks", k, v)
			}
		}
		if s := r.Attributes["status"]; s != "active" && s != "disabled" {
			t.Fatalf("status %q", s)
		}
	})
}

// FuzzParseFILETIME checks parsing never panics and a parsed time maps
// back to the same FILETIME.
func FuzzParseFILETIME(f *testing.F) {
	for _, s := range []string{"0", "9223372036854775807", "116444736000000000", "133000000000000000", "-1", "x", " 5 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		at, never, err := ParseFILETIME(s)
		if err != nil || never {
			return
		}
		back := (at.Unix()+filetimeEpochOffset)*10_000_000 + int64(at.Nanosecond()/100)
		if n, _ := strconv.ParseInt(strings.TrimSpace(s), 10, 64); n != back {
			t.Fatalf("%q parsed to %v, which is FILETIME %d", s, at, back)
		}
	})
}

// FuzzFormatGUID: 16 bytes always format, anything else never does.
func FuzzFormatGUID(f *testing.F) {
	f.Add([]byte{0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff})
	f.Add([]byte("short"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := FormatGUID(b)
		if (len(b) == 16) != (err == nil) || (err == nil && len(s) != 36) {
			t.Fatalf("FormatGUID(% x) = %q, %v", b, s, err)
		}
	})
}

// FuzzParseUserAccountControl and ranged attribute names never panic.
func FuzzParseUserAccountControl(f *testing.F) {
	for _, s := range []string{"512", "-2147483646", "4294967296", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseUserAccountControl(s)
		_, low, high, last, ok, err := rangeAttr("member;range=" + s)
		if err == nil && ok && !last && high < low {
			t.Fatalf("range %q: %d-%d", s, low, high)
		}
	})
}

// TestMapPersonRejects lists the entries a pull must refuse, with the
// reason it records.
func TestMapPersonRejects(t *testing.T) {
	m, _ := presetMapping(PresetOpenLDAP)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		attrs map[string][][]byte
		want  string
	}{
		{"no entryUUID", map[string][][]byte{"uid": {[]byte("a")}}, "no entryUUID"},
		{"non-UTF-8 title", map[string][][]byte{"entryuuid": {[]byte("u1")}, "title": {{0xff, 0xfe}}}, "attribute title is not valid UTF-8"},
		{"long mail", map[string][][]byte{"entryuuid": {[]byte("u1")}, "mail": {[]byte(strings.Repeat("m", 5000))}}, "attribute mail is 5000 bytes"},
		{"non-UTF-8 manager", map[string][][]byte{"entryuuid": {[]byte("u1")}, "manager": {{0xc3}}}, "attribute manager is not valid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := m.person(entry{DN: "uid=a,dc=x", Attrs: tc.attrs}, now, 4096)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestUUIDPartitions(t *testing.T) {
	got := uuidPartitions("(objectClass=x)", 3)
	want := []string{
		"(&(objectClass=x)(!(entryUUID>=55000000-0000-0000-0000-000000000000)))",
		"(&(objectClass=x)(entryUUID>=55000000-0000-0000-0000-000000000000)(!(entryUUID>=aa000000-0000-0000-0000-000000000000)))",
		"(&(objectClass=x)(entryUUID>=aa000000-0000-0000-0000-000000000000))",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("partitions:\n%s", strings.Join(got, "\n"))
	}
}

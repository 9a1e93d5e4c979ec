package nhi

import (
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	cases := []struct {
		in, want, err string
	}{
		{"", "", ""},
		{"2026-01-31", "2026-01-31T00:00:00Z", ""},
		{" 2026-01-31 ", "2026-01-31T00:00:00Z", ""},
		{"2026-01-31T09:00:00+02:00", "2026-01-31T07:00:00Z", ""},
		{"31/01/2026", "", `expires: "31/01/2026" is not a date`},
		{"2026-02-30", "", "is not a date"},
		{"tomorrow", "", "is not a date"},
	}
	for _, tc := range cases {
		got, fe := ParseDate("expires", tc.in)
		switch {
		case tc.err != "":
			if fe == nil || !strings.Contains(fe.Error(), tc.err) || got != nil {
				t.Errorf("ParseDate(%q) = %v, %v; want error %q", tc.in, got, fe, tc.err)
			}
		case fe != nil:
			t.Errorf("ParseDate(%q): %v", tc.in, fe)
		case tc.want == "" && got != nil, tc.want != "" && (got == nil || got.Format(time.RFC3339) != tc.want):
			t.Errorf("ParseDate(%q) = %v, want %s", tc.in, got, tc.want)
		}
	}
}

// FuzzParseDate: a date either parses to a UTC time that formats back to
// something that parses to the same instant, or fails naming the field.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"", "2026-01-31", "2026-01-31T09:00:00Z", "2026-01-31T09:00:00.123+05:30", "31/01/2026", "9999-12-31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, fe := ParseDate("d", s)
		if fe != nil {
			if got != nil || fe.Field != "d" {
				t.Fatalf("error %v with time %v", fe, got)
			}
			return
		}
		if got == nil {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("%q parsed to nothing without an error", s)
			}
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("%q parsed to non-UTC %v", s, got)
		}
		again, fe := ParseDate("d", got.Format(time.RFC3339Nano))
		if fe != nil || !again.Equal(*got) {
			t.Fatalf("%q: round trip %v → %v, %v", s, got, again, fe)
		}
	})
}

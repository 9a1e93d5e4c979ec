package ldap

import (
	"testing"
	"time"
)

// TestDisabledOrLockedOut: only an administrator's lock or AD's
// ACCOUNTDISABLE bit (or a past accountExpires) disables; lockouts after
// failed logins (ppolicy's timed pwdAccountLockedTime, AD's lockoutTime
// and LOCKOUT bit 0x10) do not.
func TestDisabledOrLockedOut(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	ol, _ := presetMapping(PresetOpenLDAP)
	ad, _ := presetMapping(PresetActiveDirectory)
	for _, tc := range []struct {
		name  string
		m     Mapping
		attrs map[string]string
		want  bool
	}{
		{"openldap no lock", ol, nil, false},
		{"openldap admin lock", ol, map[string]string{"pwdaccountlockedtime": "000001010000Z"}, true},
		{"openldap failed-login lockout", ol, map[string]string{"pwdaccountlockedtime": "20261203093000Z"}, false},
		{"ad normal", ad, map[string]string{"useraccountcontrol": "512"}, false},
		{"ad disabled", ad, map[string]string{"useraccountcontrol": "514"}, true},
		{"ad lockoutTime", ad, map[string]string{"useraccountcontrol": "512", "lockouttime": "134091144000000000"}, false},
		{"ad LOCKOUT bit", ad, map[string]string{"useraccountcontrol": "528"}, false},
		{"ad expired", ad, map[string]string{"useraccountcontrol": "512", "accountexpires": "116444736000000000"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := entry{DN: "cn=x", Attrs: map[string][][]byte{}}
			for k, v := range tc.attrs {
				e.Attrs[k] = [][]byte{[]byte(v)}
			}
			got, err := tc.m.disabled(e, now)
			if err != nil || got != tc.want {
				t.Fatalf("disabled = %t, %v; want %t", got, err, tc.want)
			}
		})
	}
}

package ldap_test

import (
	"errors"
	"testing"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/syncd-dev/syncd/internal/ldap"
	"github.com/syncd-dev/syncd/internal/ldap/ldaptest"
)

func TestParseGUIDInvertsFormatGUID(t *testing.T) {
	raw := []byte{0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}
	s, err := ldap.FormatGUID(raw)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ldap.ParseGUID(s)
	if err != nil || string(back) != string(raw) {
		t.Fatalf("ParseGUID(%s) = %x %v, want %x", s, back, err, raw)
	}
	for _, bad := range []string{"", "not-a-guid", "76543210-ba98-fedc-0123-456789abcdeg", "76543210ba98fedc0123456789abcdef"} {
		if _, err := ldap.ParseGUID(bad); err == nil {
			t.Errorf("ParseGUID(%q) accepted", bad)
		}
	}
}

// TestDisableAccountOnSlapd locks a service account with ppolicy's
// permanent lock, found by its entryUUID; again is a no-op; an unknown id
// says so.
func TestDisableAccountOnSlapd(t *testing.T) {
	srv := ldaptest.Start(t, ldaptest.Options{LDIF: ldaptest.Generate(suffix, ldaptest.Directory{People: 3, ServiceAccounts: 2})})
	conn, err := goldap.DialURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Bind(srv.AdminDN, srv.AdminPassword); err != nil {
		t.Fatal(err)
	}
	dn := ldaptest.ServiceDN(suffix, 1)
	read := func(attr string) string {
		t.Helper()
		res, err := conn.Search(goldap.NewSearchRequest(dn, goldap.ScopeBaseObject, goldap.NeverDerefAliases, 1, 0, false, "(objectClass=*)", []string{attr}, nil))
		if err != nil || len(res.Entries) != 1 {
			t.Fatalf("read %s: %v", attr, err)
		}
		return res.Entries[0].GetAttributeValue(attr)
	}
	uuid := read("entryUUID")
	cfg := ldap.Config{Name: "corp", URL: srv.URL, BindDN: srv.ReaderDN, BindPassword: srv.ReaderPassword, Preset: ldap.PresetOpenLDAP,
		People: ldap.Search{BaseDN: "ou=people," + suffix}, ServiceAccounts: &ldap.ServiceAccounts{BaseDN: "ou=services," + suffix}}
	w, err := ldap.NewGroupWriter(cfg, ldap.WriteCredentials{BindDN: srv.AdminDN, BindPassword: srv.AdminPassword})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.DisableAccount(t.Context(), uuid); err != nil {
		t.Fatal(err)
	}
	if got := read("pwdAccountLockedTime"); got != "000001010000Z" {
		t.Fatalf("pwdAccountLockedTime = %q", got)
	}
	if err := w.DisableAccount(t.Context(), uuid); err != nil {
		t.Fatalf("disabling again: %v", err)
	}
	if err := w.DisableAccount(t.Context(), "00000000-0000-0000-0000-000000000000"); !errors.Is(err, ldap.ErrNoSuchAccount) {
		t.Fatalf("unknown account: %v", err)
	}
}

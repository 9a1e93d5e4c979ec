package ldap

import (
	"errors"
	"fmt"
	"io"
	"testing"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/syncd-dev/syncd/internal/source"
)

// TestClassify: the scheduler retries only ErrUnreachable on a new
// connection, so a dropped connection must land there and an
// authentication failure must not.
func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"connection cut mid-read", fmt.Errorf("search: %w", io.EOF), source.ErrUnreachable},
		{"truncated response", io.ErrUnexpectedEOF, source.ErrUnreachable},
		{"go-ldap network error", goldap.NewError(goldap.ErrorNetwork, errors.New("ldap: connection closed")), source.ErrUnreachable},
		{"server down", goldap.NewError(goldap.LDAPResultServerDown, errors.New("down")), source.ErrUnreachable},
		{"wrong password", goldap.NewError(goldap.LDAPResultInvalidCredentials, errors.New("invalid credentials")), source.ErrAuth},
		{"no such base", goldap.NewError(goldap.LDAPResultNoSuchObject, errors.New("no such object")), source.ErrNoSuchBase},
		{"anything else", goldap.NewError(goldap.LDAPResultOther, errors.New("other")), source.ErrProtocol},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify("corp", "read", tc.err); !errors.Is(got, tc.want) {
				t.Fatalf("classify(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

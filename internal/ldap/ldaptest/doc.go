// Package ldaptest starts a real OpenLDAP slapd for tests: on loopback,
// from a temporary directory, loaded with a generated directory of people,
// groups and service accounts. It drives slapd and the ldap-utils tools as
// processes, so it imports no LDAP library; any package's tests may use it.
package ldaptest

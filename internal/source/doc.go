// Package source is the contract between pull sources (LDAP, upstream
// SCIM) and the runner that schedules them (package pull): what a source
// is asked for, what it hands back, and the error classes a failing
// source reports. It imports identity only for the person record, which
// is the one shape every source's people take on their way in.
package source

// Package membership is the one writer of group memberships: the SCIM
// server (pushed groups) and the pull runner (directory groups) change who
// is in a group only through it, a whole member-set diff per group in one
// call, and every change is audited as group.members_changed with one
// payload shape.
package membership

// Package authz is syncd's one object-level authorization policy: it
// answers "may principal P do action A on object O" for people, NHIs,
// findings, projects, requests, grants, catalog items, sync runs and the
// audit trail. The web UI and the JSON API both call it, so they agree.
package authz

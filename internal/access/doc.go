// Package access owns the request flow over the catalog in force (whose
// items, files, versions, lint and governed changes are package catalog's)
// and is the one writer of grants. It covers:
//
//   - requests (Submit, Extend, Browse) and their approval stages (Decide),
//     each policy decision stored with its inputs (the policy itself is
//     package policy's);
//   - grants as a guarded state machine (pending → active → ending →
//     ended, failed), also those granted without a request: birthright
//     grants following job functions and imported directory memberships
//     behind ldap-group items;
//   - fulfillment and take-back as durable work claimed under a lease by a
//     worker (RunWorker, ProcessFulfillments) through the Fulfillers: LDAP
//     groups (GroupWriter), outbound SCIM groups, signed webhooks, issued
//     API keys sealed until their one-time retrieval (CredentialCipher),
//     service-account onboarding, and manual work;
//   - the sweep (Sweep): stage timeouts and escalations, expiries,
//     pre-expiry notices, birthright and import reconciliation, retries.
package access

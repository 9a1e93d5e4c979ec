// Package ldap pulls people, groups and service accounts from LDAP
// directories (OpenLDAP and Active Directory) for the pull runner: streaming
// paged searches (RFC 2696), incremental reads by modifyTimestamp or
// uSNChanged, and the AD decodings (objectGUID, userAccountControl,
// FILETIME, ranged member retrieval). It is the only importer of go-ldap.
package ldap

// Package replicas holds whole-process tests of several `syncd serve`
// replicas on one PostgreSQL behind a small reverse proxy: the job
// runner's exactly-once periods, a replica killed mid-job, SIGTERM during
// a SCIM burst, and the /metrics families. Everything runs on loopback.
package replicas

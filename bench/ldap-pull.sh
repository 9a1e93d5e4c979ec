#!/usr/bin/env bash
# Whole-process LDAP pull benchmark: a real slapd loaded with a realistic
# generated directory (ldaptest.Org) of PEOPLE people (default 100000),
# syncd sync on SQLite and PostgreSQL timed against a paged ldapsearch
# dump of the same entries and attributes, with ratios and peak RSS.
# Needs slapd and ldap-utils (scripts/test-all.sh installs them), and psql
# with SYNCD_BENCH_POSTGRES_DSN for PostgreSQL (else set DB=sqlite).
#
#   bench/ldap-pull.sh                       # 100,000 people, both databases
#   PEOPLE=20000 DB=sqlite bench/ldap-pull.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PEOPLE="${PEOPLE:-100000}"
PAGE="${PAGE:-1000}"
PARALLEL="${PARALLEL:-2}"
DB="${DB:-sqlite,postgres}"
LOG="${LOG:-warn}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
go build -o "$out/syncd" ./cmd/syncd
go build -o "$out/ldappull" ./bench/ldappull
"$out/ldappull" -people "$PEOPLE" -page "$PAGE" -parallel "$PARALLEL" -db "$DB" -log "$LOG" \
  -syncd "${SYNCD:-$out/syncd}" -dir "$out/work" "$@"

#!/usr/bin/env bash
# Whole-process LDAP pull benchmark: a real slapd with PEOPLE generated
# people (default 100000), syncd sync timed against a paged ldapsearch
# dump of the same people and attributes. Needs slapd and ldap-utils
# (scripts/test-all.sh installs them).
#
#   bench/ldap-pull.sh            # 100,000 people
#   PEOPLE=20000 bench/ldap-pull.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PEOPLE="${PEOPLE:-100000}"
PAGE="${PAGE:-1000}"
PARALLEL="${PARALLEL:-2}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
go build -o "$out/syncd" ./cmd/syncd
go run ./bench/ldappull -people "$PEOPLE" -page "$PAGE" -parallel "$PARALLEL" -syncd "$out/syncd" -dir "$out/work"

#!/usr/bin/env bash
# Installs what syncd's tests need (only what is missing, from Debian's
# packages and the Go module proxy), starts the services they use, and runs
# every check: gofmt, go vet, staticcheck and go test -race on SQLite and
# PostgreSQL, with the browser tests in headless Chromium. Safe to run again;
# PostgreSQL; slapd and ldap-utils for the LDAP tests. Safe to run again;
# needs root (or sudo) for apt and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

STATICCHECK_VERSION=v0.8.2
PG_VERSION=15
PG_DB=syncd_test
PG_USER=syncd
PG_PASSWORD=syncd
export DEBIAN_FRONTEND=noninteractive

log() { printf '==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# --- packages -----------------------------------------------------------
need=()
[ -x "/usr/lib/postgresql/$PG_VERSION/bin/postgres" ] || need+=("postgresql-$PG_VERSION")
command -v pg_ctlcluster >/dev/null || need+=(postgresql-common)
# Headless Chromium for the web UI's browser tests (driven with chromedp).
[ -x /usr/lib/chromium/chromium ] || need+=(chromium)
# slapd for the LDAP pull tests (they start their own instance on
# loopback from a temporary directory; the packaged service is not used).
[ -x /usr/sbin/slapd ] || need+=(slapd)
command -v ldapmodify >/dev/null || need+=(ldap-utils)
# LibreOffice Calc and pdftotext for the evidence workbook tests (headless
# PDF rendering and re-save).
command -v soffice >/dev/null || need+=(libreoffice-calc)
command -v pdftotext >/dev/null || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then
	log "installing ${need[*]}"
	as_root apt-get update -q
	as_root apt-get install -y -q --no-install-recommends "${need[@]}"
fi

# --- PostgreSQL ---------------------------------------------------------
if ! pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" '$1==v && $2=="main"' | grep -q .; then
	log "creating PostgreSQL $PG_VERSION cluster"
	as_root pg_createcluster "$PG_VERSION" main
fi
if ! pg_lsclusters -h | awk -v v="$PG_VERSION" '$1==v && $2=="main" {print $4}' | grep -q online; then
	log "starting PostgreSQL $PG_VERSION"
	as_root pg_ctlcluster "$PG_VERSION" main start
fi
for _ in $(seq 1 30); do
	as_root runuser -u postgres -- pg_isready -q && break
	sleep 1
done
psql_admin() { as_root runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtAc "$1"; }
if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'")" != 1 ]; then
	psql_admin "CREATE ROLE $PG_USER LOGIN SUPERUSER PASSWORD '$PG_PASSWORD'"
fi
if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname='$PG_DB'")" != 1 ]; then
	psql_admin "CREATE DATABASE $PG_DB OWNER $PG_USER"
fi
export SYNCD_TEST_POSTGRES_DSN="postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:5432/$PG_DB?sslmode=disable"

# --- Go tools -----------------------------------------------------------
GOBIN="$(go env GOPATH)/bin"
if ! "$GOBIN/staticcheck" -version 2>/dev/null | grep -q "${STATICCHECK_VERSION#v}"; then
	log "installing staticcheck $STATICCHECK_VERSION"
	go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi

# --- checks -------------------------------------------------------------
log "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt wants changes in:"; echo "$unformatted"; exit 1
fi
log "go vet"
go vet ./...
log "staticcheck"
"$GOBIN/staticcheck" ./...
log "go test -race (SQLite and PostgreSQL)"
go test -race -count=1 -timeout 30m ./...

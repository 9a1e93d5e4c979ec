#!/usr/bin/env bash
# SCIM POST /Users from N clients against a real `syncd serve` on SQLite
# (synchronous FULL, then NORMAL) and PostgreSQL, each next to a raw
# database/sql insert of the same rows into the same database in the same
# run. Loopback only; everything lives in a temporary directory.
#
#   bench/scim-writes.sh                 # 5000 users, 16 clients
#   USERS=20000 CLIENTS=16 PG_DSN=postgres://… bench/scim-writes.sh
#
# PG_DSN defaults to $SYNCD_TEST_POSTGRES_DSN; without either the
# PostgreSQL run is skipped. The PostgreSQL run uses a schema of its own
# (dropped at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-5000}
CLIENTS=${CLIENTS:-16}
PG_DSN=${PG_DSN:-${SYNCD_TEST_POSTGRES_DSN:-}}
tmp=$(mktemp -d)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/syncd" ./cmd/syncd
go build -o "$tmp/scimload" ./bench/scimload
port=$((20000 + RANDOM % 20000))

run() { # name driver dsn sync raw-driver raw-dsn
	local name=$1 driver=$2 dsn=$3 sync=$4 rawdrv=$5 rawdsn=$6 cfg="$tmp/$1.yaml"
	cat >"$cfg" <<YAML
server:
  listen: 127.0.0.1:$port
storage:
  driver: $driver
  dsn: "$dsn"
  autoMigrate: true
  sqliteSynchronous: $sync
log:
  level: warn
sources:
  - name: bench
    role: idp
    type: scim-push
scim:
  ratePerSecond: 1000000
  burst: 1000000
YAML
	"$tmp/syncd" migrate --config "$cfg" >/dev/null
	local token
	token=$("$tmp/syncd" token create --config "$cfg" --name "bench-$name" --scope scim --source bench)
	"$tmp/syncd" serve --config "$cfg" 2>"$tmp/$name.log" &
	pid=$!
	for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
	echo "== $name ($USERS users, $CLIENTS clients)"
	"$tmp/scimload" -url "http://127.0.0.1:$port/scim/v2" -token "$token" -clients "$CLIENTS" -users "$USERS" \
		-phases create -raw-driver "$rawdrv" -raw-dsn "$rawdsn" -prefix "$name"
	kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}

db="$tmp/full.db"
run sqlite-full sqlite "$db" full sqlite3 "file:$db?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=5000&_txlock=immediate"
db="$tmp/normal.db"
run sqlite-normal sqlite "$db" normal sqlite3 "file:$db?_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=5000&_txlock=immediate"
if [ -n "$PG_DSN" ]; then
	schema="scimload_$$"
	psql "$PG_DSN" -qc "CREATE SCHEMA $schema" >/dev/null
	sep='?'; case $PG_DSN in *\?*) sep='&';; esac
	dsn="$PG_DSN${sep}search_path=$schema"
	run postgres postgres "$dsn" full pgx "$dsn"
	psql "$PG_DSN" -qc "SET client_min_messages = warning; DROP SCHEMA $schema CASCADE" >/dev/null
else
	echo "== postgres skipped (set PG_DSN or SYNCD_TEST_POSTGRES_DSN)"
fi

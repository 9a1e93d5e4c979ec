#!/usr/bin/env bash
# Issue 19's whole-process SCIM benchmark: a real `syncd serve` on SQLite
# (synchronous FULL, the default) and PostgreSQL, loaded over loopback by
# bench/scimload from 16 clients. Per database, in one run:
#
#   1. raw-full: the floor, the full write of a create (person, link,
#      audit event chained to a locked head) in one transaction per user
#      through database/sql with prepared statements, into scratch tables
#      of the same database;
#   2. create: POST /Users of USERS Entra-style users (enterprise
#      extension, a manager for all but the first ten);
#   3. filtered-get: GET /Users?filter=userName eq "…" of random users;
#   3b. group-members: GROUP_COUNT groups, then GROUP_OPS PATCH /Groups requests
#      adding (or, every fourth, removing) one member, Entra-style;
#   4. page: GET /Users?startIndex=<90 % of USERS>&count=100, one client;
#   5. contains: GET /Users?filter=displayName co "ab"&count=200 (a
#      quarter of the users match), one client;
#
# then prints the issue's table (figures, goal, met or not) and syncd's
# peak RSS.
#
#   bench/scim-speed.sh                          # USERS=100000 CLIENTS=16
#   USERS=20000 DBS=sqlite bench/scim-speed.sh   # shorter, SQLite only
#
# PG_DSN defaults to $SYNCD_TEST_POSTGRES_DSN; without either the
# PostgreSQL run is skipped. It uses a schema of its own, dropped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-100000}
CLIENTS=${CLIENTS:-16}
GETS=${GETS:-20000}
GROUP_COUNT=${GROUP_COUNT:-10}
GROUP_OPS=${GROUP_OPS:-4000}
DBS=${DBS:-sqlite postgres}
PG_DSN=${PG_DSN:-${SYNCD_TEST_POSTGRES_DSN:-}}
SYNCD=${SYNCD:-}
tmp=$(mktemp -d)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
if [ -z "$SYNCD" ]; then
	go build -o "$tmp/syncd" ./cmd/syncd
	SYNCD="$tmp/syncd"
fi
go build -o "$tmp/scimload" ./bench/scimload
port=$((20000 + RANDOM % 20000))

run() { # name driver dsn raw-driver raw-dsn
	local name=$1 driver=$2 dsn=$3 rawdrv=$4 rawdsn=$5 cfg="$tmp/$1.yaml"
	cat >"$cfg" <<YAML
server:
  listen: 127.0.0.1:$port
storage:
  driver: $driver
  dsn: "$dsn"
  autoMigrate: true
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
	"$SYNCD" migrate --config "$cfg" >/dev/null
	local token
	token=$("$SYNCD" token create --config "$cfg" --name "bench-$name" --scope scim --source bench)
	"$SYNCD" serve --config "$cfg" 2>"$tmp/$name.log" &
	pid=$!
	for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
	echo "== $name ($USERS users, $CLIENTS clients, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
	SCIMLOAD_DB=$driver "$tmp/scimload" -url "http://127.0.0.1:$port/scim/v2" -token "$token" -clients "$CLIENTS" \
		-users "$USERS" -gets "$GETS" -phases create,filtered-get,group-members,page,contains \
		-groups "$GROUP_COUNT" -group-ops "$GROUP_OPS" -raw-driver "$rawdrv" -raw-dsn "$rawdsn" \
		-raw-full -prefix "$name" -pid "$pid" -table -metrics "http://127.0.0.1:$port/metrics"
	kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}

for db in $DBS; do
	case $db in
	sqlite)
		f="$tmp/speed.db"
		run sqlite sqlite "$f" sqlite3 "file:$f?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=5000&_txlock=immediate&_foreign_keys=1"
		;;
	postgres)
		if [ -z "$PG_DSN" ]; then
			echo "== postgres skipped (set PG_DSN or SYNCD_TEST_POSTGRES_DSN)"
			continue
		fi
		schema="scimspeed_$$"
		psql "$PG_DSN" -qc "CREATE SCHEMA $schema" >/dev/null
		sep='?'; case $PG_DSN in *\?*) sep='&';; esac
		dsn="$PG_DSN${sep}search_path=$schema"
		run postgres postgres "$dsn" pgx "$dsn"
		psql "$PG_DSN" -qc "SET client_min_messages = warning; DROP SCHEMA $schema CASCADE" >/dev/null
		;;
	esac
done

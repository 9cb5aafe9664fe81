#!/usr/bin/env bash
# Shared helpers of the benchmark scripts (see BENCHMARKS.md). Everything
# listens on and connects to 127.0.0.1 only.
set -euo pipefail

VOLTD=${VOLTD:-/tmp/volt-bench/voltd}  # go build -o /tmp/volt-bench/voltd ./cmd/voltd
WORK=${WORK:-/tmp/volt-bench}           # databases, credentials, logs
HTTP=${HTTP:-127.0.0.1:28080}           # voltd under test
PPROF=${PPROF:-127.0.0.1:26060}         # its /debug/pprof (VOLT_DEBUG_PPROF_ADDR)
METRICS=${METRICS:-127.0.0.1:29100}     # its /metrics (--metrics)
DB=${DB:-$WORK/sqlite/volt.db}          # SQLite path or postgres:// URL
OCPP=ws://$HTTP/ocpp
OCPP_VERSION=${OCPP_VERSION:-1.6}       # what the simulated chargers speak: 1.6, 2.0.1 or 2.1
mkdir -p "$WORK"

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# fresh_db sqlite|postgres: an empty database for the run in $DB: a new
# SQLite file under $WORK, or the PostgreSQL database volt_load on $PGURL,
# dropped and created ($PGDB overrides the name).
PGURL=${PGURL:-postgres://postgres:postgres@127.0.0.1:5432}
PGDB=${PGDB:-volt_load} # a name of its own when several runs share the server
fresh_db() {
	if [ "$1" = postgres ]; then
		psql -q "$PGURL/postgres?sslmode=disable" -c "DROP DATABASE IF EXISTS $PGDB" -c "CREATE DATABASE $PGDB"
		DB="$PGURL/$PGDB?sslmode=disable"
	else
		rm -f "$WORK"/volt.db*; DB=$WORK/volt.db
	fi
}

# provision N: N chargers SIM000001.. with their cards; credentials in $WORK/creds.csv.
provision() {
	"$VOLTD" load provision --db "$DB" --chargers "$1" --out "$WORK/creds.csv"
}

# start_voltd: serve on $HTTP with pprof on $PPROF; sets VOLTD_PID.
start_voltd() {
	VOLT_DEBUG_PPROF_ADDR=$PPROF "$VOLTD" serve --db "$DB" --http "$HTTP" --metrics "$METRICS" --log-level warn \
		>"$WORK/voltd.log" 2>&1 </dev/null &
	VOLTD_PID=$!
	for _ in $(seq 100); do
		curl -fsS "http://$HTTP/healthz" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	log "voltd did not become healthy"; cat "$WORK/voltd.log" >&2; return 1
}

stop_voltd() {
	[ -n "${VOLTD_PID:-}" ] || return 0
	kill -TERM "$VOLTD_PID" 2>/dev/null || true
	wait "$VOLTD_PID" 2>/dev/null || true
	VOLTD_PID=
}

# rss_kib PID: resident set size in KiB.
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# cpu_s PID: CPU time (user + system) the process has used, in seconds.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
# fds PID: open file descriptors.
fds() { ls "/proc/$1/fd" | wc -l; }
# metric NAME: a value from voltd's /metrics.
metric() { curl -m 5 -fsS "http://$METRICS/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

# wait_online N LOG: wait (at most 300 s) until the sim's log says all N are on line.
wait_online() {
	for _ in $(seq 3000); do
		grep -q "all $1 chargers on line" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	log "not all $1 chargers on line"; return 1
}

# sql QUERY: run a query on $DB (sqlite3 or psql).
sql() {
	case "$DB" in
	postgres://* | postgresql://*) psql -qAt "$DB" -c "$1" ;;
	*) sqlite3 -cmd ".timeout 10000" "$DB" "$1" ;;
	esac
}

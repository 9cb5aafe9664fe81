#!/usr/bin/env bash
# Goal 3 of issue #3: sustained persisted MeterValues per second through the
# whole stack (websocket → gateway → store).
# Usage: bench/meter-flood.sh sqlite|postgres [N=2000] [SECONDS=60]
# N chargers each start a transaction, then send MeterValues (9 sampled
# values: energy, power, 3 × current, 3 × voltage, SoC) back to back, each as
# soon as the previous one is answered. Rows in meter_values (one per
# MeterValue, and the simulator sends one per message) are counted every
# 10 s: rows/s = MeterValues/s. PostgreSQL: database volt_load on the
# local server (PGURL), dropped and created afresh.
. "$(dirname "$0")/lib.sh"
ENGINE=${1:-sqlite}; N=${2:-2000}; SECS=${3:-60}
PGURL=${PGURL:-postgres://postgres:postgres@127.0.0.1:5432}
WORK=$WORK/flood-$ENGINE; mkdir -p "$WORK"
if [ "$ENGINE" = postgres ]; then
	psql -q "$PGURL/postgres?sslmode=disable" -c "DROP DATABASE IF EXISTS volt_load" -c "CREATE DATABASE volt_load"
	DB="$PGURL/volt_load?sslmode=disable"
else
	rm -f "$WORK"/volt.db*; DB=$WORK/volt.db
fi
provision "$N"
start_voltd
trap stop_voltd EXIT
"$VOLTD" load sim --meter-flood --url "$OCPP" --credentials "$WORK/creds.csv" --chargers "$N" \
	--load --report-every 10s --start-spread 10s --duration $((SECS + 120))s --transactions "$WORK/tx.csv" >"$WORK/sim.log" 2>&1 &
SIM=$!
for _ in $(seq 1200); do grep -q "MeterValues begin" "$WORK/sim.log" && break; sleep 0.1; done
grep "MeterValues begin" "$WORK/sim.log" >&2
sleep 5 # past the first answers
r0=$(sql "SELECT count(*) FROM meter_values"); t0=$(date +%s.%N); d0=$(metric volt_ocpp_frame_log_drops_total)
for i in $(seq $((SECS / 10))); do
	sleep 10
	log "rows=$(sql "SELECT count(*) FROM meter_values") load=$(loadavg)"
done
r1=$(sql "SELECT count(*) FROM meter_values"); t1=$(date +%s.%N); d1=$(metric volt_ocpp_frame_log_drops_total)
awk -v r0="$r0" -v r1="$r1" -v t0="$t0" -v t1="$t1" -v e="$ENGINE" -v n="$N" -v d0="$d0" -v d1="$d1" -v l="$(loadavg)" 'BEGIN {
	s = t1 - t0; printf "engine=%s chargers=%d seconds=%.1f rows=%d rows/s=%.0f metervalues/s=%.0f frame_log_drops=%d load=\"%s\"\n",
	e, n, s, r1 - r0, (r1 - r0) / s, (r1 - r0) / s, d1 - d0, l }'
kill -INT "$SIM"; wait "$SIM" || true
grep -E "summary|meter flood" "$WORK/sim.log" >&2 || true

#!/usr/bin/env bash
# Issue 12, item 8: answer latency of steady traffic in the first minutes
# after N chargers booted on one node. The chargers connect over SPREAD;
# the summary's "window" gives p50/p99/p999 of every answer in the WINDOW
# after the last one is on line (the issue's figure: 10,000 chargers,
# WINDOW=5m). Heartbeat and meter intervals are shortened by HEARTBEAT and
# METER for runs at reduced scale. With PROFILE=1 it also saves a CPU
# profile, a block profile (delta) and a 10-s runtime trace under $WORK,
# taken PROFILE_AT seconds after the start.
# SIM runs the load generator (default: the voltd under test), so that two
# builds of the server can be compared under the same generator.
# Usage: bench/steady.sh [sqlite|postgres] [N=10000] [SECONDS=400]
. "$(dirname "$0")/lib.sh"
ENGINE=${1:-sqlite}; N=${2:-10000}; SECS=${3:-400}
HEARTBEAT=${HEARTBEAT:-300s}; METER=${METER:-60s}; SPREAD=${SPREAD:-60s}; WINDOW=${WINDOW:-5m}
SIM=${SIM:-$VOLTD}
WORK=$WORK/steady-$ENGINE; mkdir -p "$WORK"
fresh_db "$ENGINE"
provision "$N" >/dev/null
start_voltd
trap stop_voltd EXIT
log "load before: $(loadavg)"
"$SIM" load sim --steady --url "$OCPP" --credentials "$WORK/creds.csv" --chargers "$N" \
	--heartbeat "$HEARTBEAT" --meter-interval "$METER" --session-rate 0.3 --session-length 20m --start-spread "$SPREAD" \
	--load --report-every 10s --duration "${SECS}s" --window "$WINDOW" >"$WORK/sim.log" 2>&1 &
SIM_PID=$!
if [ -n "${PROFILE:-}" ]; then
	sleep "${PROFILE_AT:-40}"
	curl -s "http://$PPROF/debug/pprof/profile?seconds=20" >"$WORK/cpu.pb" &
	curl -s "http://$PPROF/debug/pprof/block?seconds=20" >"$WORK/block.pb" &
	curl -s "http://$PPROF/debug/pprof/trace?seconds=10" >"$WORK/trace.out"
	wait %2 %3 2>/dev/null || true
fi
wait "$SIM_PID"
log "load after: $(loadavg)"
grep -v '^\s*$' "$WORK/sim.log" | tail -n 15

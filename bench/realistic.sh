#!/usr/bin/env bash
# Goal 4 of issue #3: p99 round trip at N chargers with realistic traffic:
# heartbeat 300 s, MeterValues every 60 s, 15 % of connectors charging
# (sessions of 20 min on average, from the steady state). The summary's
# percentiles leave out the first WARMUP (the chargers connect over the
# first 60 s).
# Usage: bench/realistic.sh [sqlite|postgres] [N=10000] [SECONDS=300]
. "$(dirname "$0")/lib.sh"
ENGINE=${1:-sqlite}; N=${2:-10000}; SECS=${3:-300}; WARMUP=${WARMUP:-120s}
WORK=$WORK/realistic-$ENGINE; mkdir -p "$WORK"
fresh_db "$ENGINE"
provision "$N"
start_voltd
trap stop_voltd EXIT
log "load before: $(loadavg)"
"$VOLTD" load sim --steady --url "$OCPP" --credentials "$WORK/creds.csv" --chargers "$N" \
	--heartbeat 300s --meter-interval 60s --session-rate 0.15 --session-length 20m --start-spread 60s \
	--warmup "$WARMUP" --load --report-every 30s --duration "${SECS}s" --transactions "$WORK/tx.csv" | tee "$WORK/sim.log"
log "load after: $(loadavg)"
DB=$DB bash "$(dirname "$0")/check-transactions.sh" "$WORK/tx.csv"

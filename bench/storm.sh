#!/usr/bin/env bash
# Goal 5 of issue #3: N chargers (15 % charging, MeterValues every 60 s) are
# all on line; then every connection drops at once and the chargers
# reconnect (1-2 s back-off with jitter, queued transaction messages sent
# after the new boot). Reports the time until every charger has booted
# again, then checks that no transaction was lost or doubled.
# Usage: [OCPP_VERSION=2.0.1] [STORM_SPREAD=60s] [STORM_AFTER=60s] bench/storm.sh [sqlite|postgres] [N=10000]
. "$(dirname "$0")/lib.sh"
ENGINE=${1:-sqlite}; N=${2:-10000}
WORK=$WORK/storm-$ENGINE; mkdir -p "$WORK"
fresh_db "$ENGINE"
provision "$N"
start_voltd
trap stop_voltd EXIT
log "load before: $(loadavg)"
# Without --duration the run ends once the storm is over; timeout bounds it.
timeout -s INT 900 "$VOLTD" load sim --ocpp "$OCPP_VERSION" --steady --url "$OCPP" --credentials "$WORK/creds.csv" --chargers "$N" \
	--heartbeat 300s --meter-interval 60s --session-rate 0.15 --session-length 20m --start-spread "${STORM_SPREAD:-60s}" \
	--reconnect-storm --storm-after "${STORM_AFTER:-60s}" --min-backoff 1s --max-backoff 10s \
	--load --report-every 10s --transactions "$WORK/tx.csv" | tee "$WORK/sim.log"
log "load after: $(loadavg)"
DB=$DB bash "$(dirname "$0")/check-transactions.sh" "$WORK/tx.csv"

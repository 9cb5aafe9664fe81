#!/usr/bin/env bash
# Goal 3 of issue #3: sustained persisted MeterValues per second through the
# whole stack (websocket → gateway → store).
# Usage: [OCPP_VERSION=2.0.1] bench/meter-flood.sh sqlite|postgres [N=2000] [SECONDS=60]
# With 2.x stations the flood is TransactionEvent Updated (same nine sampled
# values), stored as the same meter_values rows.
# N chargers each start a transaction, then send MeterValues (9 sampled
# values: energy, power, 3 × current, 3 × voltage, SoC) back to back, each as
# soon as the previous one is answered. Rows in meter_values (one per
# MeterValue, and the simulator sends one per message) are counted every
# 10 s: rows/s = MeterValues/s. PostgreSQL: database volt_load on the
# local server (PGURL), dropped and created afresh.
. "$(dirname "$0")/lib.sh"
ENGINE=${1:-sqlite}; N=${2:-2000}; SECS=${3:-60}
WORK=$WORK/flood-$ENGINE; mkdir -p "$WORK"
fresh_db "$ENGINE"
provision "$N"
start_voltd
trap stop_voltd EXIT
"$VOLTD" load sim --ocpp "$OCPP_VERSION" --meter-flood --url "$OCPP" --credentials "$WORK/creds.csv" --chargers "$N" \
	--load --report-every 10s --start-spread 10s --duration $((SECS + 120))s --transactions "$WORK/tx.csv" >"$WORK/sim.log" 2>&1 &
SIM=$!
for _ in $(seq 1200); do grep -qE "(MeterValues|TransactionEvent Updated) begin" "$WORK/sim.log" && break; sleep 0.1; done
grep -E "(MeterValues|TransactionEvent Updated) begin" "$WORK/sim.log" >&2
sleep 5 # past the first answers
r0=$(sql "SELECT count(*) FROM meter_values"); t0=$(date +%s.%N); d0=$(metric volt_ocpp_frame_log_drops_total)
c0=$(cpu_s "$VOLTD_PID"); s0=$(cpu_s "$SIM")
for i in $(seq $((SECS / 10))); do
	sleep 10
	log "rows=$(sql "SELECT count(*) FROM meter_values") load=$(loadavg)"
done
r1=$(sql "SELECT count(*) FROM meter_values"); t1=$(date +%s.%N); d1=$(metric volt_ocpp_frame_log_drops_total)
c1=$(cpu_s "$VOLTD_PID"); s1=$(cpu_s "$SIM")
# CPU: voltd's and the simulator's CPU seconds over the window; cpu/msg is
# voltd's CPU time per persisted MeterValues (what one core would sustain is
# its inverse).
awk -v r0="$r0" -v r1="$r1" -v t0="$t0" -v t1="$t1" -v e="$ENGINE" -v n="$N" -v d0="$d0" -v d1="$d1" -v l="$(loadavg)" \
	-v c0="$c0" -v c1="$c1" -v s0="$s0" -v s1="$s1" 'BEGIN {
	s = t1 - t0; m = r1 - r0
	printf "engine=%s chargers=%d seconds=%.1f metervalues=%d metervalues/s=%.0f frame_log_drops=%d voltd_cores=%.2f sim_cores=%.2f voltd_cpu/msg=%.3fms load=\"%s\"\n",
	e, n, s, m, m / s, d1 - d0, (c1 - c0) / s, (s1 - s0) / s, 1000 * (c1 - c0) / m, l }'
kill -INT "$SIM"; wait "$SIM" || true
grep -E "summary|meter flood" "$WORK/sim.log" >&2 || true

#!/usr/bin/env bash
# Goal 1 of issue #3: resident memory per idle connected charger.
# Usage: [OCPP_VERSION=2.0.1] [IDLE_SAMPLES="30 60"] bench/idle-memory.sh [N=10000]
# Starts voltd on a fresh database, measures its VmRSS, connects N simulated
# chargers (boot done, no sessions, heartbeat as the server says: 300 s),
# waits until all are on line and 30 s more, and measures again.
. "$(dirname "$0")/lib.sh"
N=${1:-10000}
WORK=$WORK/idle-$N; DB=$WORK/volt.db; mkdir -p "$WORK"; rm -f "$WORK"/volt.db*
provision "$N"
start_voltd
trap stop_voltd EXIT
sleep 5
before=$(rss_kib "$VOLTD_PID"); heap0=$(metric go_memstats_heap_inuse_bytes); g0=$(metric go_goroutines)
log "before: rss=${before}KiB heap_inuse=$heap0 goroutines=$g0 load=$(loadavg)"
"$VOLTD" load sim --ocpp "$OCPP_VERSION" --url "$OCPP" --credentials "$WORK/creds.csv" --chargers "$N" --session-rate 0 \
	--load --report-every 10s --start-spread 20s --duration 420s >"$WORK/sim.log" 2>&1 &
SIM=$!
wait_online "$N" "$WORK/sim.log"
# The boot storm's garbage is collected by the next GCs (the runtime forces
# one every 2 minutes) and the scavenger returns it to the OS: sample RSS
# for 3 minutes and report the last sample.
for t in ${IDLE_SAMPLES:-30 60 90 120 150 180}; do
	sleep 30
	log "+${t}s: rss=$(rss_kib "$VOLTD_PID")KiB heap_inuse=$(metric go_memstats_heap_inuse_bytes) stack_inuse=$(metric go_memstats_stack_inuse_bytes)"
done
after=$(rss_kib "$VOLTD_PID"); heap1=$(metric go_memstats_heap_inuse_bytes); g1=$(metric go_goroutines)
stack1=$(metric go_memstats_stack_inuse_bytes); nfd=$(fds "$VOLTD_PID")
curl -fsS "http://$PPROF/debug/pprof/heap" -o "$WORK/heap.pprof" || true
log "after:  rss=${after}KiB heap_inuse=$heap1 stack_inuse=$stack1 goroutines=$g1 fds=$nfd load=$(loadavg)"
per() { awk -v a="$1" -v b="$2" -v n="$N" -v d="$3" 'BEGIN { printf "%.2f", (a - b) / d / n }'; }
echo "chargers=$N rss_before_kib=$before rss_after_kib=$after rss_per_charger_kib=$(per "$after" "$before" 1)" \
	"heap_inuse_per_charger_kib=$(per "$heap1" "$heap0" 1024) stack_per_charger_kib=$(per "$stack1" 0 1024)" \
	"goroutines=$g1 fds=$nfd load=\"$(loadavg)\" date=$(date -u +%FT%TZ)"
kill -INT "$SIM"; wait "$SIM" || true
grep summary "$WORK/sim.log" >&2 || true

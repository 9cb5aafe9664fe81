#!/usr/bin/env bash
# Goal 2 of issue #3: held connections up to the open-file limit of one
# process (ulimit -n, 20,000 here). The load generator is split over
# several processes (voltd load sim --offset), each under its own limit.
# Usage: bench/held-connections.sh [N=20000] [PROCS=3]
# Samples voltd's open files, live OCPP connections and RSS every 10 s, then
# checks that voltd still answers and counts accept errors in its log.
. "$(dirname "$0")/lib.sh"
N=${1:-20000}; PROCS=${2:-3}
WORK=$WORK/held-$N; DB=$WORK/volt.db; mkdir -p "$WORK"; rm -f "$WORK"/volt.db*
log "ulimit -n: $(ulimit -n) (hard $(ulimit -Hn))"
provision "$N"
start_voltd
trap stop_voltd EXIT
PER=$(((N + PROCS - 1) / PROCS)); SIMS=()
for p in $(seq 0 $((PROCS - 1))); do
	off=$((p * PER)); n=$((N - off < PER ? N - off : PER))
	"$VOLTD" load sim --url "$OCPP" --credentials "$WORK/creds.csv" --offset "$off" --chargers "$n" \
		--session-rate 0 --start-spread 60s --min-backoff 5s --max-backoff 30s \
		--load --report-every 30s --duration 300s >"$WORK/sim-$p.log" 2>&1 &
	SIMS+=($!)
done
for t in $(seq 10 10 180); do
	sleep 10
	log "+${t}s fds=$(fds "$VOLTD_PID") connections=$(metric volt_ocpp_connections || echo '?') refused=$(metric volt_ocpp_refused_full_total || echo '?')" \
		"established=$(ss -Htn state established "( sport = :${HTTP##*:} )" | wc -l) rss=$(rss_kib "$VOLTD_PID")KiB load=$(loadavg)"
done
log "voltd alive: $(kill -0 "$VOLTD_PID" && echo yes || echo NO); healthz: $(curl -sS -m 5 "http://$HTTP/healthz" 2>&1 | head -1)"
log "message log drops: $(metric volt_ocpp_frame_log_drops_total || echo '?')"
log "accept errors in voltd log: $(grep -c 'too many open files' "$WORK/voltd.log" || true); other errors: $(grep -v 'too many open files' "$WORK/voltd.log" | grep -c ERROR || true)"
for s in "${SIMS[@]}"; do kill -INT "$s" 2>/dev/null || true; done
wait "${SIMS[@]}" 2>/dev/null || true
sleep 5
log "after the chargers left: fds=$(fds "$VOLTD_PID") connections=$(metric volt_ocpp_connections || echo '?') healthz: $(curl -sS -m 5 "http://$HTTP/healthz" 2>&1 | head -1)"
grep -h summary "$WORK"/sim-*.log >&2 || true

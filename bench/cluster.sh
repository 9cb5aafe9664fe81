#!/usr/bin/env bash
# Issue #12 smoke run: three voltd nodes on one PostgreSQL database, their
# embedded NATS servers clustered by routes, Debian's HAProxy in TCP mode in
# front, and N simulated chargers through HAProxy for SECONDS with sessions;
# then the database is checked against what the chargers saw, and
# everything is torn down. All on 127.0.0.1.
# With KILL=1, node 2 is killed (SIGKILL) halfway: its chargers reconnect
# through HAProxy to the other two, and the check at the end still finds one
# session per answered start and one CDR per answered stop.
# HAProxy passes each charger's address with the PROXY protocol v2
# (send-proxy-v2; nodes run with VOLT_PROXY_PROTOCOL=true), so the nodes'
# auth limiter and logs see the chargers; PROXY=0 turns it off. Direct
# requests to a node then need `curl --haproxy-protocol`.
# SIMS splits the chargers over that many load-generator processes (each
# has its own 20,000-file limit: 50,000 chargers need SIMS=3 or more);
# KILL_AT (default SECONDS/2) is when node 2 dies; the figures then include
# chargers per node, RSS per charger per node and the time until every
# charger is back. COMMANDS=N sends N commands from node 1's API to
# chargers held by nodes 2 and 3 once all are on line
# (bench/cluster-commands.sh) and reports their p50/p99. FLOOD=1 replaces
# the steady traffic by a MeterValues flood (every connector charging,
# MeterValues back to back) and reports persisted MeterValues per second
# across the cluster; NODES=1 runs the same with one node. One HAProxy
# process holds at most 9,900 chargers under the 20,000-file limit (two
# sockets each): HAPROXIES=k runs k of them (ports 28080, 28091, 28092,
# ...), the load generators spread over them.
# HEARTBEAT, METER, SESSION_RATE and SESSION_LENGTH (default 60s, 10s, 0.3,
# 30s: a busy smoke run) set the steady traffic; the 50,000-charger run uses
# goal 4's realistic traffic (300s, 60s, 0.3, 20m).
# COMMANDS_AFTER=S waits S seconds more once all are on line and every
# node's post-boot configuration reads have drained (steady state) before
# the commands.
# NODE_REPORT=S prints every node's figures every S seconds, with the CPU
# seconds each node and PostgreSQL used so far and PostgreSQL's transaction
# count (also logged before the chargers, at the commands and at the end):
# a steady window's cost is the difference between two of those lines.
# WEIGHTS=a,b,c gives HAProxy's servers those weights (default 1 each):
# WEIGHTS=1,2,1 puts half the chargers on node 2, the one KILL=1 kills.
# NODE_PPROF=1 serves node i's pprof on 127.0.0.1:2606i (VOLT_DEBUG_PPROF_ADDR).
# Usage: [KILL=1] [PROXY=0] [SIMS=1] [COMMANDS=0] [FLOOD=1] [NODES=3] bench/cluster.sh [N=300] [SECONDS=60]
. "$(dirname "$0")/lib.sh"
N=${1:-300}; SECS=${2:-60}
export VOLT_ADMIN_EMAIL=${VOLT_ADMIN_EMAIL:-bench@volt.localhost} VOLT_ADMIN_PASSWORD=${VOLT_ADMIN_PASSWORD:-bench-password-123}
HAPROXIES=${HAPROXIES:-1}; PROXY=${PROXY:-1}; SIMS=${SIMS:-1}; NODES=${NODES:-3}; KILL_AT=${KILL_AT:-$((SECS / 2))}
# Each generator goes through one HAProxy (generator s through s % HAPROXIES),
# and one HAProxy holds at most 9,900 chargers: refuse a split that would cap
# the run silently (50,000 chargers: SIMS=6 HAPROXIES=6).
PER=$(((N + SIMS - 1) / SIMS))
if [ $(((SIMS + HAPROXIES - 1) / HAPROXIES * PER)) -gt 9900 ]; then
	log "$N chargers over SIMS=$SIMS generators and HAPROXIES=$HAPROXIES put more than 9,900 on one HAProxy: raise both"; exit 1
fi
if [ "$PROXY" = 1 ]; then NODE_CURL=(curl --haproxy-protocol); SEND_PROXY="send-proxy-v2 check-send-proxy"; else NODE_CURL=(curl); SEND_PROXY=; fi
WORK=$WORK/cluster; mkdir -p "$WORK"; rm -rf "$WORK"/nats* "$WORK"/sim*.log "$WORK"/tx*.csv "$WORK"/commands.txt
command -v haproxy >/dev/null || { apt-get update -qq && apt-get install -y -qq haproxy >/dev/null; }
[ -x "$VOLTD" ] || go build -o "$VOLTD" ./cmd/voltd
fresh_db postgres
"$VOLTD" migrate --db "$DB" --log-level warn

PIDS=()
teardown() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap teardown EXIT
ROUTES=$(seq -s, -f 'nats://127.0.0.1:2622%g' 1 "$NODES")
for i in $(seq "$NODES"); do
	VOLT_ADMIN_EMAIL=$VOLT_ADMIN_EMAIL VOLT_ADMIN_PASSWORD=$VOLT_ADMIN_PASSWORD VOLT_METRICS_TOKEN=cluster-bench-metrics \
	VOLT_PROXY_PROTOCOL=$([ "$PROXY" = 1 ] && echo true || echo false) VOLT_DB_POOL=${VOLT_DB_POOL:-25} VOLT_SECRET_KEY=cluster-bench-secret-key VOLT_DEBUG_PPROF_ADDR=$([ "${NODE_PPROF:-0}" = 1 ] && echo 127.0.0.1:2606$i) VOLT_NATS_STORE=$WORK/nats$i "$VOLTD" serve --db "$DB" --http 127.0.0.1:2808$i \
		--nats embedded --nats-listen 127.0.0.1:2622$i --nats-routes $ROUTES --log-level warn \
		>"$WORK/node$i.log" 2>&1 </dev/null &
	PIDS+=($!)
done
for i in $(seq "$NODES"); do
	for _ in $(seq 300); do "${NODE_CURL[@]}" -fsS "http://127.0.0.1:2808$i/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
	"${NODE_CURL[@]}" -fsS "http://127.0.0.1:2808$i/healthz" >/dev/null || { log "node $i not healthy"; cat "$WORK/node$i.log" >&2; exit 1; }
done
log "$NODES nodes healthy"
provision "$N" # after the nodes created the admin (they do only in an empty database)
IFS=, read -r -a WEIGHT <<<"${WEIGHTS:-}"
lb_port() { if [ "$1" = 0 ]; then echo 28080; else echo $((28090 + $1)); fi; }
for h in $(seq 0 $((HAPROXIES - 1))); do
	cat >"$WORK/haproxy$h.cfg" <<CFG
global
	maxconn 9900
defaults
	mode tcp
	timeout connect 2s
	timeout client 10m
	timeout server 10m
frontend volt
	bind 127.0.0.1:$(lb_port "$h")
	default_backend nodes
backend nodes
	balance roundrobin
	option httpchk GET /healthz
	# A connection to a node that died before the check saw it is tried
	# again on another node, as production balancers are set up to.
	option redispatch
	retries 2
$(for i in $(seq "$NODES"); do echo "	server n$i 127.0.0.1:2808$i check inter 2s weight ${WEIGHT[$((i - 1))]:-1} $SEND_PROXY"; done)
CFG
	haproxy -f "$WORK/haproxy$h.cfg" -db >"$WORK/haproxy$h.log" 2>&1 &
	PIDS+=($!)
done
for _ in $(seq 50); do curl -fsS http://127.0.0.1:28080/healthz >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS http://127.0.0.1:28080/healthz >/dev/null || { log "haproxy not serving"; cat "$WORK"/haproxy*.log >&2; exit 1; }

# Each node's RSS before any charger connects: the per-charger figure
# subtracts it, as bench/idle-memory.sh does for goal 1.
RSS0=()
for i in $(seq "$NODES"); do RSS0+=("$(rss_kib "${PIDS[$((i - 1))]}")"); done
log "RSS before the chargers: ${RSS0[*]} KiB"
# cpu_s PID...: CPU seconds the processes used (user + system), with the
# children they reaped (PostgreSQL's postmaster reaps its backends).
cpu_s() { for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null; done | sed 's/.*) //' |
	awk -v hz="$(getconf CLK_TCK)" '{t += $12 + $13 + $14 + $15} END {printf "%.1f", t / hz}'; }
cpu_report() { c=; for i in $(seq "$NODES"); do c+=" node $i $(cpu_s "${PIDS[$((i - 1))]}") s,"; done
	log "CPU used so far:$c PostgreSQL $(cpu_s $(pgrep -u postgres -d ' ' postgres)) s; transactions $(sql "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()")"; }
cpu_report
node_metrics() {
	for i in $(seq "$NODES"); do
		m=$("${NODE_CURL[@]}" -m 5 -fsS -H "Authorization: Bearer cluster-bench-metrics" "http://127.0.0.1:2808$i/metrics" 2>/dev/null || true)
		conns=$(awk '$1 == "volt_ocpp_connections" {printf "%d", $2}' <<<"$m")
		rss=$(rss_kib "${PIDS[$((i - 1))]}" 2>/dev/null || echo 0)
		per=; [ -n "$conns" ] && [ "$conns" -gt 0 ] && per=", $((rss / conns)) KiB per charger, $(((rss - RSS0[i - 1]) / conns)) KiB above the node's RSS before the chargers"
		mem=$(awk '$1 == "go_memstats_heap_inuse_bytes" {h = $2} $1 == "go_memstats_stack_inuse_bytes" {s = $2} $1 == "go_memstats_next_gc_bytes" {g = $2} END {if (h) printf ", heap in use %d MiB, stacks %d MiB, next GC %d MiB", h / 1048576, s / 1048576, g / 1048576}' <<<"$m")
		log "node $i: chargers connected ${conns:-down}, RSS ${rss} KiB$per$mem, outbox pending $(awk '$1 == "volt_outbox_pending" {print $2}' <<<"$m"), message-log frames dropped $(awk '$1 == "volt_ocpp_frame_log_drops_total" {print $2}' <<<"$m"), handshakes shed $(awk '$1 == "volt_ocpp_refused_busy_total" {print $2}' <<<"$m"), post-boot reads queued $(awk '$1 == "volt_ocpp_boot_reads_queued" {print $2}' <<<"$m")"
	done
}
# boot_reads_queued prints each node's post-boot reads waiting, one line
# each: "?" for a node that did not answer (busy, or killed).
boot_reads_queued() {
	for i in $(seq "$NODES"); do
		"${NODE_CURL[@]}" -m 5 -fsS -H "Authorization: Bearer cluster-bench-metrics" "http://127.0.0.1:2808$i/metrics" 2>/dev/null |
			awk '$1 == "volt_ocpp_boot_reads_queued" {q = sprintf("%d", $2)} END {print (q == "" ? "?" : q)}'
	done
}
# NODE_REPORT=S prints the nodes' figures every S seconds.
if [ "${NODE_REPORT:-0}" -gt 0 ]; then ( while sleep "$NODE_REPORT"; do node_metrics; cpu_report; done ) & PIDS+=($!); fi
meter_rows() { sql "SELECT count(*) FROM meter_values"; }
( sleep "$KILL_AT"; node_metrics
  if [ "${KILL:-0}" = 1 ]; then log "killing node 2 (SIGKILL)"; kill -KILL "${PIDS[1]}"; sleep 10; node_metrics; fi ) &
if [ "${COMMANDS:-0}" -gt 0 ]; then
	( for _ in $(seq 600); do grep -q "all .* chargers on line" "$WORK"/sim*.log 2>/dev/null && [ "$(grep -c "chargers on line" "$WORK"/sim*.log | awk -F: '{s += $2} END {print s}')" -ge "$SIMS" ] && break; sleep 1; done
	  log "every charger on line"
	  # Steady state starts when the nodes have also read every booted
	  # charger's configuration (the post-boot reads drain slowly on purpose).
	  # A node killed on purpose (KILL=1) never answers again: up to 10 min.
	  # (sort -u reads every line: grep -q stopping early would fail the
	  # pipeline with SIGPIPE under pipefail, which read as drained.)
	  for _ in $(seq 300); do [ "$(boot_reads_queued | sort -u)" = 0 ] && break; sleep 2; done
	  log "post-boot reads drained on every node; commands in ${COMMANDS_AFTER:-0} s"; sleep "${COMMANDS_AFTER:-0}"
	  log "commands start: load $(loadavg)"; node_metrics; cpu_report
	  DB=$DB NODE_CURL="${NODE_CURL[*]}" bash "$(dirname "$0")/cluster-commands.sh" "$COMMANDS" "$WORK/creds.csv" ) &
fi
log "load before: $(loadavg)"
if [ "${FLOOD:-0}" = 1 ]; then
	MODE=(--meter-flood --flood-starts 8); FLOOD_T0=; ( sleep $((SECS / 3)); echo "$(date +%s.%N) $(meter_rows)" >"$WORK/flood0" ) &
else
	MODE=(--steady --heartbeat "${HEARTBEAT:-60s}" --meter-interval "${METER:-10s}" --session-rate "${SESSION_RATE:-0.3}" --session-length "${SESSION_LENGTH:-30s}")
fi
PER=$(((N + SIMS - 1) / SIMS)); SIM_PIDS=()
for s in $(seq 0 $((SIMS - 1))); do
	off=$((s * PER)); cnt=$((N - off < PER ? N - off : PER))
	"$VOLTD" load sim "${MODE[@]}" --url "ws://127.0.0.1:$(lb_port $((s % HAPROXIES)))/ocpp" --credentials "$WORK/creds.csv" --offset "$off" --chargers "$cnt" \
		--start-spread "${SPREAD:-10s}" --load --report-every 10s --duration "${SECS}s" --transactions "$WORK/tx$s.csv" >"$WORK/sim$s.log" 2>&1 &
	SIM_PIDS+=($!)
done
wait "${SIM_PIDS[@]}"
if [ "${FLOOD:-0}" = 1 ]; then
	read -r t0 r0 <"$WORK/flood0"; t1=$(date +%s.%N); r1=$(meter_rows)
	log "persisted MeterValues/s across $NODES node(s): $(awk -v a="$r0" -v b="$r1" -v t="$t0" -v u="$t1" 'BEGIN {printf "%.0f", (b - a) / (u - t)}') (rows $r0 -> $r1)"
fi
grep -h -E "summary|all .* on line|reconnect" "$WORK"/sim*.log
log "load after: $(loadavg)"
sleep 2; node_metrics  # the outbox has caught up
cpu_report
DB=$DB bash "$(dirname "$0")/check-transactions.sh" "$WORK"/tx*.csv

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
# Usage: [KILL=1] [PROXY=0] bench/cluster.sh [N=300] [SECONDS=60]
. "$(dirname "$0")/lib.sh"
N=${1:-300}; SECS=${2:-60}
PROXY=${PROXY:-1}
if [ "$PROXY" = 1 ]; then NODE_CURL=(curl --haproxy-protocol); SEND_PROXY="send-proxy-v2 check-send-proxy"; else NODE_CURL=(curl); SEND_PROXY=; fi
WORK=$WORK/cluster; mkdir -p "$WORK"; rm -rf "$WORK"/nats*
command -v haproxy >/dev/null || { apt-get update -qq && apt-get install -y -qq haproxy >/dev/null; }
[ -x "$VOLTD" ] || go build -o "$VOLTD" ./cmd/voltd
fresh_db postgres
"$VOLTD" migrate --db "$DB" --log-level warn
provision "$N"

PIDS=()
teardown() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap teardown EXIT
ROUTES=nats://127.0.0.1:26221,nats://127.0.0.1:26222,nats://127.0.0.1:26223
for i in 1 2 3; do
	VOLT_PROXY_PROTOCOL=$([ "$PROXY" = 1 ] && echo true || echo false) VOLT_DB_POOL=${VOLT_DB_POOL:-25} VOLT_SECRET_KEY=cluster-bench-secret-key VOLT_NATS_STORE=$WORK/nats$i "$VOLTD" serve --db "$DB" --http 127.0.0.1:2808$i \
		--nats embedded --nats-listen 127.0.0.1:2622$i --nats-routes $ROUTES --log-level warn \
		>"$WORK/node$i.log" 2>&1 </dev/null &
	PIDS+=($!)
done
for i in 1 2 3; do
	for _ in $(seq 300); do "${NODE_CURL[@]}" -fsS "http://127.0.0.1:2808$i/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
	"${NODE_CURL[@]}" -fsS "http://127.0.0.1:2808$i/healthz" >/dev/null || { log "node $i not healthy"; cat "$WORK/node$i.log" >&2; exit 1; }
done
log "three nodes healthy"
cat >"$WORK/haproxy.cfg" <<CFG
global
	maxconn 4000
defaults
	mode tcp
	timeout connect 2s
	timeout client 10m
	timeout server 10m
frontend volt
	bind 127.0.0.1:28080
	default_backend nodes
backend nodes
	balance roundrobin
	option httpchk GET /healthz
	server n1 127.0.0.1:28081 check inter 2s $SEND_PROXY
	server n2 127.0.0.1:28082 check inter 2s $SEND_PROXY
	server n3 127.0.0.1:28083 check inter 2s $SEND_PROXY
CFG
haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do curl -fsS http://127.0.0.1:28080/healthz >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS http://127.0.0.1:28080/healthz >/dev/null || { log "haproxy not serving"; cat "$WORK/haproxy.log" >&2; exit 1; }

node_metrics() {
	for i in 1 2 3; do
		m=$("${NODE_CURL[@]}" -m 5 -fsS "http://127.0.0.1:2808$i/metrics" 2>/dev/null || true)
		log "node $i: chargers connected $(awk '$1 == "volt_ocpp_connections" {print $2}' <<<"$m"), outbox pending $(awk '$1 == "volt_outbox_pending" {print $2}' <<<"$m")"
	done
}
( sleep $((SECS / 2)); node_metrics
  if [ "${KILL:-0}" = 1 ]; then log "killing node 2 (SIGKILL)"; kill -KILL "${PIDS[1]}"; sleep 10; node_metrics; fi ) &
log "load before: $(loadavg)"
"$VOLTD" load sim --steady --url ws://127.0.0.1:28080/ocpp --credentials "$WORK/creds.csv" --chargers "$N" \
	--heartbeat 60s --meter-interval 10s --session-rate 0.3 --session-length 30s --start-spread 10s \
	--load --report-every 10s --duration "${SECS}s" --transactions "$WORK/tx.csv" | tee "$WORK/sim.log"
log "load after: $(loadavg)"
sleep 2; node_metrics  # the outbox has caught up
DB=$DB bash "$(dirname "$0")/check-transactions.sh" "$WORK/tx.csv"

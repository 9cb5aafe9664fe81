#!/usr/bin/env bash
# Issue 18, benchmark S3: the reconnect storm of bench/storm.sh over TLS.
# N chargers on security profile 2 (wss://, TLS and Basic auth, a full
# handshake on every connection: the simulated chargers keep no session
# tickets) against voltd's --https listener with an ECDSA P-256 server
# certificate; once all are on line every connection drops at once and
# they reconnect (1-10 s back-off with jitter). Reports the time until
# every charger has booted again, then checks no transaction was lost or
# doubled.
# Usage: [OCPP_VERSION=2.0.1] [STORM_SPREAD=60s] [STORM_AFTER=30s] [SESSION_RATE=0.15] bench/storm-tls.sh [sqlite|postgres] [N=10000]
. "$(dirname "$0")/lib.sh"
ENGINE=${1:-sqlite}; N=${2:-10000}
HTTPS=${HTTPS:-127.0.0.1:28443}
WORK=$WORK/storm-tls-$ENGINE; mkdir -p "$WORK"
fresh_db "$ENGINE"
provision "$N"

# A throw-away CA and a server certificate for 127.0.0.1.
PKI=$WORK/pki; mkdir -p "$PKI"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=Volt bench CA" \
	-keyout "$PKI/ca.key" -out "$PKI/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
	-keyout "$PKI/server.key" -out "$PKI/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$PKI/ext.cnf"
openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 2 \
	-extfile "$PKI/ext.cnf" -out "$PKI/server.crt" 2>/dev/null

export VOLT_HTTPS_ADDR=$HTTPS VOLT_TLS_CERT_FILE=$PKI/server.crt VOLT_TLS_KEY_FILE=$PKI/server.key
export VOLT_SECRET_KEY=${VOLT_SECRET_KEY:-bench-secret-of-32-bytes-or-more-0123}
start_voltd
trap stop_voltd EXIT
log "load before: $(loadavg)"
timeout -s INT 900 "$VOLTD" load sim --ocpp "$OCPP_VERSION" --steady --url "wss://$HTTPS/ocpp" --ca-file "$PKI/ca.crt" \
	--credentials "$WORK/creds.csv" --chargers "$N" \
	--heartbeat 300s --meter-interval 60s --session-rate "${SESSION_RATE:-0.15}" --session-length 20m --start-spread "${STORM_SPREAD:-60s}" \
	--reconnect-storm --storm-after "${STORM_AFTER:-30s}" --min-backoff 1s --max-backoff 10s \
	--load --report-every 10s --transactions "$WORK/tx.csv" | tee "$WORK/sim.log"
log "load after: $(loadavg)"
log "voltd: rss $(rss_kib "$VOLTD_PID") KiB, cpu $(cpu_s "$VOLTD_PID") s"
DB=$DB bash "$(dirname "$0")/check-transactions.sh" "$WORK/tx.csv"

#!/usr/bin/env bash
# Issue 12, "a command from node 1's API to chargers held by nodes 2 and 3":
# sends N TriggerMessage(Heartbeat) commands through node 1's API
# (127.0.0.1:28081) to chargers picked at random, one after another, and
# prints the p50/p99 of the API's answer time. HAProxy spreads the chargers
# round robin, so about two thirds of them are held by nodes 2 and 3 and
# cross by NATS; the rest are answered by node 1's own gateway.
# Run by bench/cluster.sh with COMMANDS=N (it sets DB, NODE_CURL and the
# admin's VOLT_ADMIN_EMAIL/VOLT_ADMIN_PASSWORD).
# Usage: bench/cluster-commands.sh N
. "$(dirname "$0")/lib.sh"
N=${1:-200}
read -r -a CURL <<<"${NODE_CURL:-curl}"
API=http://127.0.0.1:28081/api/v1
TOKEN=$("${CURL[@]}" -fsS -H 'Content-Type: application/json' -d "{\"email\":\"$VOLT_ADMIN_EMAIL\",\"password\":\"$VOLT_ADMIN_PASSWORD\"}" "$API/auth/token" |
	sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$TOKEN" ] || { log "cluster-commands: no token"; exit 1; }
mapfile -t CPIDS < <(sql "SELECT cpid FROM chargers WHERE online ORDER BY random() LIMIT $N")
OUT=$WORK/commands.txt; : >"$OUT"
for cpid in "${CPIDS[@]}"; do
	"${CURL[@]}" -sS -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		-d '{"requestedMessage":"Heartbeat"}' "$API/chargers/$cpid/commands/trigger-message" >>"$OUT"
done
sort -k2 -n "$OUT" | awk '{ok += ($1 == 200); t[NR] = $2} END {
	if (NR == 0) { print "cluster-commands: none sent"; exit }
	i50 = int(NR * 0.5 + 0.5); i99 = int(NR * 0.99 + 0.5); if (i99 > NR) i99 = NR; if (i50 < 1) i50 = 1
	printf "commands from node 1: %d sent, %d answered 200, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", NR, ok, 1000 * t[i50], 1000 * t[i99], 1000 * t[NR] }'

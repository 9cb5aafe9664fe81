#!/usr/bin/env bash
# Checks the database against the transactions a load run's chargers saw
# (voltd load sim --transactions FILE): every transaction the central system
# answered with a transactionId must have exactly one session row, and every
# one whose StopTransaction was answered exactly one CDR; no meter value
# is stored twice. Several files (one per load-generator process) are
# checked together.
# Usage: DB=... bench/check-transactions.sh tx.csv [tx2.csv ...]
. "$(dirname "$0")/lib.sh"
CSV=$1
if [ $# -gt 1 ]; then
	CSV=$(mktemp); head -n 1 "$1" >"$CSV"
	for f in "$@"; do tail -n +2 "$f" >>"$CSV"; done
fi
Q="WITH m AS (
  SELECT t.stop_answered AS stopped,
    (SELECT count(*) FROM sessions s WHERE s.cpid = c.cpid AND s.transaction_id = t.transaction_id) AS n,
    (SELECT count(*) FROM cdrs d WHERE d.cpid = c.cpid AND d.transaction_id = t.transaction_id) AS ncdr
  FROM bench_tx t JOIN chargers c ON c.ocpp_identity = t.identity WHERE t.transaction_id <> 0)
SELECT 'answered=' || count(*) || ' one_session=' || sum(CASE WHEN n = 1 THEN 1 ELSE 0 END)
  || ' no_session=' || sum(CASE WHEN n = 0 THEN 1 ELSE 0 END) || ' doubled=' || sum(CASE WHEN n > 1 THEN 1 ELSE 0 END)
  || ' stopped=' || sum(CASE WHEN stopped = 'true' THEN 1 ELSE 0 END)
  || ' stopped_one_cdr=' || sum(CASE WHEN stopped = 'true' AND ncdr = 1 THEN 1 ELSE 0 END)
  || ' stopped_bad_cdr=' || sum(CASE WHEN stopped = 'true' AND ncdr <> 1 THEN 1 ELSE 0 END)
  || ' unstopped_with_cdr=' || sum(CASE WHEN stopped <> 'true' AND ncdr > 0 THEN 1 ELSE 0 END) FROM m;"
COLS="identity TEXT, connector INT, transaction_id BIGINT, stop_answered TEXT"
UNANSWERED=$(awk -F, 'NR > 1 && $3 == 0' "$CSV" | wc -l)
if head -1 "$CSV" | grep -q charger_tx_id; then
	# OCPP 2.x stations (issue #13): transactions are named by the station;
	# a Started event answered must have one session, an Ended answered one CDR.
	COLS="identity TEXT, evse INT, charger_tx_id TEXT, start_answered TEXT, stop_answered TEXT"
	Q="WITH m AS (
  SELECT t.stop_answered AS stopped,
    (SELECT count(*) FROM sessions s WHERE s.cpid = c.cpid AND s.charger_tx_id = t.charger_tx_id) AS n,
    (SELECT count(*) FROM cdrs d JOIN sessions s ON s.id = d.session_id WHERE s.cpid = c.cpid AND s.charger_tx_id = t.charger_tx_id) AS ncdr
  FROM bench_tx t JOIN chargers c ON c.ocpp_identity = t.identity WHERE t.start_answered = 'true')
SELECT 'answered=' || count(*) || ' one_session=' || sum(CASE WHEN n = 1 THEN 1 ELSE 0 END)
  || ' no_session=' || sum(CASE WHEN n = 0 THEN 1 ELSE 0 END) || ' doubled=' || sum(CASE WHEN n > 1 THEN 1 ELSE 0 END)
  || ' stopped=' || sum(CASE WHEN stopped = 'true' THEN 1 ELSE 0 END)
  || ' stopped_one_cdr=' || sum(CASE WHEN stopped = 'true' AND ncdr = 1 THEN 1 ELSE 0 END)
  || ' stopped_bad_cdr=' || sum(CASE WHEN stopped = 'true' AND ncdr <> 1 THEN 1 ELSE 0 END)
  || ' unstopped_with_cdr=' || sum(CASE WHEN stopped <> 'true' AND ncdr > 0 THEN 1 ELSE 0 END) FROM m;"
	UNANSWERED=$(awk -F, 'NR > 1 && $4 != "true"' "$CSV" | wc -l)
fi
case "$DB" in
postgres://* | postgresql://*)
	psql -qAt "$DB" -c "DROP TABLE IF EXISTS bench_tx" \
		-c "CREATE TABLE bench_tx ($COLS)" \
		-c "\copy bench_tx FROM '$CSV' CSV HEADER" -c "$Q" ;;
*)
	sqlite3 -cmd ".timeout 10000" "$DB" "DROP TABLE IF EXISTS bench_tx" \
		"CREATE TABLE bench_tx ($COLS)" \
		".import --csv --skip 1 $CSV bench_tx" "$Q" ;;
esac
sql "SELECT 'meter_values=' || count(*) || ' meter_doubled=' || COALESCE(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM meter_values
	GROUP BY cpid, transaction_id, sampled_at, seq) g"
echo "unanswered_starts=$UNANSWERED (StartTransaction queued by a charger and never answered before the run ended)"

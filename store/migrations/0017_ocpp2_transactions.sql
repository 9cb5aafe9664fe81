-- 0017: OCPP 2.0.1/2.1 transactions (issue #13). A 2.x charger chooses its
-- own transactionId, a string of up to 36 characters; Volt still issues its
-- integer transaction_id for every session (the API, CDRs, meter_values and
-- the guard use it). charger_tx_id keeps the charger's id, '' for 1.6
-- sessions. The unique index makes a replayed or late TransactionEvent
-- Started (or the first event Volt sees of a transaction) open at most one
-- session, even concurrently.
ALTER TABLE sessions ADD COLUMN charger_tx_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX sessions_charger_tx ON sessions (cpid, charger_tx_id) WHERE origin = 'start' AND charger_tx_id <> '';

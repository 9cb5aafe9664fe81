-- 0008: MeterValues stored one row per MeterValue (one time stamp) instead of
-- one row per sampled value (issue #3: sustained persisted MeterValues per
-- second). A typical MeterValues message of 9 sampled values was 9 rows and
-- 19 index entries plus a digest row in meter_messages; it is now one row
-- and two index entries. Every sampled value is still kept, as sent, in the
-- samples column (a JSON array of {measurand, phase, location, context,
-- unit, format, value}; empty fields omitted).
--
-- energy_wh is the element's whole-meter active import register reading in
-- Wh (NULL when it has none), extracted once on the way in: pricing reads it
-- without parsing samples.
--
-- The values of one transaction are found in time order through the unique
-- index (cpid, transaction_id, sampled_at, digest, seq); the rows themselves
-- are appended (rows of ~1 KB in a clustered b-tree split pages at 2,000
-- insertion points under load: measured slower). A meter reading thus
-- writes the table's last page and one index page. transaction_id is the
-- session's when the values are linked to one (also for values sent without
-- a transactionId on its connector), else the one sent, else 0
-- (charger-level values such as connector 0's). The same index finds the
-- values of a transaction Volt never saw start (StopTransaction for an
-- unknown id).
--
-- The digest of the message makes a resent message (its answer was lost)
-- store nothing twice: it conflicts on the unique index. seq is the
-- element's place in the message.
CREATE TABLE meter_values (
    cpid           TEXT NOT NULL,
    transaction_id BIGINT NOT NULL,
    sampled_at     BIGINT NOT NULL,
    digest         TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    session_id     TEXT NOT NULL,
    connector_id   INTEGER NOT NULL,
    energy_wh      BIGINT,
    samples        TEXT NOT NULL,
    received_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX meter_values_transaction ON meter_values (cpid, transaction_id, sampled_at, digest, seq);

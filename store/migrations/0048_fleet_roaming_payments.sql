-- 0048 (issue 19): the fleet wallet on roaming networks, and the payment
-- of fleet invoices.
--
-- A fleet driver's session on a partner CPO's network (Volt as eMSP) is a
-- fleet charge too: cdr_id is then "roaming:PARTNER:CDR" (the key of its
-- ledger posting), cpid is empty and partner_id, partner_name and location
-- say where it was. over_limit is the part of its gross beyond the
-- driver's monthly limit (a roaming CDR arrives after the session: it is
-- owed and flagged, never dropped).
ALTER TABLE fleet_charges ADD COLUMN partner_id TEXT NOT NULL DEFAULT '';
ALTER TABLE fleet_charges ADD COLUMN partner_name TEXT NOT NULL DEFAULT '';
ALTER TABLE fleet_charges ADD COLUMN location TEXT NOT NULL DEFAULT '';
ALTER TABLE fleet_charges ADD COLUMN over_limit BIGINT NOT NULL DEFAULT 0;

-- Payments of a fleet's monthly invoice recorded by the owner's admins (a
-- bank transfer or a card payment received): each settles part of what the
-- fleet owes (ledger account fleet:ID), once per fleet and reference.
CREATE TABLE fleet_invoice_payments (
    id          TEXT PRIMARY KEY,
    fleet_id    TEXT NOT NULL REFERENCES usergroups (id),
    cpo_id      TEXT NOT NULL,
    owner_id    TEXT NOT NULL,
    month       TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    currency    TEXT NOT NULL,
    paid_on     TEXT NOT NULL,
    reference   TEXT NOT NULL,
    method      TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (fleet_id, reference)
);
CREATE INDEX fleet_invoice_payments_month ON fleet_invoice_payments (fleet_id, month);

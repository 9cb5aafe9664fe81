-- 0042 (issue 14): what Volt's drivers were billed for partner CPOs' CDRs
-- (eMSP side), one row per partner and CDR: how it was paid (the wallet
-- when it covers the total, else the card on file for the whole amount),
-- the card payment, and a debt the operator sees when the card failed or
-- there was none. The driver's receipt reads it.

CREATE TABLE ocpi_roaming_bills (
    partner_id TEXT NOT NULL,
    cdr_id     TEXT NOT NULL,
    cpo_id     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    currency   TEXT NOT NULL,
    cost       BIGINT NOT NULL,
    margin     BIGINT NOT NULL,
    total      BIGINT NOT NULL,
    -- paid_by: 'wallet' or 'card'; state: 'paid', 'pending' (the card
    -- call in flight or to be retried) or 'debt' (the card refused, or no
    -- card: the wallet was charged below zero).
    paid_by    TEXT NOT NULL,
    state      TEXT NOT NULL,
    payment_id TEXT NOT NULL DEFAULT '',
    failure    TEXT NOT NULL DEFAULT '',
    -- When the driver's receipt e-mail went out (NULL: not yet).
    receipt_sent_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (partner_id, cdr_id)
);
CREATE INDEX ocpi_roaming_bills_user ON ocpi_roaming_bills (user_id, created_at);
CREATE INDEX ocpi_roaming_bills_state ON ocpi_roaming_bills (cpo_id, state, created_at);
CREATE INDEX ocpi_roaming_bills_payment ON ocpi_roaming_bills (payment_id) WHERE payment_id <> '';

-- 0009: whitelabel host name claims (issue #10 item 2). A CPO admin adds a
-- host name to its theme only once a DNS TXT record proves the CPO controls
-- it; a claim holds the token to publish until it is verified.
CREATE TABLE host_name_claims (
    host_name   TEXT NOT NULL,
    cpo_id      TEXT NOT NULL REFERENCES cpos (id) ON DELETE CASCADE,
    token       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    verified_at BIGINT,
    PRIMARY KEY (host_name, cpo_id)
);
CREATE INDEX ix_host_name_claims_cpo ON host_name_claims (cpo_id, host_name);

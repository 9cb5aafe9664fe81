-- 0024: field operations (issue 16 items 1-3): magic links, the holding
-- area, installers and install jobs. Additive only.

-- A magic link. Only the SHA-256 of its token is kept; a link works while
-- used_at, revoked_at are NULL and expires_at is in the future.
CREATE TABLE invitations (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    cpo_id        TEXT REFERENCES cpos(id) ON DELETE CASCADE,
    owner_id      TEXT,
    usergroup_id  TEXT,
    email         TEXT NOT NULL,
    prefill       TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    expires_at    BIGINT NOT NULL,
    used_at       BIGINT,
    revoked_at    BIGINT,
    invited_by    TEXT NOT NULL,
    user_id       TEXT,
    onboarding_id TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX invitations_cpo ON invitations (cpo_id, created_at);

-- The holding area's form of an organisation registered by a magic link;
-- details is volt.Onboarding's company, bank and first-site facts as JSON.
CREATE TABLE onboardings (
    id            TEXT PRIMARY KEY,
    invitation_id TEXT NOT NULL REFERENCES invitations(id),
    kind          TEXT NOT NULL,
    cpo_id        TEXT NOT NULL REFERENCES cpos(id) ON DELETE CASCADE,
    owner_id      TEXT,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    invited_by    TEXT NOT NULL,
    status        TEXT NOT NULL,
    details       TEXT NOT NULL,
    first_site_id TEXT,
    submitted_at  BIGINT,
    decided_at    BIGINT,
    decided_by    TEXT,
    reason        TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX onboardings_user ON onboardings (user_id, status);
CREATE INDEX onboardings_cpo ON onboardings (cpo_id, status);

CREATE TABLE installers (
    id          TEXT PRIMARY KEY,
    cpo_id      TEXT NOT NULL REFERENCES cpos(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    ozev_number TEXT NOT NULL,
    details     TEXT NOT NULL, -- address, regions, e-mail, phone (JSON)
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX installers_cpo ON installers (cpo_id);

CREATE TABLE installer_engineers (
    installer_id TEXT NOT NULL REFERENCES installers(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (installer_id, user_id)
);
CREATE INDEX installer_engineers_user ON installer_engineers (user_id);

-- chargers and checklist are volt.PlannedCharger / volt.ChecklistItem
-- lists as JSON, read and written whole.
CREATE TABLE install_jobs (
    id               TEXT PRIMARY KEY,
    cpo_id           TEXT NOT NULL,
    owner_id         TEXT NOT NULL,
    site_id          TEXT NOT NULL,
    charger_group_id TEXT NOT NULL REFERENCES charger_groups(id) ON DELETE CASCADE,
    installer_id     TEXT NOT NULL REFERENCES installers(id),
    starts_at        BIGINT NOT NULL,
    ends_at          BIGINT NOT NULL,
    external_ref     TEXT NOT NULL,
    status           TEXT NOT NULL,
    chargers         TEXT NOT NULL,
    checklist        TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX install_jobs_cpo ON install_jobs (cpo_id, starts_at);
CREATE INDEX install_jobs_installer ON install_jobs (installer_id);

CREATE TABLE install_job_engineers (
    job_id  TEXT NOT NULL REFERENCES install_jobs(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (job_id, user_id)
);
CREATE INDEX install_job_engineers_user ON install_job_engineers (user_id);

-- The chargers commissioning onboarded, with their first boot.
CREATE TABLE install_job_chargers (
    cpid          TEXT PRIMARY KEY,
    job_id        TEXT NOT NULL REFERENCES install_jobs(id) ON DELETE CASCADE,
    first_boot_at BIGINT
);
CREATE INDEX install_job_chargers_job ON install_job_chargers (job_id);

CREATE TABLE install_job_notes (
    id        TEXT PRIMARY KEY,
    job_id    TEXT NOT NULL REFERENCES install_jobs(id) ON DELETE CASCADE,
    author_id TEXT NOT NULL,
    body      TEXT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX install_job_notes_job ON install_job_notes (job_id, at);

-- Photos are kept with the data (base64, the same on both engines), only
-- after their type was sniffed from their bytes and their size checked.
CREATE TABLE install_job_photos (
    id           TEXT PRIMARY KEY,
    job_id       TEXT NOT NULL REFERENCES install_jobs(id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    caption      TEXT NOT NULL,
    author_id    TEXT NOT NULL,
    data         TEXT NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX install_job_photos_job ON install_job_photos (job_id, at);

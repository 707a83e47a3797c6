-- Users, organizations, members, sessions, codes, sign-in limits, outbox, audit.
-- Ids are TEXT (UUID v7), times are BIGINT milliseconds since the Unix epoch, flags are BIGINT 0/1.

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    email              TEXT NOT NULL,
    email_key          TEXT NOT NULL,
    name               TEXT NOT NULL,
    phone              TEXT NOT NULL,
    password_hash      TEXT,
    locale             TEXT NOT NULL,
    status             TEXT NOT NULL,
    email_confirmed_at BIGINT,
    terms_version      TEXT,
    terms_accepted_at  BIGINT,
    terms_ip           TEXT,
    session_epoch      BIGINT NOT NULL DEFAULT 0,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email_key);
CREATE INDEX users_unconfirmed ON users (created_at) WHERE email_confirmed_at IS NULL;

CREATE TABLE organizations (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    single_session BIGINT,
    created_at     BIGINT NOT NULL
);

CREATE TABLE memberships (
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT REFERENCES users (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    ended_at     BIGINT,
    end_reason   TEXT,
    ip           TEXT NOT NULL,
    user_agent   TEXT NOT NULL
);
CREATE INDEX sessions_user_live ON sessions (user_id) WHERE ended_at IS NULL;

CREATE TABLE codes (
    id         TEXT PRIMARY KEY,
    subject    TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts   BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX codes_subject_purpose ON codes (subject, purpose);

CREATE TABLE throttle (
    key               TEXT PRIMARY KEY,
    failures          BIGINT NOT NULL,
    window_started_at BIGINT NOT NULL,
    last_failure_at   BIGINT NOT NULL
);

CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    channel         TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    content         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';

CREATE TABLE dev_outbox (
    id         TEXT PRIMARY KEY,
    channel    TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX dev_outbox_created ON dev_outbox (created_at);

CREATE TABLE audit_events (
    id              TEXT PRIMARY KEY,
    at              BIGINT NOT NULL,
    event           TEXT NOT NULL,
    actor_user_id   TEXT,
    subject_user_id TEXT,
    org_id          TEXT,
    ip              TEXT NOT NULL,
    user_agent      TEXT NOT NULL,
    details         TEXT NOT NULL
);
CREATE INDEX audit_subject ON audit_events (subject_user_id, at);
CREATE INDEX audit_at ON audit_events (at);

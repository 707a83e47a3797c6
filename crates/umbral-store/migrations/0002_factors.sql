-- Second factors: authenticator apps and phones, recovery codes, trusted devices; the two-factor
-- switch and security epoch of users; the policy and owner epoch of organizations; and which
-- sessions passed the challenge.

ALTER TABLE users ADD COLUMN mfa_enabled BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN security_epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN mfa_policy TEXT;
ALTER TABLE organizations ADD COLUMN owner_epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN mfa_at BIGINT;
ALTER TABLE sessions ADD COLUMN mfa_method TEXT;

CREATE TABLE factors (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    phone         TEXT,
    secret_sealed TEXT,
    created_at    BIGINT NOT NULL,
    confirmed_at  BIGINT,
    last_used_at  BIGINT,
    last_step     BIGINT
);
CREATE INDEX factors_user ON factors (user_id);
-- A number used for SMS belongs to one user on the whole platform.
CREATE UNIQUE INDEX factors_sms_phone ON factors (phone) WHERE kind = 'sms' AND confirmed_at IS NOT NULL;

CREATE TABLE recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE trusted_devices (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    network        TEXT NOT NULL,
    user_agent     TEXT NOT NULL,
    security_epoch BIGINT NOT NULL,
    owner_epoch    BIGINT NOT NULL,
    revoked_at     BIGINT
);
CREATE UNIQUE INDEX trusted_devices_token ON trusted_devices (token_hash);
CREATE INDEX trusted_devices_user ON trusted_devices (user_id);

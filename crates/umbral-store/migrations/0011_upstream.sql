-- Signing in with upstream identity providers (ADR 0013).

-- The identities of providers linked to users: keyed on the provider's issuer and `sub`, never
-- on the email. One identity per provider and user.
CREATE TABLE user_identities (
    issuer      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider_id TEXT NOT NULL,
    email       TEXT,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE UNIQUE INDEX user_identities_user ON user_identities (user_id, provider_id);

-- Sign-ins at a provider under way (by the hash of their `state`), then what the person still
-- has to do once the provider answered (by the hash of a new token): each is spent once.
CREATE TABLE upstream_logins (
    id_hash         TEXT PRIMARY KEY,
    provider_id     TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    user_id         TEXT,
    plan            TEXT,
    browser_hash    TEXT NOT NULL,
    nonce           TEXT NOT NULL,
    verifier_sealed TEXT NOT NULL,
    identity_json   TEXT,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT
);
CREATE INDEX upstream_logins_expiry ON upstream_logins (expires_at);

-- How a session's person proved who they are first: `pwd` (a password; also every session from
-- before this column) or `fed` (an upstream provider). Umbral's own ID tokens say it in `amr`.
ALTER TABLE sessions ADD COLUMN first_factor TEXT;

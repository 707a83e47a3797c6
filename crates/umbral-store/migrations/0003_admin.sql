-- The admin API: API keys, and lost-factor reset requests that staff approve or reject.

CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    key_hash   TEXT NOT NULL,
    scope      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE UNIQUE INDEX api_keys_hash ON api_keys (key_hash);

CREATE TABLE factor_resets (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status           TEXT NOT NULL,
    token_hash       TEXT NOT NULL,
    token_expires_at BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    confirmed_at     BIGINT,
    decided_at       BIGINT,
    decided_by       TEXT,
    ip               TEXT NOT NULL,
    user_agent       TEXT NOT NULL
);
CREATE UNIQUE INDEX factor_resets_token ON factor_resets (token_hash);
CREATE INDEX factor_resets_user ON factor_resets (user_id);
CREATE INDEX factor_resets_status ON factor_resets (status, created_at);

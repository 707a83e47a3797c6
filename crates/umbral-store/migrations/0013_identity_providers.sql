-- Upstream identity providers staff add in the console or the admin API (those of the settings
-- file are not stored). The client secret is sealed under the configured key.
CREATE TABLE identity_providers (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    issuer        TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    secret_sealed TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

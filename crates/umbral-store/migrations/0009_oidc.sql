-- The OpenID Connect provider (docs/flows/oidc.md): the applications that sign people in through
-- Umbral, the keys that sign their tokens, the authorization requests waiting for a person to
-- sign in, and the codes that end them. Lists of URIs are JSON arrays of text.
CREATE TABLE oidc_clients (
    id                        TEXT PRIMARY KEY,
    name                      TEXT NOT NULL,
    secret_hash               TEXT,
    redirect_uris             TEXT NOT NULL,
    post_logout_redirect_uris TEXT NOT NULL,
    backchannel_logout_uri    TEXT,
    first_party               BIGINT NOT NULL,
    created_at                BIGINT NOT NULL,
    disabled_at               BIGINT
);

-- Private keys sealed under the configured encryption key.
CREATE TABLE oidc_keys (
    kid         TEXT PRIMARY KEY,
    alg         TEXT NOT NULL,
    sealed      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    active_from BIGINT NOT NULL,
    retire_at   BIGINT
);

-- Keyed by the hash of the browser's continuation token.
CREATE TABLE oidc_auth_requests (
    id_hash    TEXT PRIMARY KEY,
    request    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX oidc_auth_requests_expiry ON oidc_auth_requests (expires_at);

-- Keyed by the hash of the code; used once (used_at set by a conditional write).
CREATE TABLE oidc_codes (
    code_hash  TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL,
    grant_json TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX oidc_codes_expiry ON oidc_codes (expires_at);

-- Refresh tokens, keyed by their hash. A use writes `used_at` and the successor in the same
-- transaction; the successor is also kept sealed for the 30 s in which the same client may
-- present the spent token again (a retried request, a second tab) and get it back. A family is
-- every token descended from one code; a reuse outside that grace revokes the family.
CREATE TABLE oidc_refresh_tokens (
    token_hash       TEXT PRIMARY KEY,
    family_id        TEXT NOT NULL,
    client_id        TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    session_id       TEXT NOT NULL,
    grant_json       TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    used_at          BIGINT,
    successor_hash   TEXT,
    successor_sealed TEXT,
    revoked_at       BIGINT
);
CREATE INDEX oidc_refresh_tokens_family ON oidc_refresh_tokens (family_id);
CREATE INDEX oidc_refresh_tokens_session ON oidc_refresh_tokens (session_id);

-- The applications with a back-channel logout URI that each session reached. Once the session
-- has ended (a sign-out, a sign-in elsewhere, staff, its expiry), each is sent a logout token,
-- retried with a growing wait until it answers 2xx.
CREATE TABLE oidc_session_clients (
    session_id      TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    notified_at     BIGINT,
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    PRIMARY KEY (session_id, client_id)
);
CREATE INDEX oidc_session_clients_due ON oidc_session_clients (next_attempt_at) WHERE notified_at IS NULL;

-- What a person let a third-party application see (its scopes), asked once per application and
-- asked again when it wants more; revoked from Security ("Connected applications").
CREATE TABLE oidc_consents (
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id    TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    granted_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    PRIMARY KEY (user_id, client_id)
);

-- Per client: the algorithm of its ID tokens, and the public keys it proves itself with at the
-- token endpoint (`private_key_jwt`, RFC 7523): a JWKS given inline (JSON) or at an address.
ALTER TABLE oidc_clients ADD COLUMN id_token_alg TEXT NOT NULL DEFAULT 'RS256';
ALTER TABLE oidc_clients ADD COLUMN jwks TEXT;
ALTER TABLE oidc_clients ADD COLUMN jwks_uri TEXT;

-- Client assertions already used, kept until they expire: each is good for one request.
CREATE TABLE oidc_assertions (
    client_id  TEXT NOT NULL,
    jti        TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX oidc_assertions_expiry ON oidc_assertions (expires_at);


-- Grants whose access tokens were revoked (a code or a spent refresh token used again), kept
-- until the last of those tokens expires.
CREATE TABLE oidc_revoked_grants (
    grant_id   TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);

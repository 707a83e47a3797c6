-- Passkeys (WebAuthn) are factors like the others: a row of `factors` with kind 'passkey', its
-- name, its credential id (one account's only), the credential as the WebAuthn library keeps it
-- (public key, algorithm, flags), and the signature counter and backup flags last seen.
ALTER TABLE factors ADD COLUMN name TEXT;
ALTER TABLE factors ADD COLUMN credential_id TEXT;
ALTER TABLE factors ADD COLUMN credential TEXT;
ALTER TABLE factors ADD COLUMN sign_count BIGINT;
ALTER TABLE factors ADD COLUMN backup_eligible BIGINT;
ALTER TABLE factors ADD COLUMN backup_state BIGINT;
CREATE UNIQUE INDEX factors_passkey_credential ON factors (credential_id) WHERE credential_id IS NOT NULL;

-- A WebAuthn ceremony under way (adding a passkey, or signing in with one): the library's state,
-- found by the hash of the id the page holds, taken once (deleted as it is read), five minutes.
CREATE TABLE passkey_ceremonies (
    id_hash         TEXT PRIMARY KEY,
    purpose         TEXT NOT NULL,
    user_id         TEXT,
    session_id_hash TEXT,
    state           TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX passkey_ceremonies_expiry ON passkey_ceremonies (expires_at);

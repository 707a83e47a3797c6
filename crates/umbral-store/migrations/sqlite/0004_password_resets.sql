-- "Forgot your password?": single-use links, stored hashed. A request for an address without an
-- account stores a link that belongs to no one, so that both answers cost the same.

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id);
CREATE INDEX password_resets_expires ON password_resets (expires_at);

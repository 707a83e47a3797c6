-- Single-use links, stored hashed: "Forgot your password?" (purpose `reset`, 1 hour) and
-- invitations of users created by staff (purpose `invite`, 7 days). A request for an address without an
-- account stores a link that belongs to no one, so that both answers cost the same.

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL DEFAULT 'reset',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id);
CREATE INDEX password_resets_expires ON password_resets (expires_at);

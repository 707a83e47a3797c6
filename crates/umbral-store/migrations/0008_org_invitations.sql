-- An organization's invitation to someone who already has an account (product.md 3.5): the
-- request is answered exactly as for a new address (no oracle of who is registered); the person
-- sees it after signing in and joins or declines. `name` is the name the inviter typed, shown to
-- the organization until the invitation is accepted (never the account's own).
CREATE TABLE org_invitations (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    invited_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ended_at   BIGINT
);
CREATE INDEX org_invitations_org ON org_invitations (org_id);
CREATE INDEX org_invitations_user ON org_invitations (user_id);

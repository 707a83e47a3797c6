-- Enterprise SSO: an organization's own identity provider and the email domain it claims,
-- proven by a DNS TXT record. A domain is verified by one organization at most.
CREATE TABLE org_sso (
    org_id        TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    issuer        TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    secret_sealed TEXT NOT NULL,
    domain        TEXT NOT NULL,
    token         TEXT NOT NULL,
    verified_at   BIGINT,
    enabled       BIGINT NOT NULL,
    join_members  BIGINT NOT NULL,
    trust_mfa     BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX org_sso_verified_domain ON org_sso (domain) WHERE verified_at IS NOT NULL;

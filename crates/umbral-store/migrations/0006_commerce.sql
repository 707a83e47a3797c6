-- The sign-up steps after 2FA: company data, orders and subscriptions, the postal code table.

-- company -> checkout -> first_steps -> ready; organizations made before this, or by staff, are ready.
ALTER TABLE organizations ADD COLUMN setup TEXT NOT NULL DEFAULT 'ready';
ALTER TABLE organizations ADD COLUMN plan_choice TEXT;

CREATE TABLE companies (
    org_id        TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    legal_name    TEXT NOT NULL,
    country       TEXT NOT NULL,
    tax_id        TEXT NOT NULL,
    tax_id_kind   TEXT NOT NULL,
    employees     TEXT NOT NULL,
    segment       TEXT NOT NULL,
    postal_code   TEXT NOT NULL,
    street        TEXT,
    number        TEXT NOT NULL,
    complement    TEXT,
    neighbourhood TEXT,
    city          TEXT NOT NULL,
    state         TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

-- Card data is never stored: an order keeps amounts and the gateway's reference only.
CREATE TABLE orders (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    plan            TEXT NOT NULL,
    period          TEXT NOT NULL,
    currency        TEXT NOT NULL,
    subtotal        BIGINT NOT NULL,
    tax             BIGINT NOT NULL,
    total           BIGINT NOT NULL,
    gateway         TEXT NOT NULL,
    status          TEXT NOT NULL,
    gateway_ref     TEXT,
    decline_code    TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX orders_idempotency ON orders (org_id, idempotency_key);
CREATE INDEX orders_gateway_ref ON orders (gateway_ref);

CREATE TABLE subscriptions (
    org_id     TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    plan       TEXT NOT NULL,
    period     TEXT NOT NULL,
    status     TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    renews_at  BIGINT NOT NULL,
    order_id   TEXT NOT NULL REFERENCES orders (id)
);

-- Filled by `umbral postal import`. level: 'street' (a street-level CSV) or 'city' (GeoNames).
CREATE TABLE postal_codes (
    country       TEXT NOT NULL,
    code          TEXT NOT NULL,
    level         TEXT NOT NULL,
    street        TEXT,
    neighbourhood TEXT,
    city          TEXT NOT NULL,
    state         TEXT NOT NULL,
    PRIMARY KEY (country, code, level)
);

-- Staff: the vendor's operators. They sign in like users, always with a second factor and one
-- session, and reach the console at /staff.

ALTER TABLE users ADD COLUMN is_staff BIGINT NOT NULL DEFAULT 0;
CREATE INDEX users_staff ON users (is_staff) WHERE is_staff = 1;

-- Platform defaults staff change in the console; a missing key follows the configuration.
CREATE TABLE platform_settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

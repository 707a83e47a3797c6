-- `/readyz` takes a real write: one row, updated at most once a second by each node, so a full
-- disk, a read-only file or a database that refuses writes takes the node out of the balancer.
CREATE TABLE readiness (
    id         TEXT PRIMARY KEY,
    checked_at BIGINT NOT NULL
);

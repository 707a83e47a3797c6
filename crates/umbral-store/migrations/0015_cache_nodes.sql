-- The nodes whose session cache may answer (PostgreSQL, ADR 0015): each writes its heartbeat
-- here every second by the database's clock, and a node that changes a session waits for the
-- confirmation of every node seen in the last ten seconds. Unused on SQLite (one process).
CREATE TABLE cache_nodes (
    node_id TEXT PRIMARY KEY,
    seen_at BIGINT NOT NULL
);

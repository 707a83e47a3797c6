-- A write script that tells the other nodes' caches what it changed in its own call (ADR 0015's
-- addendum): the script runs as umbral_script runs it, then, holding the nodes' lock in shared
-- mode until the commit, the function reads which nodes may hold a cache and queues the
-- notification, which PostgreSQL delivers with the commit. A node joins (its heartbeat) holding
-- the same lock exclusively, so a node this call does not count committed its heartbeat only
-- after this call committed, and every read it caches sees the change.
-- SQLite needs nothing: one process, one cache.
SELECT 1;
-- only postgres
CREATE FUNCTION umbral_script_told(
    script TEXT, channel TEXT, payload TEXT, this_node TEXT, live_ms BIGINT, nodes_lock BIGINT
) RETURNS TEXT
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    nodes TEXT;
BEGIN
    PERFORM umbral_script(script);
    PERFORM pg_advisory_xact_lock_shared(nodes_lock);
    -- A statement of its own, so its snapshot is taken after the lock was granted.
    SELECT string_agg(node_id, ' ') INTO nodes FROM cache_nodes
        WHERE node_id <> this_node
          AND seen_at > CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) - live_ms;
    PERFORM pg_notify(channel, payload);
    RETURN COALESCE(nodes, '');
END
$fn$;
-- end only

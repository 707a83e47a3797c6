-- What a million users need (issue 18): the staff console's user list newest first, a
-- substring search of users by email or name that does not read every row, the audit log's
-- filters (actor, organization, event name) read a page at a time from an index, and refresh
-- token families that stay small under load.
CREATE INDEX users_created ON users (created_at, id);
CREATE INDEX audit_actor ON audit_events (actor_user_id, at);
CREATE INDEX audit_org ON audit_events (org_id, at);
-- A rotation deletes its family's tokens spent before the grace window: by family and time,
-- not by reading every token the family spent within it.
DROP INDEX oidc_refresh_tokens_family;
CREATE INDEX oidc_refresh_tokens_family ON oidc_refresh_tokens (family_id, used_at);
-- only sqlite
CREATE INDEX audit_event ON audit_events (event, at);
-- Trigrams of each user's email and name (FTS5, kept by triggers): a search of three letters
-- or more reads the users it matches only.
CREATE VIRTUAL TABLE users_search USING fts5(
    email_key, name, content = 'users', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO users_search (users_search) VALUES ('rebuild');
CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_search (rowid, email_key, name) VALUES (new.rowid, new.email_key, new.name);
END;
CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_search (users_search, rowid, email_key, name)
    VALUES ('delete', old.rowid, old.email_key, old.name);
END;
CREATE TRIGGER users_search_update AFTER UPDATE OF email_key, name ON users BEGIN
    INSERT INTO users_search (users_search, rowid, email_key, name)
    VALUES ('delete', old.rowid, old.email_key, old.name);
    INSERT INTO users_search (rowid, email_key, name) VALUES (new.rowid, new.email_key, new.name);
END;
-- only postgres
-- A search of one or two letters matches the start of the email, whatever the collation.
CREATE INDEX users_email_prefix ON users (email_key text_pattern_ops);
-- Event names compared byte by byte, whatever the database's collation.
CREATE INDEX audit_event ON audit_events (event COLLATE "C", at);
-- Trigrams (pg_trgm) of each user's email and name. Without the extension (a role that may
-- not create it) the search still works, reading every user.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available: the staff search of users reads every user';
END
$$;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE 'CREATE INDEX users_search ON users USING gin ((email_key || '' '' || lower(name)) gin_trgm_ops)';
    END IF;
END
$$;
-- end only

-- A write transaction in one round trip on PostgreSQL (ADR 0016). The client sends a script as
-- JSON, [{"sql": ..., "guard": ...}, ...], each statement with its values written in as typed
-- literals; they run in order inside this call's transaction, each with a fresh snapshot (READ
-- COMMITTED), as they would one by one from the client. A guard (a statement that must change
-- exactly one row) that fails raises UM001 with the guard's name, which undoes the whole call.
-- SQLite needs nothing: its scripts run on the calling thread.
SELECT 1;
-- only postgres
CREATE FUNCTION umbral_script(script TEXT) RETURNS BIGINT
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    step JSON;
    n BIGINT;
    total BIGINT := 0;
BEGIN
    FOR step IN SELECT value FROM json_array_elements(script::json) LOOP
        EXECUTE step->>'sql';
        GET DIAGNOSTICS n = ROW_COUNT;
        IF step->>'guard' IS NOT NULL AND n <> 1 THEN
            RAISE EXCEPTION USING ERRCODE = 'UM001', MESSAGE = step->>'guard';
        END IF;
        total := total + n;
    END LOOP;
    RETURN total;
END
$fn$;
-- end only

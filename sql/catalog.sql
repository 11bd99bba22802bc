-- catalog.sql: Sluice's catalog in the backing PostgreSQL.
-- Run by sluiced at every start (idempotent, under an advisory lock so
-- several sluiced processes can start against one database).
SELECT pg_advisory_xact_lock(7432001);
CREATE SCHEMA IF NOT EXISTS sluice;
CREATE SCHEMA IF NOT EXISTS sluice_mrel;
COMMENT ON SCHEMA sluice IS 'Sluice catalog: streams, continuous views, flush progress';
COMMENT ON SCHEMA sluice_mrel IS 'Sluice: state tables behind continuous views';
CREATE TABLE IF NOT EXISTS sluice.streams (
    id         bigserial NOT NULL,
    name       text PRIMARY KEY,
    sql        text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS sluice.views (
    id          bigserial NOT NULL,
    name        text PRIMARY KEY,
    schema_name text NOT NULL DEFAULT 'public',
    stream      text NOT NULL REFERENCES sluice.streams (name),
    sql         text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- ACTIVATE / DEACTIVATE CONTINUOUS VIEW (catalogs from before it upgrade here).
ALTER TABLE sluice.views ADD COLUMN IF NOT EXISTS active boolean NOT NULL DEFAULT true;
-- Per view, summed over every sluiced feeding it (each flush adds what it
-- covered, in its own transaction): events of the stream that reached the
-- view, those that passed its WHERE, group rows written, flushes.
CREATE TABLE IF NOT EXISTS sluice.view_stats (
    view_name      text PRIMARY KEY,
    events         bigint NOT NULL DEFAULT 0,
    matched        bigint NOT NULL DEFAULT 0,
    groups_written bigint NOT NULL DEFAULT 0,
    flushes        bigint NOT NULL DEFAULT 0,
    last_flush     timestamptz
);
-- Idempotency-Key of every acknowledged ingest request (kept 24 hours),
-- written in the flush transaction that carries the request's effects.
CREATE TABLE IF NOT EXISTS sluice.idempotency (
    key          text PRIMARY KEY,
    stream       text NOT NULL,
    accepted     bigint NOT NULL,
    committed_at timestamptz NOT NULL DEFAULT now()
);
-- Event time (issue 9).  Late events per view: events whose window the
-- stream's watermark had closed when they arrived, not applied to the view;
-- written with the flush; kept late_events_retention seconds.
ALTER TABLE sluice.view_stats ADD COLUMN IF NOT EXISTS late bigint NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS sluice.late_events (
    view_name   text NOT NULL,
    received_at timestamptz NOT NULL,
    event       jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS late_events_received_at ON sluice.late_events (received_at);
-- Per stream with event time: the largest event time flushed (microseconds
-- since 2000-01-01, PostgreSQL's timestamp representation), written in the
-- flush transaction that applied it; with several sluiced on one database,
-- the greatest any of them wrote.  Read back at start.
CREATE TABLE IF NOT EXISTS sluice.watermarks (
    stream     text PRIMARY KEY,
    max_event  bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- Views with emit = 'on_window_close': their closed windows' final rows.
CREATE SCHEMA IF NOT EXISTS sluice_closed;
COMMENT ON SCHEMA sluice_closed IS 'Sluice: closed windows of views emitting on window close (append-only)';
CREATE TABLE IF NOT EXISTS sluice.progress (
    server_id  text PRIMARY KEY,
    flush_seq  bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Sliding windows (WITH (sw = ...)): the finalizing view combines the
-- states of a group's steps with these aggregates (src/plan/agg.c,
-- sl_agg_window_sql): sets and value lists concatenated, float statistics
-- combined by PostgreSQL's own combine functions.
CREATE OR REPLACE AGGREGATE sluice.array_cat_agg(anycompatiblearray) (
    SFUNC = pg_catalog.array_cat, STYPE = anycompatiblearray);
CREATE OR REPLACE AGGREGATE sluice.float8_combine_agg(float8[]) (
    SFUNC = pg_catalog.float8_combine, STYPE = float8[], INITCOND = '{0,0,0}');
CREATE OR REPLACE AGGREGATE sluice.float8_regr_combine_agg(float8[]) (
    SFUNC = pg_catalog.float8_regr_combine, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}');

-- ---- Who may do what: PostgreSQL decides ----
-- A client's Sluice statements run in its own session, as its own role.
-- Every stream is also a relation, sluice_stream."name": an empty view
-- with the stream's columns, owned by the role that created the stream.
-- Its privileges are the stream's: INSERT (ingest by any way), SELECT
-- (create continuous views over it); GRANT ... ON STREAM grants them on it,
-- and only its owner (or a superuser) may drop the stream.
CREATE SCHEMA IF NOT EXISTS sluice_stream;
COMMENT ON SCHEMA sluice_stream IS 'Sluice: one relation per stream, carrying its owner and privileges';
-- Any role may create streams and views (as in PostgreSQL before 15 for
-- schema public); what it may do to others' objects is up to their owners.
GRANT USAGE, CREATE ON SCHEMA sluice_stream TO PUBLIC;
GRANT USAGE, CREATE ON SCHEMA sluice_mrel TO PUBLIC;
GRANT USAGE, CREATE ON SCHEMA sluice_closed TO PUBLIC;
GRANT USAGE ON SCHEMA sluice TO PUBLIC;

-- A flush of a stream whose views emit on window close: does this
-- sluiced (its lease connection's backend, holder) still hold the stream's
-- ingest lease?  Under a shared lock a sluiced taking the lease over waits
-- for before it reads the watermark (src/sink/lease.h); 55P03 if not.
CREATE OR REPLACE FUNCTION sluice.lease_check(streams text[], holder int) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE s text;
BEGIN
    FOREACH s IN ARRAY streams LOOP
        PERFORM pg_advisory_xact_lock_shared(1397574981, hashtext(s));
        IF NOT EXISTS (SELECT 1 FROM pg_locks
                       WHERE locktype = 'advisory' AND classid = 1397574980
                         AND objid = hashtext(s)::oid AND objsubid = 2 AND pid = holder
                         AND granted
                         AND database = (SELECT oid FROM pg_database
                                         WHERE datname = current_database())) THEN
            RAISE EXCEPTION 'sluiced no longer holds the ingest lease of stream "%"', s
                USING ERRCODE = '55P03',
                      DETAIL = 'Another sluiced took it over: this flush is not written.';
        END IF;
    END LOOP;
END $$;

-- The stream's relation, by the stream's name (NULL: none).
CREATE OR REPLACE FUNCTION sluice.stream_rel(stream text) RETURNS regclass
    LANGUAGE sql STABLE AS $$ SELECT to_regclass(format('sluice_stream.%I', stream)) $$;
-- Whether the current role owns the stream (is a member of its owner).
CREATE OR REPLACE FUNCTION sluice.stream_owned(stream text) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT pg_has_role(c.relowner, 'USAGE') FROM pg_class c
                     WHERE c.oid = sluice.stream_rel(stream)),
                    (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)) $$;
-- Whether the current role has privilege priv ('INSERT', 'SELECT') on it.
CREATE OR REPLACE FUNCTION sluice.stream_privilege(stream text, priv text) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN sluice.stream_rel(stream) IS NULL
                THEN (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                ELSE has_table_privilege(sluice.stream_rel(stream), priv) END $$;
-- What SHOW STREAMS and SHOW CONTINUOUS VIEWS list for the current role:
-- the streams it owns or may insert into or read, the views it may read.
CREATE OR REPLACE FUNCTION sluice.stream_visible(stream text) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT sluice.stream_owned(stream) OR sluice.stream_privilege(stream, 'INSERT, SELECT') $$;
CREATE OR REPLACE FUNCTION sluice.view_visible(schema_name text, name text) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT coalesce(has_table_privilege(to_regclass(format('%I.%I', schema_name, name)), 'SELECT'),
                    false) $$;

-- The catalog rows follow the objects: a role adds rows for what it
-- creates and removes those of what it may drop (row-level security; the
-- catalog's owner, sluiced's role, and superusers see and do everything).
GRANT SELECT, INSERT, DELETE ON sluice.streams, sluice.views TO PUBLIC;
GRANT USAGE ON SEQUENCE sluice.streams_id_seq, sluice.views_id_seq TO PUBLIC;
GRANT SELECT ON sluice.view_stats TO PUBLIC;
-- DROP STREAM (as the stream's owner) removes its watermark.
GRANT SELECT, DELETE ON sluice.watermarks TO PUBLIC;
GRANT UPDATE (sql) ON sluice.streams TO PUBLIC;
GRANT UPDATE (active) ON sluice.views TO PUBLIC;
ALTER TABLE sluice.streams ENABLE ROW LEVEL SECURITY;
ALTER TABLE sluice.views ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS read ON sluice.streams;
DROP POLICY IF EXISTS add ON sluice.streams;
DROP POLICY IF EXISTS remove ON sluice.streams;
CREATE POLICY read ON sluice.streams FOR SELECT USING (true);
CREATE POLICY add ON sluice.streams FOR INSERT WITH CHECK (sluice.stream_owned(name));
CREATE POLICY remove ON sluice.streams FOR DELETE USING (sluice.stream_owned(name));
-- ALTER STREAM rewrites its row's sql (its owner only).
DROP POLICY IF EXISTS change ON sluice.streams;
CREATE POLICY change ON sluice.streams FOR UPDATE USING (sluice.stream_owned(name))
    WITH CHECK (sluice.stream_owned(name));
DROP POLICY IF EXISTS read ON sluice.views;
DROP POLICY IF EXISTS add ON sluice.views;
DROP POLICY IF EXISTS remove ON sluice.views;
CREATE POLICY read ON sluice.views FOR SELECT USING (true);
CREATE POLICY add ON sluice.views FOR INSERT
    WITH CHECK (sluice.stream_privilege(stream, 'SELECT')
                AND pg_has_role((SELECT c.relowner FROM pg_class c
                                 WHERE c.oid = to_regclass(format('%I.%I', schema_name, name))),
                                'USAGE'));
-- A view goes with its relation (DROP VIEW checks who may), or with its
-- stream (DROP STREAM ... CASCADE by the stream's owner).
CREATE POLICY remove ON sluice.views FOR DELETE
    USING (to_regclass(format('%I.%I', schema_name, name)) IS NULL OR sluice.stream_owned(stream)
           OR pg_has_role((SELECT c.relowner FROM pg_class c
                           WHERE c.oid = to_regclass(format('%I.%I', schema_name, name))),
                          'USAGE'));

-- ACTIVATE / DEACTIVATE: the owner of the view's relation.
DROP POLICY IF EXISTS change ON sluice.views;
CREATE POLICY change ON sluice.views FOR UPDATE
    USING (pg_has_role((SELECT c.relowner FROM pg_class c
                        WHERE c.oid = to_regclass(format('%I.%I', schema_name, name))),
                       'USAGE'));

-- view_stats rows come and go with the views, whoever creates them.
CREATE OR REPLACE FUNCTION sluice.view_stats_follow() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO sluice.view_stats (view_name) VALUES (NEW.name)
            ON CONFLICT (view_name) DO UPDATE SET events = 0, matched = 0, groups_written = 0,
                                                  flushes = 0, last_flush = NULL, late = 0;
    ELSE
        DELETE FROM sluice.view_stats WHERE view_name = OLD.name;
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS view_stats_follow ON sluice.views;
CREATE TRIGGER view_stats_follow AFTER INSERT OR DELETE ON sluice.views
    FOR EACH ROW EXECUTE FUNCTION sluice.view_stats_follow();

-- HTTP tokens (CREATE TOKEN FOR ROLE r): only their SHA-256 is kept.  A
-- role makes and drops its own; superusers any role's.
CREATE TABLE IF NOT EXISTS sluice.tokens (
    id         bigserial NOT NULL,
    hash       bytea PRIMARY KEY,
    role       name NOT NULL,
    created_by name NOT NULL DEFAULT current_user,
    created_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, DELETE ON sluice.tokens TO PUBLIC;
GRANT USAGE ON SEQUENCE sluice.tokens_id_seq TO PUBLIC;
ALTER TABLE sluice.tokens ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS own ON sluice.tokens;
CREATE POLICY own ON sluice.tokens USING (role = current_user) WITH CHECK (role = current_user);

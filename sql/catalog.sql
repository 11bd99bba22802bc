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
CREATE TABLE IF NOT EXISTS sluice.progress (
    server_id  text PRIMARY KEY,
    flush_seq  bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

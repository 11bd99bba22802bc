-- streams: CREATE STREAM / DROP STREAM / SHOW STREAMS, IF [NOT] EXISTS,
-- and the errors of these statements.
CREATE STREAM s1 (a integer, b text, c timestamptz);
CREATE STREAM s2 (x bigint, y double precision, z boolean, w smallint, v real, u varchar(10), t timestamp);
SHOW STREAMS;
-- the catalog lives in the backing PostgreSQL (a forwarded SELECT)
SELECT name FROM sluice.streams ORDER BY name;
-- IF NOT EXISTS on an existing stream: a notice, the stream is unchanged
CREATE STREAM IF NOT EXISTS s1 (q integer);
CREATE STREAM IF NOT EXISTS s3 (q integer);
SHOW STREAMS;
-- errors
CREATE STREAM s1 (q integer);
CREATE STREAM s4 (a integer, b text, a bigint);
CREATE STREAM s4 (a integer, b nosuchtype);
CREATE STREAM s4 (a integer b text);
CREATE STREAM (a integer);
-- none of the failed statements created anything
SELECT name FROM sluice.streams ORDER BY name;
-- DROP
DROP STREAM s2;
DROP STREAM s2;
DROP STREAM IF EXISTS s2;
DROP STREAM IF EXISTS s3;
DROP STREAM s1;
SHOW STREAMS;
SELECT count(*) AS streams_left FROM sluice.streams;
-- names are case-folded like PostgreSQL's, quoted names are kept
CREATE STREAM MixedCase (A integer);
CREATE STREAM "Quoted" ("Col" integer);
SHOW STREAMS;
DROP STREAM mixedcase;
DROP STREAM "Quoted";
SHOW STREAMS;

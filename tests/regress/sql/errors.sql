-- errors: Sluice's own statements fail like PostgreSQL's, with the SQLSTATE
-- and, for syntax and name errors, the position psql draws the caret at.
\set VERBOSITY verbose
CREATE STREAM s (a integer, b text, c timestamptz, d double precision);
CREATE CONTINUOUS VIEW v AS SELECT a, count(*) AS n FROM s GROUP BY a;
-- 42601 syntax_error
CREATE STREAM s2 (a integer,, b integer);
CREATE STREAM s2 a integer;
CREATE CONTINUOUS VIEW v2 AS SELECT count(*) AS n FROM s WHERE GROUP BY a;
CREATE CONTINUOUS VIEW v2 AS SELECT a FROM s GROUP a;
CREATE CONTINUOUS VIEW v2 SELECT count(*) FROM s;
-- 42703 undefined_column
CREATE CONTINUOUS VIEW v2 AS SELECT nosuch, count(*) AS n FROM s GROUP BY nosuch;
CREATE CONTINUOUS VIEW v2 AS SELECT count(*) AS n FROM s WHERE a > 0 AND zz < 1;
CREATE CONTINUOUS VIEW v2 AS SELECT sum(zz) AS n FROM s;
-- 42P01 undefined_table
CREATE CONTINUOUS VIEW v2 AS SELECT count(*) AS n FROM nosuch;
DROP STREAM nosuch;
DROP CONTINUOUS VIEW nosuch;
-- 42P07 duplicate_table
CREATE STREAM s (x integer);
CREATE CONTINUOUS VIEW v AS SELECT count(*) AS n FROM s;
-- (a table of that name in the backing PostgreSQL; PostgreSQL reports this
-- one, so default verbosity keeps its source location out of the output)
CREATE TABLE plain (x integer);
\set VERBOSITY default
CREATE CONTINUOUS VIEW plain AS SELECT count(*) AS n FROM s;
\set VERBOSITY verbose
SHOW CONTINUOUS VIEWS;
DROP TABLE plain;
-- 42701 duplicate_column, 42704 undefined_object (an unknown type)
CREATE STREAM s2 (a integer, A text);
CREATE STREAM s2 (a integer, b nosuchtype);
-- 42803 grouping_error
CREATE CONTINUOUS VIEW v2 AS SELECT a, b, count(*) AS n FROM s GROUP BY a;
CREATE CONTINUOUS VIEW v2 AS SELECT a FROM s WHERE count(*) > 1 GROUP BY a;
CREATE CONTINUOUS VIEW v2 AS SELECT sum(count(*)) AS n FROM s;
CREATE CONTINUOUS VIEW v2 AS SELECT a, count(*) AS n FROM s GROUP BY a HAVING b = 'x';
-- 42883 undefined_function, 0A000 (functions), 42804 datatype_mismatch
CREATE CONTINUOUS VIEW v2 AS SELECT sum(b) AS n FROM s;
CREATE CONTINUOUS VIEW v2 AS SELECT to_date(b, 'YYYY'), count(*) FROM s GROUP BY 1;
CREATE CONTINUOUS VIEW v2 AS SELECT count(*) AS n FROM s WHERE a;
-- 2BP01 dependent_objects_still_exist
DROP STREAM s;
-- nothing above changed the catalog
SHOW STREAMS;
SHOW CONTINUOUS VIEWS;
DROP STREAM s CASCADE;

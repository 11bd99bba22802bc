-- expressions: CASE, COALESCE, NULLIF, GREATEST, IN, BETWEEN, LIKE, regular
-- expressions, IS DISTINCT FROM, IS TRUE and built-in functions in views,
-- with PostgreSQL's results, and the errors PostgreSQL gives at CREATE.
\set VERBOSITY verbose
CREATE STREAM e (k integer, s text, d double precision, ok boolean, ts timestamptz);
CREATE CONTINUOUS VIEW e_case AS
  SELECT CASE WHEN k > 2 THEN 'big' WHEN k IS NULL THEN 'none' ELSE 'small' END AS size,
         count(*) AS n, coalesce(max(s), '-') AS top
  FROM e GROUP BY 1;
CREATE CONTINUOUS VIEW e_text AS
  SELECT upper(s) AS u, length(s) AS len, substring(s FROM 2 FOR 2) AS mid,
         position('a' IN s) AS pos, s LIKE 'a%' AS a_like, s ~* '^B' AS b_re,
         count(*) AS n
  FROM e WHERE s IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6;
CREATE CONTINUOUS VIEW e_in AS
  SELECT k IN (1, 2) AS in12, k NOT IN (1, NULL) AS notin, k BETWEEN 2 AND 3 AS btw,
         ok IS NOT TRUE AS not_true, k IS DISTINCT FROM 1 AS dist, count(*) AS n
  FROM e GROUP BY 1, 2, 3, 4, 5;
CREATE CONTINUOUS VIEW e_num AS
  SELECT date_trunc('hour', ts) AS hour, round(sum(d)) AS total, greatest(max(k), 0) AS g,
         nullif(count(*), 0) AS n
  FROM e GROUP BY 1;
\! printf '%s\n' '{"k": 1, "s": "apple", "d": 2.5, "ok": true, "ts": "2026-12-01T10:15:00Z"}' '{"k": 2, "s": "Banana", "d": 0.5, "ok": false, "ts": "2026-12-01T10:45:00Z"}' '{"k": 3, "s": "cherry", "ok": null, "ts": "2026-12-01T11:05:00Z"}' '{"s": "avocado", "d": 1.0}' | curl -s --data-binary @- http://$SLUICE_HTTP/v1/streams/e; echo
SELECT * FROM e_case ORDER BY size;
SELECT * FROM e_text ORDER BY u;
SELECT * FROM e_in ORDER BY in12, notin, btw, not_true, dist;
SELECT * FROM e_num ORDER BY hour;
-- errors at CREATE, as PostgreSQL reports them
CREATE CONTINUOUS VIEW e2 AS SELECT count(*) FROM e WHERE s ~ '(';
CREATE CONTINUOUS VIEW e2 AS SELECT count(*) FROM e WHERE s LIKE 'a' ESCAPE 'xy';
CREATE CONTINUOUS VIEW e2 AS SELECT count(*) FROM e WHERE k LIKE 'a%';
CREATE CONTINUOUS VIEW e2 AS SELECT CASE WHEN ok THEN 1 ELSE s END, count(*) FROM e GROUP BY 1;
CREATE CONTINUOUS VIEW e2 AS SELECT nosuch(k), count(*) FROM e GROUP BY 1;
CREATE CONTINUOUS VIEW e2 AS SELECT round(d, 2), count(*) FROM e GROUP BY 1;
CREATE CONTINUOUS VIEW e2 AS SELECT to_date(s, 'YYYYY'), count(*) FROM e GROUP BY 1;
-- an event whose expression fails is refused with its request
CREATE CONTINUOUS VIEW e_split AS SELECT split_part(s, ',', k) AS part, count(*) FROM e GROUP BY 1;
\! printf '%s\n' '{"k": 0, "s": "a,b"}' | curl -s --data-binary @- http://$SLUICE_HTTP/v1/streams/e; echo
DROP STREAM e CASCADE;

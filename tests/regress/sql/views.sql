-- views: continuous views over a stream fed over HTTP (each 200 comes after
-- the commit, so the next SELECT sees the events), read back with SELECT.
CREATE STREAM clicks (user_id bigint, url text, ms integer, ok boolean, at timestamptz);
CREATE CONTINUOUS VIEW url_hits AS SELECT url, count(*) AS hits, count(user_id) AS users_seen, sum(ms) AS total_ms, avg(ms) AS avg_ms, min(ms) AS min_ms, max(ms) AS max_ms FROM clicks GROUP BY url;
CREATE CONTINUOUS VIEW totals AS SELECT count(*) AS n, count(ok) AS n_ok, sum(ms) AS ms, min(at) AS first_at, max(at) AS last_at, min(url) AS min_url, max(url) AS max_url FROM clicks;
CREATE CONTINUOUS VIEW slow AS SELECT user_id, count(*) AS n FROM clicks WHERE ms > 100 AND ok GROUP BY user_id;
CREATE CONTINUOUS VIEW failing AS SELECT url, count(*) AS n FROM clicks WHERE NOT ok OR ok IS NULL GROUP BY url HAVING count(*) >= 2;
CREATE CONTINUOUS VIEW per_user AS SELECT user_id, url, count(*) * 10 AS x10, sum(ms) / count(*) AS int_avg, user_id + 1000 AS uid_plus FROM clicks GROUP BY user_id, url;
SHOW CONTINUOUS VIEWS;
-- the result types are PostgreSQL's
SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'url_hits' ORDER BY ordinal_position;
-- a global aggregate over no events: one row, like SELECT count(*) over an empty table
SELECT * FROM totals ORDER BY n;
SELECT * FROM url_hits ORDER BY url;
\! printf '%s\n' '{"user_id": 1, "url": "/a", "ms": 120, "ok": true, "at": "2024-01-01T10:00:00Z"}' '{"user_id": 2, "url": "/a", "ms": 80, "ok": false, "at": "2024-01-01T11:00:00+01:00"}' '{"user_id": null, "url": "/b", "ms": 300, "ok": true, "at": "2024-01-02 00:00:00Z"}' '{"user_id": 1, "url": "/\u00fc", "ms": null, "ok": null, "at": "2023-12-31T23:59:59.5Z"}' '{"user_id": 3, "ms": 5, "ok": false, "at": "2024-01-01T09:00:00-05:00"}' | curl -s -H 'Content-Type: application/x-ndjson' --data-binary @- http://$SLUICE_HTTP/v1/streams/clicks; echo
SELECT * FROM url_hits ORDER BY url;
SELECT * FROM totals ORDER BY n;
SELECT * FROM slow ORDER BY user_id;
SELECT * FROM failing ORDER BY url;
SELECT * FROM per_user ORDER BY user_id, url;
\! printf '%s\n' '{"user_id": 1, "url": "/a", "ms": 200, "ok": true}' '{"user_id": 3, "url": "/ü", "ms": 1, "ok": false}' '{"url": "/b", "user_id": 2, "ms": 2147483647, "ok": true, "at": "2024-01-03T00:00:00Z", "extra": [1, {"x": 2}]}' '' '{"user_id": 2, "ms": 7, "ok": false}' | curl -s -H 'Content-Type: application/x-ndjson' --data-binary @- http://$SLUICE_HTTP/v1/streams/clicks; echo
SELECT * FROM url_hits ORDER BY url;
SELECT * FROM totals ORDER BY n;
SELECT * FROM slow ORDER BY user_id;
SELECT * FROM failing ORDER BY url;
SELECT * FROM per_user ORDER BY user_id, url;
-- a bad line rejects the whole request: nothing changes
\! printf '%s\n' '{"user_id": 9, "url": "/a", "ms": 1}' '{"user_id": 9, "url": "/a", "ms": "fast"}' | curl -s -H 'Content-Type: application/x-ndjson' --data-binary @- http://$SLUICE_HTTP/v1/streams/clicks; echo
-- user_id + 1000 overflows bigint in per_user's select list: PostgreSQL's
-- SELECT would fail, so the request is rejected (shown: status and SQLSTATE)
\! printf '%s\n' '{"user_id": 9, "url": "/a", "ms": 1}' '{"user_id": 9223372036854775807, "url": "/z", "ms": 1}' | curl -s -w '%{http_code}' -H 'Content-Type: application/x-ndjson' --data-binary @- http://$SLUICE_HTTP/v1/streams/clicks | tr -d '\n' | sed 's/.*"sqlstate": *"\([0-9A-Z]*\)".*}\([0-9]*\)$/\2 \1/'; echo
SELECT * FROM url_hits ORDER BY url;
SELECT * FROM per_user ORDER BY user_id, url;
-- the views are plain relations in PostgreSQL: they join with tables
CREATE TABLE pages (url text, title text);
INSERT INTO pages VALUES ('/a', 'Home'), ('/b', 'About');
SELECT p.title, h.hits FROM url_hits h JOIN pages p USING (url) ORDER BY p.title;
DROP TABLE pages;
-- DROP
DROP CONTINUOUS VIEW slow;
SELECT to_regclass('public.slow') IS NULL AS slow_gone;
SELECT name FROM sluice.views ORDER BY name;
DROP STREAM clicks CASCADE;
SHOW CONTINUOUS VIEWS;
SELECT count(*) AS relations_left FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'sluice_mrel' OR (n.nspname = 'public' AND c.relname IN ('url_hits', 'totals', 'failing', 'per_user'));

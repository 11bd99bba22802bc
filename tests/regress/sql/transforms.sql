-- transforms: continuous views without aggregates.  A view with neither
-- aggregate nor GROUP BY appends a row per event that passes WHERE; GROUP
-- BY alone or SELECT DISTINCT keeps each distinct group once.
CREATE STREAM orders (id bigint, customer text, qty integer, price double precision, at timestamptz);
CREATE CONTINUOUS VIEW big_orders AS SELECT id, customer AS who, qty * price AS total, at FROM orders WHERE qty >= 2;
CREATE CONTINUOUS VIEW all_orders AS SELECT * FROM orders;
CREATE CONTINUOUS VIEW customers AS SELECT DISTINCT customer FROM orders;
CREATE CONTINUOUS VIEW customer_qty AS SELECT customer, qty FROM orders GROUP BY customer, qty;
SHOW CONTINUOUS VIEWS;
SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'big_orders' ORDER BY ordinal_position;
\! printf '%s\n' '{"id": 1, "customer": "ann", "qty": 2, "price": 1.5, "at": "2024-01-01T10:00:00Z"}' '{"id": 2, "customer": "bob", "qty": 1, "price": 10}' '{"id": 3, "customer": "ann", "qty": 2, "price": 0.25}' '{"id": 4, "qty": 5, "price": 2}' '{"id": 5, "customer": "ann", "qty": null}' | curl -s --data-binary @- http://$SLUICE_HTTP/v1/streams/orders; echo
SELECT * FROM big_orders ORDER BY id;
SELECT * FROM all_orders ORDER BY id;
SELECT * FROM customers ORDER BY customer;
SELECT * FROM customer_qty ORDER BY customer, qty;
-- a failing expression rejects the whole request, as PostgreSQL's SELECT would fail
CREATE CONTINUOUS VIEW per_unit AS SELECT id, 100 / qty AS per FROM orders;
\! printf '%s\n' '{"id": 6, "customer": "cy", "qty": 4}' '{"id": 7, "customer": "cy", "qty": 0}' | curl -s -w '%{http_code}' --data-binary @- http://$SLUICE_HTTP/v1/streams/orders | tr -d '\n' | sed 's/.*"sqlstate": *"\([0-9A-Z]*\)".*}\([0-9]*\)$/\2 \1/'; echo
SELECT count(*) FROM all_orders;
-- TRUNCATE CONTINUOUS VIEW empties a view; later events count afresh
TRUNCATE CONTINUOUS VIEW all_orders;
TRUNCATE CONTINUOUS VIEW customers;
\! printf '%s\n' '{"id": 8, "customer": "dee", "qty": 3, "price": 1}' | curl -s --data-binary @- http://$SLUICE_HTTP/v1/streams/orders; echo
SELECT id, customer FROM all_orders ORDER BY id;
SELECT * FROM customers ORDER BY customer;
SELECT * FROM per_unit ORDER BY id;
TRUNCATE CONTINUOUS VIEW nope;
-- what is not supported yet
CREATE CONTINUOUS VIEW d2 AS SELECT DISTINCT customer, count(*) FROM orders GROUP BY customer;
CREATE CONTINUOUS VIEW d3 AS SELECT DISTINCT ON (customer) customer, qty FROM orders;
CREATE CONTINUOUS VIEW n1 AS SELECT qty * 1.5 AS x FROM orders;
DROP STREAM orders CASCADE;

-- forward: statements Sluice does not handle itself reach PostgreSQL and
-- their results come back unchanged.
SELECT 1 AS one;

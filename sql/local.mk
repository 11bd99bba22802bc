# sql/: SQL installed into the backing PostgreSQL.  catalog.sql is compiled
# into sluiced (src/catalog/catalog_sql.c) and also installed for reference.
dist_pkgdata_DATA += sql/catalog.sql

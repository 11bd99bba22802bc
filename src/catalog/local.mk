# src/catalog: in-memory catalog of streams and views (see README.md)
noinst_LIBRARIES += src/catalog/libcatalog.a
src_catalog_libcatalog_a_SOURCES = src/catalog/catalog.c src/catalog/catalog.h
# The catalog schema (sql/catalog.sql) compiled in as sl_catalog_sql.
nodist_src_catalog_libcatalog_a_SOURCES = src/catalog/catalog_sql.c
BUILT_SOURCES += src/catalog/catalog_sql.c
CLEANFILES += src/catalog/catalog_sql.c
src/catalog/catalog_sql.c: $(top_srcdir)/sql/catalog.sql
	$(AM_V_GEN)mkdir -p src/catalog && $(AWK) 'BEGIN { print "/* Generated from sql/catalog.sql: do not edit. */"; print "const char sl_catalog_sql[] =" } { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); print "\"" $$0 "\\n\"" } END { print ";" }' $(top_srcdir)/sql/catalog.sql > $@

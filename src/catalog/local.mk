# src/catalog: in-memory catalog of streams and views (see README.md)
noinst_LIBRARIES += src/catalog/libcatalog.a
src_catalog_libcatalog_a_SOURCES = src/catalog/catalog.c src/catalog/catalog.h

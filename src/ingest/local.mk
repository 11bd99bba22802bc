# src/ingest: decoders of event formats into column batches (see README.md)
noinst_LIBRARIES += src/ingest/libingest.a
src_ingest_libingest_a_SOURCES = \
	src/ingest/batch.c src/ingest/batch.h \
	src/ingest/csv.c src/ingest/csv.h \
	src/ingest/copytext.c src/ingest/copytext.h \
	src/ingest/ndjson.c src/ingest/ndjson.h

check_PROGRAMS += tests/unit/check_ndjson
TESTS += tests/unit/check_ndjson
tests_unit_check_ndjson_SOURCES = tests/unit/check_ndjson.c
tests_unit_check_ndjson_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_ndjson_LDADD = src/ingest/libingest.a \
	src/util/libutil.a $(CHECK_LIBS) -lm

check_PROGRAMS += tests/unit/check_csv
TESTS += tests/unit/check_csv
tests_unit_check_csv_SOURCES = tests/unit/check_csv.c
tests_unit_check_csv_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_csv_LDADD = src/ingest/libingest.a \
	src/util/libutil.a $(CHECK_LIBS) -lm

# util/types.c's suite lives here (src/util/local.mk belongs to util's owner).
check_PROGRAMS += tests/unit/check_types
TESTS += tests/unit/check_types
tests_unit_check_types_SOURCES = tests/unit/check_types.c
tests_unit_check_types_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_types_LDADD = src/util/libutil.a $(CHECK_LIBS) -lm

check_PROGRAMS += tests/unit/check_copytext
TESTS += tests/unit/check_copytext
tests_unit_check_copytext_SOURCES = tests/unit/check_copytext.c
tests_unit_check_copytext_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_copytext_LDADD = src/ingest/libingest.a \
	src/util/libutil.a $(CHECK_LIBS) -lm

# src/util: arena, error, buffers, types (see README.md)
noinst_LIBRARIES += src/util/libutil.a
src_util_libutil_a_SOURCES = \
	src/util/arena.c src/util/arena.h \
	src/util/array.c src/util/array.h \
	src/util/buf.c src/util/buf.h \
	src/util/conninfo.c src/util/conninfo.h \
	src/util/datetime.c src/util/datetime.h \
	src/util/tzinfo.c src/util/tzinfo.h \
	src/util/encoding.c src/util/encoding.h \
	src/util/error.c src/util/error.h \
	src/util/interval.c src/util/interval.h \
	src/util/numeric.c src/util/numeric.h \
	src/util/jsonb.c src/util/jsonb.h \
	src/util/typename.c src/util/types.c src/util/types.h
check_PROGRAMS += tests/unit/check_buf
TESTS += tests/unit/check_buf
tests_unit_check_buf_SOURCES = tests/unit/check_buf.c
tests_unit_check_buf_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_buf_LDADD = src/util/libutil.a $(CHECK_LIBS) -lm
check_PROGRAMS += tests/unit/check_encoding
TESTS += tests/unit/check_encoding
tests_unit_check_encoding_SOURCES = tests/unit/check_encoding.c
tests_unit_check_encoding_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_encoding_LDADD = src/util/libutil.a $(CHECK_LIBS)
check_PROGRAMS += tests/unit/check_array
TESTS += tests/unit/check_array
tests_unit_check_array_SOURCES = tests/unit/check_array.c
tests_unit_check_array_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_array_LDADD = src/util/libutil.a $(CHECK_LIBS) -lm
check_PROGRAMS += tests/unit/check_numeric
TESTS += tests/unit/check_numeric
tests_unit_check_numeric_SOURCES = tests/unit/check_numeric.c
tests_unit_check_numeric_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_numeric_LDADD = src/util/libutil.a $(CHECK_LIBS) -lm
check_PROGRAMS += tests/unit/check_jsonb
TESTS += tests/unit/check_jsonb
tests_unit_check_jsonb_SOURCES = tests/unit/check_jsonb.c
tests_unit_check_jsonb_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_jsonb_LDADD = src/util/libutil.a $(CHECK_LIBS) -lm
# date/time/uuid input beside PostgreSQL's (tests/diff/datetime.sh)
check_PROGRAMS += tests/diff/sl_typein
tests_diff_sl_typein_SOURCES = tests/diff/sl_typein.c
tests_diff_sl_typein_CFLAGS = $(TEST_CFLAGS)
tests_diff_sl_typein_LDADD = src/util/libutil.a -lm
check_PROGRAMS += tests/unit/check_datetime
TESTS += tests/unit/check_datetime
tests_unit_check_datetime_SOURCES = tests/unit/check_datetime.c
tests_unit_check_datetime_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_datetime_LDADD = src/util/libutil.a $(CHECK_LIBS) -lm

# src/sink: flushing view deltas into PostgreSQL (see README.md)
noinst_LIBRARIES += src/sink/libsink.a
src_sink_libsink_a_SOURCES = \
	src/sink/sink.c src/sink/sink.h \
	src/sink/upsert.c \
	src/sink/idem.c src/sink/idem.h \
	src/sink/lease.c src/sink/lease.h \
	src/sink/ddl.c src/sink/ddl.h

check_PROGRAMS += tests/unit/check_idem
TESTS += tests/unit/check_idem
tests_unit_check_idem_SOURCES = tests/unit/check_idem.c
tests_unit_check_idem_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_idem_LDADD = src/sink/libsink.a src/util/libutil.a $(CHECK_LIBS) -lm

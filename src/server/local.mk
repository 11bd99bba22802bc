# src/server: settings, the embedded PostgreSQL, the server's life (see README.md)
noinst_LIBRARIES += src/server/libserver.a
src_server_libserver_a_SOURCES = \
	src/server/config.c src/server/config.h \
	src/server/pgembed.c src/server/pgembed.h \
	src/server/server.c src/server/server.h \
	src/server/command.c \
	src/server/reconcile.c src/server/reconcile.h \
	src/server/access.c src/server/access.h \
	src/server/expire.c src/server/expire.h

check_PROGRAMS += tests/unit/check_config tests/unit/check_pgembed
TESTS += tests/unit/check_config tests/unit/check_pgembed
tests_unit_check_config_SOURCES = tests/unit/check_config.c
tests_unit_check_config_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_config_LDADD = src/server/libserver.a src/util/libutil.a $(CHECK_LIBS) -lm
tests_unit_check_pgembed_SOURCES = tests/unit/check_pgembed.c
tests_unit_check_pgembed_CFLAGS = $(TEST_CFLAGS) $(LIBPQ_CFLAGS)
tests_unit_check_pgembed_LDADD = src/server/libserver.a src/util/libutil.a $(LIBPQ_LIBS) $(CHECK_LIBS) -lm

# clients/: the `sluice` shell (psql-like, over libpq); see clients/README.md.
bin_PROGRAMS += sluice
sluice_SOURCES = \
	clients/sluice.h \
	clients/sluice_main.c \
	clients/sluice_input.c \
	clients/sluice_scan.c \
	clients/sluice_print.c \
	clients/sluice_meta.c \
	clients/sluice_complete.c \
	clients/sluice_ingest.c \
	clients/sluice_http.c
sluice_CFLAGS = $(AM_CFLAGS) $(LIBPQ_CFLAGS)
sluice_LDADD = src/util/libutil.a $(LIBPQ_LIBS) $(READLINE_LIBS)
EXTRA_DIST += clients/README.md

# Unit tests of the shell's pure parts (scanner, printer, HTTP parsing).
check_PROGRAMS += tests/unit/check_shell_format
TESTS += tests/unit/check_shell_format
tests_unit_check_shell_format_SOURCES = tests/unit/check_shell_format.c \
	clients/sluice_scan.c clients/sluice_print.c clients/sluice_http.c clients/sluice.h
tests_unit_check_shell_format_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/clients
tests_unit_check_shell_format_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_shell_format_LDADD = src/util/libutil.a $(LIBPQ_LIBS) $(CHECK_LIBS) -lm

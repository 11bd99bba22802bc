# src/net: the PostgreSQL wire protocol listener (and HTTP, below); see README.md
noinst_LIBRARIES += src/net/libnet.a
src_net_libnet_a_SOURCES = \
	src/net/pgwire.c src/net/pgwire.h src/net/pgwire_int.h \
	src/net/pgwire_relay.c src/net/pgwire_enc.c src/net/pgwire_dml.c \
	src/net/pgwire_pool.c \
	src/net/pkt.c src/net/pkt.h \
	src/net/listen.c src/net/listen.h

# The HTTP ingest listener and the HTTP/1.1 server core under it.
src_net_libnet_a_SOURCES += src/net/http.c src/net/http.h
src_net_libnet_a_SOURCES += src/net/httpd.c src/net/httpd.h

check_PROGRAMS += tests/unit/check_pgwire
TESTS += tests/unit/check_pgwire
tests_unit_check_pgwire_SOURCES = tests/unit/check_pgwire.c
tests_unit_check_pgwire_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_pgwire_LDADD = src/net/libnet.a src/util/libutil.a $(CHECK_LIBS) -lm

check_PROGRAMS += tests/unit/check_pgwire_enc
TESTS += tests/unit/check_pgwire_enc
tests_unit_check_pgwire_enc_SOURCES = tests/unit/check_pgwire_enc.c
tests_unit_check_pgwire_enc_CFLAGS = $(TEST_CFLAGS) $(LIBEVENT_CFLAGS) $(LIBPQ_CFLAGS)
tests_unit_check_pgwire_enc_LDADD = src/net/libnet.a src/util/libutil.a $(LIBEVENT_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/check_httpd
TESTS += tests/unit/check_httpd
tests_unit_check_httpd_SOURCES = tests/unit/check_httpd.c
tests_unit_check_httpd_CFLAGS = $(TEST_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_check_httpd_LDADD = src/net/libnet.a src/util/libutil.a $(LIBEVENT_LIBS) $(OPENSSL_LIBS) $(CHECK_LIBS) -lm -lpthread

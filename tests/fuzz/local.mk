# libFuzzer targets (see tests/fuzz/README.md): built and run only by
# `make fuzz [FUZZ_SECONDS=N] [FUZZ_TARGETS="http sql"]`, never by all or
# check.  tests/fuzz/fuzz.mk (GNU make) compiles the engine's sources again
# with clang's -fsanitize=fuzzer-no-link,address,undefined; the source
# lists come from the libraries' own variables.
FUZZ_SECONDS = 60
FUZZ_TARGETS = http_head http pgwire ndjson csv sql types array jsonb datetime tochar
FUZZ_CC = clang
FUZZ_SRCS = $(src_util_libutil_a_SOURCES) $(src_catalog_libcatalog_a_SOURCES) \
	$(nodist_src_catalog_libcatalog_a_SOURCES) $(src_sql_libsql_a_SOURCES) \
	$(nodist_src_sql_libsql_a_SOURCES) $(src_plan_libplan_a_SOURCES) \
	$(src_exec_libexec_a_SOURCES) $(src_ingest_libingest_a_SOURCES) \
	src/net/pkt.c src/net/httpd.c src/net/listen.c

EXTRA_DIST += tests/fuzz/README.md tests/fuzz/fuzz.mk tests/fuzz/run.sh \
	tests/fuzz/fuzz_stream.h tests/fuzz/fuzz_http_head.c tests/fuzz/fuzz_http.c tests/fuzz/fuzz_pgwire.c \
	tests/fuzz/fuzz_ndjson.c tests/fuzz/fuzz_csv.c tests/fuzz/fuzz_sql.c tests/fuzz/fuzz_types.c \
	tests/fuzz/fuzz_array.c tests/fuzz/fuzz_jsonb.c tests/fuzz/fuzz_datetime.c tests/fuzz/fuzz_tochar.c \
	tests/fuzz/http.dict tests/fuzz/sql.dict tests/fuzz/ndjson.dict tests/fuzz/csv.dict \
	tests/fuzz/corpus

fuzz: $(BUILT_SOURCES) config.h
	@if ! command -v $(FUZZ_CC) >/dev/null 2>&1 || \
	    ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' | \
	      $(FUZZ_CC) -x c -fsanitize=fuzzer,address,undefined -o /dev/null - >/dev/null 2>&1; then \
	    echo "make fuzz: needs clang with libFuzzer and the sanitizer runtimes:"; \
	    echo "    apt-get install clang libclang-rt-14-dev"; \
	    exit 1; \
	fi
	@$(MAKE) -f $(top_srcdir)/tests/fuzz/fuzz.mk top_srcdir='$(top_srcdir)' \
	    FUZZ_CC='$(FUZZ_CC)' FUZZ_SRCS='$(FUZZ_SRCS)' FUZZ_TARGETS='$(FUZZ_TARGETS)' \
	    FUZZ_SECONDS='$(FUZZ_SECONDS)' LIBEVENT_CFLAGS='$(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS)' \
	    FUZZ_LIBS='$(LIBEVENT_LIBS) $(OPENSSL_LIBS) $(Z_LIBS) -lgmp -lm -lpthread' run

clean-local: fuzz-clean
fuzz-clean:
	-rm -rf tests/fuzz/obj tests/fuzz/work tests/fuzz/fuzz_http_head tests/fuzz/fuzz_http tests/fuzz/fuzz_pgwire \
	    tests/fuzz/fuzz_ndjson tests/fuzz/fuzz_csv tests/fuzz/fuzz_sql tests/fuzz/fuzz_types \
	    tests/fuzz/fuzz_jsonb tests/fuzz/fuzz_datetime tests/fuzz/fuzz_tochar
.PHONY: fuzz fuzz-clean

# tests/: shell helpers, the regress runner (SQL scripts through a real
# sluiced and PostgreSQL, compared with expected output) and end-to-end
# scripts.  Unit suites are registered by each module's own local.mk.
SL_SCRIPT_TESTS = \
	tests/e2e/options.sh \
	tests/e2e/windows.sh \
	tests/e2e/lease.sh \
	tests/e2e/lease_async.sh \
	tests/e2e/window_truncate.sh \
	tests/e2e/window_ttl.sh \
	tests/e2e/window_memory.sh \
	tests/e2e/window_sw.sh \
	tests/e2e/embedded.sh \
	tests/e2e/pgwire.sh \
	tests/e2e/auth.sh \
	tests/e2e/backend_pool.sh \
	tests/e2e/drivers.sh \
	tests/e2e/ingest.sh \
	tests/e2e/outage.sh \
	tests/e2e/shell_scripts.sh \
	tests/e2e/shell_tty.sh \
	tests/e2e/shell_sluice.sh \
	tests/e2e/readme.sh \
	tests/e2e/idempotency.sh \
	tests/e2e/two_servers.sh \
	tests/e2e/aggregates.sh \
	tests/e2e/ddl_lost.sh \
	tests/e2e/memory.sh \
	tests/e2e/broken_view.sh \
	tests/e2e/ddl_race.sh \
	tests/e2e/sql_limits.sh \
	tests/e2e/pgwire_limits.sh \
	tests/e2e/http_limits.sh \
	tests/e2e/ingest_refused.sh \
	tests/e2e/secrets.sh \
	tests/e2e/sql_literals.sh \
	tests/e2e/catalog_skip.sh \
	tests/e2e/fence.sh \
	tests/e2e/tls.sh \
	tests/e2e/txn.sh \
	tests/e2e/privileges.sh \
	tests/e2e/pg_hosts.sh \
	tests/e2e/encoding.sh \
	tests/e2e/transform.sh \
	tests/e2e/interval.sh \
	tests/e2e/stream_txn.sh \
	tests/e2e/sql_breadth.sh \
	tests/e2e/stream_dml.sh \
	tests/e2e/stream_dml_drivers.sh \
	tests/e2e/stmts.sh \
	tests/e2e/arrays.sh \
	tests/e2e/slide.sh \
	tests/e2e/ttl.sh \
	tests/e2e/datetime.sh \
	tests/diff/datetime.sh \
	tests/diff/to_char.sh \
	tests/diff/numfmt.sh \
	tests/diff/run.sh \
	tests/diff/collation.sh \
	tests/diff/random_views.sh \
	tests/diff/numeric.sh \
	tests/diff/jsonb.sh \
	tests/regress/run.sh \
	$(SL_CHAOS_TESTS)
TESTS += $(SL_SCRIPT_TESTS)

EXTRA_DIST += tests/lib.sh tests/README.md $(SL_SCRIPT_TESTS) tests/chaos/lib.sh \
	tests/chaos/README.md \
	tests/diff/gen.awk tests/diff/genviews.awk tests/diff/lib.sh tests/diff/gendt.awk tests/diff/data/datetime_inputs.txt \
	tests/diff/data/to_char_templates.txt tests/diff/data/to_char_number_templates.txt \
	tests/e2e/pgwire_stub_server.c tests/e2e/interval_cases.txt

# Every regress script and expected output goes into the tarball (a
# forgotten name in a list would silently shrink distcheck's regress run).
dist-hook: regress-dist
regress-dist:
	$(MKDIR_P) $(distdir)/tests/regress/sql $(distdir)/tests/regress/expected
	cp -p $(srcdir)/tests/regress/sql/*.sql $(distdir)/tests/regress/sql/
	-cp -p $(srcdir)/tests/regress/expected/*.out $(distdir)/tests/regress/expected/

clean-local: regress-clean
regress-clean:
	-rm -rf tests/regress/results
.PHONY: regress-clean regress-dist

# Hostile input through decoders, parser, analyzer and execution together
# (so registered here rather than by one module).
check_PROGRAMS += tests/unit/check_fuzz
TESTS += tests/unit/check_fuzz
tests_unit_check_fuzz_SOURCES = tests/unit/check_fuzz.c
tests_unit_check_fuzz_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_fuzz_LDADD = $(TEST_LIBS)
noinst_HEADERS = tests/unit/ck_run.h

# Fault injection that counts exactly (tests/chaos/README.md): short runs in
# `make check`, long ones in `make chaos` (their summary lines go to
# tests/chaos/summary.txt).
SL_CHAOS_TESTS = \
	tests/chaos/kill9.sh \
	tests/chaos/sigterm.sh \
	tests/chaos/pg_faults.sh \
	tests/chaos/poison.sh \
	tests/chaos/diskfull.sh

chaos: sluiced
	@rm -f tests/chaos/summary.txt; rc=0; \
	for t in $(SL_CHAOS_TESTS); do \
	  echo "== $$t"; \
	  top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	  CHAOS_KILLS=20 CHAOS_FILLER=2000 CHAOS_TERMS=5 CHAOS_PG_FAULTS=4 \
	  CHAOS_OUTAGE=30 CHAOS_FULL_SECONDS=25 CHAOS_SUMMARY=$(abs_top_builddir)/tests/chaos/summary.txt \
	  $(SHELL) $(top_srcdir)/$$t || rc=1; \
	done; \
	echo "== summary"; cat tests/chaos/summary.txt 2>/dev/null; exit $$rc
.PHONY: chaos
CLEANFILES += tests/chaos/summary.txt

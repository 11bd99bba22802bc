# tests/: shell helpers, the regress runner (SQL scripts through a real
# sluiced and PostgreSQL, compared with expected output) and end-to-end
# scripts.  Unit suites are registered by each module's own local.mk.
SL_SCRIPT_TESTS = \
	tests/e2e/options.sh \
	tests/e2e/embedded.sh \
	tests/e2e/pgwire.sh \
	tests/e2e/ingest.sh \
	tests/e2e/outage.sh \
	tests/diff/run.sh \
	tests/regress/run.sh
TESTS += $(SL_SCRIPT_TESTS)

# Regress scripts and their expected output: list each one here.
SL_REGRESS_FILES = \
	tests/regress/sql/forward.sql tests/regress/expected/forward.out

EXTRA_DIST += tests/lib.sh $(SL_SCRIPT_TESTS) $(SL_REGRESS_FILES) \
	tests/diff/gen.awk tests/e2e/pgwire_stub_server.c


clean-local: regress-clean
regress-clean:
	-rm -rf tests/regress/results
.PHONY: regress-clean

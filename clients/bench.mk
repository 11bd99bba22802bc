# clients/bench.mk: sluice-bench, the HTTP load generator, and `make bench`
# (bench/run.sh: throwaway PostgreSQL, sluiced pinned to one core, the
# 1000-group view versus no view; bench/relay.sh: pgbench -S through
# sluiced's relay beside PgBouncer; see bench/README.md).
bin_PROGRAMS += clients/sluice-bench
clients_sluice_bench_SOURCES = clients/sluice-bench.c
clients_sluice_bench_CFLAGS = $(AM_CFLAGS) -O2
clients_sluice_bench_LDADD = $(LIBEVENT_LIBS)

EXTRA_DIST += bench/run.sh bench/relay.sh bench/windows.sh bench/README.md bench/decode.sh \
	bench/instr.sh bench/view.sh


# The NDJSON decoder alone, with and without timestamps (bench/decode.c).
EXTRA_PROGRAMS = bench/decode bench/view
bench_decode_SOURCES = bench/decode.c
bench_decode_CFLAGS = $(AM_CFLAGS) -O2
bench_decode_LDADD = src/ingest/libingest.a src/catalog/libcatalog.a src/util/libutil.a -lm
bench-decode: bench/decode
	top_builddir='$(abs_top_builddir)' $(SHELL) $(top_srcdir)/bench/decode.sh

# One view's own work per event (bench/view.c), and sluiced's instructions
# per event under callgrind for the view pairs of issues 8 and 9.
bench_view_SOURCES = bench/view.c
bench_view_CFLAGS = $(AM_CFLAGS) -O2
bench_view_LDADD = $(SL_LIBS) $(SL_EXTERNAL_LIBS)
bench-view: bench/view
	top_builddir='$(abs_top_builddir)' $(SHELL) $(top_srcdir)/bench/view.sh
bench-instr: sluiced clients/sluice-bench
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	$(SHELL) $(top_srcdir)/bench/instr.sh

bench: sluiced clients/sluice-bench
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	$(SHELL) $(top_srcdir)/bench/run.sh
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	$(SHELL) $(top_srcdir)/bench/relay.sh
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	$(SHELL) $(top_srcdir)/bench/windows.sh
# The tumbling window's cost alone (bench/windows.sh).
bench-windows: sluiced clients/sluice-bench
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	$(SHELL) $(top_srcdir)/bench/windows.sh
# The pgwire relay alone: pgbench -S direct, through PgBouncer, through sluiced.
bench-relay: sluiced
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	$(SHELL) $(top_srcdir)/bench/relay.sh
.PHONY: bench bench-relay bench-windows bench-decode bench-view bench-instr

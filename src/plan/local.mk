# src/plan: plans of continuous views and the aggregate catalog (see README.md)
noinst_LIBRARIES += src/plan/libplan.a
EXTRA_DIST += src/plan/pg_functions.sh
src_plan_libplan_a_SOURCES = \
	src/plan/agg.c src/plan/agg.h src/plan/func.c src/plan/func.h src/plan/pg_functions.inc \
	src/plan/expr.h src/plan/plan.h src/plan/quals.c \
	src/plan/window.c src/plan/window.h

check_PROGRAMS += tests/unit/check_agg
TESTS += tests/unit/check_agg
tests_unit_check_agg_SOURCES = tests/unit/check_agg.c
tests_unit_check_agg_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_agg_LDADD = src/plan/libplan.a src/util/libutil.a $(CHECK_LIBS) -lm

check_PROGRAMS += tests/unit/check_window
TESTS += tests/unit/check_window
tests_unit_check_window_SOURCES = tests/unit/check_window.c
tests_unit_check_window_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_window_LDADD = src/plan/libplan.a src/util/libutil.a $(CHECK_LIBS) -lm

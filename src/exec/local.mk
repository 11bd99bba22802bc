# src/exec: execution of continuous view plans (see README.md)
noinst_LIBRARIES += src/exec/libexec.a
src_exec_libexec_a_SOURCES = \
	src/exec/exec.c src/exec/exec.h src/exec/exec_int.h \
	src/exec/expr.c src/exec/func.c src/exec/array_ops.c src/exec/numeric_ops.c \
	src/exec/jsonb_ops.c src/exec/func_time.c \
	src/exec/op_filter.c src/exec/op_project.c src/exec/op_hashagg.c \
	src/exec/op_window.c

check_PROGRAMS += tests/unit/check_expr tests/unit/check_exec tests/unit/check_func
TESTS += tests/unit/check_expr tests/unit/check_exec tests/unit/check_func
tests_unit_check_expr_SOURCES = tests/unit/check_expr.c
tests_unit_check_expr_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_expr_LDADD = src/exec/libexec.a src/plan/libplan.a src/util/libutil.a $(CHECK_LIBS) -lm
tests_unit_check_exec_SOURCES = tests/unit/check_exec.c
tests_unit_check_exec_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_exec_LDADD = src/exec/libexec.a src/plan/libplan.a src/ingest/libingest.a \
	src/util/libutil.a $(CHECK_LIBS) -lm
tests_unit_check_func_SOURCES = tests/unit/check_func.c
tests_unit_check_func_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_func_LDADD = src/exec/libexec.a src/plan/libplan.a src/util/libutil.a \
	$(CHECK_LIBS) -lm

check_PROGRAMS += tests/unit/check_window_exec
TESTS += tests/unit/check_window_exec
tests_unit_check_window_exec_SOURCES = tests/unit/check_window_exec.c
tests_unit_check_window_exec_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_window_exec_LDADD = $(TEST_LIBS)

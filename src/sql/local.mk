# src/sql: parse driver, AST, analyzer; the generated grammar and lexer are
# compiled in (see README.md and grammar/local.mk)
noinst_LIBRARIES += src/sql/libsql.a
src_sql_libsql_a_SOURCES = \
	src/sql/sql.h src/sql/sql_int.h src/sql/ast.h src/sql/analyze_int.h \
	src/sql/ast.c src/sql/parse.c \
	src/sql/analyze.c src/sql/analyze_expr.c src/sql/analyze_dml.c src/sql/analyze_func.c \
	src/sql/analyze_window.c src/sql/analyze_array.c \
	src/sql/analyze_slide.c \
	src/sql/analyze_jsonb.c \
	src/sql/analyze_datetime.c \
	src/sql/deparse.c src/sql/explain.c
nodist_src_sql_libsql_a_SOURCES = grammar/sql.c grammar/sql.h grammar/lexer.c

SQL_TEST_LIBS = src/sql/libsql.a src/plan/libplan.a src/catalog/libcatalog.a \
	src/util/libutil.a $(CHECK_LIBS) -lm

check_PROGRAMS += tests/unit/check_lexer tests/unit/check_parser \
	tests/unit/check_analyze
TESTS += tests/unit/check_lexer tests/unit/check_parser \
	tests/unit/check_analyze
tests_unit_check_lexer_SOURCES = tests/unit/check_lexer.c
tests_unit_check_lexer_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_lexer_LDADD = $(SQL_TEST_LIBS)
tests_unit_check_parser_SOURCES = tests/unit/check_parser.c
tests_unit_check_parser_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_parser_LDADD = $(SQL_TEST_LIBS)
tests_unit_check_analyze_SOURCES = tests/unit/check_analyze.c
tests_unit_check_analyze_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_analyze_LDADD = $(SQL_TEST_LIBS)
check_PROGRAMS += tests/unit/check_slide
TESTS += tests/unit/check_slide
tests_unit_check_slide_SOURCES = tests/unit/check_slide.c
tests_unit_check_slide_CFLAGS = $(TEST_CFLAGS)
tests_unit_check_slide_LDADD = src/sql/libsql.a src/exec/libexec.a src/plan/libplan.a \
	src/catalog/libcatalog.a src/util/libutil.a $(CHECK_LIBS) -lm

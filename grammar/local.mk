# grammar: the SQL grammar (Lemon) and lexer (re2c), generated into the
# build dir and compiled into src/sql/libsql.a (see README.md).
EXTRA_DIST += grammar/sql.y grammar/lexer.re grammar/README.md
BUILT_SOURCES += grammar/sql.c grammar/sql.h grammar/lexer.c
CLEANFILES += grammar/sql.c grammar/sql.h grammar/sql.out grammar/lexer.c

# Lemon exits 1 on a conflict (and .DELETE_ON_ERROR drops the output); it
# leaves an unchanged .h untouched, hence the touch.
grammar/sql.c: $(srcdir)/grammar/sql.y $(LEMON_TEMPLATE)
	$(AM_V_GEN)$(MKDIR_P) grammar && \
	$(LEMON) -q -dgrammar -T$(LEMON_TEMPLATE) $(srcdir)/grammar/sql.y && \
	touch grammar/sql.h
grammar/sql.h: grammar/sql.c
	@test -f $@ || { rm -f grammar/sql.c; $(MAKE) $(AM_MAKEFLAGS) grammar/sql.c; }

grammar/lexer.c: $(srcdir)/grammar/lexer.re grammar/sql.h
	$(AM_V_GEN)$(MKDIR_P) grammar && \
	$(RE2C) --no-generation-date --no-version -W -Werror -o $@ $(srcdir)/grammar/lexer.re

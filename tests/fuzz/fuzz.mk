# tests/fuzz/fuzz.mk: builds and runs the libFuzzer targets; GNU make, run
# from the build directory by `make fuzz` (tests/fuzz/local.mk), which
# passes top_srcdir, FUZZ_CC, FUZZ_SRCS (the engine's sources, some
# generated into the build directory), FUZZ_TARGETS, FUZZ_SECONDS and the
# library flags.  Objects go to tests/fuzz/obj, binaries to
# tests/fuzz/fuzz_<target>, grown corpora and findings to tests/fuzz/work.
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fno-omit-frame-pointer $(SANITIZE)
FUZZ_CPPFLAGS := -include config.h -I$(top_srcdir)/src -Igrammar -I. -I$(top_srcdir)/tests/fuzz \
	$(LIBEVENT_CFLAGS)
OBJ := tests/fuzz/obj

# Generated sources (grammar/, src/catalog/catalog_sql.c) are found in the
# build directory first, the others in top_srcdir.
vpath %.c $(top_srcdir)

LIB_OBJS := $(addprefix $(OBJ)/,$(patsubst %.c,%.o,$(filter %.c,$(FUZZ_SRCS))))
BINS := $(addprefix tests/fuzz/fuzz_,$(FUZZ_TARGETS))

all: $(BINS)

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  FUZZCC   $<"
	@$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(OBJ)/libfuzzsl.a: $(LIB_OBJS)
	@rm -f $@
	@ar cr $@ $^

tests/fuzz/fuzz_%: $(OBJ)/tests/fuzz/fuzz_%.o $(OBJ)/libfuzzsl.a
	@echo "  FUZZLD   $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LIBS)

run: $(BINS)
	@sh $(top_srcdir)/tests/fuzz/run.sh '$(top_srcdir)' '$(FUZZ_SECONDS)' $(FUZZ_TARGETS)

.PHONY: all run
.SECONDARY:
-include $(LIB_OBJS:.o=.d) $(patsubst %,$(OBJ)/tests/fuzz/fuzz_%.d,$(FUZZ_TARGETS))

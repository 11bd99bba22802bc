# src/util: arena, error, buffers, types (see README.md)
noinst_LIBRARIES += src/util/libutil.a
src_util_libutil_a_SOURCES = \
	src/util/arena.c src/util/arena.h \
	src/util/buf.c src/util/buf.h \
	src/util/error.c src/util/error.h \
	src/util/typename.c src/util/types.c src/util/types.h

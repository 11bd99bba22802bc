# src/sink: flushing view deltas into PostgreSQL (see README.md)
noinst_LIBRARIES += src/sink/libsink.a
src_sink_libsink_a_SOURCES = \
	src/sink/sink.c src/sink/sink.h \
	src/sink/upsert.c \
	src/sink/ddl.c src/sink/ddl.h

# src/pipeline: the one ingest path of every event source (see README.md)
noinst_LIBRARIES += src/pipeline/libpipeline.a
src_pipeline_libpipeline_a_SOURCES = \
	src/pipeline/pipeline.c src/pipeline/pipeline.h

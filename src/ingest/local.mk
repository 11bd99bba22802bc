# src/ingest: see README.md

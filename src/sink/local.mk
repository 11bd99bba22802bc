# src/sink: see README.md

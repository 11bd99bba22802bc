# src/server: see README.md

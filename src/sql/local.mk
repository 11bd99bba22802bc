# src/sql: see README.md

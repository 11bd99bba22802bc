# src/exec: see README.md

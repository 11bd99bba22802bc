# src/plan: see README.md

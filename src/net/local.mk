# src/net: see README.md

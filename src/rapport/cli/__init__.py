"""The `rapport` command line: one module per domain, assembled in main.py."""

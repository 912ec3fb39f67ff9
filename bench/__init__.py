"""Benchmarks at province scale (issue 7): ``python -m bench --help``. Run by hand on
PostgreSQL, never by the test suite."""

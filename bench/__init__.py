"""Benchmarks: commands that print figures. Not part of the test run (see `make bench`)."""

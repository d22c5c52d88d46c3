"""Benchmarks: the bot against a bare baseline measured in the same run; `make bench` runs them all."""

"""Benchmark suites: many seeds (and games), resumable, aggregated into results/<suite>/."""

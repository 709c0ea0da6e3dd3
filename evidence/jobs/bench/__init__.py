"""Benchmarks: library functions behind `evidence bench …`, returning figures as dicts."""

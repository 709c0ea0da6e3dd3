"""Whole jobs composed from the layers below: the demo, the worked example, the benchmarks."""

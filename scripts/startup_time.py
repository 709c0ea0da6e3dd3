"""Print how long `evidence --help` takes, and which heavy modules the CLI imports at start-up.

A figure to read, not a timed test: `python scripts/startup_time.py [--runs N]`.
"""

import argparse
import statistics
import subprocess
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--runs", type=int, default=5)
runs = parser.parse_args().runs

seconds = []
for _ in range(runs):
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "evidence", "--help"], check=True, capture_output=True)
    seconds.append(time.perf_counter() - start)
baseline = []
for _ in range(runs):
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    baseline.append(time.perf_counter() - start)
probe = "import sys, evidence.cli; print(' '.join(m for m in ('sqlalchemy', 'numpy', 'scipy', 'pandas', 'duckdb') if m in sys.modules) or 'none')"
heavy = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout.strip()
print(f"evidence --help: median {statistics.median(seconds) * 1000:.0f} ms over {runs} runs"
      f" (bare python start-up {statistics.median(baseline) * 1000:.0f} ms)")
print(f"heavy modules imported by the CLI at start-up: {heavy}")

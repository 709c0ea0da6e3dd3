"""Print how long `evidence --help` takes, as a ratio to importing the heavy stack, and which heavy
modules the CLI imports at start-up.

A figure to read, not a timed test: `python scripts/startup_time.py [--runs N]`. The ratio is the
figure that travels between machines: `evidence --help` over `python -c "import pandas, scipy.stats,
sqlalchemy"`, both measured in this run; the CLI should stay under half of it.
"""

import argparse
import statistics
import subprocess
import sys
import time

HEAVY_IMPORTS = "import pandas, scipy.stats, sqlalchemy"
GOAL = 0.5


def median_seconds(command: list[str], runs: int) -> float:
    """The median wall time of `command` over `runs` runs (after one unmeasured run to warm the file cache)."""
    subprocess.run(command, check=True, capture_output=True)
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


parser = argparse.ArgumentParser()
parser.add_argument("--runs", type=int, default=5)
runs = parser.parse_args().runs

help_time = median_seconds([sys.executable, "-m", "evidence", "--help"], runs)
heavy_time = median_seconds([sys.executable, "-c", HEAVY_IMPORTS], runs)
bare_time = median_seconds([sys.executable, "-c", "pass"], runs)
probe = ("import sys, evidence.cli; print(' '.join(m for m in ('sqlalchemy', 'numpy', 'scipy', 'pandas', 'matplotlib',"
         " 'duckdb') if m in sys.modules) or 'none')")
heavy = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout.strip()
ratio = help_time / heavy_time
print(f"evidence --help: median {help_time * 1000:.0f} ms over {runs} runs"
      f" (bare python start-up {bare_time * 1000:.0f} ms)")
print(f"`{HEAVY_IMPORTS}`: median {heavy_time * 1000:.0f} ms")
print(f"ratio evidence --help / heavy imports: {ratio:.2f}"
      f" ({'under' if ratio < GOAL else 'NOT under'} the goal of {GOAL})")
print(f"heavy modules imported by the CLI at start-up: {heavy}")

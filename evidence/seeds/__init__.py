"""Reviews shipped inside the package as data, so `evidence demo` works from a plain `pip install`.

Each is a folder in the seed format (docs/seed-format.md); the tests, the README tour
and `evidence demo` all read them from here.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent
# The published isatuximab meta-analysis (update 0) and its update folders (updates/*/update.yaml).
ISATUXIMAB = HERE / "isatuximab-mm"
# The worked example: real citation records of the isatuximab trials and two reviewers' decisions.
ISATUXIMAB_RECORDS = HERE / "isatuximab-mm-records"

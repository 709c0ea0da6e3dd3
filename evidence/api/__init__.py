"""The Python API: a store's reviews and results, and the meta calculator, as pandas DataFrames.

    import evidence
    store = evidence.open("evidence.duckdb")            # a path, or any SQLAlchemy URL
    store.reviews()                                      # one row per review
    store.sql("SELECT * FROM outcome_overview")          # read-only, as `evidence sql`
    store.analysis_input("isatuximab-mm", "pfs")         # the rows an analysis pools
    store.results("isatuximab-mm")                       # the latest run, both models
    run = store.pool("isatuximab-mm")                    # a new stored run, as `evidence pool`

    m = evidence.meta(frame, measure="HR", model="fixed")   # as `evidence meta FILE.csv`
    m.estimate, m.ci_low, m.ci_high                          # on the ratio scale for ratios
    m.summary(); m.to_frame(); m.forest()

A face like the CLI: each method calls one library function and shapes its result;
pandas is imported only where a DataFrame is made.
"""

from evidence.api.meta import MetaResult, meta
from evidence.api.store import PooledRun, Store, open

__all__ = ["MetaResult", "PooledRun", "Store", "meta", "open"]

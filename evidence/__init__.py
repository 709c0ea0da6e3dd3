"""evidence: a database-backed store for living systematic reviews.

`import evidence` stays light (the CLI starts without pandas, numpy or SQLAlchemy): the Python API,
evidence.open, evidence.meta and their result types, is imported on first use (evidence.api).
"""

from evidence.version import __version__

__all__ = ["__version__", "MetaResult", "PooledRun", "Store", "meta", "open"]
_API = ("MetaResult", "PooledRun", "Store", "meta", "open")


def __getattr__(name: str):
    if name in _API:
        import evidence.api

        return getattr(evidence.api, name)
    raise AttributeError(f"module 'evidence' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))

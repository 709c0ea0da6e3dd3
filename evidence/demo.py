"""The demo: a store with the isatuximab review loaded, its PRISMA flow and a pooled run.

Shared by `evidence demo`, `make demo`, the README tour and the tests' fixtures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .db import create_engine, init
from .loaders.seed import load_seed
from .pool import PoolRun, pool_review
from .prisma import Flow, prisma_flow

# The seed folder ships in the repository beside the package.
DEFAULT_SEED = Path(__file__).resolve().parent.parent / "seeds" / "isatuximab-mm"


@dataclass
class DemoResult:
    load_message: str
    flow: Flow
    run: PoolRun


def build_store(url: str | None, seed: Path | None = None):
    """Create (or upgrade) the store at `url` and load the seed; return the engine and the load result."""
    init(url)
    engine = create_engine(url)
    return engine, load_seed(engine, seed or DEFAULT_SEED)


def run_demo(url: str | None, seed: Path | None = None) -> DemoResult:
    engine, loaded = build_store(url, seed)
    message = (
        f"loaded review {loaded.slug!r} ({sum(loaded.counts.values())} rows)"
        if loaded.loaded else f"review {loaded.slug!r} was already loaded: nothing changed"
    )
    return DemoResult(message, prisma_flow(engine, loaded.slug), pool_review(engine, loaded.slug))

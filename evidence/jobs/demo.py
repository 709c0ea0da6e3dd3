"""The demo: a store with the isatuximab review loaded, its PRISMA flow, a pooled run, and its first update.

Shared by `evidence demo`, `make demo`, the README tour and the tests' fixtures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from evidence.seeds import ISATUXIMAB
from evidence.workflows.load import LoadResult, build_store, load_seed, update_folders
from evidence.workflows.pool import PoolRun, pool_review
from evidence.workflows.prisma import Flow, prisma_flow
from evidence.workflows.reviews import resolve_review
from evidence.workflows.runs import runs_across_last_update

# The seed folder ships inside the package (evidence/seeds/).
DEFAULT_SEED = ISATUXIMAB


@dataclass
class DemoResult:
    load_message: str
    flow: Flow
    run: PoolRun
    updates: list[LoadResult] = field(default_factory=list)
    updated_flow: Flow | None = None
    diff: tuple | None = None  # (from run, to run, [AnalysisDiff]) across the last update
    report: Path | None = None  # the HTML report of the latest run, when asked


def run_demo(url: str | None, seed: Path | None = None, report: Path | None = None) -> DemoResult:
    """Load the review, pool it as published, then apply its update folders and say what changed;
    with `report`, write the HTML report of the latest run there."""
    from evidence.workflows.diff import diff_runs

    seed = seed or DEFAULT_SEED
    engine, loaded = build_store(url, seed)
    message = (
        f"loaded review {loaded.slug!r} ({sum(loaded.counts.values())} rows)"
        if loaded.loaded else f"review {loaded.slug!r} was already loaded: nothing changed"
    )
    result = DemoResult(message, prisma_flow(engine, loaded.slug, update=0), pool_review(engine, loaded.slug))
    result.updates = [load_seed(engine, folder) for folder in update_folders(seed)]
    runs = None
    if result.updates:
        with engine.connect() as connection:
            review_id, _ = resolve_review(connection, loaded.slug)
            runs = runs_across_last_update(connection, review_id)
    if runs:
        result.updated_flow = prisma_flow(engine, loaded.slug)
        result.diff = diff_runs(engine, loaded.slug, *runs)
    if report is not None:
        from evidence.outputs.report import write_report

        write_report(engine, loaded.slug, report)
        result.report = Path(report)
    return result

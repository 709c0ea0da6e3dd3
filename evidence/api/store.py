"""`evidence.open`: a store as an analyst uses it from Python, every answer a pandas DataFrame.

Each method is a thin face over the same library function as its CLI command
(`sql` is `evidence sql`, `reviews` is `evidence review list`, `pool` is
`evidence pool`), so the rules and messages are the same: a write through
`sql` is refused, an unknown review is named, a missing store says to run
`evidence init`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where a DataFrame is made
    import pandas as pd
    import sqlalchemy as sa

    from evidence.workflows.pool import PoolRun


def _url(where: str | os.PathLike | None) -> str:
    """A SQLAlchemy URL from a URL, a path to a DuckDB file, or None ($EVIDENCE_DB, else evidence.duckdb)."""
    from evidence.store.database import resolve_url

    if where is None:
        return resolve_url(None)
    text = os.fspath(where)
    if "://" in text:
        return text
    return f"duckdb:///{Path(text).expanduser().resolve()}"


def open(where: str | os.PathLike | None = None, *, create: bool = False) -> Store:
    """The store at `where`: a path to a DuckDB file, a SQLAlchemy URL (postgresql+psycopg://...), or None
    for $EVIDENCE_DB, else evidence.duckdb in the working folder.

    The store must exist at the latest schema (DatabaseMissingError says to run `evidence init`);
    create=True creates or upgrades it first, as `evidence init` does.
    """
    from evidence.store.database import create_engine, init, require_schema

    url = _url(where)
    if create:
        init(url)
    engine = create_engine(url, read_only=True)
    try:
        require_schema(engine)
    finally:
        engine.dispose()
    return Store(url)


class Store:
    """A store of reviews. Each call opens the database and lets go of it, so a DuckDB file is never held
    between calls and another process (the CLI) can write to it in between; reads open it read-only."""

    def __init__(self, url: str):
        self.url = url

    def __repr__(self) -> str:
        from sqlalchemy.engine import make_url

        return f"<evidence store {make_url(self.url).render_as_string(hide_password=True)}>"

    @contextlib.contextmanager
    def _engine(self, read_only: bool = True) -> Iterator[sa.Engine]:
        from evidence.store.database import create_engine

        engine = create_engine(self.url, read_only=read_only)
        try:
            yield engine
        finally:
            engine.dispose()

    def sql(self, query: str) -> pd.DataFrame:
        """The rows of one read-only statement (as `evidence sql`: anything that would write is refused
        with ReadOnlyError and changes nothing)."""
        from evidence.store.sql import query_frame

        with self._engine() as engine:
            return query_frame(engine, query)

    def reviews(self) -> pd.DataFrame:
        """One row per review: slug, title, included_studies, records, runs (as `evidence review list`)."""
        import pandas as pd

        from evidence.workflows.reviews import list_reviews

        with self._engine() as engine:
            rows = list_reviews(engine)
        return pd.DataFrame(rows, columns=["slug", "title", "included_studies", "records", "runs"])

    def analysis_input(self, review: str | None = None, analysis: str | None = None) -> pd.DataFrame:
        """The rows the review's analyses pool (view analysis_input: one per analysis and study with usable
        data, corrections applied: e_events, e_total, c_events, c_total or yi, se on the analysis scale),
        of one analysis when named. review may be left out when the store holds one."""
        return self._view("analysis_input", review, analysis, "analysis, study", needs_run=False)

    def results(self, review: str | None = None, analysis: str | None = None) -> pd.DataFrame:
        """The review's latest analysis run (view latest_result: one row per analysis and model, `chosen`
        marking the model the review's rule picks, beside the published figures); NotFoundError before
        the first run (pool() makes one)."""
        return self._view("latest_result", review, analysis, "analysis, model", needs_run=True)

    def _view(self, view: str, review: str | None, analysis: str | None, order: str, needs_run: bool) -> pd.DataFrame:
        """A view's rows of one review (found by slug, as every command finds it), of one analysis when named."""
        from evidence.store.database import friendly_errors
        from evidence.store.sql import read_frame
        from evidence.workflows.reviews import resolve_review
        from evidence.workflows.runs import find_analysis, latest_run

        with self._engine() as engine:
            with friendly_errors(), engine.connect() as connection:
                review_id, _ = resolve_review(connection, review)
                if analysis is not None:
                    find_analysis(connection, review_id, analysis)  # an unknown name says which there are
                if needs_run:
                    latest_run(connection, review_id)  # none yet: says to pool first
            where = "review_id = :review" + ("" if analysis is None else " AND analysis = :analysis")
            return read_frame(engine, f"SELECT * FROM {view} WHERE {where} ORDER BY {order}",
                              {"review": review_id, "analysis": analysis})

    def analysis_add(self, name: str, *, outcome: str, measure: str, by: str, review: str | None = None,
                     why: str | None = None, **options: Any) -> dict[str, Any]:
        """Add an analysis to the review's plan (as `evidence analysis add`); options: method, model, level,
        variant, timepoint, subgroup, label. Returns the stored analysis."""
        from evidence.workflows.plan import AnalysisSpec, add_analysis

        with self._engine(read_only=False) as engine:
            return add_analysis(engine, review, AnalysisSpec(name=name, outcome=outcome, measure=measure, **options),
                                by=by, why=why)

    def analyses(self, review: str | None = None) -> pd.DataFrame:
        """The review's analysis plan, one row per analysis (as `evidence analysis list`)."""
        import pandas as pd

        from evidence.workflows.plan import list_analyses

        with self._engine() as engine:
            rows = list_analyses(engine, review)
        return pd.DataFrame(rows, columns=["name", "outcome", "measure", "method", "model", "level", "variant",
                                           "timepoint", "subgroup", "label"])

    def pool(self, review: str | None = None) -> PooledRun:
        """Pool every planned analysis of the review and store the run (as `evidence pool`)."""
        from evidence.workflows.pool import pool_review

        with self._engine(read_only=False) as engine:
            return PooledRun(pool_review(engine, review))


class PooledRun:
    """A stored analysis run: `run_id`, `review`, `analyses` (one AnalysisResult each, both models, the
    published figures and why they differ); `to_frame()` has one row per analysis and model."""

    def __init__(self, run: PoolRun):
        self._run = run
        self.run_id, self.review, self.analyses = run.run_id, run.review, run.analyses
        self.preset, self.inputs_hash = run.preset, run.inputs_hash

    def __repr__(self) -> str:
        return f"<analysis run {self.run_id} of {self.review!r}: {len(self.analyses)} analyses>"

    def summary(self) -> str:
        """The text `evidence pool` prints."""
        from evidence.outputs.text import format_pool

        return format_pool(self._run)

    def to_frame(self) -> pd.DataFrame:
        """One row per analysis and model: run_id, analysis, outcome, measure, method, then the model's
        figures (model, chosen: the review's rule picked it, k, participants, events_experimental,
        events_control, estimate, ci_low, ci_high on the natural scale, te, se, statistic, p, q, q_df,
        q_p, i2, tau2); whole numbers as Int64, missing values as NA."""
        import pandas as pd

        from evidence.workflows.pool import INTEGER_COLUMNS, ModelResult

        columns = ["run_id", "analysis", "outcome", "measure", "method"] + [f.name for f in fields(ModelResult)]
        rows: list[dict[str, Any]] = []
        for result in self.analyses:
            for model in result.models:
                rows.append({"run_id": self.run_id, "analysis": result.analysis, "outcome": result.outcome,
                             "measure": result.measure, "method": result.method, **asdict(model)})
        frame = pd.DataFrame(rows, columns=columns)
        return frame.astype({name: "Int64" for name in INTEGER_COLUMNS} | {"run_id": "int64", "chosen": "bool"})


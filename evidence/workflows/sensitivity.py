"""Re-poolings of one analysis that a run does not store: leave-one-out.

Each study is left out in turn and the rest pooled from the analysis_input rows
with `evidence pool`'s own reader and pooling call, so every convention of the
analysis (measure, MH or IV, tau² estimator, level, model rule) carries over.
The cumulative meta-analysis is stored with every run (workflows/pool.py, view
latest_cumulative).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from evidence.core.pooling import sensitivity
from evidence.errors import NotFoundError
from evidence.workflows import pool as pooling_run
from evidence.workflows.runs import find_analysis


@dataclass
class StepResult:
    """One step of a cumulative or leave-one-out analysis; estimates on the natural scale."""

    study: str
    year: int | None
    k: int
    participants: int | None
    model: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    i2: float | None = None



@dataclass
class LeaveOneOut:
    analysis: dict  # find_analysis's row: name, label, outcome, measure, level, direction, review
    model: str | None  # None: the rule's choice for each set of studies
    rows: list[StepResult]  # one per omitted study (`study` is the one left out), in publication order
    overall: StepResult  # all studies


def optional_number(value):
    """None for a missing or NaN value, else the value."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def leave_one_out(connection: sa.Connection, review_id: int, analysis: str, *,
                  model: str | None = None) -> LeaveOneOut:
    """Leave-one-out of one analysis, pooled now from its analysis_input rows (nothing is stored).

    model: None pools each set of studies with the model the review's rule picks for it; "fixed" or
    "random" forces one.
    """
    found = find_analysis(connection, review_id, analysis)
    plan = next(a for a in pooling_run.read_analyses(connection, [review_id]) if a["id"] == found["id"])
    inputs = pooling_run.read_inputs(connection, [review_id])
    rows = np.flatnonzero(inputs["analysis_id"].astype(np.int64) == found["id"])
    if len(rows) < 2:
        raise NotFoundError(f"analysis {analysis!r} has {len(rows)} trial(s) with usable data:"
                            " leave-one-out needs at least two")
    counted = bool(np.any(~np.isnan(inputs["e_events"][rows].astype(float))))
    config = pooling_run.analysis_config(plan, counted, model)

    def pool_rows(selected, owner, n):
        return pooling_run.pool_call(config, inputs, rows[selected], owner, n)

    group = np.zeros(len(rows), dtype=np.intp)
    everything = pool_rows(np.arange(len(rows)), group, 1)
    resampled = sensitivity.leave_one_out(pool_rows, group, 1)
    rank, year = pooling_run.publication_order(connection, [review_id], inputs["study_id"][rows])
    participants = inputs["participants"][rows].astype(float)

    def row(result, index, study, year_value, count, people) -> StepResult:
        chosen = "random" if result.uses_random[index] else "fixed"
        summary, natural = getattr(result, chosen), result.conventions.to_natural
        estimates = (optional_number(float(natural(getattr(summary, name)[index]))) for name in ("te", "ci_low", "ci_high"))
        return StepResult(study, None if np.isnan(year_value) else int(year_value), int(result.heterogeneity.k[index]),
                          None if np.isnan(people) else int(people), chosen, *estimates,
                          optional_number(float(result.heterogeneity.i2[index])))

    omitted = []
    for index, position in enumerate(resampled.study.tolist()):
        left = np.delete(participants, position)
        omitted.append((rank[position], row(resampled.result, index, str(inputs["study"][rows][position]),
                                            year[position], len(rows) - 1, left.sum())))
    omitted.sort(key=lambda pair: pair[0])
    overall = row(everything, 0, "All studies", np.nan, len(rows), participants.sum())
    return LeaveOneOut(found, model, [r for _, r in omitted], overall)

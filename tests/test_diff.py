"""`evidence diff` and the analysis history: what a new trial changes, run by run."""

from __future__ import annotations

import math

import pytest
import sqlalchemy as sa

from evidence.errors import NotFoundError
from evidence.store import schema
from evidence.workflows.diff import diff_runs
from evidence.workflows.pool import pool_review


def add_synthetic_trial(engine) -> None:
    """A clearly synthetic trial (not real data) with a PFS hazard ratio, to exercise the machinery."""
    with engine.begin() as c:
        review_id = c.execute(sa.select(schema.Review.id)).scalar_one()
        study = c.execute(sa.insert(schema.Study).values(review_id=review_id, label="SYNTHETIC-1", status="included",
                                                         source="synthetic, for tests only").returning(schema.Study.id)).scalar()
        outcome = c.execute(sa.select(schema.Outcome.id).where(schema.Outcome.name == "PFS")).scalar_one()
        c.execute(sa.insert(schema.ContrastEstimate).values(
            outcome_id=outcome, study_id=study, measure="HR", estimate=1.40, ci_low=1.10, ci_high=1.78, ci_level=0.95,
            source_ref="synthetic"))


def test_diff_names_the_added_trial_and_the_changes(loaded):
    with pytest.raises(NotFoundError, match="no analysis run yet"):
        diff_runs(loaded)
    first = pool_review(loaded)
    with pytest.raises(NotFoundError, match="nothing to compare"):
        diff_runs(loaded)
    add_synthetic_trial(loaded)
    second = pool_review(loaded)
    start, end, diffs = diff_runs(loaded)
    assert (start, end) == (first.run_id, second.run_id)
    by_name = {d.analysis: d for d in diffs}
    pfs = by_name["pfs"]
    assert pfs.before["k"] == 4 and pfs.after["k"] == 5
    assert "studies added: SYNTHETIC-1" in pfs.changes
    assert any(c.startswith("estimate ") for c in pfs.changes)
    assert by_name["orr"].changes == []  # the synthetic trial reports no ORR
    with loaded.connect() as c:
        history = c.execute(sa.text(
            "SELECT run_id, k, estimate FROM analysis_history WHERE analysis = 'pfs' ORDER BY run_id")).all()
    assert [h[1] for h in history] == [4, 5] and [h[0] for h in history] == [first.run_id, second.run_id]
    assert not math.isclose(history[0][2], history[1][2])
    with pytest.raises(NotFoundError, match="no analysis run 999"):
        diff_runs(loaded, to_run=999)

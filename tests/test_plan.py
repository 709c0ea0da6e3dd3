"""The analysis plan made without a seed file: `evidence analysis add` checks what a seed's analyses.csv is
checked for, keeps the change in the protocol's history, and a new analysis pools like a seeded one."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from evidence.errors import InputError
from evidence.testing.cli import run
from evidence.workflows.history import protocol_history
from evidence.workflows.plan import AnalysisSpec, add_analysis, list_analyses
from evidence.workflows.pool import pool_review

from .conftest import snapshot, url_of


def test_an_added_analysis_pools_as_the_seeded_one_of_the_same_outcome(loaded):
    """An OR analysis of ORR added by command pools the same 2x2 tables the seeded RR analysis pools."""
    add_analysis(loaded, None, AnalysisSpec(name="orr-or", outcome="ORR", measure="or"), by="ann", why="sensitivity")
    run = pool_review(loaded, None)
    by_name = {result.analysis: result for result in run.analyses}
    assert by_name["orr-or"].measure == "OR" and by_name["orr-or"].method == "MH"
    seeded, added = by_name["orr"], by_name["orr-or"]
    fixed = lambda result: next(m for m in result.models if m.model == "fixed")  # noqa: E731
    assert fixed(added).k == fixed(seeded).k > 0
    assert fixed(added).events_experimental == fixed(seeded).events_experimental
    assert fixed(added).estimate != fixed(seeded).estimate  # an odds ratio, not the risk ratio again
    [event] = [e for e in protocol_history(loaded, None) if e.detail["field"] == "analysis"]
    assert event.what == "added" and event.value.startswith("orr-or: ORR OR (MH") and event.detail["why"] == "sensitivity"
    assert [row["name"] for row in list_analyses(loaded)][-1] == "orr-or"


@pytest.mark.parametrize(("spec", "message"), [
    (AnalysisSpec(name="orr", outcome="ORR", measure="RR"), "analysis 'orr' is already in the plan"),
    (AnalysisSpec(name="x", outcome="QoL", measure="MD"), "--outcome 'QoL' is not an outcome of the review"),
    (AnalysisSpec(name="x", outcome="OS", measure="RR"), "--measure 'RR' does not suit a time_to_event outcome"),
    (AnalysisSpec(name="x", outcome="ORR", measure="RR", method="PETO"), "--method PETO goes with the measure PETO only"),
    (AnalysisSpec(name="x", outcome="OS", measure="HR", method="MH"), "--method MH pools events and totals"),
    (AnalysisSpec(name="x", outcome="ORR", measure="RR", model="bayes"), "--model 'bayes' is not one of"),
    (AnalysisSpec(name="x", outcome="ORR", measure="RR", level=95), "--level 95 is not a level between 0 and 1"),
    (AnalysisSpec(name=" ", outcome="ORR", measure="RR"), "an analysis needs a NAME"),
])
def test_a_bad_analysis_is_refused_in_one_line_and_changes_nothing(loaded, spec, message):
    before = snapshot(loaded)
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        add_analysis(loaded, None, spec, by="ann")
    assert snapshot(loaded) == before


def test_a_time_point_must_be_one_the_form_asks_for(loaded):
    with loaded.begin() as connection:
        review, outcome = connection.execute(sa.text("SELECT review_id, id FROM outcome WHERE name = 'ORR'")).one()
        connection.execute(sa.text("INSERT INTO extraction_form_outcome (review_id, outcome_id, timepoint, position)"
                                   " VALUES (:r, :o, '12 months', 1)"), {"r": review, "o": outcome})
    with pytest.raises(InputError, match="--timepoint '6 months' is not a time point the form asks 'ORR' at"):
        add_analysis(loaded, None, AnalysisSpec(name="x", outcome="ORR", measure="RR", timepoint="6 months"), by="ann")
    row = add_analysis(loaded, None, AnalysisSpec(name="orr-12", outcome="ORR", measure="RR", timepoint="12 months"),
                       by="ann")
    assert row["timepoint"] == "12 months"
    # No ORR data is at 12 months: the analysis has no inputs, and the seeded one still pools.
    with loaded.connect() as connection:
        counts = dict(connection.execute(sa.text(
            "SELECT analysis, COUNT(*) FROM analysis_input GROUP BY analysis")).all())
    assert "orr-12" not in counts and counts["orr"] > 0


def test_the_cli_adds_and_lists_analyses(loaded):
    loaded_url = url_of(loaded)
    added = run("analysis", "add", "os-fixed", "--outcome", "OS", "--measure", "HR", "--model", "fixed",
                "--by", "ann", url=loaded_url)
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "analysis 'os-fixed': OS HR by IV, model fixed"
    listed = run("analysis", "list", url=loaded_url)
    assert listed.stdout.splitlines()[-1] == "os-fixed: OS HR (IV, fixed)"
    refused = run("analysis", "add", "os-fixed", "--outcome", "OS", "--measure", "HR", "--by", "ann", url=loaded_url)
    assert refused.returncode == 2 and refused.stderr.strip().endswith("analysis 'os-fixed' is already in the plan")

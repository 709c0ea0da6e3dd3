"""`evidence history`: the story of a value (as loaded, then each correction) and of a record
(decisions, duplicate links, retrievals): nothing is deleted, so every step is still there."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from evidence.errors import InputError, NotFoundError
from evidence.jobs.example import build_example, record_ids, screening
from evidence.workflows.history import record_history, value_history


def test_a_corrected_value_keeps_its_story(updated):
    # evidence/seeds/isatuximab-mm/arms.csv prints 129; updates/2026-11/corrections.csv corrects it to 179 (FACTS.md finding 1).
    events = value_history(updated, "randomised_n", "IKEMA", arm="experimental")
    assert [(e.what, e.value, e.detail["update"]) for e in events] == [("loaded", 129, 0), ("corrected", "179", 1)]
    assert events[0].detail["from"].endswith("evidence/seeds/isatuximab-mm")
    assert events[1].detail["replaces"] == "129" and "F 101 + M 78" in events[1].detail["reason"]
    # A value never corrected has one event: IKEMA's PFS HR 0.58 (../shared/trials/outcomes.csv).
    (only,) = value_history(updated, "estimate", "IKEMA", outcome="PFS")
    assert (only.what, only.value) == ("loaded", 0.58)
    # The added study came with update 1.
    assert [e.detail["update"] for e in value_history(updated, "status", "IsKia")] == [1]


def test_unknown_values_are_named(updated):
    with pytest.raises(InputError, match="'colour' is not a field of arms"):
        value_history(updated, "colour", "IKEMA", arm="experimental")
    with pytest.raises(NotFoundError, match="no estimates row NOPE/PFS/primary"):
        value_history(updated, "estimate", "NOPE", outcome="PFS")


def test_a_record_keeps_every_decision_and_link(engine):
    build_example(engine)
    ids = record_ids(engine)
    # The record with the most decisions in evidence/seeds/isatuximab-mm-records/screening.csv.
    counts = {}
    for row in screening():
        counts[row["id"]] = counts.get(row["id"], 0) + 1
    busiest = max(counts, key=counts.get)
    decided = [e for e in record_history(engine, ids[busiest]) if e.what == "decided"]
    assert len(decided) == counts[busiest]
    with engine.connect() as c:
        linked = c.execute(sa.text("SELECT record_id, other_record_id, action FROM duplicate_link ORDER BY id")).first()
    assert linked is not None  # the example has cross-database duplicates
    events = record_history(engine, linked[0])
    assert any(e.what == linked[2] and e.value == linked[1] for e in events)
    with pytest.raises(NotFoundError, match="no record 999999"):
        record_history(engine, 999999)

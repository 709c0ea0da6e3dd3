"""PRISMA 2020 flow: reported counts, record-level counts, and the identities between boxes."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from evidence.store import schema
from evidence.workflows.prisma import FIELDS, check_flow, prisma_flow


def test_reported_flow_of_the_seed_review(loaded):
    flow = prisma_flow(loaded)
    # FACTS.md, study flow: 796 identified, 771 excluded on title/abstract, 21 after full text, 4 included.
    assert flow.counts["database_results"] == 796
    assert flow.counts["records_excluded"] == 771
    assert flow.counts["dbr_excluded"] == 21
    assert flow.counts["new_studies"] == 4
    assert flow.counts["total_studies"] == 4
    assert flow.counts["duplicates"] is None  # the review does not say: unknown, not zero
    assert flow.consistent
    assert flow.checks[0].identity == "database_results 796 - records_excluded 771 - dbr_excluded 21 = new_reports 4"
    assert set(flow.as_json()) >= set(FIELDS)


def test_a_flow_that_does_not_add_up_is_reported():
    counts = dict.fromkeys(FIELDS)
    counts.update(database_results=796, records_excluded=771, dbr_excluded=20, new_reports=4, new_studies=5)
    checks = check_flow(counts)
    assert [c.holds for c in checks] == [False, False]
    assert (checks[0].expected, checks[0].found) == (5, 4)


def test_every_identity_of_a_full_flow():
    counts = dict.fromkeys(FIELDS)
    counts.update(database_results=100, register_results=10, duplicates=20, records_screened=90, records_excluded=70,
                  dbr_sought_reports=20, dbr_notretrieved_reports=2, dbr_assessed=18, dbr_excluded=15,
                  new_reports=3, new_studies=2)
    checks = check_flow(counts)
    assert len(checks) == 5 and all(c.holds for c in checks)


def review_with_records(c: sa.Connection, records: int, **review) -> tuple[int, list[int], Callable]:
    """A review "demo" (columns `review`) with `records` records of one search, written directly: (its update's
    id, the record ids, decide(record index, stage, reviewer, decision, role, reason))."""
    review_id = c.execute(sa.insert(schema.Review).values(slug="demo", title="t", **review).returning(schema.Review.id)).scalar()
    update = c.execute(sa.insert(schema.ReviewUpdate).values(review_id=review_id, number=0).returning(schema.ReviewUpdate.id)).scalar()
    search = c.execute(sa.insert(schema.Search).values(review_update_id=update, database="PubMed").returning(schema.Search.id)).scalar()
    ids = [c.execute(sa.insert(schema.Record).values(search_id=search, source_key=str(i)).returning(schema.Record.id)).scalar()
           for i in range(records)]

    def decide(record, stage, reviewer, decision, role="screener", reason=None):
        c.execute(sa.insert(schema.ScreeningDecision).values(
            record_id=ids[record], stage=stage, reviewer=reviewer, decision=decision, role=role, reason=reason))

    return update, ids, decide


def test_record_level_counts_replace_reported_ones(engine):
    """Records, duplicate links, dual screening and retrieval, where they exist, feed the same view."""
    with engine.begin() as c:
        update, ids, decide = review_with_records(c, 7)
        c.execute(sa.insert(schema.ReportedFlowCount).values(review_update_id=update, stage="database_results", count=999))
        # Record 6 duplicates record 0; record 1 was linked too, then the link was undone.
        for record, action in ((ids[6], "link"), (ids[1], "link"), (ids[1], "unlink")):
            c.execute(sa.insert(schema.DuplicateLink).values(
                record_id=record, other_record_id=ids[0], action=action, method="manual", decided_by="a"))
        for reviewer in ("a", "b"):
            decide(0, "title_abstract", reviewer, "include")
            decide(1, "title_abstract", reviewer, "exclude")
            decide(3, "title_abstract", reviewer, "include")
        decide(2, "title_abstract", "a", "include")  # a conflict ...
        decide(2, "title_abstract", "b", "exclude")
        decide(2, "title_abstract", "c", "exclude", role="resolver")  # ... resolved by a third reviewer
        decide(4, "title_abstract", "a", "include")
        decide(4, "title_abstract", "a", "exclude")  # a changed mind: the latest counts
        decide(5, "title_abstract", "a", "maybe")
        c.execute(sa.insert(schema.FullTextRetrieval).values(record_id=ids[5], retrieved=False, recorded_by="a"))
        for reviewer in ("a", "b"):
            decide(0, "full_text", reviewer, "include")
            decide(3, "full_text", reviewer, "exclude", reason="wrong comparator")
    flow = prisma_flow(engine, "demo")
    assert flow.from_records
    expected = dict(database_results=7, duplicates=1, records_screened=6, records_excluded=3, dbr_sought_reports=3,
                    dbr_notretrieved_reports=1, dbr_assessed=2, dbr_excluded=1, new_reports=1)
    assert {k: flow.counts[k] for k in expected} == expected
    assert all(check.holds for check in flow.checks)


def test_under_dual_screening_only_decided_records_are_counted_and_the_rest_await(engine):
    """Dual screening at title/abstract, single at full text: a record one screener decided awaits the second,
    a conflict awaits a resolver; the boxes count decided records and the identities subtract the awaiting."""
    with engine.begin() as c:
        _, ids, decide = review_with_records(c, 6, screening_title_abstract="dual", screening_full_text="single")
        for reviewer in ("a", "b"):
            decide(0, "title_abstract", reviewer, "include")
            decide(1, "title_abstract", reviewer, "exclude")
            decide(2, "title_abstract", reviewer, "include")
        decide(3, "title_abstract", "a", "include")  # one of two screeners: awaiting
        decide(4, "title_abstract", "a", "include")  # a conflict: awaiting a resolver
        decide(4, "title_abstract", "b", "exclude")
        decide(0, "full_text", "a", "include")  # single at full text: decided
        status = dict(c.execute(sa.text("SELECT record_id, final_decision FROM screening_status"
                                         " WHERE stage = 'title_abstract'")).all())
        modes = set(c.execute(sa.text("SELECT stage, mode FROM screening_status")).all())
    assert [status.get(i) for i in ids] == ["include", "exclude", "include", None, None, None]
    assert modes == {("title_abstract", "dual"), ("full_text", "single")}
    flow = prisma_flow(engine, "demo")
    expected = dict(database_results=6, records_awaiting=3, records_screened=3, records_excluded=1, dbr_sought_reports=2,
                    reports_awaiting=1, dbr_assessed=1, new_reports=1)
    assert {k: flow.counts[k] for k in expected} == expected
    assert flow.consistent and flow.awaiting == "3 records at title/abstract, 1 report at full text"
    assert flow.checks[0].identity == "database_results 6 - duplicates 0 - records_awaiting 3 = records_screened 3"

"""Screening: append-only decisions, dual screening with a resolver, sheets, conflicts, agreement."""

from __future__ import annotations

import csv

import pytest
import sqlalchemy as sa

from evidence.core.agreement import cohen_kappa
from evidence.errors import InputError, NotFoundError
from evidence.store import schema
from evidence.workflows.protocol import ProtocolChanges, create_review
from evidence.workflows.reviews import list_reviews
from evidence.workflows.screening import (
    agreement,
    conflicts,
    export_sheet,
    import_sheet,
    next_record,
    record_decision,
    record_retrieval,
)


@pytest.fixture
def records(engine):
    """A singly screened review with six records from one search; returns their ids."""
    create_review(engine, "screening-demo", "Screening demo",
                  ProtocolChanges(screening={"title_abstract": "single", "full_text": "single"}))
    with engine.begin() as c:
        update = c.execute(sa.select(schema.ReviewUpdate.id)).scalar_one()
        search = c.execute(sa.insert(schema.Search).values(review_update_id=update, database="PubMed")
                           .returning(schema.Search.id)).scalar()
        return [c.execute(sa.insert(schema.Record).values(search_id=search, source_key=f"pmid{i}", title=f"Trial {i}")
                          .returning(schema.Record.id)).scalar() for i in range(6)]


def test_create_and_list_reviews(engine):
    create_review(engine, "a-review", "A review")
    assert [r["slug"] for r in list_reviews(engine)] == ["a-review"]
    with pytest.raises(InputError, match="lower-case"):
        create_review(engine, "Bad Slug", "x")


def test_decisions_are_appended_never_changed(engine, records):
    record_decision(engine, records[0], "title_abstract", "ann", "include")
    record_decision(engine, records[0], "title_abstract", "ann", "exclude", reason="not an RCT")
    with engine.connect() as c:
        rows = c.execute(sa.text("SELECT decision, reviewer, decided_at FROM screening_decision ORDER BY id")).all()
        status = c.execute(sa.text("SELECT final_decision FROM screening_status WHERE record_id = :r"),
                           {"r": records[0]}).scalar()
    assert [r[0] for r in rows] == ["include", "exclude"] and all(r[1] == "ann" and r[2] for r in rows)
    assert status == "exclude"
    with pytest.raises(NotFoundError):
        record_decision(engine, 10**6, "title_abstract", "ann", "include")
    with pytest.raises(InputError, match="decision"):
        record_decision(engine, records[0], "title_abstract", "ann", "perhaps")


def test_next_record_walks_one_reviewers_queue(engine, records):
    first = next_record(engine, "screening-demo", "title_abstract", "ann")
    assert first["id"] == records[0] and first["remaining"] == 6
    record_decision(engine, records[0], "title_abstract", "ann", "include")
    assert next_record(engine, "screening-demo", "title_abstract", "ann")["id"] == records[1]
    assert next_record(engine, "screening-demo", "title_abstract", "bob")["id"] == records[0]
    # Full text is offered only for records let through at title/abstract.
    assert next_record(engine, "screening-demo", "full_text", "ann")["id"] == records[0]
    record_decision(engine, records[0], "full_text", "ann", "include")
    assert next_record(engine, "screening-demo", "full_text", "ann") is None


def test_conflicts_until_a_third_reviewer_resolves(engine, records):
    for reviewer, decision in (("ann", "include"), ("bob", "exclude")):
        record_decision(engine, records[1], "title_abstract", reviewer, decision)
    record_decision(engine, records[2], "title_abstract", "ann", "include")
    record_decision(engine, records[2], "title_abstract", "bob", "include")
    found = conflicts(engine, "screening-demo", "title_abstract")
    assert [(c["record_id"], c["decisions"]) for c in found] == [(records[1], {"ann": "include", "bob": "exclude"})]
    record_decision(engine, records[1], "title_abstract", "cat", "exclude", role="resolver")
    assert conflicts(engine, "screening-demo", "title_abstract") == []


def test_sheet_round_trip(engine, records, tmp_path):
    sheet = tmp_path / "sheet.csv"
    assert export_sheet(engine, "screening-demo", "title_abstract", sheet) == 6
    with sheet.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row, decision in zip(rows, ["include", "exclude", "", "maybe", "exclude", ""]):
        row["decision"] = decision
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert import_sheet(engine, "screening-demo", "title_abstract", "dan", sheet) == 4
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT COUNT(*) FROM screening_decision WHERE reviewer = 'dan'")).scalar() == 4


def test_a_bad_sheet_row_imports_nothing(engine, records, tmp_path):
    sheet = tmp_path / "sheet.csv"
    export_sheet(engine, "screening-demo", "title_abstract", sheet)
    text = sheet.read_text(encoding="utf-8").splitlines()
    # decision and reason are the last two columns: row 2 fine, row 3 not a decision
    lines = [text[0], text[1].rsplit(",", 2)[0] + ",include,", text[2].rsplit(",", 2)[0] + ",perhaps,"]
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 3: field 'decision': 'perhaps' is not one of"):
        import_sheet(engine, "screening-demo", "title_abstract", "dan", sheet)
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT COUNT(*) FROM screening_decision")).scalar() == 0


def test_full_text_exclusions_need_a_reason(engine, records, tmp_path):
    record_decision(engine, records[0], "title_abstract", "ann", "include")
    sheet = tmp_path / "ft.csv"
    assert export_sheet(engine, "screening-demo", "full_text", sheet) == 1
    lines = sheet.read_text(encoding="utf-8").splitlines()
    sheet.write_text(lines[0] + "\n" + lines[1].rsplit(",", 2)[0] + ",exclude,\n", encoding="utf-8")
    with pytest.raises(InputError, match="needs its reason"):
        import_sheet(engine, "screening-demo", "full_text", "ann", sheet)


def test_cohen_kappa_hand_computed():
    # 10 records: both include 4, both exclude 3, ann include/bob exclude 2, ann exclude/bob include 1.
    # p_o = 0.7; p_e = 0.6*0.5 + 0.4*0.5 = 0.5; kappa = (0.7 - 0.5) / 0.5 = 0.4.
    pairs = [("i", "i")] * 4 + [("e", "e")] * 3 + [("i", "e")] * 2 + [("e", "i")]
    percent, kappa = cohen_kappa(pairs)
    assert percent == pytest.approx(70.0) and kappa == pytest.approx(0.4)
    assert cohen_kappa([("i", "i")] * 3) == (100.0, None)  # chance agreement 1: kappa undefined


def test_agreement_per_stage_and_pair(engine, records):
    for record, (a, b) in zip(records, [("include", "include"), ("exclude", "exclude"), ("include", "exclude"),
                                        ("exclude", "exclude"), ("include", "include"), ("exclude", "include")]):
        record_decision(engine, record, "title_abstract", "ann", a)
        record_decision(engine, record, "title_abstract", "bob", b)
    [found] = agreement(engine, "screening-demo")
    # p_o = 4/6; ann includes 3/6, bob includes 3/6: p_e = 0.5; kappa = (2/3 - 1/2) / (1/2) = 1/3.
    assert (found.stage, found.reviewer_a, found.reviewer_b, found.records) == ("title_abstract", "ann", "bob", 6)
    assert found.percent_agreement == pytest.approx(100 * 4 / 6) and found.kappa == pytest.approx(1 / 3)


def test_reports_not_retrieved_are_counted(engine, records):
    from evidence.workflows.prisma import prisma_flow

    for record in records[:2]:
        record_decision(engine, record, "title_abstract", "ann", "include")
    record_retrieval(engine, records[0], False, "ann", "no library access")
    record_retrieval(engine, records[1], False, "ann")
    record_retrieval(engine, records[1], True, "ann", "obtained from the authors")  # the latest counts
    flow = prisma_flow(engine, "screening-demo")
    assert (flow.counts["dbr_sought_reports"], flow.counts["dbr_notretrieved_reports"]) == (2, 1)
    with pytest.raises(NotFoundError):
        record_retrieval(engine, 10**6, True, "ann")

"""Screening under the review's protocol: append-only decisions, single and dual screening, the rules every
way of deciding obeys (`screen decide`, the keyboard loop, sheets), sheets, conflicts, agreement."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from evidence.core.agreement import cohen_kappa
from evidence.errors import InputError, NotFoundError
from evidence.store import schema
from evidence.testing.cli import run
from evidence.workflows.dedup import mark_duplicate
from evidence.workflows.prisma import prisma_flow
from evidence.workflows.protocol import ProtocolChanges, create_review
from evidence.workflows.reviews import list_reviews
from evidence.workflows.screening import (
    SHEET_COLUMNS,
    agreement,
    conflicts,
    export_sheet,
    import_sheet,
    next_record,
    record_decision,
    record_retrieval,
)

from .conftest import snapshot, url_of

REASONS = ["wrong population", "not a randomised trial"]
SINGLE = {"title_abstract": "single", "full_text": "single"}


def add_review(engine, slug: str, records: int = 6, **protocol) -> list[int]:
    """A review (dual screening unless `screening` says otherwise, REASONS declared) with records from one
    search; returns their ids."""
    create_review(engine, slug, slug.title(), ProtocolChanges(exclusion_reasons=REASONS, **protocol))
    with engine.begin() as c:
        update = c.execute(sa.text("SELECT u.id FROM review_update u JOIN review r ON r.id = u.review_id"
                                   " WHERE r.slug = :slug"), {"slug": slug}).scalar_one()
        search = c.execute(sa.insert(schema.Search).values(review_update_id=update, database="PubMed")
                           .returning(schema.Search.id)).scalar()
        return [c.execute(sa.insert(schema.Record).values(search_id=search, source_key=f"pmid{i}", title=f"Trial {i}")
                          .returning(schema.Record.id)).scalar() for i in range(records)]


@pytest.fixture
def records(engine):
    """A dually screened review with six records."""
    return add_review(engine, "screening-demo")


@pytest.fixture
def single(engine):
    """A singly screened review with six records."""
    return add_review(engine, "single-demo", screening=SINGLE)


def status(engine, record: int, stage: str = "title_abstract"):
    with engine.connect() as c:
        return c.execute(sa.text("SELECT final_decision, awaiting, mode FROM screening_status"
                                 " WHERE record_id = :r AND stage = :s"), {"r": record, "s": stage}).first()


def write_sheet(path: Path, rows: list[tuple]) -> Path:
    """A filled-in sheet: (record_id, decision, reason) per row, the other columns empty."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(SHEET_COLUMNS)
        writer.writerows([record, *[""] * 7, decision, reason or ""] for record, decision, reason in rows)
    return path


def test_create_and_list_reviews(engine):
    create_review(engine, "a-review", "A review")
    assert [r["slug"] for r in list_reviews(engine)] == ["a-review"]
    with pytest.raises(InputError, match="lower-case"):
        create_review(engine, "Bad Slug", "x")


def test_decisions_are_appended_never_changed(engine, single):
    first = record_decision(engine, single[0], "title_abstract", "ann", "include")
    assert (first.earlier, first.recorded, first.final_decision) == (None, True, "include")
    changed = record_decision(engine, single[0], "title_abstract", "ann", "exclude", reason="not an RCT")
    assert (changed.earlier, changed.changed, changed.final_decision) == ("include", True, "exclude")
    again = record_decision(engine, single[0], "title_abstract", "ann", "exclude", reason="not an RCT")
    assert (again.recorded, again.changed) == (False, False)  # the same decision again: nothing new to keep
    with engine.connect() as c:
        rows = c.execute(sa.text("SELECT decision, reviewer, decided_at FROM screening_decision ORDER BY id")).all()
    assert [r[0] for r in rows] == ["include", "exclude"] and all(r[1] == "ann" and r[2] for r in rows)
    with pytest.raises(NotFoundError):
        record_decision(engine, 10**6, "title_abstract", "ann", "include")
    with pytest.raises(InputError, match="decision"):
        record_decision(engine, single[0], "title_abstract", "ann", "perhaps")


def test_single_screening_one_decision_decides(engine, single):
    record_decision(engine, single[0], "title_abstract", "ann", "include")
    assert tuple(status(engine, single[0])) == ("include", False, "single")
    record_decision(engine, single[0], "title_abstract", "bob", "exclude")  # a second screener disagrees
    assert tuple(status(engine, single[0])) == (None, True, "single")


def test_dual_screening_needs_two_who_agree_or_a_resolver(engine, records):
    one = record_decision(engine, records[0], "title_abstract", "ann", "include")
    assert (one.final_decision, one.awaiting, one.conflict) == (None, True, False)
    assert tuple(status(engine, records[0])) == (None, True, "dual")
    assert record_decision(engine, records[0], "title_abstract", "bob", "include").final_decision == "include"
    record_decision(engine, records[1], "title_abstract", "ann", "include")
    disagree = record_decision(engine, records[1], "title_abstract", "bob", "exclude")
    assert (disagree.awaiting, disagree.conflict) == (True, True)
    resolved = record_decision(engine, records[1], "title_abstract", "cat", "exclude", role="resolver")
    assert (resolved.final_decision, resolved.awaiting) == ("exclude", False)
    # Full text follows its own mode: dual here, so one screener's exclusion decides nothing yet.
    record_decision(engine, records[0], "full_text", "ann", "exclude", reason="wrong population")
    assert tuple(status(engine, records[0], "full_text")) == (None, True, "dual")


def test_prisma_counts_decided_records_and_shows_the_awaiting(engine, records):
    for reviewer in ("ann", "bob"):
        record_decision(engine, records[0], "title_abstract", reviewer, "include")
        record_decision(engine, records[1], "title_abstract", reviewer, "exclude")
    record_decision(engine, records[2], "title_abstract", "ann", "include")  # one of two: awaiting
    record_decision(engine, records[0], "full_text", "ann", "include")  # one of two: awaiting
    flow = prisma_flow(engine, "screening-demo")
    counts = {k: flow.counts[k] for k in ("database_results", "records_awaiting", "records_screened",
                                           "records_excluded", "dbr_sought_reports", "reports_awaiting", "dbr_assessed")}
    assert counts == dict(database_results=6, records_awaiting=4, records_screened=2, records_excluded=1,
                          dbr_sought_reports=1, reports_awaiting=1, dbr_assessed=0)
    assert flow.consistent and flow.awaiting == "4 records at title/abstract, 1 report at full text"
    assert "records_awaiting" in flow.as_json() and "records_awaiting" not in flow.as_prisma2020_csv()


def test_next_record_walks_one_reviewers_queue(engine, records):
    first = next_record(engine, "screening-demo", "title_abstract", "ann")
    assert first["id"] == records[0] and first["remaining"] == 6 and first["reasons"] == []
    record_decision(engine, records[0], "title_abstract", "ann", "include")
    assert next_record(engine, "screening-demo", "title_abstract", "ann")["id"] == records[1]
    assert next_record(engine, "screening-demo", "title_abstract", "bob")["id"] == records[0]
    # Full text is offered only for records let through at title/abstract: under dual screening, by two.
    assert next_record(engine, "screening-demo", "full_text", "ann") is None
    record_decision(engine, records[0], "title_abstract", "bob", "include")
    offered = next_record(engine, "screening-demo", "full_text", "ann")
    assert offered["id"] == records[0] and offered["reasons"] == REASONS
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
    done = import_sheet(engine, "screening-demo", "title_abstract", "dan", sheet)
    assert (done.recorded, done.changed, done.unchanged) == (4, [], 0)
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT COUNT(*) FROM screening_decision WHERE reviewer = 'dan'")).scalar() == 4
    # The same sheet again changes nothing and says so.
    assert import_sheet(engine, "screening-demo", "title_abstract", "dan", sheet).unchanged == 4


def test_a_sheet_says_which_earlier_decisions_it_changes(engine, records, tmp_path):
    record_decision(engine, records[0], "title_abstract", "dan", "include")
    record_decision(engine, records[1], "title_abstract", "dan", "exclude")
    sheet = write_sheet(tmp_path / "sheet.csv", [(records[0], "exclude", ""), (records[1], "exclude", ""),
                                                 (records[2], "include", "")])
    done = import_sheet(engine, "screening-demo", "title_abstract", "dan", sheet)
    assert (done.recorded, done.unchanged) == (2, 1)
    assert [(r.decision.record_id, r.earlier, r.decision.decision) for r in done.changed] == [
        (records[0], "include", "exclude")]


def test_per_reviewer_sheets_leave_out_what_the_reviewer_decided(engine, records, tmp_path):
    record_decision(engine, records[0], "title_abstract", "ann", "include")
    record_decision(engine, records[1], "title_abstract", "ann", "exclude")
    record_decision(engine, records[2], "title_abstract", "bob", "include")
    sheet = tmp_path / "ann.csv"
    assert export_sheet(engine, "screening-demo", "title_abstract", sheet, reviewer="ann") == 4
    with sheet.open(newline="", encoding="utf-8") as handle:
        assert [int(r["record_id"]) for r in csv.DictReader(handle)] == records[2:]
    assert export_sheet(engine, "screening-demo", "title_abstract", tmp_path / "all.csv") == 6
    result = run("screen", "sheet", "--out", str(tmp_path / "bob.csv"), "--reviewer", "bob", url=url_of(engine))
    assert result.returncode == 0 and "wrote 5 records" in result.stdout, result.stderr


def test_a_bad_sheet_row_imports_nothing(engine, records, tmp_path):
    sheet = tmp_path / "sheet.csv"
    export_sheet(engine, "screening-demo", "title_abstract", sheet)
    text = sheet.read_text(encoding="utf-8").splitlines()
    # decision and reason are the last two columns: row 2 fine, row 3 not a decision
    lines = [text[0], text[1].rsplit(",", 2)[0] + ",include,", text[2].rsplit(",", 2)[0] + ",perhaps,"]
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 3: field 'decision': 'perhaps' is not one of"):
        import_sheet(engine, "screening-demo", "title_abstract", "dan", sheet)
    twice = write_sheet(tmp_path / "twice.csv", [(records[0], "include", ""), (records[0], "exclude", "")])
    with pytest.raises(InputError, match=r"row 3: field 'record_id': record \d+ is also on row 2"):
        import_sheet(engine, "screening-demo", "title_abstract", "dan", twice)
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT COUNT(*) FROM screening_decision")).scalar() == 0


def test_a_full_text_exclusion_takes_a_declared_reason_in_the_reviews_spelling(engine, single):
    record_decision(engine, single[0], "title_abstract", "ann", "include")
    recorded = record_decision(engine, single[0], "full_text", "ann", "exclude", reason="  Wrong   Population ")
    assert recorded.decision.reason == "wrong population"
    assert prisma_flow(engine, "single-demo").dbr_excluded_reasons == [("wrong population", 1)]


# --- every rule, refused on every path ---------------------------------------------------------------


@pytest.fixture
def scene(engine):
    """A dually screened review, one record per situation a rule is about; name -> record id."""
    ids = dict(zip(["kept", "duplicate", "excluded", "waiting", "through", "read", "fresh"],
                   add_review(engine, "rules", records=7)))
    mark_duplicate(engine, ids["duplicate"], ids["kept"], "ann")
    for reviewer in ("ann", "bob"):
        record_decision(engine, ids["excluded"], "title_abstract", reviewer, "exclude")
        record_decision(engine, ids["through"], "title_abstract", reviewer, "include")
        record_decision(engine, ids["read"], "title_abstract", reviewer, "include")
    record_decision(engine, ids["waiting"], "title_abstract", "ann", "include")
    record_decision(engine, ids["read"], "full_text", "ann", "include")
    return ids


# (name, stage, record, reviewer, role, decision, reason, field at fault, what the one line says)
RULES = [
    ("duplicate", "title_abstract", "duplicate", "dan", "screener", "include", "", "record_id", "linked as a duplicate"),
    ("excluded at title/abstract", "full_text", "excluded", "ann", "screener", "include", "", "record_id",
     "not let through at title/abstract (it was excluded there)"),
    ("awaiting at title/abstract", "full_text", "waiting", "ann", "screener", "include", "", "record_id",
     "not let through at title/abstract (it awaits a decision there)"),
    ("never screened", "full_text", "fresh", "ann", "screener", "include", "", "record_id",
     "not let through at title/abstract (nobody has screened it there)"),
    ("exclusion without a reason", "full_text", "through", "ann", "screener", "exclude", "", "reason",
     "needs one of the review's reasons"),
    ("undeclared reason", "full_text", "through", "ann", "screener", "exclude", "too small", "reason",
     "'too small' is not one of the review's full-text exclusion reasons"),
    ("screener resolving", "title_abstract", "waiting", "ann", "resolver", "include", "", "record_id",
     "cannot both screen and resolve"),
    ("nothing to resolve", "title_abstract", "fresh", "cat", "resolver", "include", "", "record_id",
     "no screener has decided"),
    ("taking back a let-through", "title_abstract", "read", "bob", "screener", "exclude", "", "decision",
     "already has full-text decisions"),
]


def one_line_refusal(result, *phrases: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]


@pytest.mark.parametrize("rule", RULES, ids=[r[0] for r in RULES])
def test_every_rule_refuses_screen_decide_and_changes_nothing(engine, scene, rule):
    _, stage, record, reviewer, role, decision, reason, _, says = rule
    before = snapshot(engine)
    result = run("screen", "decide", str(scene[record]), "--decision", decision, "--reviewer", reviewer,
                 "--stage", stage, *(["--reason", reason] if reason else []), *(["--resolver"] if role == "resolver" else []),
                 url=url_of(engine))
    one_line_refusal(result, says)
    assert snapshot(engine) == before


@pytest.mark.parametrize("rule", RULES, ids=[r[0] for r in RULES])
def test_every_rule_refuses_a_whole_sheet_naming_file_row_and_field(engine, scene, rule, tmp_path):
    _, stage, record, reviewer, role, decision, reason, field, says = rule
    # A row the rules let through first (a screener's; a resolver here has no record it may settle).
    fine = [] if role == "resolver" else [(scene["through"] if stage == "title_abstract" else scene["read"], "include", "")]
    sheet = write_sheet(tmp_path / "sheet.csv", [*fine, (scene[record], decision, reason)])
    before = snapshot(engine)
    result = run("screen", "import", str(sheet), "--reviewer", reviewer, "--stage", stage,
                 *(["--resolver"] if role == "resolver" else []), url=url_of(engine))
    one_line_refusal(result, f"{sheet}: row {2 + len(fine)}: field {field!r}", says)
    assert snapshot(engine) == before


@pytest.mark.parametrize("answers, stage, says", [
    ("e\n\nq\n", "full_text", "needs one of the review's reasons"),
    ("e\ntoo small\nq\n", "full_text", "is not one of the review's full-text exclusion reasons"),
    ("e\n9\nq\n", "full_text", "'9' is not one of the review's full-text exclusion reasons"),
])
def test_the_keyboard_loop_refuses_on_one_line_and_offers_the_record_again(engine, scene, answers, stage, says):
    before = snapshot(engine)
    result = run("screen", "next", "--reviewer", "dan", "--stage", stage, "--review", "rules", input=answers,
                 url=url_of(engine))
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], result.stderr
    assert result.stdout.count(f"record {scene['through']} ") == 2  # offered, refused, offered again
    assert snapshot(engine) == before


def test_the_keyboard_loop_refuses_taking_back_a_let_through(engine, scene):
    """dan, a third screener, excluding a record two screeners let through and one read in full: a conflict
    would leave its full-text decision stranded, so it is refused; the loop never offers duplicates, nor full
    texts not let through."""
    before = snapshot(engine)
    skip_to_read = "s\n" * [k for k in scene if k not in ("duplicate",)].index("read")
    result = run("screen", "next", "--reviewer", "dan", "--review", "rules", input=skip_to_read + "e\n\nq\n",
                 url=url_of(engine))
    assert result.returncode == 0, result.stderr
    assert "already has full-text decisions" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert f"record {scene['duplicate']} " not in result.stdout
    assert snapshot(engine) == before
    offered = run("screen", "next", "--reviewer", "dan", "--review", "rules", "--stage", "full_text", input="q\n",
                  url=url_of(engine)).stdout
    assert f"record {scene['through']} " in offered
    assert all(f"record {scene[k]} " not in offered for k in ("excluded", "waiting", "fresh", "duplicate"))


def test_decide_says_when_it_changes_the_reviewers_earlier_decision(engine, scene):
    url = url_of(engine)
    changed = run("screen", "decide", str(scene["waiting"]), "--decision", "exclude", "--reviewer", "ann", url=url)
    assert changed.returncode == 0 and "changes your earlier decision include" in changed.stdout, changed.stderr
    same = run("screen", "decide", str(scene["waiting"]), "--decision", "exclude", "--reviewer", "ann", url=url)
    assert same.returncode == 0 and same.stdout.startswith("unchanged:")
    both = run("screen", "decide", str(scene["waiting"]), "--decision", "include", "--reviewer", "bob", url=url)
    assert "screeners disagree: the record awaits a resolver" in both.stdout


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


def test_reports_not_retrieved_are_counted(engine, single):
    for record in single[:2]:
        record_decision(engine, record, "title_abstract", "ann", "include")
    record_retrieval(engine, single[0], False, "ann", "no library access")
    record_retrieval(engine, single[1], False, "ann")
    record_retrieval(engine, single[1], True, "ann", "obtained from the authors")  # the latest counts
    flow = prisma_flow(engine, "single-demo")
    assert (flow.counts["dbr_sought_reports"], flow.counts["dbr_notretrieved_reports"]) == (2, 1)
    assert flow.counts["reports_awaiting"] == 1 and flow.consistent  # the retrieved one awaits its full-text decision
    with pytest.raises(NotFoundError):
        record_retrieval(engine, 10**6, True, "ann")

"""Search exports into the store, duplicates linked (never deleted), and PRISMA from the records."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from evidence.errors import AlreadyLoadedError, InputError
from evidence.workflows.dedup import (
    deduplicate,
    duplicate_groups,
    mark_duplicate,
    open_candidates,
    resolve_candidate,
    unlink,
)
from evidence.workflows.prisma import prisma_flow
from evidence.workflows.protocol import ProtocolChanges, create_review
from evidence.workflows.records import import_records
from evidence.workflows.screening import record_decision

from .conftest import SHARED, snapshot

EXPORTS = SHARED / "data" / "exports"
pytestmark = pytest.mark.skipif(not EXPORTS.is_dir(), reason=f"shared exports not found at {EXPORTS}")
DAY = dt.date(2024, 1, 1)


def count(engine, sql, **params):
    with engine.connect() as c:
        return c.execute(sa.text(sql), params).scalar()


@pytest.fixture
def review(engine):
    """A review one reviewer screens (single screening), with the reason its full texts are excluded for."""
    create_review(engine, "blue-light", "Blue-light filtering spectacles", ProtocolChanges(
        screening={"title_abstract": "single", "full_text": "single"}, exclusion_reasons=["wrong population"]))
    return engine


def test_import_keeps_source_keys_and_raw_fields(review):
    result = import_records(review, EXPORTS / "reflib_blue-light.nbib", review="blue-light", database="PubMed",
                            searched=DAY, query="blue light")
    # reflib_blue-light.nbib holds one "PMID- " line per record.
    expected = sum(1 for line in (EXPORTS / "reflib_blue-light.nbib").read_text(encoding="utf-8").splitlines()
                   if line.startswith("PMID- "))
    assert (result.format, result.imported, result.rejected) == ("medline", expected, 0)
    with review.connect() as c:
        key, raw, line = c.execute(sa.text("SELECT source_key, raw, line FROM record ORDER BY line LIMIT 1")).one()
        found = c.execute(sa.text("SELECT records_found, date_run, query FROM search")).one()
    assert json.loads(raw)["PMID"] == [key] and line >= 1
    assert tuple(found) == (expected, DAY, "blue light")


def test_the_same_file_twice_is_refused_and_changes_nothing(review):
    import_records(review, EXPORTS / "reflib_blue-light.ris", review="blue-light", database="Embase", searched=DAY)
    before = snapshot(review)
    with pytest.raises(AlreadyLoadedError, match="already imported"):
        import_records(review, EXPORTS / "reflib_blue-light.ris", review="blue-light", database="Embase", searched=DAY)
    assert snapshot(review) == before


def test_a_file_with_bad_records_imports_nothing_unless_asked(review, tmp_path):
    bad = tmp_path / "bad.ris"
    bad.write_text("TY  - JOUR\nID  - 1\nTI  - A good trial\nPY  - 2020\nER  - \n"
                   "TY  - JOUR\nID  - 2\nPY  - 2021\nER  - \n"
                   "TY  - JOUR\nID  - 3\nTI  - Another trial\nPY  - 20x1\nER  - \n", encoding="utf-8")
    before = snapshot(review)
    with pytest.raises(InputError) as raised:
        import_records(review, bad, review="blue-light", database="Scopus", searched=DAY)
    message = str(raised.value)
    assert "2 invalid record(s) at line(s) 6, 10, nothing imported" in message and "year" in message
    assert "\n" not in message
    assert snapshot(review) == before
    result = import_records(review, bad, review="blue-light", database="Scopus", searched=DAY, skip_invalid=True)
    assert (result.imported, result.rejected) == (1, 2)
    assert count(review, "SELECT COUNT(*) FROM rejected_record") == 2


def test_dedup_links_never_deletes_and_can_be_undone(review):
    for path, database in (("reflib_blue-light.nbib", "PubMed"), ("reflib_blue-light.ris", "Embase")):
        import_records(review, EXPORTS / path, review="blue-light", database=database, searched=DAY)
    records = count(review, "SELECT COUNT(*) FROM record")
    first = deduplicate(review, "blue-light")
    assert first.linked > 0 and len(first.groups) > 0
    assert count(review, "SELECT COUNT(*) FROM record") == records  # nothing deleted
    again = deduplicate(review, "blue-light")
    assert (again.linked, again.queued) == (0, 0) and again.groups == first.groups  # decided once
    duplicate_id = count(review, "SELECT MIN(record_id) FROM record_duplicate")
    unlink(review, duplicate_id, "ann", "not the same report")
    assert count(review, "SELECT COUNT(*) FROM record_duplicate") == first.linked - 1
    assert count(review, "SELECT COUNT(*) FROM duplicate_link") == first.linked + 1  # the story keeps both rows
    assert deduplicate(review, "blue-light").linked == 0  # a person's undo is not redone by the machine
    flow = prisma_flow(review, "blue-light")
    assert flow.counts["database_results"] == records and flow.counts["duplicates"] == first.linked - 1


def test_queued_pairs_are_resolved_by_a_person(review, tmp_path):
    export = tmp_path / "pair.ris"
    export.write_text(
        "TY  - JOUR\nID  - a\nTI  - Isatuximab plus pomalidomide in relapsed myeloma: final overall survival\n"
        "AU  - Richardson, P. G.\nPY  - 2022\nJO  - Lancet Oncol\nVL  - 23\nSP  - 416\nER  - \n"
        "TY  - JOUR\nID  - b\nTI  - Isatuximab plus pomalidomide in relapsed myeloma: final overall survival analysis\n"
        "AU  - Richardson, Paul\nPY  - 2022\nER  - \n", encoding="utf-8")
    import_records(review, export, review="blue-light", database="PubMed", searched=DAY)
    result = deduplicate(review, "blue-light")
    if result.queued:
        [pair] = open_candidates(review, "blue-light")
        resolve_candidate(review, pair["id"], duplicate=True, decided_by="ann")
        assert open_candidates(review, "blue-light") == []
    assert len(duplicate_groups(review, "blue-light")) == 1


def test_a_duplicate_found_during_screening_leaves_the_counts(review, tmp_path):
    import_records(review, EXPORTS / "reflib_blue-light.nbib", review="blue-light", database="PubMed", searched=DAY)
    ids = [row for row in sa_ids(review)]
    for record in ids[:3]:
        record_decision(review, record, "title_abstract", "ann", "include")
    assert prisma_flow(review, "blue-light").counts["records_screened"] == 3
    mark_duplicate(review, ids[1], ids[0], "ann", "same trial, second report of the abstract")
    flow = prisma_flow(review, "blue-light")
    assert (flow.counts["duplicates"], flow.counts["records_screened"]) == (1, 2)


def sa_ids(engine):
    with engine.connect() as c:
        return c.execute(sa.text("SELECT id FROM record ORDER BY id")).scalars().all()


def test_included_full_texts_become_reports_of_studies(review, tmp_path):
    import_records(review, EXPORTS / "reflib_blue-light.nbib", review="blue-light", database="PubMed", searched=DAY)
    first, second, third = sa_ids(review)[:3]
    for record in (first, second, third):
        record_decision(review, record, "title_abstract", "ann", "include")
    record_decision(review, first, "full_text", "ann", "include")
    record_decision(review, second, "full_text", "ann", "include")
    record_decision(review, third, "full_text", "ann", "exclude", reason="wrong population")
    from evidence.workflows.studies import include_report

    assert include_report(review, "blue-light", first, "Trial A")[1] is True
    assert include_report(review, "blue-light", second, "Trial A", report="follow-up")[1] is False  # a second report
    with pytest.raises(InputError, match="not included at full text"):
        include_report(review, "blue-light", third, "Trial B")
    flow = prisma_flow(review, "blue-light")
    assert (flow.counts["new_reports"], flow.counts["new_studies"], flow.counts["dbr_excluded"]) == (2, 1, 1)
    assert flow.dbr_excluded_reasons == [("wrong population", 1)]
    csv_text = flow.as_prisma2020_csv()
    assert csv_text.splitlines()[0] == "data,node,box,description,boxtext,tooltips,url,n"
    assert '"wrong population, 1"' in csv_text or "wrong population, 1" in csv_text

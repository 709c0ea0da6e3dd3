"""Living review updates: an update folder is applied in one transaction with its own analysis run;
corrections keep the old and the new value; PRISMA counts previous, new and dropped studies.

The real first update is evidence/seeds/isatuximab-mm/updates/2026-11 (sourced from ../shared/trials/);
the other updates here are synthetic folders written by the tests, marked as such in every row.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from evidence.errors import AlreadyLoadedError, InputError, NotFoundError
from evidence.workflows.diff import diff_runs
from evidence.workflows.load import load_seed
from evidence.workflows.prisma import prisma_flow

from .conftest import UPDATE_1, snapshot


def rows(engine, sql: str, **params) -> list:
    with engine.connect() as connection:
        return connection.execute(sa.text(sql), params).all()


def write_update(folder: Path, yaml_text: str, files: dict[str, list[list[str]]]) -> Path:
    folder.mkdir(parents=True)
    (folder / "update.yaml").write_text(yaml_text, encoding="utf-8")
    for name, table in files.items():
        with (folder / name).open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(table)
    return folder


SYNTHETIC = {
    "studies.csv": [["study", "registry_id", "first_author", "year", "design", "setting", "status", "source"],
                    ["SYNTHETIC-1", "", "Nobody", "2026", "parallel RCT", "synthetic", "included", "synthetic, for tests only"]],
    "arms.csv": [["study", "arm", "regimen", "regimen_text", "randomised_n", "safety_n", "aged_65_plus", "women", "men",
                  "iss_stage_2plus_pct", "median_prior_lines", "source"],
                 ["SYNTHETIC-1", "experimental", "X", "", "100", "", "", "", "", "", "", "synthetic"],
                 ["SYNTHETIC-1", "control", "Y", "", "100", "", "", "", "", "", "", "synthetic"]],
    "estimates.csv": [["study", "outcome", "variant", "measure", "estimate", "ci_low", "ci_high", "ci_level", "population",
                       "source_ref", "source_quote"],
                      ["SYNTHETIC-1", "PFS", "primary", "HR", "1.40", "1.10", "1.78", "0.95", "ITT", "synthetic", ""]],
    "corrections.csv": [["table", "study", "arm", "outcome", "variant", "field", "printed", "corrected", "reason", "source"],
                        ["estimates", "IKEMA", "", "PFS", "primary", "estimate", "", "0.60", "synthetic later data cut", "synthetic"],
                        ["estimates", "IKEMA", "", "PFS", "primary", "source_ref", "", "synthetic source", "synthetic later data cut", "synthetic"],
                        ["studies", "ICARIA-MM", "", "", "", "status", "included", "excluded", "synthetic: dropped to test PRISMA", "synthetic"]],
}


def test_the_real_first_update(updated):
    # evidence/seeds/isatuximab-mm/updates/2026-11: IsKia (NCT04483739, ../shared/trials/outcomes.csv, every outcome MISSING)
    # included without data, and table 1's misprints corrected (FACTS.md findings 1 and 3).
    flow = prisma_flow(updated)
    assert flow.update_number == 1
    counts = flow.counts
    assert (counts["previous_studies"], counts["previous_reports"]) == (4, 4)  # FACTS.md: 4 studies from 4 articles
    assert (counts["new_studies"], counts["new_reports"], counts["dropped_studies"]) == (1, 1, 0)
    assert (counts["total_studies"], counts["total_reports"]) == (5, 5)
    assert flow.consistent
    original = prisma_flow(updated, update=0)
    assert original.counts["total_studies"] == 4 and original.consistent
    with pytest.raises(NotFoundError, match="no update 7"):
        prisma_flow(updated, update=7)

    runs = rows(updated, "SELECT r.id, u.number FROM analysis_run r JOIN review_update u ON u.id = r.review_update_id ORDER BY r.id")
    assert [number for _, number in runs] == [0, 1]
    start, end, diffs = diff_runs(updated)
    assert (start, end) == (runs[0][0], runs[1][0])
    pfs = {d.analysis: d for d in diffs}["pfs"]
    # PFS participants: IKEMA 129 + 123 printed -> 179 + 123 corrected; the HRs do not change.
    assert pfs.before["participants"] + 50 == pfs.after["participants"]
    assert pfs.before["estimate"] == pfs.after["estimate"]
    assert any("corrected in update 1: IKEMA experimental randomised_n 129 -> 179" in c for c in pfs.changes)
    assert {d.analysis: d for d in diffs}["orr"].changes == []  # IsKia has no ORR data
    # Pooling shows IsKia as included without usable data (every IsKia value is MISSING in the trial file).
    from evidence.workflows.pool import pool_review

    by_name = {a.analysis: a for a in pool_review(updated).analyses}
    assert by_name["pfs"].without_data == ["IsKia"]
    assert by_name["orr"].without_data == ["GMMG-HD7", "IMROZ", "IsKia"]


def test_reloading_an_update_changes_nothing(updated):
    before = snapshot(updated)
    result = load_seed(updated, UPDATE_1)
    assert not result.loaded and result.update == 1
    assert snapshot(updated) == before


def test_cumulative_results_end_at_the_pooled_result(updated):
    final = rows(updated, """
        SELECT c.estimate, c.ci_low, c.ci_high, p.estimate, p.ci_low, p.ci_high, c.k
        FROM cumulative_result c
        JOIN pooled_result p ON p.run_id = c.run_id AND p.analysis_id = c.analysis_id AND p.model = c.model
        JOIN analysis an ON an.id = c.analysis_id
        WHERE an.name = 'pfs' AND c.step = c.k AND c.k = p.k""")
    assert len(final) == 4  # two runs, two models
    for cumulative_estimate, low, high, estimate, p_low, p_high, _ in final:
        assert (cumulative_estimate, low, high) == pytest.approx((estimate, p_low, p_high), rel=1e-12)
    order = rows(updated, """
        SELECT s.label, c.year FROM cumulative_result c JOIN analysis an ON an.id = c.analysis_id
        JOIN study s ON s.id = c.study_id WHERE an.name = 'pfs' AND c.model = 'fixed'
        AND c.run_id = (SELECT MAX(id) FROM analysis_run) ORDER BY c.step""")
    # Earliest journal report per trial in evidence/seeds/isatuximab-mm/reports.csv: Attal 2019, Moreau 2021,
    # Goldschmidt 2022, Facon 2024.
    assert order == [("ICARIA-MM", 2019), ("IKEMA", 2021), ("GMMG-HD7", 2022), ("IMROZ", 2024)]


def test_a_synthetic_update_adds_a_trial_corrects_an_estimate_and_drops_a_study(updated, tmp_path):
    folder = write_update(tmp_path / "2027-01", "review: isatuximab-mm\nlabel: synthetic test update\n", SYNTHETIC)
    with updated.begin() as connection:  # a clinically meaningful HR the (test's) protocol plans for PFS
        connection.execute(sa.text("UPDATE analysis SET threshold = 0.75 WHERE name = 'pfs'"))
    result = load_seed(updated, folder)
    assert result.loaded and result.update == 2 and result.run_id is not None
    # The correction keeps the old and the new value; the view uses the new one.
    stored = rows(updated, "SELECT printed, corrected FROM correction WHERE field = 'estimate'")
    assert stored == [("0.58", "0.60")]  # 0.58: IKEMA PFS HR in ../shared/trials/outcomes.csv
    assert rows(updated, "SELECT ce.estimate FROM contrast_estimate ce JOIN study s ON s.id = ce.study_id"
                         " WHERE s.label = 'IKEMA' AND ce.variant = 'primary' AND ce.measure = 'HR'"
                         " AND ce.outcome_id = (SELECT id FROM outcome WHERE name = 'PFS')") == [(0.58,)]
    current = rows(updated, "SELECT c.estimate, c.source_ref, c.corrections FROM contrast_current c JOIN study s ON s.id = c.study_id"
                            " WHERE s.label = 'IKEMA' AND c.variant = 'primary' AND c.outcome_id = (SELECT id FROM outcome WHERE name = 'PFS')")
    assert current == [(0.60, "synthetic source", 2)]
    flow = prisma_flow(updated)
    counts = flow.counts
    assert (counts["previous_studies"], counts["new_studies"], counts["dropped_studies"], counts["total_studies"]) == (5, 1, 1, 5)
    assert flow.consistent
    pfs = {d.analysis: d for d in diff_runs(updated)[2]}["pfs"]
    assert "studies added: SYNTHETIC-1" in pfs.changes and "studies dropped: ICARIA-MM" in pfs.changes
    assert "studies whose data changed: IKEMA" in pfs.changes
    assert any("corrected in update 2: ICARIA-MM status included -> excluded" in c for c in pfs.changes)
    # Before: 0.62 (0.53 to 0.72), wholly below 0.75; after, the CI spans it and the effect is no longer significant.
    assert "conclusion changed: the CI against the planned threshold 0.75 moved from below to across" in pfs.changes
    assert "conclusion changed: significant at the review's alpha True -> False" in pfs.changes


BAD = [
    ("corrections.csv", [["table", "study", "arm", "field", "printed", "corrected", "reason", "source"],
                         ["arms", "IKEMA", "experimental", "randomised_n", "130", "181", "test", ""]],
     "corrections.csv: row 2: field 'printed': '130' is not the value this corrects: it is '179'"),
    ("corrections.csv", [["table", "study", "arm", "outcome", "variant", "field", "printed", "corrected", "reason", "source"],
                         ["dichotomous", "IKEMA", "experimental", "ORR", "primary", "events", "", "500", "test", ""]],
     "field 'corrected': the corrected row has 500 events out of 179"),
    ("corrections.csv", [["table", "study", "arm", "outcome", "variant", "field", "printed", "corrected", "reason", "source"],
                         ["estimates", "IKEMA", "", "PFS", "primary", "ci_high", "", "0.5", "test", ""]],
     "does not contain the estimate"),
    ("corrections.csv", [["table", "study", "arm", "field", "printed", "corrected", "reason", "source"],
                         ["studies", "IKEMA", "", "status", "", "excluded", "", ""]],
     "field 'reason': is empty but required"),
    ("studies.csv", [["study", "registry_id", "first_author", "year", "design", "setting", "status", "source"],
                     ["IKEMA", "", "", "", "", "", "included", ""]],
     "IKEMA is already a study of the review in the store"),
    ("estimates.csv", [["study", "outcome", "variant", "measure", "estimate", "ci_low", "ci_high", "ci_level", "population",
                        "source_ref", "source_quote"],
                       ["NOT-A-TRIAL", "PFS", "primary", "HR", "0.5", "0.4", "0.6", "0.95", "", "", ""]],
     "NOT-A-TRIAL is not a study in studies.csv of this seed or of the review it updates"),
]


@pytest.mark.parametrize("name,table,problem", BAD, ids=[b[2][:40] for b in BAD])
def test_a_bad_update_changes_nothing_and_names_file_row_field(updated, tmp_path, name, table, problem):
    folder = write_update(tmp_path / "bad", "review: isatuximab-mm\n", {name: table})
    before = snapshot(updated)
    with pytest.raises(InputError) as raised:
        load_seed(updated, folder)
    message = str(raised.value)
    assert problem in message and "\n" not in message and str(folder) in message
    assert snapshot(updated) == before


def test_update_numbers_and_reviews_are_checked(updated, tmp_path):
    claims_one = write_update(tmp_path / "other", "review: isatuximab-mm\nnumber: 1\n", {})
    with pytest.raises(AlreadyLoadedError, match="update 1 of review 'isatuximab-mm' is already loaded"):
        load_seed(updated, claims_one)
    skips = write_update(tmp_path / "skip", "review: isatuximab-mm\nnumber: 5\n", {})
    with pytest.raises(InputError, match="5 is not the next update"):
        load_seed(updated, skips)
    unknown = write_update(tmp_path / "unknown", "review: no-such-review\n", {})
    with pytest.raises(NotFoundError, match="load the review's own folder before its updates"):
        load_seed(updated, unknown)
    bad_yaml = write_update(tmp_path / "yaml", "review: isatuximab-mm\nsearched: yesterday\n", {})
    with pytest.raises(InputError, match="field 'searched': is not a field of update.yaml"):
        load_seed(updated, bad_yaml)


def test_an_update_of_a_review_never_pooled_gets_a_run_for_its_previous_state(loaded):
    assert rows(loaded, "SELECT COUNT(*) FROM analysis_run") == [(0,)]
    load_seed(loaded, UPDATE_1)
    assert [n for (n,) in rows(loaded, "SELECT u.number FROM analysis_run r JOIN review_update u"
                                       " ON u.id = r.review_update_id ORDER BY r.id")] == [0, 1]


def test_an_update_whose_search_round_brings_records(updated, tmp_path):
    """Update 2 (synthetic: the worked example's real citations re-used as this round's exports) screens
    records; its PRISMA boxes come from them, and reports of trials already included add reports, not studies."""
    import datetime as dt

    from evidence.jobs.example import (
        EXCLUSION_REASONS,
        citations,
        include_reports,
        record_ids,
        screening,
        write_exports,
    )
    from evidence.workflows.dedup import deduplicate
    from evidence.workflows.protocol import ProtocolChanges, edit_review
    from evidence.workflows.records import import_records
    from evidence.workflows.screening import record_decision

    load_seed(updated, write_update(tmp_path / "2027-02", "review: isatuximab-mm\nsearched_to: 2027-02-01\n", {}))
    # The seed's review declares no full-text exclusion reasons; this round's decisions need theirs.
    edit_review(updated, "isatuximab-mm", ProtocolChanges(exclusion_reasons=EXCLUSION_REASONS), by="test",
                why="the exclusion reasons of the search round's screening")
    for database, path in write_exports(tmp_path / "exports").items():
        import_records(updated, path, review="isatuximab-mm", database=database, searched=dt.date(2027, 2, 1))
    deduplicate(updated, "isatuximab-mm")
    ids = record_ids(updated, "isatuximab-mm")
    for row in screening():
        record_decision(updated, ids[row["id"]], row["stage"], row["reviewer"], row["decision"],
                        reason=row["reason"] or None, role=row["role"])
    reports = include_reports(updated, "isatuximab-mm")
    flow = prisma_flow(updated)
    counts = flow.counts
    assert flow.update_number == 2 and flow.from_records
    assert counts["database_results"] == len(citations())  # evidence/seeds/isatuximab-mm-records/citations.csv
    assert counts["new_reports"] == reports
    # Every included full text reports ICARIA-MM, IKEMA, IMROZ or GMMG-HD7, included since update 0.
    assert (counts["previous_studies"], counts["new_studies"], counts["total_studies"]) == (5, 0, 5)
    assert counts["total_reports"] == counts["previous_reports"] + reports
    assert all(check.holds for check in flow.checks if "total_studies" in check.identity)

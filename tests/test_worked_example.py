"""The worked example (evidence/seeds/isatuximab-mm-records): real citations of the isatuximab trials' reports,
from two databases' exports to included studies, in the library and through the seed README's tour.

Every expected number is counted here from the seed's citations.csv and screening.csv, never typed in.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from evidence.formats.citations import FIELDS, read_records
from evidence.jobs.example import SEED, SLUG, build_example, citations, screening, source_key, write_exports
from evidence.workflows.dedup import duplicate_groups, open_candidates

CITATIONS = citations()
SCREENING = screening()


def final_decisions(stage: str) -> dict[str, tuple[str, str | None]]:
    """Citation id -> (final decision, reason) at a stage: the resolver's, else the screeners' common one
    (as the view screening_status decides)."""
    made: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for row in SCREENING:
        if row["stage"] == stage:
            made[row["id"]][row["role"]].add((row["decision"], row["reason"] or None))
    final = {}
    for citation, by_role in made.items():
        decisions = by_role["resolver"] or by_role["screener"]
        [decision] = {d for d, _ in decisions}  # more than one: a conflict screening.csv leaves open
        final[citation] = decision, min((r for _, r in decisions if r), default=None)
    return final


@dataclass
class Expected:
    per_database: dict[str, int]
    pairs: list[tuple[dict, dict]]  # (PubMed record kept, Embase copy)
    counts: dict[str, int]
    reasons: dict[str, int]
    reports: dict[str, set[str]]  # study -> citation ids of its reports


def expected() -> Expected:
    pubmed = [c for c in CITATIONS if c["database"] == "PubMed"]
    # The cross-database copies: an Embase record with a PubMed record's title.
    pairs = [(p, e) for e in CITATIONS if e["database"] == "Embase" for p in pubmed
             if p["title"].casefold() == e["title"].casefold()]
    copies = {e["id"] for _, e in pairs}
    title_abstract, full_text = final_decisions("title_abstract"), final_decisions("full_text")
    assert set(title_abstract) == {c["id"] for c in CITATIONS} - copies  # every record left is screened
    sought = {c for c, (d, _) in title_abstract.items() if d in ("include", "maybe")}
    assert set(full_text) == sought  # every report sought is assessed (none missing)
    included = {c for c, (d, _) in full_text.items() if d == "include"}
    reports = defaultdict(set)
    for row in SCREENING:
        if row["stage"] == "full_text" and row["id"] in included:
            reports[row["study"]].add(row["id"])
    reasons = Counter(r for d, r in full_text.values() if d == "exclude")
    counts = {
        "database_results": len(CITATIONS), "duplicates": len(pairs), "records_screened": len(title_abstract),
        "records_excluded": len(title_abstract) - len(sought), "dbr_sought_reports": len(sought),
        "dbr_notretrieved_reports": 0, "dbr_assessed": len(full_text), "dbr_excluded": sum(reasons.values()),
        "new_reports": len(included), "new_studies": len(reports),
    }
    return Expected(dict(Counter(c["database"] for c in CITATIONS)), pairs, counts, dict(reasons), dict(reports))


EXPECTED = expected()


def test_the_seed_is_the_four_trials_with_copies_conflicts_and_exclusions():
    # What makes the example worth working through, so a change to the seed cannot quietly drop it.
    assert set(EXPECTED.reports) == {"ICARIA-MM", "IKEMA", "IMROZ", "GMMG-HD7"}
    assert EXPECTED.counts["duplicates"] >= 2 and len(EXPECTED.reasons) >= 2
    assert any(row["role"] == "resolver" for row in SCREENING)
    assert all(row["source_url"] for row in CITATIONS)


def test_exports_read_back_as_the_citations(tmp_path):
    files = write_exports(tmp_path)
    for database, path in files.items():
        parsed = read_records(path)
        assert parsed.format == {"PubMed": "medline", "Embase": "ris"}[database] and parsed.rejected == []
        rows = {source_key(c): c for c in CITATIONS if c["database"] == database}
        assert [r["source_key"] for r in parsed.records] == list(rows)
        for record in parsed.records:
            row = rows[record["source_key"]]
            written = {f: (int(row[f]) if f == "year" else row[f] or None) for f in FIELDS}
            assert {f: record[f] for f in FIELDS} == written


def test_worked_example_from_import_to_included_studies(engine):
    flow = build_example(engine)

    assert flow.from_records and flow.consistent, [c.identity for c in flow.checks if not c.holds]
    assert {k: flow.counts[k] for k in EXPECTED.counts} == EXPECTED.counts
    assert dict(flow.database_specific_results) == EXPECTED.per_database
    assert dict(flow.dbr_excluded_reasons) == EXPECTED.reasons

    # Deduplication linked exactly the cross-database copies to the PubMed records, queued nothing,
    # and says how it matched: by DOI where both have one, else by the rules.
    assert sorted(duplicate_groups(engine, SLUG)) == sorted([source_key(p), source_key(e)] for p, e in EXPECTED.pairs)
    assert open_candidates(engine, SLUG) == []
    with engine.connect() as connection:
        methods = dict(connection.execute(sa.text(
            "SELECT rec.source_key, d.method FROM record_duplicate d JOIN record rec ON rec.id = d.record_id")).all())
        reports = connection.execute(sa.text(
            "SELECT s.label, rp.label FROM report rp JOIN study s ON s.id = rp.study_id"
            " JOIN review r ON r.id = s.review_id WHERE r.slug = :slug"), {"slug": SLUG}).all()
    assert methods == {source_key(e): "doi" if p["doi"] and e["doi"] else "rules" for p, e in EXPECTED.pairs}

    by_study = defaultdict(set)
    for study, report in reports:
        by_study[study].add(report)
    assert dict(by_study) == EXPECTED.reports


def tour_script() -> str:
    """The shell block under the seed README's "Tour" heading."""
    readme = (SEED / "README.md").read_text(encoding="utf-8")
    return re.search(r"^## Tour\n.*?```sh\n(.*?)```", readme, re.S | re.M).group(1)


@pytest.mark.slow  # the tour as a user types it: a new process per command
def test_readme_tour_runs_on_a_duckdb_file(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "EVIDENCE_DEBUG"}
    env.update(EVIDENCE_DB=f"duckdb:///{tmp_path / 'example.duckdb'}",
               PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]))

    def run(script: str) -> str:
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    run(tour_script())
    groups = json.loads(run("evidence dedup --json"))["groups"]
    assert sorted(groups) == sorted([source_key(p), source_key(e)] for p, e in EXPECTED.pairs)
    flow = json.loads(run("evidence prisma --json"))
    assert {k: flow[k] for k in EXPECTED.counts} == EXPECTED.counts
    assert all(check["holds"] for check in flow["checks"])
    assert {d["database"]: d["n"] for d in flow["database_specific_results"]} == EXPECTED.per_database

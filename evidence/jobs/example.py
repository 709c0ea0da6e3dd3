"""The worked example: real citation records of the isatuximab trials, from search exports to included studies.

`evidence/seeds/isatuximab-mm-records` holds the citations (`citations.csv`, one row per record a
database returned) and two reviewers' decisions on them (`screening.csv`). This module
writes the PubMed MEDLINE and Embase RIS exports from the citations and builds the whole
example in a store: review and its protocol (dual screening at both stages, the full-text
exclusion reasons the decisions give), imports, deduplication, dual screening with a
resolver, and the included full texts made reports of studies. Shared by tests/test_worked_example.py
and the seed's README tour (`python -m evidence.jobs.example --help`).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import tempfile
import textwrap
from pathlib import Path

import sqlalchemy as sa

from evidence.seeds import ISATUXIMAB_RECORDS
from evidence.store.database import create_engine, init
from evidence.workflows.dedup import deduplicate
from evidence.workflows.prisma import Flow, prisma_flow
from evidence.workflows.protocol import ProtocolChanges, create_review
from evidence.workflows.records import import_records
from evidence.workflows.screening import SHEET_COLUMNS, record_decision
from evidence.workflows.studies import include_report

SEED = ISATUXIMAB_RECORDS
SLUG = "isatuximab-records"
TITLE = "Isatuximab combination therapy for multiple myeloma (worked example from search exports)"
SEARCHED = dt.date(2025, 4, 10)  # the published review's search date (evidence/seeds/isatuximab-mm/searches.csv)
EXPORTS = {"PubMed": "pubmed.nbib", "Embase": "embase.ris"}
# The protocol (evidence/seeds/isatuximab-mm/review.yaml, shortened); screening is dual at both stages (the
# default), and a full text is excluded for one of these reasons (screening.csv gives them).
QUESTION = ("In adults with multiple myeloma, how effective and safe is an isatuximab-containing combination"
            " compared with the same kind of combination without isatuximab?")
EXCLUSION_REASONS = ("not a separate trial: subgroup analysis of IKEMA", "wrong comparator: isatuximab in both arms")
PROTOCOL = ProtocolChanges(
    question=QUESTION, criteria=[("design", "randomised controlled trial"), ("population", "adults with multiple myeloma"),
                                 ("intervention", "a combination containing isatuximab"),
                                 ("comparator", "a combination without isatuximab")],
    bias_tool="RoB 1", model_rule="fixed_if_homogeneous", exclusion_reasons=EXCLUSION_REASONS)

RECORD_IDS = (
    "SELECT se.database, rec.source_key, rec.id FROM record rec JOIN search se ON se.id = rec.search_id"
    " JOIN review_update u ON u.id = se.review_update_id JOIN review r ON r.id = u.review_id WHERE r.slug = :slug"
)


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def citations(seed: Path = SEED) -> list[dict]:
    return read_csv(seed / "citations.csv")


def screening(seed: Path = SEED) -> list[dict]:
    return read_csv(seed / "screening.csv")


def source_key(citation: dict) -> str:
    """The key a citation's record gets in the store: MEDLINE keys records by PMID, our RIS by its ID."""
    return citation["pmid"] if citation["database"] == "PubMed" else citation["id"]


# --- writing the exports -------------------------------------------------------------------


def _medline(tag: str, value: str) -> list[str]:
    """One MEDLINE field, wrapped as PubMed wraps it: continuation lines indented six spaces."""
    lines = textwrap.wrap(value, 82, break_long_words=False, break_on_hyphens=False) or [value]
    return [f"{tag:<4}- {lines[0]}", *(" " * 6 + line for line in lines[1:])]


def medline_text(rows: list[dict]) -> str:
    """PubMed's MEDLINE (.nbib) format. Every record needs its PMID, MEDLINE's record key."""
    records = []
    for row in rows:
        if not row["pmid"]:
            raise ValueError(f"{row['id']}: a MEDLINE record needs a PMID")
        lines = _medline("PMID", row["pmid"]) + _medline("TI", row["title"])
        for name in filter(None, (a.strip() for a in row["authors"].split(";"))):
            lines += _medline("FAU" if "," in name else "AU", name)  # "Surname, Given" is FAU's form
        for tag, field in (("DP", "year"), ("TA", "journal"), ("VI", "volume"), ("IP", "issue"), ("PG", "pages"),
                           ("AB", "abstract")):
            if row[field]:
                lines += _medline(tag, row[field])
        if row["doi"]:
            lines += _medline("LID", f"{row['doi']} [doi]")
        records.append("\n".join(lines))
    return "\n\n".join(records) + "\n"


def ris_text(rows: list[dict]) -> str:
    """RIS as Embase writes it (journal in JO, pages split into SP and EP), with each record's key in ID."""
    records = []
    for row in rows:
        first, _, last = row["pages"].partition("-")
        fields = [("TY", "JOUR"), ("ID", row["id"]), ("TI", row["title"]),
                  *(("AU", a.strip()) for a in row["authors"].split(";") if a.strip()),
                  ("PY", row["year"]), ("JO", row["journal"]), ("VL", row["volume"]), ("IS", row["issue"]),
                  ("SP", first), ("EP", last), ("DO", row["doi"]), ("AB", row["abstract"]), ("DB", row["database"])]
        records.append("\n".join(f"{tag}  - {value}" for tag, value in fields if value) + "\nER  - ")
    return "\n\n".join(records) + "\n"


def write_exports(out: Path, seed: Path = SEED) -> dict[str, Path]:
    """pubmed.nbib and embase.ris in `out`, from the seed's citations; database -> file."""
    out.mkdir(parents=True, exist_ok=True)
    rows = citations(seed)
    writers = {"PubMed": medline_text, "Embase": ris_text}
    paths = {}
    for database, name in EXPORTS.items():
        paths[database] = out / name
        paths[database].write_text(writers[database]([r for r in rows if r["database"] == database]), encoding="utf-8")
    return paths


# --- building the example in a store -------------------------------------------------------


def record_ids(engine: sa.Engine, review: str = SLUG, seed: Path = SEED) -> dict[str, int]:
    """Citation id -> record id in the store."""
    with engine.connect() as connection:
        stored = {(db, key): rid for db, key, rid in connection.execute(sa.text(RECORD_IDS), {"slug": review})}
    return {c["id"]: stored[c["database"], source_key(c)] for c in citations(seed)
            if (c["database"], source_key(c)) in stored}


def include_reports(engine: sa.Engine, review: str = SLUG, seed: Path = SEED) -> int:
    """Make every full text included with a `study` in screening.csv a report of that study."""
    ids = record_ids(engine, review, seed)
    reports = {row["id"]: row["study"] for row in screening(seed)
               if row["stage"] == "full_text" and row["decision"] == "include" and row["study"]}
    for citation, study in reports.items():
        include_report(engine, review, ids[citation], study, report=citation)
    return len(reports)


def build_example(engine: sa.Engine, seed: Path = SEED, review: str = SLUG) -> Flow:
    """The whole example in an initialised store: create, import, deduplicate, screen, include; its PRISMA flow."""
    create_review(engine, review, TITLE, PROTOCOL)
    with tempfile.TemporaryDirectory() as folder:
        for database, path in write_exports(Path(folder), seed).items():
            import_records(engine, path, review=review, database=database, searched=SEARCHED)
    deduplicate(engine, review)
    ids = record_ids(engine, review, seed)
    for row in screening(seed):  # title/abstract first, screeners before the resolver: the file's order
        record_decision(engine, ids[row["id"]], row["stage"], row["reviewer"], row["decision"],
                        reason=row["reason"] or None, role=row["role"])
    include_reports(engine, review, seed)
    return prisma_flow(engine, review)


# --- spreadsheet sheets for the CLI tour ---------------------------------------------------


def fill_sheet(sheet: Path, out: Path, reviewer: str, stage: str, seed: Path = SEED) -> int:
    """Copy a sheet from `evidence screen sheet`, filled in with this reviewer's decisions at this stage."""
    by_key = {(c["database"], source_key(c)): c["id"] for c in citations(seed)}
    made = {row["id"]: row for row in screening(seed) if row["reviewer"] == reviewer and row["stage"] == stage}
    rows = read_csv(sheet)
    filled = 0
    for row in rows:
        decision = made.get(by_key.get((row["database"], row["source_key"])))
        if decision:
            row["decision"], row["reason"] = decision["decision"], decision["reason"]
            filled += 1
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, SHEET_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return filled


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m evidence.jobs.example", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=Path, default=SEED, help="the seed folder [default: %(default)s]")
    commands = parser.add_subparsers(dest="command", required=True)
    exports = commands.add_parser("exports", help="write pubmed.nbib and embase.ris from citations.csv")
    exports.add_argument("out", type=Path, help="folder to write them to")
    fill = commands.add_parser("fill", help="fill a sheet from `evidence screen sheet` with one reviewer's decisions")
    fill.add_argument("sheet", type=Path)
    fill.add_argument("out", type=Path)
    fill.add_argument("--reviewer", required=True)
    fill.add_argument("--stage", default="title_abstract", choices=("title_abstract", "full_text"))
    for name, text in (("reports", "make the included full texts reports of their studies"),
                       ("build", "initialise the store and build the whole example in it")):
        command = commands.add_parser(name, help=text)
        command.add_argument("--db", help="SQLAlchemy URL of the store [default: $EVIDENCE_DB, else evidence.duckdb]")
        command.add_argument("--review", default=SLUG)
    args = parser.parse_args(argv)
    if args.command == "exports":
        for database, path in write_exports(args.out, args.seed).items():
            print(f"{database}: {path}")
    elif args.command == "fill":
        count = fill_sheet(args.sheet, args.out, args.reviewer, args.stage, args.seed)
        print(f"wrote {args.out}: {count} decisions by {args.reviewer} at {args.stage}")
    elif args.command == "reports":
        print(f"{include_reports(create_engine(args.db), args.review, args.seed)} reports of included studies")
    else:
        init(args.db)
        flow = build_example(create_engine(args.db), args.seed, args.review)
        print(f"built review {args.review!r}: {flow.counts['new_studies']} studies from {flow.counts['new_reports']} "
              f"reports; PRISMA identities {'hold' if flow.consistent else 'DO NOT hold'}")


if __name__ == "__main__":
    main()

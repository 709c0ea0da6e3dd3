"""`evidence export`: every table and view of one review, as CSV, Parquet or a spreadsheet.

Each table's rows are those of the review (found through its foreign keys);
`ci_level` is shared reference data and goes out whole. Parquet goes through an
in-memory DuckDB (its COPY writes Parquet without pyarrow), so a PostgreSQL
store exports the same files as a DuckDB one.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from evidence.errors import InputError
from evidence.store.database import friendly_errors
from evidence.store.queries import VIEWS
from evidence.workflows.reviews import resolve_review

FORMATS = ("csv", "parquet", "xlsx", "r")

# The R layout: one CSV per analysis with the argument names of meta's metabin()/metagen()
# (metafor's escalc() takes the same columns as ai, n1i, ci, n2i or yi, sei), and an index.
R_DICHOTOMOUS = ("studlab", "event.e", "n.e", "event.c", "n.c", "subgroup")
R_GENERIC = ("studlab", "TE", "seTE", "n.e", "n.c", "subgroup")
# model: fixed or random as the latest run chose by the review's rule (the analysis's setting before any run).
R_INDEX = ("analysis", "file", "outcome", "label", "function", "sm", "method", "model", "method.tau", "level", "subgroup")
R_SNIPPET = """# Read an analysis exported by `evidence export --format r` and pool it with meta or metafor.
library(meta)
index <- read.csv("analyses.csv")
a <- index[index$analysis == "pfs", ]
d <- read.csv(a$file)
if (a$`function` == "metabin") {
  m <- metabin(event.e, n.e, event.c, n.c, studlab = studlab, data = d, sm = a$sm, method = a$method,
               method.tau = a$method.tau, level.ma = a$level)
} else {
  m <- metagen(TE, seTE, studlab = studlab, data = d, sm = a$sm, method.tau = a$method.tau, level.ma = a$level)
}
summary(m)
# metafor: escalc(measure = a$sm, ai = event.e, n1i = n.e, ci = event.c, n2i = n.c, data = d)
#          or rma(yi = TE, sei = seTE, data = d, method = a$method.tau)
"""

_UPDATE = "JOIN review_update u ON u.id = t.review_update_id WHERE u.review_id = :id"
_STUDY = "JOIN study s ON s.id = t.study_id WHERE s.review_id = :id"
_OUTCOME = "JOIN outcome o ON o.id = t.outcome_id WHERE o.review_id = :id"
_RUN = "JOIN analysis_run r ON r.id = t.run_id WHERE r.review_id = :id"
_OWN = "WHERE t.review_id = :id"
_SEARCH = "JOIN search se ON se.id = t.search_id JOIN review_update u ON u.id = se.review_update_id WHERE u.review_id = :id"
_RECORD = ("JOIN record rec ON rec.id = t.record_id JOIN search se ON se.id = rec.search_id"
           " JOIN review_update u ON u.id = se.review_update_id WHERE u.review_id = :id")

# How each table and view reaches its review: the FROM tail after "SELECT t.* FROM name t".
REVIEW_ROWS = {
    "review": "WHERE t.id = :id",
    "review_update": _OWN, "eligibility_criterion": _OWN, "exclusion_reason": _OWN, "protocol_edit": _OWN,
    "study": _OWN, "correction": _OWN, "outcome": _OWN, "analysis": _OWN, "analysis_run": _OWN,
    "seed_load": _UPDATE, "search": _UPDATE, "reported_flow_count": _UPDATE,
    "record": _SEARCH, "import_batch": _SEARCH,
    "rejected_record": "JOIN import_batch b ON b.id = t.import_batch_id JOIN search se ON se.id = b.search_id"
                       " JOIN review_update u ON u.id = se.review_update_id WHERE u.review_id = :id",
    "screening_decision": _RECORD, "duplicate_link": _RECORD, "duplicate_candidate": _RECORD,
    "full_text_retrieval": _RECORD, "record_duplicate": _RECORD, "screening_status": _RECORD,
    "study_attribute": _STUDY, "report": _STUDY, "arm": _STUDY, "bias_judgement": _STUDY,
    "attribute_definition": _OWN,
    "extraction_form_outcome": _OWN, "extracted_value": _OWN, "extraction_resolution": _OWN,
    "arm_attribute": "JOIN arm a ON a.id = t.arm_id JOIN study s ON s.id = a.study_id WHERE s.review_id = :id",
    "dichotomous_data": _OUTCOME, "contrast_estimate": _OUTCOME, "continuous_data": _OUTCOME,
    "generic_estimate": _OUTCOME,
    "certainty_assessment": _OUTCOME,
    "ci_level": "",
    "pooled_result": _RUN, "subgroup_result": _RUN, "subgroup_test": _RUN, "study_result": _RUN,
    "cumulative_result": _RUN,
    "published_result": "JOIN analysis a ON a.id = t.analysis_id WHERE a.review_id = :id",
    "analysis_comparison": "JOIN analysis a ON a.id = t.analysis_id WHERE a.review_id = :id",
    "arm_comparison": "JOIN analysis a ON a.id = t.analysis_id WHERE a.review_id = :id",
    # views
    "correction_latest": _OWN,
    "arm_current": _STUDY, "arm_attribute_current": _OWN, "study_current": _OWN, "dichotomous_current": _OUTCOME, "contrast_current": _OUTCOME,
    "study_inclusion": _OWN, "analysis_input": _OWN, "outcome_overview": _OWN, "prisma_flow": _OWN,
    "latest_result": _OWN, "latest_cumulative": _OWN, "analysis_history": _OWN, "extraction_agreement": _OWN,
}


@dataclass
class Exported:
    review: str
    files: list[Path]
    rows: dict[str, int]


def read_review_tables(connection: sa.Connection, review_id: int) -> dict[str, tuple[list[str], list[tuple]]]:
    """{table or view: (columns, rows)} of one review, tables in creation order, then views."""
    from evidence.store import schema

    out = {}
    for name in [t.name for t in schema.metadata.sorted_tables] + list(VIEWS):
        result = connection.execute(sa.text(f"SELECT t.* FROM {name} t {REVIEW_ROWS[name]}"), {"id": review_id})
        columns = list(result.keys())
        rows = [tuple(r) for r in result.fetchall()]
        if "id" in columns and name not in VIEWS:
            rows.sort(key=lambda r: r[columns.index("id")])
        out[name] = (columns, rows)
    return out


def export_review(engine: sa.Engine, review: str | None, fmt: str, out: str | Path) -> Exported:
    if fmt not in FORMATS:
        raise InputError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"{out}: cannot create the output folder: {error.strerror}") from None
    with friendly_errors(), engine.connect() as connection:
        review_id, slug = resolve_review(connection, review)
        if fmt == "r":
            files, rows = _write_r(connection, review_id, out)
            return Exported(slug, files, rows)
        tables = read_review_tables(connection, review_id)
    writers = {"csv": _write_csv, "parquet": _write_parquet, "xlsx": _write_xlsx}
    files = writers[fmt](tables, out, slug)
    return Exported(slug, files, {name: len(rows) for name, (_, rows) in tables.items()})


def _write_r(connection: sa.Connection, review_id: int, out: Path) -> tuple[list[Path], dict[str, int]]:
    """One CSV per analysis in meta's column names, analyses.csv (settings per analysis), read_in_r.R."""
    analyses = connection.execute(sa.text(
        "SELECT an.id, an.name, o.name AS outcome, an.label, an.measure, an.method, an.model, an.tau2_method,"
        " an.level, an.subgroup FROM analysis an JOIN outcome o ON o.id = an.outcome_id"
        " WHERE an.review_id = :id ORDER BY an.name"), {"id": review_id}).mappings().all()
    inputs = connection.execute(sa.text(
        "SELECT analysis_id, data_kind, study, e_events, e_total, c_events, c_total, yi, se, subgroup"
        " FROM analysis_input WHERE review_id = :id ORDER BY analysis_id, study"), {"id": review_id}).mappings().all()
    # The model the latest run chose by the review's rule ("rule" means nothing to R).
    chosen = dict(connection.execute(sa.text(
        "SELECT analysis, model FROM latest_result WHERE review_id = :id AND chosen"), {"id": review_id}).all())
    by_analysis: dict[int, list] = {}
    for row in inputs:
        by_analysis.setdefault(row["analysis_id"], []).append(row)
    files, counts, index = [], {}, []
    for a in analyses:
        rows = by_analysis.get(a["id"], [])
        # Counts go to metabin; estimates (a RevMan generic inverse-variance outcome of a ratio too) to metagen.
        dichotomous = a["measure"] in ("RR", "OR", "RD", "PETO") and all(r["data_kind"] == "dichotomous" for r in rows)
        path = out / f"{a['name']}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(R_DICHOTOMOUS if dichotomous else R_GENERIC)
            for r in rows:
                writer.writerow((r["study"], r["e_events"], r["e_total"], r["c_events"], r["c_total"], r["subgroup"])
                                if dichotomous else (r["study"], r["yi"], r["se"], r["e_total"], r["c_total"], r["subgroup"]))
        files.append(path)
        counts[a["name"]] = len(rows)
        index.append((a["name"], path.name, a["outcome"], a["label"], "metabin" if dichotomous else "metagen",
                      "OR" if a["measure"] == "PETO" else a["measure"],
                      {"MH": "MH", "IV": "Inverse", "PETO": "Peto"}[a["method"]] if dichotomous else "Inverse",
                      chosen.get(a["name"], a["model"]), a["tau2_method"], a["level"], a["subgroup"]))
    with (out / "analyses.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(R_INDEX)
        writer.writerows(index)
    (out / "read_in_r.R").write_text(R_SNIPPET, encoding="utf-8")
    return [*files, out / "analyses.csv", out / "read_in_r.R"], counts


def _write_csv(tables, out: Path, slug: str) -> list[Path]:
    files = []
    for name, (columns, rows) in tables.items():
        path = out / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows(rows)
        files.append(path)
    return files


def _write_parquet(tables, out: Path, slug: str) -> list[Path]:
    import duckdb

    files = []
    with duckdb.connect() as scratch:
        for name, (columns, rows) in tables.items():
            path = out / f"{name}.parquet"
            values = list(zip(*rows)) if rows else [()] * len(columns)
            scratch.register("export_table", {c: np.array(v, dtype=object) for c, v in zip(columns, values)})
            # A column with no value anywhere has no type to infer: it goes out as text.
            projection = ", ".join(
                _quote(c) if any(x is not None for x in v) else f"CAST({_quote(c)} AS VARCHAR) AS {_quote(c)}"
                for c, v in zip(columns, values)
            )
            scratch.execute(f"COPY (SELECT {projection} FROM export_table) TO '{path}' (FORMAT PARQUET)")
            scratch.unregister("export_table")
            files.append(path)
    return files


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _write_xlsx(tables, out: Path, slug: str) -> list[Path]:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for name, (columns, rows) in tables.items():
        sheet = workbook.create_sheet(title=name[:31])
        sheet.append(columns)
        for row in rows:
            sheet.append([v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v for v in row])
    path = out / f"{slug}.xlsx"
    workbook.save(path)
    return [path]

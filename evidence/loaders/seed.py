"""Load a seed folder (docs/seed-format.md) into the store in one transaction.

Reading and checking come first (every file, every row); writing starts only
when the whole folder is valid, inside one transaction, so a bad value anywhere
leaves the store exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from .. import __version__, schema
from ..db import friendly_errors
from ..errors import AlreadyLoadedError, InputError
from ..schema.analyses import FIXED_METHODS, MODEL_CHOICES, MODELS
from ..schema.bias import JUDGEMENTS, ROB1_DOMAINS
from ..schema.outcomes import CATEGORIES, CONTRAST_MEASURES, DIRECTIONS, MEASURES, OUTCOME_KINDS
from ..schema.review import ELIGIBILITY_KINDS
from ..schema.searching import FLOW_STAGES
from ..schema.studies import ARM_ROLES, REPORT_KINDS, STUDY_STATUSES
from .fields import Row, date, integer, number, one_of, read_rows, required, text, yes_no

ROLE = required(one_of(*ARM_ROLES))

# Each CSV file of a seed: its columns and how each is parsed.
FILES: dict[str, dict[str, Any]] = {
    "searches.csv": {"database": required(text), "query": text, "date_run": date, "records_found": integer, "source": text},
    "flow.csv": {"stage": required(one_of(*FLOW_STAGES)), "count": required(integer), "source": text},
    "studies.csv": {
        "study": required(text), "registry_id": text, "first_author": text, "year": integer,
        "design": text, "setting": text, "status": one_of(*STUDY_STATUSES), "source": text,
    },
    "study_attributes.csv": {"study": required(text), "name": required(text), "value": required(text), "source": text},
    "reports.csv": {
        "study": required(text), "report": required(text), "kind": required(one_of(*REPORT_KINDS)),
        "citation": text, "year": integer, "doi": text, "pmid": text, "url": text,
    },
    "arms.csv": {
        "study": required(text), "arm": ROLE, "regimen": text, "regimen_text": text,
        "randomised_n": integer, "safety_n": integer, "aged_65_plus": integer, "women": integer, "men": integer,
        "iss_stage_2plus_pct": number, "median_prior_lines": number, "source": text,
    },
    "corrections.csv": {
        "table": required(one_of("arms")), "study": required(text), "arm": ROLE, "field": required(text),
        "printed": text, "corrected": required(text), "reason": required(text), "source": text,
    },
    "outcomes.csv": {
        "outcome": required(text), "label": text, "kind": required(one_of(*OUTCOME_KINDS)),
        "measure": required(one_of(*MEASURES)), "direction": one_of(*DIRECTIONS), "category": one_of(*CATEGORIES),
    },
    "dichotomous.csv": {
        "study": required(text), "outcome": required(text), "variant": required(text), "arm": ROLE,
        "events": integer, "total": integer, "percent": number, "population": text,
        "source_ref": text, "source_quote": text, "derived": yes_no,
    },
    "estimates.csv": {
        "study": required(text), "outcome": required(text), "variant": required(text),
        "measure": required(one_of(*CONTRAST_MEASURES)), "estimate": number, "ci_low": number, "ci_high": number,
        "ci_level": number, "population": text, "source_ref": text, "source_quote": text,
    },
    "bias.csv": {
        "study": required(text), "domain": required(one_of(*ROB1_DOMAINS)),
        "judgement": required(one_of(*JUDGEMENTS)), "support": text, "source": text,
    },
    "analyses.csv": {
        "analysis": required(text), "outcome": required(text), "measure": required(one_of(*MEASURES)),
        "method": required(one_of(*FIXED_METHODS)), "model": required(one_of(*MODEL_CHOICES)),
        "tau2": required(one_of("DL")), "level": required(number), "variant": required(text),
        "subgroup": text, "label": text,
    },
    "published_results.csv": {
        "analysis": required(text), "subgroup": text, "k": integer, "model": one_of(*MODELS),
        "estimate": number, "ci_low": number, "ci_high": number, "p": text, "i2": text, "q_p": text,
        "events_experimental": integer, "events_control": integer, "source": text,
    },
}
REQUIRED_FILES = ("review.yaml", "searches.csv", "studies.csv", "arms.csv", "outcomes.csv", "analyses.csv")


@dataclass
class Seed:
    """A whole seed folder, read and checked, not yet written."""

    path: Path
    review: dict[str, Any]
    rows: dict[str, list[Row]]
    content_hash: str


@dataclass
class LoadResult:
    slug: str
    loaded: bool  # False: the same content was loaded before and nothing changed
    counts: dict[str, int] = field(default_factory=dict)


def content_hash(folder: Path) -> str:
    """sha256 over the names and bytes of the seed's own files (sorted), so a reload can be recognised."""
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        if path.is_file() and (path.name == "review.yaml" or path.name in FILES):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def read_review_yaml(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot be read: {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "somewhere"
        raise InputError(f"{path}: {where}: not valid YAML: {getattr(error, 'problem', error)}") from None
    if not isinstance(document, dict):
        raise InputError(f"{path}: must be a mapping of fields (slug, title, ...)")

    def bad(key: str, problem: str) -> InputError:
        return InputError(f"{path}: field {key!r}: {problem}")

    for key in ("slug", "title"):
        if not isinstance(document.get(key), str) or not document[key].strip():
            raise bad(key, "is required and must be text")
    slug = document["slug"]
    if not all(ch.islower() or ch.isdigit() or ch == "-" for ch in slug):
        raise bad("slug", f"{slug!r} may hold only lower-case letters, digits and hyphens")
    alpha = document.get("alpha", 0.05)
    if not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise bad("alpha", f"{alpha!r} must be a number between 0 and 1")
    from ..pooling.rules import MODEL_RULES

    rule = document.get("model_rule", "fixed_if_homogeneous")
    if rule not in MODEL_RULES:
        raise bad("model_rule", f"{rule!r} is not one of {', '.join(MODEL_RULES)}")
    searched_to = document.get("searched_to")
    if searched_to is not None and not isinstance(searched_to, dt.date):
        raise bad("searched_to", f"{searched_to!r} is not a date like 2025-04-10")
    for position, criterion in enumerate(document.get("eligibility") or [], start=1):
        if not isinstance(criterion, dict) or criterion.get("kind") not in ELIGIBILITY_KINDS or not criterion.get("text"):
            raise bad("eligibility", f"item {position} needs kind (one of {', '.join(ELIGIBILITY_KINDS)}) and text")
    reported = document.get("reported_participants") or {}
    if not isinstance(reported, dict):
        raise bad("reported_participants", "must be a mapping with total, experimental, control, source")
    for key in ("total", "experimental", "control"):
        value = reported.get(key)
        if value is not None and (not isinstance(value, int) or value < 0):
            raise bad("reported_participants", f"{key} {value!r} is not a whole number >= 0")
    authors = document.get("authors")
    if isinstance(authors, list):
        document["authors"] = ", ".join(str(a) for a in authors)
    return document


def read_seed(folder: str | Path) -> Seed:
    """Read and check every file of a seed folder; raise InputError at the first bad value."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: is not a folder (a seed is a folder with review.yaml and CSV files)")
    for name in REQUIRED_FILES:
        if not (folder / name).is_file():
            raise InputError(f"{folder / name}: is missing (every seed needs {', '.join(REQUIRED_FILES)})")
    review = read_review_yaml(folder / "review.yaml")
    rows = {
        name: list(read_rows(folder / name, columns)) if (folder / name).is_file() else []
        for name, columns in FILES.items()
    }
    check_references(rows)
    return Seed(folder, review, rows, content_hash(folder))


def _unique(rows: list[Row], key_fields: tuple[str, ...]) -> dict[tuple, Row]:
    seen: dict[tuple, Row] = {}
    for row in rows:
        key = tuple(row[f] for f in key_fields)
        if key in seen:
            raise row.error(key_fields[-1], f"{'/'.join(map(str, key))} repeats row {seen[key].line}")
        seen[key] = row
    return seen


def check_references(rows: dict[str, list[Row]]) -> None:
    """Checks across rows and files: unique keys, known studies/outcomes/arms, consistent numbers."""
    studies = _unique(rows["studies.csv"], ("study",))
    outcomes = _unique(rows["outcomes.csv"], ("outcome",))
    arms = _unique(rows["arms.csv"], ("study", "arm"))
    analyses = _unique(rows["analyses.csv"], ("analysis",))
    _unique(rows["searches.csv"], ("database",))
    _unique(rows["flow.csv"], ("stage",))
    _unique(rows["study_attributes.csv"], ("study", "name"))
    _unique(rows["reports.csv"], ("study", "report"))
    _unique(rows["dichotomous.csv"], ("study", "outcome", "variant", "arm"))
    _unique(rows["estimates.csv"], ("study", "outcome", "variant"))
    _unique(rows["bias.csv"], ("study", "domain"))
    _unique(rows["published_results.csv"], ("analysis", "subgroup"))
    _unique(rows["corrections.csv"], ("study", "arm", "field"))

    def known(row: Row, field_name: str, table: dict, what: str, key: tuple | None = None) -> None:
        if (key or (row[field_name],)) not in table:
            raise row.error(field_name, f"{'/'.join(map(str, key or (row[field_name],)))} is not a {what} of this seed")

    for name in ("study_attributes.csv", "reports.csv", "arms.csv", "estimates.csv", "bias.csv",
                 "corrections.csv", "dichotomous.csv"):
        for row in rows[name]:
            known(row, "study", studies, "study in studies.csv")
    for row in rows["corrections.csv"] + rows["dichotomous.csv"]:
        known(row, "arm", arms, "study arm in arms.csv", (row["study"], row["arm"]))
    for row in rows["corrections.csv"]:
        if row["field"] not in FILES["arms.csv"] or row["field"] in ("study", "arm", "source"):
            raise row.error("field", f"{row['field']!r} is not a correctable column of arms.csv")
        parser = FILES["arms.csv"][row["field"]]
        try:
            parser(row["corrected"])
        except ValueError as error:
            raise row.error("corrected", str(error)) from None
    for name in ("dichotomous.csv", "estimates.csv", "analyses.csv"):
        for row in rows[name]:
            known(row, "outcome", outcomes, "outcome in outcomes.csv")
    for row in rows["published_results.csv"]:
        known(row, "analysis", analyses, "analysis in analyses.csv")
    for row in rows["dichotomous.csv"]:
        if row["events"] is not None and row["total"] is not None and row["events"] > row["total"]:
            raise row.error("events", f"{row['events']} events is more than the total {row['total']}")
        if row["percent"] is not None and not 0 <= row["percent"] <= 100:
            raise row.error("percent", f"{row['percent']} is not a percentage between 0 and 100")
    for row in rows["estimates.csv"]:
        values = [row[f] for f in ("estimate", "ci_low", "ci_high", "ci_level")]
        if any(v is not None for v in values) and any(v is None for v in values):
            raise row.error("estimate", "estimate, ci_low, ci_high and ci_level must all be given or all be empty")
        if row["estimate"] is None:
            continue
        if not 0 < row["ci_level"] < 1:
            raise row.error("ci_level", f"{row['ci_level']} is not a level between 0 and 1 (0.95 for a 95% CI)")
        if not 0 < row["ci_low"] <= row["estimate"] <= row["ci_high"]:
            raise row.error(
                "estimate", f"the CI {row['ci_low']} to {row['ci_high']} does not contain the estimate {row['estimate']} (ratios must be > 0)"
            )
    for row in rows["analyses.csv"]:
        if not 0 < row["level"] < 1:
            raise row.error("level", f"{row['level']} is not a level between 0 and 1")


def _insert(connection: sa.Connection, table: sa.Table, row: Row | None, values: dict[str, Any]) -> int | None:
    """Insert one row and return its id; a constraint the database enforces becomes an InputError."""
    statement = sa.insert(table).values(**values)
    if "id" in table.c:
        statement = statement.returning(table.c.id)
    try:
        result = connection.execute(statement)
    except sa.exc.IntegrityError as error:
        where = f"{row.path}: row {row.line}" if row else "review.yaml"
        detail = str(error.orig).splitlines()[0]
        raise InputError(f"{where}: rejected by the database: {detail}") from None
    return result.scalar_one() if "id" in table.c else None


def load_seed(engine: sa.Engine, folder: str | Path) -> LoadResult:
    """Load a seed folder in one transaction; a second load of the same content changes nothing."""
    seed = read_seed(folder)
    slug = seed.review["slug"]
    with friendly_errors(), engine.begin() as connection:
        existing = connection.execute(
            sa.select(schema.Review.id).where(schema.Review.slug == slug)
        ).scalar_one_or_none()
        if existing is not None:
            previous = connection.execute(
                sa.select(schema.SeedLoad.content_hash, schema.SeedLoad.path)
                .join(schema.ReviewUpdate, schema.ReviewUpdate.id == schema.SeedLoad.review_update_id)
                .where(schema.ReviewUpdate.review_id == existing)
            ).all()
            if any(h == seed.content_hash for h, _ in previous):
                return LoadResult(slug, loaded=False)
            raise AlreadyLoadedError(
                f"review {slug!r} is already in the store, loaded from different content"
                f" ({', '.join(p for _, p in previous) or 'another source'}); nothing was changed"
            )
        counts = _write(connection, seed)
    return LoadResult(slug, loaded=True, counts=counts)


def _write(connection: sa.Connection, seed: Seed) -> dict[str, int]:
    from scipy.stats import norm

    s, r = schema, seed.review
    reported = r.get("reported_participants") or {}
    review_id = _insert(connection, s.Review.__table__, None, {
        "slug": r["slug"], "title": r["title"], "question": r.get("question"), "authors": r.get("authors"),
        "corresponding_author": r.get("corresponding_author"), "affiliation": r.get("affiliation"),
        "year": r.get("year"), "language": r.get("language"), "software": r.get("software"),
        "alpha": r.get("alpha", 0.05), "model_rule": r.get("model_rule", "fixed_if_homogeneous"),
        "model_rule_text": r.get("model_rule_text"), "bias_tool": r.get("bias_tool"),
        "reported_participants": reported.get("total"),
        "reported_participants_experimental": reported.get("experimental"),
        "reported_participants_control": reported.get("control"),
        "reported_participants_source": reported.get("source"), "notes": r.get("notes"),
    })
    update_id = _insert(connection, s.ReviewUpdate.__table__, None, {
        "review_id": review_id, "number": 0, "label": "original review", "searched_to": r.get("searched_to"),
    })
    _insert(connection, s.SeedLoad.__table__, None, {
        "review_update_id": update_id, "path": str(seed.path), "content_hash": seed.content_hash,
        "software_version": __version__,
    })
    for position, criterion in enumerate(r.get("eligibility") or [], start=1):
        _insert(connection, s.EligibilityCriterion.__table__, None, {
            "review_id": review_id, "kind": criterion["kind"], "text": criterion["text"], "position": position,
        })
    rows = seed.rows
    for row in rows["searches.csv"]:
        _insert(connection, s.Search.__table__, row, {"review_update_id": update_id, **row.values})
    for row in rows["flow.csv"]:
        _insert(connection, s.ReportedFlowCount.__table__, row, {"review_update_id": update_id, **row.values})

    study_ids = {}
    for row in rows["studies.csv"]:
        values = {k: v for k, v in row.values.items() if k != "study"}
        values["status"] = values["status"] or "included"
        study_ids[row["study"]] = _insert(connection, s.Study.__table__, row, {"review_id": review_id, "label": row["study"], **values})
    for row in rows["study_attributes.csv"]:
        _insert(connection, s.StudyAttribute.__table__, row, {
            "study_id": study_ids[row["study"]], "name": row["name"], "value": row["value"], "source": row["source"],
        })
    for row in rows["reports.csv"]:
        values = {k: v for k, v in row.values.items() if k not in ("study", "report")}
        _insert(connection, s.Report.__table__, row, {"study_id": study_ids[row["study"]], "label": row["report"], **values})
    arm_ids = {}
    for row in rows["arms.csv"]:
        values = {k: v for k, v in row.values.items() if k not in ("study", "arm")}
        arm_ids[(row["study"], row["arm"])] = _insert(
            connection, s.Arm.__table__, row, {"study_id": study_ids[row["study"]], "role": row["arm"], **values}
        )
    for row in rows["corrections.csv"]:
        _insert(connection, s.Correction.__table__, row, {
            "review_id": review_id, "table_name": "arm", "row_id": arm_ids[(row["study"], row["arm"])],
            "field": row["field"], "printed": row["printed"], "corrected": row["corrected"],
            "reason": row["reason"], "source": row["source"],
        })
    outcome_ids = {}
    for row in rows["outcomes.csv"]:
        values = {k: v for k, v in row.values.items() if k != "outcome"}
        outcome_ids[row["outcome"]] = _insert(connection, s.Outcome.__table__, row, {"review_id": review_id, "name": row["outcome"], **values})
    for row in rows["dichotomous.csv"]:
        _insert(connection, s.DichotomousData.__table__, row, {
            "outcome_id": outcome_ids[row["outcome"]], "arm_id": arm_ids[(row["study"], row["arm"])],
            "variant": row["variant"], "events": row["events"], "total": row["total"], "percent": row["percent"],
            "derived_from_percent": row["derived"], "population": row["population"],
            "source_ref": row["source_ref"], "source_quote": row["source_quote"],
        })
    levels = {row["ci_level"] for row in rows["estimates.csv"] if row["ci_level"] is not None}
    known_levels = set(connection.execute(sa.select(s.CiLevel.level)).scalars())
    for level in sorted(levels - known_levels):
        # The exact two-sided quantile: a 98.5% CI is not a 95% CI (POOLING.md).
        _insert(connection, s.CiLevel.__table__, None, {"level": level, "z": float(norm.ppf(1 - (1 - level) / 2))})
    for row in rows["estimates.csv"]:
        _insert(connection, s.ContrastEstimate.__table__, row, {
            "outcome_id": outcome_ids[row["outcome"]], "study_id": study_ids[row["study"]],
            **{k: row[k] for k in ("variant", "measure", "estimate", "ci_low", "ci_high", "ci_level",
                                   "population", "source_ref", "source_quote")},
        })
    for row in rows["bias.csv"]:
        _insert(connection, s.BiasJudgement.__table__, row, {
            "study_id": study_ids[row["study"]], "tool": r.get("bias_tool") or "RoB 1",
            **{k: row[k] for k in ("domain", "judgement", "support", "source")},
        })
    analysis_ids = {}
    for row in rows["analyses.csv"]:
        analysis_ids[row["analysis"]] = _insert(connection, s.Analysis.__table__, row, {
            "review_id": review_id, "outcome_id": outcome_ids[row["outcome"]], "name": row["analysis"],
            "label": row["label"], "measure": row["measure"], "method": row["method"], "model": row["model"],
            "tau2_method": row["tau2"], "level": row["level"], "variant": row["variant"], "subgroup": row["subgroup"],
        })
    for row in rows["published_results.csv"]:
        _insert(connection, s.PublishedResult.__table__, row, {
            "analysis_id": analysis_ids[row["analysis"]], "subgroup": row["subgroup"], "k": row["k"],
            "model": row["model"], "estimate": row["estimate"], "ci_low": row["ci_low"], "ci_high": row["ci_high"],
            "p_text": row["p"], "i2_text": row["i2"], "q_p_text": row["q_p"],
            "events_experimental": row["events_experimental"], "events_control": row["events_control"],
            "source": row["source"],
        })
    return {name: len(found) for name, found in rows.items() if found}

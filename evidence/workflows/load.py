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

from evidence.version import __version__
from evidence.store import schema
from evidence.store.bulk import allocate_ids, insert_columns
from evidence.store.database import friendly_errors
from evidence.errors import AlreadyLoadedError, InputError
from evidence.store.schema.analyses import FIXED_METHODS, MODEL_CHOICES, MODELS
from evidence.store.schema.bias import JUDGEMENTS, ROB1_DOMAINS
from evidence.store.schema.certainty import DESIGNS, DOMAIN_LEVELS, DOMAINS, LARGE_EFFECT_LEVELS, PRESENT, PUBLICATION_BIAS_LEVELS, UPGRADES
from evidence.store.schema.outcomes import CATEGORIES, CONTRAST_MEASURES, DIRECTIONS, MEASURES, OUTCOME_KINDS
from evidence.store.schema.review import ELIGIBILITY_KINDS
from evidence.store.schema.searching import FLOW_STAGES
from evidence.store.schema.studies import ARM_ROLES, REPORT_KINDS, STUDY_STATUSES
from evidence.formats.fields import Row, date, integer, number, one_of, read_rows, required, text, yes_no

ROLE = required(one_of(*ARM_ROLES))

# What corrections.csv can correct: its `table` -> (the table in the store, the key
# columns that name the row, and each correctable field with its parser).
CORRECTABLE: dict[str, tuple[str, tuple[str, ...], dict[str, Any]]] = {
    "arms": ("arm", ("study", "arm"), {
        "regimen": text, "regimen_text": text, "randomised_n": integer, "safety_n": integer, "aged_65_plus": integer,
        "women": integer, "men": integer, "iss_stage_2plus_pct": number, "median_prior_lines": number,
    }),
    "studies": ("study", ("study",), {
        "status": required(one_of(*STUDY_STATUSES)), "setting": text, "design": text, "year": integer,
    }),
    "dichotomous": ("dichotomous_data", ("study", "outcome", "variant", "arm"), {
        "events": integer, "total": integer, "percent": number, "population": text, "source_ref": text,
        "source_quote": text,
    }),
    "estimates": ("contrast_estimate", ("study", "outcome", "variant"), {
        "estimate": number, "ci_low": number, "ci_high": number, "ci_level": number, "population": text,
        "source_ref": text, "source_quote": text,
    }),
}

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
        "table": required(one_of(*CORRECTABLE)), "study": required(text), "arm": one_of(*ARM_ROLES),
        "outcome": text, "variant": text, "field": required(text),
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
        "subgroup": text, "label": text, "threshold": number, "planned_rrr": number, "planned_control_risk": number,
    },
    "published_results.csv": {
        "analysis": required(text), "subgroup": text, "k": integer, "model": one_of(*MODELS),
        "estimate": number, "ci_low": number, "ci_high": number, "p": text, "i2": text, "q_p": text,
        "events_experimental": integer, "events_control": integer, "source": text,
    },
    "certainty.csv": {
        "outcome": required(text), "analysis": text, "design": required(one_of(*DESIGNS)),
        **{column: parser for domain in DOMAINS for column, parser in (
            (domain, required(one_of(*DOMAIN_LEVELS))), (f"{domain}_reason", required(text)))},
        "publication_bias": required(one_of(*PUBLICATION_BIAS_LEVELS)), "publication_bias_reason": required(text),
        "large_effect": one_of(*LARGE_EFFECT_LEVELS), "dose_response": one_of(*PRESENT),
        "plausible_confounding": one_of(*PRESENT), "upgrade_reason": text, "comments": text,
        "assessed_by": required(text), "source": text,
    },
}
# The columns of certainty.csv that go to certainty_assessment as they are.
CERTAINTY_COLUMNS = tuple(name for name in FILES["certainty.csv"] if name not in ("outcome", "analysis"))
REQUIRED_FILES = ("review.yaml", "searches.csv", "studies.csv", "arms.csv", "outcomes.csv", "analyses.csv")
# Columns added after the format's first version: a file may leave them out.
OPTIONAL_COLUMNS = {
    "corrections.csv": ("outcome", "variant"),
    "analyses.csv": ("threshold", "planned_rrr", "planned_control_risk"),
    # Upgrading applies to non-randomised evidence only: a file of trials may leave those columns out.
    "certainty.csv": ("analysis", *UPGRADES, "upgrade_reason", "comments", "source"),
}


@dataclass
class StoreKeys:
    """What a review already holds, for an update folder to refer to: ids and current values by key.

    ids[file][key] -> id of the row a key names (key as in the file: studies (label,),
    arms (study, arm), outcomes (name,), analyses (name,), dichotomous (study, outcome,
    variant, arm), estimates (study, outcome, variant)); values[file][key] -> {field: current
    value} for the correctable files; taken[file] -> keys that exist (for uniqueness).
    """

    review_id: int
    slug: str
    bias_tool: str | None
    numbers: list[int]
    ids: dict[str, dict[tuple, int]] = field(default_factory=dict)
    values: dict[str, dict[tuple, dict[str, Any]]] = field(default_factory=dict)
    taken: dict[str, set[tuple]] = field(default_factory=dict)


@dataclass
class Seed:
    """A whole seed folder (a review, or an update of one), read and checked, not yet written."""

    path: Path
    review: dict[str, Any]
    rows: dict[str, list[Row]]
    content_hash: str
    # The value each correction replaces, as text (given in the file, or the current value).
    printed: list[str | None] = field(default_factory=list)
    # For an update folder: update.yaml's content; None for a review folder.
    update: dict[str, Any] | None = None


@dataclass
class LoadResult:
    slug: str
    loaded: bool  # False: the same content was loaded before and nothing changed
    counts: dict[str, int] = field(default_factory=dict)
    update: int = 0  # the update number the folder holds (0: the original review)
    run_id: int | None = None  # the analysis run an update made


def content_hash(folder: Path) -> str:
    """sha256 over the names and bytes of the seed's own files (sorted), so a reload can be recognised."""
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        if path.is_file() and (path.name in ("review.yaml", "update.yaml") or path.name in FILES):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _yaml_mapping(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot be read: {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        if isinstance(error, yaml.reader.ReaderError):  # a character YAML does not allow (found by fuzzing)
            where, problem = f"character {error.position + 1}", f"{error.reason} ({error.character!r})"
        else:
            where, problem = (f"line {mark.line + 1}" if mark else "somewhere"), getattr(error, "problem", None) or error
        raise InputError(f"{path}: {where}: not valid YAML: {' '.join(str(problem).split())}") from None
    if not isinstance(document, dict):
        raise InputError(f"{path}: must be a mapping of fields")
    return document


def read_update_yaml(path: Path) -> dict[str, Any]:
    """update.yaml: review (slug), number (optional: the next one), label, searched_to, notes."""
    document = _yaml_mapping(path)

    def bad(key: str, problem: str) -> InputError:
        return InputError(f"{path}: field {key!r}: {problem}")

    unknown = sorted(set(document) - {"review", "number", "label", "searched_to", "notes"})
    if unknown:
        raise bad(unknown[0], "is not a field of update.yaml (review, number, label, searched_to, notes)")
    if not isinstance(document.get("review"), str) or not document["review"].strip():
        raise bad("review", "is required: the slug of the review this folder updates")
    number = document.get("number")
    if number is not None and (not isinstance(number, int) or isinstance(number, bool) or number < 1):
        raise bad("number", f"{number!r} must be a whole number >= 1 (0 is the original review)")
    searched_to = document.get("searched_to")
    if searched_to is not None and not isinstance(searched_to, dt.date):
        raise bad("searched_to", f"{searched_to!r} is not a date like 2025-11-01")
    for key in ("label", "notes"):
        if document.get(key) is not None and not isinstance(document[key], str):
            raise bad(key, "must be text")
    return document


def read_review_yaml(path: Path) -> dict[str, Any]:
    document = _yaml_mapping(path)

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
    from evidence.core.pooling.rules import MODEL_RULES

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


def is_update_folder(folder: str | Path) -> bool:
    return (Path(folder) / "update.yaml").is_file()


def read_seed(folder: str | Path, store: StoreKeys | None = None) -> Seed:
    """Read and check every file of a seed folder; raise InputError at the first bad value.

    A review folder has review.yaml and the required files. An update folder has
    update.yaml and any of the CSV files; its rows may name the studies, arms,
    outcomes, analyses and data rows of the review it updates (`store`).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: is not a folder (a seed is a folder with review.yaml and CSV files)")
    update = None
    if is_update_folder(folder):
        if (folder / "review.yaml").is_file():
            raise InputError(f"{folder}: holds both review.yaml and update.yaml: a folder is a review or an update of one")
        update = read_update_yaml(folder / "update.yaml")
        review = {"slug": update["review"]}
    else:
        for name in REQUIRED_FILES:
            if not (folder / name).is_file():
                raise InputError(f"{folder / name}: is missing (every seed needs {', '.join(REQUIRED_FILES)};"
                                 " an update folder needs update.yaml)")
        review = read_review_yaml(folder / "review.yaml")
    rows = {
        name: list(read_rows(folder / name, columns, OPTIONAL_COLUMNS.get(name, ())))
        if (folder / name).is_file() else []
        for name, columns in FILES.items()
    }
    printed = check_references(rows, store)
    return Seed(folder, review, rows, content_hash(folder), printed, update)


def _unique(rows: list[Row], key_fields: tuple[str, ...], taken: set[tuple] | None = None,
            what: str = "") -> dict[tuple, Row]:
    seen: dict[tuple, Row] = {}
    for row in rows:
        key = tuple(row[f] for f in key_fields)
        if key in seen:
            raise row.error(key_fields[-1], f"{'/'.join(map(str, key))} repeats row {seen[key].line}")
        if taken and key in taken:
            raise row.error(key_fields[-1], f"{'/'.join(map(str, key))} is already {what} of the review in the store;"
                            " change a stored value with corrections.csv")
        seen[key] = row
    return seen


# Keys of each file, and the StoreKeys entry that holds the review's existing ones.
KEYS = {
    "studies.csv": (("study",), "studies", "a study"),
    "outcomes.csv": (("outcome",), "outcomes", "an outcome"),
    "arms.csv": (("study", "arm"), "arms", "an arm"),
    "analyses.csv": (("analysis",), "analyses", "an analysis"),
    "study_attributes.csv": (("study", "name"), "attributes", "an attribute"),
    "reports.csv": (("study", "report"), "reports", "a report"),
    "dichotomous.csv": (("study", "outcome", "variant", "arm"), "dichotomous", "a data row"),
    "estimates.csv": (("study", "outcome", "variant"), "estimates", "an estimate"),
    "bias.csv": (("study", "domain"), "bias", "a judgement"),
    "published_results.csv": (("analysis", "subgroup"), "published", "a published result"),
}


def check_references(rows: dict[str, list[Row]], store: StoreKeys | None = None) -> list[str | None]:
    """Checks across rows and files: unique keys, known studies/outcomes/arms, consistent numbers.

    With `store` (an update folder), keys may name the review's existing rows and
    new rows must not repeat them. Returns the value each correction replaces, as text.
    """
    taken = (lambda name: store.taken.get(name, set())) if store else (lambda name: set())
    own = {}
    for name, (key_fields, stored, what) in KEYS.items():
        own[name] = _unique(rows[name], key_fields, taken(stored), what)
    _unique(rows["searches.csv"], ("database",))
    _unique(rows["flow.csv"], ("stage",))
    studies = set(own["studies.csv"]) | taken("studies")
    outcomes = set(own["outcomes.csv"]) | taken("outcomes")
    arms = set(own["arms.csv"]) | taken("arms")
    analyses = set(own["analyses.csv"]) | taken("analyses")

    def known(row: Row, field_name: str, table: set, what: str, key: tuple | None = None) -> None:
        if (key or (row[field_name],)) not in table:
            raise row.error(field_name, f"{'/'.join(map(str, key or (row[field_name],)))} is not a {what}"
                            f" of this seed{' or of the review it updates' if store else ''}")

    for name in ("study_attributes.csv", "reports.csv", "arms.csv", "estimates.csv", "bias.csv",
                 "corrections.csv", "dichotomous.csv"):
        for row in rows[name]:
            known(row, "study", studies, "study in studies.csv")
    for row in rows["dichotomous.csv"]:
        known(row, "arm", arms, "study arm in arms.csv", (row["study"], row["arm"]))
    for name in ("dichotomous.csv", "estimates.csv", "analyses.csv"):
        for row in rows[name]:
            known(row, "outcome", outcomes, "outcome in outcomes.csv")
    for row in rows["published_results.csv"]:
        known(row, "analysis", analyses, "analysis in analyses.csv")
    _check_certainty(rows["certainty.csv"], own["analyses.csv"], outcomes, analyses, known)
    for row in rows["dichotomous.csv"]:
        if row["events"] is not None and row["total"] is not None and row["events"] > row["total"]:
            raise row.error("events", f"{row['events']} events is more than the total {row['total']}")
        if row["percent"] is not None and not 0 <= row["percent"] <= 100:
            raise row.error("percent", f"{row['percent']} is not a percentage between 0 and 100")
    for row in rows["estimates.csv"]:
        _check_estimate(row, row.values)
    for row in rows["analyses.csv"]:
        if not 0 < row["level"] < 1:
            raise row.error("level", f"{row['level']} is not a level between 0 and 1")
        for name in ("planned_rrr", "planned_control_risk"):
            if row[name] is not None and not 0 < row[name] < 1:
                raise row.error(name, f"{row[name]} is not a proportion between 0 and 1")
        if row["threshold"] is not None and row["measure"] not in ("MD", "SMD", "RD") and not row["threshold"] > 0:
            raise row.error("threshold", f"{row['threshold']} is not a ratio > 0 (the threshold is on the {row['measure']} scale)")
    return _check_corrections(rows, own, store)


def _check_certainty(rows: list[Row], own_analyses: dict[tuple, Row], outcomes: set, analyses: set, known) -> None:
    """certainty.csv: one assessment per outcome and folder (an update folder may re-grade a stored outcome),
    a known outcome, an analysis of that outcome, and upgrading only for non-randomised evidence, with a reason."""
    _unique(rows, ("outcome",))
    for row in rows:
        known(row, "outcome", outcomes, "outcome in outcomes.csv")
        if row["analysis"] is not None:
            known(row, "analysis", analyses, "analysis in analyses.csv")
            defined = own_analyses.get((row["analysis"],))
            if defined is not None and defined["outcome"] != row["outcome"]:
                raise row.error("analysis", f"{row['analysis']} is an analysis of {defined['outcome']}, not of {row['outcome']}")
        upgrades = [name for name in UPGRADES if row[name] not in (None, "no")]
        if upgrades and row["design"] == "randomised":
            raise row.error(upgrades[0], f"{row[upgrades[0]]!r}: upgrading is for non-randomised evidence only"
                            " (design is randomised: GRADE starts randomised trials at high)")
        if upgrades and row["upgrade_reason"] is None:
            raise row.error("upgrade_reason", f"is empty but required when {upgrades[0]} upgrades the certainty")


def _check_estimate(row: Row, values: dict[str, Any], field_name: str = "estimate") -> None:
    """An estimate row's numbers, as loaded or as corrected, must make a CI at a level."""
    numbers = [values[f] for f in ("estimate", "ci_low", "ci_high", "ci_level")]
    if any(v is not None for v in numbers) and any(v is None for v in numbers):
        raise row.error(field_name, "estimate, ci_low, ci_high and ci_level must all be given or all be empty")
    if values["estimate"] is None:
        return
    if not 0 < values["ci_level"] < 1:
        raise row.error("ci_level" if field_name == "estimate" else field_name, f"{values['ci_level']} is not a level between 0 and 1 (0.95 for a 95% CI)")
    if not 0 < values["ci_low"] <= values["estimate"] <= values["ci_high"]:
        raise row.error(field_name, f"the CI {values['ci_low']} to {values['ci_high']} does not contain the estimate"
                        f" {values['estimate']} (ratios must be > 0)")


def _as_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _check_corrections(rows: dict[str, list[Row]], own: dict[str, dict[tuple, Row]],
                       store: StoreKeys | None) -> list[str | None]:
    """Each correction names a row and field that exist, its new value parses, its `printed` value
    (when given) is the value it replaces, and the corrected row still makes sense."""
    current: dict[tuple[str, tuple], dict[str, Any]] = {}
    printed: list[str | None] = []
    for row in rows["corrections.csv"]:
        table = row["table"]
        _, key_fields, fields = CORRECTABLE[table]
        for name in key_fields:
            if row[name] is None:
                raise row.error(name, f"a correction of {table} names its row by {', '.join(key_fields)}")
        key = tuple(row[f] for f in key_fields)
        if row["field"] not in fields:
            raise row.error("field", f"{row['field']!r} is not a correctable field of {table}"
                            f" (one of {', '.join(fields)})")
        try:
            new_value = fields[row["field"]](row["corrected"])
        except ValueError as error:
            raise row.error("corrected", str(error)) from None
        if (table, key) not in current:
            source = own[f"{table}.csv"].get(key)
            if source is not None:
                current[table, key] = dict(source.values)
            elif store and key in store.values.get(table, {}):
                current[table, key] = dict(store.values[table][key])
            else:
                raise row.error(key_fields[-1], f"{'/'.join(map(str, key))} is not a row of {table}.csv"
                                f"{' or of the review it updates' if store else ''}")
        values = current[table, key]
        old = values.get(row["field"])
        if row["printed"] is not None:
            try:
                stated = fields[row["field"]](row["printed"])
            except ValueError as error:
                raise row.error("printed", str(error)) from None
            if stated != old:
                raise row.error("printed", f"{row['printed']!r} is not the value this corrects: it is {_as_text(old)!r}")
        printed.append(row["printed"] if row["printed"] is not None else _as_text(old))
        values[row["field"]] = new_value
        if table == "dichotomous" and values["events"] is not None and values["total"] is not None \
                and values["events"] > values["total"]:
            raise row.error("corrected", f"the corrected row has {values['events']} events out of {values['total']}")
        if table == "estimates" and all(values[f] is not None for f in ("estimate", "ci_low", "ci_high", "ci_level")):
            _check_estimate(row, values, "corrected")
    return printed


def _write_table(connection: sa.Connection, model, rows: list[dict[str, Any]], where: str) -> list[int]:
    """Bulk-insert `rows` (dicts with the same keys) into the model's table; return their new ids in order."""
    table = model.__table__
    if not rows:
        return []
    ids = allocate_ids(connection, table.name, len(rows)) if "id" in table.c else []
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    if ids:
        columns["id"] = ids
    try:
        insert_columns(connection, table, columns)
    except sa.exc.DBAPIError as error:
        detail = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise InputError(f"{where}: rejected by the database: {detail}") from None
    return ids


def load_seed(engine: sa.Engine, folder: str | Path) -> LoadResult:
    """Load a seed folder (a review, or an update of one) in one transaction; a second load of the same
    content changes nothing."""
    if is_update_folder(folder):
        from evidence.workflows.update import load_update

        return load_update(engine, folder)
    return load_seeds(engine, [folder])[0]


def _lock_reviews(connection: sa.Connection, slugs: list[str]) -> None:
    """On PostgreSQL, loads of the same review wait for each other (transaction-scoped advisory lock)."""
    if connection.dialect.name == "postgresql":
        for slug in sorted(slugs):
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:slug))"), {"slug": f"evidence-review:{slug}"})


def load_seeds(engine: sa.Engine, folders: list[str | Path]) -> list[LoadResult]:
    """Load several review folders in one transaction, each table in one bulk write.

    Every folder is read and checked before anything is written. On PostgreSQL a
    transaction-scoped advisory lock per review slug makes two loads of the same
    review wait for each other: the second then finds the first one's content.
    """
    for folder in folders:
        if is_update_folder(folder):
            raise InputError(f"{folder}: is an update folder: load it on its own, after its review")
    seeds = [read_seed(folder) for folder in folders]
    slugs = [seed.review["slug"] for seed in seeds]
    if len(set(slugs)) != len(slugs):
        raise InputError(f"two folders of this load hold the same review slug: {sorted(s for s in slugs if slugs.count(s) > 1)[0]!r}")
    results: dict[str, LoadResult] = {}
    with friendly_errors(), engine.begin() as connection:
        _lock_reviews(connection, slugs)
        previous = connection.execute(
            sa.select(schema.Review.slug, schema.SeedLoad.content_hash, schema.SeedLoad.path)
            .join(schema.ReviewUpdate, schema.ReviewUpdate.review_id == schema.Review.id)
            .join(schema.SeedLoad, schema.SeedLoad.review_update_id == schema.ReviewUpdate.id, isouter=True)
            .where(schema.Review.slug.in_(slugs))
        ).all()
        loaded_before: dict[str, list[tuple[str | None, str | None]]] = {}
        for slug, content, path in previous:
            loaded_before.setdefault(slug, []).append((content, path))
        new = []
        for seed in seeds:
            slug = seed.review["slug"]
            if slug not in loaded_before:
                new.append(seed)
            elif any(content == seed.content_hash for content, _ in loaded_before[slug]):
                results[slug] = LoadResult(slug, loaded=False)
            else:
                paths = ", ".join(p for _, p in loaded_before[slug] if p) or "another source"
                raise AlreadyLoadedError(
                    f"review {slug!r} is already in the store, loaded from different content ({paths}); nothing was changed"
                )
        for seed, counts in zip(new, _write_reviews(connection, new)):
            results[seed.review["slug"]] = LoadResult(seed.review["slug"], loaded=True, counts=counts)
        if new and connection.dialect.name == "postgresql":
            # Fresh statistics, or the planner joins the views' tables as if they were empty.
            connection.execute(sa.text("ANALYZE"))
    return [results[slug] for slug in slugs]


@dataclass
class Target:
    """Where one folder's rows go: its review, its update, and the ids its keys may name already."""

    review_id: int
    update_id: int
    bias_tool: str
    existing: dict[str, dict[tuple, int]] = field(default_factory=dict)


def _write_reviews(connection: sa.Connection, seeds: list[Seed]) -> list[dict[str, int]]:
    """Write new reviews: the review rows, their update 0 and seed loads, then their content."""
    s = schema
    review_rows = []
    for seed in seeds:
        r = seed.review
        reported = r.get("reported_participants") or {}
        review_rows.append({
            "slug": r["slug"], "title": r["title"], "question": r.get("question"), "authors": r.get("authors"),
            "corresponding_author": r.get("corresponding_author"), "affiliation": r.get("affiliation"),
            "year": r.get("year"), "language": r.get("language"), "software": r.get("software"),
            "alpha": float(r.get("alpha", 0.05)), "model_rule": r.get("model_rule", "fixed_if_homogeneous"),
            "model_rule_text": r.get("model_rule_text"), "bias_tool": r.get("bias_tool"),
            "reported_participants": reported.get("total"),
            "reported_participants_experimental": reported.get("experimental"),
            "reported_participants_control": reported.get("control"),
            "reported_participants_source": reported.get("source"), "notes": r.get("notes"),
        })
    review_ids = _write_table(connection, s.Review, review_rows, "review.yaml")
    update_ids = _write_table(connection, s.ReviewUpdate, [
        {"review_id": review_id, "number": 0, "label": "original review", "searched_to": seed.review.get("searched_to")}
        for seed, review_id in zip(seeds, review_ids)
    ], "review.yaml")
    _write_table(connection, s.SeedLoad, [
        {"review_update_id": update_id, "path": str(seed.path), "content_hash": seed.content_hash,
         "software_version": __version__}
        for seed, update_id in zip(seeds, update_ids)
    ], "review.yaml")
    _write_table(connection, s.EligibilityCriterion, [
        {"review_id": review_id, "kind": c["kind"], "text": c["text"], "position": position}
        for seed, review_id in zip(seeds, review_ids)
        for position, c in enumerate(seed.review.get("eligibility") or [], start=1)
    ], "review.yaml")
    targets = [Target(review_id, update_id, seed.review.get("bias_tool") or "RoB 1")
               for seed, review_id, update_id in zip(seeds, review_ids, update_ids)]
    return write_content(connection, seeds, targets)


def _write_certainty(connection: sa.Connection, seeds: list[Seed], targets: list[Target], rows: list[tuple[int, Row]],
                     outcome_ids: dict, analysis_ids: dict) -> None:
    """certainty.csv's rows, dated to the folder's update; an analysis a row names must be of the row's outcome
    (checked here for analyses the store held before this folder)."""
    def analysis_id(i: int, row: Row) -> int | None:
        return analysis_ids[i, (row["analysis"],)] if row["analysis"] is not None else None

    named = {analysis_id(i, row) for i, row in rows} - {None}
    outcome_of = dict(connection.execute(
        sa.select(schema.Analysis.id, schema.Analysis.outcome_id).where(schema.Analysis.id.in_(named))).all()) if named else {}
    for i, row in rows:
        if row["analysis"] is not None and outcome_of[analysis_id(i, row)] != outcome_ids[i, (row["outcome"],)]:
            raise row.error("analysis", f"{row['analysis']} is an analysis of another outcome, not of {row['outcome']}")
    _write_table(connection, schema.CertaintyAssessment, [
        {"outcome_id": outcome_ids[i, (row["outcome"],)], "analysis_id": analysis_id(i, row),
         "review_update_id": targets[i].update_id, **{name: row[name] for name in CERTAINTY_COLUMNS}}
        for i, row in rows
    ], _where(seeds, "certainty.csv"))


def _where(seeds: list[Seed], name: str) -> str:
    """A file named in a database error: its full path when one folder is written."""
    return str(seeds[0].path / name) if len(seeds) == 1 else name


def write_content(connection: sa.Connection, seeds: list[Seed], targets: list[Target]) -> list[dict[str, int]]:
    """Write every CSV file of every seed, parents before children, one bulk insert per table.

    Keys a folder names but does not define resolve to the target's existing ids.
    """
    from scipy.stats import norm

    s = schema

    def rows_of(name: str):
        """(seed index, row) for every row of one file across the batch."""
        return [(i, row) for i, seed in enumerate(seeds) for row in seed.rows[name]]

    def keyed(name: str, model, build, key) -> dict:
        """Write one file's rows; return {(seed index, key): id}, the targets' existing ids included."""
        found = rows_of(name)
        where = _where(seeds, name)
        ids = _write_table(connection, model, [build(i, row) for i, row in found], where)
        existing = {(i, k): v for i, t in enumerate(targets) for k, v in t.existing.get(KEYS[name][1], {}).items()} \
            if name in KEYS else {}
        return {**existing, **{(i, key(row)): new_id for (i, row), new_id in zip(found, ids)}}

    def added(i: int) -> dict[str, int]:
        return {"review_update_id": targets[i].update_id}

    keyed("searches.csv", s.Search, lambda i, row: {**added(i), **row.values}, lambda row: None)
    keyed("flow.csv", s.ReportedFlowCount, lambda i, row: {**added(i), **row.values}, lambda row: None)
    study_ids = keyed("studies.csv", s.Study, lambda i, row: {
        "review_id": targets[i].review_id, "label": row["study"], "registry_id": row["registry_id"],
        "first_author": row["first_author"], "year": row["year"], "design": row["design"], "setting": row["setting"],
        "status": row["status"] or "included", "source": row["source"], **added(i),
    }, lambda row: (row["study"],))
    keyed("study_attributes.csv", s.StudyAttribute, lambda i, row: {
        "study_id": study_ids[i, (row["study"],)], "name": row["name"], "value": row["value"], "source": row["source"],
    }, lambda row: None)
    keyed("reports.csv", s.Report, lambda i, row: {
        "study_id": study_ids[i, (row["study"],)], "label": row["report"], **added(i),
        **{k: row[k] for k in ("kind", "citation", "year", "doi", "pmid", "url")},
    }, lambda row: None)
    arm_ids = keyed("arms.csv", s.Arm, lambda i, row: {
        "study_id": study_ids[i, (row["study"],)], "role": row["arm"],
        **{k: v for k, v in row.values.items() if k not in ("study", "arm")},
    }, lambda row: (row["study"], row["arm"]))
    outcome_ids = keyed("outcomes.csv", s.Outcome, lambda i, row: {
        "review_id": targets[i].review_id, "name": row["outcome"],
        **{k: v for k, v in row.values.items() if k != "outcome"},
    }, lambda row: (row["outcome"],))
    dichotomous_ids = keyed("dichotomous.csv", s.DichotomousData, lambda i, row: {
        "outcome_id": outcome_ids[i, (row["outcome"],)], "arm_id": arm_ids[i, (row["study"], row["arm"])],
        "derived_from_percent": row["derived"], **added(i),
        **{k: row[k] for k in ("variant", "events", "total", "percent", "population", "source_ref", "source_quote")},
    }, lambda row: (row["study"], row["outcome"], row["variant"], row["arm"]))
    levels = {row["ci_level"] for _, row in rows_of("estimates.csv") if row["ci_level"] is not None}
    levels |= {float(row["corrected"]) for _, row in rows_of("corrections.csv")
               if row["table"] == "estimates" and row["field"] == "ci_level"}
    known_levels = set(connection.execute(sa.select(s.CiLevel.level)).scalars())
    # The exact two-sided quantile: a 98.5% CI is not a 95% CI (POOLING.md).
    _write_table(connection, s.CiLevel, [
        {"level": level, "z": float(norm.ppf(1 - (1 - level) / 2))} for level in sorted(levels - known_levels)
    ], _where(seeds, "estimates.csv"))
    estimate_ids = keyed("estimates.csv", s.ContrastEstimate, lambda i, row: {
        "outcome_id": outcome_ids[i, (row["outcome"],)], "study_id": study_ids[i, (row["study"],)], **added(i),
        **{k: row[k] for k in ("variant", "measure", "estimate", "ci_low", "ci_high", "ci_level",
                               "population", "source_ref", "source_quote")},
    }, lambda row: (row["study"], row["outcome"], row["variant"]))
    keyed("bias.csv", s.BiasJudgement, lambda i, row: {
        "study_id": study_ids[i, (row["study"],)], "tool": targets[i].bias_tool,
        **{k: row[k] for k in ("domain", "judgement", "support", "source")},
    }, lambda row: None)
    analysis_ids = keyed("analyses.csv", s.Analysis, lambda i, row: {
        "review_id": targets[i].review_id, "outcome_id": outcome_ids[i, (row["outcome"],)], "name": row["analysis"],
        "label": row["label"], "measure": row["measure"], "method": row["method"], "model": row["model"],
        "tau2_method": row["tau2"], "level": row["level"], "variant": row["variant"], "subgroup": row["subgroup"],
        "threshold": row["threshold"], "planned_rrr": row["planned_rrr"],
        "planned_control_risk": row["planned_control_risk"],
    }, lambda row: (row["analysis"],))
    keyed("published_results.csv", s.PublishedResult, lambda i, row: {
        "analysis_id": analysis_ids[i, (row["analysis"],)], "subgroup": row["subgroup"], "k": row["k"],
        "model": row["model"], "estimate": row["estimate"], "ci_low": row["ci_low"], "ci_high": row["ci_high"],
        "p_text": row["p"], "i2_text": row["i2"], "q_p_text": row["q_p"],
        "events_experimental": row["events_experimental"], "events_control": row["events_control"],
        "source": row["source"],
    }, lambda row: None)
    _write_certainty(connection, seeds, targets, rows_of("certainty.csv"), outcome_ids, analysis_ids)
    row_ids = {"arms": arm_ids, "studies": study_ids, "dichotomous": dichotomous_ids, "estimates": estimate_ids}
    corrections = rows_of("corrections.csv")
    printed = [text for seed in seeds for text in seed.printed]
    _write_table(connection, s.Correction, [
        {"review_id": targets[i].review_id, "table_name": CORRECTABLE[row["table"]][0],
         "row_id": row_ids[row["table"]][i, tuple(row[f] for f in CORRECTABLE[row["table"]][1])],
         "field": row["field"], "printed": old, "corrected": row["corrected"], "reason": row["reason"],
         "source": row["source"], **added(i)}
        for (i, row), old in zip(corrections, printed)
    ], _where(seeds, "corrections.csv"))
    return [{name: len(found) for name, found in seed.rows.items() if found} for seed in seeds]

"""Seed folders (docs/seed-format.md): read and check every file, without a database.

A review folder has review.yaml and CSV files; an update folder has update.yaml
and any of the CSV files. `read_seed` reads and checks a whole folder (every
file, every row, the references across files) and raises InputError naming the
file, row and field of the first bad value; nothing is written anywhere. An
update folder may name rows of the review it updates: the caller passes those
keys and current values in (`StoreKeys`), read from the store by
evidence.workflows.load.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from evidence.core.vocabulary import (
    ARM_ROLES,
    ATTRIBUTE_KINDS,
    ATTRIBUTE_LEVELS,
    CATEGORIES,
    CONTRAST_MEASURES,
    DESIGNS,
    DIRECTIONS,
    DOMAIN_LEVELS,
    DOMAINS,
    ELIGIBILITY_KINDS,
    FIXED_METHODS,
    FLOW_STAGES,
    JUDGEMENTS,
    LARGE_EFFECT_LEVELS,
    MEASURES,
    MODEL_CHOICES,
    MODELS,
    OUTCOME_KINDS,
    PRESENT,
    PUBLICATION_BIAS_LEVELS,
    REPORT_KINDS,
    ROB1_DOMAINS,
    STUDY_STATUSES,
    UPGRADES,
)
from evidence.errors import InputError
from evidence.formats.fields import Row, date, integer, number, one_of, read_rows, required, text, yes_no

ROLE = required(one_of(*ARM_ROLES))


def percent(value: str) -> float | None:
    parsed = number(value)
    if parsed is not None and not 0 <= parsed <= 100:
        raise ValueError(f"{value.strip()!r} is not a percentage between 0 and 100")
    return parsed


# How a declared attribute's cells are read, by its kind (core/vocabulary.ATTRIBUTE_KINDS).
ATTRIBUTE_PARSERS: dict[str, Any] = {"integer": integer, "number": number, "percent": percent, "text": text}
# The columns of arms.csv that every review has; a review's declared arm attributes are further columns.
ARM_FIELDS = {"regimen": text, "regimen_text": text, "randomised_n": integer, "safety_n": integer}
NAME = re.compile(r"[a-z][a-z0-9_]*")


def attribute_text(value: Any) -> str | None:
    """A parsed attribute value as the store keeps it: text; a whole float loses its .0 (2.0 -> "2")."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def arm_attributes(attributes: list[dict[str, Any]]) -> dict[str, Any]:
    """{name: parser} of a review's declared arm attributes."""
    return {a["name"]: ATTRIBUTE_PARSERS[a["kind"]] for a in attributes if a["level"] == "arm"}


# What corrections.csv can correct: its `table` -> (the table in the store, the key
# columns that name the row, and each correctable field with its parser). An arm's
# declared attributes are correctable fields of it too (correctable()).
CORRECTABLE: dict[str, tuple[str, tuple[str, ...], dict[str, Any]]] = {
    "arms": ("arm", ("study", "arm"), ARM_FIELDS),
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



def correctable(attributes: list[dict[str, Any]]) -> dict[str, tuple[str, tuple[str, ...], dict[str, Any]]]:
    """CORRECTABLE with the review's declared arm attributes as fields of arms."""
    table, key, fields = CORRECTABLE["arms"]
    return {**CORRECTABLE, "arms": (table, key, {**fields, **arm_attributes(attributes)})}


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
    # `arm` is the arm's label (the trial's name for it); `role` may be left out where the label is the role.
    "arms.csv": {"study": required(text), "arm": required(text), "role": one_of(*ARM_ROLES), **ARM_FIELDS, "source": text},
    "corrections.csv": {
        "table": required(one_of(*CORRECTABLE)), "study": required(text), "arm": text,
        "outcome": text, "variant": text, "field": required(text),
        "printed": text, "corrected": required(text), "reason": required(text), "source": text,
    },
    "outcomes.csv": {
        "outcome": required(text), "label": text, "kind": required(one_of(*OUTCOME_KINDS)),
        "measure": required(one_of(*MEASURES)), "direction": one_of(*DIRECTIONS), "category": one_of(*CATEGORIES),
    },
    "dichotomous.csv": {
        "study": required(text), "outcome": required(text), "variant": required(text), "arm": required(text),
        "events": integer, "total": integer, "percent": number, "population": text,
        "source_ref": text, "source_quote": text, "derived": yes_no,
    },
    "continuous.csv": {
        "study": required(text), "outcome": required(text), "variant": required(text), "arm": required(text),
        "mean": number, "sd": number, "n": integer, "population": text, "source_ref": text, "source_quote": text,
        "derived": yes_no,
    },
    # The arm pairs an analysis compares in a study with more than one experimental or control arm; a study
    # not named here enters with every experimental arm against every control arm.
    "comparisons.csv": {"analysis": required(text), "study": required(text), "experimental": required(text),
                        "control": required(text)},
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
    "arms.csv": ("role",),
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
    # The review's declared attributes: {level, name, kind, unit, label} each.
    attributes: list[dict[str, Any]] = field(default_factory=list)
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
    # The review's declared attributes the folder's cells were read by.
    attributes: list[dict[str, Any]] = field(default_factory=list)


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
    from evidence.core.pooling.rules import MODEL_RULES  # noqa: PLC0415  (numpy only when a review is read)

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
    document["attributes"] = _read_attributes(document.get("attributes"), bad)
    return document


def _read_attributes(items: Any, bad) -> list[dict[str, Any]]:
    """review.yaml's `attributes`: the characteristics the review extracts, each {level: study | arm,
    name, kind: integer | number | percent | text, unit, label}."""
    if items is None:
        return []
    if not isinstance(items, list):
        raise bad("attributes", "must be a list of {level, name, kind, unit, label}")
    found: list[dict[str, Any]] = []
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise bad("attributes", f"item {position} must be a mapping with level, name, kind")
        unknown = sorted(set(item) - {"level", "name", "kind", "unit", "label"})
        if unknown:
            raise bad("attributes", f"item {position}: {unknown[0]!r} is not one of level, name, kind, unit, label")
        level, name, kind = item.get("level"), item.get("name"), item.get("kind")
        if level not in ATTRIBUTE_LEVELS:
            raise bad("attributes", f"item {position}: level {level!r} is not one of {', '.join(ATTRIBUTE_LEVELS)}")
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise bad("attributes", f"item {position}: name {name!r} must be lower-case letters, digits and"
                      " underscores, starting with a letter")
        if level == "arm" and name in FILES["arms.csv"]:
            raise bad("attributes", f"item {position}: {name!r} is a column of every arm already")
        if kind not in ATTRIBUTE_KINDS:
            raise bad("attributes", f"item {position}: kind {kind!r} is not one of {', '.join(ATTRIBUTE_KINDS)}")
        for key in ("unit", "label"):
            if item.get(key) is not None and not isinstance(item[key], str):
                raise bad("attributes", f"item {position}: {key} must be text")
        if any(a["level"] == level and a["name"] == name for a in found):
            raise bad("attributes", f"item {position}: {level} attribute {name!r} is declared twice")
        found.append({"level": level, "name": name, "kind": kind, "unit": item.get("unit"), "label": item.get("label")})
    return found


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
    attributes = store.attributes if store is not None else review["attributes"]
    declared = arm_attributes(attributes)
    files = {**FILES, "arms.csv": {**FILES["arms.csv"], **declared}}
    optional = {**OPTIONAL_COLUMNS, "arms.csv": (*OPTIONAL_COLUMNS["arms.csv"], *declared)}
    rows = {
        name: list(read_rows(folder / name, columns, optional.get(name, ())))
        if (folder / name).is_file() else []
        for name, columns in files.items()
    }
    for row in rows["arms.csv"]:
        _fill_role(row)
    study_kinds = {a["name"]: a["kind"] for a in attributes if a["level"] == "study"}
    for row in rows["study_attributes.csv"]:
        if row["name"] in study_kinds:  # a declared study attribute is read by its kind
            try:
                row.values["value"] = attribute_text(ATTRIBUTE_PARSERS[study_kinds[row["name"]]](row["value"]))
            except ValueError as error:
                raise row.error("value", f"{error} ({row['name']} is declared {study_kinds[row['name']]})") from None
    printed = check_references(rows, store, attributes)
    return Seed(folder, review, rows, content_hash(folder), printed, update, attributes)


def _fill_role(row: Row) -> None:
    """An arm without a role takes its label as the role where the label is one (seeds written before arms had
    labels name them experimental and control)."""
    if row["role"] is None:
        if row["arm"] not in ARM_ROLES:
            raise row.error("role", f"is empty: say whether arm {row['arm']!r} is {' or '.join(ARM_ROLES)}")
        row.values["role"] = row["arm"]


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
    "continuous.csv": (("study", "outcome", "variant", "arm"), "continuous", "a data row"),
    "comparisons.csv": (("analysis", "experimental", "control", "study"), "comparisons", "a comparison"),
    "bias.csv": (("study", "domain"), "bias", "a judgement"),
    "published_results.csv": (("analysis", "subgroup"), "published", "a published result"),
}


def check_references(rows: dict[str, list[Row]], store: StoreKeys | None = None,
                     attributes: list[dict[str, Any]] | None = None) -> list[str | None]:
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
                 "corrections.csv", "dichotomous.csv", "continuous.csv", "comparisons.csv"):
        for row in rows[name]:
            known(row, "study", studies, "study in studies.csv")
    for row in rows["dichotomous.csv"]:
        known(row, "arm", arms, "study arm in arms.csv", (row["study"], row["arm"]))
    for name in ("dichotomous.csv", "continuous.csv", "estimates.csv", "analyses.csv"):
        for row in rows[name]:
            known(row, "outcome", outcomes, "outcome in outcomes.csv")
    for row in rows["continuous.csv"]:
        known(row, "arm", arms, "study arm in arms.csv", (row["study"], row["arm"]))
        if row["n"] is not None and row["n"] < 1:
            raise row.error("n", f"{row['n']} is not a number of participants (at least 1)")
        if row["sd"] is not None and row["sd"] < 0:
            raise row.error("sd", f"{row['sd']} is negative")
    roles = {key: row["role"] for key, row in own["arms.csv"].items()}
    roles.update(store.values.get("arm_roles", {}) if store else {})
    for row in rows["comparisons.csv"]:
        known(row, "analysis", analyses, "analysis in analyses.csv")
        for side in ("experimental", "control"):
            known(row, side, arms, "study arm in arms.csv", (row["study"], row[side]))
            role = roles.get((row["study"], row[side]))
            if role is not None and role != side:
                raise row.error(side, f"arm {row[side]!r} of {row['study']} is a {role} arm")
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
    return _check_corrections(rows, own, store, correctable(attributes or []))


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
                       store: StoreKeys | None, tables: dict = CORRECTABLE) -> list[str | None]:
    """Each correction names a row and field that exist, its new value parses, its `printed` value
    (when given) is the value it replaces, and the corrected row still makes sense."""
    current: dict[tuple[str, tuple], dict[str, Any]] = {}
    printed: list[str | None] = []
    for row in rows["corrections.csv"]:
        table = row["table"]
        _, key_fields, fields = tables[table]
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

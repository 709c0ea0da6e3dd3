"""The analysis plan without a seed file: `evidence analysis add` and `evidence analysis list`.

An analysis names an outcome, a measure that suits the outcome's kind, how it is pooled (method,
model, tau² estimator, level), which data (variant and time point) and an optional subgroup. Adding
one is a protocol change: it is kept in `protocol_edit` (field `analysis`) with who and why, like
every other edit of the protocol. The checks are the ones analyses.csv gets in a seed folder.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from evidence.core.vocabulary import FIXED_METHODS, MODEL_CHOICES
from evidence.errors import InputError
from evidence.store import schema
from evidence.store.database import friendly_errors
from evidence.workflows.reviews import resolve_review

# The measures each kind of outcome can be pooled on (GENERIC: estimates as entered, any kind).
MEASURES_BY_KIND = {
    "dichotomous": ("RR", "OR", "RD", "PETO", "GENERIC"),
    "time_to_event": ("HR", "GENERIC"),
    "continuous": ("MD", "SMD", "GENERIC"),
}
# The fixed-effect method a measure takes when none is named (RevMan's defaults).
DEFAULT_METHOD = {"RR": "MH", "OR": "MH", "RD": "MH", "PETO": "PETO"}


@dataclass
class AnalysisSpec:
    """One planned analysis as a user states it; None means the default."""

    name: str
    outcome: str
    measure: str
    method: str | None = None
    model: str = "rule"
    level: float = 0.95
    variant: str = "primary"
    timepoint: str | None = None
    subgroup: str | None = None
    label: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _checked(connection: sa.Connection, review_id: int, spec: AnalysisSpec) -> dict[str, Any]:
    """The analysis row the spec makes, or InputError naming the option that is wrong."""
    name = (spec.name or "").strip()
    if not name:
        raise InputError("an analysis needs a NAME (e.g. 'os-hr')")
    if connection.execute(sa.select(schema.Analysis.id).where(
            schema.Analysis.review_id == review_id, schema.Analysis.name == name)).first():
        raise InputError(f"analysis {name!r} is already in the plan")
    outcome = connection.execute(sa.select(schema.Outcome.id, schema.Outcome.kind).where(
        schema.Outcome.review_id == review_id, schema.Outcome.name == spec.outcome)).first()
    if outcome is None:
        raise InputError(f"--outcome {spec.outcome!r} is not an outcome of the review (declare it with"
                         " `evidence form outcome`)")
    measure = (spec.measure or "").strip().upper()
    allowed = MEASURES_BY_KIND[outcome.kind]
    if measure not in allowed:
        raise InputError(f"--measure {spec.measure!r} does not suit a {outcome.kind} outcome (one of {', '.join(allowed)})")
    method = (spec.method or DEFAULT_METHOD.get(measure, "IV")).strip().upper()
    if method not in FIXED_METHODS:
        raise InputError(f"--method {spec.method!r} is not one of {', '.join(FIXED_METHODS)}")
    if (method == "PETO") != (measure == "PETO"):
        raise InputError(f"--method {method} goes with the measure PETO only" if method == "PETO"
                         else "the measure PETO is pooled by --method PETO")
    if method == "MH" and measure not in ("RR", "OR", "RD"):
        raise InputError(f"--method MH pools events and totals (RR, OR, RD), not {measure}: use IV")
    if spec.model not in MODEL_CHOICES:
        raise InputError(f"--model {spec.model!r} is not one of {', '.join(MODEL_CHOICES)}")
    if not isinstance(spec.level, (int, float)) or math.isnan(spec.level) or not 0 < spec.level < 1:
        raise InputError(f"--level {spec.level!r} is not a level between 0 and 1 (0.95 for 95%)")
    timepoint = (spec.timepoint or "").strip()
    planned = set(connection.execute(sa.select(schema.ExtractionFormOutcome.timepoint).where(
        schema.ExtractionFormOutcome.review_id == review_id,
        schema.ExtractionFormOutcome.outcome_id == outcome.id)).scalars())
    if planned and timepoint not in planned:
        shown = ", ".join(repr(t) if t else "none" for t in sorted(planned))
        raise InputError(f"--timepoint {timepoint or 'none'!r} is not a time point the form asks {spec.outcome!r}"
                         f" at ({shown})")
    return {"review_id": review_id, "outcome_id": outcome.id, "name": name, "label": spec.label,
            "measure": measure, "method": method, "model": spec.model, "tau2_method": "DL",
            "level": float(spec.level), "variant": (spec.variant or "primary").strip(),
            "timepoint": timepoint or None, "subgroup": (spec.subgroup or "").strip() or None}


def add_analysis(engine: sa.Engine, review: str | None, spec: AnalysisSpec, by: str, why: str | None = None) -> dict:
    """Add one analysis to a review's plan, in one transaction with its entry in the protocol's history."""
    if not (by or "").strip():
        raise InputError("--by is empty: say who changes the analysis plan")
    with friendly_errors(), engine.begin() as connection:
        review_id, _ = resolve_review(connection, review)
        row = _checked(connection, review_id, spec)
        connection.execute(sa.insert(schema.Analysis).values(**row))
        described = f"{row['name']}: {spec.outcome} {row['measure']} ({row['method']}, model {row['model']}" + (
            f", at {row['timepoint']}" if row["timepoint"] else "") + (
            f", by {row['subgroup']}" if row["subgroup"] else "") + ")"
        connection.execute(sa.insert(schema.ProtocolEdit).values(
            review_id=review_id, field="analysis", old_value=None, new_value=described, edited_by=by.strip(),
            why=why))
    return row


def list_analyses(engine: sa.Engine, review: str | None = None) -> list[dict[str, Any]]:
    """The review's analysis plan, in the order it was made."""
    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        rows = connection.execute(sa.text(
            "SELECT a.name, o.name AS outcome, a.measure, a.method, a.model, a.level, a.variant, a.timepoint,"
            " a.subgroup, a.label FROM analysis a JOIN outcome o ON o.id = a.outcome_id"
            " WHERE a.review_id = :review ORDER BY a.id"), {"review": review_id}).mappings().all()
    return [dict(row) for row in rows]

"""A review's protocol: question, eligibility criteria (PICO), risk-of-bias tool, model rule, alpha, single or
dual screening per stage, and the reasons a full text may be excluded for.

`create_review` starts a review with its protocol (dual screening at both stages unless told otherwise: the
Cochrane standard); `edit_review` changes it, one transaction, and keeps every change in `protocol_edit`
(field, old value, new value, who, when, why); `review_protocol` reads it with that history. Lists change
one item at a time: adding a criterion or a reason, or removing one by its text. An edit is refused, and
nothing changes, when it would break what screening already recorded: removing a reason a full-text
exclusion gives, or a screening mode that would take the title/abstract let-through back from records with
full-text decisions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa

from evidence.core.pooling.rules import MODEL_RULES
from evidence.core.vocabulary import BIAS_TOOLS, ELIGIBILITY_KINDS, SCREENING_MODES, SCREENING_STAGES
from evidence.errors import AlreadyLoadedError, InputError
from evidence.store import schema
from evidence.store.database import friendly_errors
from evidence.workflows.history import Event, protocol_events
from evidence.workflows.reviews import resolve_review
from evidence.workflows.screening import exclusion_reasons, reason_key, stranded_full_text

# The Cochrane standard: two reviewers screen each record independently, at both stages.
DEFAULT_SCREENING = "dual"
# The review's columns a protocol sets (the screening modes are per stage: screening_<stage>).
COLUMNS = ("title", "question", "bias_tool", "model_rule", "alpha",
           *(f"screening_{stage}" for stage in SCREENING_STAGES))


@dataclass
class ProtocolChanges:
    """What `create_review` sets or `edit_review` changes; None and empty mean "leave as it is"."""

    title: str | None = None
    question: str | None = None
    criteria: Sequence[tuple[str, str]] = ()  # (kind, text) criteria to add
    remove_criteria: Sequence[str] = ()  # criteria to remove, by their text
    bias_tool: str | None = None
    model_rule: str | None = None
    alpha: float | str | None = None
    screening: Mapping[str, str] = field(default_factory=dict)  # stage -> single or dual
    exclusion_reasons: Sequence[str] = ()  # full-text exclusion reasons to add
    remove_exclusion_reasons: Sequence[str] = ()

    def empty(self) -> bool:
        def given(value: Any) -> bool:
            return value is not None and (isinstance(value, (str, int, float)) or len(value) > 0)

        return not any(given(value) for value in vars(self).values())


@dataclass
class Change:
    field: str
    old: str | None
    new: str | None


@dataclass
class Protocol:
    review: str
    title: str
    question: str | None
    criteria: list[tuple[str, str]]  # (kind, text) in the order they were declared
    bias_tool: str | None
    model_rule: str
    alpha: float
    screening: dict[str, str]  # stage -> single or dual
    exclusion_reasons: list[str]
    history: list[Event] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"review": self.review, "title": self.title, "question": self.question,
                "criteria": [{"kind": kind, "text": text} for kind, text in self.criteria],
                "bias_tool": self.bias_tool, "model_rule": self.model_rule, "alpha": self.alpha,
                "screening": self.screening, "exclusion_reasons": self.exclusion_reasons,
                "history": [event.as_json() for event in self.history]}


@dataclass
class Edited:
    """An edit's changes (none: the protocol already said so), and the records awaiting a screening decision
    before and after it (a switch between single and dual screening moves records in or out)."""

    review: str
    changes: list[Change]
    awaiting_before: int
    awaiting_after: int


def _line(value: str | None, option: str) -> str:
    """A one-line text option, stripped; refused when empty or when it holds line breaks or control characters."""
    value = (value or "").strip()
    if not value:
        raise InputError(f"{option} is empty")
    if re.search(r"[\x00-\x1f\x7f]", value):
        raise InputError(f"{option} {value!r} must be one line of text, without control characters")
    return value


def _alpha(value: float | str) -> float:
    try:
        alpha = float(value)
    except (TypeError, ValueError):
        alpha = math.nan
    if not (0 < alpha < 1):
        raise InputError(f"--alpha {value!r} is not a number between 0 and 1 (e.g. 0.05)")
    return alpha


def _bias_tool(value: str) -> str:
    squeezed = re.sub(r"[\s_-]", "", value).casefold()
    for tool in BIAS_TOOLS:
        if tool.replace(" ", "").casefold() == squeezed:
            return tool
    raise InputError(f"--rob-tool {value!r} is not one of {', '.join(BIAS_TOOLS)}")


def _columns(changes: ProtocolChanges) -> dict[str, Any]:
    """The review columns the changes set, checked and in the store's spelling."""
    values: dict[str, Any] = {}
    if changes.title is not None:
        values["title"] = _line(changes.title, "--title")
    if changes.question is not None:
        values["question"] = _line(changes.question, "--question")
    if changes.bias_tool is not None:
        values["bias_tool"] = _bias_tool(changes.bias_tool)
    if changes.model_rule is not None:
        if changes.model_rule.strip() not in MODEL_RULES:
            raise InputError(f"--model-rule {changes.model_rule!r} is not one of {', '.join(MODEL_RULES)}")
        values["model_rule"] = changes.model_rule.strip()
    if changes.alpha is not None:
        values["alpha"] = _alpha(changes.alpha)
    for stage, mode in changes.screening.items():
        if stage not in SCREENING_STAGES:
            raise InputError(f"screening stage {stage!r} is not one of {', '.join(SCREENING_STAGES)}")
        if mode not in SCREENING_MODES:
            raise InputError(f"--screening {mode!r} (at {stage}) is not one of {', '.join(SCREENING_MODES)}")
        values[f"screening_{stage}"] = mode
    return values


def _shown(value: Any) -> str | None:
    """A value as the history keeps it (text)."""
    return None if value is None else format(value, "g") if isinstance(value, float) else str(value)


def _read(connection: sa.Connection, review_id: int, slug: str) -> Protocol:
    row = connection.execute(sa.select(*(getattr(schema.Review, c) for c in COLUMNS))
                             .where(schema.Review.id == review_id)).mappings().one()
    criteria = connection.execute(sa.select(schema.EligibilityCriterion.kind, schema.EligibilityCriterion.text)
                                  .where(schema.EligibilityCriterion.review_id == review_id)
                                  .order_by(schema.EligibilityCriterion.position)).all()
    return Protocol(slug, row["title"], row["question"], [tuple(c) for c in criteria], row["bias_tool"],
                    row["model_rule"], row["alpha"],
                    {stage: row[f"screening_{stage}"] or "single" for stage in SCREENING_STAGES},
                    exclusion_reasons(connection, review_id))


def _next_position(connection: sa.Connection, table, review_id: int) -> int:
    return connection.execute(sa.select(sa.func.coalesce(sa.func.max(table.position), 0) + 1)
                              .where(table.review_id == review_id)).scalar_one()


def _apply(connection: sa.Connection, review_id: int, slug: str, changes: ProtocolChanges) -> list[Change]:
    """Write the changes to the review's protocol; return what actually changed."""
    current = _read(connection, review_id, slug)
    done: list[Change] = []
    now = {**{c: getattr(current, c, None) for c in COLUMNS},
           **{f"screening_{stage}": mode for stage, mode in current.screening.items()}}
    updates = {column: value for column, value in _columns(changes).items() if _shown(value) != _shown(now[column])}
    if updates:
        connection.execute(sa.update(schema.Review).where(schema.Review.id == review_id).values(**updates))
        done += [Change(column, _shown(now[column]), _shown(value)) for column, value in updates.items()]
    criterion = schema.EligibilityCriterion
    for text in changes.remove_criteria:
        text = _line(text, "--remove-criterion")
        kinds = [kind for kind, known in current.criteria if known == text]
        if not kinds:
            listed = "; ".join(f"{kind}: {known}" for kind, known in current.criteria) or "none"
            raise InputError(f"--remove-criterion {text!r} is not a criterion of review {slug!r} (criteria: {listed})")
        connection.execute(sa.delete(criterion).where(criterion.review_id == review_id, criterion.text == text))
        done += [Change(kind, text, None) for kind in kinds]
        current.criteria = [(kind, known) for kind, known in current.criteria if known != text]
    for kind, text in changes.criteria:
        if kind not in ELIGIBILITY_KINDS:
            raise InputError(f"criterion kind {kind!r} is not one of {', '.join(ELIGIBILITY_KINDS)}")
        text = _line(text, f"--{kind}")
        if (kind, text) in current.criteria:
            raise InputError(f"--{kind} {text!r} is already a criterion of review {slug!r}")
        connection.execute(sa.insert(criterion).values(
            review_id=review_id, kind=kind, text=text, position=_next_position(connection, criterion, review_id)))
        done.append(Change(kind, None, text))
        current.criteria.append((kind, text))
    reason_table = schema.ExclusionReason
    for reason in changes.remove_exclusion_reasons:
        given = _line(reason, "--remove-exclusion-reason")
        reason = next((r for r in current.exclusion_reasons if reason_key(r) == reason_key(given)), None)
        if reason is None:
            listed = ", ".join(repr(r) for r in current.exclusion_reasons) or "none"
            raise InputError(f"--remove-exclusion-reason {given!r} is not a full-text exclusion reason of review"
                             f" {slug!r} (reasons: {listed})")
        used = connection.execute(sa.text(
            "SELECT COUNT(*) FROM screening_decision d JOIN record rec ON rec.id = d.record_id"
            " JOIN search se ON se.id = rec.search_id JOIN review_update u ON u.id = se.review_update_id"
            " WHERE u.review_id = :review AND d.stage = 'full_text' AND d.decision = 'exclude' AND d.reason = :reason"),
            {"review": review_id, "reason": reason}).scalar_one()
        if used:
            raise InputError(f"--remove-exclusion-reason {reason!r}: {used} full-text exclusion(s) give it as their"
                             " reason, so it stays in the protocol")
        connection.execute(sa.delete(reason_table).where(reason_table.review_id == review_id,
                                                         reason_table.reason == reason))
        done.append(Change("exclusion_reason", reason, None))
        current.exclusion_reasons.remove(reason)
    for reason in changes.exclusion_reasons:
        reason = _line(reason, "--exclusion-reason")
        if reason_key(reason) in map(reason_key, current.exclusion_reasons):
            raise InputError(f"--exclusion-reason {reason!r} is already a full-text exclusion reason of review {slug!r}")
        connection.execute(sa.insert(reason_table).values(
            review_id=review_id, reason=reason, position=_next_position(connection, reason_table, review_id)))
        done.append(Change("exclusion_reason", None, reason))
        current.exclusion_reasons.append(reason)
    return done


def create_review(engine: sa.Engine, slug: str, title: str, protocol: ProtocolChanges | None = None) -> Protocol:
    """A new review (with its original search round, update 0) and its protocol, which a team fills from search
    exports; screening is dual at each stage `protocol` does not say otherwise of. Returns the protocol."""
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug or ""):
        raise InputError(f"review slug {slug!r} may hold only lower-case letters, digits and single hyphens")
    protocol = protocol or ProtocolChanges()
    if protocol.remove_criteria or protocol.remove_exclusion_reasons:
        raise InputError("a new review has no criteria or reasons to remove")
    screening = {stage: DEFAULT_SCREENING for stage in SCREENING_STAGES} | dict(protocol.screening)
    with friendly_errors(), engine.begin() as connection:
        if connection.execute(sa.select(schema.Review.id).where(schema.Review.slug == slug)).first():
            raise AlreadyLoadedError(f"review {slug!r} already exists; nothing was changed")
        review_id = connection.execute(
            sa.insert(schema.Review).values(slug=slug, title=_line(title, "--title")).returning(schema.Review.id)
        ).scalar_one()
        connection.execute(sa.insert(schema.ReviewUpdate).values(review_id=review_id, number=0, label="original review"))
        _apply(connection, review_id, slug, replace(protocol, screening=screening))
        return _read(connection, review_id, slug)


def _awaiting(connection: sa.Connection, review_id: int) -> int:
    return connection.execute(sa.text(
        "SELECT COUNT(*) FROM screening_status st JOIN record rec ON rec.id = st.record_id"
        " JOIN search se ON se.id = rec.search_id JOIN review_update u ON u.id = se.review_update_id"
        " LEFT JOIN record_duplicate dup ON dup.record_id = rec.id"
        " WHERE u.review_id = :review AND st.awaiting AND dup.record_id IS NULL"), {"review": review_id}).scalar_one()


def edit_review(engine: sa.Engine, review: str | None, changes: ProtocolChanges, by: str,
                why: str | None = None) -> Edited:
    """Change the review's protocol in one transaction, each change kept in the history with who and why."""
    if changes.empty():
        raise InputError("name what to change (see `evidence review edit --help`)")
    by = _line(by, "--by")
    why = None if why is None or not why.strip() else _line(why, "--why")
    with friendly_errors(), engine.begin() as connection:
        review_id, slug = resolve_review(connection, review)
        before = _awaiting(connection, review_id)
        stranded = set(stranded_full_text(connection, review_id=review_id))
        done = _apply(connection, review_id, slug, changes)
        newly = sorted(set(stranded_full_text(connection, review_id=review_id)) - stranded)
        if newly:
            raise InputError(
                f"this screening mode would take the title/abstract let-through back from {len(newly)} record(s)"
                f" with full-text decisions (records {', '.join(map(str, newly[:10]))}"
                f"{', ...' if len(newly) > 10 else ''}); nothing was changed")
        if done:
            connection.execute(sa.insert(schema.ProtocolEdit), [
                {"review_id": review_id, "field": c.field, "old_value": c.old, "new_value": c.new, "edited_by": by,
                 "why": why} for c in done])
        after = _awaiting(connection, review_id)
    return Edited(slug, done, before, after)


def review_protocol(engine: sa.Engine, review: str | None = None) -> Protocol:
    """The review's protocol as it stands, with the history of its edits (oldest first)."""
    with friendly_errors(), engine.connect() as connection:
        review_id, slug = resolve_review(connection, review)
        protocol = _read(connection, review_id, slug)
        protocol.history = protocol_events(connection, review_id)
    return protocol

"""`evidence history`: the story of a value or of a record, from the append-only tables.

Nothing in a review is deleted or overwritten: a value keeps the row it was
loaded in and every correction after it (who loaded it: the folder of its
update; why it changed: the correction's reason and source); a record keeps
every screening decision, duplicate link and unlink, and retrieval attempt; a
review's protocol keeps every edit (field, old and new value, who, why).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from evidence.errors import InputError, NotFoundError
from evidence.formats.seed import ARM_FIELDS, correctable
from evidence.store.database import friendly_errors
from evidence.workflows.reviews import resolve_review


@dataclass
class Event:
    when: Any  # a datetime, or None where the store has no time for it
    what: str  # "loaded", "corrected", "decided", "linked", ...
    value: Any
    detail: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"when": None if self.when is None else str(self.when), "what": self.what, "value": self.value,
                **self.detail}


# Which row a value lives in, by what names it: the SQL finds (row id, loaded value, update number, folder, time).
_ROW_SQL = {
    "arm": ("SELECT a.id, a.{field}, u.number, l.path, l.loaded_at FROM arm a JOIN study s ON s.id = a.study_id"
            " LEFT JOIN review_update u ON u.id = s.review_update_id LEFT JOIN seed_load l ON l.review_update_id = u.id"
            " WHERE s.review_id = :review AND s.label = :study AND a.label = :arm"),
    # A declared arm attribute: its value as loaded is in arm_attribute (none: the source left it out).
    "arm_attribute": (
        "SELECT a.id, (SELECT v.value FROM arm_attribute v WHERE v.arm_id = a.id AND v.name = :field), u.number, l.path,"
        " l.loaded_at FROM arm a JOIN study s ON s.id = a.study_id"
        " LEFT JOIN review_update u ON u.id = s.review_update_id LEFT JOIN seed_load l ON l.review_update_id = u.id"
        " WHERE s.review_id = :review AND s.label = :study AND a.label = :arm"),
    "study": ("SELECT s.id, s.{field}, u.number, l.path, l.loaded_at FROM study s"
              " LEFT JOIN review_update u ON u.id = s.review_update_id LEFT JOIN seed_load l ON l.review_update_id = u.id"
              " WHERE s.review_id = :review AND s.label = :study"),
    "dichotomous_data": (
        "SELECT d.id, d.{field}, u.number, l.path, l.loaded_at FROM dichotomous_data d JOIN arm a ON a.id = d.arm_id"
        " JOIN study s ON s.id = a.study_id JOIN outcome o ON o.id = d.outcome_id"
        " LEFT JOIN review_update u ON u.id = d.review_update_id LEFT JOIN seed_load l ON l.review_update_id = u.id"
        " WHERE s.review_id = :review AND s.label = :study AND a.label = :arm AND o.name = :outcome AND d.variant = :variant"),
    "contrast_estimate": (
        "SELECT c.id, c.{field}, u.number, l.path, l.loaded_at FROM contrast_estimate c JOIN study s ON s.id = c.study_id"
        " JOIN outcome o ON o.id = c.outcome_id"
        " LEFT JOIN review_update u ON u.id = c.review_update_id LEFT JOIN seed_load l ON l.review_update_id = u.id"
        " WHERE s.review_id = :review AND s.label = :study AND o.name = :outcome AND c.variant = :variant"),
}


def value_history(engine: sa.Engine, field: str, study: str, *, review: str | None = None, arm: str | None = None,
                  outcome: str | None = None, variant: str = "primary") -> list[Event]:
    """The story of one value: as loaded, then each correction, oldest first.

    The value is named like a correction names it: a study's field; an arm's (study, arm);
    outcome data by (study, outcome, variant) and, for events and totals, the arm.
    """
    file = ("dichotomous" if arm else "estimates") if outcome else ("arms" if arm else "studies")
    loaded_field = "derived_from_percent" if field == "derived" else field
    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        attributes = [dict(r) for r in connection.execute(sa.text(
            "SELECT level, name, kind FROM attribute_definition WHERE review_id = :review"), {"review": review_id}).mappings()]
        table, _, fields = correctable(attributes)[file]
        if field not in fields:
            raise InputError(f"{field!r} is not a field of {file} (one of {', '.join(fields)})")
        query = _ROW_SQL["arm_attribute" if file == "arms" and field not in ARM_FIELDS else table]
        row = connection.execute(sa.text(query.format(field=loaded_field)), {
            "review": review_id, "study": study, "arm": arm, "outcome": outcome, "variant": variant, "field": field}).first()
        if row is None:
            named = "/".join(x for x in (study, arm, outcome, variant if outcome else None) if x)
            raise NotFoundError(f"no {file} row {named} in this review")
        row_id, value, number, path, loaded_at = row
        events = [Event(loaded_at, "loaded", value, {"update": number, "from": path})]
        for corrected, printed, reason, source, at, update in connection.execute(sa.text(
                "SELECT c.corrected, c.printed, c.reason, c.source, c.recorded_at, u.number FROM correction c"
                " LEFT JOIN review_update u ON u.id = c.review_update_id"
                " WHERE c.table_name = :table AND c.row_id = :row AND c.field = :field ORDER BY c.id"),
                {"table": table, "row": row_id, "field": field}):
            events.append(Event(at, "corrected", corrected, {"update": update, "replaces": printed, "reason": reason,
                                                             "source": source}))
    return events


def record_history(engine: sa.Engine, record_id: int, review: str | None = None) -> list[Event]:
    """Every screening decision, duplicate link or unlink and retrieval of one record, in time order."""
    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        found = connection.execute(sa.text(
            "SELECT rec.id FROM record rec JOIN search se ON se.id = rec.search_id JOIN review_update u"
            " ON u.id = se.review_update_id WHERE rec.id = :record AND u.review_id = :review"),
            {"record": record_id, "review": review_id}).first()
        if found is None:
            raise NotFoundError(f"no record {record_id} in this review")
        events = [Event(at, "decided", decision, {"stage": stage, "by": reviewer, "role": role, "reason": reason})
                  for stage, reviewer, role, decision, reason, at in connection.execute(sa.text(
                      "SELECT stage, reviewer, role, decision, reason, decided_at FROM screening_decision"
                      " WHERE record_id = :record ORDER BY id"), {"record": record_id})]
        events += [Event(at, action, other, {"method": method, "by": by, "reason": reason, "score": score})
                   for action, other, method, by, reason, score, at in connection.execute(sa.text(
                       "SELECT action, CASE WHEN record_id = :record THEN other_record_id ELSE record_id END,"
                       " method, decided_by, reason, score, decided_at FROM duplicate_link"
                       " WHERE record_id = :record OR other_record_id = :record ORDER BY id"), {"record": record_id})]
        events += [Event(at, "retrieval", retrieved, {"by": by, "note": note})
                   for retrieved, by, note, at in connection.execute(sa.text(
                       "SELECT retrieved, recorded_by, note, recorded_at FROM full_text_retrieval"
                       " WHERE record_id = :record ORDER BY id"), {"record": record_id})]
    return sorted(events, key=lambda e: str(e.when))


def protocol_events(connection: sa.Connection, review_id: int) -> list[Event]:
    """Every edit of a review's protocol, oldest first: a value changed (the new one; what it replaces), or a
    list's item (criterion, exclusion reason) added or removed; the field, who and why."""
    rows = connection.execute(sa.text("SELECT field, old_value, new_value, edited_by, why, edited_at FROM protocol_edit"
                                      " WHERE review_id = :review ORDER BY id"), {"review": review_id})
    return [Event(at, "added" if old is None else "removed" if new is None else "changed",
                  old if new is None else new,
                  {"field": field, "replaces": old if old is not None and new is not None else None, "by": by,
                   "why": why})
            for field, old, new, by, why, at in rows]


def protocol_history(engine: sa.Engine, review: str | None = None) -> list[Event]:
    """The story of a review's protocol (`evidence history --review SLUG`)."""
    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        return protocol_events(connection, review_id)

"""Screening decisions: append-only, each with who made it and when.

A changed mind is a new row; nothing is updated or deleted. Each decision is
its own short transaction, so many reviewers (processes) can record at once.
"""

from __future__ import annotations

import sqlalchemy as sa

from . import schema
from .db import friendly_errors
from .errors import InputError, NotFoundError
from .schema.searching import DECISIONS, SCREENING_STAGES


def record_decision(
    engine: sa.Engine, record_id: int, stage: str, reviewer: str, decision: str, reason: str | None = None
) -> int:
    """Append one reviewer's decision on one record at one stage; return its id."""
    if stage not in SCREENING_STAGES:
        raise InputError(f"stage {stage!r} is not one of {', '.join(SCREENING_STAGES)}")
    if decision not in DECISIONS:
        raise InputError(f"decision {decision!r} is not one of {', '.join(DECISIONS)}")
    if not reviewer or not reviewer.strip():
        raise InputError("a decision needs the reviewer who made it")
    with friendly_errors(), engine.begin() as connection:
        if connection.execute(sa.select(schema.Record.id).where(schema.Record.id == record_id)).first() is None:
            raise NotFoundError(f"no record with id {record_id}")
        return connection.execute(
            sa.insert(schema.ScreeningDecision)
            .values(record_id=record_id, stage=stage, reviewer=reviewer.strip(), decision=decision, reason=reason)
            .returning(schema.ScreeningDecision.id)
        ).scalar_one()

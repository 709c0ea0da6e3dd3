"""GRADE certainty of the evidence per outcome: the judgements, never the certainty they add up to.

One row is one assessment of one review outcome, made in one review update (0:
with the review; an update folder may re-grade, and the latest update's row is
the current one). The five downgrading domains and the three upgrading factors
are stored with the reason for each; the certainty itself (high, moderate, low,
very low) is computed from them by `evidence.core.grade.grade_certainty`, so a stored
summary can never disagree with its inputs.

Per outcome, not per analysis: GRADE rates the body of evidence for an outcome,
and a Summary of findings table has one row per outcome. `analysis_id` records
which pooled analysis the judgements were made on (imprecision and inconsistency
are read off a pooled estimate); NULL means the outcome's main analysis (variant
`primary`, no subgroup).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from evidence.core.vocabulary import (
    DESIGNS,
    DOMAIN_LEVELS,
    DOMAINS,
    LARGE_EFFECT_LEVELS,
    PRESENT,
    PUBLICATION_BIAS_LEVELS,
    UPGRADES,
)
from evidence.store.schema.base import Base, Text, fk, id_column, one_of


def _optional(column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} IS NULL OR " + one_of(column, values).sqltext.text, name=f"{column}_known")


_NO_UPGRADE = " AND ".join(f"COALESCE({name}, 'no') = 'no'" for name in UPGRADES)


class CertaintyAssessment(Base):
    __tablename__ = "certainty_assessment"
    id: Mapped[int] = id_column("certainty_assessment")
    # The unique key's leading column serves lookups by outcome; no separate indexes
    # (DuckDB cannot alter an indexed table later, STACK.md).
    outcome_id: Mapped[int] = fk("outcome.id", index=False)
    analysis_id: Mapped[int | None] = fk("analysis.id", nullable=True, index=False)
    review_update_id: Mapped[int] = fk("review_update.id", index=False)
    # Where GRADE starts: randomised trials at high, non-randomised studies at low.
    design: Mapped[str] = mapped_column(Text)
    risk_of_bias: Mapped[str] = mapped_column(Text)
    risk_of_bias_reason: Mapped[str] = mapped_column(Text)
    inconsistency: Mapped[str] = mapped_column(Text)
    inconsistency_reason: Mapped[str] = mapped_column(Text)
    indirectness: Mapped[str] = mapped_column(Text)
    indirectness_reason: Mapped[str] = mapped_column(Text)
    imprecision: Mapped[str] = mapped_column(Text)
    imprecision_reason: Mapped[str] = mapped_column(Text)
    publication_bias: Mapped[str] = mapped_column(Text)
    publication_bias_reason: Mapped[str] = mapped_column(Text)
    # NULL: not considered (the same as "no").
    large_effect: Mapped[str | None] = mapped_column(Text)
    dose_response: Mapped[str | None] = mapped_column(Text)
    plausible_confounding: Mapped[str | None] = mapped_column(Text)
    upgrade_reason: Mapped[str | None] = mapped_column(Text)
    comments: Mapped[str | None] = mapped_column(Text)
    assessed_by: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        sa.UniqueConstraint("outcome_id", "review_update_id"),
        one_of("design", DESIGNS),
        *(one_of(name, DOMAIN_LEVELS) for name in DOMAINS),
        one_of("publication_bias", PUBLICATION_BIAS_LEVELS),
        _optional("large_effect", LARGE_EFFECT_LEVELS),
        _optional("dose_response", PRESENT),
        _optional("plausible_confounding", PRESENT),
        sa.CheckConstraint(f"design = 'non-randomised' OR ({_NO_UPGRADE})", name="upgrade_non_randomised"),
        sa.CheckConstraint(f"upgrade_reason IS NOT NULL OR ({_NO_UPGRADE})", name="upgrade_has_reason"),
    )

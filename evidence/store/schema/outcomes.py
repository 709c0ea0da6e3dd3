"""Outcomes and the data extracted for them: events per arm, contrast estimates, means."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from evidence.core.vocabulary import (
    CATEGORIES,
    CONTRAST_MEASURES,
    DIRECTIONS,
    GENERIC_MEASURES,
    MEASURES,
    OUTCOME_KINDS,
)
from evidence.store.schema.base import Base, Double, Text, added_in, fk, id_column, one_of


class Outcome(Base):
    __tablename__ = "outcome"
    id: Mapped[int] = id_column("outcome")
    review_id: Mapped[int] = fk("review.id")
    name: Mapped[str] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text)
    direction: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        sa.UniqueConstraint("review_id", "name"),
        one_of("kind", OUTCOME_KINDS),
        one_of("measure", MEASURES),
        sa.CheckConstraint("direction IS NULL OR " + one_of("direction", DIRECTIONS).sqltext.text, name="direction_known"),
        sa.CheckConstraint("category IS NULL OR " + one_of("category", CATEGORIES).sqltext.text, name="category_known"),
    )


class CiLevel(Base):
    """The two-sided standard normal quantile of each CI level in use.

    SQL has no inverse normal; the loader writes scipy's exact value here, so the
    analysis-input view derives a standard error from a 98.5% CI with z = 2.4324,
    not 1.96.
    """

    __tablename__ = "ci_level"
    level: Mapped[float] = mapped_column(Double, primary_key=True, autoincrement=False)
    z: Mapped[float] = mapped_column(Double)
    __table_args__ = (sa.CheckConstraint("level > 0 AND level < 1 AND z > 0", name="level_range"),)


class _Sourced:
    """Columns every extracted value carries: where it was read and whether it was derived."""

    variant: Mapped[str] = mapped_column(Text, server_default=sa.text("'primary'"))
    population: Mapped[str | None] = mapped_column(Text)
    report_id: Mapped[int | None] = fk("report.id", nullable=True)
    source_ref: Mapped[str | None] = mapped_column(Text)
    source_quote: Mapped[str | None] = mapped_column(Text)
    review_update_id: Mapped[int | None] = added_in()
    # When the outcome was measured ("12 weeks", "end of treatment"); '' where the outcome names no time point.
    timepoint: Mapped[str] = mapped_column(Text, server_default=sa.text("''"))


class DichotomousData(_Sourced, Base):
    """Events out of a total in one arm. Both NULL: looked for and not found (source_ref MISSING)."""

    __tablename__ = "dichotomous_data"
    id: Mapped[int] = id_column("dichotomous_data")
    outcome_id: Mapped[int] = fk("outcome.id")
    arm_id: Mapped[int] = fk("arm.id")
    events: Mapped[int | None] = mapped_column(sa.Integer)
    total: Mapped[int | None] = mapped_column(sa.Integer)
    # A percentage a source gave when no count could be derived from it.
    percent: Mapped[float | None] = mapped_column(Double)
    # The count is round(percent x N) from a source that printed a percentage: may be off by one.
    derived_from_percent: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    __table_args__ = (
        sa.UniqueConstraint("outcome_id", "arm_id", "variant", "timepoint"),
        sa.CheckConstraint("events IS NULL OR events >= 0", name="events_nonneg"),
        sa.CheckConstraint("total IS NULL OR total >= 0", name="total_nonneg"),
        sa.CheckConstraint("events IS NULL OR total IS NULL OR events <= total", name="events_le_total"),
        sa.CheckConstraint("percent IS NULL OR (percent >= 0 AND percent <= 100)", name="percent_range"),
    )


class ContrastEstimate(_Sourced, Base):
    """A between-arm estimate (HR, OR, RR) on the ratio scale with its CI at its own level."""

    __tablename__ = "contrast_estimate"
    id: Mapped[int] = id_column("contrast_estimate")
    outcome_id: Mapped[int] = fk("outcome.id")
    study_id: Mapped[int] = fk("study.id")
    measure: Mapped[str] = mapped_column(Text)
    estimate: Mapped[float | None] = mapped_column(Double)
    ci_low: Mapped[float | None] = mapped_column(Double)
    ci_high: Mapped[float | None] = mapped_column(Double)
    ci_level: Mapped[float | None] = mapped_column(sa.ForeignKey("ci_level.level"))
    __table_args__ = (
        sa.UniqueConstraint("outcome_id", "study_id", "variant", "timepoint"),
        one_of("measure", CONTRAST_MEASURES),
        sa.CheckConstraint("estimate IS NULL OR estimate > 0", name="estimate_positive"),
        sa.CheckConstraint(
            "estimate IS NULL OR ci_low IS NULL OR ci_high IS NULL OR (0 < ci_low AND ci_low <= estimate AND estimate <= ci_high)",
            name="ci_contains_estimate",
        ),
        sa.CheckConstraint("(estimate IS NULL) = (ci_level IS NULL)", name="level_with_estimate"),
    )


class GenericEstimate(_Sourced, Base):
    """An effect and its standard error on a difference scale, as entered for a generic inverse-variance
    analysis (RevMan's GIV outcomes of MD, SMD, RD or a measure it does not name). Both NULL: not estimable."""

    __tablename__ = "generic_estimate"
    id: Mapped[int] = id_column("generic_estimate")
    outcome_id: Mapped[int] = fk("outcome.id")
    study_id: Mapped[int] = fk("study.id")
    measure: Mapped[str] = mapped_column(Text)
    estimate: Mapped[float | None] = mapped_column(Double)
    se: Mapped[float | None] = mapped_column(Double)
    __table_args__ = (
        sa.UniqueConstraint("outcome_id", "study_id", "variant", "timepoint"),
        one_of("measure", GENERIC_MEASURES),
        sa.CheckConstraint("se IS NULL OR se > 0", name="se_positive"),
        sa.CheckConstraint("(estimate IS NULL) = (se IS NULL)", name="se_with_estimate"),
    )


class ContinuousData(_Sourced, Base):
    """Mean, SD and n in one arm."""

    __tablename__ = "continuous_data"
    id: Mapped[int] = id_column("continuous_data")
    outcome_id: Mapped[int] = fk("outcome.id")
    arm_id: Mapped[int] = fk("arm.id")
    mean: Mapped[float | None] = mapped_column(Double)
    sd: Mapped[float | None] = mapped_column(Double)
    n: Mapped[int | None] = mapped_column(sa.Integer)
    # Computed rather than printed (an SD from a CI or a standard error, say); NULL where not said.
    derived: Mapped[bool | None] = mapped_column(sa.Boolean)
    __table_args__ = (
        sa.UniqueConstraint("outcome_id", "arm_id", "variant", "timepoint"),
        sa.CheckConstraint("sd IS NULL OR sd >= 0", name="sd_nonneg"),
        sa.CheckConstraint("n IS NULL OR n >= 0", name="n_nonneg"),
    )

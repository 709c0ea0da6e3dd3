"""The analysis plan, what each run computed, and what the published review printed."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from evidence.core.vocabulary import FIXED_METHODS, MODEL_CHOICES, MODELS
from evidence.store.schema.base import Base, Double, Text, added_in, created_at_column, fk, id_column, one_of
from evidence.store.schema.outcomes import MEASURES


class Analysis(Base):
    """A planned analysis: which outcome data, how pooled, and how the model is chosen."""

    __tablename__ = "analysis"
    id: Mapped[int] = id_column("analysis")
    review_id: Mapped[int] = fk("review.id")
    outcome_id: Mapped[int] = fk("outcome.id")
    name: Mapped[str] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text)
    # "rule": the review's model_rule picks fixed or random from the heterogeneity.
    model: Mapped[str] = mapped_column(Text, server_default=sa.text("'rule'"))
    tau2_method: Mapped[str] = mapped_column(Text, server_default=sa.text("'DL'"))
    level: Mapped[float] = mapped_column(Double, server_default=sa.text("0.95"))
    variant: Mapped[str] = mapped_column(Text, server_default=sa.text("'primary'"))
    # The time point whose data it pools; NULL: the data that name no time point.
    timepoint: Mapped[str | None] = mapped_column(Text)
    # A study_attribute name to split by, or NULL.
    subgroup: Mapped[str | None] = mapped_column(Text)
    # Planned in the protocol, all optional: a clinically meaningful effect on the measure's
    # scale (diff reports a pooled CI crossing it), and the TSA's anticipated relative risk
    # reduction and control event proportion (without them TSA uses low-bias or observed values).
    threshold: Mapped[float | None] = mapped_column(Double)
    planned_rrr: Mapped[float | None] = mapped_column(Double)
    planned_control_risk: Mapped[float | None] = mapped_column(Double)
    # What a forest plot shows (RevMan's option): totals and subtotals, subtotals only, or no totals.
    totals: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        sa.UniqueConstraint("review_id", "name"),
        one_of("measure", MEASURES),
        one_of("method", FIXED_METHODS),
        one_of("model", MODEL_CHOICES),
        sa.CheckConstraint("level > 0 AND level < 1", name="level_range"),
    )


class AnalysisComparison(Base):
    """The arms an analysis compares in one study, where the study has more than one experimental or
    control arm and the analysis takes only some pairs (comparisons.csv). A study without rows here
    enters with every experimental arm against every control arm (view arm_comparison)."""

    __tablename__ = "analysis_comparison"
    id: Mapped[int] = id_column("analysis_comparison")
    analysis_id: Mapped[int] = fk("analysis.id")
    study_id: Mapped[int] = fk("study.id", index=False)
    experimental_arm_id: Mapped[int] = fk("arm.id", index=False)
    control_arm_id: Mapped[int] = fk("arm.id", index=False)
    review_update_id: Mapped[int | None] = added_in()
    __table_args__ = (sa.UniqueConstraint("analysis_id", "experimental_arm_id", "control_arm_id"),)


class AnalysisRun(Base):
    """One execution of a review's analyses: when, with what software, from which inputs."""

    __tablename__ = "analysis_run"
    id: Mapped[int] = id_column("analysis_run")
    review_id: Mapped[int] = fk("review.id")
    review_update_id: Mapped[int | None] = fk("review_update.id", nullable=True)
    started_at: Mapped[dt.datetime] = created_at_column()
    software_version: Mapped[str] = mapped_column(Text)
    preset: Mapped[str] = mapped_column(Text)
    # sha256 of the analysis-input rows the run pooled: equal hashes, equal inputs.
    inputs_hash: Mapped[str] = mapped_column(Text)


class _Estimate:
    """A pooled estimate of one model: how many studies, the effect, its CI and test."""

    model: Mapped[str] = mapped_column(Text)
    chosen: Mapped[bool] = mapped_column(sa.Boolean)
    k: Mapped[int] = mapped_column(sa.Integer)
    participants: Mapped[int | None] = mapped_column(sa.Integer)
    estimate: Mapped[float | None] = mapped_column(Double)
    ci_low: Mapped[float | None] = mapped_column(Double)
    ci_high: Mapped[float | None] = mapped_column(Double)
    te: Mapped[float | None] = mapped_column(Double)
    se: Mapped[float | None] = mapped_column(Double)
    statistic: Mapped[float | None] = mapped_column(Double)
    p: Mapped[float | None] = mapped_column(Double)


class _Summary(_Estimate):
    """The columns of one pooled estimate, its heterogeneity, and the conventions that produced it."""

    events_experimental: Mapped[int | None] = mapped_column(sa.Integer)
    events_control: Mapped[int | None] = mapped_column(sa.Integer)
    q: Mapped[float | None] = mapped_column(Double)
    q_df: Mapped[int | None] = mapped_column(sa.Integer)
    q_p: Mapped[float | None] = mapped_column(Double)
    i2: Mapped[float | None] = mapped_column(Double)
    tau2: Mapped[float | None] = mapped_column(Double)
    measure: Mapped[str] = mapped_column(Text)
    scale: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text)
    tau2_method: Mapped[str | None] = mapped_column(Text)
    ci_method: Mapped[str] = mapped_column(Text)
    zero_cell_rule: Mapped[str] = mapped_column(Text)
    preset: Mapped[str] = mapped_column(Text)
    level: Mapped[float] = mapped_column(Double)


class PooledResult(_Summary, Base):
    __tablename__ = "pooled_result"
    id: Mapped[int] = id_column("pooled_result")
    run_id: Mapped[int] = fk("analysis_run.id", index=False)
    analysis_id: Mapped[int] = fk("analysis.id", index=False)
    __table_args__ = (sa.UniqueConstraint("run_id", "analysis_id", "model"), one_of("model", MODELS))


class SubgroupResult(_Summary, Base):
    __tablename__ = "subgroup_result"
    id: Mapped[int] = id_column("subgroup_result")
    run_id: Mapped[int] = fk("analysis_run.id", index=False)
    analysis_id: Mapped[int] = fk("analysis.id", index=False)
    subgroup: Mapped[str] = mapped_column(Text)
    __table_args__ = (sa.UniqueConstraint("run_id", "analysis_id", "model", "subgroup"), one_of("model", MODELS))


class SubgroupTest(Base):
    """Test for subgroup differences: Q across subgroup estimates, weights 1/SE_g², df = G - 1."""

    __tablename__ = "subgroup_test"
    id: Mapped[int] = id_column("subgroup_test")
    run_id: Mapped[int] = fk("analysis_run.id", index=False)
    analysis_id: Mapped[int] = fk("analysis.id", index=False)
    model: Mapped[str] = mapped_column(Text)
    q: Mapped[float | None] = mapped_column(Double)
    df: Mapped[int | None] = mapped_column(sa.Integer)
    p: Mapped[float | None] = mapped_column(Double)
    __table_args__ = (sa.UniqueConstraint("run_id", "analysis_id", "model"), one_of("model", MODELS))


class StudyResult(Base):
    """A study's own effect in one analysis of one run, and its weight in each model (percent).

    The effect and CI do not depend on the model; only the weight does.
    """

    __tablename__ = "study_result"
    id: Mapped[int] = id_column("study_result")
    # The unique key's leading columns serve lookups by run: no separate indexes to maintain.
    run_id: Mapped[int] = fk("analysis_run.id", index=False)
    analysis_id: Mapped[int] = fk("analysis.id", index=False)
    study_id: Mapped[int] = fk("study.id", index=False)
    # Which of a multi-arm study's comparisons ("10 mg vs placebo"); '' where the study makes one.
    comparison: Mapped[str] = mapped_column(Text, server_default=sa.text("''"))
    te: Mapped[float | None] = mapped_column(Double)
    se: Mapped[float | None] = mapped_column(Double)
    estimate: Mapped[float | None] = mapped_column(Double)
    ci_low: Mapped[float | None] = mapped_column(Double)
    ci_high: Mapped[float | None] = mapped_column(Double)
    weight_fixed: Mapped[float | None] = mapped_column(Double)
    weight_random: Mapped[float | None] = mapped_column(Double)
    estimable: Mapped[bool] = mapped_column(sa.Boolean)
    __table_args__ = (sa.UniqueConstraint("run_id", "analysis_id", "study_id", "comparison"),)


class CumulativeResult(_Estimate, Base):
    """Cumulative meta-analysis of one analysis in one run: step j pools the first j studies.

    Studies are ordered by publication (the study's year, else its earliest journal
    report's year, else its earliest report's year; then label). Both models per step.
    """

    __tablename__ = "cumulative_result"
    id: Mapped[int] = id_column("cumulative_result")
    run_id: Mapped[int] = fk("analysis_run.id", index=False)
    analysis_id: Mapped[int] = fk("analysis.id", index=False)
    step: Mapped[int] = mapped_column(sa.Integer)
    # The study this step adds, and the year it was ordered by.
    study_id: Mapped[int] = fk("study.id", index=False)
    year: Mapped[int | None] = mapped_column(sa.Integer)
    i2: Mapped[float | None] = mapped_column(Double)
    tau2: Mapped[float | None] = mapped_column(Double)
    __table_args__ = (sa.UniqueConstraint("run_id", "analysis_id", "step", "model"), one_of("model", MODELS))


class PublishedResult(Base):
    """A pooled result as the published review printed it (text kept where it is not a number)."""

    __tablename__ = "published_result"
    id: Mapped[int] = id_column("published_result")
    analysis_id: Mapped[int] = fk("analysis.id")
    # NULL: the overall result; else the subgroup value.
    subgroup: Mapped[str | None] = mapped_column(Text)
    k: Mapped[int | None] = mapped_column(sa.Integer)
    model: Mapped[str | None] = mapped_column(Text)
    estimate: Mapped[float | None] = mapped_column(Double)
    ci_low: Mapped[float | None] = mapped_column(Double)
    ci_high: Mapped[float | None] = mapped_column(Double)
    p_text: Mapped[str | None] = mapped_column(Text)
    i2_text: Mapped[str | None] = mapped_column(Text)
    q_p_text: Mapped[str | None] = mapped_column(Text)
    events_experimental: Mapped[int | None] = mapped_column(sa.Integer)
    events_control: Mapped[int | None] = mapped_column(sa.Integer)
    source: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        sa.UniqueConstraint("analysis_id", "subgroup"),
        sa.CheckConstraint("model IS NULL OR " + one_of("model", MODELS).sqltext.text, name="model_known"),
    )

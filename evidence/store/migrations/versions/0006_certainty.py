"""GRADE certainty of the evidence per outcome: the certainty_assessment table.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

A new table (and its id sequence): the five GRADE downgrading domains, the three
upgrading factors and the reason for each, per review outcome and review update.
The certainty they add up to is computed (evidence.workflows.sof), never stored. A new
table may carry foreign keys on DuckDB too (only ALTER TABLE cannot add them,
STACK.md); no view reads it, so the views are left to evidence.store.database.upgrade.
"""

import sqlalchemy as sa
from alembic import op

from evidence.store.queries import drop_views

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

LEVELS = "('not serious', 'serious', 'very serious')"
NO_UPGRADE = ("COALESCE(large_effect, 'no') = 'no' AND COALESCE(dose_response, 'no') = 'no'"
              " AND COALESCE(plausible_confounding, 'no') = 'no'")


def upgrade() -> None:
    drop_views(op.get_bind())  # evidence.store.database.upgrade creates them again at head
    op.execute(sa.schema.CreateSequence(sa.Sequence("certainty_assessment_id_seq")))
    op.create_table(
        "certainty_assessment",
        sa.Column("id", sa.Integer(), server_default=sa.text("nextval('certainty_assessment_id_seq')"), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=True),
        sa.Column("review_update_id", sa.Integer(), nullable=False),
        sa.Column("design", sa.Text(), nullable=False),
        *(column
          for domain in ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
          for column in (sa.Column(domain, sa.Text(), nullable=False),
                         sa.Column(f"{domain}_reason", sa.Text(), nullable=False))),
        *(sa.Column(name, sa.Text(), nullable=True)
          for name in ("large_effect", "dose_response", "plausible_confounding", "upgrade_reason", "comments")),
        sa.Column("assessed_by", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.CheckConstraint("design IN ('randomised', 'non-randomised')", name=op.f("ck_certainty_assessment_design_known")),
        *(sa.CheckConstraint(f"{domain} IN {LEVELS}", name=op.f(f"ck_certainty_assessment_{domain}_known"))
          for domain in ("risk_of_bias", "inconsistency", "indirectness", "imprecision")),
        sa.CheckConstraint("publication_bias IN ('undetected', 'strongly suspected')",
                           name=op.f("ck_certainty_assessment_publication_bias_known")),
        sa.CheckConstraint("large_effect IS NULL OR large_effect IN ('no', 'large', 'very large')",
                           name=op.f("ck_certainty_assessment_large_effect_known")),
        sa.CheckConstraint("dose_response IS NULL OR dose_response IN ('no', 'yes')",
                           name=op.f("ck_certainty_assessment_dose_response_known")),
        sa.CheckConstraint("plausible_confounding IS NULL OR plausible_confounding IN ('no', 'yes')",
                           name=op.f("ck_certainty_assessment_plausible_confounding_known")),
        sa.CheckConstraint(f"design = 'non-randomised' OR ({NO_UPGRADE})",
                           name=op.f("ck_certainty_assessment_upgrade_non_randomised")),
        sa.CheckConstraint(f"upgrade_reason IS NOT NULL OR ({NO_UPGRADE})",
                           name=op.f("ck_certainty_assessment_upgrade_has_reason")),
        sa.ForeignKeyConstraint(["outcome_id"], ["outcome.id"], name=op.f("fk_certainty_assessment_outcome_id_outcome")),
        sa.ForeignKeyConstraint(["analysis_id"], ["analysis.id"], name=op.f("fk_certainty_assessment_analysis_id_analysis")),
        sa.ForeignKeyConstraint(["review_update_id"], ["review_update.id"],
                                name=op.f("fk_certainty_assessment_review_update_id_review_update")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certainty_assessment")),
        sa.UniqueConstraint("outcome_id", "review_update_id",
                            name=op.f("uq_certainty_assessment_outcome_id_review_update_id")),
    )


def downgrade() -> None:
    drop_views(op.get_bind())
    op.drop_table("certainty_assessment")
    op.execute(sa.schema.DropSequence(sa.Sequence("certainty_assessment_id_seq")))

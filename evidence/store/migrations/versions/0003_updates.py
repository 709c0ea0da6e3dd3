"""Living reviews: which update added each row, planned thresholds, cumulative results.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

Adds review_update_id to the tables an update can add rows to (filled with the
review's first update for rows that exist), review_update.notes, the analysis's
planned threshold and TSA parameters, and the cumulative_result table.

DuckDB cannot add a column with a foreign key, nor drop a column of a referenced
table (STACK.md): there the new columns are plain integers, and a downgrade
leaves them in place (an upgrade after it finds them and skips them).
"""

import sqlalchemy as sa
from alembic import op

from evidence.store.queries import drop_views

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ADDED_IN = ("study", "report", "correction", "dichotomous_data", "contrast_estimate", "continuous_data")
ANALYSIS_PLAN = ("threshold", "planned_rrr", "planned_control_risk")

# The first update of the row's review, per table.
FILL = {
    "study": "SELECT MIN(u.id) FROM review_update u WHERE u.review_id = study.review_id",
    "report": "SELECT MIN(u.id) FROM review_update u JOIN study s ON s.review_id = u.review_id WHERE s.id = report.study_id",
    "correction": "SELECT MIN(u.id) FROM review_update u WHERE u.review_id = correction.review_id",
    **{
        table: f"SELECT MIN(u.id) FROM review_update u JOIN outcome o ON o.review_id = u.review_id WHERE o.id = {table}.outcome_id"
        for table in ("dichotomous_data", "contrast_estimate", "continuous_data")
    },
}


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    duckdb = op.get_bind().dialect.name == "duckdb"
    drop_views(op.get_bind())  # evidence.store.database.upgrade creates them again at head
    if "notes" not in _columns("review_update"):
        op.add_column("review_update", sa.Column("notes", sa.Text(), nullable=True))
    for table in ADDED_IN:
        if "review_update_id" in _columns(table):
            continue
        op.add_column(table, sa.Column("review_update_id", sa.Integer(), nullable=True))
        if not duckdb:
            op.create_foreign_key(op.f(f"fk_{table}_review_update_id_review_update"), table, "review_update",
                                  ["review_update_id"], ["id"])
        op.execute(f"UPDATE {table} SET review_update_id = ({FILL[table]})")
    present = _columns("analysis")
    for name in ANALYSIS_PLAN:
        if name not in present:
            op.add_column("analysis", sa.Column(name, sa.Double(), nullable=True))
    op.execute(sa.schema.CreateSequence(sa.Sequence("cumulative_result_id_seq")))
    op.create_table(
        "cumulative_result",
        sa.Column("id", sa.Integer(), server_default=sa.text("nextval('cumulative_result_id_seq')"), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("chosen", sa.Boolean(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=True),
        *(sa.Column(name, sa.Double(), nullable=True)
          for name in ("estimate", "ci_low", "ci_high", "te", "se", "statistic", "p", "i2", "tau2")),
        sa.CheckConstraint("model IN ('fixed', 'random')", name=op.f("ck_cumulative_result_model_known")),
        sa.ForeignKeyConstraint(["analysis_id"], ["analysis.id"], name=op.f("fk_cumulative_result_analysis_id_analysis")),
        sa.ForeignKeyConstraint(["run_id"], ["analysis_run.id"], name=op.f("fk_cumulative_result_run_id_analysis_run")),
        sa.ForeignKeyConstraint(["study_id"], ["study.id"], name=op.f("fk_cumulative_result_study_id_study")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cumulative_result")),
        sa.UniqueConstraint("run_id", "analysis_id", "step", "model",
                            name=op.f("uq_cumulative_result_run_id_analysis_id_step_model")),
    )


def downgrade() -> None:
    drop_views(op.get_bind())  # the package's views read the new columns
    op.drop_table("cumulative_result")
    op.execute(sa.schema.DropSequence(sa.Sequence("cumulative_result_id_seq")))
    if op.get_bind().dialect.name == "duckdb":
        return
    for table in ADDED_IN:
        op.drop_constraint(op.f(f"fk_{table}_review_update_id_review_update"), table, type_="foreignkey")
        op.drop_column(table, "review_update_id")
    for name in ANALYSIS_PLAN:
        op.drop_column("analysis", name)
    op.drop_column("review_update", "notes")

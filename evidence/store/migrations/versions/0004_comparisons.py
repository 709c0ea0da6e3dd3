"""Multi-arm studies: a study row may be a further comparison of another study (parent_study_id).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

RevMan 5 files hold one row per pairwise comparison, several for a multi-arm
study; each becomes a unit of its own (arms, data, study results) that points to
its study. DuckDB cannot add a column with a foreign key (STACK.md): there it is
a plain integer, and a downgrade leaves it in place.
"""

import sqlalchemy as sa
from alembic import op

from evidence.store.queries import drop_views

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    drop_views(op.get_bind())  # evidence.store.database.upgrade creates them again at head
    if "parent_study_id" in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("study")}:
        return
    op.add_column("study", sa.Column("parent_study_id", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name != "duckdb":
        op.create_foreign_key(op.f("fk_study_parent_study_id_study"), "study", "study", ["parent_study_id"], ["id"])


def downgrade() -> None:
    drop_views(op.get_bind())
    if op.get_bind().dialect.name == "duckdb":
        return
    op.drop_constraint(op.f("fk_study_parent_study_id_study"), "study", type_="foreignkey")
    op.drop_column("study", "parent_study_id")

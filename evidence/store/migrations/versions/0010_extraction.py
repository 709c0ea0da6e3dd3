"""Time points, the extraction form, extraction in duplicate, and risk-of-bias proposals.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

- An outcome may be measured at several time points: dichotomous_data, continuous_data,
  contrast_estimate and generic_estimate get `timepoint` ('' where the outcome names none, which
  every existing row keeps) and it joins their unique keys; analysis.timepoint names the one an
  analysis pools (NULL: the data that name none).
- review.extraction: single or dual extraction (NULL, as every existing review gets, means single).
- extraction_form_outcome: the outcomes (at time points) the review's extraction form asks for.
- extracted_value and extraction_resolution: each extractor's values and the agreed ones.
- bias_judgement gets the RoB 2 algorithm's proposal, the reason for a final judgement that differs
  from it, the predicted direction of bias and the update that added the row.

DuckDB cannot change a unique constraint in place nor add a column with a CHECK or NOT NULL (STACK.md):
the four data tables are rebuilt from their own catalogue definitions with their rows and ids (nothing
references them by key: corrections name a row by its id), and the CHECKs of the new review and
bias_judgement columns exist on PostgreSQL only (the workflows check the values on both).
"""

import sqlalchemy as sa
from alembic import op

from evidence.store.migrations.helpers import rebuild_table
from evidence.store.queries import drop_views

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Each data table and the columns of its unique key before this revision.
KEYED = {
    "dichotomous_data": ("outcome_id", "arm_id", "variant"),
    "continuous_data": ("outcome_id", "arm_id", "variant"),
    "contrast_estimate": ("outcome_id", "study_id", "variant"),
    "generic_estimate": ("outcome_id", "study_id", "variant"),
}
DIRECTIONS = ("favours experimental", "favours comparator", "towards null", "away from null", "unpredictable")
BIAS_COLUMNS = ("proposed", "override_reason", "direction", "review_update_id")
BIAS_CHECKS = {
    "proposed_known": "proposed IS NULL OR proposed IN ('low', 'unclear', 'high')",
    "direction_known": "direction IS NULL OR direction IN (" + ", ".join(f"'{d}'" for d in DIRECTIONS) + ")",
    "override_has_reason": "proposed IS NULL OR proposed = judgement OR override_reason IS NOT NULL",
}
SHEETS = "sheet IN ('studies', 'arms', 'dichotomous', 'continuous', 'estimates', 'risk_of_bias')"


def _key_name(table: str, columns: tuple[str, ...]) -> str:
    return f"uq_{table}_{'_'.join(columns)}"


def _rekey(table: str, with_timepoint: bool) -> None:
    """The table with (or without) `timepoint` in its columns and its unique key."""
    old, new = KEYED[table], (*KEYED[table], "timepoint")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        if with_timepoint:
            op.add_column(table, sa.Column("timepoint", sa.Text(), server_default=sa.text("''"), nullable=False))
            op.drop_constraint(_key_name(table, old), table, type_="unique")
            op.create_unique_constraint(_key_name(table, new), table, list(new))
        else:
            op.drop_constraint(_key_name(table, new), table, type_="unique")
            op.drop_column(table, "timepoint")
            op.create_unique_constraint(_key_name(table, old), table, list(old))
        return
    definition = bind.execute(sa.text("SELECT sql FROM duckdb_tables() WHERE table_name = :t"), {"t": table}).scalar_one()
    indexes = list(bind.execute(sa.text("SELECT sql FROM duckdb_indexes() WHERE table_name = :t"), {"t": table}).scalars())
    columns = list(bind.execute(sa.text(
        "SELECT column_name FROM information_schema.columns WHERE table_name = :t ORDER BY ordinal_position"),
        {"t": table}).scalars())
    column, old_key, new_key = ", timepoint VARCHAR DEFAULT('') NOT NULL", f"UNIQUE({', '.join(old)})", f"UNIQUE({', '.join(new)})"
    if with_timepoint:
        made = definition.replace(", PRIMARY KEY(id)", column + ", PRIMARY KEY(id)", 1).replace(old_key, new_key)
        rows = f"SELECT {', '.join(columns)}, '' FROM {table}"
    else:
        made = definition.replace(column, "").replace(new_key, old_key)
        rows = f"SELECT {', '.join(c for c in columns if c != 'timepoint')} FROM {table}"
    assert made.count("timepoint") == (2 if with_timepoint else 0), f"{table}'s definition is not as this migration expects"

    def create() -> None:
        op.execute(made)
        for statement in indexes:
            op.execute(statement)

    rebuild_table(op, table, rows, create)


def _create_sequenced(table: str, *columns_and_constraints, indexes: tuple[str, ...] = ("review_id",)) -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence(f"{table}_id_seq")))
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), server_default=sa.text(f"nextval('{table}_id_seq')"), nullable=False),
        *columns_and_constraints,
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )
    for column in indexes:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def _fks(table: str, *pairs: tuple[str, str]) -> list[sa.ForeignKeyConstraint]:
    return [sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))
            for column, target in pairs]


def _value_columns(table: str) -> list:
    """The columns extracted_value and extraction_resolution share (schema.extraction._ValueKey)."""
    return [
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("sheet", sa.Text(), nullable=False),
        sa.Column("arm", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=True),
        sa.Column("timepoint", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.Column("review_update_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(SHEETS, name=op.f(f"ck_{table}_sheet_known")),
        *_fks(table, ("review_id", "review"), ("study_id", "study"), ("outcome_id", "outcome"),
              ("review_update_id", "review_update")),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    drop_views(bind)  # evidence.store.database.upgrade creates them again at head
    for table in KEYED:
        _rekey(table, with_timepoint=True)
    if "timepoint" not in {c["name"] for c in sa.inspect(bind).get_columns("analysis")}:  # a DuckDB downgrade leaves it
        op.add_column("analysis", sa.Column("timepoint", sa.Text(), nullable=True))
    present = {c["name"] for c in sa.inspect(bind).get_columns("review")}
    if "extraction" not in present:  # a DuckDB downgrade leaves it
        op.add_column("review", sa.Column("extraction", sa.Text(), nullable=True))
        if bind.dialect.name != "duckdb":
            op.create_check_constraint(op.f("ck_review_extraction_known"), "review", "extraction IN ('single', 'dual')")
    present = {c["name"] for c in sa.inspect(bind).get_columns("bias_judgement")}
    for column in BIAS_COLUMNS:
        if column in present:
            continue
        op.add_column("bias_judgement", sa.Column(column, sa.Integer() if column == "review_update_id" else sa.Text(),
                                                  nullable=True))
    if bind.dialect.name != "duckdb":
        op.create_foreign_key(op.f("fk_bias_judgement_review_update_id_review_update"), "bias_judgement",
                              "review_update", ["review_update_id"], ["id"])
        for name, check in BIAS_CHECKS.items():
            op.create_check_constraint(op.f(f"ck_bias_judgement_{name}"), "bias_judgement", check)
    _create_sequenced(
        "extraction_form_outcome",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("timepoint", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("review_update_id", sa.Integer(), nullable=True),
        *_fks("extraction_form_outcome", ("review_id", "review"), ("outcome_id", "outcome"),
              ("review_update_id", "review_update")),
        sa.UniqueConstraint("review_id", "outcome_id", "timepoint",
                            name=op.f("uq_extraction_form_outcome_review_id_outcome_id_timepoint")),
    )
    _create_sequenced(
        "extracted_value", *_value_columns("extracted_value"),
        sa.Column("extractor", sa.Text(), nullable=False),
        sa.Column("source_ref", sa.Text(), nullable=True),
        sa.Column("source_quote", sa.Text(), nullable=True),
        sa.Column("file", sa.Text(), nullable=True),
    )
    _create_sequenced(
        "extraction_resolution", *_value_columns("extraction_resolution"),
        sa.Column("resolved_by", sa.Text(), nullable=False),
        sa.Column("why", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    bind = op.get_bind()
    drop_views(bind)
    for table in ("extraction_resolution", "extracted_value", "extraction_form_outcome"):
        op.drop_table(table)
        op.execute(sa.schema.DropSequence(sa.Sequence(f"{table}_id_seq")))
    for table in KEYED:
        timed = bind.execute(sa.text(f"SELECT count(*) FROM {table} WHERE timepoint <> ''")).scalar_one()
        if timed:
            raise RuntimeError(f"{table} holds {timed} rows at a named time point, which revision 0009 cannot hold;"
                               " nothing was changed")
        _rekey(table, with_timepoint=False)
    if bind.dialect.name == "duckdb":
        # DuckDB cannot drop a column of a referenced table (analysis, review) nor of an indexed one
        # (bias_judgement): they stay, and an upgrade after this skips the ones it finds.
        return
    op.drop_column("analysis", "timepoint")
    op.drop_constraint(op.f("ck_review_extraction_known"), "review", type_="check")
    op.drop_column("review", "extraction")
    for name in BIAS_CHECKS:
        op.drop_constraint(op.f(f"ck_bias_judgement_{name}"), "bias_judgement", type_="check")
    op.drop_constraint(op.f("fk_bias_judgement_review_update_id_review_update"), "bias_judgement", type_="foreignkey")
    for column in BIAS_COLUMNS:
        op.drop_column("bias_judgement", column)

"""Arms of any number with labels; a review's own characteristics as declared attributes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

Table 1 of the first review (its ages, sexes, disease stages and prior lines) were
columns of `arm`: every review carried a myeloma review's columns. They become
arm attributes the review declares (attribute_definition: level, name, kind, unit)
with their values in arm_attribute, each keeping its arm's source. Corrections
already recorded for them (table 'arm', field = the attribute's name) keep
pointing at the arm and field, so no correction moves or is lost.

An arm gets a label, the trial's own name for it (unique in its study); its role
(experimental or control) is no longer unique, so a three-arm trial has three
arms. Existing arms are labelled by their role, the key their rows were loaded by.
A multi-arm study makes several comparisons in one analysis: study_result keys a
study's result by its comparison too ('' for a study that makes one), and
analysis_comparison records the pairs an analysis takes where it takes only some.

DuckDB cannot drop a column or constraint of a referenced table (STACK.md): `arm`
is rebuilt with its rows and ids, and the two tables that reference it with it
(helpers.rebuild_table). PostgreSQL alters it in place.
"""

import sqlalchemy as sa
from alembic import op

from evidence.store.migrations.helpers import rebuild_table
from evidence.store.queries import drop_views

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The columns that become declared arm attributes: (name, kind, unit, label).
MOVED = (
    ("aged_65_plus", "integer", "participants", "Aged 65 or over"),
    ("women", "integer", "participants", "Women"),
    ("men", "integer", "participants", "Men"),
    ("iss_stage_2plus_pct", "percent", "%", "ISS stage II or III"),
    ("median_prior_lines", "number", "lines", "Median prior lines of therapy"),
)
COLUMN_TYPES = {"integer": sa.Integer(), "number": sa.Double(), "percent": sa.Double()}
REFERENCING_ARM = ("continuous_data", "dichotomous_data")
# Checks of the old arm table that name moved columns (ck_arm_counts_nonneg is made again without them).
OLD_KEY, NEW_KEY = "uq_study_result_run_id_analysis_id_study_id", "uq_study_result_run_id_analysis_id_study_id_comparison"
DROPPED_CHECKS = ("ck_arm_counts_nonneg", "ck_arm_pct_range", "ck_arm_prior_lines_nonneg")


def _as_text(value) -> str:
    """A stored number as its attribute text: 179, 2, 2.5 (a float that is whole loses its .0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _create_attribute_definition() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("attribute_definition_id_seq")))
    op.create_table(
        "attribute_definition",
        sa.Column("id", sa.Integer(), server_default=sa.text("nextval('attribute_definition_id_seq')"), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("review_update_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("level IN ('study', 'arm')", name=op.f("ck_attribute_definition_level_known")),
        sa.CheckConstraint("kind IN ('integer', 'number', 'percent', 'text')", name=op.f("ck_attribute_definition_kind_known")),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"], name=op.f("fk_attribute_definition_review_id_review")),
        sa.ForeignKeyConstraint(["review_update_id"], ["review_update.id"],
                                name=op.f("fk_attribute_definition_review_update_id_review_update")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attribute_definition")),
        sa.UniqueConstraint("review_id", "level", "name", name=op.f("uq_attribute_definition_review_id_level_name")),
    )
    op.create_index(op.f("ix_attribute_definition_review_id"), "attribute_definition", ["review_id"], unique=False)


def _create_arm_attribute() -> None:
    """Made after `arm` is rebuilt: DuckDB cannot drop a table another references."""
    op.execute(sa.schema.CreateSequence(sa.Sequence("arm_attribute_id_seq")))
    op.create_table(
        "arm_attribute",
        sa.Column("id", sa.Integer(), server_default=sa.text("nextval('arm_attribute_id_seq')"), nullable=False),
        sa.Column("arm_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("review_update_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["arm_id"], ["arm.id"], name=op.f("fk_arm_attribute_arm_id_arm")),
        sa.ForeignKeyConstraint(["review_update_id"], ["review_update.id"],
                                name=op.f("fk_arm_attribute_review_update_id_review_update")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arm_attribute")),
        sa.UniqueConstraint("arm_id", "name", name=op.f("uq_arm_attribute_arm_id_name")),
    )
    op.create_index(op.f("ix_arm_attribute_arm_id"), "arm_attribute", ["arm_id"], unique=False)


def _create_analysis_comparison() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("analysis_comparison_id_seq")))
    op.create_table(
        "analysis_comparison",
        sa.Column("id", sa.Integer(), server_default=sa.text("nextval('analysis_comparison_id_seq')"), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("experimental_arm_id", sa.Integer(), nullable=False),
        sa.Column("control_arm_id", sa.Integer(), nullable=False),
        sa.Column("review_update_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["analysis_id"], ["analysis.id"], name=op.f("fk_analysis_comparison_analysis_id_analysis")),
        sa.ForeignKeyConstraint(["study_id"], ["study.id"], name=op.f("fk_analysis_comparison_study_id_study")),
        sa.ForeignKeyConstraint(["experimental_arm_id"], ["arm.id"],
                                name=op.f("fk_analysis_comparison_experimental_arm_id_arm")),
        sa.ForeignKeyConstraint(["control_arm_id"], ["arm.id"], name=op.f("fk_analysis_comparison_control_arm_id_arm")),
        sa.ForeignKeyConstraint(["review_update_id"], ["review_update.id"],
                                name=op.f("fk_analysis_comparison_review_update_id_review_update")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_comparison")),
        sa.UniqueConstraint("analysis_id", "experimental_arm_id", "control_arm_id",
                            name=op.f("uq_analysis_comparison_analysis_id_experimental_arm_id_control_arm_id")),
    )
    op.create_index(op.f("ix_analysis_comparison_analysis_id"), "analysis_comparison", ["analysis_id"], unique=False)


def _study_result(with_comparison: bool) -> None:
    """study_result with or without the comparison in its key. Nothing references it, so on DuckDB it is
    rebuilt (DuckDB cannot change a table's unique constraint in place)."""
    old = ("run_id", "analysis_id", "study_id")
    new = (*old, "comparison")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        if with_comparison:
            op.add_column("study_result", sa.Column("comparison", sa.Text(), server_default=sa.text("''"), nullable=False))
            op.drop_constraint(op.f(OLD_KEY), "study_result", type_="unique")
            op.create_unique_constraint(op.f(NEW_KEY), "study_result", list(new))
        else:
            op.drop_constraint(op.f(NEW_KEY), "study_result", type_="unique")
            op.drop_column("study_result", "comparison")
            op.create_unique_constraint(op.f(OLD_KEY), "study_result", list(old))
        return
    values = ("te", "se", "estimate", "ci_low", "ci_high", "weight_fixed", "weight_random", "estimable")
    columns = [
        sa.Column("id", sa.Integer(), server_default=sa.text("nextval('study_result_id_seq')"), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        *([sa.Column("comparison", sa.Text(), server_default=sa.text("''"), nullable=False)] if with_comparison else []),
        *[sa.Column(name, sa.Boolean() if name == "estimable" else sa.Double(), nullable=name != "estimable")
          for name in values],
    ]

    def create() -> None:
        op.create_table(
            "study_result", *columns,
            sa.ForeignKeyConstraint(["analysis_id"], ["analysis.id"], name=op.f("fk_study_result_analysis_id_analysis")),
            sa.ForeignKeyConstraint(["run_id"], ["analysis_run.id"], name=op.f("fk_study_result_run_id_analysis_run")),
            sa.ForeignKeyConstraint(["study_id"], ["study.id"], name=op.f("fk_study_result_study_id_study")),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_study_result")),
            sa.UniqueConstraint(*(new if with_comparison else old), name=op.f(NEW_KEY if with_comparison else OLD_KEY)),
        )

    keep = ", ".join(["id", "run_id", "analysis_id", "study_id", *(["''"] if with_comparison else []), *values])
    rebuild_table(op, "study_result", f"SELECT {keep} FROM study_result", create)


def _drop_continuous_derived() -> None:
    """Drop continuous_data.derived; DuckDB cannot drop a column of an indexed table, so the table is made
    again from its own catalogue definition without it."""
    bind = op.get_bind()
    if bind.dialect.name != "duckdb":
        op.drop_column("continuous_data", "derived")
        return
    definition = bind.execute(sa.text("SELECT sql FROM duckdb_tables() WHERE table_name = 'continuous_data'")).scalar_one()
    indexes = list(bind.execute(sa.text("SELECT sql FROM duckdb_indexes() WHERE table_name = 'continuous_data'")).scalars())
    columns = [name for name in bind.execute(sa.text(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'continuous_data'"
        " ORDER BY ordinal_position")).scalars() if name != "derived"]
    without = definition.replace(", derived BOOLEAN", "")
    assert without != definition, "continuous_data's definition no longer names its derived column as expected"

    def create() -> None:
        op.execute(without)
        for statement in indexes:
            op.execute(statement)

    rebuild_table(op, "continuous_data", f"SELECT {', '.join(columns)} FROM continuous_data", create)


def _create_arm(with_label: bool) -> None:
    """The arm table after this revision (with_label) or before it."""
    columns = [
        sa.Column("id", sa.Integer(), server_default=sa.text("nextval('arm_id_seq')"), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
    ]
    if with_label:
        columns.append(sa.Column("label", sa.Text(), nullable=False))
    columns += [
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("regimen", sa.Text(), nullable=True),
        sa.Column("regimen_text", sa.Text(), nullable=True),
        sa.Column("randomised_n", sa.Integer(), nullable=True),
        sa.Column("safety_n", sa.Integer(), nullable=True),
    ]
    if not with_label:
        columns += [sa.Column(name, COLUMN_TYPES[kind], nullable=True) for name, kind, _, _ in MOVED]
    columns.append(sa.Column("source", sa.Text(), nullable=True))
    op.create_table("arm", *columns, *_arm_constraints(with_label))
    op.create_index(op.f("ix_arm_study_id"), "arm", ["study_id"], unique=False)


def _arm_constraints(with_label: bool) -> list:
    constraints = [
        sa.CheckConstraint("role IN ('experimental', 'control')", name=op.f("ck_arm_role_known")),
        sa.ForeignKeyConstraint(["study_id"], ["study.id"], name=op.f("fk_arm_study_id_study")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arm")),
    ]
    if with_label:
        return constraints + [
            sa.CheckConstraint("(randomised_n IS NULL OR randomised_n >= 0) AND (safety_n IS NULL OR safety_n >= 0)",
                               name=op.f("ck_arm_counts_nonneg")),
            sa.UniqueConstraint("study_id", "label", name=op.f("uq_arm_study_id_label")),
        ]
    return constraints + [
        sa.CheckConstraint("(randomised_n IS NULL OR randomised_n >= 0) AND (safety_n IS NULL OR safety_n >= 0)"
                           " AND (aged_65_plus IS NULL OR aged_65_plus >= 0) AND (women IS NULL OR women >= 0)"
                           " AND (men IS NULL OR men >= 0)", name=op.f("ck_arm_counts_nonneg")),
        sa.CheckConstraint("iss_stage_2plus_pct IS NULL OR (iss_stage_2plus_pct >= 0 AND iss_stage_2plus_pct <= 100)",
                           name=op.f("ck_arm_pct_range")),
        sa.CheckConstraint("median_prior_lines IS NULL OR median_prior_lines >= 0", name=op.f("ck_arm_prior_lines_nonneg")),
        sa.UniqueConstraint("study_id", "role", name=op.f("uq_arm_study_id_role")),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    drop_views(bind)  # evidence.store.database.upgrade creates them again at head
    _create_attribute_definition()
    # Each review with a value (or a recorded correction) of a moved column declares that attribute.
    moved = []
    for name, kind, unit, label in MOVED:
        bind.execute(sa.text(
            "INSERT INTO attribute_definition (review_id, level, name, kind, unit, label)"
            " SELECT DISTINCT s.review_id, 'arm', :name, :kind, :unit, :label FROM arm a JOIN study s ON s.id = a.study_id"
            f" WHERE a.{name} IS NOT NULL OR EXISTS (SELECT 1 FROM correction c WHERE c.table_name = 'arm'"
            "  AND c.row_id = a.id AND c.field = :name)"), {"name": name, "kind": kind, "unit": unit, "label": label})
        moved += [{"arm": arm, "name": name, "value": _as_text(value), "source": source, "update": update}
                  for arm, value, source, update in bind.execute(sa.text(
                      f"SELECT a.id, a.{name}, a.source, s.review_update_id FROM arm a JOIN study s ON s.id = a.study_id"
                      f" WHERE a.{name} IS NOT NULL ORDER BY a.id")).all()]
    if bind.dialect.name == "duckdb":
        rebuild_table(op, "arm", "SELECT id, study_id, role AS label, role, regimen, regimen_text, randomised_n,"
                      " safety_n, source FROM arm", lambda: _create_arm(with_label=True), REFERENCING_ARM)
    else:
        op.add_column("arm", sa.Column("label", sa.Text(), nullable=True))
        op.execute("UPDATE arm SET label = role")
        op.alter_column("arm", "label", nullable=False, existing_type=sa.Text())
        op.drop_constraint(op.f("uq_arm_study_id_role"), "arm", type_="unique")
        for check in DROPPED_CHECKS:
            op.drop_constraint(op.f(check), "arm", type_="check")
        for name, _, _, _ in MOVED:
            op.drop_column("arm", name)
        op.create_check_constraint(op.f("ck_arm_counts_nonneg"), "arm",
                                   "(randomised_n IS NULL OR randomised_n >= 0) AND (safety_n IS NULL OR safety_n >= 0)")
        op.create_unique_constraint(op.f("uq_arm_study_id_label"), "arm", ["study_id", "label"])
    _create_arm_attribute()
    _create_analysis_comparison()
    # continuous.csv says whether a mean or SD was computed rather than printed, as dichotomous.csv does.
    op.add_column("continuous_data", sa.Column("derived", sa.Boolean(), nullable=True))
    _study_result(with_comparison=True)
    if moved:
        bind.execute(sa.text("INSERT INTO arm_attribute (arm_id, name, value, source, review_update_id)"
                             " VALUES (:arm, :name, :value, :source, :update)"), moved)


def downgrade() -> None:
    """Back to one experimental and one control arm per study with table 1's five columns; refused where a
    study has more arms of one role than that allows, or an arm attribute the old columns cannot hold."""
    bind = op.get_bind()
    drop_views(bind)
    crowded = bind.execute(sa.text(
        "SELECT COUNT(*) FROM (SELECT study_id, role FROM arm GROUP BY study_id, role HAVING COUNT(*) > 1) AS x")).scalar()
    others = bind.execute(sa.text("SELECT COUNT(*) FROM arm_attribute WHERE name NOT IN ("
                                  + ", ".join(f"'{name}'" for name, *_ in MOVED) + ")")).scalar()
    if crowded or others:
        raise RuntimeError("cannot go below revision 0009: the store has studies with several arms of one role"
                           " or arm attributes other than the five columns it would go back to")
    several = bind.execute(sa.text("SELECT COUNT(*) FROM study_result WHERE comparison <> ''")).scalar()
    if several:
        raise RuntimeError("cannot go below revision 0009: the store has results of multi-arm comparisons")
    _study_result(with_comparison=False)
    _drop_continuous_derived()
    op.drop_table("analysis_comparison")
    op.execute(sa.schema.DropSequence(sa.Sequence("analysis_comparison_id_seq")))
    op.execute("CREATE TEMPORARY TABLE moved_values AS SELECT arm_id, name, value FROM arm_attribute")
    op.drop_table("arm_attribute")
    op.execute(sa.schema.DropSequence(sa.Sequence("arm_attribute_id_seq")))

    def value(name: str, kind: str) -> str:
        return (f"CAST((SELECT v.value FROM moved_values v WHERE v.arm_id = arm.id AND v.name = '{name}') AS"
                f" {'INTEGER' if kind == 'integer' else 'DOUBLE PRECISION'})")

    if bind.dialect.name == "duckdb":
        values = ", ".join(f"{value(name, kind)} AS {name}" for name, kind, _, _ in MOVED)
        rebuild_table(op, "arm", f"SELECT id, study_id, role, regimen, regimen_text, randomised_n, safety_n, {values},"
                      " source FROM arm", lambda: _create_arm(with_label=False), REFERENCING_ARM)
    else:
        op.drop_constraint(op.f("uq_arm_study_id_label"), "arm", type_="unique")
        op.drop_constraint(op.f("ck_arm_counts_nonneg"), "arm", type_="check")
        for name, kind, _, _ in MOVED:
            op.add_column("arm", sa.Column(name, COLUMN_TYPES[kind], nullable=True))
            op.execute(f"UPDATE arm SET {name} = {value(name, kind)}")
        op.drop_column("arm", "label")
        for constraint in _arm_constraints(with_label=False):
            if isinstance(constraint, sa.CheckConstraint) and constraint.name in DROPPED_CHECKS:
                op.create_check_constraint(constraint.name, "arm", str(constraint.sqltext))
        op.create_unique_constraint(op.f("uq_arm_study_id_role"), "arm", ["study_id", "role"])
    op.execute("DROP TABLE moved_values")
    op.drop_table("attribute_definition")
    op.execute(sa.schema.DropSequence(sa.Sequence("attribute_definition_id_seq")))

"""SQL views, one .sql file per view, named after it; shipped inside the package.

Each file starts with a comment that says what the view computes. The SQL runs
unchanged on DuckDB and PostgreSQL (rules in STACK.md: cast before dividing,
guard logs, DOUBLE PRECISION, no DuckDB-only functions).
"""

from __future__ import annotations

from importlib import resources

import sqlalchemy as sa

# Creation order: a view comes after the views it reads.
VIEWS = (
    "correction_latest", "arm_current", "arm_attribute_current", "study_current", "dichotomous_current", "contrast_current", "study_inclusion",
    "arm_comparison", "analysis_input", "outcome_overview", "record_duplicate", "screening_status", "prisma_flow",
    "latest_result", "latest_cumulative", "analysis_history", "extraction_agreement",
)


def view_sql(name: str) -> str:
    return resources.files(__package__).joinpath(f"{name}.sql").read_text(encoding="utf-8")


def create_views(connection: sa.Connection, names: tuple[str, ...] = VIEWS) -> None:
    for name in names:
        connection.execute(sa.text(f"CREATE VIEW {name} AS\n{view_sql(name)}"))


def drop_views(connection: sa.Connection, names: tuple[str, ...] = VIEWS) -> None:
    for name in reversed(names):
        connection.execute(sa.text(f"DROP VIEW IF EXISTS {name}"))

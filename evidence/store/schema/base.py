"""Declarative base, naming convention and the id column every table shares."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names: migrations can name what they alter, on every engine.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class Base(DeclarativeBase):
    metadata = metadata


def id_column(table: str) -> Mapped[int]:
    """Integer primary key from a named sequence.

    DuckDB rejects SERIAL and IDENTITY; a sequence with a server default works
    on DuckDB and PostgreSQL alike (STACK.md), and bulk loaders that bypass the
    ORM get ids from the same default.
    """
    seq = sa.Sequence(f"{table}_id_seq", metadata=metadata)
    return mapped_column(sa.Integer, seq, server_default=seq.next_value(), primary_key=True)


def created_at_column() -> Mapped[dt.datetime]:
    return mapped_column(sa.DateTime, server_default=sa.func.current_timestamp(), nullable=False)


def fk(target: str, *, nullable: bool = False, index: bool = True) -> Mapped:
    """A foreign key to `target` ("table.id"); indexed, since joins go through it.

    No ON DELETE CASCADE: DuckDB does not support it, and nothing in a review is deleted.
    """
    return mapped_column(sa.ForeignKey(target), nullable=nullable, index=index)


def added_in() -> Mapped[int | None]:
    """The review update that added a row (NULL only in stores made before updates existed).

    Not indexed: DuckDB cannot alter an indexed table later (STACK.md), and the
    lookups by update are over a review's few hundred rows.
    """
    return mapped_column(sa.ForeignKey("review_update.id"), nullable=True)


Text = sa.Text
# 8-byte floats everywhere: sa.Float is a 4-byte REAL on DuckDB (STACK.md).
Double = sa.Double


def one_of(column: str, values: tuple[str, ...], name: str | None = None) -> sa.CheckConstraint:
    """CHECK that a text column holds one of `values` (a closed vocabulary)."""
    allowed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=name or f"{column}_known")

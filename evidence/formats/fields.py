"""Reading CSV rows into typed values, with errors that name the file, row and field.

Every parser takes the raw cell text and returns a Python value or raises
ValueError with what is wrong; `read_rows` adds where.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidence.errors import InputError

Parser = Callable[[str], Any]
MAX_INTEGER = 2_147_483_647


def text(value: str) -> str | None:
    value = value.strip()
    return value or None


def required(parser: Parser) -> Parser:
    def parse(value: str) -> Any:
        if not value.strip():
            raise ValueError("is empty but required")
        return parser(value)

    return parse


def integer(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a whole number") from None
    if number < 0:
        raise ValueError(f"{value!r} is negative")
    if number > MAX_INTEGER:  # the stores' INTEGER columns hold 32 bits (found by fuzzing)
        raise ValueError(f"{value!r} is larger than {MAX_INTEGER}")
    return number


def number(value: str) -> float | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if not math.isfinite(parsed):
        raise ValueError(f"{value!r} is not a finite number")
    return parsed


def date(value: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date like 2025-04-10") from None


def one_of(*allowed: str) -> Parser:
    def parse(value: str) -> str | None:
        value = value.strip()
        if not value:
            return None
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
        return value

    return parse


def yes_no(value: str) -> bool:
    value = value.strip().lower()
    if value in ("", "no", "false", "0"):
        return False
    if value in ("yes", "true", "1"):
        return True
    raise ValueError(f"{value!r} is not yes or empty")


@dataclass(frozen=True)
class Row:
    """One parsed CSV row and where it came from (line of the file, 1 = header)."""

    path: Path
    line: int
    values: dict[str, Any]

    def __getitem__(self, field: str) -> Any:
        return self.values[field]

    def where(self, field: str) -> str:
        """The place of a field of this row, as messages name it: "FILE: row 7: field 'answer'"."""
        return f"{self.path}: row {self.line}: field {field!r}"

    def error(self, field: str, problem: str) -> InputError:
        return InputError(f"{self.where(field)}: {problem}")


def read_rows(path: Path, columns: dict[str, Parser], optional: tuple[str, ...] = ()) -> Iterator[Row]:
    """Parse every row of a CSV whose header must name exactly `columns` (any order).

    Columns named in `optional` may be left out of the header (files written
    before the column existed); their cells then read as empty.
    """
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise InputError(f"{path}: cannot be read: {error.strerror}") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as error:
            raise InputError(f"{path}: row 1: not a readable UTF-8 CSV header: {error}") from None
        if header is None:
            raise InputError(f"{path}: is empty: it needs a header row with {', '.join(columns)}")
        header = [name.strip() for name in header]
        missing = [name for name in columns if name not in header and name not in optional]
        absent = [name for name in columns if name not in header and name in optional]
        unknown = [name for name in header if name not in columns]
        if missing:
            raise InputError(f"{path}: row 1: missing column(s) {', '.join(missing)}")
        if unknown:
            raise InputError(f"{path}: row 1: unknown column(s) {', '.join(unknown)} (expected {', '.join(columns)})")
        line = 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as error:
                raise InputError(f"{path}: row {line + 1}: cannot be read: {error}") from None
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                raise InputError(f"{path}: row {line}: has {len(cells)} fields, the header has {len(header)}")
            values = {name: columns[name]("") for name in absent}
            for name, cell in zip(header, cells):
                try:
                    values[name] = columns[name](cell)
                except ValueError as error:
                    raise InputError(f"{path}: row {line}: field {name!r}: {error}") from None
            yield Row(path, line, values)

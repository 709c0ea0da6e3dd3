"""The `meta` CSV: one study per row, read into a StudyTable (evidence.core.study_table).

The header decides the input kind (see evidence.core.study_table); rows are numbered as
lines of the file, the header being row 1, and a row without a `study` label is named by
its line. Empty lines are skipped. The file must be UTF-8 (a byte-order mark is allowed).
"""

from __future__ import annotations

import csv
from pathlib import Path

from evidence.core.study_table import StudyTable, meta
from evidence.errors import InputError


def read_study_table(path: str | Path) -> StudyTable:
    """The file's rows as a StudyTable; InputError naming the file when it cannot be read."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            lines = [(reader.line_num, row) for row in reader]
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InputError(f"{path}: cannot be read as a UTF-8 CSV file ({error})") from None
    lines = [(number, row) for number, row in lines if any(cell.strip() for cell in row)]
    if not lines:
        raise InputError(f"{path}: file is empty")
    (_, header), rows = lines[0], lines[1:]
    return StudyTable(str(path), header, [(f"row {number}", str(number), row) for number, row in rows],
                      header_where="row 1 (header)", file=str(path))


def meta_csv(path: str | Path, **options) -> dict:
    """`evidence meta FILE.csv`: the file's studies pooled as one analysis (options as evidence.core.study_table.meta)."""
    return meta(read_study_table(path), **options)

"""The RoB 2 CSV of `evidence rob rob2`: one signalling question's answer a row, read into each result's
answers and assessed by the RoB 2 algorithm (evidence.core.rob2).

Header (row 1, the names as written, any order): result, domain (D1 to D5), question (numbered as in
the tool: 1.2, 2.6), answer (Y, PY, PN, N, NI or NA, or Yes, Probably yes, Probably no, No, No
information, Not applicable; any case). Optional: variant, D2's effect of interest (assignment, the
default, or adhering), read on a result's D2 rows, one value for all of them (a blank cell takes the
others'); direction, the direction of bias, which the calculator does not read. Rows are lines of the
file; empty lines are skipped. The file must be UTF-8. Every bad cell is refused with one line naming
the file, row and field; an answer the algorithm needs but the file lacks, naming the result, domain
and question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from evidence.core.rob2 import (
    ANSWER_NAMES,
    DOMAINS,
    VARIANTS,
    Rob2Result,
    answer_code,
    answer_problem,
    assess,
    question_problem,
)
from evidence.errors import InputError
from evidence.formats.fields import Row, read_rows, required, text


def _domain(value: str) -> str:
    domain = value.strip().upper()
    if domain not in DOMAINS:
        raise ValueError(f"{value.strip()!r} is not a domain of RoB 2 ({', '.join(DOMAINS)})")
    return domain


def _answer(value: str) -> str:
    code = answer_code(value)
    if code is None:
        raise ValueError(f"{value.strip()!r} is not one of {', '.join(ANSWER_NAMES)}"
                         f" (or {', '.join(ANSWER_NAMES.values())})")
    return code


def _variant(value: str) -> str | None:
    variant = value.strip().lower()
    if variant and variant not in VARIANTS:
        raise ValueError(f"{value.strip()!r} is not one of {', '.join(VARIANTS)}")
    return variant or None


COLUMNS = {"result": required(text), "domain": required(_domain), "question": required(text),
           "answer": required(_answer), "variant": _variant, "direction": text}
OPTIONAL = ("variant", "direction")


@dataclass
class ResultAnswers:
    """One result's answers as the file gives them: {domain: {question: answer}}, D2's variant, and
    where each answer stands ({(domain, question): "FILE: row 7: field 'answer'"})."""

    result: str
    variant: str = "assignment"
    answers: dict[str, dict[str, str]] = field(default_factory=dict)
    places: dict[tuple[str, str], str] = field(default_factory=dict)
    rows: dict[tuple[str, str], int] = field(default_factory=dict)


def read_rob2_csv(path: str | Path) -> list[ResultAnswers]:
    """The file's answers per result, in the order results first appear; InputError on any bad cell."""
    path = Path(path)
    rows = list(read_rows(path, COLUMNS, optional=OPTIONAL))
    if not rows:
        raise InputError(f"{path}: has a header but no answers")
    results: dict[str, ResultAnswers] = {}
    stated: dict[str, Row] = {}  # each result's first D2 row that names a variant
    for row in rows:
        entry = results.setdefault(row["result"], ResultAnswers(row["result"]))
        if row["domain"] != "D2" or row["variant"] is None:
            continue
        first = stated.setdefault(entry.result, row)
        if row["variant"] != first["variant"]:
            raise row.error("variant", f"{row['variant']!r}, but row {first.line} says {first['variant']!r} for"
                                       f" result {entry.result!r}: its D2 answers are for one effect of interest")
        entry.variant = row["variant"]
    for row in rows:
        entry, domain, number = results[row["result"]], row["domain"], row["question"]
        problem = question_problem(domain, number, entry.variant)
        if problem:
            raise row.error("question", problem)
        problem = answer_problem(domain, number, row["answer"], entry.variant)
        if problem:
            raise row.error("answer", problem)
        if (domain, number) in entry.rows:
            raise row.error("question", f"{number} of result {entry.result!r} is answered twice (rows"
                                        f" {entry.rows[domain, number]} and {row.line})")
        entry.answers.setdefault(domain, {})[number] = row["answer"]
        entry.places[domain, number] = row.where("answer")
        entry.rows[domain, number] = row.line
    return list(results.values())


def rob2_csv(path: str | Path) -> list[Rob2Result]:
    """`evidence rob rob2 FILE.csv`: each result of the file assessed (evidence.core.rob2.assess)."""
    return [assess(entry.result, entry.answers, entry.variant, source=str(path), places=entry.places)
            for entry in read_rob2_csv(path)]

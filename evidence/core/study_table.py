"""One analysis from a table of studies: its columns checked, pooled, and returned as a JSON-safe dict.

What `evidence meta FILE.csv` and `evidence.meta(frame)` pool. The table comes from a CSV
file (evidence.formats.meta_csv) or a DataFrame or mapping of columns (evidence.api); this
module only sees a `StudyTable`: column names and cells, and where each row came from, so
every message names the source, row and field. The vectorised engine underneath is
evidence.core.pooling, which pools many analyses at once from arrays.

The header decides the input kind (names are case-insensitive; an optional `study` column
labels rows):
- dichotomous: e_events, e_total, c_events, c_total (measure RR | OR | RD, method MH | IV | PETO)
- continuous: e_mean, e_sd, e_total, c_mean, c_sd, c_total (measure MD | SMD)
- estimate with CI: estimate, ci_low, ci_high [, ci_level] (default measure HR; ratios for HR, RR, OR)
- generic: yi, se or yi, vi (on the analysis scale: log for HR, RR, OR)
Optional columns: `year` (the order of a cumulative meta-analysis) and any column named
by `subgroup`. Bad input raises InputError naming the source, the row and the field.
"""

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from evidence.core.pooling import (
    MODEL_RULES,
    PRESETS,
    TAU2_ESTIMATORS,
    MetaAnalysis,
    continuous_effects,
    effects_from_ci,
    egger_test,
    generic_effects,
    pool,
    pool_subgroups,
    sensitivity,
    trim_and_fill,
)
from evidence.core.pooling.effects import CONTINUOUS_MEASURES, DICHOTOMOUS_MEASURES, LOG_SCALE_MEASURES
from evidence.core.pooling.meta import PoolRows, counts_pooler, effects_pooler
from evidence.errors import InputError

INPUT_COLUMNS = {
    "dichotomous": ("e_events", "e_total", "c_events", "c_total"),
    "continuous": ("e_mean", "e_sd", "e_total", "c_mean", "c_sd", "c_total"),
    "estimate with CI": ("estimate", "ci_low", "ci_high"),
    "generic (yi, se)": ("yi", "se"),
    "generic (yi, vi)": ("yi", "vi"),
}
DEFAULT_MEASURE = {"dichotomous": "RR", "continuous": "MD", "estimate with CI": "HR"}
GENERIC_MEASURES = ("GENERIC", "HR", "RR", "OR", "RD", "MD", "SMD")
ALLOWED_MEASURES = {"dichotomous": DICHOTOMOUS_MEASURES, "continuous": CONTINUOUS_MEASURES}
DEFAULT_CI_LEVEL = 0.95
NOT_ASSIGNED = "(not assigned)"  # subgroup of a study with an empty subgroup cell


class StudyTable:
    """The studies of one analysis as cells by column, with where each row came from.

    source names the input in messages (a file's path, "data frame"); header holds the column
    names (stripped, lower case) and header_where names them in messages ("row 1 (header)" in a
    CSV file). rows are (where, label, cells): `where` names the row in messages ("row 3": a CSV
    file's line), `label` is the study's label when the table has no `study` column (the line
    number; a DataFrame's index), `cells` its values in header order, as text or numbers; None,
    NaN and blank text are empty cells. file: the path when the table was read from a file.
    """

    def __init__(self, source: str, header: Sequence[str], rows: Sequence[tuple[str, str, Sequence[Any]]],
                 *, header_where: str = "header", file: str | None = None):
        self.source = source
        self.file = file
        self.header_where = header_where
        self.header = [str(name).strip().lower() for name in header]
        self.rows = [(where, str(label), list(cells)) for where, label, cells in rows]
        repeated = sorted({name for name in self.header if name and self.header.count(name) > 1})
        if repeated:
            raise InputError(f"{source}, {header_where}: column {repeated[0]!r} appears more than once")
        if not self.rows:
            raise InputError(f"{source}: has a header but no data rows")

    def error(self, where: str, field: str, problem: str) -> InputError:
        return InputError(f"{self.source}, {where}, field {field}: {problem}")

    def kind(self) -> str:
        """The first input kind whose columns are all present; else name what is missing."""
        missing = {kind: [c for c in columns if c not in self.header] for kind, columns in INPUT_COLUMNS.items()}
        for kind, absent in missing.items():
            if not absent:
                return kind
        closest = min(missing, key=lambda kind: len(missing[kind]))
        expected = "; ".join(f"{kind}: {', '.join(columns)}" for kind, columns in INPUT_COLUMNS.items())
        problem = (f"missing column(s) {', '.join(missing[closest])} for {closest} input"
                   if len(missing[closest]) < len(INPUT_COLUMNS[closest]) else "no known input columns")
        raise InputError(f"{self.source}, {self.header_where}: {problem} (expected one of {expected})")

    def cells(self, field: str) -> list[tuple[str, str]]:
        """(where, stripped text) of every row in `field` ('' where the row is short or the cell empty)."""
        column = self.header.index(field)
        return [(where, _text(row[column]) if column < len(row) else "") for where, _, row in self.rows]

    def labels(self) -> list[str]:
        """Each row's study label: its `study` cell, else the row's own label."""
        if "study" not in self.header:
            return [label for _, label, _ in self.rows]
        return [text or label for (_, text), (_, label, _) in zip(self.cells("study"), self.rows)]

    def numbers(self, field: str, *, default: float | None = None) -> np.ndarray:
        """A column as floats (n,); an empty cell is an error unless a default is given."""
        values = []
        for where, text in self.cells(field):
            if not text and default is not None:
                values.append(default)
                continue
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise self.error(where, field, "is empty" if not text else f"{text!r} is not a number")
            values.append(value)
        return np.array(values)

    def check(self, field: str, values: np.ndarray, bad: np.ndarray, problem: str) -> None:
        """Raise for the first row where `bad` (n,) holds, naming the value and the problem."""
        if bad.any():
            index = int(np.argmax(bad))
            raise self.error(self.rows[index][0], field, f"{values[index]:g} {problem}")


def _text(value: Any) -> str:
    """A cell as stripped text: '' for None, NaN and blanks; numbers as Python writes them (round-trips)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if hasattr(value, "item") and not isinstance(value, str):  # a numpy scalar from a DataFrame
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return ""
    return str(value).strip()


def _read_dichotomous(table: StudyTable) -> list[np.ndarray]:
    columns = [table.numbers(field) for field in INPUT_COLUMNS["dichotomous"]]
    for field, values in zip(INPUT_COLUMNS["dichotomous"], columns):
        table.check(field, values, values < 0, "is negative")
        table.check(field, values, values != np.round(values), "is not a whole number")
    for events_field, total_field, events, total in (
        ("e_events", "e_total", columns[0], columns[1]),
        ("c_events", "c_total", columns[2], columns[3]),
    ):
        table.check(total_field, total, total == 0, "must be at least 1")
        table.check(events_field, events, events > total, f"events exceed {total_field}")
    return columns


def _read_continuous(table: StudyTable) -> list[np.ndarray]:
    columns = dict(zip(INPUT_COLUMNS["continuous"], (table.numbers(f) for f in INPUT_COLUMNS["continuous"])))
    for field in ("e_sd", "c_sd"):
        table.check(field, columns[field], columns[field] < 0, "is negative")
    for field in ("e_total", "c_total"):
        values = columns[field]
        table.check(field, values, (values < 2) | (values != np.round(values)), "is not a whole number >= 2")
    return list(columns.values())


def _read_estimate_ci(table: StudyTable, measure: str) -> list[np.ndarray]:
    estimate, low, high = (table.numbers(field) for field in INPUT_COLUMNS["estimate with CI"])
    if measure in LOG_SCALE_MEASURES:
        for field, values in (("estimate", estimate), ("ci_low", low), ("ci_high", high)):
            table.check(field, values, values <= 0, f"is not a positive {measure}")
    table.check("ci_low", low, low >= high, "is not below ci_high")
    table.check("estimate", estimate, (estimate < low) | (estimate > high), "lies outside its confidence interval")
    level = (table.numbers("ci_level", default=DEFAULT_CI_LEVEL) if "ci_level" in table.header
             else np.full(estimate.shape, DEFAULT_CI_LEVEL))
    table.check("ci_level", level, (level <= 0) | (level >= 1), "is not strictly between 0 and 1")
    return [estimate, low, high, level]


def _measure(table: StudyTable, kind: str, measure: str | None, method: str | None) -> tuple[str, str]:
    """The measure and fixed-effect method; --measure PETO means odds ratios by Peto's method."""
    measure = (measure or DEFAULT_MEASURE.get(kind, "GENERIC")).upper()
    if measure == "PETO" and kind == "dichotomous":
        if (method or "PETO").upper() != "PETO":
            raise InputError(f"{table.source}: --measure PETO pools with the Peto method; drop --method {method}")
        measure, method = "OR", "PETO"
    allowed = ALLOWED_MEASURES.get(kind, GENERIC_MEASURES)
    if measure not in allowed:
        shown = allowed + ("PETO",) if kind == "dichotomous" else allowed
        raise InputError(f"{table.source}: measure {measure} does not fit {kind} input (use one of {', '.join(shown)})")
    methods = ("MH", "IV", "PETO") if kind == "dichotomous" else ("IV",)
    method = (method or methods[0]).upper()
    if method not in methods:
        raise InputError(f"{table.source}: method {method} does not fit {kind} input (use one of {', '.join(methods)})")
    if method == "PETO" and measure != "OR":
        raise InputError(f"{table.source}: method PETO pools odds ratios only; use --measure OR")
    return measure, method


def _check_options(source: str, model: str, tau2: str | None, level: float, preset: str) -> None:
    for option, value, known in (("model", model, MODEL_RULES), ("tau2", tau2, TAU2_ESTIMATORS),
                                 ("preset", preset, PRESETS)):
        if value is not None and value not in known:
            raise InputError(f"{source}: --{option} {value} is not one of {', '.join(known)}")
    if not 0 < level < 1:
        raise InputError(f"{source}: --level {level} is not strictly between 0 and 1")


def _number(x) -> float | None:
    """A float for JSON, None for NaN or infinity."""
    x = float(x)
    return x if math.isfinite(x) else None


def _pair(values) -> list[float | None] | None:
    """An interval for JSON, None where it was not computed."""
    pair = [_number(v) for v in values]
    return None if pair == [None, None] else pair


def _summary(result: MetaAnalysis, g: int, model: str) -> dict:
    """The JSON-safe summary of analysis g of `result` under model 'fixed' or 'random'."""
    conventions, het = result.conventions, result.heterogeneity
    summary = getattr(result, model)
    natural = conventions.to_natural
    hartung_knapp = bool(np.isfinite(summary.df[g]))
    predicts = model == "random" and conventions.prediction
    return {
        "k": int(het.k[g]),
        "measure": conventions.measure,
        "scale": conventions.scale,
        "model": model,
        "model_rule": conventions.model_rule,
        "method": conventions.fixed_method,
        "tau2_method": conventions.tau2_method,
        "ci_method": conventions.ci_method if hartung_knapp else "z",
        "zero_cell_rule": conventions.zero_cell_rule,
        "level": conventions.level,
        "preset": conventions.preset,
        "estimate": _number(natural(summary.te[g])),
        "ci_low": _number(natural(summary.ci_low[g])),
        "ci_high": _number(natural(summary.ci_high[g])),
        "te": _number(summary.te[g]),
        "se": _number(summary.se[g]),
        "te_ci_low": _number(summary.ci_low[g]),
        "te_ci_high": _number(summary.ci_high[g]),
        "statistic": _number(summary.z[g]),
        "df": int(summary.df[g]) if hartung_knapp else None,  # a z statistic has none
        "p": _number(summary.p[g]),
        "q": _number(het.q[g]),
        "q_df": int(het.q_df[g]),
        "q_p": _number(het.q_p[g]),
        "i2": _number(het.i2[g]),
        "tau2": _number(result.tau2[g]),
        "tau2_ci": _pair(result.tau2_ci[g]),
        "i2_ci": _pair(result.i2_ci[g]),
        "pi_low": _number(natural(result.pi_low[g])) if predicts else None,
        "pi_high": _number(natural(result.pi_high[g])) if predicts else None,
    }


def _studies(result: MetaAnalysis, labels: list[str]) -> list[dict]:
    natural, studies = result.conventions.to_natural, result.studies
    return [
        {
            "study": label,
            "te": _number(studies.yi[i]),
            "se": _number(studies.se[i]),
            "estimate": _number(natural(studies.yi[i])),
            "ci_low": _number(natural(result.study_ci_low[i])),
            "ci_high": _number(natural(result.study_ci_high[i])),
            "weight": _number(result.study_weight[i]),
            "estimable": bool(studies.estimable[i]),
        }
        for i, label in enumerate(labels)
    ]


def _pooler(table: StudyTable, kind: str, measure: str, method: str, options: dict) -> PoolRows:
    """The file's studies as a PoolRows with `options`, read and checked according to the input kind."""
    if kind == "dichotomous":
        return counts_pooler(*_read_dichotomous(table), measure=measure, method=method, **options)
    if kind == "continuous":
        smd = PRESETS[options["preset"]].smd
        return effects_pooler(continuous_effects(*_read_continuous(table), measure=measure, smd=smd), **options)
    if kind == "estimate with CI":
        estimate, low, high, ci_level = _read_estimate_ci(table, measure)
        return effects_pooler(effects_from_ci(estimate, low, high, ci_level, measure=measure), **options)
    yi = table.numbers("yi")
    spread_field = "se" if kind == "generic (yi, se)" else "vi"
    spread = table.numbers(spread_field)
    table.check(spread_field, spread, spread <= 0, "must be positive")
    return effects_pooler(generic_effects(yi, **{spread_field: spread}, measure=measure), **options)


def meta(
    table: StudyTable, *, measure: str | None = None, method: str | None = None, model: str = "random",
    tau2: str | None = None, hk: bool | None = None, level: float = 0.95, preset: str = "revman5",
    subgroup: str | None = None, egger: bool = False, trimfill: bool = False, leave_one_out: bool = False,
    cumulative: bool = False,
) -> dict:
    """Pool the studies of one table (one analysis) and return the JSON-safe result dict.

    model is "fixed", "random" or "fixed_if_homogeneous"; method is the fixed-effect method
    for dichotomous input (MH by default); tau2 and hk (Hartung-Knapp-Sidik-Jonkman) default
    to the preset's. subgroup names a column whose values split the studies; egger,
    trimfill, leave_one_out and cumulative add those analyses (cumulative in the order of a
    `year` column, then of the table). Raises InputError naming source, row and field.
    """
    _check_options(table.source, model, tau2, level, preset)
    kind = table.kind()
    if subgroup is not None and subgroup.strip().lower() not in table.header:
        raise InputError(f"{table.source}, {table.header_where}: no column {subgroup!r} for --subgroup")
    measure, method = _measure(table, kind, measure, method)
    options = {"model": model, "tau2_method": tau2, "level": level, "preset": preset,
               "ci_method": None if hk is None else ("hk" if hk else "z")}
    pool_rows = _pooler(table, kind, measure, method, options)
    n = len(table.rows)
    everything = np.zeros(n, dtype=np.intp)
    result = pool_rows(np.arange(n), everything, 1)
    chosen = str(result.model[0])
    labels = table.labels()
    report = {"file": table.file, **_summary(result, 0, chosen), "studies": _studies(result, labels)}
    if subgroup is not None:
        names = [text or NOT_ASSIGNED for _, text in table.cells(subgroup.strip().lower())]
        split = pool_subgroups(pool_rows, everything, np.array(names, dtype=object))
        report["subgroups"] = [{"name": str(name), **_summary(split.result, u, chosen)}
                               for u, name in enumerate(split.subgroup)]
        test = split.differences(chosen)
        report["subgroup_test"] = {"q": _number(test.q[0]), "df": int(test.df[0]), "p": _number(test.p[0])}
    if egger:
        test = egger_test(result.studies)
        report["egger"] = {"intercept": _number(test.intercept[0]), "se": _number(test.se[0]),
                           "statistic": _number(test.statistic[0]),
                           "df": int(test.df[0]) if np.isfinite(test.df[0]) else None, "p": _number(test.p[0])}
    if trimfill:
        filled = trim_and_fill(result.studies, lambda effects, group, n_groups: pool(
            effects, group, n_groups=n_groups, **options))
        summary = _summary(filled.result, 0, chosen)
        report["trimfill"] = {"k0": int(filled.k0[0]), "side": str(filled.side[0]),
                              **{key: summary[key] for key in ("estimate", "ci_low", "ci_high")}}
    for wanted, key, resample, order in ((leave_one_out, "leave_one_out", sensitivity.leave_one_out, None),
                                         (cumulative, "cumulative", sensitivity.cumulative, _years(table))):
        if wanted:
            extra = {} if order is None else {"order": order}
            resampled = resample(pool_rows, everything, 1, **extra)
            report[key] = [{"study": labels[study], **_summary(resampled.result, m, chosen)}
                           for m, study in enumerate(resampled.study)]
    return report


def _years(table: StudyTable) -> np.ndarray | None:
    """The `year` column (missing years last), or None: the table's order."""
    return table.numbers("year", default=math.nan) if "year" in table.header else None

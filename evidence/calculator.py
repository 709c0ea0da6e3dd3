"""`evidence meta FILE.csv`: pool one analysis from a CSV file into a JSON-safe dict.

The header decides the input kind (names are case-insensitive; an optional `study` column
labels rows):
- dichotomous: e_events, e_total, c_events, c_total (measure RR | OR | RD, method MH | IV | PETO)
- continuous: e_mean, e_sd, e_total, c_mean, c_sd, c_total (measure MD | SMD)
- estimate with CI: estimate, ci_low, ci_high [, ci_level] (default measure HR; ratios for HR, RR, OR)
- generic: yi, se or yi, vi (on the analysis scale: log for HR, RR, OR)
Rows are numbered as lines of the file (the header is row 1). Bad input raises InputError.
"""

import csv
import math
from pathlib import Path

import numpy as np

from evidence.errors import InputError
from evidence.pooling import (
    MODEL_RULES,
    PRESETS,
    TAU2_ESTIMATORS,
    MetaAnalysis,
    continuous_effects,
    effects_from_ci,
    generic_effects,
    pool,
    pool_dichotomous,
)
from evidence.pooling.effects import CONTINUOUS_MEASURES, DICHOTOMOUS_MEASURES, LOG_SCALE_MEASURES

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


class _Table:
    """The rows of one CSV file as text, with the file's line number of each row."""

    def __init__(self, path: Path):
        self.path = path
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
        self.header = [name.strip().lower() for name in lines[0][1]]
        self.rows = lines[1:]
        if not self.rows:
            raise InputError(f"{path}: has a header but no data rows")

    def error(self, row: int, field: str, problem: str) -> InputError:
        return InputError(f"{self.path}, row {row}, field {field}: {problem}")

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
        raise InputError(f"{self.path}, row 1 (header): {problem} (expected one of {expected})")

    def cells(self, field: str):
        """(row number, stripped text) of every data row in `field` ('' where the row is short)."""
        column = self.header.index(field)
        return [(number, row[column].strip() if column < len(row) else "") for number, row in self.rows]

    def numbers(self, field: str, *, default: float | None = None) -> np.ndarray:
        """A column as floats (n,); an empty cell is an error unless a default is given."""
        values = []
        for number, text in self.cells(field):
            if not text and default is not None:
                values.append(default)
                continue
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise self.error(number, field, "is empty" if not text else f"{text!r} is not a number")
            values.append(value)
        return np.array(values)

    def check(self, field: str, values: np.ndarray, bad: np.ndarray, problem: str) -> None:
        """Raise for the first row where `bad` (n,) holds, naming the value and the problem."""
        if bad.any():
            index = int(np.argmax(bad))
            raise self.error(self.rows[index][0], field, f"{values[index]:g} {problem}")


def _read_dichotomous(table: _Table) -> list[np.ndarray]:
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


def _read_continuous(table: _Table) -> list[np.ndarray]:
    columns = dict(zip(INPUT_COLUMNS["continuous"], (table.numbers(f) for f in INPUT_COLUMNS["continuous"])))
    for field in ("e_sd", "c_sd"):
        table.check(field, columns[field], columns[field] < 0, "is negative")
    for field in ("e_total", "c_total"):
        values = columns[field]
        table.check(field, values, (values < 2) | (values != np.round(values)), "is not a whole number >= 2")
    return list(columns.values())


def _read_estimate_ci(table: _Table, measure: str) -> list[np.ndarray]:
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


def _measure(table: _Table, kind: str, measure: str | None, method: str | None) -> tuple[str, str]:
    measure = (measure or DEFAULT_MEASURE.get(kind, "GENERIC")).upper()
    allowed = ALLOWED_MEASURES.get(kind, GENERIC_MEASURES)
    if measure not in allowed:
        raise InputError(f"{table.path}: measure {measure} does not fit {kind} input (use one of {', '.join(allowed)})")
    methods = ("MH", "IV", "PETO") if kind == "dichotomous" else ("IV",)
    method = (method or methods[0]).upper()
    if method not in methods:
        raise InputError(f"{table.path}: method {method} does not fit {kind} input (use one of {', '.join(methods)})")
    if method == "PETO" and measure != "OR":
        raise InputError(f"{table.path}: method PETO pools odds ratios only; use --measure OR")
    return measure, method


def _check_options(path, model: str, tau2: str, level: float, preset: str) -> None:
    for option, value, known in (("model", model, MODEL_RULES), ("tau2", tau2, TAU2_ESTIMATORS),
                                 ("preset", preset, PRESETS)):
        if value not in known:
            raise InputError(f"{path}: --{option} {value} is not one of {', '.join(known)}")
    if not 0 < level < 1:
        raise InputError(f"{path}: --level {level} is not strictly between 0 and 1")


def _number(x) -> float | None:
    """A float for JSON, None for NaN or infinity."""
    x = float(x)
    return x if math.isfinite(x) else None


def _report(result: MetaAnalysis, labels: list[str], path: Path) -> dict:
    """The JSON-safe summary of analysis 0 and its studies."""
    conventions, het, pooled = result.conventions, result.heterogeneity, result.pooled
    natural = conventions.to_natural
    studies = result.studies
    return {
        "file": str(path),
        "k": int(het.k[0]),
        "measure": conventions.measure,
        "scale": conventions.scale,
        "model": str(result.model[0]),
        "model_rule": conventions.model_rule,
        "method": conventions.fixed_method,
        "tau2_method": conventions.tau2_method,
        "ci_method": conventions.ci_method,
        "zero_cell_rule": conventions.zero_cell_rule,
        "level": conventions.level,
        "preset": conventions.preset,
        "estimate": _number(natural(pooled.te[0])),
        "ci_low": _number(natural(pooled.ci_low[0])),
        "ci_high": _number(natural(pooled.ci_high[0])),
        "te": _number(pooled.te[0]),
        "se": _number(pooled.se[0]),
        "te_ci_low": _number(pooled.ci_low[0]),
        "te_ci_high": _number(pooled.ci_high[0]),
        "statistic": _number(pooled.z[0]),
        "df": None,  # a z statistic has none
        "p": _number(pooled.p[0]),
        "q": _number(het.q[0]),
        "q_df": int(het.q_df[0]),
        "q_p": _number(het.q_p[0]),
        "i2": _number(het.i2[0]),
        "tau2": _number(result.tau2[0]),
        "tau2_ci": None,
        "i2_ci": None,
        "pi_low": None,
        "pi_high": None,
        "studies": [
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
        ],
    }


def meta_csv(
    path, *, measure: str | None = None, method: str | None = None, model: str = "random", tau2: str = "DL",
    level: float = 0.95, preset: str = "revman5",
) -> dict:
    """Pool the studies of one CSV file (one analysis) and return the JSON-safe result dict.

    model is "fixed", "random" or "fixed_if_homogeneous"; method is the fixed-effect method
    for dichotomous input (MH by default). Raises InputError naming file, row and field.
    """
    path = Path(path)
    _check_options(path, model, tau2, level, preset)
    table = _Table(path)
    kind = table.kind()
    measure, method = _measure(table, kind, measure, method)
    options = {"model": model, "tau2_method": tau2, "level": level, "preset": preset}
    if kind == "dichotomous":
        result = pool_dichotomous(*_read_dichotomous(table), measure=measure, method=method, **options)
    elif kind == "continuous":
        result = pool(continuous_effects(*_read_continuous(table), measure=measure), **options)
    elif kind == "estimate with CI":
        estimate, low, high, ci_level = _read_estimate_ci(table, measure)
        result = pool(effects_from_ci(estimate, low, high, ci_level, measure=measure), **options)
    else:
        yi = table.numbers("yi")
        spread_field = "se" if kind == "generic (yi, se)" else "vi"
        spread = table.numbers(spread_field)
        table.check(spread_field, spread, spread <= 0, "must be positive")
        result = pool(generic_effects(yi, **{spread_field: spread}, measure=measure), **options)
    labels = ([text or str(number) for number, text in table.cells("study")] if "study" in table.header
              else [str(number) for number, _ in table.rows])
    return _report(result, labels, path)

"""`evidence.meta`: the `evidence meta` calculator on a DataFrame (or any mapping of columns).

The same columns, options, checks and numbers as `evidence meta FILE.csv`
(evidence.core.study_table); the result keeps the study labels and gives the
pooled estimate on the measure's natural scale, a text summary, a DataFrame
and the forest plot drawn by the same code as `evidence plot forest`.
"""

from __future__ import annotations

import copy
import math
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from evidence.core.study_table import NOT_ASSIGNED, StudyTable, meta as pool_table
from evidence.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

ARM_COLUMNS = ("e_events", "e_total", "c_events", "c_total")
ACCEPTED = "a pandas DataFrame or a mapping of column name to values (one per study)"


def study_table(data: Any) -> StudyTable:
    """A StudyTable from a pandas DataFrame or a mapping of column name -> values (a dict of lists, arrays
    or Series), one study per row.

    A row is named in messages by its index label ("row 2", "row IKEMA"; a mapping's rows by position
    from 0, as pandas.DataFrame(mapping) would index them), with its `study` cell when there is one;
    a study without a `study` cell is labelled by that index label.
    """
    pandas = sys.modules.get("pandas")  # not imported: `data` cannot be a DataFrame
    if pandas is not None and isinstance(data, pandas.DataFrame):
        source = "data frame"
        header = [str(name) for name in data.columns]
        columns = [data.iloc[:, j].tolist() for j in range(data.shape[1])]
        index = [str(label) for label in data.index]
    elif isinstance(data, Mapping):
        source = "data"
        header = [str(name) for name in data]
        columns = [_values(source, str(name), values) for name, values in data.items()]
        for name, values in zip(header, columns):
            if len(values) != len(columns[0]):
                raise InputError(f"{source}, field {name}: has {len(values)} values where field {header[0]}"
                                 f" has {len(columns[0])} (every column needs one value per study)")
        index = [str(i) for i in range(len(columns[0]) if columns else 0)]
    else:
        hint = " (read a CSV file with pandas.read_csv, or run `evidence meta FILE.csv`)" \
            if isinstance(data, (str, bytes)) or hasattr(data, "__fspath__") else ""
        raise InputError(f"evidence.meta takes {ACCEPTED}, not a {type(data).__name__}{hint}")
    if not index:
        raise InputError(f"{source}: has no rows (one study per row)")
    study_column = next((j for j, name in enumerate(header) if name.strip().lower() == "study"), None)
    rows = []
    for i, label in enumerate(index):
        cells = [None if _missing(column[i]) else column[i] for column in columns]
        study = None if study_column is None or cells[study_column] is None else str(cells[study_column]).strip()
        rows.append((f"row {label}" + (f" ({study})" if study and study != label else ""), label, cells))
    return StudyTable(source, header, rows, header_where="columns")


def _values(source: str, name: str, values: Any) -> list:
    """A mapping's column as a list; a single value (a number, a text) is an error naming the field."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or not hasattr(values, "__iter__"):
        raise InputError(f"{source}, field {name}: holds a single {type(values).__name__}, not a list of values"
                         " (one per study)")
    return list(values)


def _missing(value: Any) -> bool:
    """An empty cell: None, NaN (a float or a numpy float), pandas' NA and NaT."""
    if value is None:
        return True
    if hasattr(value, "item") and not isinstance(value, str):  # a numpy scalar
        try:
            value = value.item()
        except (TypeError, ValueError):
            return False
    if isinstance(value, float):
        return math.isnan(value)
    pandas = sys.modules.get("pandas")
    return pandas is not None and (value is pandas.NA or value is pandas.NaT)


def _arm_counts(table: StudyTable) -> dict[str, list[float]]:
    """The arms' counts the table has (e_events, e_total, c_events, c_total; NaN where empty), for the plot."""
    arms = {}
    for name in ARM_COLUMNS:
        if name in table.header:
            try:
                arms[name] = table.numbers(name, default=math.nan).tolist()
            except InputError:
                pass  # text in a column this input kind does not pool: the plot leaves it out
    return arms


def meta(data: Any, *, measure: str | None = None, method: str | None = None, model: str = "random",
         tau2: str | None = None, hk: bool | None = None, level: float = 0.95, preset: str = "revman5",
         subgroup: str | None = None, egger: bool = False, trimfill: bool = False, leave_one_out: bool = False,
         cumulative: bool = False) -> MetaResult:
    """Pool the studies of `data` (one analysis), as `evidence meta FILE.csv` pools a file.

    data: a DataFrame or a mapping of columns, one study per row; the columns decide the input kind
    (e_events, e_total, c_events, c_total | e_mean, e_sd, e_total, c_mean, c_sd, c_total |
    estimate, ci_low, ci_high [, ci_level] | yi, se | yi, vi; an optional `study` labels the rows,
    `year` orders a cumulative analysis). measure RR, OR, RD, PETO, MD, SMD, HR or GENERIC; method MH,
    IV or PETO; model fixed, random or fixed_if_homogeneous; tau2 DL, REML, PM, ML, SJ, HE, EB or HS;
    hk the Hartung-Knapp-Sidik-Jonkman interval; preset revman5 or modern; subgroup a column whose
    values split the studies. Bad input raises evidence.errors.InputError naming the row and field.
    """
    table = study_table(data)
    result = pool_table(table, measure=measure, method=method, model=model, tau2=tau2, hk=hk, level=level,
                        preset=preset, subgroup=subgroup, egger=egger, trimfill=trimfill,
                        leave_one_out=leave_one_out, cumulative=cumulative)
    groups = [text for _, text in table.cells(subgroup.strip().lower())] if subgroup else None
    return MetaResult(result, _arm_counts(table), groups, subgroup)


def _figure(key: str, doc: str) -> property:
    return property(lambda self: self._result[key], doc=doc)


class MetaResult:
    """One pooled analysis: what `evidence meta` prints, with the study labels kept.

    estimate, ci_low, ci_high (and pi_low, pi_high) are on the measure's natural scale (a ratio for RR,
    OR and HR); te and se on the analysis scale (`scale`: log for ratios). Figures that could not be
    computed are None. as_json() is the dict `evidence meta --json` prints, with the extra analyses
    asked for (subgroups, egger, trimfill, leave_one_out, cumulative).
    """

    k = _figure("k", "studies pooled (estimable ones)")
    measure = _figure("measure", "RR, OR, RD, MD, SMD, HR or GENERIC")
    method = _figure("method", "the fixed-effect method: MH, IV or PETO")
    model = _figure("model", "the model the result is in: fixed or random")
    scale = _figure("scale", "the analysis scale: log (ratios) or identity")
    level = _figure("level", "the confidence level")
    estimate = _figure("estimate", "the pooled estimate, natural scale")
    ci_low = _figure("ci_low", "lower confidence limit, natural scale")
    ci_high = _figure("ci_high", "upper confidence limit, natural scale")
    te = _figure("te", "the pooled estimate on the analysis scale")
    se = _figure("se", "its standard error")
    p = _figure("p", "P value of the test for overall effect")
    q = _figure("q", "Cochran's Q")
    q_df = _figure("q_df", "Q's degrees of freedom")
    q_p = _figure("q_p", "P value of Q")
    i2 = _figure("i2", "I², percent")
    tau2 = _figure("tau2", "between-study variance, analysis scale")
    pi_low = _figure("pi_low", "lower prediction limit, natural scale (random effects with a prediction interval)")
    pi_high = _figure("pi_high", "upper prediction limit, natural scale")

    def __init__(self, result: dict, arms: dict[str, list[float]] | None = None,
                 groups: list[str] | None = None, subgroup_variable: str | None = None):
        self._result = result
        self._arms = arms or {}
        self._groups = groups
        self.subgroup_variable = subgroup_variable

    def __repr__(self) -> str:
        effect = "not estimable" if self.estimate is None else \
            f"{self.estimate:.2f} ({self.ci_low:.2f} to {self.ci_high:.2f})"
        i2 = "" if self.i2 is None else f", I² {self.i2:.0f}%"
        return f"<meta {self.measure} {self.model} effect: k {self.k}, {effect}{i2}>"

    @property
    def studies(self) -> list[str]:
        """The study labels, in input order."""
        return [study["study"] for study in self._result["studies"]]

    def as_json(self) -> dict:
        """The JSON-safe dict `evidence meta --json` prints (a copy)."""
        return copy.deepcopy(self._result)

    def summary(self) -> str:
        """The text `evidence meta` prints."""
        from evidence.outputs.text import format_meta

        return format_meta(self._result)

    def to_frame(self) -> pd.DataFrame:
        """One row per study (input order), one per subgroup (when pooled with subgroup=), then the total.

        Columns: kind (study, subgroup, total), study (the label; "Subtotal", "Total"), subgroup,
        estimate, ci_low, ci_high (natural scale), te, se (analysis scale), weight (% of the total,
        in the chosen model; a subtotal's is its studies'), k (1 for an estimable study), p, i2 (%).
        """
        import pandas as pd

        result = self._result
        subgroup_of = [group or NOT_ASSIGNED for group in self._groups] if self._groups else None
        effect = ("estimate", "ci_low", "ci_high", "te", "se")
        rows = []
        for i, study in enumerate(result["studies"]):
            rows.append({"kind": "study", "study": study["study"], "subgroup": subgroup_of[i] if subgroup_of else None,
                         **{key: study[key] for key in effect}, "weight": study["weight"],
                         "k": int(study["estimable"]), "p": None, "i2": None})
        for group in result.get("subgroups", []):
            weights = [study["weight"] or 0.0 for study, name in zip(result["studies"], subgroup_of)
                       if name == group["name"]]
            rows.append({"kind": "subgroup", "study": "Subtotal", "subgroup": group["name"],
                         **{key: group[key] for key in effect}, "weight": sum(weights), "k": group["k"],
                         "p": group["p"], "i2": group["i2"]})
        rows.append({"kind": "total", "study": "Total", "subgroup": None, **{key: result[key] for key in effect},
                     "weight": sum(study["weight"] or 0.0 for study in result["studies"]), "k": result["k"],
                     "p": result["p"], "i2": result["i2"]})
        frame = pd.DataFrame(rows)
        for column in (*effect, "weight", "p", "i2"):
            frame[column] = frame[column].astype("float64")  # None -> NaN, even where a column is all None
        return frame

    def forest(self, title: str | None = None) -> Figure:
        """The forest plot as a matplotlib Figure, drawn by the code of `evidence plot forest` (RevMan 5's
        layout); save it with fig.savefig("forest.svg")."""
        from evidence.outputs.figures.forest import draw, from_calculator

        return draw(from_calculator(self._result, self._arms, self._groups, self.subgroup_variable, title))

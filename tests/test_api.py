"""The Python API (evidence.open, evidence.meta): DataFrames in, DataFrames out, on DuckDB and PostgreSQL,
with the same numbers, checks and messages as the CLI commands it stands beside."""

from __future__ import annotations

import html
import io
import math
import re

import pandas as pd
import pytest
from matplotlib.figure import Figure
from scipy.stats import norm
from typer.testing import CliRunner

import evidence
from evidence.cli import app
from evidence.errors import DatabaseMissingError, EvidenceError, InputError, NotFoundError, ReadOnlyError
from evidence.formats.meta_csv import meta_csv
from evidence.outputs.figures import forest, render
from evidence.outputs.text import format_meta
from evidence.store import database as db
from evidence.store.sql import run_query
from evidence.workflows.load import build_store

from .conftest import SEED, snapshot
from .test_calculator import BCG_CSV, MALFORMED
from .test_pool_review import PFS, hand_pooled_pfs
from .test_sql import WRITES

REVIEW = "isatuximab-mm"

# The four PFS hazard ratios of tests/test_pool_review.py (../shared/trials/outcomes.csv) as the CSV of
# the README's "Pooling a CSV needs no database".
PFS_CSV = "study,estimate,ci_low,ci_high,ci_level\n" + "".join(
    f"{study},{hr},{low},{high},{level}\n" for study, (hr, low, high, level) in PFS.items())


def pfs_frame() -> pd.DataFrame:
    return pd.DataFrame([(study, *values) for study, values in PFS.items()],
                        columns=["study", "estimate", "ci_low", "ci_high", "ci_level"])


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def records(frame: pd.DataFrame) -> list[tuple]:
    """A frame's rows as plain Python values (NaN, NA and NaT as None), to compare values, not dtypes."""
    def plain(value):
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        return value.item() if hasattr(value, "item") else value

    return [tuple(plain(value) for value in row) for row in frame.itertuples(index=False)]


def svg_texts(figure) -> list[str]:
    """Every text element of a figure's SVG (text stays text: svg.fonttype none)."""
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", render.svg_text(figure))]


# ---------------------------------------------------------------- evidence.open

def test_open_by_url_on_each_engine(loaded):
    store = evidence.open(url_of(loaded))
    assert isinstance(store, evidence.Store)
    assert store.reviews()["slug"].tolist() == [REVIEW]


def test_open_by_path(tmp_path, monkeypatch):
    path = tmp_path / "by-path.duckdb"
    db.init(f"duckdb:///{path}")
    monkeypatch.chdir(tmp_path)
    for where in (path, str(path), "by-path.duckdb"):
        store = evidence.open(where)
        assert store.url == f"duckdb:///{path}"
        assert store.reviews().empty


def test_a_missing_store_says_to_run_init_and_create_makes_it(store_url):
    # DuckDB: no file yet; PostgreSQL: an empty database without the schema.
    with pytest.raises(DatabaseMissingError, match="run `evidence init`"):
        evidence.open(store_url)
    store = evidence.open(store_url, create=True)
    reviews = store.reviews()
    assert reviews.empty and reviews.columns.tolist() == ["slug", "title", "included_studies", "records", "runs"]
    with pytest.raises(NotFoundError, match="holds no review yet"):
        store.analysis_input()


def test_reviews_is_one_row_per_review(loaded):
    reviews = evidence.open(url_of(loaded)).reviews()
    # evidence/seeds/isatuximab-mm: four included trials, its flow from reported counts (no records: those
    # are in isatuximab-mm-records); loading does not pool.
    assert records(reviews[["slug", "included_studies", "records", "runs"]]) == [(REVIEW, 4, 0, 0)]


QUERIES = [
    "SELECT outcome, studies_included, k, participants, derived_values, missing_values FROM outcome_overview"
    " ORDER BY outcome",
    "SELECT analysis, study, subgroup, e_events, e_total, c_events, c_total, yi, se, derived_from_percent"
    " FROM analysis_input ORDER BY analysis, study",
    "SELECT id, slug, title FROM review",
]


@pytest.mark.parametrize("query", QUERIES)
def test_sql_gives_the_rows_of_evidence_sql_as_a_frame(loaded, query):
    frame = evidence.open(url_of(loaded)).sql(query)
    expected = run_query(db.create_engine(url_of(loaded), read_only=True), query)
    assert isinstance(frame, pd.DataFrame)
    assert frame.columns.tolist() == expected.columns
    assert len(frame) == len(expected.rows) > 0
    assert records(frame) == [tuple(row) for row in expected.rows]


@pytest.mark.parametrize("statement", WRITES)  # DROP, DELETE, "SELECT 1; DELETE ...", ATTACH, COPY, ...
def test_sql_refuses_writes_and_changes_nothing(loaded, statement):
    before = snapshot(loaded)
    with pytest.raises(ReadOnlyError, match="read-only|one statement at a time"):
        evidence.open(url_of(loaded)).sql(statement)
    assert snapshot(loaded) == before


def test_a_bad_query_is_one_line(loaded):
    with pytest.raises(EvidenceError, match="the query failed") as raised:
        evidence.open(url_of(loaded)).sql("SELECT no_such_column FROM study")
    assert "\n" not in str(raised.value)


def test_analysis_input_holds_the_four_pfs_trials_on_the_log_scale(loaded):
    frame = evidence.open(url_of(loaded)).analysis_input(REVIEW, "pfs")
    assert set(frame["analysis"]) == {"pfs"} and sorted(frame["study"]) == sorted(PFS)
    for row in frame.itertuples():
        hr, low, high, level = PFS[row.study]
        assert row.yi == pytest.approx(math.log(hr), rel=1e-12)  # POOLING.md: se from the CI at its own level
        assert row.se == pytest.approx((math.log(high) - math.log(low)) / (2 * norm.ppf(1 - (1 - level) / 2)),
                                       rel=1e-12)
    everything = evidence.open(url_of(loaded)).analysis_input()  # the store's only review
    assert {"pfs", "os", "orr"} <= set(everything["analysis"]) and len(everything) > len(frame)


def test_unknown_review_or_analysis_names_the_known_ones(loaded):
    store = evidence.open(url_of(loaded))
    with pytest.raises(NotFoundError, match=rf"no review 'nope' in the store \(reviews: {REVIEW}\)"):
        store.analysis_input("nope")
    with pytest.raises(NotFoundError, match=r"has no analysis 'nope' \(analyses: .*pfs"):
        store.analysis_input(REVIEW, "nope")
    with pytest.raises(NotFoundError, match=r"has no analysis 'nope' \(analyses: .*pfs"):
        store.results(REVIEW, "nope")


def test_pool_stores_a_run_that_results_then_shows(loaded):
    store = evidence.open(url_of(loaded))
    with pytest.raises(NotFoundError, match="has no analysis run yet"):
        store.results(REVIEW)
    run = store.pool(REVIEW)
    pooled = run.to_frame()
    assert len(pooled) == 2 * len(run.analyses) == 2 * pooled["analysis"].nunique()
    assert set(pooled["model"]) == {"fixed", "random"}
    assert (pooled.groupby("analysis")["chosen"].sum() == 1).all()  # the review's rule picks one model
    pfs = pooled[(pooled["analysis"] == "pfs") & pooled["chosen"]].iloc[0]
    # README's table: PFS HR 0.62 (0.53 to 0.72), 4 trials, I² 0%, fixed effect (tests/test_pool_review.py).
    assert (pfs["model"], pfs["k"], pfs["i2"]) == ("fixed", 4, 0)
    assert (round(pfs["estimate"], 2), round(pfs["ci_low"], 2), round(pfs["ci_high"], 2)) == (0.62, 0.53, 0.72)
    assert pfs["te"] == pytest.approx(hand_pooled_pfs()[0], rel=1e-12)

    results = store.results(REVIEW)
    assert set(results["run_id"]) == {run.run_id}
    columns = ["analysis", "model", "chosen", "k", "estimate", "ci_low", "ci_high"]
    by_key = ["analysis", "model"]
    assert records(results[columns].sort_values(by_key)) == records(pooled[columns].sort_values(by_key))
    assert records(store.results(REVIEW, "pfs")[columns]) == records(
        pooled[pooled["analysis"] == "pfs"][columns].sort_values("model"))
    assert "pfs" in run.summary() and f"Analysis run {run.run_id}" in run.summary()


def test_a_frame_from_the_store_pools_and_draws_as_the_store_does(loaded):
    store = evidence.open(url_of(loaded))
    run = store.pool(REVIEW)
    chosen = next(a for a in run.analyses if a.analysis == "pfs").chosen
    frame = store.analysis_input(REVIEW, "pfs")[["study", "yi", "se"]]
    result = evidence.meta(frame, measure="HR", model=chosen.model)
    assert result.te == pytest.approx(chosen.te, rel=1e-12) and result.se == pytest.approx(chosen.se, rel=1e-12)
    drawn = svg_texts(result.forest())
    stored = svg_texts(forest.forest_figure(loaded, REVIEW, "pfs"))
    effects = [text for text in stored if re.fullmatch(r"\d\.\d\d \[\d\.\d\d, \d\.\d\d\]", text)]
    assert len(effects) == 5  # four trials and the total
    assert all(text in drawn for text in effects + sorted(PFS))


def test_duckdb_and_postgresql_give_equal_frames(duckdb_url, postgres_url):
    frames = []
    for url in (duckdb_url, postgres_url):
        build_store(url, SEED)[0].dispose()
        store = evidence.open(url)
        run = store.pool(REVIEW)
        frames.append({
            "sql": [store.sql(query) for query in QUERIES],
            "reviews": store.reviews(),
            "analysis_input": store.analysis_input(REVIEW).drop(columns=["analysis_id", "review_id", "study_id"]),
            "results": store.results(REVIEW).drop(columns=["review_id", "run_id"]),
            "run": run.to_frame().drop(columns="run_id"),
        })
    on_duckdb, on_postgres = frames
    pairs = [*zip(on_duckdb.pop("sql"), on_postgres.pop("sql"))] + [(on_duckdb[name], on_postgres[name]) for name in on_duckdb]
    for left, right in pairs:
        assert left.columns.tolist() == right.columns.tolist()
        # Not the same dtypes (DuckDB's INTEGER is Int32), but the same kind of column.
        assert [kind_of(left[c]) for c in left] == [kind_of(right[c]) for c in right], left.columns
        left_rows, right_rows = records(left), records(right)
        assert len(left_rows) == len(right_rows) > 0, left.columns
        for left_row, right_row in zip(left_rows, right_rows):
            for column, a, b in zip(left.columns, left_row, right_row):
                if isinstance(a, float) or isinstance(b, float):  # each database computes the logs and roots
                    assert a == pytest.approx(b, rel=1e-12, abs=1e-15), (column, left_row)
                else:
                    assert a == b, (column, left_row)


def kind_of(column: pd.Series) -> str:
    for kind, check in (("bool", pd.api.types.is_bool_dtype), ("integer", pd.api.types.is_integer_dtype),
                        ("float", pd.api.types.is_float_dtype), ("datetime", pd.api.types.is_datetime64_any_dtype),
                        ("string", pd.api.types.is_string_dtype)):
        if check(column):
            return kind
    return "other"


# ---------------------------------------------------------------- evidence.meta

@pytest.mark.parametrize("options", [
    {"measure": "HR", "model": "fixed"},
    {"measure": "HR"},
    {"measure": "HR", "preset": "modern", "leave_one_out": True, "cumulative": True},
    {"measure": "HR", "model": "fixed", "egger": True, "trimfill": True, "level": 0.9},
])
def test_a_frame_pools_as_the_same_csv(tmp_path, options):
    path = tmp_path / "pfs.csv"
    path.write_text(PFS_CSV, encoding="utf-8")
    from_file = meta_csv(path, **options)
    from_frame = evidence.meta(pfs_frame(), **options).as_json()
    assert from_file.pop("file") == str(path) and from_frame.pop("file") is None
    assert from_frame == from_file
    assert evidence.meta(pd.read_csv(path), **options).as_json() == {**from_file, "file": None}


@pytest.mark.parametrize("options", [{"model": "fixed"}, {"measure": "PETO", "subgroup": "alloc"},
                                     {"measure": "OR", "method": "IV", "cumulative": True}])
def test_dichotomous_counts_read_by_pandas_pool_as_the_csv(tmp_path, options):
    path = tmp_path / "bcg.csv"  # metafor's dat.bcg (tests/test_calculator.py)
    path.write_text(BCG_CSV, encoding="utf-8")
    from_file = meta_csv(path, **options)
    from_frame = evidence.meta(pd.read_csv(path), **options).as_json()
    assert {**from_frame, "file": str(path)} == from_file


def test_a_mapping_of_lists_pools_as_the_frame():
    frame = pfs_frame()
    mapping = {name: frame[name].tolist() for name in frame.columns}
    assert evidence.meta(mapping, measure="HR").as_json() == evidence.meta(frame, measure="HR").as_json()
    arrays = {name: frame[name].to_numpy() for name in frame.columns}  # arrays and Series are columns too
    assert evidence.meta(arrays, measure="HR").as_json() == evidence.meta(frame, measure="HR").as_json()


def test_the_result_is_on_the_ratio_scale_with_the_study_labels():
    result = evidence.meta(pfs_frame(), measure="HR", model="fixed")
    te, se, q = hand_pooled_pfs()
    assert (result.k, result.measure, result.model, result.method, result.scale) == (4, "HR", "fixed", "IV", "log")
    assert result.te == pytest.approx(te, rel=1e-12) and result.se == pytest.approx(se, rel=1e-12)
    assert result.estimate == pytest.approx(math.exp(te), rel=1e-12)
    z = norm.ppf(0.975)
    assert result.ci_low == pytest.approx(math.exp(te - z * se), rel=1e-12)
    assert result.ci_high == pytest.approx(math.exp(te + z * se), rel=1e-12)
    assert result.q == pytest.approx(q, rel=1e-12) and result.i2 == 0
    assert (round(result.estimate, 2), round(result.ci_low, 2), round(result.ci_high, 2)) == (0.62, 0.53, 0.72)
    assert result.studies == list(PFS)
    assert repr(result) == "<meta HR fixed effect: k 4, 0.62 (0.53 to 0.72), I² 0%>"


def test_labels_come_from_the_study_column_else_the_index_else_positions():
    frame = pfs_frame()
    by_index = frame.set_index("study")
    assert evidence.meta(by_index, measure="HR").studies == list(PFS)
    numbers = {name: frame[name].tolist() for name in ("estimate", "ci_low", "ci_high", "ci_level")}
    assert evidence.meta(numbers, measure="HR").studies == ["0", "1", "2", "3"]
    assert evidence.meta(pd.DataFrame(numbers, index=[10, 20, 30, 40]), measure="HR").studies == ["10", "20", "30", "40"]
    # An empty study cell falls back to the index, as an unlabelled CSV row falls back to its line.
    partly = frame.assign(study=["ICARIA-MM", None, "IMROZ", "GMMG-HD7"])
    assert evidence.meta(partly, measure="HR").studies == ["ICARIA-MM", "1", "IMROZ", "GMMG-HD7"]


def test_to_frame_has_the_studies_then_the_total():
    result = evidence.meta(pfs_frame(), measure="HR", model="fixed")
    frame = result.to_frame()
    assert frame["kind"].tolist() == ["study"] * 4 + ["total"]
    assert frame["study"].tolist() == list(PFS) + ["Total"]
    as_json = result.as_json()
    for row, study in zip(frame.itertuples(), as_json["studies"]):
        assert (row.estimate, row.ci_low, row.ci_high, row.te, row.se, row.weight) == tuple(
            study[key] for key in ("estimate", "ci_low", "ci_high", "te", "se", "weight"))
    total = frame.iloc[-1]
    assert (total["estimate"], total["ci_low"], total["ci_high"], total["p"], total["k"]) == (
        as_json["estimate"], as_json["ci_low"], as_json["ci_high"], as_json["p"], 4)
    assert total["weight"] == pytest.approx(100) and frame["weight"][:4].sum() == pytest.approx(100)
    assert frame["subgroup"].isna().all()


def test_to_frame_adds_the_subgroups_when_asked():
    frame = pfs_frame().assign(setting=["relapsed", "relapsed", "newly diagnosed", None])
    result = evidence.meta(frame, measure="HR", model="fixed", subgroup="setting")
    table = result.to_frame()
    assert table["kind"].tolist() == ["study"] * 4 + ["subgroup"] * 3 + ["total"]
    subgroups = table[table["kind"] == "subgroup"]
    assert subgroups["subgroup"].tolist() == [group["name"] for group in result.as_json()["subgroups"]]
    assert sorted(subgroups["subgroup"]) == ["(not assigned)", "newly diagnosed", "relapsed"]
    assert table["subgroup"][:4].tolist() == ["relapsed", "relapsed", "newly diagnosed", "(not assigned)"]
    relapsed = subgroups[subgroups["subgroup"] == "relapsed"].iloc[0]
    assert relapsed["k"] == 2
    assert relapsed["weight"] == pytest.approx(table["weight"][:2].sum())
    assert subgroups["weight"].sum() == pytest.approx(100)


def test_summary_is_what_evidence_meta_prints(tmp_path):
    path = tmp_path / "pfs.csv"
    path.write_text(PFS_CSV, encoding="utf-8")
    printed = CliRunner().invoke(app, ["meta", str(path), "--measure", "HR", "--model", "fixed"])
    assert printed.exit_code == 0, printed.output
    summary = evidence.meta(pfs_frame(), measure="HR", model="fixed").summary()
    assert printed.output == summary + "\n"
    assert summary == format_meta(meta_csv(path, measure="HR", model="fixed"))


@pytest.mark.parametrize("subgroup", [None, "alloc"])
def test_forest_of_counts_shows_the_arms_and_the_labels(subgroup):
    frame = pd.read_csv(io.StringIO(BCG_CSV))
    figure = evidence.meta(frame, model="fixed", subgroup=subgroup).forest(title="BCG vaccine")
    assert isinstance(figure, Figure)
    shown = svg_texts(figure)
    assert set(frame["study"]) <= set(shown)
    assert {"BCG vaccine", "Events", "Experimental", "Control", "Risk Ratio", "Total (95% CI)", "Total events"} <= set(shown)
    assert ("Subgroups by alloc" in shown) == (subgroup is not None)
    if subgroup:
        assert {"alternate", "random", "systematic", "Subtotal (95% CI)"} <= set(shown)
        assert any(text.startswith("Test for subgroup differences: Chi² = ") for text in shown)


@pytest.mark.parametrize("subgroup", [None, "setting"])
def test_forest_of_estimates_shows_the_log_estimate_se_and_the_labels(subgroup):
    frame = pfs_frame().assign(setting=["relapsed", "relapsed", "newly diagnosed", "newly diagnosed"])
    result = evidence.meta(frame, measure="HR", model="fixed", subgroup=subgroup)
    shown = svg_texts(result.forest())
    assert set(PFS) <= set(shown)
    assert {"log[Hazard Ratio]", "SE", "IV, Fixed, 95% CI", "0.62 [0.53, 0.72]"} <= set(shown)
    assert "Events" not in shown
    assert ({"relapsed", "newly diagnosed"} <= set(shown)) == (subgroup is not None)


def test_bad_cells_name_the_row_and_the_field():
    frame = pfs_frame().astype({"estimate": object})
    frame.loc[2, "estimate"] = "n/a"
    with pytest.raises(InputError) as raised:
        evidence.meta(frame, measure="HR")
    assert str(raised.value) == "data frame, row 2 (IMROZ), field estimate: 'n/a' is not a number"
    with pytest.raises(InputError, match=r"^data frame, row GMMG-HD7, field ci_low: is empty$"):
        evidence.meta(pfs_frame().set_index("study").assign(ci_low=[0.44, 0.42, 0.41, None]), measure="HR")


# The calculator's malformed CSVs of tests/test_calculator.py, read by pandas: the same problem in the
# same field, the row named by its index (the CSV's line less the header and one).
FRAMED = [(text, message) for text, message in MALFORMED if re.match(r"row \d+, field", message) and "nan" not in text]


@pytest.mark.parametrize(("text", "message"), FRAMED, ids=[m for _, m in FRAMED])
def test_malformed_frames_raise_what_the_csv_raises(text, message):
    line, problem = re.match(r"row (\d+)(, field .*)", message).groups()
    with pytest.raises(InputError) as raised:
        evidence.meta(pd.read_csv(io.StringIO(text)))
    assert str(raised.value) == f"data frame, row {int(line) - 2}{problem}"


@pytest.mark.parametrize(("data", "message"), [
    (pfs_frame().drop(columns="ci_high"), "data frame, columns: missing column(s) ci_high for estimate with CI input"),
    ({"yi": [0.1, 0.2], "se": [0.1]}, "data, field se: has 1 values where field yi has 2"),
    ({"yi": 0.1, "se": 0.1}, "data, field yi: holds a single float, not a list of values"),
    ([{"yi": 0.1, "se": 0.1}], "evidence.meta takes a pandas DataFrame or a mapping of column name to values"),
    ("pfs.csv", "not a str (read a CSV file with pandas.read_csv, or run `evidence meta FILE.csv`)"),
    (pfs_frame().iloc[:0], "data frame: has no rows"),
    (pfs_frame().rename(columns={"ci_low": "CI_HIGH"}), "data frame, columns: column 'ci_high' appears more than once"),
])
def test_bad_input_raises_one_line_naming_what_is_wrong(data, message):
    with pytest.raises(InputError) as raised:
        evidence.meta(data, measure="HR")
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_import_evidence_stays_light_until_the_api_is_used():
    import subprocess
    import sys

    code = ("import sys, evidence; light = not any(m in sys.modules for m in ('pandas', 'numpy', 'sqlalchemy'));"
            " evidence.meta; print(light, 'evidence.api' in sys.modules, 'open' in dir(evidence))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "True", "True"]
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        evidence.nothing

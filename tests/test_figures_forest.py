"""The forest plot: every number it prints comes from the store's latest run, laid out as RevMan 5 does."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from evidence.errors import NotFoundError
from evidence.outputs.figures import forest, render
from evidence.store import schema
from evidence.workflows.pool import pool_review

# evidence/seeds/isatuximab-mm/studies.csv: the review's four included trials.
SEED_TRIALS = {"ICARIA-MM", "IKEMA", "IMROZ", "GMMG-HD7"}


def rows(engine, sql, **params) -> list[dict]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(sa.text(sql), params).mappings()]


def texts(engine, analysis) -> list[str]:
    """Every text element of the forest plot's SVG (text stays text: svg.fonttype none)."""
    svg = render.svg_text(forest.forest_figure(engine, None, analysis))
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def chosen(engine, analysis) -> dict:
    (row,) = rows(engine, "SELECT * FROM latest_result WHERE analysis = :a AND chosen", a=analysis)
    return row


def study_results(engine, analysis) -> dict[str, dict]:
    """study_result rows of the latest run, by study label."""
    found = rows(engine, "SELECT s.label, sr.* FROM study_result sr JOIN study s ON s.id = sr.study_id"
                 " JOIN analysis an ON an.id = sr.analysis_id"
                 " WHERE an.name = :a AND sr.run_id = (SELECT MAX(id) FROM analysis_run)", a=analysis)
    return {r["label"]: r for r in found}


def chosen_statistic(engine, analysis) -> float:
    """The chosen model's z (latest_result does not carry it)."""
    (row,) = rows(engine, "SELECT pr.statistic FROM pooled_result pr JOIN analysis an ON an.id = pr.analysis_id"
                  " WHERE an.name = :a AND pr.chosen AND pr.run_id = (SELECT MAX(id) FROM analysis_run)", a=analysis)
    return row["statistic"]


def effect(estimate, low, high) -> str:
    return f"{estimate:.2f} [{low:.2f}, {high:.2f}]"


def test_dichotomous_rows_show_arms_weights_effects_and_the_pooled_result(pooled):
    shown = texts(pooled, "vgpr")
    inputs = {r["study"]: r for r in rows(pooled, "SELECT * FROM analysis_input WHERE analysis = 'vgpr'")}
    total = chosen(pooled, "vgpr")
    weight = f"weight_{total['model']}"
    assert SEED_TRIALS <= set(shown)
    for label, result in study_results(pooled, "vgpr").items():
        arms = inputs[label]
        for count in ("e_events", "e_total", "c_events", "c_total"):
            assert str(arms[count]) in shown, (label, count)
        assert f"{result[weight]:.1f}%" in shown
        assert effect(result["estimate"], result["ci_low"], result["ci_high"]) in shown
    # The pooled estimate of the chosen model, the header naming it, and its tests.
    assert effect(total["estimate"], total["ci_low"], total["ci_high"]) in shown
    assert f"M-H, {total['model'].capitalize()}, 95% CI" in shown
    assert "100.0%" in shown
    assert str(sum(r["e_events"] for r in inputs.values())) in shown  # Total events, experimental
    heterogeneity = next(t for t in shown if t.startswith("Heterogeneity:") and f"Chi² = {total['q']:.2f}" in t)
    assert f"df = {total['q_df']}" in heterogeneity and f"I² = {total['i2']:.0f}%" in heterogeneity
    if total["model"] == "random":
        assert f"Tau² = {total['tau2']:.2f}" in heterogeneity
    z = abs(chosen_statistic(pooled, "vgpr"))
    assert f"Test for overall effect: Z = {z:.2f} ({forest.format_p(total['p'])})" in shown
    assert any(t.startswith("Favours") for t in shown)
    # IMROZ has no sourced >=VGPR count (evidence/seeds/isatuximab-mm/dichotomous.csv): included, listed, not estimable.
    without_data = SEED_TRIALS - set(inputs)
    assert without_data and shown.count("Not estimable") == len(without_data)


def test_hazard_ratios_show_log_estimate_se_and_ci(pooled):
    shown = texts(pooled, "pfs")
    inputs = {r["study"]: r for r in rows(pooled, "SELECT * FROM analysis_input WHERE analysis = 'pfs'")}
    total = chosen(pooled, "pfs")
    assert {"log[Hazard Ratio]", "SE", f"IV, {total['model'].capitalize()}, 95% CI"} <= set(shown)
    for label, result in study_results(pooled, "pfs").items():
        assert label in shown
        assert f"{inputs[label]['yi']:.4f}" in shown and f"{inputs[label]['se']:.4f}" in shown
        assert effect(result["estimate"], result["ci_low"], result["ci_high"]) in shown
        assert f"{result['weight_' + total['model']]:.1f}%" in shown
    assert effect(total["estimate"], total["ci_low"], total["ci_high"]) in shown
    figure = forest.forest_figure(pooled, None, "pfs")
    assert figure.axes[1].get_xscale() == "log"


def test_subgroups_show_their_names_subtotals_and_the_test_for_differences(pooled):
    shown = texts(pooled, "orr_by_prior_lines")
    model = chosen(pooled, "orr_by_prior_lines")["model"]
    subtotals = rows(pooled, "SELECT sr.* FROM subgroup_result sr JOIN analysis an ON an.id = sr.analysis_id"
                     " WHERE an.name = 'orr_by_prior_lines' AND sr.model = :m", m=model)
    # evidence/seeds/isatuximab-mm/study_attributes.csv: prior_lines_group is "first" or "multiple".
    assert {r["subgroup"] for r in subtotals} == {"first", "multiple"}
    for subtotal in subtotals:
        assert subtotal["subgroup"] in shown
        assert effect(subtotal["estimate"], subtotal["ci_low"], subtotal["ci_high"]) in shown
    assert shown.count("Subtotal (95% CI)") == 2 and "Total (95% CI)" in shown
    (test,) = rows(pooled, "SELECT st.* FROM subgroup_test st JOIN analysis an ON an.id = st.analysis_id"
                   " WHERE an.name = 'orr_by_prior_lines' AND st.model = :m", m=model)
    line = next(t for t in shown if t.startswith("Test for subgroup differences:"))
    assert f"Chi² = {test['q']:.2f}, df = {test['df']} ({forest.format_p(test['p'])})" in line
    assert SEED_TRIALS <= set(shown)


def test_the_totals_option_hides_the_total_or_every_diamond(pooled):
    def set_totals(value):
        with pooled.begin() as connection:
            connection.execute(sa.update(schema.Analysis).where(schema.Analysis.name == "orr_by_prior_lines")
                               .values(totals=value))

    set_totals("subtotals_only")
    shown = texts(pooled, "orr_by_prior_lines")
    assert shown.count("Subtotal (95% CI)") == 2 and "Total (95% CI)" not in shown
    set_totals("no_totals")
    shown = texts(pooled, "orr_by_prior_lines")
    assert "Subtotal (95% CI)" not in shown and "Total (95% CI)" not in shown
    assert not any(t.startswith("Test for subgroup differences") for t in shown)


def test_ratio_measures_get_a_log_axis_and_differences_a_linear_one(pooled):
    with pooled.begin() as connection:
        review_id, outcome_id = connection.execute(
            sa.text("SELECT review_id, id FROM outcome WHERE name = 'ORR'")).one()
        connection.execute(sa.insert(schema.Analysis).values(
            review_id=review_id, outcome_id=outcome_id, name="orr_rd", measure="RD", method="MH"))
    pool_review(pooled)
    assert forest.forest_figure(pooled, None, "orr").axes[1].get_xscale() == "log"
    figure = forest.forest_figure(pooled, None, "orr_rd")
    assert figure.axes[1].get_xscale() == "linear"
    total = chosen(pooled, "orr_rd")
    shown = [t.get_text() for t in figure.axes[0].texts]
    assert "Risk Difference" in shown and effect(total["estimate"], total["ci_low"], total["ci_high"]) in shown


def test_no_events_in_either_arm_is_listed_as_not_estimable(pooled):
    # A tiny change to the seed: no pneumonia in either IKEMA arm (POOLING.md: not estimable for RR).
    with pooled.begin() as connection:
        connection.execute(sa.text(
            "UPDATE dichotomous_data SET events = 0"
            " WHERE outcome_id = (SELECT id FROM outcome WHERE name = 'pneumonia_any')"
            " AND arm_id IN (SELECT a.id FROM arm a JOIN study s ON s.id = a.study_id WHERE s.label = 'IKEMA')"))
    pool_review(pooled)
    assert study_results(pooled, "pneumonia")["IKEMA"]["estimable"] is False
    with pooled.connect() as connection:
        data = forest.read(connection, connection.execute(sa.text("SELECT id FROM review")).scalar_one(), "pneumonia")
    ikema = next(s for s in data.studies if s.label == "IKEMA")
    assert not ikema.estimable and (ikema.e_events, ikema.c_events) == (0, 0) and ikema.weight is None
    shown = texts(pooled, "pneumonia")
    assert "Not estimable" in shown and "IKEMA" in shown


def test_errors_say_what_to_do(loaded):
    with pytest.raises(NotFoundError, match="run `evidence pool` first"):
        forest.forest_figure(loaded, None, "pfs")
    pool_review(loaded)
    with pytest.raises(NotFoundError, match="no analysis 'nope'.*pfs"):
        forest.forest_figure(loaded, None, "nope")
    with pytest.raises(NotFoundError, match="no review 'other'"):
        forest.forest_figure(loaded, "other", "pfs")
    # Data changed after the run: the counts on the plot would not be the ones pooled.
    with loaded.begin() as connection:
        connection.execute(sa.text("UPDATE dichotomous_data SET events = events - 1 WHERE events > 0"))
    with pytest.raises(NotFoundError, match="changed after its latest run: run `evidence pool` again"):
        forest.forest_figure(loaded, None, "orr")


def test_draw_is_deterministic_and_png_is_valid(pooled, tmp_path):
    with pooled.connect() as connection:
        review_id = connection.execute(sa.text("SELECT id FROM review")).scalar_one()
        data = forest.read(connection, review_id, "vgpr_by_prior_lines")
    for fmt in ("svg", "png"):
        assert render.to_bytes(forest.draw(data), fmt) == render.to_bytes(forest.draw(data), fmt)
    path = render.save(forest.draw(data), tmp_path / "forest.png")
    from PIL import Image

    content = path.read_bytes()
    assert content.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size[0] > image.size[1] > 100


def test_p_values_are_printed_as_revman_prints_them():
    # As the source review (RevMan 5.3) prints them: "P = 0.02", "P = 0.003" (../shared/source-review/FACTS.md).
    assert forest.format_p(0.0213) == "P = 0.02"
    assert forest.format_p(0.00312) == "P = 0.003"
    # RevMan 5's floors: four decimals down to 0.0001, then "< 0.0001" and "< 0.00001".
    assert forest.format_p(0.00037) == "P = 0.0004"
    assert forest.format_p(0.00004) == "P < 0.0001"
    assert forest.format_p(7.3e-10) == "P < 0.00001"
    assert forest.format_p(0.8237) == "P = 0.82"

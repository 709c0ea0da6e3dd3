"""Funnel, cumulative, leave-one-out and TSA figures of the isatuximab review: what they show is
what the store holds (or what the pooling core gives, computed here independently), their
labels are there, and the same store gives the same bytes."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
import sqlalchemy as sa

from evidence.core.pooling import generic_effects, pool, pool_dichotomous
from evidence.errors import NotFoundError
from evidence.outputs.figures import funnel, render, sequence, tsa
from evidence.workflows.pool import pool_review
from evidence.workflows.reviews import resolve_review
from evidence.workflows.tsa import review_tsa

TRIALS = ("ICARIA-MM", "IKEMA", "IMROZ", "GMMG-HD7")


def texts(fig) -> list[str]:
    """Every text element of the figure's SVG, unescaped (SVG keeps text as text)."""
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", render.svg_text(fig))]


def ci(estimate, low, high) -> str:
    return f"{estimate:.2f} [{low:.2f}, {high:.2f}]"


def chosen_result(engine, analysis):
    with engine.connect() as c:
        return c.execute(sa.text("SELECT model, k, estimate, ci_low, ci_high FROM latest_result"
                                 " WHERE analysis = :a AND chosen"), {"a": analysis}).one()


def test_cumulative_steps_are_the_stored_ones_and_end_at_the_pooled_estimate(pooled):
    with pooled.connect() as c:
        review_id, _ = resolve_review(c, None)
        data = sequence.read_cumulative(c, review_id, "pfs")
        stored = c.execute(sa.text("SELECT study, estimate, ci_low, ci_high FROM latest_cumulative"
                                   " WHERE analysis = 'pfs' AND chosen ORDER BY step")).all()
    assert [r.study for r in data.rows] == [s[0] for s in stored] == ["ICARIA-MM", "IKEMA", "GMMG-HD7", "IMROZ"]
    assert [(r.estimate, r.ci_low, r.ci_high) for r in data.rows] == [tuple(s[1:]) for s in stored]
    assert [r.k for r in data.rows] == [1, 2, 3, 4]
    final = chosen_result(pooled, "pfs")
    last = data.rows[-1]
    assert (last.estimate, last.ci_low, last.ci_high) == pytest.approx(tuple(final[2:]), rel=1e-12)
    shown = texts(sequence.draw_cumulative(data))
    for study in TRIALS:
        assert f"+ {study}" in shown
    for row in data.rows:
        assert ci(row.estimate, row.ci_low, row.ci_high) in shown
    assert ci(*final[2:]) == ci(last.estimate, last.ci_low, last.ci_high)
    assert "HR [95% CI]" in shown and "Hazard ratio (log scale)" in shown
    # A forced model shows that model's stored steps.
    with pooled.connect() as c:
        random = sequence.read_cumulative(c, review_id, "pfs", model="random")
    assert {r.model for r in random.rows} == {"random"}


def _independent_pool(engine, analysis, keep):
    """The review's own pooling of the studies in `keep`, straight from the pooling core."""
    with engine.connect() as c:
        rule = c.execute(sa.text("SELECT model_rule FROM review")).scalar_one()
        rows = c.execute(sa.text("SELECT study, e_events, e_total, c_events, c_total, yi, se FROM analysis_input"
                                 " WHERE analysis = :a ORDER BY study"), {"a": analysis}).all()
    rows = [r for r in rows if r[0] in keep]
    options = dict(model=rule, tau2_method="DL", level=0.95, preset="revman5")
    if rows[0][5] is not None:  # HR: generic inverse variance on ln HR
        result = pool(generic_effects(np.array([r[5] for r in rows]), se=np.array([r[6] for r in rows]),
                                      measure="HR"), **options)
    else:
        counts = [np.array([r[i] for r in rows], dtype=float) for i in (1, 2, 3, 4)]
        result = pool_dichotomous(*counts, measure="RR", method="MH", **options)
    s = result.pooled
    return tuple(float(np.exp(v[0])) for v in (s.te, s.ci_low, s.ci_high)), str(result.model[0])


@pytest.mark.parametrize("analysis", ["pfs", "vgpr"])  # IV on log HR (fixed chosen); MH RR (random chosen)
def test_leave_one_out_rows_equal_pooling_the_remaining_studies(pooled, analysis):
    with pooled.connect() as c:
        review_id, _ = resolve_review(c, None)
        data = sequence.read_leave_one_out(c, review_id, analysis)
        studies = [r[0] for r in c.execute(sa.text("SELECT study FROM analysis_input WHERE analysis = :a"),
                                           {"a": analysis}).all()]
    assert sorted(r.study for r in data.rows) == sorted(studies)
    assert {"ICARIA-MM", "IKEMA", "GMMG-HD7"} <= set(studies)
    shown = texts(sequence.draw_leave_one_out(data))
    for row in data.rows:
        expected, model = _independent_pool(pooled, analysis, set(studies) - {row.study})
        assert (row.estimate, row.ci_low, row.ci_high) == pytest.approx(expected, rel=1e-10)
        assert row.model == model and row.k == len(studies) - 1
        assert f"− {row.study}" in shown
        assert ci(*expected) in shown
    final = chosen_result(pooled, analysis)  # the all-studies row is the stored pooled result
    assert (data.overall.estimate, data.overall.ci_low, data.overall.ci_high) == pytest.approx(tuple(final[2:]),
                                                                                              rel=1e-10)
    assert data.overall.model == final[0] and "All studies" in shown and ci(*final[2:]) in shown


def _egger_by_hand(te, se):
    """OLS of te/se on 1/se (Egger 1997): intercept and its two-sided P (t, k - 2 df)."""
    from scipy import stats

    x, y = 1 / se, te / se
    design = np.column_stack([np.ones_like(x), x])
    coef, residual, *_ = np.linalg.lstsq(design, y, rcond=None)
    df = len(x) - 2
    sigma2 = float(residual[0]) / df
    se_intercept = np.sqrt(sigma2 * np.linalg.inv(design.T @ design)[0, 0])
    return coef[0], 2 * stats.t.sf(abs(coef[0] / se_intercept), df)


def test_funnel_shows_studies_pooled_line_pseudo_limits_egger_and_the_few_studies_caption(pooled):
    with pooled.connect() as c:
        review_id, _ = resolve_review(c, None)
        data = funnel.read(c, review_id, "pfs", egger=True)
        plain = funnel.read(c, review_id, "pfs")
        stored = c.execute(sa.text(
            "SELECT s.label, sr.te, sr.se FROM study_result sr JOIN study s ON s.id = sr.study_id"
            " JOIN analysis an ON an.id = sr.analysis_id WHERE an.name = 'pfs'"
            " AND sr.run_id = (SELECT MAX(id) FROM analysis_run) ORDER BY s.label")).all()
    assert data.studies == [s[0] for s in stored] and sorted(data.studies) == sorted(TRIALS)
    assert data.te == [s[1] for s in stored] and data.se == [s[2] for s in stored]
    final = chosen_result(pooled, "pfs")
    assert np.exp(data.pooled_te) == pytest.approx(final[2], rel=1e-12) and data.model == final[0]
    intercept, p = _egger_by_hand(np.array(data.te), np.array(data.se))
    assert data.egger.intercept == pytest.approx(intercept, rel=1e-9)
    assert data.egger.p == pytest.approx(p, rel=1e-9)
    # The line te = slope + intercept * se passes through the means of the regression.
    assert np.mean(np.array(data.te) / np.array(data.se)) == pytest.approx(
        data.egger.intercept + data.egger.slope * np.mean(1 / np.array(data.se)), rel=1e-9)
    shown = texts(funnel.draw(data))
    assert set(TRIALS) <= set(shown)
    assert "Pseudo 95% confidence limits" in shown
    assert f"Pooled estimate ({final[0]} effects): {final[2]:.2f}" in shown
    assert f"Egger's regression: intercept {intercept:.2f}, P = {p:.3f}" in shown
    assert "Hazard ratio (log scale)" in shown and "Standard error of log HR" in shown
    assert any("Fewer than 10 studies" in t for t in shown)
    assert not any("Egger" in t for t in texts(funnel.draw(plain)))


def test_funnel_pseudo_limits_are_the_estimate_plus_minus_z_se(pooled):
    fig = funnel.funnel_figure(pooled, None, "vgpr")
    ax = fig.axes[0]
    limits = [line for line in ax.get_lines() if line.get_label() == "Pseudo 95% confidence limits"]
    assert limits, "the pseudo-limit line is labelled"
    x, y = limits[0].get_data()
    with pooled.connect() as c:
        te = c.execute(sa.text("SELECT pr.te FROM pooled_result pr JOIN analysis an ON an.id = pr.analysis_id"
                               " WHERE an.name = 'vgpr' AND pr.chosen")).scalar_one()
    assert np.log(x) == pytest.approx(te - 1.959963984540054 * y, abs=1e-12)
    assert ax.get_ylim()[0] > ax.get_ylim()[1] == 0  # inverted, 0 at the top
    assert ax.get_xscale() == "log"


@pytest.mark.parametrize("futility", ["none", "nonbinding"])
def test_tsa_chart_shows_review_tsa_curve_boundaries_and_ris(pooled, futility):
    _, run, results = review_tsa(pooled, futility=futility)
    expected = {r.analysis: r for r in results}
    with pooled.connect() as c:
        review_id, _ = resolve_review(c, None)
        ae = tsa.read(c, review_id, "ae_discontinuation", futility=futility)
        pfs = tsa.read(c, review_id, "pfs", futility=futility)
    reference = expected["ae_discontinuation"]
    assert ae.run_id == run and ae.z == reference.curve["z"] and ae.information == reference.curve["information"]
    assert ae.ris == reference.ris["ris"] and ae.verdict == reference.verdict
    # Every observed look (all before the RIS here) has monitor's boundary; the design ends at the RIS.
    looks = len(ae.information)
    assert ae.boundary_upper[:looks] == pytest.approx(reference.curve["upper"], rel=1e-9)
    assert ae.boundary_information[-1] == pytest.approx(ae.ris)
    # The final boundary is a little above the conventional one (alpha spent at the looks), below the last look's.
    assert ae.conventional < ae.boundary_upper[-1] < min(1.01 * ae.conventional, ae.boundary_upper[looks - 1])
    shown = texts(tsa.draw(ae))
    assert {"ICARIA-MM", "IKEMA", "GMMG-HD7"} <= set(shown)
    assert f"RIS = {reference.ris['ris']:,} participants" in shown
    assert "Conventional boundary (Z = ±1.96)" in shown
    assert "Monitoring boundary (O'Brien-Fleming α spending, α = 0.05)" in shown
    assert "Cumulative Z-curve" in shown and "Participants accrued" in shown
    assert ("Futility boundary (nonbinding, β = 0.2)" in shown) == (futility == "nonbinding")
    if futility == "nonbinding":
        stops = [v for v in reference.curve["futility"] if v is not None]
        assert [v for v in ae.boundary_futility[:looks] if np.isfinite(v)] == pytest.approx(stops, rel=1e-9)
    # HR: statistical information; the RIS is reached at the first trial, so every look keeps the final boundary.
    hr = expected["pfs"]
    assert pfs.unit == "statistical information" and pfs.ris == pytest.approx(float(hr.ris["ris"]))
    shown = texts(tsa.draw(pfs))
    assert f"RIS = {hr.ris['ris']:.1f} (≈ {hr.ris['events']:,} events)" in shown
    assert set(TRIALS) <= set(shown)
    assert pfs.boundary_upper == pytest.approx([pfs.conventional] * len(pfs.boundary_upper), rel=1e-9)


def test_same_store_same_bytes_and_valid_png(pooled, tmp_path):
    import matplotlib.image

    makers = {
        "funnel": lambda: funnel.funnel_figure(pooled, None, "vgpr", egger=True),
        "cumulative": lambda: sequence.cumulative_figure(pooled, "isatuximab-mm", "vgpr"),
        "leave_one_out": lambda: sequence.leave_one_out_figure(pooled, None, "pneumonia"),
        "tsa": lambda: tsa.tsa_figure(pooled, None, "pneumonia", futility="binding"),
    }
    for name, make in makers.items():
        for fmt in ("svg", "png"):
            first, second = render.to_bytes(make(), fmt), render.to_bytes(make(), fmt)
            assert first == second, f"{name}.{fmt} differs between two renders"
        path = render.save(make(), tmp_path / f"{name}.png")
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        image = matplotlib.image.imread(path)
        assert image.shape[0] > 300 and image.shape[1] > 600 and image.shape[2] in (3, 4)
        assert image[..., :3].min() < 0.2  # something dark was drawn on the white page


def test_errors_say_what_to_do(loaded):
    with loaded.connect() as c:
        review_id, _ = resolve_review(c, None)
        with pytest.raises(NotFoundError, match="evidence pool"):  # loaded, not pooled yet
            funnel.read(c, review_id, "pfs")
        with pytest.raises(NotFoundError, match="evidence pool"):
            sequence.read_cumulative(c, review_id, "pfs")
        with pytest.raises(NotFoundError, match=r"no analysis 'nope'.*pfs"):
            sequence.read_leave_one_out(c, review_id, "nope")
    pool_review(loaded)
    with loaded.connect() as c:
        with pytest.raises(NotFoundError, match="nothing to plot"):  # any_ae: no trial has usable data
            funnel.read(c, review_id, "any_ae")
        with pytest.raises(NotFoundError, match="at least two"):
            sequence.read_leave_one_out(c, review_id, "any_ae")
        with pytest.raises(NotFoundError, match="without subgroups"):
            tsa.read(c, review_id, "orr_by_prior_lines")
        with pytest.raises(NotFoundError, match="no trial has usable data"):
            tsa.read(c, review_id, "any_ae")
    with pytest.raises(NotFoundError, match="no review 'other'"):
        funnel.funnel_figure(loaded, "other", "pfs")

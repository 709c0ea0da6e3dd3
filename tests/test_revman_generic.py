"""Generic inverse-variance (GIV) outcomes of a .rm5 file: imported as contrast estimates, pooled, checked.

No real .rm5 with a GIV outcome is available (../shared/data/rm5 holds two files, neither with one),
so these files are made here from the real Fleiss 1993 file: its dichotomous outcome becomes a GIV
outcome of RevMan's layout (as R's meta 8 reads it, R/read.rm5-internal.R: IV_OUTCOME with
LOG_DATA and an EFFECT_MEASURE element naming the measure in words; IV_DATA rows with EFFECT_SIZE on
the ratio scale, SE of its logarithm, CI_START/CI_END), each row carrying the odds ratio and SE RevMan
itself computed for that study. The expected pooled values are computed in this file with numpy's
plain inverse-variance formulas (Cochrane Handbook 5.1, section 9.4.3), not by the store's pooling core.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import sqlalchemy as sa

from evidence.errors import InputError
from evidence.workflows.pool import pool_review
from evidence.workflows.revman import import_rm5
from evidence.workflows.revman_check import check_rm5

from .conftest import SHARED, snapshot

FLEISS = SHARED / "data" / "rm5" / "Fleiss1993.rm5"
Z95 = 1.959963984540054


def _fixed(te: np.ndarray, se: np.ndarray) -> dict[str, float]:
    """Inverse-variance fixed effect with its Q and I² (Handbook 5.1, 9.4.3 and 9.5.2)."""
    w = 1 / se**2
    pooled = float(np.sum(w * te) / np.sum(w))
    se_pooled = math.sqrt(1 / np.sum(w))
    q = float(np.sum(w * (te - pooled) ** 2))
    df = len(te) - 1
    return {"te": pooled, "se": se_pooled, "q": q, "df": df, "i2": max(0.0, (q - df) / q) * 100,
            "weights": 100 * w / np.sum(w)}


def generic_fleiss(tmp_path, *, measure_text: str = "Odds Ratio", log_data: str = "YES", ln_effect: bool = False,
                   tamper_ci: bool = False, store_results: bool = True, difference: bool = False):
    """Fleiss 1993's outcome as a generic inverse-variance outcome; returns (path, te, se).

    difference: the rows' ln(OR) and SE entered as a difference-scale measure (LOG_DATA NO), as a
    review would enter, say, a log rate ratio under a measure of its own name.
    """
    text = FLEISS.read_bytes().decode("cp1252")
    root = ET.fromstring(text.split("?>", 1)[1])
    comparison = next(root.iter("COMPARISON"))
    dich = comparison.find("DICH_OUTCOME")
    rows = dich.findall("DICH_DATA")
    te = np.array([float(r.get("LOG_EFFECT_SIZE")) for r in rows])
    se = np.array([float(r.get("SE")) for r in rows])
    fit = _fixed(te, se)
    attributes = {"CI_STUDY": "95", "CI_TOTAL": "95", "ID": "CMP-001.09", "NO": "9", "RANDOM": "NO",
                  "LOG_DATA": log_data, "TOTALS": "YES", "SUBGROUPS": "NO", "SUBGROUP_TEST": "YES",
                  "SORT_BY": "USER", "STUDIES": str(len(rows)), "ESTIMABLE": "YES"}
    natural = float if difference else math.exp
    if store_results:
        attributes.update({
            "EFFECT_SIZE": repr(natural(fit["te"])), "CI_START": repr(natural(fit["te"] - Z95 * fit["se"])),
            "CI_END": repr(natural(fit["te"] + Z95 * fit["se"])), "Z": repr(abs(fit["te"] / fit["se"])),
            "CHI2": repr(fit["q"]), "DF": str(fit["df"]), "I2": repr(fit["i2"]), "TAU2": "0.0"})
    outcome = ET.SubElement(comparison, "IV_OUTCOME", attributes)
    ET.SubElement(outcome, "NAME").text = "Mortality (generic inverse variance)"
    ET.SubElement(outcome, "GROUP_LABEL_1").text = "Aspirin"
    ET.SubElement(outcome, "GROUP_LABEL_2").text = "Placebo"
    ET.SubElement(outcome, "EFFECT_MEASURE").text = measure_text
    for row, t, s, weight in zip(rows, te, se, fit["weights"]):
        low, high = natural(t - Z95 * s), natural(t + Z95 * s)
        ET.SubElement(outcome, "IV_DATA", {
            "STUDY_ID": row.get("STUDY_ID"), "ESTIMABLE": "YES", "ORDER": row.get("ORDER"),
            "EFFECT_SIZE": repr(float(t) if ln_effect or difference else math.exp(t)), "SE": repr(float(s)),
            "CI_START": repr(low * (1.2 if tamper_ci else 1)), "CI_END": repr(high), "WEIGHT": repr(float(weight))})
    comparison.remove(dich)  # only the generic outcome: its analysis is "1.2" (after the continuous one)
    path = tmp_path / "fleiss-generic.rm5"
    path.write_bytes(b'<?xml version="1.0" encoding="ISO-8859-1"?>' + ET.tostring(root, encoding="cp1252").split(b"?>", 1)[-1])
    return path, te, se


def test_generic_rows_become_contrast_estimates_and_pool_as_entered(engine, tmp_path):
    path, te, se = generic_fleiss(tmp_path)
    result = import_rm5(engine, path, review="fleiss-giv")
    assert result.counts["generic rows"] == 7
    with engine.connect() as connection:
        outcome = connection.execute(sa.text("SELECT kind, measure FROM outcome WHERE label LIKE 'Mortality%'")).one()
        analysis = connection.execute(sa.text(
            "SELECT name, measure, method, model FROM analysis WHERE label LIKE '%Mortality%'")).one()
        inputs = connection.execute(sa.text(
            "SELECT yi, se FROM analysis_input WHERE analysis = :name ORDER BY study_id"), {"name": analysis.name}).all()
    assert tuple(outcome) == ("dichotomous", "OR")
    assert tuple(analysis)[1:] == ("OR", "IV", "fixed")
    # The analysis input recovers what RevMan's rows hold: ln(OR) and its SE.
    np.testing.assert_allclose(sorted((r.yi, r.se) for r in inputs), sorted(zip(te, se)), rtol=1e-12)
    run = pool_review(engine, "fleiss-giv")
    fit = _fixed(te, se)
    pooled = next(r for r in run.analyses if r.analysis == analysis.name).chosen
    assert pooled.estimate == pytest.approx(math.exp(fit["te"]), rel=1e-12)
    assert pooled.i2 == pytest.approx(fit["i2"], rel=1e-9)


def test_rm5_check_on_a_generic_outcome(tmp_path):
    path, _, _ = generic_fleiss(tmp_path)
    result = check_rm5(path)
    assert result.mismatches == []
    # 7 stored pooled values (EFFECT_SIZE, CI_START, CI_END, Z, CHI2, DF, I2; no Tau² for fixed effect)
    # + 7 studies x (EFFECT_SIZE, CI_START, CI_END, WEIGHT).
    assert result.compared == 7 + 7 * 4
    assert result.max_rel_diff < 1e-9


def test_entered_ln_values_are_read_by_their_stored_ci(engine, tmp_path):
    """A file whose EFFECT_SIZE holds the entered ln(OR): its CI shows the scale, and the import agrees."""
    path, te, _ = generic_fleiss(tmp_path, ln_effect=True)
    import_rm5(engine, path, review="fleiss-giv")
    with engine.connect() as connection:
        yi = connection.execute(sa.text("SELECT yi FROM analysis_input WHERE data_kind = 'contrast'")).scalars().all()
    np.testing.assert_allclose(sorted(yi), sorted(te), rtol=1e-12)


@pytest.mark.parametrize("measure_text, measure", [("Mean Difference", "MD"), ("log rate ratio", "GENERIC")])
def test_difference_scale_rows_are_stored_as_entered_and_pooled(engine, tmp_path, measure_text, measure):
    path, te, se = generic_fleiss(tmp_path, measure_text=measure_text, log_data="NO", difference=True)
    import_rm5(engine, path, review="fleiss-giv")
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT measure, estimate, se FROM generic_estimate")).all()
        kind = connection.execute(sa.text("SELECT kind FROM outcome WHERE label LIKE 'Mortality%'")).scalar_one()
    assert {row.measure for row in stored} == {measure} and kind == "continuous"
    np.testing.assert_allclose(sorted((r.estimate, r.se) for r in stored), sorted(zip(te, se)), rtol=0)
    run = pool_review(engine, "fleiss-giv")
    pooled = next(r for r in run.analyses if r.measure == measure).chosen
    fit = _fixed(te, se)
    assert pooled.estimate == pytest.approx(fit["te"], rel=1e-12) and pooled.i2 == pytest.approx(fit["i2"], rel=1e-9)
    # rm5 check compares it too: 7 pooled values + 7 studies x 4.
    result = check_rm5(path)
    assert result.mismatches == [] and result.compared == 7 + 7 * 4


@pytest.mark.parametrize("options, problem", [
    ({"measure_text": "Rate Ratio"}, "generic inverse-variance ratio 'Rate Ratio' is not one the store holds"),
    ({"log_data": "NO"}, "not entered on the log scale"),
    ({"measure_text": "Mean Difference", "difference": True}, "entered on the log scale (LOG_DATA='YES')"),
    ({"tamper_ci": True}, "do not agree on either scale"),
])
def test_generic_outcomes_the_store_cannot_hold_are_refused_whole(engine, tmp_path, options, problem):
    path, _, _ = generic_fleiss(tmp_path, **options)
    before = snapshot(engine)
    with pytest.raises(InputError) as error:
        import_rm5(engine, path)
    message = str(error.value)
    assert problem in message and str(path) in message and "\n" not in message
    assert snapshot(engine) == before


def test_rm5_check_reads_entered_ln_values_on_their_own_scale(tmp_path):
    path, _, _ = generic_fleiss(tmp_path, ln_effect=True)
    result = check_rm5(path)
    assert result.mismatches == []
    assert result.compared == 7 + 7 * 4

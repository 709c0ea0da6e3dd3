"""`evidence rm5 check` on the real RevMan 5 files of ../shared/data/rm5 (README there): every stored
value within 1e-9 relative; the Fleiss file's continuous outcome without stored results is listed,
not counted as a match; a changed stored value is caught; a file that is not RevMan's is refused."""

from __future__ import annotations

import pytest

from evidence.errors import InputError
from evidence.workflows.revman_check import AGREEMENT, check_rm5

from .conftest import SHARED

RM5 = SHARED / "data" / "rm5"
FLEISS, BENZO = RM5 / "Fleiss1993.rm5", RM5 / "Benzodiazepines_versus_pregabalin_for_GAD.rm5"


def test_fleiss_1993():
    result = check_rm5(FLEISS)
    # 1 outcome x 8 values (effect, CI, |Z|, Chi², df, I²; fixed effect: no Tau²) + 7 studies x 4.
    assert result.compared == 7 + 7 * 4
    assert result.mismatches == [] and result.max_rel_diff <= AGREEMENT
    assert result.not_stored == ["1.2 Mental Health Treatment versus Control"]


def test_benzodiazepines_versus_pregabalin():
    result = check_rm5(BENZO)
    # 13 dichotomous and 2 continuous outcomes with data (random effects); 11 outcomes without study rows.
    assert result.mismatches == [] and result.max_rel_diff <= AGREEMENT
    assert len(result.empty) == 11 and result.not_stored == []
    assert result.compared > 400


def test_a_changed_stored_value_is_a_mismatch(tmp_path):
    text = FLEISS.read_bytes().decode("cp1252")
    changed = text.replace('EFFECT_SIZE="0.8968655609130709"', 'EFFECT_SIZE="0.8969"', 1)
    assert changed != text
    copy = tmp_path / "changed.rm5"
    copy.write_bytes(changed.encode("cp1252"))
    result = check_rm5(copy)
    assert [(m.where, m.field) for m in result.mismatches] == [("1.1 Aspirin for Preventing Death after Myocardial Infarction", "EFFECT_SIZE")]
    assert result.max_rel_diff > AGREEMENT


@pytest.mark.parametrize("content,problem", [
    (b"not xml at all", "the XML does not parse"),
    (b"<?xml version='1.0'?><REVIEW/>", "its root element is <REVIEW>"),
    (b"<?xml", "the XML does not parse"),  # found by hypothesis: a file cut inside its declaration
])
def test_other_files_are_refused(tmp_path, content, problem):
    path = tmp_path / "x.rm5"
    path.write_bytes(content)
    with pytest.raises(InputError, match=problem):
        check_rm5(path)


def _with_subgroups(tmp_path, tamper: bool = False):
    """Fleiss 1993's outcome split into two subgroups (synthetic), with the subgroup values stored as RevMan
    would store them, computed here by the pooling core (itself checked against RevMan's stored values)."""
    import xml.etree.ElementTree as ET

    import numpy as np

    from evidence.core.pooling import pool_dichotomous
    from evidence.core.pooling.subgroups import subgroup_differences

    text = FLEISS.read_bytes().decode("cp1252")
    root = ET.fromstring(text.split("?>", 1)[1])
    outcome = next(root.iter("DICH_OUTCOME"))
    rows = outcome.findall("DICH_DATA")
    counts = np.array([[float(r.get(k)) for k in ("EVENTS_1", "TOTAL_1", "EVENTS_2", "TOTAL_2")] for r in rows])
    group = np.array([0, 0, 0, 1, 1, 1, 1])
    result = pool_dichotomous(*counts.T, group, measure="OR", method="MH", model="fixed")
    test = subgroup_differences(result.fixed.te, result.fixed.se, np.zeros(2, dtype=int), 1)
    natural = result.conventions.to_natural
    for g, name in enumerate(("early", "late")):
        sub = ET.SubElement(outcome, "DICH_SUBGROUP", {
            "EFFECT_SIZE": repr(float(natural(result.fixed.te[g])) * (1.01 if tamper and g == 1 else 1)),
            "CI_START": repr(float(natural(result.fixed.ci_low[g]))), "CI_END": repr(float(natural(result.fixed.ci_high[g]))),
            "Z": repr(abs(float(result.fixed.z[g]))), "CHI2": repr(float(result.heterogeneity.q[g])),
            "DF": str(int(result.heterogeneity.q_df[g])), "I2": repr(float(result.heterogeneity.i2[g])), "TAU2": "0.0"})
        ET.SubElement(sub, "NAME").text = name
        for row, member in zip(rows, group):
            if member == g:
                outcome.remove(row)
                sub.append(row)
    q = float(test.q[0])
    outcome.set("SUBGROUPS", "YES")
    outcome.set("SUBGROUP_TEST", "YES")
    outcome.set("Q", repr(q))
    outcome.set("I2_Q", repr(max(0.0, (q - 1) / q) * 100))
    path = tmp_path / "fleiss-subgroups.rm5"
    path.write_bytes(b'<?xml version="1.0" encoding="ISO-8859-1"?>' + ET.tostring(root, encoding="cp1252").split(b"?>", 1)[-1])
    return path


def test_subgroups_and_the_test_for_their_differences_are_compared(tmp_path):
    result = check_rm5(_with_subgroups(tmp_path))
    assert result.mismatches == []
    # 35 as before, + 2 subgroups x 7 values (fixed effect: no Tau²) + Q and I2_Q.
    assert result.compared == 35 + 2 * 7 + 2
    tampered = check_rm5(_with_subgroups(tmp_path / "t", tamper=True) if (tmp_path / "t").mkdir() is None else None)
    assert [(m.where, m.field) for m in tampered.mismatches] == [
        ("1.1 Aspirin for Preventing Death after Myocardial Infarction / subgroup late", "EFFECT_SIZE")]

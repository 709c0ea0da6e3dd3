"""`evidence rm5 check` on the real RevMan 5 files of ../shared/data/rm5 (README there): every stored
value within 1e-9 relative; the Fleiss file's continuous outcome without stored results is listed,
not counted as a match; a changed stored value is caught; a file that is not RevMan's is refused."""

from __future__ import annotations

import pytest

from evidence.errors import InputError
from evidence.revman.check import AGREEMENT, check_rm5

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
    assert len(result.empty) == 11 and result.not_stored == [] and result.not_checked == []
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
])
def test_other_files_are_refused(tmp_path, content, problem):
    path = tmp_path / "x.rm5"
    path.write_bytes(content)
    with pytest.raises(InputError, match=problem):
        check_rm5(path)

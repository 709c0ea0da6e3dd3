"""`evidence import rm5` on the real RevMan 5 files of ../shared/data/rm5: what lands where, in one
transaction; a reload changes nothing; a file the importer does not understand writes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from evidence.errors import AlreadyLoadedError, InputError
from evidence.workflows.revman import import_rm5

from .conftest import SHARED, snapshot

RM5 = SHARED / "data" / "rm5"
BENZO = RM5 / "Benzodiazepines_versus_pregabalin_for_GAD.rm5"
SLUG = "benzodiazepines-versus-pregabalin-for-gad"


def rows(engine, sql: str, **params) -> list:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(sa.text(sql), params)]


def test_benzodiazepines_review_lands_where_it_should(engine):
    result = import_rm5(engine, BENZO)
    assert (result.slug, result.loaded) == (SLUG, True)
    assert rows(engine, "SELECT title, authors FROM review") == [(
        "Benzodiazepines versus pregabalin for generalised anxiety disorder (GAD)",
        "Gale C, Herbison G, Glue P, Coverdale J, Guaiana G, Macmurdo M")]
    # The file's included studies (Feltner 2003, Pande 2003, Rickels 2005) and 14 excluded ones with reasons.
    statuses = dict(rows(engine, "SELECT status, COUNT(*) FROM study WHERE parent_study_id IS NULL GROUP BY status"))
    assert statuses == {"included": 3, "excluded": 14}
    assert rows(engine, "SELECT sa.value FROM study_attribute sa JOIN study s ON s.id = sa.study_id"
                        " WHERE s.label = 'Ansseau 1985' AND sa.name = 'exclusion_reason'") == [("Cross over study",)]
    assert rows(engine, "SELECT r.pmid FROM report r JOIN study s ON s.id = r.study_id WHERE s.label = 'Feltner 2003'") == [("12826986",)]
    # Multi-arm studies: their further rows are comparisons of their own, pointing to the study.
    children = rows(engine, "SELECT c.label, p.label FROM study c JOIN study p ON p.id = c.parent_study_id ORDER BY c.label")
    assert children == [("Feltner 2003 (2)", "Feltner 2003"), ("Pande 2003 (2)", "Pande 2003"),
                        ("Rickels 2005 (2)", "Rickels 2005"), ("Rickels 2005 (3)", "Rickels 2005")]
    # RoB 1: YES = low, NO = high, UNKNOWN = unclear; group-level items name their group.
    judgements = dict(((d, j) for d, j in rows(engine, "SELECT b.domain, b.judgement FROM bias_judgement b"
                                                       " JOIN study s ON s.id = b.study_id WHERE s.label = 'Feltner 2003'")))
    assert judgements["random_sequence_generation"] == "unclear"
    assert judgements["selective_reporting"] == "low"
    assert judgements["incomplete_outcome_data [All outcomes]"] == "high"
    # Outcomes and analyses keep RevMan's numbers and settings; its results are published results.
    assert rows(engine, "SELECT measure, method, model, level, totals FROM analysis WHERE name = '1.1'") == [
        ("RR", "MH", "random", 0.95, "totals_and_subtotals")]
    assert rows(engine, "SELECT measure, model FROM analysis WHERE name = '1.6'") == [("MD", "random")]
    assert rows(engine, "SELECT COUNT(*) FROM published_result") == [(15,)]
    (estimate,) = rows(engine, "SELECT p.estimate FROM published_result p JOIN analysis an ON an.id = p.analysis_id"
                               " WHERE an.name = '1.1'")[0]
    assert estimate == 0.9469509208110545  # EFFECT_SIZE of outcome 1.1 in the file
    assert rows(engine, "SELECT total_studies FROM prisma_flow") == [(3,)]
    # The pooled inputs: 6 comparisons in 1.1 (Feltner 2, Pande 1, Rickels 3), continuous MD rows in 1.6.
    assert rows(engine, "SELECT COUNT(*) FROM analysis_input WHERE analysis = '1.1'") == [(6,)]
    assert rows(engine, "SELECT COUNT(*) FROM analysis_input WHERE analysis = '1.6' AND data_kind = 'continuous'") == [(7,)]


def test_reimport_changes_nothing_and_other_content_is_refused(engine, tmp_path):
    import_rm5(engine, BENZO)
    before = snapshot(engine)
    assert not import_rm5(engine, BENZO).loaded
    assert snapshot(engine) == before
    changed = tmp_path / BENZO.name
    changed.write_bytes(BENZO.read_bytes().replace(b"Feltner 2003", b"Feltner 2004"))
    with pytest.raises(AlreadyLoadedError, match="already in the store"):
        import_rm5(engine, changed)
    assert snapshot(engine) == before
    assert import_rm5(engine, changed, review="benzo-edited").loaded


GENERIC = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<COCHRANE_REVIEW><COVER_SHEET><TITLE>Test</TITLE></COVER_SHEET>
<STUDIES_AND_REFERENCES><STUDIES><INCLUDED_STUDIES><STUDY ID="STD-A" NAME="A 2000" YEAR="2000"/></INCLUDED_STUDIES></STUDIES></STUDIES_AND_REFERENCES>
<ANALYSES_AND_DATA><COMPARISON ID="CMP-001" NO="1"><NAME>X vs Y</NAME>
<IV_OUTCOME ID="CMP-001.01" NO="1" EFFECT_MEASURE="HR"><NAME>Survival</NAME><IV_DATA STUDY_ID="STD-A" EFFECT_SIZE="-0.2" SE="0.1"/></IV_OUTCOME>
</COMPARISON></ANALYSES_AND_DATA></COCHRANE_REVIEW>"""


@pytest.mark.parametrize("content,problem", [
    (GENERIC.replace(b'"HR"', b'"Rate Ratio"'), "generic inverse-variance ratio 'Rate Ratio' is not one the store holds"),
    # No stored CI to show the scale: read as R's meta reads it (the ratio), and -0.2 is no ratio.
    (GENERIC, "study STD-A: field EFFECT_SIZE: '-0.2' is not a ratio"),
    (GENERIC.replace(b"IV_OUTCOME", b"DICH_OUTCOME").replace(b"IV_DATA", b"DICH_DATA").replace(b'"HR"', b'"XX"'),
     "effect measure 'XX' is not one of"),
    (b"<REVIEW/>", "its root element is <REVIEW>"),
    (GENERIC.replace(b"IV_OUTCOME", b"DICH_OUTCOME").replace(b"IV_DATA", b"DICH_DATA").replace(b'"HR"', b'"RR" METHOD="MH"')
     .replace(b'EFFECT_SIZE="-0.2" SE="0.1"', b'EVENTS_1="abc" TOTAL_1="10" EVENTS_2="1" TOTAL_2="10"'),
     "study STD-A: field EVENTS_1: 'abc' is not a whole number >= 0"),
])
def test_a_file_the_importer_does_not_understand_writes_nothing(engine, tmp_path, content, problem):
    path = tmp_path / "odd.rm5"
    path.write_bytes(content)
    before = snapshot(engine)
    with pytest.raises(InputError, match=problem) as raised:
        import_rm5(engine, path)
    assert str(path) in str(raised.value) and "\n" not in str(raised.value)
    assert snapshot(engine) == before

"""Studies and their reports: an included full text becomes a report of a study."""

from __future__ import annotations

import sqlalchemy as sa

from evidence.errors import InputError, NotFoundError
from evidence.store import schema
from evidence.store.database import friendly_errors
from evidence.workflows.reviews import resolve_review


def include_report(engine: sa.Engine, review: str | None, record_id: int, study: str,
                   report: str | None = None, kind: str = "journal") -> tuple[int, bool]:
    """Make a screened record a report of `study` (created if the review has none of that label).

    Returns (report id, whether the study was created). The record must be included at
    full text: a report is what the review read, not any search hit.
    """
    if not study or not study.strip():
        raise InputError("a report needs the --study it belongs to (e.g. IKEMA)")
    with friendly_errors(), engine.begin() as connection:
        review_id, _ = resolve_review(connection, review)
        record = connection.execute(sa.text(
            "SELECT rec.id, rec.source_key, rec.title, rec.year, rec.doi, rec.pmid, se.review_update_id FROM record rec"
            " JOIN search se ON se.id = rec.search_id JOIN review_update u ON u.id = se.review_update_id"
            " WHERE rec.id = :record AND u.review_id = :review"), {"record": record_id, "review": review_id}).mappings().first()
        if record is None:
            raise NotFoundError(f"no record {record_id} in this review")
        included = connection.execute(sa.text(
            "SELECT final_decision FROM screening_status WHERE record_id = :record AND stage = 'full_text'"),
            {"record": record_id}).scalar()
        if included != "include":
            raise InputError(f"record {record_id} is not included at full text (its final decision: {included or 'none'})")
        study_id = connection.execute(sa.select(schema.Study.id).where(
            schema.Study.review_id == review_id, schema.Study.label == study.strip())).scalar()
        created = study_id is None
        if created:
            study_id = connection.execute(sa.insert(schema.Study).values(
                review_id=review_id, label=study.strip(), status="included", source=f"record {record_id}",
                review_update_id=record["review_update_id"])
                .returning(schema.Study.id)).scalar_one()
        report_id = connection.execute(sa.insert(schema.Report).values(
            study_id=study_id, record_id=record_id, label=report or record["source_key"], kind=kind,
            citation=record["title"], year=record["year"], doi=record["doi"], pmid=record["pmid"],
            review_update_id=record["review_update_id"])
            .returning(schema.Report.id)).scalar_one()
    return report_id, created

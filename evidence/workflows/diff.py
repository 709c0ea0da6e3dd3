"""`evidence diff`: what changed between two analysis runs of a review, and why.

Per analysis: k, participants, estimate and CI, I² and tau², the model the
review's rule chose, significance at the review's alpha, whether the conclusion
changed (direction, significance, or the CI's position against a clinically
meaningful threshold the protocol planned), and which studies were added,
dropped or changed their data between the runs, with the corrections recorded
in the updates between them.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from evidence.errors import NotFoundError
from evidence.store.database import friendly_errors
from evidence.workflows.reviews import resolve_review

SUMMARY = ("model", "k", "participants", "estimate", "ci_low", "ci_high", "p", "i2", "tau2")


@dataclass
class AnalysisDiff:
    analysis: str
    before: dict | None
    after: dict | None
    changes: list[str]

    def as_json(self) -> dict:
        return {"analysis": self.analysis, "before": self.before, "after": self.after, "changes": self.changes}


def _runs(connection, review_id: int, from_run: int | None, to_run: int | None) -> tuple[int, int]:
    runs = connection.execute(sa.text("SELECT id FROM analysis_run WHERE review_id = :r ORDER BY id"),
                              {"r": review_id}).scalars().all()
    for run in (from_run, to_run):
        if run is not None and run not in runs:
            raise NotFoundError(f"no analysis run {run} of this review (runs: {', '.join(map(str, runs)) or 'none'})")
    if to_run is None:
        if not runs:
            raise NotFoundError("this review has no analysis run yet: run `evidence pool` first")
        to_run = runs[-1]
    if from_run is None:
        earlier = [r for r in runs if r < to_run]
        if not earlier:
            raise NotFoundError(f"run {to_run} is the first of this review: there is nothing to compare it with")
        from_run = earlier[-1]
    return from_run, to_run


def _summaries(connection, run: int, alpha: float) -> dict[str, dict]:
    rows = connection.execute(sa.text(
        "SELECT an.name, " + ", ".join(f"pr.{c}" for c in SUMMARY) + " FROM pooled_result pr"
        " JOIN analysis an ON an.id = pr.analysis_id WHERE pr.run_id = :run AND pr.chosen"), {"run": run}).mappings()
    out = {}
    for row in rows:
        summary = {c: row[c] for c in SUMMARY}
        summary["significant"] = None if row["p"] is None else row["p"] < alpha
        out[row["name"]] = summary
    return out


def _studies(connection, run: int) -> dict[str, dict[str, tuple]]:
    rows = connection.execute(sa.text(
        "SELECT an.name, s.label || CASE WHEN sr.comparison <> '' THEN ' (' || sr.comparison || ')' ELSE '' END,"
        " sr.te, sr.se FROM study_result sr JOIN analysis an ON an.id = sr.analysis_id"
        " JOIN study s ON s.id = sr.study_id WHERE sr.run_id = :run"), {"run": run}).all()
    out: dict[str, dict[str, tuple]] = {}
    for name, label, te, se in rows:
        out.setdefault(name, {})[label] = (te, se)
    return out


def _corrections(connection, review_id: int, from_run: int, to_run: int) -> list[dict]:
    """Corrections recorded in the updates after from_run's update up to to_run's, with their study and outcome."""
    return [dict(row) for row in connection.execute(sa.text(
        "WITH span AS (SELECT MAX(CASE WHEN r.id = :a THEN u.number END) AS lo, MAX(CASE WHEN r.id = :b THEN u.number END) AS hi"
        "  FROM analysis_run r JOIN review_update u ON u.id = r.review_update_id WHERE r.id IN (:a, :b))"
        " SELECT c.table_name, c.field, c.printed, c.corrected, c.reason, u.number AS update_number,"
        "  COALESCE(sa.label, sd.label, sc.label, ss.label) AS study, COALESCE(od.outcome_id, oc.outcome_id) AS outcome_id,"
        "  a.label AS role"
        " FROM correction c JOIN review_update u ON u.id = c.review_update_id CROSS JOIN span"
        " LEFT JOIN arm a ON c.table_name = 'arm' AND a.id = c.row_id LEFT JOIN study sa ON sa.id = a.study_id"
        " LEFT JOIN dichotomous_data od ON c.table_name = 'dichotomous_data' AND od.id = c.row_id"
        " LEFT JOIN arm ad ON ad.id = od.arm_id LEFT JOIN study sd ON sd.id = ad.study_id"
        " LEFT JOIN contrast_estimate oc ON c.table_name = 'contrast_estimate' AND oc.id = c.row_id"
        " LEFT JOIN study sc ON sc.id = oc.study_id"
        " LEFT JOIN study ss ON c.table_name = 'study' AND ss.id = c.row_id"
        " WHERE c.review_id = :review AND u.number > span.lo AND u.number <= span.hi ORDER BY c.id"),
        {"a": from_run, "b": to_run, "review": review_id}).mappings()]


def _thresholds(connection, review_id: int) -> dict[str, tuple[float, int]]:
    return {name: (threshold, outcome_id) for name, threshold, outcome_id in connection.execute(sa.text(
        "SELECT name, threshold, outcome_id FROM analysis WHERE review_id = :r"), {"r": review_id}).all()}


def _against(summary: dict | None, threshold: float | None) -> str | None:
    """Where the CI lies against a planned threshold: beyond it, short of it, or across it."""
    if summary is None or threshold is None or summary["ci_low"] is None:
        return None
    if summary["ci_low"] > threshold:
        return "above"
    if summary["ci_high"] < threshold:
        return "below"
    return "across"


def _direction(summary: dict | None) -> str | None:
    if summary is None or summary["estimate"] is None:
        return None
    # Ratios (the store's measures but MD/RD) centre on 1; a difference centres on 0.
    centre = 1.0 if summary["ci_low"] is not None and summary["ci_low"] > 0 else 0.0
    return "above" if summary["estimate"] > centre else "below" if summary["estimate"] < centre else "none"


def diff_runs(engine: sa.Engine, review: str | None = None, from_run: int | None = None,
              to_run: int | None = None) -> tuple[int, int, list[AnalysisDiff]]:
    """Compare two runs (default: the last two); returns (from, to, one AnalysisDiff per analysis)."""
    with friendly_errors(), engine.connect() as connection:
        review_id, _ = resolve_review(connection, review)
        alpha = connection.execute(sa.text("SELECT alpha FROM review WHERE id = :r"), {"r": review_id}).scalar_one()
        from_run, to_run = _runs(connection, review_id, from_run, to_run)
        before, after = _summaries(connection, from_run, alpha), _summaries(connection, to_run, alpha)
        studies_before, studies_after = _studies(connection, from_run), _studies(connection, to_run)
        corrections = _corrections(connection, review_id, from_run, to_run)
        thresholds = _thresholds(connection, review_id)
    diffs = []
    for name in sorted(set(before) | set(after)):
        b, a = before.get(name), after.get(name)
        changes = []
        for key in ("k", "participants", "model"):
            if (b or {}).get(key) != (a or {}).get(key):
                changes.append(f"{key} {(b or {}).get(key)} -> {(a or {}).get(key)}")
        for key in ("estimate", "ci_low", "ci_high", "i2", "tau2"):
            x, y = (b or {}).get(key), (a or {}).get(key)
            if (x is None) != (y is None) or (x is not None and abs(x - y) > 1e-12 * max(1.0, abs(x))):
                changes.append(f"{key} {_fmt(x)} -> {_fmt(y)}")
        if (b or {}).get("significant") != (a or {}).get("significant"):
            changes.append(f"conclusion changed: significant at the review's alpha {(b or {}).get('significant')} -> {(a or {}).get('significant')}")
        if _direction(b) and _direction(a) and _direction(b) != _direction(a):
            changes.append(f"conclusion changed: the effect's direction reversed ({_direction(b)} -> {_direction(a)} no effect)")
        threshold, outcome_id = thresholds.get(name, (None, None))
        if threshold is not None and _against(b, threshold) != _against(a, threshold):
            changes.append(f"conclusion changed: the CI against the planned threshold {threshold:g} moved from"
                           f" {_against(b, threshold)} to {_against(a, threshold)}")
        old, new = studies_before.get(name, {}), studies_after.get(name, {})
        added, dropped = sorted(set(new) - set(old)), sorted(set(old) - set(new))
        changed = sorted(s for s in set(old) & set(new) if old[s] != new[s])
        if added:
            changes.append(f"studies added: {', '.join(added)}")
        if dropped:
            changes.append(f"studies dropped: {', '.join(dropped)}")
        if changed:
            changes.append(f"studies whose data changed: {', '.join(changed)}")
        if changes:
            # The corrections behind them: of a study the analysis pools (its arms, its status), or of this outcome's data.
            pooled = set(old) | set(new)
            for c in corrections:
                relevant = c["study"] in pooled and (c["outcome_id"] is None or c["outcome_id"] == outcome_id)
                if relevant and not (c["table_name"] == "arm" and c["field"] not in ("randomised_n",)):
                    where = f"{c['study']}{' ' + c['role'] if c['role'] else ''} {c['field']}"
                    changes.append(f"corrected in update {c['update_number']}: {where} {c['printed']} -> {c['corrected']}"
                                   f" ({c['reason']})")
        diffs.append(AnalysisDiff(name, b, a, changes))
    return from_run, to_run, diffs


def _fmt(value) -> str:
    return "None" if value is None else f"{value:.4g}"

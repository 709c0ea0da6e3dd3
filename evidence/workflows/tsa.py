"""`evidence tsa`: trial sequential analysis of a review's stored outcomes.

Per analysis of a dichotomous (RR, OR) or time-to-event (HR) outcome without
subgroups, from the review's latest analysis run:
- the anticipated effect: the protocol's planned relative risk reduction, else
  the random-effects estimate of the trials at low risk of bias in every domain,
  else the observed pooled estimate (said so: an observed effect makes the RIS
  optimistic);
- the control event proportion (dichotomous): planned, else observed (control
  events / control participants of the pooled trials);
- diversity D² = 1 - V_fixed / V_random of the pooled estimate (Wetterslev 2009);
- the required information size: participants for RR/OR (evidence.core.tsa's RIS);
  for HR, statistical information (z_{1-a/2} + z_{1-b})² / ln(HR)² / (1 - D²),
  also given as events (4 x information, 1:1 allocation, Schoenfeld);
- the cumulative z-curve (random effects, in publication order, from
  cumulative_result; positive favours the intervention) at the accrued
  information (participants, or fixed-effect information 1/SE² for HR) against
  Lan-DeMets O'Brien-Fleming boundaries (evidence.core.tsa.monitor), and the verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa

from evidence.errors import InputError, NotFoundError
from evidence.store.database import friendly_errors
from evidence.workflows.reviews import resolve_review
from evidence.workflows.runs import latest_run

TSA_MEASURES = ("RR", "OR", "HR")


@dataclass
class OutcomeTSA:
    analysis: str
    outcome: str
    measure: str
    k: int
    verdict: str
    reason: str | None = None  # why no TSA could be made, when verdict is "not assessable"
    settings: dict[str, Any] = field(default_factory=dict)
    ris: dict[str, Any] | None = None
    curve: dict[str, Any] | None = None  # studies, information, and evidence.core.tsa.monitor's result

    def as_json(self) -> dict[str, Any]:
        return {"analysis": self.analysis, "outcome": self.outcome, "measure": self.measure, "k": self.k,
                "verdict": self.verdict, "reason": self.reason, **self.settings, "ris": self.ris, "curve": self.curve}


def _low_bias_estimate(connection: sa.Connection, run: int, analysis_id: int, measure: str) -> tuple[float, list[str]] | None:
    """Random-effects (DL) estimate of the analysis's trials judged at low risk of bias in every domain."""
    from evidence.core.pooling import generic_effects, pool

    rows = connection.execute(sa.text(
        "SELECT s.label, sr.te, sr.se FROM study_result sr JOIN study s ON s.id = sr.study_id"
        " WHERE sr.run_id = :run AND sr.analysis_id = :a AND sr.estimable"
        " AND EXISTS (SELECT 1 FROM bias_judgement b WHERE b.study_id = s.id)"
        " AND NOT EXISTS (SELECT 1 FROM bias_judgement b WHERE b.study_id = s.id AND b.judgement <> 'low')"
        " ORDER BY s.label"), {"run": run, "a": analysis_id}).all()
    if not rows:
        return None
    effects = generic_effects(np.array([r[1] for r in rows]), se=np.array([r[2] for r in rows]),
                              measure="OR" if measure == "OR" else "RR")
    result = pool(effects, model="random", tau2_method="DL")
    return float(math.exp(result.random.te[0])), [r[0] for r in rows]


def review_tsa(engine: sa.Engine, review: str | None = None, outcome: str | None = None, *,
               beta: float = 0.2, sides: int = 2, futility: str = "none") -> tuple[str, int, list[OutcomeTSA]]:
    """TSA of every eligible analysis of the review's latest run (or those of one outcome).

    Returns (review slug, run id, one OutcomeTSA per analysis). alpha is the review's own.
    """
    from evidence.core import tsa

    with friendly_errors(), engine.connect() as connection:
        review_id, slug = resolve_review(connection, review)
        alpha = connection.execute(sa.text("SELECT alpha FROM review WHERE id = :r"), {"r": review_id}).scalar_one()
        run = latest_run(connection, review_id, with_cumulative=True)
        analyses = connection.execute(sa.text(
            "SELECT an.id, an.name, o.name AS outcome, o.kind, o.direction, an.measure, an.planned_rrr,"
            " an.planned_control_risk, pf.k, pf.se AS se_fixed, pr.se AS se_random, pc.estimate, pc.events_control"
            " FROM analysis an JOIN outcome o ON o.id = an.outcome_id"
            " JOIN pooled_result pf ON pf.analysis_id = an.id AND pf.run_id = :run AND pf.model = 'fixed'"
            " JOIN pooled_result pr ON pr.analysis_id = an.id AND pr.run_id = :run AND pr.model = 'random'"
            " JOIN pooled_result pc ON pc.analysis_id = an.id AND pc.run_id = :run AND pc.chosen"
            " WHERE an.review_id = :r AND an.subgroup IS NULL AND an.measure IN ('RR', 'OR', 'HR')"
            " AND (CAST(:outcome AS TEXT) IS NULL OR o.name = :outcome) ORDER BY an.name"),
            {"r": review_id, "run": run, "outcome": outcome}).mappings().all()
        if outcome is not None and not analyses:
            raise NotFoundError(f"no analysis of outcome {outcome!r} without subgroups and with an RR, OR or HR"
                                f" in review {slug!r}")
        results = []
        for a in analyses:
            results.append(_one(connection, tsa, run, dict(a), alpha, beta, sides, futility))
    return slug, run, results


def _one(connection, tsa, run: int, a: dict, alpha: float, beta: float, sides: int, futility: str) -> OutcomeTSA:
    result = OutcomeTSA(a["name"], a["outcome"], a["measure"], int(a["k"] or 0), "not assessable")
    if not a["k"]:
        result.reason = "no trial has usable data"
        return result
    benefit_up = a["direction"] == "higher_is_better"
    # The anticipated effect as a ratio (RR or HR), and where it came from.
    if a["planned_rrr"] is not None:
        ratio, source = (1 + a["planned_rrr"]) if benefit_up else (1 - a["planned_rrr"]), "planned"
    else:
        low = _low_bias_estimate(connection, run, a["id"], a["measure"])
        if low is not None:
            ratio, source = low[0], f"low risk of bias trials ({', '.join(low[1])})"
        else:
            ratio, source = a["estimate"], "observed pooled estimate (no trial is at low risk of bias in every domain)"
    d2 = 0.0
    if a["se_random"] and a["se_fixed"] and a["se_random"] > a["se_fixed"]:
        d2 = 1 - a["se_fixed"] ** 2 / a["se_random"] ** 2
    result.settings = {"alpha": alpha, "beta": beta, "sides": sides, "d2": d2,
                       "effect": {"ratio": ratio, "source": source}}
    if ratio is None or not ratio > 0 or math.isclose(ratio, 1.0):
        result.reason = "the anticipated effect is no effect (a ratio of 1): no information size follows"
        return result
    steps = connection.execute(sa.text(
        "SELECT c.step, s.label, c.model, c.te, c.se, c.participants FROM cumulative_result c"
        " JOIN study s ON s.id = c.study_id WHERE c.run_id = :run AND c.analysis_id = :a ORDER BY c.step, c.model"),
        {"run": run, "a": a["id"]}).all()
    labels = [s[1] for s in steps if s[2] == "random"]
    random = [s for s in steps if s[2] == "random"]
    fixed = [s for s in steps if s[2] == "fixed"]
    z = np.array([s[3] / s[4] if s[4] else np.nan for s in random])
    z = z if benefit_up else -z  # positive: favours the intervention
    if a["measure"] == "HR":
        information = np.array([1 / s[4] ** 2 if s[4] else np.nan for s in fixed])
        from scipy.special import ndtri

        z_sum = ndtri(1 - alpha / sides) + ndtri(1 - beta)
        fixed_ris = z_sum ** 2 / math.log(ratio) ** 2
        ris_value = fixed_ris / (1 - d2)
        result.ris = {"unit": "statistical information (1/SE^2 of the log HR)", "ris_fixed": fixed_ris,
                      "ris": ris_value, "events": math.ceil(4 * ris_value - 1e-9)}
        unit = "fixed-effect information 1/SE^2"
    else:
        control = connection.execute(sa.text(
            "SELECT SUM(c_events), SUM(c_total) FROM analysis_input WHERE analysis_id = :a"), {"a": a["id"]}).one()
        risk = a["planned_control_risk"]
        risk_source = "planned"
        if risk is None:
            if not control[1]:
                result.reason = "no control event proportion: none planned and no control arm counts"
                return result
            risk, risk_source = control[0] / control[1], "observed (control events / control participants)"
        result.settings["control_risk"] = {"value": risk, "source": risk_source}
        try:
            ris = tsa.required_information_size(a["measure"], risk, rr=ratio, alpha=alpha, beta=beta, sides=sides,
                                                d2=d2 if d2 < 1 else None)
        except InputError as error:
            result.reason = str(error)
            return result
        result.ris = {"unit": "participants", **{k: ris[k] for k in ("ris_fixed", "ris")}}
        ris_value = ris["ris"]
        information = np.array([np.nan if s[5] is None else float(s[5]) for s in random])
        unit = "participants"
    if np.isnan(information).any() or np.isnan(z).any() or np.any(np.diff(information) <= 0):
        result.reason = f"the accrued information ({unit}) is missing or does not grow with every trial"
        return result
    curve = tsa.monitor(z, information, ris_value, alpha, beta, sides, futility)
    result.curve = {"studies": labels, "information_unit": unit, "information": information.tolist(), **curve}
    result.verdict = curve["verdict"]
    return result

"""GRADE: the certainty a body of evidence's judgements add up to, and absolute effects.

GRADE starts randomised trials at high and non-randomised studies at low, takes
one level off per serious concern (two per very serious) and one for strongly
suspected publication bias, adds the upgrading factors of non-randomised
evidence (large effect +1, very large +2, dose-response +1, plausible
confounding +1), and keeps the result between very low and high. Pure: the
judgements come from the store (evidence.workflows.sof).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evidence.core.vocabulary import DESIGNS, DOMAIN_LEVELS, LARGE_EFFECT_LEVELS, PRESENT, PUBLICATION_BIAS_LEVELS

CERTAINTY_LEVELS = ("very low", "low", "moderate", "high")  # index + 1 = the GRADE score (1..4)
START = {"randomised": 4, "non-randomised": 2}
DOWNGRADE = {"not serious": 0, "serious": -1, "very serious": -2}
PUBLICATION_BIAS = {"undetected": 0, "strongly suspected": -1}
UPGRADE = {
    "large_effect": {None: 0, "no": 0, "large": 1, "very large": 2},
    "dose_response": {None: 0, "no": 0, "yes": 1},
    "plausible_confounding": {None: 0, "no": 0, "yes": 1},
}

# The store's vocabularies and the arithmetic here must agree.
assert set(DESIGNS) == set(START) and set(DOMAIN_LEVELS) == set(DOWNGRADE)
assert set(PUBLICATION_BIAS_LEVELS) == set(PUBLICATION_BIAS)
assert set(LARGE_EFFECT_LEVELS) <= set(UPGRADE["large_effect"]) and set(PRESENT) <= set(UPGRADE["dose_response"])


@dataclass(frozen=True)
class Certainty:
    """A GRADE certainty: its level, its score (1 very low .. 4 high) and its symbols."""

    level: str
    score: int

    @property
    def symbols(self) -> str:
        return "⊕" * self.score + "⊝" * (4 - self.score)

    @property
    def label(self) -> str:
        """E.g. "⊕⊕⊝⊝ Low"."""
        return f"{self.symbols} {self.level.capitalize()}"


def grade_certainty(design: str, risk_of_bias: str, inconsistency: str, indirectness: str, imprecision: str,
                    publication_bias: str, large_effect: str | None = None, dose_response: str | None = None,
                    plausible_confounding: str | None = None) -> Certainty:
    """The certainty the GRADE judgements add up to (floor very low, ceiling high).

    Upgrading applies to non-randomised evidence only: upgrades for randomised
    evidence raise ValueError (the store refuses them too).
    """
    def look_up(table: dict, value: Any, name: str) -> int:
        if value not in table:
            known = ", ".join(str(v) for v in table if v is not None)
            raise ValueError(f"{name} {value!r} is not one of {known}")
        return table[value]

    score = look_up(START, design, "design")
    for name, value in (("risk_of_bias", risk_of_bias), ("inconsistency", inconsistency),
                        ("indirectness", indirectness), ("imprecision", imprecision)):
        score += look_up(DOWNGRADE, value, name)
    score += look_up(PUBLICATION_BIAS, publication_bias, "publication_bias")
    upgrades = sum(look_up(UPGRADE[name], value, name) for name, value in (
        ("large_effect", large_effect), ("dose_response", dose_response), ("plausible_confounding", plausible_confounding)))
    if upgrades and design == "randomised":
        raise ValueError("upgrading is for non-randomised evidence only (GRADE starts randomised trials at high)")
    score = min(4, max(1, score + upgrades))
    return Certainty(CERTAINTY_LEVELS[score - 1], score)


def corresponding_risk(measure: str, assumed: float, effect: float) -> float:
    """The intervention group's risk for an assumed (control) risk and a relative effect.

    RR: assumed × RR (at most 1); OR and Peto OR: the odds formula
    OR·ACR / (1 − ACR + OR·ACR); RD: assumed + RD (kept between 0 and 1).
    """
    if measure == "RR":
        return min(1.0, assumed * effect)
    if measure in ("OR", "PETO"):
        return effect * assumed / (1 - assumed + effect * assumed)
    if measure == "RD":
        return min(1.0, max(0.0, assumed + effect))
    raise ValueError(f"no absolute risk for measure {measure}")

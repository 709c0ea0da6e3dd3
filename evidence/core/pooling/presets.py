"""Named presets: the conventions that decide the last digits (POOLING.md). Explicit options override them."""

from dataclasses import dataclass

from evidence.core.pooling.effects import REVMAN_ZERO_CELLS, ZeroCells

CI_METHODS = ("z", "hk", "hk_adhoc")  # Wald z; Hartung-Knapp-Sidik-Jonkman; its ad hoc variant (scale >= 1)


@dataclass(frozen=True)
class Preset:
    """Defaults a named preset fixes."""

    name: str
    tau2_method: str
    ci_method: str  # for the random-effects model; a fixed-effect interval is always z
    prediction: bool  # prediction interval for the random-effects model
    heterogeneity_ci: bool  # Q-profile confidence intervals for tau² and I²
    zero_cells: ZeroCells
    increment_in_mantel_haenszel: bool  # whether the pooled MH estimate also gets the zero-cell increment
    smd: str  # Hedges' g: "revman5" approximation or "exact" correction


PRESETS: dict[str, Preset] = {
    # RevMan 5.3/5.4: DerSimonian-Laird, Wald z, 0.5 in the MH sums too, its SMD approximation.
    "revman5": Preset("revman5", tau2_method="DL", ci_method="z", prediction=False, heterogeneity_ci=False,
                      zero_cells=REVMAN_ZERO_CELLS, increment_in_mantel_haenszel=True, smd="revman5"),
    # RevMan Web and metafor practice: REML, HKSJ, prediction and Q-profile intervals, exact MH, exact g.
    "modern": Preset("modern", tau2_method="REML", ci_method="hk", prediction=True, heterogeneity_ci=True,
                     zero_cells=REVMAN_ZERO_CELLS, increment_in_mantel_haenszel=False, smd="exact"),
}

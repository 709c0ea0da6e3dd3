"""Pooled numbers against other software and published analyses.

Sources: metafor's test suite on the BCG vaccine trials (dat.bcg; values checked there
against Stata metan) in reference/metafor_bcg.csv; the isatuximab PFS pooling of
/work/shared/trials/README.md. Each reference row names its source.
"""

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from evidence.core.pooling import effects_from_ci, pool, pool_dichotomous

from .tolerances import assert_printed

REFERENCE = Path(__file__).parent / "reference"
pytestmark = pytest.mark.filterwarnings("error")


def _rows(name: str) -> list[dict]:
    with (REFERENCE / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _bcg_counts() -> list[np.ndarray]:
    """dat.bcg (Colditz et al. 1994) as e_events, e_total, c_events, c_total."""
    table = np.array([[float(row[c]) for c in ("tpos", "tneg", "cpos", "cneg")] for row in _rows("dat_bcg.csv")])
    tpos, tneg, cpos, cneg = table.T
    return [tpos, tpos + tneg, cpos, cpos + cneg]


def _quantity(result, model: str, quantity: str) -> float:
    summary = getattr(result, model)
    natural = result.conventions.to_natural
    values = {
        "te": summary.te, "ci_low": summary.ci_low, "ci_high": summary.ci_high, "z": summary.z,
        "estimate": natural(summary.te), "estimate_ci_low": natural(summary.ci_low),
        "estimate_ci_high": natural(summary.ci_high),
        "q": result.heterogeneity.q, "i2": result.heterogeneity.i2, "tau2": result.tau2,
    }
    return float(values[quantity][0])


METAFOR_BCG = _rows("metafor_bcg.csv")


@pytest.mark.parametrize(
    "row", METAFOR_BCG, ids=[f"{r['measure']}-{r['method']}-{r['model']}-{r['quantity']}" for r in METAFOR_BCG]
)
def test_bcg_matches_metafor_and_stata_metan(row):
    # Source: the row's `source` column (metafor test suite, values agreeing with Stata metan).
    # dat.bcg has no zero cells, so RevMan's 0.5 in the MH sums does not apply here.
    result = pool_dichotomous(*_bcg_counts(), measure=row["measure"], method=row["method"], model=row["model"])
    assert_printed(_quantity(result, row["model"], row["quantity"]), row["value"])


def test_bcg_reference_covers_every_method():
    # Guard: the parametrised test above really runs over IV, MH and Peto for RR, OR and RD.
    combos = {(r["measure"], r["method"], r["model"]) for r in METAFOR_BCG}
    assert len(METAFOR_BCG) == 72
    assert {("RR", "MH", "fixed"), ("OR", "MH", "fixed"), ("RD", "MH", "fixed"), ("OR", "PETO", "fixed"),
            ("RR", "IV", "random"), ("OR", "IV", "random"), ("RD", "IV", "random")} <= combos


def test_bcg_mh_risk_difference_uses_greenland_robins_not_sato():
    # metafor 4.x rma.mh(measure="RD") gives z = -11.4708 with Sato's variance (its test
    # suite, see reference/metafor_bcg.csv); Stata metan and RevMan use Greenland-Robins (1985),
    # z = -11.56. Ours must be the latter and clearly not the former.
    z = pool_dichotomous(*_bcg_counts(), measure="RD", method="MH", model="fixed").fixed.z[0]
    assert_printed(z, "-11.56")
    assert abs(z - -11.4708) > 0.05


# The four PFS hazard ratios of the isatuximab review: reference/isatuximab_pfs.csv
# (from /work/shared/trials/outcomes.csv). Their CIs have levels 95%, 95.4%, 98.5%, 95%.
PFS = _rows("isatuximab_pfs.csv")
PFS_EXPECTED = {row["quantity"]: row["value"] for row in _rows("isatuximab_pfs_expected.csv")}


def _pool_pfs(levels) -> object:
    return pool(effects_from_ci([float(r["hr"]) for r in PFS], [float(r["ci_low"]) for r in PFS],
                                [float(r["ci_high"]) for r in PFS], levels, measure="HR"), model="random")


def test_isatuximab_pfs_pools_with_each_ci_at_its_own_level():
    result = _pool_pfs([float(r["ci_level"]) for r in PFS])
    # Hand computation: se_i = (ln hi - ln lo) / (2 z_i) with z of each CI's own level,
    # then w_i = 1/se_i², ln HR = sum w_i ln hr_i / sum w_i, 95% CI ln HR +- 1.959963984540054 / sqrt(sum w).
    # z = Phi^-1(1 - (1 - level)/2), checked by bisection on math.erf.
    z_of = {0.95: 1.959963984540054, 0.954: 1.9953933101678245, 0.985: 2.4323790585844436}
    log_hr = [math.log(float(r["hr"])) for r in PFS]
    w = [(2 * z_of[float(r["ci_level"])] / (math.log(float(r["ci_high"])) - math.log(float(r["ci_low"])))) ** 2
         for r in PFS]
    mean = sum(wi * yi for wi, yi in zip(w, log_hr)) / sum(w)
    half_width = 1.959963984540054 / math.sqrt(sum(w))
    # Q < df here, so tau² = 0 and the random-effects result is the fixed-effect one.
    assert result.tau2[0] == 0
    np.testing.assert_allclose(
        [result.pooled.te[0], result.pooled.ci_low[0], result.pooled.ci_high[0]],
        [mean, mean - half_width, mean + half_width], rtol=1e-12,
    )
    # /work/shared/trials/README.md: HR 0.62, lower limit 0.53, I² 0%.
    natural = np.exp([result.pooled.te[0], result.pooled.ci_low[0]])
    assert_printed(natural[0], PFS_EXPECTED["estimate"])
    assert_printed(natural[1], PFS_EXPECTED["ci_low"])
    assert result.heterogeneity.i2[0] == float(PFS_EXPECTED["i2"])
    # The upper limit is 0.7204, i.e. 0.72, not the README's 0.73 (next test).
    assert_printed(np.exp(result.pooled.ci_high[0]), "0.7204")


def test_isatuximab_pfs_readme_upper_limit_assumes_95_percent():
    # The README's 0.62 (0.53-0.73) is what pooling gives when IMROZ's 98.5% CI is
    # (wrongly) read as a 95% CI, against the README's own rule for CI levels.
    result = _pool_pfs([0.95] * 4)
    assert_printed(np.exp(result.pooled.te[0]), PFS_EXPECTED["estimate"])
    assert_printed(np.exp(result.pooled.ci_low[0]), PFS_EXPECTED["ci_low"])
    assert_printed(np.exp(result.pooled.ci_high[0]), PFS_EXPECTED["ci_high"])

"""The layouts of Groups (equal runs, ragged runs, any order) give the same sums and the same poolings,
and the two-pass sums of squares do not cancel when estimates sit far from 0."""

import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

from evidence.core.pooling import TAU2_ESTIMATORS, generic_effects, pool
from evidence.core.pooling.groups import Groups, group_sum

from ..conftest import examples
from .tolerances import CONVERGED, REARRANGED, assert_close

pytestmark = pytest.mark.filterwarnings("error")


def _layout(groups: Groups) -> str:
    return "equal runs" if groups.width else "ragged runs" if groups.contiguous else "any order"


@pytest.mark.parametrize(("group", "n_groups", "layout"), [
    ([0, 0, 1, 1, 2, 2], None, "equal runs"),
    ([0, 0, 1, 1], 3, "ragged runs"),  # a trailing analysis without studies
    ([0, 0, 2, 2], None, "ragged runs"),  # an analysis without studies between two
    ([0, 1, 1, 1, 2], None, "ragged runs"),
    ([1, 0, 1, 0], None, "any order"),
    ([0], None, "equal runs"),
    ([], 2, "ragged runs"),
])
def test_each_layout_sums_as_bincount(group, n_groups, layout):
    group = np.array(group, dtype=np.intp)
    groups = Groups.of(group, group.shape[0], n_groups)
    assert _layout(groups) == layout
    values = np.random.default_rng(7).normal(size=group.shape[0])
    expected = group_sum(values, group, groups.count)
    np.testing.assert_allclose(groups.sum(values), expected, rtol=1e-15, atol=0)
    per_analysis = np.arange(groups.count, dtype=float)
    np.testing.assert_array_equal(groups.spread(per_analysis), per_analysis[group])
    np.testing.assert_array_equal(groups.deviation(values, per_analysis), values - per_analysis[group])


def test_ragged_runs_sum_bitwise_as_bincount():
    # The sparse product adds each analysis's terms in row order, as np.bincount does.
    rng = np.random.default_rng(3)
    group = np.repeat(np.arange(500), rng.integers(0, 9, 500))
    groups = Groups.of(group, group.shape[0], 500)
    assert groups.contiguous and not groups.width
    values = rng.normal(size=group.shape[0]) * 10.0 ** rng.integers(-8, 8, group.shape[0])
    np.testing.assert_array_equal(groups.sum(values), group_sum(values, group, 500))


def test_take_and_restrict_keep_what_they_select():
    group = np.repeat(np.arange(6), [3, 3, 3, 2, 3, 3])
    groups = Groups.of(group, group.shape[0])
    values = np.arange(group.shape[0], dtype=float)
    kept_rows = values % 4 != 1
    taken = groups.take(kept_rows)
    np.testing.assert_array_equal(taken.size, np.bincount(group[kept_rows], minlength=6))
    np.testing.assert_allclose(taken.sum(values[kept_rows]), group_sum(values[kept_rows], group[kept_rows], 6))
    analyses = np.array([True, False, True, False, True, True])
    rows, restricted = groups.restrict(analyses)
    assert restricted.count == 4 and _layout(restricted) == "equal runs"
    np.testing.assert_array_equal(rows, np.flatnonzero(analyses[group]))
    np.testing.assert_allclose(restricted.sum(values[rows]), group_sum(values, group, 6)[analyses])


def test_groups_are_validated():
    with pytest.raises(ValueError, match=">= 0"):
        Groups.of(np.array([0, -1]), 2)
    with pytest.raises(ValueError, match="n_groups"):
        Groups.of(np.array([0, 3]), 2, 2)
    with pytest.raises(ValueError, match="integer"):
        Groups.of(np.array([0.0, 1.0]), 2)


@pytest.mark.parametrize("tau2_method", sorted(TAU2_ESTIMATORS))
@settings(max_examples=examples(0.3))
@given(k=st.integers(1, 6), n_groups=st.integers(1, 5), seed=st.integers(0, 2**16))
@example(k=6, n_groups=5, seed=1100)  # PM: a pooled log ratio of 1.1e-4 with SE 0.3 (found by hypothesis)
def test_pooling_does_not_depend_on_the_layout(tau2_method, k, n_groups, seed):
    # The same analyses pooled as equal runs, as ragged runs (one more analysis, without
    # studies) and in shuffled order: every layout's sums, the same results.
    rng = np.random.default_rng(seed)
    group = np.repeat(np.arange(n_groups), k)
    yi, vi = rng.normal(0.0, 1.0, group.shape[0]), rng.uniform(0.01, 1.0, group.shape[0])
    yi[rng.random(group.shape[0]) < 0.2] = np.nan  # some inestimable studies
    order = rng.permutation(group.shape[0])
    options = {"tau2_method": tau2_method, "ci_method": "hk", "prediction": True, "heterogeneity_ci": True}
    equal = pool(generic_effects(yi, vi=vi), group, **options)
    ragged = pool(generic_effects(yi, vi=vi), group, n_groups=n_groups + 1, **options)
    shuffled = pool(generic_effects(yi[order], vi=vi[order]), group[order], **options)
    tolerance = CONVERGED if tau2_method in ("REML", "ML", "PM", "EB") else REARRANGED
    for other, rows in ((ragged, slice(None)), (shuffled, np.argsort(order))):
        for model in ("fixed", "random"):
            # An iterated tau² stops within 1e-10 of itself: an estimate near 0 then moves by that share of
            # its SE, which is no relative tolerance of the estimate's own size (seed 1100: te 1.1e-4, SE 0.3).
            scale = getattr(equal, model).se
            for name in ("te", "se", "ci_low", "ci_high"):
                assert_close(getattr(getattr(other, model), name)[:n_groups], getattr(getattr(equal, model), name),
                             "estimate", tolerance, scale)
            assert_close(getattr(other, model).weight[rows], getattr(equal, model).weight, "estimate", tolerance)
        assert_close(other.heterogeneity.q[:n_groups], equal.heterogeneity.q, "heterogeneity", tolerance)
        assert_close(other.tau2[:n_groups], equal.tau2, "tau2", tolerance)
        assert_close(other.pi_high[:n_groups], equal.pi_high, "ci", tolerance)
        assert_close(other.tau2_ci[:n_groups], equal.tau2_ci, "tau2", CONVERGED)  # Q-profile roots: iterated
    assert np.isnan(ragged.random.te[n_groups]) and np.isnan(ragged.heterogeneity.q[n_groups])


@pytest.mark.parametrize("offset", [25.0, 120.0, 1000.0])
def test_sums_of_squares_do_not_cancel_far_from_zero(offset):
    # Q and the Hartung-Knapp numerator sum w (yi - te)² after subtracting te (two passes). The
    # one-pass form sum w yi² - (sum w yi)² / sum w loses digits as yi moves away from 0: 6e-10
    # relative at 120 +- 0.2, 2e-3 at 1000 +- 0.001 (pooled means of a lab value, say).
    rng = np.random.default_rng(11)
    group = np.repeat(np.arange(50), 10)
    yi, vi = rng.normal(0.0, 1e-3, 500), rng.uniform(0.5, 1.5, 500) * 1e-6
    options = {"tau2_method": "DL", "ci_method": "hk", "prediction": True}
    near = pool(generic_effects(yi, vi=vi), group, **options)
    far = pool(generic_effects(yi + offset, vi=vi), group, **options)
    assert_close(far.heterogeneity.q, near.heterogeneity.q, "heterogeneity", REARRANGED)
    assert_close(far.tau2, near.tau2, "tau2", REARRANGED)
    assert_close(far.random.se, near.random.se, "se", REARRANGED)
    assert_close(far.random.te - offset, near.random.te, "estimate", {"estimate": 1e-9})

"""Properties that must hold for any data (hypothesis)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from evidence.core.pooling import PRESETS, TAU2_ESTIMATORS, ZeroCells, generic_effects, pool, pool_dichotomous
from evidence.core.pooling.effects import ZERO_CELL_TARGETS

from ..conftest import examples
from .tolerances import CONVERGED, REARRANGED, assert_close

pytestmark = pytest.mark.filterwarnings("error")
DICHOTOMOUS_METHODS = [("RR", "MH"), ("OR", "MH"), ("RD", "MH"), ("RR", "IV"), ("OR", "IV"), ("RD", "IV"),
                       ("OR", "PETO")]


@st.composite
def two_by_two_tables(draw, min_studies=1, max_studies=8):
    """Per-study counts (e_events, e_total, c_events, c_total), zero cells included."""
    k = draw(st.integers(min_studies, max_studies))
    e_total = np.array(draw(st.lists(st.integers(1, 300), min_size=k, max_size=k)))
    c_total = np.array(draw(st.lists(st.integers(1, 300), min_size=k, max_size=k)))
    e_events = np.array([draw(st.integers(0, n)) for n in e_total])
    c_events = np.array([draw(st.integers(0, n)) for n in c_total])
    return e_events, e_total, c_events, c_total


@st.composite
def generic_studies(draw, min_studies=1, max_studies=10):
    k = draw(st.integers(min_studies, max_studies))
    yi = np.array(draw(st.lists(st.floats(-3, 3), min_size=k, max_size=k)))
    vi = np.array(draw(st.lists(st.floats(0.01, 2), min_size=k, max_size=k)))
    return yi, vi


def _summaries(result):
    """Per-analysis numbers that must not depend on study order."""
    return [result.fixed.te, result.fixed.se, result.random.te, result.random.se,
            result.heterogeneity.q, result.heterogeneity.i2, result.tau2]


@pytest.mark.parametrize(("measure", "method"), DICHOTOMOUS_METHODS)
@settings(max_examples=examples())  # per method: 7 methods x the profile's count
@given(tables=two_by_two_tables())
def test_swapping_arms_negates_the_effect(measure, method, tables):
    e_events, e_total, c_events, c_total = tables
    result = pool_dichotomous(e_events, e_total, c_events, c_total, measure=measure, method=method)
    swapped = pool_dichotomous(c_events, c_total, e_events, e_total, measure=measure, method=method)
    for original, mirrored in ((result.fixed, swapped.fixed), (result.random, swapped.random)):
        assert_close(mirrored.te, -original.te, "estimate", REARRANGED)
        assert_close(mirrored.se, original.se, "se", REARRANGED)
    assert_close(swapped.studies.yi, -result.studies.yi, "estimate", REARRANGED)
    assert_close(swapped.heterogeneity.q, result.heterogeneity.q, "heterogeneity", REARRANGED)
    assert_close(swapped.tau2, result.tau2, "tau2", REARRANGED)


@pytest.mark.parametrize(("measure", "method"), DICHOTOMOUS_METHODS)
@settings(max_examples=examples())  # per method: 7 methods x the profile's count
@given(tables=two_by_two_tables(), data=st.data())
def test_permuting_studies_changes_nothing(measure, method, tables, data):
    order = np.array(data.draw(st.permutations(range(len(tables[0])))))
    result = pool_dichotomous(*tables, measure=measure, method=method)
    permuted = pool_dichotomous(*(x[order] for x in tables), measure=measure, method=method)
    for kind, before, after in zip(["estimate", "se", "estimate", "se", "heterogeneity", "heterogeneity", "tau2"],
                                   _summaries(result), _summaries(permuted)):
        assert_close(after, before, kind, REARRANGED)
    assert_close(permuted.study_weight, result.study_weight[order], "estimate", REARRANGED)


@pytest.mark.parametrize(("measure", "method"), DICHOTOMOUS_METHODS)
@settings(max_examples=examples())  # per method: 7 methods x the profile's count
@given(tables=two_by_two_tables(max_studies=1))
def test_a_single_study_returns_itself(measure, method, tables):
    result = pool_dichotomous(*tables, measure=measure, method=method, model="random")
    if result.studies.estimable[0]:
        assert_close(result.pooled.te, result.studies.yi, "estimate", REARRANGED)
        assert_close(result.pooled.se, result.studies.se, "se", REARRANGED)
        assert_close(result.fixed.te, result.studies.yi, "estimate", REARRANGED)
    else:
        assert np.isnan(result.pooled.te).all() and result.heterogeneity.k[0] == 0


@pytest.mark.parametrize("tau2_method", sorted(TAU2_ESTIMATORS))
@settings(max_examples=examples(0.8))
@given(studies=generic_studies())
def test_fixed_and_random_agree_when_tau2_is_zero(tau2_method, studies):
    yi, vi = studies
    result = pool(generic_effects(yi, vi=vi), tau2_method=tau2_method)
    assert result.tau2[0] >= 0
    if result.tau2[0] == 0:
        assert_close(result.random.te, result.fixed.te, "estimate", REARRANGED)
        assert_close(result.random.se, result.fixed.se, "se", REARRANGED)
        assert_close(result.random.weight, result.fixed.weight, "estimate", REARRANGED)
    # Identical estimates have no between-study spread: every estimator gives tau² = 0 (SJ up to
    # the rounding of an unweighted mean: 1e-60 or so).
    same = pool(generic_effects(np.full_like(yi, yi[0]), vi=vi), tau2_method=tau2_method)
    assert_close(same.tau2, [0.0], "tau2", REARRANGED)
    assert_close(same.random.te, same.fixed.te, "estimate", REARRANGED)


@pytest.mark.parametrize("tau2_method", sorted(TAU2_ESTIMATORS))
@settings(max_examples=examples(0.5))
@given(studies=generic_studies(min_studies=1, max_studies=12), data=st.data())
def test_every_estimator_pools_many_analyses_as_each_alone(tau2_method, studies, data):
    # Iterative estimators iterate all analyses together with masks; the answer must not depend on
    # which other analyses share the call, nor on the order of studies.
    yi, vi = studies
    n = len(yi)
    group = np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    order = np.array(data.draw(st.permutations(range(n))))
    options = {"tau2_method": tau2_method, "ci_method": "hk", "prediction": True, "heterogeneity_ci": True}
    together = pool(generic_effects(yi[order], vi=vi[order]), group[order], n_groups=4, **options)
    for g in range(4):
        members = group == g
        if not members.any():
            assert np.isnan(together.random.te[g])
            continue
        alone = pool(generic_effects(yi[members], vi=vi[members]), **options)
        assert_close(together.tau2[g], alone.tau2[0], "tau2", CONVERGED)
        for name in ("te", "se", "ci_low", "ci_high"):
            assert_close(getattr(together.random, name)[g], getattr(alone.random, name)[0], "estimate", CONVERGED)
        assert_close(together.pi_high[g], alone.pi_high[0], "ci", CONVERGED)
        assert_close(together.tau2_ci[g], alone.tau2_ci[0], "tau2", CONVERGED)


@pytest.mark.parametrize("tau2_method", sorted(TAU2_ESTIMATORS))
@settings(max_examples=examples(0.4))
@given(studies=generic_studies(max_studies=1))
def test_a_single_study_returns_itself_under_every_estimator(tau2_method, studies):
    yi, vi = studies
    result = pool(generic_effects(yi, vi=vi), tau2_method=tau2_method, ci_method="hk", prediction=True)
    assert result.tau2.tolist() == [0.0]
    assert_close(result.random.te, yi, "estimate", REARRANGED)
    assert_close(result.random.se, np.sqrt(vi), "se", REARRANGED)
    assert_close(result.pi_low, result.random.ci_low, "ci", REARRANGED)


@settings(max_examples=examples(1.2))
@given(tables=two_by_two_tables(max_studies=6), data=st.data())
def test_no_zero_cell_rule_or_preset_ever_fails(tables, data):
    # Any counts, any zero-cell rule, any method and preset: results or NaN, never an error or a warning.
    zero_cells = ZeroCells(increment=data.draw(st.sampled_from([0.0, 0.5, 1.0])),
                           to=data.draw(st.sampled_from(ZERO_CELL_TARGETS)),
                           drop_double_zero=data.draw(st.booleans()))
    measure, method = data.draw(st.sampled_from(DICHOTOMOUS_METHODS))
    result = pool_dichotomous(*tables, measure=measure, method=method, zero_cells=zero_cells,
                              preset=data.draw(st.sampled_from(sorted(PRESETS))),
                              tau2_method=data.draw(st.sampled_from(sorted(TAU2_ESTIMATORS))))
    assert result.pooled.p.shape == (1,) and result.study_weight.shape == (len(tables[0]),)
    estimable = result.studies.estimable
    assert np.isfinite(result.studies.yi[estimable]).all() and np.isnan(result.studies.yi[~estimable]).all()


@pytest.mark.parametrize(("measure", "method"), DICHOTOMOUS_METHODS)
@settings(max_examples=examples())  # per method: 7 methods x the profile's count
@given(tables=two_by_two_tables(min_studies=1, max_studies=20), data=st.data())
def test_vectorised_pooling_equals_pooling_each_alone(measure, method, tables, data):
    n = len(tables[0])
    group = np.array(data.draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)))  # unsorted, maybe gaps
    together = pool_dichotomous(*tables, group=group, n_groups=5, measure=measure, method=method,
                                model="fixed_if_homogeneous")
    for g in range(5):
        members = group == g
        if not members.any():
            assert together.heterogeneity.k[g] == 0 and np.isnan(together.pooled.te[g])
            continue
        alone = pool_dichotomous(*(x[members] for x in tables), measure=measure, method=method,
                                 model="fixed_if_homogeneous")
        assert together.model[g] == alone.model[0]
        for kind, both, single in zip(["estimate", "se", "estimate", "se", "heterogeneity", "heterogeneity", "tau2"],
                                      _summaries(together), _summaries(alone)):
            assert_close(both[g], single[0], kind, REARRANGED)
        assert_close(together.pooled.p[g], alone.pooled.p[0], "p", REARRANGED)
        assert_close(together.study_weight[members], alone.study_weight, "estimate", REARRANGED)


@settings(max_examples=examples(0.5))
@given(studies=generic_studies(min_studies=2))
def test_generic_vectorised_equals_alone(studies):
    yi, vi = studies
    group = np.arange(len(yi)) % 2
    together = pool(generic_effects(yi, vi=vi), group=group)
    for g in (0, 1):
        alone = pool(generic_effects(yi[group == g], vi=vi[group == g]))
        assert_close(together.random.te[g], alone.random.te[0], "estimate", REARRANGED)
        assert_close(together.tau2[g], alone.tau2[0], "tau2", REARRANGED)

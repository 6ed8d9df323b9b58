"""Tests of evhub.model.lifetime: survival functions against scipy, validation, matrix."""

import dataclasses

import numpy as np
import pytest
import scipy.integrate
import scipy.stats

from evhub.model.lifetime import (
    Fixed,
    LogNormal,
    Normal,
    Weibull,
    retirement_matrix,
    survival_matrix,
)

# Survival values are computed with the same scipy routines and the same
# parameter arithmetic, so they agree to a few ulp; 1e-14 relative leaves room
# for the extra operations in broadcasting (reshape, exp(log(.))) without
# hiding a wrong formula, which would be off by far more.
RTOL_SAME_FORMULA = 1e-14

AGES = np.arange(12.0).reshape(3, 4) + 0.5  # shape A = (3, 4) [yr]


def test_normal_sf_matches_scipy():
    mean = np.array([10.0, 15.0])
    sd = np.array([3.0, 5.0])
    result = Normal(mean, sd).sf(AGES)
    expected = np.stack(
        [scipy.stats.norm(loc=m, scale=s).sf(AGES) for m, s in zip(mean, sd, strict=True)]
    )
    assert result.shape == (2, 3, 4)
    np.testing.assert_allclose(result, expected, rtol=RTOL_SAME_FORMULA, atol=0)


def test_lognormal_sf_matches_scipy():
    mean, sd = 14.0, 6.0
    sigma = np.sqrt(np.log(1 + sd**2 / mean**2))
    mu = np.log(mean) - sigma**2 / 2
    expected = scipy.stats.lognorm(s=sigma, scale=np.exp(mu)).sf(AGES)
    result = LogNormal(mean, sd).sf(AGES)
    assert result.shape == (3, 4)
    np.testing.assert_allclose(result, expected, rtol=RTOL_SAME_FORMULA, atol=0)


def test_weibull_sf_matches_scipy():
    shape = np.array([[2.0], [3.5]])
    scale = np.array([12.0, 18.0, 25.0])
    lifetime = Weibull(shape, scale)  # parameters broadcast to (2, 3)
    result = lifetime.sf(AGES)
    assert lifetime.parameter_shape == (2, 3)
    assert result.shape == (2, 3, 3, 4)
    for i, k in enumerate(shape[:, 0]):
        for j, lam in enumerate(scale):
            expected = scipy.stats.weibull_min(c=k, scale=lam).sf(AGES)
            np.testing.assert_allclose(result[i, j], expected, rtol=RTOL_SAME_FORMULA, atol=0)


def test_fixed_sf_is_strict_step_like_flodym():
    # flodym FixedLifetime: survives while age < mean (strict)
    result = Fixed(2.5).sf([0.5, 1.5, 2.0, 2.5, 3.5])
    np.testing.assert_array_equal(result, [1.0, 1.0, 1.0, 0.0, 0.0])
    np.testing.assert_array_equal(Fixed([1.0, 3.0]).sf([0.5, 1.5]), [[1.0, 0.0], [1.0, 1.0]])


def test_sf_scalar_age_gives_parameter_shape():
    assert Normal(np.full(5, 10.0), 2.0).sf(3.0).shape == (5,)
    assert np.ndim(Weibull(2.0, 10.0).sf(3.0)) == 0


def test_lognormal_moments_round_trip():
    mean = np.array([8.0, 15.0, 20.0])
    sd = np.array([2.0, 6.0, 12.0])
    lifetime = LogNormal(mean, sd)
    fitted = scipy.stats.lognorm(s=lifetime.sigma, scale=np.exp(lifetime.mu))
    # closed-form moments of the fitted lognormal: a handful of exp/log/sqrt,
    # each correct to an ulp, so 1e-12 is generous but far below any formula slip
    np.testing.assert_allclose(fitted.mean(), mean, rtol=1e-12, atol=0)
    np.testing.assert_allclose(fitted.std(), sd, rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    "lifetime",
    [LogNormal(14.0, 6.0), Weibull(2.5, 16.0), Fixed(7.0)],
    ids=["lognormal", "weibull", "fixed"],
)
def test_integral_of_sf_is_mean(lifetime):
    # For a non-negative lifetime, E[L] = ∫_0^∞ S(a) da. quad's default
    # tolerances (epsabs = epsrel = 1.49e-8) bound the comparison: 1e-7 relative.
    points = [7.0] if isinstance(lifetime, Fixed) else None
    integral, _ = scipy.integrate.quad(
        lambda a: float(lifetime.sf(a)), 0, np.inf if points is None else 50.0, points=points
    )
    np.testing.assert_allclose(integral, lifetime.mean, rtol=1e-7, atol=0)


def test_parameters_are_read_only_and_frozen():
    lifetime = Normal(np.array([10.0, 12.0]), 3.0)
    assert lifetime.sd.shape == (2,)  # broadcast to the common shape
    with pytest.raises(ValueError, match="read-only"):
        lifetime.mean[0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        lifetime.mean = 5.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Normal(10.0, 0.0), r"Normal\.sd must be > 0 \[yr\]; got 0\.0"),
        (lambda: Normal(-1.0, 2.0), r"Normal\.mean must be > 0 \[yr\]; got -1\.0"),
        (lambda: Normal(np.nan, 2.0), r"Normal\.mean must be finite; got nan"),
        (lambda: LogNormal(10.0, -3.0), r"LogNormal\.sd must be > 0 \[yr\]; got -3\.0"),
        (lambda: LogNormal(np.inf, 3.0), r"LogNormal\.mean must be finite; got inf"),
        (lambda: Weibull(0.0, 10.0), r"Weibull\.shape must be > 0 \[1\]; got 0\.0"),
        (lambda: Weibull(2.0, -10.0), r"Weibull\.scale must be > 0 \[yr\]; got -10\.0"),
        (lambda: Fixed(0.0), r"Fixed\.years must be > 0 \[yr\]; got 0\.0"),
        (
            lambda: Weibull(np.array([2.0, 3.0, -1.0]), 10.0),
            r"Weibull\.shape must be > 0 \[1\]; got -1\.0 at index \(2,\)",
        ),
        (
            lambda: Normal(np.ones(3), np.ones(2)),
            r"Normal parameters do not broadcast.*mean \(3,\), sd \(2,\)",
        ),
    ],
)
def test_bad_parameters_name_the_parameter(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_survival_matrix_matches_definition():
    lifetime = LogNormal(np.array([9.0, 16.0]), np.array([3.0, 7.0]))
    years, before = 6, 3
    result = survival_matrix(lifetime, years=years, cohorts_before=before)
    assert result.shape == (2, years, before + years)
    expected = np.zeros_like(result)
    for t in range(years):
        for j in range(before + years):
            vintage = j - before
            if t >= vintage:
                expected[:, t, j] = lifetime.sf(t - vintage + 0.5)
    # same sf calls on the same ages; only where they happen differs
    np.testing.assert_allclose(result, expected, rtol=RTOL_SAME_FORMULA, atol=0)


def test_survival_matrix_fixed_by_hand():
    # Fixed(2): a car is in the end-of-year stock in its sales year and the next.
    expected = np.array(
        [
            [1.0, 1.0, 0.0, 0.0],  # t=0: vintage -1 (age 1.5), vintage 0 (age 0.5)
            [0.0, 1.0, 1.0, 0.0],  # t=1: vintage -1 is 2.5 > 2: gone
            [0.0, 0.0, 1.0, 1.0],
        ]
    )
    np.testing.assert_array_equal(survival_matrix(Fixed(2.0), years=3, cohorts_before=1), expected)


def test_survival_matrix_shape():
    assert survival_matrix(Weibull(3.0, 15.0), 61).shape == (61, 61)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"years": 0}, r"years must be an integer >= 1; got 0"),
        ({"years": 2.5}, r"years must be an integer >= 1; got 2\.5"),
        ({"years": 3, "cohorts_before": -1}, r"cohorts_before must be an integer >= 0; got -1"),
    ],
)
def test_survival_matrix_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        survival_matrix(Fixed(3.0), **kwargs)


def test_survival_matrix_view_equals_copy():
    lifetime = Weibull(np.array([2.0, 4.0]), 15.0)
    view = survival_matrix(lifetime, years=7, cohorts_before=2, copy=False)
    np.testing.assert_array_equal(view, survival_matrix(lifetime, years=7, cohorts_before=2))
    assert not view.flags.writeable


def test_retirement_matrix_matches_definition():
    lifetime = Weibull(np.array([2.5, 4.0]), np.array([12.0, 18.0]))
    years, before = 6, 3
    result = retirement_matrix(lifetime, years=years, cohorts_before=before)
    assert result.shape == (2, years, before + years)
    expected = np.zeros_like(result)
    for t in range(years):
        for j in range(before + years):
            age = t - (j - before)
            if age == 0:
                expected[:, t, j] = 1.0 - lifetime.sf(0.5)
            elif age > 0:
                expected[:, t, j] = lifetime.sf(age - 0.5) - lifetime.sf(age + 0.5)
    # the same sf values, subtracted the same way; an ulp of a survival (<= 1)
    # moves a difference by at most EPS
    np.testing.assert_allclose(result, expected, rtol=0, atol=2 * np.finfo(float).eps)


def test_retirement_matrix_is_the_fall_of_the_survival_matrix():
    # a cohort's survival at the end of the last year plus all it lost in the
    # model years is its survival at the end of the year before (1 before sale)
    lifetime = LogNormal(np.array([9.0, 16.0]), np.array([3.0, 7.0]))
    years, before = 8, 4
    survival = survival_matrix(lifetime, years, before)
    retired = retirement_matrix(lifetime, years, before).sum(axis=-2)
    start = np.concatenate([lifetime.sf(np.arange(before)[::-1] + 0.5), np.ones((2, years))], -1)
    # sums of at most 8 terms of size <= 1
    np.testing.assert_allclose(
        survival[:, -1] + retired, start, rtol=0, atol=16 * np.finfo(float).eps
    )


def test_retirement_matrix_view_equals_copy_and_bad_arguments():
    lifetime = Weibull(np.array([2.0, 4.0]), 15.0)
    view = retirement_matrix(lifetime, years=7, cohorts_before=2, copy=False)
    np.testing.assert_array_equal(view, retirement_matrix(lifetime, years=7, cohorts_before=2))
    assert not view.flags.writeable
    with pytest.raises(ValueError, match=r"cohorts_before must be an integer >= 0; got -1"):
        retirement_matrix(lifetime, years=3, cohorts_before=-1)

"""Market: logistic shares, powertrain mix, Gompertz ownership, GDP path."""

import math

import numpy as np
import pytest

from evhub.model import market

YEARS = np.arange(2020, 2041, dtype=float)
ONE = np.ones(1)


def test_logistic_share_hand_computed():
    # s0 = 0.1, C = 0.5, m = 2030, k = 1, base 2025; by hand:
    # sigma(2025) = 1/(1+e^5), sigma(2030) = 1/2
    # s(2030) = 0.1 + 0.4 * (0.5 - sigma0) / (1 - sigma0)
    sigma0 = 1 / (1 + math.exp(5))
    expected_2030 = 0.1 + 0.4 * (0.5 - sigma0) / (1 - sigma0)
    result = market.logistic_share(YEARS, 2025, 0.1 * ONE, 0.5 * ONE, 2030 * ONE, ONE)
    assert result.shape == (1, len(YEARS))
    # exact arithmetic on a few float64 operations
    assert result[0, YEARS == 2030][0] == pytest.approx(expected_2030, rel=1e-12, abs=0)
    assert np.all(result[0, YEARS <= 2025] == 0.1)  # history is the base share
    assert result[0, -1] == pytest.approx(0.5, abs=1e-4)  # 2040: within e^-10 of the ceiling
    assert np.all(np.diff(result[0]) >= 0)


def test_logistic_share_declines_to_a_lower_ceiling():
    result = market.logistic_share(YEARS, 2025, 0.3 * ONE, 0.1 * ONE, 2030 * ONE, ONE)
    assert np.all(np.diff(result[0]) <= 0)
    assert result[0, -1] == pytest.approx(0.1, abs=1e-4)


def _history():
    hist = np.zeros((len(YEARS), 6))
    hist[:] = [0.5, 0.2, 0.05, 0.15, 0.03, 0.07]
    return hist


def test_powertrain_shares_sum_to_one_and_keep_history():
    curve = (0.6 * ONE, 2030 * ONE, 0.5 * ONE)
    shares = market.powertrain_shares(
        YEARS,
        2025,
        _history(),
        curve,
        (0.05 * ONE, 2030 * ONE, ONE),
        (0.1 * ONE, 2030 * ONE, ONE),
        np.array([np.inf]),
    )
    assert shares.shape == (1, 6, len(YEARS))
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(shares[0][:, YEARS <= 2025], _history()[YEARS <= 2025].T)
    # combustion cars keep their base-year mix 0.5 : 0.2 : 0.05
    ice = shares[0, :3, -1]
    np.testing.assert_allclose(ice / ice.sum(), np.array([0.5, 0.2, 0.05]) / 0.75, rtol=1e-12)


def test_powertrain_shares_scale_down_when_electrified_exceeds_one():
    big = (0.9 * ONE, 2026 * ONE, 2 * ONE)
    shares = market.powertrain_shares(YEARS, 2025, _history(), big, big, big, np.array([np.inf]))
    assert np.all(shares >= 0)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_ice_ban_ends_combustion_and_hev_sales():
    curve = (0.6 * ONE, 2030 * ONE, 0.5 * ONE)
    shares = market.powertrain_shares(
        YEARS,
        2025,
        _history(),
        curve,
        (0.05 * ONE, 2030 * ONE, ONE),
        (0.1 * ONE, 2030 * ONE, ONE),
        np.array([2035.0]),
    )
    banned = YEARS >= 2035
    assert np.all(shares[0, :4, banned] == 0)
    np.testing.assert_allclose(shares[0, 4:, banned].sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert np.all(shares[0, :4, YEARS == 2034] > 0)


def test_gompertz_fit_recovers_known_parameters():
    saturation = np.array([560.0, 700.0])
    alpha, beta = -5.0, -1.5e-4
    gdp = np.linspace(8000, 16000, 12)
    for i, gamma in enumerate(saturation):
        owned = gamma * np.exp(alpha * np.exp(beta * gdp))
        a, b = market.fit_gompertz(owned, gdp, saturation[i : i + 1])
        # the double-log transform is exact for noise-free data
        assert a[0] == pytest.approx(alpha, rel=1e-9)
        assert b[0] == pytest.approx(beta, rel=1e-9)
        back = market.gompertz(gdp[None, :], saturation[i : i + 1], a, b)
        np.testing.assert_allclose(back[0], owned, rtol=1e-9)


def test_gdp_per_capita_path_by_hand():
    years = np.array([2024.0, 2025.0, 2026.0, 2027.0])
    history = np.array([10.0, 11.0, np.nan, np.nan])
    growth = np.array([[0.0, 0.0, 0.10, 0.05]])
    population = np.array([1.0, 1.0, 1.1, 1.1])
    out = market.gdp_per_capita_path(years, 2025, history, growth, population)
    # 2026: 11 * 1.10 * 1.0/1.1 = 11; 2027: 11 * 1.05 = 11.55
    np.testing.assert_allclose(out[0], [10.0, 11.0, 11.0, 11.55], rtol=1e-12)


def test_interpolate_anchors_is_flat_beyond_the_ends():
    out = market.interpolate_anchors(
        np.array([2020.0, 2030.0, 2035.0, 2040.0, 2050.0]),
        np.array([2030.0, 2040.0]),
        np.array([[1.0, 3.0]]),
    )
    np.testing.assert_array_equal(out[0], [1.0, 1.0, 2.0, 3.0, 3.0])


def test_growth_sales():
    out = market.growth_sales(np.array([2024.0, 2025.0, 2027.0]), 2025, 100.0, np.array([0.1]))
    np.testing.assert_allclose(out[0], [100.0, 100.0, 121.0], rtol=1e-12)

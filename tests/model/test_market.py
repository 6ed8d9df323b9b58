"""Market: logistic shares, powertrain mix, Gompertz ownership, GDP path."""

import math

import numpy as np
import pytest

from evhub.model import market
from evhub.model.categories import Categories

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


def _categories(order: tuple[str, ...]) -> Categories:
    """The shipped dataset's six powertrains (three groups kept), in any order."""
    fuel = {"petrol": 0, "diesel": 1, "lpg": 2, "hev": 0, "phev": 0, "bev": -1}
    group = {"petrol": 0, "diesel": 0, "lpg": 0, "hev": 1, "phev": 2, "bev": 3}
    return Categories(
        powertrains=order,
        fuels=("petrol", "diesel", "lpg"),
        fuel_of=np.array([fuel[p] for p in order]),
        plug=np.array([p in ("phev", "bev") for p in order]),
        origins=(),
        chemistries=(),
        materials=(),
        battery=np.array([p in ("hev", "phev", "bev") for p in order]),
        groups=("ice", "hev", "phev", "bev"),
        group_of=np.array([group[p] for p in order]),
        eu_cvd=np.array([False, False, False, True]),
        converted_from=np.array([order.index("petrol") if p == "lpg" else -1 for p in order]),
    )


SIX = _categories(("petrol", "diesel", "lpg", "hev", "phev", "bev"))
#: Base-year shares by powertrain.
BASE = {"petrol": 0.5, "diesel": 0.2, "lpg": 0.05, "hev": 0.15, "phev": 0.03, "bev": 0.07}
#: (ceiling, midpoint year, steepness) of each powertrain with a battery.
CURVES = {"hev": (0.1, 2030, 1.0), "phev": (0.05, 2030, 1.0), "bev": (0.6, 2030, 0.5)}


def _history(cats: Categories = SIX):
    hist = np.zeros((len(YEARS), len(cats.powertrains)))
    hist[:] = [BASE[p] for p in cats.powertrains]
    return hist


def _shares(cats: Categories = SIX, ban: float = np.inf, curves=CURVES):
    """powertrain_shares with the curves of ``curves``, in the order of ``cats``."""
    battery = [p for p, b in zip(cats.powertrains, cats.battery, strict=True) if b]
    ceiling, midpoint, steepness = (
        np.array([[curves[p][k] for p in battery]], dtype=float) for k in range(3)
    )
    return market.powertrain_shares(
        YEARS, 2025, _history(cats), ceiling, midpoint, steepness, np.array([ban]), cats
    )


def test_powertrain_shares_sum_to_one_and_keep_history():
    shares = _shares()
    assert shares.shape == (1, 6, len(YEARS))
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(shares[0][:, YEARS <= 2025], _history()[YEARS <= 2025].T)
    # combustion cars keep their base-year mix 0.5 : 0.2 : 0.05
    ice = shares[0, :3, -1]
    np.testing.assert_allclose(ice / ice.sum(), np.array([0.5, 0.2, 0.05]) / 0.75, rtol=1e-12)


def test_powertrain_shares_scale_down_when_electrified_exceeds_one():
    big = dict.fromkeys(CURVES, (0.9, 2026, 2.0))
    shares = _shares(curves=big)
    assert np.all(shares >= 0)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_ice_ban_ends_combustion_and_hev_sales():
    shares = _shares(ban=2035.0)
    banned = YEARS >= 2035
    assert np.all(shares[0, :4, banned] == 0)
    np.testing.assert_allclose(shares[0, 4:, banned].sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_ice_ban_with_no_plug_in_share_goes_to_the_powertrain_without_fuel():
    none = {"hev": (0.1, 2030, 1.0), "phev": (0.0, 2026, 50.0), "bev": (0.0, 2026, 50.0)}
    shares = _shares(ban=2035.0, curves=none)
    banned = YEARS >= 2035
    np.testing.assert_array_equal(shares[0, :5, banned], 0.0)
    np.testing.assert_array_equal(shares[0, 5, banned], 1.0)


@pytest.mark.parametrize("ban", [np.inf, 2032.0])
def test_powertrain_shares_follow_the_attributes_not_the_positions(ban):
    """The same dataset with its powertrains in another order: the same share per id."""
    order = ("bev", "lpg", "hev", "petrol", "phev", "diesel")
    shipped = dict(zip(SIX.powertrains, _shares(ban=ban)[0], strict=True))
    permuted = dict(zip(order, _shares(_categories(order), ban=ban)[0], strict=True))
    for p in order:
        # equal up to the order of sums (which powertrain with a plug takes the remainder)
        np.testing.assert_allclose(permuted[p], shipped[p], rtol=1e-12, atol=0, err_msg=p)


def test_fleet_inflow_moves_conversions_by_attribute():
    order = ("lpg", "bev", "petrol")
    cats = _categories(order)
    sales = np.array([[[10.0], [20.0], [100.0]]])
    inflow = market.fleet_inflow(sales, np.array([0.25]), cats.converted_from)
    assert inflow[0, :, 0].tolist() == [35.0, 20.0, 75.0]


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

"""The price paid over a spread of tax bases, a battery car's base and the energy per km."""

import numpy as np

from evhub.model import purchase


def test_price_paid_weighs_the_schedules_by_their_days_and_the_nodes_equally() -> None:
    # two segments (a quarter and three quarters of the year), two nodes each
    base = np.array([[100.0, 300.0], [100.0, 300.0]])
    rates = np.array([[10.0, 60.0], [20.0, 20.0]])  # the bracket bites on the dear node first
    vat = np.array([18.0, 20.0])
    weights = np.array([0.25, 0.75])
    first = (110.0 + 480.0) / 2 * 1.18  # 348.1
    second = (120.0 + 360.0) / 2 * 1.20  # 288.0
    expected = 0.25 * first + 0.75 * second  # 303.025
    result = purchase.mean_price_paid(base, rates, vat, weights)
    np.testing.assert_allclose(result, expected, rtol=1e-14)  # float rounding only


def test_price_paid_keeps_a_leading_run_axis() -> None:
    base = np.array([[[100.0]], [[200.0]]])  # (run, segment, node)
    result = purchase.mean_price_paid(base, np.zeros((2, 1, 1)), np.zeros((2, 1)), np.ones(1))
    np.testing.assert_allclose(result, [100.0, 200.0], rtol=1e-15)


def test_energy_of_a_battery_car_is_grid_electricity_only() -> None:
    # 0.18 kWh/km at the battery, 10 % loss: 0.2 kWh/km from the grid at 0.5 per kWh
    result = purchase.energy_cost_per_km(7.0, 2.0, 0.18, 0.5, 1.0, 0.1)
    np.testing.assert_allclose(result, 0.1, rtol=1e-14)


def test_energy_of_a_car_without_a_plug_is_fuel_only() -> None:
    result = purchase.energy_cost_per_km(7.0, 2.0, 0.0, 99.0, 0.0, 0.1)
    np.testing.assert_allclose(result, 0.14, rtol=1e-14)

"""Energy, emissions and batteries on hand-computed cases."""

import numpy as np
import pytest

from evhub.model import battery, emissions, energy
from evhub.model.categories import Categories

#: Six powertrains as in the shipped dataset: petrol, diesel, LPG, HEV (petrol),
#: PHEV (petrol, plug), BEV (plug).
SIX = Categories(
    powertrains=("petrol", "diesel", "lpg", "hev", "phev", "bev"),
    fuels=("petrol", "diesel", "lpg"),
    fuel_of=np.array([0, 1, 2, 0, 0, -1]),
    plug=np.array([False, False, False, False, True, True]),
    origins=(),
    chemistries=(),
    materials=(),
    battery=np.array([False, False, False, True, True, True]),
    groups=("ice", "hev", "phev", "bev"),
    group_of=np.array([0, 0, 0, 1, 2, 3]),
    eu_cvd=np.array([False, False, False, True]),
    converted_from=np.array([-1, -1, 0, -1, -1, -1]),
)


def test_energy_use_by_hand():
    # one run, six powertrains, one year, one cohort; 10,000 km for each car type
    vkm = np.zeros((1, 6, 1, 1))
    vkm[0, :, 0, 0] = 10_000.0
    fuel_int = np.array([[[7.0], [6.0], [9.0], [5.0], [6.5], [0.0]]])
    elec_int = np.array([[[0.0], [0.0], [0.0], [0.0], [0.2], [0.18]]])
    fuel, elec = energy.energy_use(vkm, fuel_int, elec_int, np.array([0.4]), np.array([0.1]), SIX)
    # petrol: 700 l (petrol) + 500 l (HEV) + 0.6 * 650 l (PHEV on fuel) = 1,590 l
    assert fuel[0, 0, 0] == pytest.approx(1590e-6, rel=1e-12)
    assert fuel[0, 1, 0] == pytest.approx(600e-6, rel=1e-12)
    assert fuel[0, 2, 0] == pytest.approx(900e-6, rel=1e-12)
    # electricity: (0.4 * 10,000 * 0.2 + 10,000 * 0.18) / (1 - 0.1) kWh = 2,888.9 kWh
    assert elec[0, 0] == pytest.approx((800 + 1800) / 0.9 / 1e9, rel=1e-12)


def test_energy_follows_the_attributes_not_the_positions():
    """A dataset with its powertrains in another order and no LPG: the same litres per fuel."""
    cats = Categories(
        powertrains=("bev", "phev", "diesel", "petrol"),
        fuels=("diesel", "petrol"),
        fuel_of=np.array([-1, 1, 0, 1]),
        plug=np.array([True, True, False, False]),
        origins=(),
        chemistries=(),
        materials=(),
        battery=np.array([True, True, False, False]),
        groups=("ice", "phev", "bev"),
        group_of=np.array([2, 1, 0, 0]),
        eu_cvd=np.array([False, False, True]),
        converted_from=np.array([-1, -1, -1, -1]),
    )
    vkm = np.full((1, 4, 1, 1), 10_000.0)
    fuel_int = np.array([[[0.0], [6.5], [6.0], [7.0]]])
    elec_int = np.array([[[0.18], [0.2], [0.0], [0.0]]])
    fuel, elec = energy.energy_use(vkm, fuel_int, elec_int, np.array([0.4]), np.array([0.1]), cats)
    assert fuel[0, :, 0] == pytest.approx([600e-6, (700 + 0.6 * 650) * 1e-6], rel=1e-12)
    assert elec[0, 0] == pytest.approx((800 + 1800) / 0.9 / 1e9, rel=1e-12)


def test_vintage_intensity_improves_only_after_base_year():
    out = energy.vintage_intensity(
        np.array([2020.0, 2025.0, 2027.0]), 2025, np.array([[10.0]]), np.array([[0.1]])
    )
    np.testing.assert_allclose(out[0, 0], [10.0, 10.0, 8.1], rtol=1e-12)


def test_distance_by_age_matches_the_observed_average_in_the_base_year():
    years = np.array([2024.0, 2025.0])
    vintages = np.array([2023.0, 2024.0, 2025.0])
    ages = years[:, None] - vintages[None, :]
    stock = np.array([[100.0, 50.0, 50.0]])
    km = energy.distance_by_age(
        ages, 1, years, 2025, np.array([12_000.0]), np.array([0.1]), np.array([0.0]), stock
    )
    average = (km[0, 1] * stock[0]).sum() / stock[0].sum()
    assert average == pytest.approx(12_000.0, rel=1e-12)
    assert km[0, 1, 0] < km[0, 1, 2]  # older cars drive less


def test_distance_by_age_by_hand_for_cohort_ages_and_any_other_ages():
    # cohort ages (year - vintage: a Toeplitz table, read as a strided view) and the
    # same ages with the columns swapped (no longer Toeplitz: gathered) give the
    # same distances, each by hand: D (1 - 0.5)^age with D set by the base year
    years = np.array([2024.0, 2025.0, 2026.0])
    vintages = np.array([2022.0, 2023.0, 2024.0, 2025.0, 2026.0])
    ages = years[:, None] - vintages[None, :]  # [[2, 1, 0, -1, -2], [3, 2, 1, 0, -1], ...]
    stock = np.array([[0.0, 0.0, 1.0, 1.0, 0.0]])  # base year (2025): ages 1 and 0
    # base-year mean profile (0.5 + 1) / 2 = 0.75, so D = 1,200 / 0.75 = 1,600 km;
    # 2026 is 10 % more; age -1, -2 (not yet sold) count as age 0
    level = np.array([1600.0, 1600.0, 1760.0])
    expected = level[:, None] * 0.5 ** np.maximum(ages, 0.0)
    args = (1, years, 2025, np.array([1200.0]), np.array([0.5]), np.array([0.1]))
    km = energy.distance_by_age(ages, *args, stock)
    np.testing.assert_allclose(km[0], expected, rtol=1e-12, atol=0.0)  # rtol: a few operations
    swap = [1, 0, 2, 3, 4]
    km_swapped = energy.distance_by_age(ages[:, swap], *args, stock[:, swap])
    np.testing.assert_allclose(km_swapped[0], expected[:, swap], rtol=1e-12, atol=0.0)


def test_tank_to_wheel_and_electricity_co2_by_hand():
    # 1,000 Ml of petrol at 2.3 kgCO2/l = 2.3 Mt
    ttw = emissions.tank_to_wheel(np.array([[[1000.0], [0.0], [0.0]]]), np.array([2.3, 2.6, 1.6]))
    assert ttw[0, 0, 0] == pytest.approx(2.3, rel=1e-12)
    # 10 TWh at 400 g/kWh = 4 Mt
    assert emissions.electricity_co2(np.array([[10.0]]), np.array([[400.0]]))[
        0, 0
    ] == pytest.approx(4.0)


def test_grid_path_joins_history_and_falls_with_renewables():
    years = np.array([2024.0, 2025.0, 2026.0])
    history = np.array([500.0, 480.0, np.nan])
    res = np.array([[0.4, 0.4, 0.7]])
    out = emissions.grid_intensity_path(years, 2025, history, res)
    assert out[0, 1] == 480.0
    # 2026: non-renewable generation falls from 60 % to 30 %: 480 * 0.3 / 0.6
    assert out[0, 2] == pytest.approx(240.0, rel=1e-12)


def test_target_path_follows_the_national_ratio():
    years = np.array([2025.0, 2030.0, 2053.0, 2060.0])
    out = emissions.target_path(years, 2025, np.array([40.0]), 500.0, {2030: 600.0, 2053: 0.0})
    np.testing.assert_allclose(out[0, :3], [40.0, 48.0, 0.0], rtol=1e-12)
    assert np.isnan(out[0, 3])


def test_material_demand_by_hand():
    # 10 GWh, half LFP (0.1 kg Li/kWh), half NMC (0.12 kg Li/kWh) -> 1.1 kt Li
    intensity = np.array([[0.1, 0.0], [0.12, 0.5], [0.1, 0.6]])
    share = np.array([[[0.5], [0.5], [0.0]]])
    out = battery.material_demand(np.array([[10.0]]), share, intensity)
    np.testing.assert_allclose(out[0, :, 0], [1.1, 2.5], rtol=1e-12)


def test_pack_and_capacity_by_hand():
    pack = battery.pack_by_vintage(
        np.array([2025.0, 2026.0]), 2025, np.array([[60.0]]), np.array([[0.1]])
    )
    np.testing.assert_allclose(pack[0, 0], [60.0, 66.0], rtol=1e-12)
    demand = battery.capacity_demand(np.array([[[1e6, 1e6]]]), pack)
    np.testing.assert_allclose(demand[0, 0], [60.0, 66.0], rtol=1e-12)  # GWh
    retired = battery.retired_capacity(np.array([[[[1e5, 0.0]]]]), pack)
    assert retired[0, 0, 0] == pytest.approx(6.0, rel=1e-12)


def _random_fleet(seed: int):
    """A random fleet: inflow by cohort (run, pt, cohort), a survival matrix, its lifetime."""
    from evhub.model import fleet, lifetime

    rng = np.random.default_rng(seed)
    runs, years, before = 3, 7, 4
    life = lifetime.Weibull(rng.uniform(2, 4, runs), rng.uniform(8, 15, runs))
    survival = lifetime.survival_matrix(life, years=years, cohorts_before=before)
    initial_survival = life.sf(np.arange(before) + lifetime.HALF_YEAR)
    initial = rng.uniform(1e3, 1e4, (runs, 6, before)) * initial_survival[:, None, :]
    result = fleet.inflow_driven_from_survival(
        rng.uniform(1e3, 1e4, (runs, 6, years)),
        survival[:, None],
        initial_stock=initial,
        initial_survival=initial_survival[:, None, :],
    )
    return rng, result, survival, life


def test_cohort_energy_use_equals_the_by_cohort_sums():
    rng, result, survival, _ = _random_fleet(1)
    runs, years, cohorts = survival.shape
    km = rng.uniform(5e3, 2e4, (runs, years, cohorts))
    fuel_int = rng.uniform(4, 9, (runs, 6, cohorts))
    elec_int = rng.uniform(0.1, 0.2, (runs, 6, cohorts))
    share, loss = rng.uniform(0.2, 0.6, runs), rng.uniform(0.05, 0.15, runs)
    vkm = result.stock_by_cohort * km[:, None]
    expected = energy.energy_use(vkm, fuel_int, elec_int, share, loss, SIX)
    got = energy.cohort_energy_use(
        result.cohort_inflow, survival * km, fuel_int, elec_int, share, loss, SIX
    )
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_cohort_retired_capacity_equals_the_by_cohort_sums():
    from evhub.model import lifetime

    rng, result, survival, life = _random_fleet(2)
    runs, years, cohorts = survival.shape
    retirement = lifetime.retirement_matrix(life, years, result.cohorts_before)
    pack = rng.uniform(10, 80, (runs, 6, cohorts))
    expected = battery.retired_capacity(result.outflow_by_cohort, pack)
    got = battery.cohort_retired_capacity(result.cohort_inflow, retirement, pack)
    # q (S_prev - S) against q S_prev - q S: a few roundings of each term
    np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_cohort_retired_capacity_of_the_strided_view_equals_that_of_the_copy_exactly():
    # the view is copied block by block of runs (a last, shorter block too) for the same
    # matrix products as the copy's: the same numbers to the last bit
    from evhub.model import lifetime

    rng = np.random.default_rng(7)
    runs = 103  # more than two of the blocks of runs battery copies at a time (50)
    life = lifetime.Weibull(shape=rng.uniform(2, 4, runs), scale=rng.uniform(10, 20, runs))
    view = lifetime.retirement_matrix(life, 5, 3, copy=False)
    assert not view.flags.c_contiguous
    inflow = rng.uniform(0, 100, (runs, 2, 8))
    pack = rng.uniform(10, 80, (runs, 2, 8))
    copy = lifetime.retirement_matrix(life, 5, 3)
    got = battery.cohort_retired_capacity(inflow, view, pack)
    np.testing.assert_array_equal(got, battery.cohort_retired_capacity(inflow, copy, pack))
    # and each run's is its own: q k R summed over the cohorts, by hand
    run = runs - 1
    expected = np.einsum("pc,yc->py", inflow[run] * pack[run], copy[run]) / 1e6
    np.testing.assert_allclose(got[run], expected, rtol=1e-12)  # rtol: sums of 8 terms


def test_fleet_energy_by_blocks_of_runs_equals_all_runs_at_once_exactly():
    # more runs than two blocks (50 each) and a shorter last one: each run's distance,
    # fuel and electricity are the same to the last bit as from all runs at once
    from evhub.model import fleet, lifetime

    rng = np.random.default_rng(11)
    runs, n_years, before = 103, 6, 3
    years = np.arange(2020.0, 2020.0 + n_years)
    vintages = np.arange(years[0] - before, years[-1] + 1)
    life = lifetime.Weibull(rng.uniform(2, 4, runs), rng.uniform(8, 15, runs))
    survival = lifetime.survival_matrix(life, n_years, before, copy=False)
    cohorts = fleet.inflow_driven_from_survival(
        rng.uniform(1e3, 1e4, (runs, 6, n_years)),
        survival[:, None],
        initial_stock=rng.uniform(1e3, 1e4, (runs, 6, before)),
        initial_survival=life.sf(np.arange(before) + lifetime.HALF_YEAR)[:, None, :],
    ).cohort_inflow
    distance = (
        years[:, None] - vintages[None, :],
        3,
        years,
        2023,
        rng.uniform(1e4, 2e4, runs),
        rng.uniform(0.0, 0.05, runs),
        rng.uniform(-0.01, 0.01, runs),
    )
    use = (
        rng.uniform(4, 9, (runs, 6, before + n_years)),
        rng.uniform(0.1, 0.2, (runs, 6, before + n_years)),
        rng.uniform(0.2, 0.6, runs),
        rng.uniform(0.05, 0.15, runs),
        SIX,
    )
    km, fuel, electricity = energy.fleet_energy(*distance, cohorts, survival, *use)
    survival_km = energy.fleet_distance(*distance, cohorts, survival)
    np.testing.assert_array_equal(km, energy.vehicle_km(cohorts, survival_km))
    expected_fuel, expected_electricity = energy.cohort_energy_use(cohorts, survival_km, *use)
    np.testing.assert_array_equal(fuel, expected_fuel)
    np.testing.assert_array_equal(electricity, expected_electricity)

"""Distance, fuel and electricity of the car fleet.

Distance per car falls with age; energy intensity depends on powertrain and
vintage (new cars improve after the base year); PHEVs drive a share of their
distance on electricity; charging losses scale electricity at the battery up
to electricity from the grid. All functions take a leading ``run`` axis.

Arrays with a cohort axis follow :func:`evhub.model.lifetime.survival_matrix`:
cohorts are ordered by vintage, the first ``cohorts_before`` of them before the
first model year.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from evhub.model.categories import Categories

__all__ = [
    "cohort_energy_use",
    "distance_by_age",
    "electric_distance_share",
    "energy_use",
    "fleet_distance",
    "fleet_energy",
    "fuel_energy",
    "vehicle_km",
    "vintage_intensity",
]

F = NDArray[np.float64]

_L_PER_100KM = 100.0
_KWH_PER_TWH = 1e9
_L_PER_ML = 1e6  # litres per million litres
_PJ_PER_MJ = 1e-9
#: Runs per block in :func:`fleet_energy`: a (run, year, cohort) block of 61 years x 121
#: cohorts is ~3 MB, taken again from the heap, where 500 runs at once are ~30 MB of new memory.
_RUN_BLOCK = 50


def distance_by_age(
    ages: F,
    base_index: int,
    years: F,
    base_year: int,
    annual_distance: F,
    age_decline: F,
    trend: F,
    stock_by_age_base: F,
) -> F:
    r"""Annual distance per car by year and age.

    Parameters
    ----------
    ages : (year, cohort)
        Age of each cohort at the end of each year [yr] (negative: not yet sold).
    base_index
        Index of the base year in ``years``.
    years : (year,)
        Model years [yr].
    base_year
        Last observed year [yr].
    annual_distance : (run,)
        Fleet-average distance per car in the base year [km/veh/yr].
    age_decline : (run,)
        Relative decline of distance per year of age [1/yr].
    trend : (run,)
        Change of distance per car after the base year [1/yr].
    stock_by_age_base : (run, cohort)
        Stock by cohort at the end of the base year [veh].

    Returns
    -------
    (run, year, cohort)
        Distance [km/veh/yr].

    Notes
    -----
    :math:`d(y, a) = D_y (1 - \delta)^a`, with :math:`D_{y_0}` chosen so that
    the stock-weighted average in the base year equals the observed
    ``annual_distance``, :math:`D_y = D_{y_0}` before and
    :math:`D_{y_0} (1 + \tau)^{y - y_0}` after the base year.
    """
    age = np.maximum(ages, 0.0)
    whole = np.arange(int(age.max()) + 1, dtype=float)
    if np.array_equal(age, np.round(age)):  # whole-year ages: power each age once, then gather
        by_age = (1.0 - age_decline[:, None]) ** whole[None, :]  # (run, age)
        index = age.astype(np.intp)
        profile = _toeplitz_view(by_age, index)  # (run, year, cohort), no copy
        if profile is None:
            profile = np.take(by_age, index, axis=1)
    else:
        profile = (1.0 - age_decline[:, None, None]) ** age[None, :, :]
    weights = stock_by_age_base
    mean_profile = (profile[:, base_index, :] * weights).sum(axis=1) / weights.sum(axis=1)
    level = annual_distance / mean_profile  # (run,)
    steps = np.maximum(years - base_year, 0)[None, :]
    level_y = level[:, None] * (1.0 + trend[:, None]) ** steps  # (run, year)
    if not profile.flags.writeable:  # a view: the product is the one new array
        out: F = np.multiply(profile, level_y[:, :, None])
        return out
    profile *= level_y[:, :, None]  # in place: the largest array of the chain (run x year x cohort)
    return profile


def _toeplitz_view(by_age: F, index: NDArray[np.intp]) -> F | None:
    """``by_age[:, index]`` as a read-only strided view, if ``index`` is Toeplitz; else ``None``.

    ``index`` (year, cohort) is Toeplitz when ``index[t, c] = max(t - c + k, 0)``
    (the whole ages of cohorts by vintage: age = year - vintage, 0 before the
    sale): then every row is one line of ``by_age`` read backwards from a
    shifted start, and the (run, year, cohort) gather needs no memory of its own
    (as :func:`evhub.model.lifetime.survival_matrix` with ``copy=False``).
    """
    n_years, n_cohorts = index.shape
    k = int(index[0, 0])
    offsets = np.arange(n_years)[:, None] - np.arange(n_cohorts)[None, :] + k
    if not np.array_equal(index, np.maximum(offsets, 0)):
        return None
    # line[m] = by_age[max(m - (n_cohorts - 1) + k, 0)]; entry (t, c) is line[t - c + n_cohorts - 1]
    line = np.maximum(np.arange(n_years + n_cohorts - 1) - (n_cohorts - 1) + k, 0)
    backwards = np.ascontiguousarray(by_age[:, line[::-1]])  # (run, year + cohort - 1)
    view: F = sliding_window_view(backwards, n_cohorts, axis=-1)[:, ::-1, :]
    return view


def fleet_distance(
    ages: F,
    base_index: int,
    years: F,
    base_year: int,
    annual_distance: F,
    age_decline: F,
    trend: F,
    cohort_inflow: F,
    survival: F,
) -> F:
    r"""Distance per car sold, by year and cohort: survival times distance per car.

    Parameters
    ----------
    ages, base_index, years, base_year, annual_distance, age_decline, trend
        As in :func:`distance_by_age`.
    cohort_inflow : (run, powertrain, cohort)
        Inflow of each cohort [veh/yr] (see :class:`evhub.model.fleet.FleetResult`).
    survival : (run, year, cohort)
        Survival matrix [1].

    Returns
    -------
    (run, year, cohort)
        :math:`S_{t,c}\, d_{t,c}` [km/veh/yr], with the distance per car
        :math:`d` of :func:`distance_by_age` weighted by the base year's
        stock of all powertrains.
    """
    stock_base = cohort_inflow.sum(axis=1) * survival[:, base_index, :]  # (run, cohort)
    km = distance_by_age(
        ages, base_index, years, base_year, annual_distance, age_decline, trend, stock_base
    )
    km *= survival  # in place (a new array of distance_by_age)
    return km


def fleet_energy(
    ages: F,
    base_index: int,
    years: F,
    base_year: int,
    annual_distance: F,
    age_decline: F,
    trend: F,
    cohort_inflow: F,
    survival: F,
    fuel_intensity: F,
    electric_intensity: F,
    plug_in_hybrid_share: F,
    charging_loss: F,
    categories: Categories,
) -> tuple[F, F, F]:
    r"""Distance, fuel and electricity of the fleet, block by block of runs.

    :func:`fleet_distance`, then :func:`vehicle_km` and
    :func:`cohort_energy_use` on it, for a block of runs at a time: each run's
    numbers are the same as at once, while the (run, year, cohort) distances
    of a block stay small enough to be reused memory.

    Parameters
    ----------
    ages, base_index, years, base_year, annual_distance, age_decline, trend
        As in :func:`distance_by_age`.
    cohort_inflow, survival
        As in :func:`fleet_distance`.
    fuel_intensity, electric_intensity, plug_in_hybrid_share, charging_loss, categories
        As in :func:`cohort_energy_use`.

    Returns
    -------
    vehicle_km : (run, powertrain, year)
        [km/yr]
    fuel : (run, fuel, year)
        [Ml/yr]
    electricity : (run, year)
        [TWh/yr]
    """
    runs, n_pt, _ = cohort_inflow.shape
    n_years = years.shape[0]
    km = np.empty((runs, n_pt, n_years))
    fuel = np.empty((runs, len(categories.fuels), n_years))
    electricity = np.empty((runs, n_years))
    for start in range(0, runs, _RUN_BLOCK):
        s = slice(start, min(start + _RUN_BLOCK, runs))
        survival_km = fleet_distance(
            ages,
            base_index,
            years,
            base_year,
            annual_distance[s],
            age_decline[s],
            trend[s],
            cohort_inflow[s],
            survival[s],
        )
        km[s] = vehicle_km(cohort_inflow[s], survival_km)
        fuel[s], electricity[s] = cohort_energy_use(
            cohort_inflow[s],
            survival_km,
            fuel_intensity[s],
            electric_intensity[s],
            plug_in_hybrid_share[s],
            charging_loss[s],
            categories,
        )
    return km, fuel, electricity


def vehicle_km(cohort_inflow: F, survival_km: F) -> F:
    r"""Distance driven by the fleet.

    Parameters
    ----------
    cohort_inflow : (run, powertrain, cohort)
        Inflow of each cohort [veh/yr].
    survival_km : (run, year, cohort)
        Survival times distance per car (:func:`fleet_distance`) [km/veh/yr].

    Returns
    -------
    (run, powertrain, year)
        :math:`\sum_c q_{p,c} S_{t,c} d_{t,c}` [km/yr], a matrix product per run.
    """
    out: F = np.matmul(cohort_inflow, survival_km.transpose(0, 2, 1))
    return out


def fuel_energy(fuel_ml: F, energy_density: F) -> F:
    """Energy content of the fuel used.

    Parameters
    ----------
    fuel_ml : (run, fuel, year)
        [Ml/yr]
    energy_density : (fuel,)
        [MJ/l]

    Returns
    -------
    (run, fuel, year)
        [PJ/yr]
    """
    out: F = fuel_ml * _L_PER_ML * energy_density[None, :, None] * _PJ_PER_MJ
    return out


def vintage_intensity(vintages: F, base_year: int, base_intensity: F, improvement: F) -> F:
    r"""Energy intensity by powertrain and vintage.

    Parameters
    ----------
    vintages : (cohort,)
        Year of first registration of each cohort [yr].
    base_year
        [yr]
    base_intensity : (run, powertrain)
        Real-world intensity in the base year [l/100km or kWh/km].
    improvement : (run, powertrain)
        Annual improvement of new cars after the base year [1/yr].

    Returns
    -------
    (run, powertrain, cohort)
        :math:`I_p (1 - r_p)^{\max(0, v - y_0)}`: vintages up to the base year
        keep the observed real-world stock average.
    """
    steps = np.maximum(vintages - base_year, 0)[None, None, :]
    out: F = base_intensity[:, :, None] * (1.0 - improvement[:, :, None]) ** steps
    return out


def energy_use(
    vehicle_km: F,
    fuel_intensity: F,
    electric_intensity: F,
    plug_in_hybrid_share: F,
    charging_loss: F,
    categories: Categories,
) -> tuple[F, F]:
    r"""Fuel by type and electricity from the grid.

    Parameters
    ----------
    vehicle_km : (run, powertrain, year, cohort)
        Distance driven [km/yr].
    fuel_intensity : (run, powertrain, cohort)
        Fuel use [l/100km]; ignored for powertrains that burn no fuel.
    electric_intensity : (run, powertrain, cohort)
        Electricity from the battery [kWh/km]; used for powertrains with a plug.
    plug_in_hybrid_share : (run,) or (run, plug-in hybrid)
        Share of a plug-in hybrid's distance on electricity [1] (see
        :func:`electric_distance_share`).
    charging_loss : (run,)
        Grid-to-battery loss [1].
    categories
        Which fuel each powertrain burns and which have a plug.

    Returns
    -------
    fuel : (run, fuel, year)
        Fuel use [Ml/yr] (million litres).
    electricity : (run, year)
        Electricity from the grid [TWh/yr].

    Notes
    -----
    A plug-in hybrid's distance (a plug and a fuel) is split into :math:`e` on
    electricity and :math:`1 - e` on fuel. Grid electricity is battery
    electricity divided by :math:`1 - \ell`.
    """
    electric_km_share = electric_distance_share(categories, plug_in_hybrid_share)
    fuel_km = vehicle_km * (1.0 - electric_km_share)[:, :, None, None]
    elec_km = vehicle_km * electric_km_share[:, :, None, None]
    litres = np.einsum("rpyc,rpc->rpy", fuel_km, fuel_intensity) / _L_PER_100KM
    battery_kwh = np.einsum("rpyc,rpc->ry", elec_km, electric_intensity)
    return _fuel_and_grid(litres, battery_kwh, charging_loss, categories)


def cohort_energy_use(
    cohort_inflow: F,
    survival_km: F,
    fuel_intensity: F,
    electric_intensity: F,
    plug_in_hybrid_share: F,
    charging_loss: F,
    categories: Categories,
) -> tuple[F, F]:
    r""":func:`energy_use` from the inflow of each cohort, without the cohort arrays.

    Parameters
    ----------
    cohort_inflow : (run, powertrain, cohort)
        Inflow of each cohort [veh/yr] (see :class:`evhub.model.fleet.FleetResult`).
    survival_km : (run, year, cohort)
        Survival times distance per car, :math:`S_{t,c}\, d_{t,c}` [km/veh/yr].
    fuel_intensity, electric_intensity, plug_in_hybrid_share, charging_loss, categories
        As in :func:`energy_use`.

    Returns
    -------
    fuel : (run, fuel, year)
        Fuel use [Ml/yr].
    electricity : (run, year)
        Electricity from the grid [TWh/yr].

    Notes
    -----
    The distance of a cohort is :math:`q_{p,c} S_{t,c} d_{t,c}`, so the fuel
    :math:`\sum_c q_{p,c} I_{p,c} S_{t,c} d_{t,c}` is a matrix product per run:
    the same sums as :func:`energy_use` without the (run, powertrain, year,
    cohort) arrays.
    """
    electric_km_share = electric_distance_share(categories, plug_in_hybrid_share)
    sk = survival_km.transpose(0, 2, 1)  # (run, cohort, year)
    litres = np.matmul(cohort_inflow * fuel_intensity, sk)
    litres *= (1.0 - electric_km_share)[:, :, None] / _L_PER_100KM
    electric = np.matmul(cohort_inflow * electric_intensity, sk)
    battery_kwh = (electric * electric_km_share[:, :, None]).sum(axis=1)
    return _fuel_and_grid(litres, battery_kwh, charging_loss, categories)


def electric_distance_share(categories: Categories, plug_in_hybrid_share: F) -> F:
    """Share of each powertrain's distance driven on electricity (run, powertrain) [1].

    All of it for a powertrain with a plug and no fuel, ``plug_in_hybrid_share``
    for one with a plug and a fuel, none for the others. ``plug_in_hybrid_share``
    is (run,), the same for each such powertrain, or (run, plug-in hybrid), one
    for each in the powertrains' order.

    Examples
    --------
    >>> from evhub.model.categories import Categories
    >>> cats = Categories(("petrol", "phev", "bev"), ("petrol",), np.array([0, 0, -1]),
    ...                   np.array([False, True, True]), (), (), (),
    ...                   battery=np.array([False, True, True]), groups=("ice", "phev", "bev"),
    ...                   group_of=np.array([0, 1, 2]), eu_cvd=np.array([False, False, True]),
    ...                   converted_from=np.array([-1, -1, -1]))
    >>> electric_distance_share(cats, np.array([0.4])).tolist()
    [[0.0, 0.4, 1.0]]
    """
    burns = categories.fuel_of >= 0
    runs = plug_in_hybrid_share.shape[0]
    share: F = np.where(categories.plug & ~burns, 1.0, 0.0)[None, :].repeat(runs, axis=0)
    # one share for every plug-in hybrid (run,), or one each (run, plug-in hybrid)
    share[:, categories.plug & burns] = plug_in_hybrid_share.reshape(runs, -1)
    return share


def _fuel_and_grid(
    litres: F, battery_kwh: F, charging_loss: F, categories: Categories
) -> tuple[F, F]:
    """Litres by powertrain -> Ml by fuel; battery kWh -> grid TWh."""
    runs, _, years = litres.shape
    fuel = np.zeros((runs, len(categories.fuels), years))
    for p, f in enumerate(categories.fuel_of):
        if f >= 0:
            fuel[:, f] += litres[:, p]
    electricity: F = battery_kwh / (1.0 - charging_loss[:, None]) / _KWH_PER_TWH
    fuel_ml: F = fuel / _L_PER_ML
    return fuel_ml, electricity

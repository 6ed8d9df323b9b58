"""The model chain for the car fleet: sales -> fleet -> energy -> CO2 -> batteries -> hub.

:func:`simulate` composes the modules for any number of runs at once. Inputs
come in two parts: :class:`ChainInputs`, the dataset's arrays (no run axis),
and :class:`~evhub.model.parameters.ChainParameters`, every scenario
parameter as a typed array with a leading run axis. Nothing here reads files
or knows about scenarios.

This module only wires: it takes parameters from their groups, slices, sums module outputs to
the shapes of :class:`ChainOutputs` and passes them on; every equation is in
the module named for it (:mod:`~evhub.model.history`,
:mod:`~evhub.model.market`, :mod:`~evhub.model.fleet`,
:mod:`~evhub.model.energy`, :mod:`~evhub.model.emissions`,
:mod:`~evhub.model.battery`, :mod:`~evhub.model.pipeline`,
:mod:`~evhub.model.production`, :mod:`~evhub.model.trade`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from evhub.model import (
    battery,
    emissions,
    energy,
    fleet,
    history,
    lifetime,
    market,
    pipeline,
    production,
    trade,
)

# Projects, project_terms and project_flows live in evhub.model.pipeline; they
# are re-exported for the callers that still import them from here.
from evhub.model.categories import Categories
from evhub.model.parameters import (
    ChainParameters,
    ClassParameters,
    FleetParameters,
    PipelineParameters,
)
from evhub.model.pipeline import Projects, project_flows, project_terms

__all__ = [
    "ChainInputs",
    "ChainOutputs",
    "Projects",
    "make_lifetime",
    "one_class",
    "project_flows",
    "project_terms",
    "simulate",
    "simulate_hub",
]

F = NDArray[np.float64]


@dataclass(frozen=True)
class ChainInputs:
    """Dataset arrays the chain needs (no run axis).

    Attributes
    ----------
    years : (year,)
        Model years [yr].
    base_year
        Last observed year [yr].
    cohorts_before
        Number of cohorts before the first model year in the initial stock.
    sales : (year,)
        Observed new-car sales [veh/yr], NaN where not observed.
    stock : (year,)
        Observed car stock, interpolated between observed years [veh]; NaN
        after the last observation.
    history_shares : (year, powertrain)
        Observed sales shares, interpolated between anchor years [1]; rows
        after the base year are unused.
    initial_shares : (powertrain,)
        Powertrain mix of the stock before the first model year [1].
    population : (year,)
        [persons]
    gdp_per_capita : (year,)
        Observed [USD2015/person], NaN after the base year.
    gdp_growth_years : (anchor,)
        Years at which GDP growth is given [yr].
    ownership_obs, gdp_obs : (obs,)
        Observed cars per 1,000 people and GDP per capita for the Gompertz fit.
    grid_intensity : (year,)
        Observed grid intensity [gCO2/kWh], NaN after the base year.
    renewable_share : (year,)
        Observed renewable share [1], NaN after the base year.
    renewable_years : (anchor,)
        Years of the renewable-share path after the base year [yr].
    co2_factor, energy_density : (fuel,)
        [kgCO2/l], [MJ/l]
    material_intensity : (chemistry, material)
        [kg/kWh]
    ghg_reference
        National GHG in the latest observed year [MtCO2e/yr].
    ghg_targets
        National targets by year [MtCO2e/yr].
    projects
        The pipeline registry as arrays (:class:`evhub.model.pipeline.Projects`).
    utilisation_history : (year,)
        Share of usable car-plant capacity used, derived from observed
        production [1]; NaN where production is not observed.
    export_share_history : (year,)
        Share of production exported, observed [1]; NaN where not observed.
    origin_base : (origin,)
        Origin split of imported cars in the base year [1].
    duty_base : (origin,)
        Duty on imported cars by origin in the base year [1].
    eu_cvd_base
        EU countervailing duty on China-built BEVs in the base year [1].
    history_pipeline
        The pipeline parameters of the dataset's defaults (one run): the
        history years use these, so no scenario, override or sample changes
        what was observed; ``None`` to use the scenario's in every year.
    history_eu_export_share
        The dataset's default of ``trade.eu_export_share`` [1], used in the
        history years likewise; ``None`` to use the scenario's.
    categories
        Axis orders and attributes of the dataset's categories.
    """

    years: F
    base_year: int
    cohorts_before: int
    sales: F
    stock: F
    history_shares: F
    initial_shares: F
    population: F
    gdp_per_capita: F
    gdp_growth_years: F
    ownership_obs: F
    gdp_obs: F
    grid_intensity: F
    renewable_share: F
    renewable_years: F
    co2_factor: F
    energy_density: F
    material_intensity: F
    ghg_reference: float
    ghg_targets: Mapping[int, float]
    projects: pipeline.Projects
    utilisation_history: F
    export_share_history: F
    origin_base: F
    duty_base: F
    eu_cvd_base: float
    history_pipeline: PipelineParameters | None
    history_eu_export_share: float | None
    categories: Categories


@dataclass(frozen=True)
class ChainOutputs:
    """Everything the chain computes; units in each field's comment.

    Shapes use ``run``, ``powertrain`` (6), ``fuel`` (3), ``material`` (5) and
    ``year``.
    """

    sales: F  # (run, powertrain, year) [veh/yr]
    stock: F  # (run, powertrain, year) [veh]
    retirements: F  # (run, powertrain, year) [veh/yr]
    fleet_inflow: F  # (run, powertrain, year) [veh/yr], sales after LPG conversion
    vehicle_km: F  # (run, powertrain, year) [km/yr]
    fuel_energy: F  # (run, fuel, year) [PJ/yr]
    electricity: F  # (run, year) [TWh/yr]
    co2_tank_to_wheel: F  # (run, year) [MtCO2/yr]
    co2_electricity: F  # (run, year) [MtCO2/yr]
    co2_target: F  # (run, year) [MtCO2/yr]
    grid_intensity: F  # (run, year) [gCO2/kWh]
    battery_demand: F  # (run, year) [GWh/yr]
    battery_retired: F  # (run, year) [GWh/yr]
    battery_second_life: F  # (run, year) [GWh/yr]
    battery_recycling: F  # (run, year) [GWh/yr]
    materials: F  # (run, material, year) [kt/yr]
    ownership: F  # (run, year) [veh/1000 persons]
    capacity: F  # (run, project, year) usable capacity [veh/yr or GWh/yr]
    production: F  # (run, class, year) [veh/yr]
    domestic_sales: F  # (run, class, year) domestic-made sales [veh/yr]
    exports: F  # (run, class, year) [veh/yr]
    exports_eu: F  # (run, year) [veh/yr]
    imports: F  # (run, origin, year) [veh/yr]
    trade_balance: F  # (run, year) [bn USD/yr]
    investment: F  # (run, year) [million USD/yr]
    employment: F  # (run, year) [persons]
    cell_demand: F  # (run, year) cells for domestic car production [GWh/yr]
    cell_supply: F  # (run, year) [GWh/yr]
    cell_imports: F  # (run, year) [GWh/yr]
    cell_self_sufficiency: F  # (run, year) [1]


def make_lifetime(fleet: FleetParameters) -> lifetime.Lifetime:
    """The lifetime distribution of a scenario, vectorised over runs.

    Parameters
    ----------
    fleet
        ``lifetime_distribution`` picks the parameters: ``lifetime_shape`` [1]
        and ``lifetime_scale`` [yr] (Weibull), ``lifetime_mean`` and
        ``lifetime_sd`` [yr] (normal, lognormal) or ``lifetime_years`` [yr]
        (fixed), each (run,).

    Returns
    -------
    lifetime.Lifetime
        With parameters of shape (run,).

    Raises
    ------
    ValueError
        For another distribution.
    """
    distribution = fleet.lifetime_distribution
    if distribution == "weibull":
        return lifetime.Weibull(shape=fleet.lifetime_shape, scale=fleet.lifetime_scale)
    if distribution == "normal":
        return lifetime.Normal(mean=fleet.lifetime_mean, sd=fleet.lifetime_sd)
    if distribution == "lognormal":
        return lifetime.LogNormal(mean=fleet.lifetime_mean, sd=fleet.lifetime_sd)
    if distribution == "fixed":
        return lifetime.Fixed(years=fleet.lifetime_years)
    msg = f"fleet.lifetime.distribution = {distribution!r} is not weibull, normal, lognormal, fixed"
    raise ValueError(msg)


def simulate(inputs: ChainInputs, params: ChainParameters) -> ChainOutputs:
    """Run the chain for every run at once.

    Parameters
    ----------
    inputs
        Dataset arrays.
    params
        Scenario parameters, each with a leading run axis, in model units
        (shares and rates as fractions).

    Returns
    -------
    ChainOutputs
    """
    years = inputs.years
    n = len(years)
    base_year = inputs.base_year
    b = int(np.searchsorted(years, base_year))
    own = one_class(params)
    fleet_p, market_p, energy_p, pack_p, battery_p = (
        own.fleet,
        own.market,
        own.energy,
        own.pack,
        params.battery,
    )
    runs = params.runs
    nb = inputs.cohorts_before
    cats = inputs.categories

    # --- the history and total sales -------------------------------------------
    life = make_lifetime(fleet_p)
    survival = lifetime.survival_matrix(life, years=n, cohorts_before=nb)  # (run, year, cohort)
    growth0 = fleet_p.initial_stock_growth
    first = history.first_stock(inputs.stock, growth0)
    initial_by_age, initial_survival = history.initial_stock(life, nb, growth0, first)
    given, target = history.history_targets(years, base_year, inputs.sales, inputs.stock, first)
    past = history.history_fleet(survival, initial_by_age, initial_survival, given, target)

    gdp_growth = market.interpolate_anchors(
        years, inputs.gdp_growth_years, params.economy.gdp_growth
    )
    gdp = market.gdp_per_capita_path(
        years, base_year, inputs.gdp_per_capita, gdp_growth, inputs.population
    )
    saturation = market_p.saturation
    alpha, beta = market.fit_gompertz(inputs.ownership_obs, inputs.gdp_obs, saturation)
    ownership_curve = market.gompertz(gdp, saturation, alpha, beta)
    if market_p.sales_mode == "ownership":
        total_sales = market.sales_from_ownership(
            past, survival, initial_survival, ownership_curve, inputs.population
        )
    else:
        base_sales = float(inputs.sales[b])
        grown = market.growth_sales(years, base_year, base_sales, market_p.growth_rate)
        total_sales = np.concatenate([past.inflow, grown[:, b + 1 :]], axis=1)

    # --- powertrain mix and the fleet ------------------------------------------
    ban = market_p.ice_ban_year
    shares = market.powertrain_shares(
        years,
        base_year,
        inputs.history_shares,
        market_p.share_ceiling,
        market_p.share_midpoint_year,
        market_p.share_steepness,
        np.where(np.isnan(ban), np.inf, ban),  # NaN: no ban
        cats,
    )
    sales = market.powertrain_sales(total_sales, shares)  # (run, pt, year)
    inflow = market.fleet_inflow(sales, fleet_p.lpg_conversion_share, cats.converted_from)
    initial_stock = history.initial_stock_by_powertrain(initial_by_age, inputs.initial_shares)
    result = fleet.inflow_driven_from_survival(
        inflow,
        survival[:, None, :, :],
        initial_stock=initial_stock,
        initial_survival=initial_survival[:, None, :],
    )
    # by-cohort sums as matrix products over the cohort axis (see energy.cohort_energy_use)
    cohorts = result.cohort_inflow  # (run, pt, cohort)

    # --- energy ----------------------------------------------------------------
    vintages = np.arange(years[0] - nb, years[-1] + 1, dtype=float)
    ages = years[:, None] - vintages[None, :]
    survival_km = energy.fleet_distance(
        ages,
        b,
        years,
        base_year,
        energy_p.annual_distance,
        energy_p.distance_age_decline,
        energy_p.distance_trend,
        cohorts,
        survival,
    )  # (run, year, cohort)
    fuel_base = _scatter(energy_p.fuel_intensity, cats.fuel_of >= 0, runs)
    elec_base = _scatter(energy_p.electric_intensity, cats.plug, runs)
    improve = energy_p.intensity_improvement
    fuel_ml, electricity = energy.cohort_energy_use(
        cohorts,
        survival_km,
        energy.vintage_intensity(vintages, base_year, fuel_base, improve),
        energy.vintage_intensity(vintages, base_year, elec_base, improve),
        energy_p.electric_share,
        energy_p.charging_loss,
        cats,
    )

    # --- emissions ---------------------------------------------------------------
    ttw = emissions.tank_to_wheel(fuel_ml, inputs.co2_factor).sum(axis=1)
    renewable = emissions.renewable_share_path(
        years,
        base_year,
        inputs.renewable_share,
        inputs.renewable_years,
        params.grid.renewable_share,
    )
    grid = emissions.grid_intensity_path(years, base_year, inputs.grid_intensity, renewable)
    co2_elec = emissions.electricity_co2(electricity, grid)
    co2_target = emissions.target_path(
        years, base_year, ttw[:, b] + co2_elec[:, b], inputs.ghg_reference, dict(inputs.ghg_targets)
    )

    # --- batteries -----------------------------------------------------------------
    pack_growth = _scatter(pack_p.pack_growth, cats.plug, runs)
    pack = battery.pack_by_vintage(
        vintages, base_year, _scatter(pack_p.pack_capacity, cats.battery, runs), pack_growth
    )  # (run, pt, cohort)
    demand = battery.capacity_demand(sales, pack[:, :, nb:]).sum(axis=1)
    retirement = lifetime.retirement_matrix(life, years=n, cohorts_before=nb)
    retired = battery.cohort_retired_capacity(cohorts, retirement, pack).sum(axis=1)
    second_life, recycling = battery.end_of_life(
        retired, battery_p.second_life_share, battery_p.recycling_share
    )
    chemistry = battery.chemistry_shares(
        years,
        base_year,
        battery_p.chemistry_share,
        battery_p.chemistry_share_final,
        battery_p.chemistry_year,
    )
    materials = battery.material_demand(demand, chemistry, inputs.material_intensity)
    made = simulate_hub(inputs, params, sales, pack[:, :, nb:])

    return ChainOutputs(
        sales=sales,
        stock=result.stock,
        retirements=result.outflow,
        fleet_inflow=inflow,
        vehicle_km=energy.vehicle_km(cohorts, survival_km),
        fuel_energy=energy.fuel_energy(fuel_ml, inputs.energy_density),
        electricity=electricity,
        co2_tank_to_wheel=ttw,
        co2_electricity=co2_elec,
        co2_target=co2_target,
        grid_intensity=grid,
        battery_demand=demand,
        battery_retired=retired,
        battery_second_life=second_life,
        battery_recycling=recycling,
        materials=materials,
        ownership=market.ownership(result.stock, inputs.population),
        **made,
    )


def simulate_hub(inputs: ChainInputs, params: ChainParameters, sales: F, pack: F) -> dict[str, F]:
    """Pipeline -> capacity -> production -> trade and cells, for every run.

    Parameters
    ----------
    inputs
        Dataset arrays (the registry in ``inputs.projects``).
    params
        Scenario parameters; this reads the ``pipeline`` and ``trade`` groups
        (see :func:`evhub.model.pipeline.project_terms` for the pipeline's).
    sales : (run, powertrain, year)
        New-car sales [veh/yr].
    pack : (run, powertrain, year)
        Average pack of a new car [kWh/veh].

    Returns
    -------
    dict
        The hub fields of :class:`ChainOutputs`.
    """
    years = inputs.years
    base_year = inputs.base_year
    pj = inputs.projects
    runs = sales.shape[0]
    tp = one_class(params).trade

    capacity, invest, jobs = pipeline.project_flows_with_history(
        pj, params.pipeline, inputs.history_pipeline, years, base_year
    )
    cats = inputs.categories
    mix = production.plant_mix(pj, params.pipeline.default_mix)
    utilisation = history.splice(
        years, base_year, inputs.utilisation_history, tp.utilisation[:, None]
    )
    made = production.production(capacity, utilisation, pj.relative_utilisation, mix)

    export_share = history.splice(
        years, base_year, inputs.export_share_history, tp.export_share[:, None]
    )
    by_class = trade.sales_by_class(sales, cats)
    domestic, exports, imports = trade.trade_split(made, by_class, export_share)
    duty = history.splice(years, base_year, inputs.duty_base[None, :, None], tp.duty[:, :, None])
    imports_by_origin = trade.imports_by_origin(
        imports, inputs.origin_base, duty, inputs.duty_base, tp.origin_elasticity
    )
    observed = inputs.history_eu_export_share
    eu_observed = tp.eu_export_share if observed is None else np.full(runs, observed)
    eu_base = history.splice(years, base_year, eu_observed[:, None], tp.eu_export_share[:, None])
    cvd = history.splice(years, base_year, inputs.eu_cvd_base, tp.eu_cvd[:, None])
    exports_eu = trade.eu_exports(exports, eu_base, cvd, inputs.eu_cvd_base, tp.eu_elasticity, cats)
    balance = trade.trade_balance(exports, tp.export_price, imports_by_origin, tp.import_price)
    cell_demand = production.cell_demand(made, pack, cats)
    supply, cell_imports, sufficiency = trade.cell_balance(
        cell_demand, pipeline.cell_capacity(pj, capacity), params.battery.cell_utilisation
    )
    return {
        "capacity": capacity,
        "production": made,
        "domestic_sales": domestic,
        "exports": exports,
        "exports_eu": exports_eu,
        "imports": imports_by_origin,
        "trade_balance": balance,
        "investment": invest,
        "employment": jobs,
        "cell_demand": cell_demand,
        "cell_supply": supply,
        "cell_imports": cell_imports,
        "cell_self_sufficiency": sufficiency,
    }


def one_class(params: ChainParameters) -> ClassParameters:
    """The parameters of the one vehicle class the chain runs.

    Raises
    ------
    ValueError
        For parameters of more than one class: the chain runs one class so far.
    """
    if len(params.classes) != 1:
        msg = f"the chain runs one vehicle class; the parameters hold {len(params.classes)}"
        raise ValueError(msg)
    return params.classes[0]


def _scatter(values: F, mask: NDArray[np.bool_], runs: int) -> F:
    """(run, member) values of the members ``mask`` picks, placed on the full axis; 0 elsewhere."""
    out = np.zeros((runs, len(mask)))
    out[:, mask] = values
    return out

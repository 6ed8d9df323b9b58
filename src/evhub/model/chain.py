"""The model chain for every vehicle class: sales -> fleet -> energy -> CO2 -> batteries -> hub.

:func:`simulate` composes the modules for any number of runs at once. Inputs
come in two parts: :class:`ChainInputs`, the dataset's arrays (no run axis;
each vehicle class's own in :class:`ClassInputs`), and
:class:`~evhub.model.parameters.ChainParameters`, every scenario parameter as
a typed array with a leading run axis (each class's own in
:class:`~evhub.model.parameters.ClassParameters`). The classes run one after
the other (a loop over classes, never over runs); their results are stacked
on a ``vehicle_class`` axis right after ``run``. Nothing here reads files or
knows about scenarios.

This module only wires: it takes parameters from their groups, slices, sums module outputs to
the shapes of :class:`ChainOutputs` and passes them on; every equation is in
the module named for it (:mod:`~evhub.model.history`,
:mod:`~evhub.model.market`, :mod:`~evhub.model.fleet`,
:mod:`~evhub.model.energy`, :mod:`~evhub.model.emissions`,
:mod:`~evhub.model.battery`, :mod:`~evhub.model.pipeline`,
:mod:`~evhub.model.production`, :mod:`~evhub.model.trade`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from evhub.model import (
    battery,
    buyers,
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
    FleetParameters,
    PipelineParameters,
    PolicyParameters,
)
from evhub.model.pipeline import Projects, project_flows, project_terms
from evhub.model.purchase import LITRES_PER_100KM

__all__ = [
    "ChainInputs",
    "ChainOutputs",
    "ClassInputs",
    "Projects",
    "make_lifetime",
    "project_flows",
    "project_terms",
    "simulate",
    "simulate_hub",
]

F = NDArray[np.float64]


@dataclass(frozen=True)
class ClassInputs:
    """A vehicle class's own dataset arrays (no run axis).

    Built from the class's view of the dataset
    (:meth:`evhub.dataset.Dataset.of_class`).

    Attributes
    ----------
    sales : (year,)
        Observed new-vehicle sales [veh/yr], NaN where not observed.
    stock : (year,)
        Observed stock, interpolated between observed years [veh]; NaN
        after the last observation.
    history_shares : (year, powertrain)
        Observed sales shares, interpolated between anchor years [1]; rows
        after the base year are unused.
    initial_shares : (powertrain,)
        Powertrain mix of the stock before the first model year [1].
    ownership_obs, gdp_obs : (obs,)
        Observed vehicles per 1,000 people and GDP per capita for the
        Gompertz fit [veh/1000 persons], [USD2015/person].
    utilisation_history : (year,)
        Share of usable capacity of the class's plants used, derived from
        observed production [1]; NaN where production is not observed.
    export_share_history : (year,)
        Share of the class's production exported, observed [1]; NaN where
        not observed.
    origin_base : (origin,)
        Origin split of imported vehicles in the base year [1]; a class whose
        buyers do not choose keeps it after the base year.
    eu_cvd_base
        EU countervailing duty on the vehicles it covers in the base year [1].
    history_eu_export_share
        The dataset's default of the class's ``trade.eu_export_share`` [1],
        used in the history years (no scenario, override or sample changes
        what was observed); ``None`` to use the scenario's.
    choice
        The class's arrays of the choice model (:mod:`evhub.model.buyers`);
        ``None`` if the dataset does not price the class (its shares then
        follow the logistic curves).
    """

    sales: F
    stock: F
    history_shares: F
    initial_shares: F
    ownership_obs: F
    gdp_obs: F
    utilisation_history: F
    export_share_history: F
    origin_base: F
    eu_cvd_base: float
    history_eu_export_share: float | None
    choice: buyers.ChoiceInputs | None = None


@dataclass(frozen=True)
class ChainInputs:
    """Dataset arrays the chain needs (no run axis): shared, and each class's own.

    Attributes
    ----------
    years : (year,)
        Model years [yr].
    base_year
        Last observed year [yr].
    cohorts_before
        Number of cohorts before the first model year in the initial stock.
    population : (year,)
        [persons]
    gdp_per_capita : (year,)
        Observed [USD2015/person], NaN after the base year.
    gdp_growth_years : (anchor,)
        Years at which GDP growth is given [yr].
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
    history_pipeline
        The pipeline parameters of the dataset's defaults (one run): the
        history years use these, so no scenario, override or sample changes
        what was observed; ``None`` to use the scenario's in every year.
    categories
        Axis orders and attributes of the dataset's categories.
    classes
        Each vehicle class's own arrays (:class:`ClassInputs`), in the order
        of the dataset's classes (the ``vehicle_class`` axis of the outputs).
    """

    years: F
    base_year: int
    cohorts_before: int
    population: F
    gdp_per_capita: F
    gdp_growth_years: F
    grid_intensity: F
    renewable_share: F
    renewable_years: F
    co2_factor: F
    energy_density: F
    material_intensity: F
    ghg_reference: float
    ghg_targets: Mapping[int, float]
    projects: pipeline.Projects
    history_pipeline: PipelineParameters | None
    categories: Categories
    classes: tuple[ClassInputs, ...]


@dataclass(frozen=True)
class ChainOutputs:
    """Everything the chain computes; units in each field's comment.

    Shapes use ``run``, ``vehicle_class`` (the dataset's classes, in order),
    ``powertrain``, ``fuel``, ``material``, ``group`` (the powertrain groups,
    the output classes of vehicle plants), ``origin`` (of imports),
    ``project`` and ``year``. A class's own results have the
    ``vehicle_class`` axis right after ``run``; the grid, the pipeline's
    capacity, investment and jobs, and the cell balance are shared.
    """

    sales: F  # (run, vehicle_class, powertrain, year) [veh/yr]
    stock: F  # (run, vehicle_class, powertrain, year) [veh]
    retirements: F  # (run, vehicle_class, powertrain, year) [veh/yr]
    fleet_inflow: F  # (run, vehicle_class, powertrain, year) [veh/yr], sales after conversions
    vehicle_km: F  # (run, vehicle_class, powertrain, year) [km/yr]
    fuel_energy: F  # (run, vehicle_class, fuel, year) [PJ/yr]
    electricity: F  # (run, vehicle_class, year) [TWh/yr]
    co2_tank_to_wheel: F  # (run, vehicle_class, year) [MtCO2/yr]
    co2_electricity: F  # (run, vehicle_class, year) [MtCO2/yr]
    co2_target: F  # (run, vehicle_class, year) [MtCO2/yr]
    grid_intensity: F  # (run, year) [gCO2/kWh]
    battery_demand: F  # (run, vehicle_class, year) [GWh/yr]
    battery_retired: F  # (run, vehicle_class, year) [GWh/yr]
    battery_second_life: F  # (run, vehicle_class, year) [GWh/yr]
    battery_recycling: F  # (run, vehicle_class, year) [GWh/yr]
    materials: F  # (run, vehicle_class, material, year) [kt/yr]
    ownership: F  # (run, vehicle_class, year) [veh/1000 persons]
    capacity: F  # (run, project, year) usable capacity [veh/yr or GWh/yr]
    production: F  # (run, vehicle_class, group, year) [veh/yr]
    domestic_sales: F  # (run, vehicle_class, group, year) domestic-made sales [veh/yr]
    exports: F  # (run, vehicle_class, group, year) [veh/yr]
    exports_eu: F  # (run, vehicle_class, year) [veh/yr]
    imports: F  # (run, vehicle_class, origin, year) [veh/yr]
    trade_balance: F  # (run, vehicle_class, year) [bn USD/yr]
    investment: F  # (run, year) [million USD/yr]
    employment: F  # (run, year) [persons]
    cell_demand: F  # (run, vehicle_class, year) cells for the class's domestic production [GWh/yr]
    cell_supply: F  # (run, year) [GWh/yr]
    cell_imports: F  # (run, year) every class's cell demand not met at home [GWh/yr]
    cell_self_sufficiency: F  # (run, year) [1]
    price: F  # (run, vehicle_class, powertrain, year) average price paid [USD/veh], NaN: no choice


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
    """Run the chain for every run and every vehicle class at once.

    The fleet side (history, market, fleet, energy, emissions, batteries) and
    the hub's production and trade run per class, each with its own inputs
    (``inputs.classes``) and parameters (``params.classes``); the economy,
    the grid, the chemistry mix, the pipeline and the cell balance are shared.

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

    Raises
    ------
    ValueError
        If the inputs and the parameters hold a different number of classes.
    """
    _same_classes(inputs, params)
    years = inputs.years
    base_year = inputs.base_year
    battery_p = params.battery

    # --- what every class shares: the economy, the grid, the cell chemistries ----
    gdp_growth = market.interpolate_anchors(
        years, inputs.gdp_growth_years, params.economy.gdp_growth
    )
    gdp = market.gdp_per_capita_path(
        years, base_year, inputs.gdp_per_capita, gdp_growth, inputs.population
    )
    renewable = emissions.renewable_share_path(
        years,
        base_year,
        inputs.renewable_share,
        inputs.renewable_years,
        params.grid.renewable_share,
    )
    grid = emissions.grid_intensity_path(years, base_year, inputs.grid_intensity, renewable)
    chemistry = battery.chemistry_shares(
        years,
        base_year,
        battery_p.chemistry_share,
        battery_p.chemistry_share_final,
        battery_p.chemistry_year,
    )

    supply = plant_supply(inputs, params)
    own = [
        _simulate_class(inputs, params, k, gdp, grid, chemistry, supply)
        for k in range(len(inputs.classes))
    ]
    origins = tuple(o.pop("origin_shares") for o in own)
    fleet_side = {name: _stack([o[name] for o in own]) for name in own[0]}
    pack = fleet_side.pop("pack")
    made = simulate_hub(inputs, params, fleet_side["sales"], pack, origins, supply)
    return ChainOutputs(grid_intensity=grid, **fleet_side, **made)


@dataclass(frozen=True)
class Supply:
    """What the plants can supply before any vehicle is sold (for the fleet side and the hub).

    Attributes
    ----------
    capacity : (run, project, year)
        Usable capacity [veh/yr or GWh/yr].
    investment : (run, year)
        [million USD/yr]
    employment : (run, year)
        [persons]
    made : tuple of (run, group, year)
        Each class's production [veh/yr].
    export_share : tuple of (run, year)
        Each class's share of production plants aim to export [1].
    """

    capacity: F
    investment: F
    employment: F
    made: tuple[F, ...]
    export_share: tuple[F, ...]


def plant_supply(inputs: ChainInputs, params: ChainParameters) -> Supply:
    """Capacity, investment, jobs and each class's production and export share.

    Production is capacity times utilisation and each plant's mix; it does not
    depend on sales, so the choice model can see the home market's supply.

    Parameters
    ----------
    inputs
        Dataset arrays (the registry in ``inputs.projects``).
    params
        Scenario parameters (``pipeline`` and each class's ``trade``).

    Returns
    -------
    Supply
    """
    years = inputs.years
    base_year = inputs.base_year
    pj = inputs.projects
    capacity, invest, jobs = pipeline.project_flows_with_history(
        pj, params.pipeline, inputs.history_pipeline, years, base_year
    )
    mix = production.plant_mix(pj, params.pipeline.default_mix)
    made, exported = [], []
    for k, own_in in enumerate(inputs.classes):
        tp = params.classes[k].trade
        own_mix = mix * (pj.vehicle_class == k)[None, :, None]  # this class's plants only
        utilisation = history.splice(
            years, base_year, own_in.utilisation_history, tp.utilisation[:, None]
        )
        made.append(production.production(capacity, utilisation, pj.relative_utilisation, own_mix))
        exported.append(
            history.splice(years, base_year, own_in.export_share_history, tp.export_share[:, None])
        )
    return Supply(capacity, invest, jobs, tuple(made), tuple(exported))


def _simulate_class(
    inputs: ChainInputs,
    params: ChainParameters,
    k: int,
    gdp: F,
    grid: F,
    chemistry: F,
    supply: Supply,
) -> dict[str, F]:
    """The fleet side of one vehicle class: sales -> fleet -> energy -> CO2 -> batteries.

    Parameters
    ----------
    inputs, params
        The chain's inputs and parameters; ``k`` picks the class.
    gdp : (run, year)
        GDP per capita [USD2015/person].
    grid : (run, year)
        Grid intensity [gCO2/kWh].
    chemistry : (run, chemistry, year)
        Shares of new capacity by chemistry [1].
    supply
        The plants' supply (:func:`plant_supply`): the choice model's home origin.

    Returns
    -------
    dict
        The class's fields of :class:`ChainOutputs` (without the class
        axis); ``pack``, the average pack of a new vehicle (run,
        powertrain, year) [kWh/veh]; ``origin_shares``, each powertrain's
        split over origins, home first (run, powertrain, origin, year) [1],
        NaN where the shares follow logistic curves; ``price``, the average
        price paid (run, powertrain, year) [USD/veh], NaN without the choice model.
    """
    own_in, own = inputs.classes[k], params.classes[k]
    years = inputs.years
    n = len(years)
    base_year = inputs.base_year
    b = int(np.searchsorted(years, base_year))
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
    # (run, year, cohort): a read-only strided view of each run's curve (Toeplitz), no copy;
    # a contiguous copy of 500 runs is ~30 MB of fresh memory per class and chunk
    survival = lifetime.survival_matrix(life, years=n, cohorts_before=nb, copy=False)
    growth0 = fleet_p.initial_stock_growth
    first = history.first_stock(own_in.stock, growth0)
    initial_by_age, initial_survival = history.initial_stock(life, nb, growth0, first)
    given, target = history.history_targets(years, base_year, own_in.sales, own_in.stock, first)
    past = history.history_fleet(survival, initial_by_age, initial_survival, given, target)

    saturation = market_p.saturation
    alpha, beta = market.fit_gompertz(own_in.ownership_obs, own_in.gdp_obs, saturation)
    ownership_curve = market.gompertz(gdp, saturation, alpha, beta)
    if market_p.sales_mode == "ownership":
        total_sales = market.sales_from_ownership(
            past, survival, initial_survival, ownership_curve, inputs.population
        )
    else:
        base_sales = float(own_in.sales[b])
        grown = market.growth_sales(years, base_year, base_sales, market_p.growth_rate)
        total_sales = np.concatenate([past.inflow, grown[:, b + 1 :]], axis=1)

    # --- batteries of new vehicles (the choice model prices them) ---------------
    vintages = np.arange(years[0] - nb, years[-1] + 1, dtype=float)
    pack_growth = _scatter(pack_p.pack_growth, cats.plug, runs)
    pack = battery.pack_by_vintage(
        vintages, base_year, _scatter(pack_p.pack_capacity, cats.battery, runs), pack_growth
    )  # (run, pt, cohort)

    # --- powertrain mix and the fleet ------------------------------------------
    ban = market_p.ice_ban_year
    ban_year = np.where(np.isnan(ban), np.inf, ban)  # NaN: no ban
    origin_shares = None
    price = np.full((runs, len(cats.powertrains), n), np.nan)
    if market_p.share_model == "choice" and own_in.choice is not None:
        chosen = _choose(
            inputs,
            params,
            k,
            total_sales,
            survival,
            initial_by_age,
            initial_survival,
            pack[:, :, nb:],
            supply,
            ban_year,
        )
        shares, origin_shares, price = chosen.shares, chosen.origin_shares, chosen.price
    else:
        shares = market.powertrain_shares(
            years,
            base_year,
            own_in.history_shares,
            market_p.share_ceiling,
            market_p.share_midpoint_year,
            market_p.share_steepness,
            ban_year,
            cats,
        )
    sales = market.powertrain_sales(total_sales, shares)  # (run, pt, year)
    inflow = market.fleet_inflow(sales, fleet_p.lpg_conversion_share, cats.converted_from)
    initial_stock = history.initial_stock_by_powertrain(initial_by_age, own_in.initial_shares)
    result = fleet.inflow_driven_from_survival(
        inflow,
        survival[:, None, :, :],
        initial_stock=initial_stock,
        initial_survival=initial_survival[:, None, :],
    )
    # by-cohort sums as matrix products over the cohort axis (see energy.cohort_energy_use)
    cohorts = result.cohort_inflow  # (run, pt, cohort)

    # --- energy ----------------------------------------------------------------
    ages = years[:, None] - vintages[None, :]
    fuel_base = _scatter(energy_p.fuel_intensity, cats.fuel_of >= 0, runs)
    elec_base = _scatter(energy_p.electric_intensity, cats.plug, runs)
    improve = energy_p.intensity_improvement
    vehicle_km, fuel_ml, electricity = energy.fleet_energy(
        ages,
        b,
        years,
        base_year,
        energy_p.annual_distance,
        energy_p.distance_age_decline,
        energy_p.distance_trend,
        cohorts,
        survival,
        energy.vintage_intensity(vintages, base_year, fuel_base, improve),
        energy.vintage_intensity(vintages, base_year, elec_base, improve),
        energy_p.electric_share,
        energy_p.charging_loss,
        cats,
    )

    # --- emissions ---------------------------------------------------------------
    ttw = emissions.tank_to_wheel(fuel_ml, inputs.co2_factor).sum(axis=1)
    co2_elec = emissions.electricity_co2(electricity, grid)
    co2_target = emissions.target_path(
        years, base_year, ttw[:, b] + co2_elec[:, b], inputs.ghg_reference, dict(inputs.ghg_targets)
    )

    # --- batteries -----------------------------------------------------------------
    demand = battery.capacity_demand(sales, pack[:, :, nb:]).sum(axis=1)
    # a strided view, copied by blocks of runs for its matrix product (no 30 MB copy)
    retirement = lifetime.retirement_matrix(life, years=n, cohorts_before=nb, copy=False)
    retired = battery.cohort_retired_capacity(cohorts, retirement, pack).sum(axis=1)
    second_life, recycling = battery.end_of_life(
        retired, battery_p.second_life_share, battery_p.recycling_share
    )
    materials = battery.material_demand(demand, chemistry, inputs.material_intensity)

    return {
        "sales": sales,
        "stock": result.stock,
        "retirements": result.outflow,
        "fleet_inflow": inflow,
        "vehicle_km": vehicle_km,
        "fuel_energy": energy.fuel_energy(fuel_ml, inputs.energy_density),
        "electricity": electricity,
        "co2_tank_to_wheel": ttw,
        "co2_electricity": co2_elec,
        "co2_target": co2_target,
        "battery_demand": demand,
        "battery_retired": retired,
        "battery_second_life": second_life,
        "battery_recycling": recycling,
        "materials": materials,
        "ownership": market.ownership(result.stock, inputs.population),
        "pack": pack[:, :, nb:],
        "origin_shares": origin_shares,
        "price": price,
    }


def _choose(
    inputs: ChainInputs,
    params: ChainParameters,
    k: int,
    total_sales: F,
    survival: F,
    initial_by_age: F,
    initial_survival: F,
    pack: F,
    supply: Supply,
    ban_year: F,
) -> buyers.ChoiceResult:
    """Class ``k``'s shares after the base year from the choice model (:mod:`evhub.model.buyers`).

    Parameters
    ----------
    total_sales : (run, year)
        [veh/yr]
    survival : (run, year, cohort)
        The class's survival matrix [1].
    initial_by_age, initial_survival : (run, cohorts_before)
        The stock before the first model year by age [veh] and its survival [1].
    pack : (run, powertrain, year)
        Average pack of a new vehicle [kWh/veh].
    supply
        The plants' supply.
    ban_year : (run,)
        First year without vehicles without a plug [yr]; ``inf``: none.
    """
    own_in, own = inputs.classes[k], params.classes[k]
    ci = own_in.choice
    assert ci is not None  # the caller checks
    cats = inputs.categories
    years, base_year = inputs.years, inputs.base_year
    b = int(np.searchsorted(years, base_year))
    runs = total_sales.shape[0]
    ahead = years[b:]  # the costs are needed from the base year on
    steps = ahead - base_year  # (year from the base year,)
    pol, cp, ep = params.policy, own.choice, own.energy

    # the fleet as the choice model sees it: the total's retirements, the history's mix
    total = fleet.inflow_driven_from_survival(
        total_sales,
        survival,
        initial_stock=initial_by_age,
        initial_survival=initial_survival,
    )
    before = np.concatenate([initial_by_age.sum(axis=1)[:, None], total.stock[:, :-1]], axis=1)
    retired = np.divide(total.outflow, before, out=np.zeros_like(before), where=before > 0)
    mix = np.broadcast_to(own_in.initial_shares, (runs, len(cats.powertrains)))
    held = initial_by_age.sum(axis=1)[:, None] * mix
    for t in range(b + 1):
        held = buyers.fleet_shares(
            held, own_in.history_shares[t][None, :] * total_sales[:, t, None], retired[:, t]
        )

    # prices: the pre-tax base, duties, the purchase tax, VAT, subsidies
    pack_price = ci.pack_price * (1.0 - pol.pack_price_decline[:, None]) ** steps[None, :]
    base = ci.glider[None, :, None] + pack[..., b:] * pack_price[:, None, :]  # (run, pt, year)
    n_import = len(cats.origins)
    extra = np.nan_to_num(pol.duty).reshape(runs, n_import, len(cats.powertrains))
    extra = extra + np.nan_to_num(pol.duty_all)[:, :, None]
    duty_after = np.concatenate([np.zeros((runs, 1, extra.shape[2])), extra], axis=1)
    after = ahead > base_year
    change = np.where(after[None, None, None, :], duty_after[..., None], 0.0)
    exempt = np.nan_to_num(cp.exempt_share).reshape(runs, n_import, len(cats.groups))
    exempt = np.concatenate([np.zeros((runs, 1, len(cats.groups))), exempt], axis=1)
    index = (1.0 + pol.threshold_growth[:, None]) ** steps[None, :]  # (run, year)
    paid = buyers.price_paid(
        base,
        buyers.duty_rate(base, ci, change, exempt[:, :, cats.group_of]),
        ci,
        index,
        cp.tax_change[..., b:],
        np.maximum(ci.vat + pol.vat[..., b:], 0.0),  # a cut takes VAT to zero at most
        cp.subsidy[..., b:],
        step=buyers.tax_steps(ci.tax_from, ahead),
    )

    # running costs of a new vehicle
    improve = (1.0 - ep.intensity_improvement[:, :, None]) ** steps[None, None, :]
    electric = energy.electric_distance_share(cats, ep.electric_share)[:, :, None]
    fuel_l = _scatter(ep.fuel_intensity, cats.fuel_of >= 0, runs)[:, :, None] / LITRES_PER_100KM
    kwh = _scatter(ep.electric_intensity, cats.plug, runs)[:, :, None]
    litres = fuel_l * improve * (1.0 - electric)
    drawn = kwh * improve * electric / (1.0 - ep.charging_loss[:, None, None])
    distance = ep.annual_distance[:, None] * (1.0 + ep.distance_trend[:, None]) ** steps[None, :]
    running = buyers.running_cost(
        distance, litres, drawn, ci, cats, inputs.co2_factor, _levers(pol, b)
    )
    costs = buyers.generalised_cost(paid, running, ci)

    # the home market's supply of each powertrain's group, and its base-year share
    made, exported = supply.made[k], supply.export_share[k]
    home = made * (1.0 - exported[:, None, :])  # (run, group, year)
    history_sales = own_in.history_shares[b][None, :] * total_sales[:, b, None]  # (run, pt)
    by_group = trade.sales_by_class(history_sales[:, :, None], cats)
    domestic, _, _ = trade.trade_split(made[..., b : b + 1], by_group, exported[:, b : b + 1])
    group_share = np.divide(
        domestic[..., 0],
        by_group[..., 0],
        out=np.zeros_like(by_group[..., 0]),
        where=by_group[..., 0] > 0,
    )
    home_share = np.clip(group_share[:, cats.group_of], 0.0, 1.0)  # (run, pt)
    if np.isnan(ci.origin_base).any():  # no data: the plants' share, the imports' split
        imported = (1.0 - home_share)[:, :, None] * own_in.origin_base[None, None, :]
        within = np.concatenate([home_share[:, :, None], imported], axis=2)
    else:
        within = np.broadcast_to(ci.origin_base, (runs, *ci.origin_base.shape))
    nfc = np.stack([np.nan_to_num(cp.range_cost), np.nan_to_num(cp.availability_cost)], axis=-1)[
        :, cats.group_of
    ]  # (run, pt, kind)
    choice_params = buyers.ChoiceParameters(
        cost_sensitivity=cp.cost_sensitivity,
        origin_sensitivity=cp.origin_sensitivity,
        inertia=cp.inertia,
        nonfinancial_initial=nfc,
        nonfinancial_decay=np.stack([pol.range_decay, pol.availability_decay], axis=-1)[:, None],
    )
    # the makers' offer (where the dataset has one) and the chargers move the constants
    charged = np.isfinite(cp.range_cost)[:, cats.group_of]  # (run, pt): a range cost
    shift = buyers.charger_shift(
        pol.charger_growth[:, b:], np.nan_to_num(cp.charger_sensitivity), charged
    )
    if np.isfinite(ci.offer_base).all():
        shift = shift + buyers.offer_shift(
            ci.offer_base, cp.offer_change[..., b:], np.nan_to_num(cp.offer_sensitivity)
        )
    return buyers.choose(
        years,
        base_year,
        own_in.history_shares,
        total_sales,
        held,
        retired,
        costs,
        paid,
        home[:, cats.group_of],
        within,
        years[None, :] >= ban_year[:, None],
        ci,
        choice_params,
        cats,
        offer_shift=shift,
    )


def _levers(pol: PolicyParameters, b: int) -> buyers.PriceLevers:
    """The energy-price levers from the base year (index ``b``) on (0 before any key)."""
    return buyers.PriceLevers(
        fuel_price_change=pol.fuel_price_change[:, b:],
        electricity_price_change=pol.electricity_price_change[:, b:],
        carbon_price=pol.carbon_price[:, b:],
    )


def simulate_hub(
    inputs: ChainInputs,
    params: ChainParameters,
    sales: F,
    pack: F,
    origin_shares: Sequence[F | None] | None = None,
    supply: Supply | None = None,
) -> dict[str, F]:
    """Pipeline -> capacity -> production -> trade and cells, for every run and class.

    Capacity, investment and jobs are the registry's (shared); each class's
    plants (``inputs.projects.vehicle_class``) give its production, which
    meets its sales at its own utilisation and export share; imports fill the
    rest of the sales, split over origins by the choice model where it chose
    (``origin_shares``), else as in the base year; the cells every class's
    production needs are balanced against the shared cell capacity.

    Parameters
    ----------
    inputs
        Dataset arrays (the registry in ``inputs.projects``).
    params
        Scenario parameters; this reads the ``pipeline`` and ``battery``
        groups and each class's ``trade`` (see
        :func:`evhub.model.pipeline.project_terms` for the pipeline's).
    sales : (run, vehicle_class, powertrain, year)
        New-vehicle sales [veh/yr].
    pack : (run, vehicle_class, powertrain, year)
        Average pack of a new vehicle [kWh/veh].
    origin_shares : sequence of (run, powertrain, origin, year from the base year), optional
        By class, each powertrain's split over origins, home first [1], from
        the choice model after the base year; ``None`` (or not given) for a
        class whose imports keep the base year's split.
    supply
        The plants' supply (:func:`plant_supply`), computed here if not given.

    Returns
    -------
    dict
        The hub fields of :class:`ChainOutputs`.

    Raises
    ------
    ValueError
        If the inputs and the parameters hold a different number of classes.
    """
    _same_classes(inputs, params)
    years = inputs.years
    base_year = inputs.base_year
    pj = inputs.projects
    runs = sales.shape[0]
    cats = inputs.categories
    if supply is None:
        supply = plant_supply(inputs, params)
    parts: list[dict[str, F]] = []
    for k, own_in in enumerate(inputs.classes):
        tp = params.classes[k].trade
        made, export_share = supply.made[k], supply.export_share[k]
        by_group = trade.sales_by_class(sales[:, k], cats)
        domestic, exports, imports = trade.trade_split(made, by_group, export_share)
        imports_by_origin = trade.imports_by_origin(imports, own_in.origin_base)
        chosen = None if origin_shares is None else origin_shares[k]
        if chosen is not None:  # after the base year, as the buyers chose
            b = int(np.searchsorted(years, base_year))
            imports_by_origin[..., b + 1 :] = trade.imports_by_chosen_origin(
                imports[..., b + 1 :], sales[:, k, :, b + 1 :], chosen[..., 1:], cats
            )
        observed = own_in.history_eu_export_share
        eu_observed = tp.eu_export_share if observed is None else np.full(runs, observed)
        eu_base = history.splice(
            years, base_year, eu_observed[:, None], tp.eu_export_share[:, None]
        )
        cvd = history.splice(years, base_year, own_in.eu_cvd_base, tp.eu_cvd[:, None])
        exports_eu = trade.eu_exports(
            exports, eu_base, cvd, own_in.eu_cvd_base, tp.eu_elasticity, cats
        )
        parts.append(
            {
                "production": made,
                "domestic_sales": domestic,
                "exports": exports,
                "exports_eu": exports_eu,
                "imports": imports_by_origin,
                "trade_balance": trade.trade_balance(
                    exports, tp.export_price, imports_by_origin, tp.import_price
                ),
                "cell_demand": production.cell_demand(made, pack[:, k], cats),
            }
        )
    stacked = {name: _stack([p[name] for p in parts]) for name in parts[0]}
    cell_supply, cell_imports, sufficiency = trade.cell_balance(
        stacked["cell_demand"].sum(axis=1),  # every class's cells
        pipeline.cell_capacity(pj, supply.capacity),
        params.battery.cell_utilisation,
    )
    return {
        "capacity": supply.capacity,
        **stacked,
        "investment": supply.investment,
        "employment": supply.employment,
        "cell_supply": cell_supply,
        "cell_imports": cell_imports,
        "cell_self_sufficiency": sufficiency,
    }


def _same_classes(inputs: ChainInputs, params: ChainParameters) -> None:
    """The inputs and the parameters are of the same vehicle classes (their number)."""
    if len(inputs.classes) != len(params.classes) or not inputs.classes:
        msg = (
            f"the chain's inputs hold {len(inputs.classes)} vehicle class(es) and its "
            f"parameters {len(params.classes)}; they must hold the same classes (at least one)"
        )
        raise ValueError(msg)


def _stack(parts: Sequence[F]) -> F:
    """Per-class arrays (run, ...) as one array (run, vehicle_class, ...)."""
    if len(parts) == 1:  # one class: a view, no copy
        out: F = parts[0][:, None]
        return out
    return np.stack(parts, axis=1)


def _scatter(values: F, mask: NDArray[np.bool_], runs: int) -> F:
    """(run, member) values of the members ``mask`` picks, placed on the full axis; 0 elsewhere."""
    out = np.zeros((runs, len(mask)))
    out[:, mask] = values
    return out

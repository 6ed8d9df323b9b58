"""The model chain for the car fleet: sales -> fleet -> energy -> CO2 -> batteries.

:func:`simulate` composes the modules for any number of runs at once. Inputs
come in two parts: :class:`ChainInputs`, the dataset's arrays (no run axis),
and ``params``, every scenario parameter by dotted path as an array with one
value per run. Nothing here reads files or knows about scenarios.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from evhub.model import battery, emissions, energy, fleet, history, hub, lifetime, market

__all__ = [
    "ChainInputs",
    "ChainOutputs",
    "Projects",
    "make_lifetime",
    "project_flows",
    "project_terms",
    "simulate",
    "simulate_hub",
]

F = NDArray[np.float64]
_PERCENT = 100.0
_PJ_PER_MJ = 1e-9
_ML_TO_L = 1e6
_BN = 1e9


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
        The pipeline registry as arrays (:class:`Projects`).
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
    history_params
        The dataset's defaults of the ``pipeline.*`` parameters and of
        ``trade.eu_export_share`` (model units): the history years use these,
        so no scenario, override or sample changes what was observed.
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
    projects: Projects
    utilisation_history: F
    export_share_history: F
    origin_base: F
    duty_base: F
    eu_cvd_base: float
    history_params: Mapping[str, float]


@dataclass(frozen=True)
class Projects:
    """The pipeline registry as arrays, one entry per project.

    Attributes
    ----------
    ids, stages : (project,)
        Project ids and stages.
    kinds : (project,)
        ``car``, ``lcv`` (vehicle plants by segment), ``cell``, ``pack`` or
        ``other``.
    nameplate : (project,)
        Capacity when complete [veh/yr or GWh/yr]; NaN if not published.
    start : (project,)
        Announced start [yr]; NaN if not published.
    stage_year : (project,)
        Year the stage was last confirmed [yr].
    producing : (project,)
        Producing before the model years (no start year, stage ramping or
        operating): full capacity throughout.
    mix : (project, class)
        Output mix of vehicle plants [1]; NaN rows where not published.
    capex : (project,)
        Investment [million USD]; NaN where not published.
    jobs : (project,)
        Direct jobs [persons]; NaN where not published.
    replaces : (project,)
        Index of the project whose capacity a line takes over, -1 for none.
    end : (project,)
        Last year of production [yr]; ``inf`` for open plants.
    relative_utilisation : (project,)
        A plant's utilisation relative to the industry's in the latest year
        with plant data [1]; 1 where not observed.
    """

    ids: tuple[str, ...]
    stages: tuple[str, ...]
    kinds: tuple[str, ...]
    nameplate: F
    start: F
    stage_year: F
    producing: NDArray[np.bool_]
    mix: F
    capex: F
    jobs: F
    replaces: NDArray[np.intp]
    end: F
    relative_utilisation: F


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


def make_lifetime(params: Mapping[str, F], distribution: str) -> lifetime.Lifetime:
    """The lifetime distribution of a scenario, vectorised over runs."""
    p = "fleet.lifetime."
    if distribution == "weibull":
        return lifetime.Weibull(shape=params[p + "shape"], scale=params[p + "scale"])
    if distribution == "normal":
        return lifetime.Normal(mean=params[p + "mean"], sd=params[p + "sd"])
    if distribution == "lognormal":
        return lifetime.LogNormal(mean=params[p + "mean"], sd=params[p + "sd"])
    if distribution == "fixed":
        return lifetime.Fixed(years=params[p + "years"])
    msg = f"fleet.lifetime.distribution = {distribution!r} is not weibull, normal, lognormal, fixed"
    raise ValueError(msg)


def simulate(
    inputs: ChainInputs, params: Mapping[str, F], options: Mapping[str, object]
) -> ChainOutputs:
    """Run the chain for every run at once.

    Parameters
    ----------
    inputs
        Dataset arrays.
    params
        Numeric parameters by dotted path, each of shape (run,), in model
        units (shares and rates already as fractions).
    options
        Non-numeric parameters: ``fleet.lifetime.distribution``,
        ``market.sales_mode``.

    Returns
    -------
    ChainOutputs
    """
    years = inputs.years
    n = len(years)
    base_year = inputs.base_year
    b = int(np.searchsorted(years, base_year))
    runs = next(iter(params.values())).shape[0]
    nb = inputs.cohorts_before

    # --- fleet totals --------------------------------------------------------
    life = make_lifetime(params, str(options["fleet.lifetime.distribution"]))
    survival = lifetime.survival_matrix(life, years=n, cohorts_before=nb)  # (run, year, cohort)
    growth0 = params["fleet.initial_stock_growth"]
    first = history.first_stock(inputs.stock, growth0)
    initial_by_age, initial_survival = history.initial_stock(life, nb, growth0, first)
    given, target = history.history_targets(years, base_year, inputs.sales, inputs.stock, first)
    past = history.history_fleet(survival, initial_by_age, initial_survival, given, target)

    gdp_growth = market.interpolate_anchors(
        years, inputs.gdp_growth_years, _stack(params, "market.gdp_growth", inputs.gdp_growth_years)
    )
    gdp = market.gdp_per_capita_path(
        years, base_year, inputs.gdp_per_capita, gdp_growth, inputs.population
    )
    saturation = params["market.saturation"]
    alpha, beta = market.fit_gompertz(inputs.ownership_obs, inputs.gdp_obs, saturation)
    ownership_curve = market.gompertz(gdp, saturation, alpha, beta)
    if options["market.sales_mode"] == "ownership":
        total_inflow = market.sales_from_ownership(
            past, survival, initial_survival, ownership_curve, inputs.population
        )
    else:
        base_sales = float(inputs.sales[b])
        grown = market.growth_sales(years, base_year, base_sales, params["market.growth_rate"])
        total_inflow = np.concatenate([past.inflow, grown[:, b + 1 :]], axis=1)

    # --- powertrain mix ------------------------------------------------------
    def curve(name: str) -> tuple[F, F, F]:
        p = f"market.{name}_share."
        return (params[p + "ceiling"], params[p + "midpoint_year"], params[p + "steepness"])

    ban = params.get("market.ice_ban_year", np.full(runs, np.inf))
    shares = market.powertrain_shares(
        years, base_year, inputs.history_shares, curve("bev"), curve("phev"), curve("hev"), ban
    )
    sales = shares * total_inflow[:, None, :]  # (run, pt, year)
    converted = sales[:, 0] * params["fleet.lpg_conversion_share"][:, None]
    inflow = sales.copy()
    inflow[:, 0] -= converted
    inflow[:, 2] += converted
    initial_stock = initial_by_age[:, None, :] * inputs.initial_shares[None, :, None]
    result = fleet.inflow_driven_from_survival(
        inflow,
        survival[:, None, :, :],
        initial_stock=initial_stock,
        initial_survival=initial_survival[:, None, :],
    )
    # by-cohort sums as matrix products over the cohort axis (see energy.cohort_energy_use)
    cohorts = result.cohort_inflow  # (run, pt, cohort)
    survival_base = survival[:, b, :]  # (run, cohort)

    # --- energy ----------------------------------------------------------------
    vintages = np.arange(years[0] - nb, years[-1] + 1, dtype=float)
    ages = years[:, None] - vintages[None, :]
    km = energy.distance_by_age(
        ages,
        b,
        years,
        base_year,
        params["energy.annual_distance"],
        params["energy.distance_age_decline"],
        params["energy.distance_trend"],
        cohorts.sum(axis=1) * survival_base,
    )
    survival_km = survival * km  # (run, year, cohort)
    vkm = np.matmul(cohorts, survival_km.transpose(0, 2, 1))  # (run, pt, year)
    pts = market.POWERTRAINS
    fuel_base = np.stack(
        [params.get(f"energy.fuel_intensity.{p}", np.zeros(runs)) for p in pts], axis=1
    )
    elec_base = np.stack(
        [params.get(f"energy.electric_intensity.{p}", np.zeros(runs)) for p in pts], axis=1
    )
    improve = np.stack([params[f"energy.intensity_improvement.{p}"] for p in pts], axis=1)
    fuel_ml, electricity = energy.cohort_energy_use(
        cohorts,
        survival_km,
        energy.vintage_intensity(vintages, base_year, fuel_base, improve),
        energy.vintage_intensity(vintages, base_year, elec_base, improve),
        params["energy.phev_electric_share"],
        params["energy.charging_loss"],
    )
    fuel_pj = fuel_ml * _ML_TO_L * inputs.energy_density[None, :, None] * _PJ_PER_MJ

    # --- emissions ---------------------------------------------------------------
    ttw = emissions.tank_to_wheel(fuel_ml, inputs.co2_factor).sum(axis=1)
    res_anchor = _stack(params, "grid.renewable_share", inputs.renewable_years)
    res_years = np.concatenate([[float(base_year)], inputs.renewable_years])
    res_values = np.concatenate([np.full((runs, 1), inputs.renewable_share[b]), res_anchor], axis=1)
    res_path = market.interpolate_anchors(years, res_years, res_values)
    grid = emissions.grid_intensity_path(years, base_year, inputs.grid_intensity, res_path)
    co2_elec = emissions.electricity_co2(electricity, grid)
    co2_total_base = ttw[:, b] + co2_elec[:, b]
    co2_target = emissions.target_path(
        years, base_year, co2_total_base, inputs.ghg_reference, dict(inputs.ghg_targets)
    )

    # --- batteries -----------------------------------------------------------------
    pack_base = np.stack(
        [params.get(f"battery.pack_capacity.{p}", np.zeros(runs)) for p in pts], axis=1
    )
    pack_growth = np.zeros((runs, len(pts)))
    pack_growth[:, 5] = params["battery.bev_pack_growth"]
    pack_growth[:, 4] = params["battery.phev_pack_growth"]
    pack = battery.pack_by_vintage(vintages, base_year, pack_base, pack_growth)
    demand_pt = battery.capacity_demand(sales, pack[:, :, nb:])
    demand = demand_pt.sum(axis=1)
    retired = battery.fleet_retired_capacity(
        inflow, pack, survival, initial_stock, initial_survival
    )
    chem = ("lfp", "nmc", "nca")
    chem_start = np.stack([params[f"battery.chemistry_share.{c}"] for c in chem], axis=1)
    chem_final = np.stack([params[f"battery.chemistry_share_final.{c}"] for c in chem], axis=1)
    final_year = params["battery.chemistry_year"]
    progress = np.clip(
        (years[None, :] - base_year) / np.maximum(final_year[:, None] - base_year, 1.0), 0.0, 1.0
    )
    chem_share = (
        chem_start[:, :, None] + (chem_final - chem_start)[:, :, None] * progress[:, None, :]
    )
    chem_share = chem_share / chem_share.sum(axis=1, keepdims=True)
    materials = battery.material_demand(demand, chem_share, inputs.material_intensity)
    made = simulate_hub(inputs, params, sales, pack[:, :, nb:])

    return ChainOutputs(
        sales=sales,
        stock=result.stock,
        retirements=result.outflow,
        fleet_inflow=inflow,
        vehicle_km=vkm,
        fuel_energy=fuel_pj,
        electricity=electricity,
        co2_tank_to_wheel=ttw,
        co2_electricity=co2_elec,
        co2_target=co2_target,
        grid_intensity=grid,
        battery_demand=demand,
        battery_retired=retired,
        battery_second_life=retired * params["battery.second_life_share"][:, None],
        battery_recycling=retired * params["battery.recycling_share"][:, None],
        materials=materials,
        ownership=market.ownership(result.stock, inputs.population),
        **made,
    )


#: Sales powertrains of each output class of a plant.
_CLASS_OF = {"ice": (0, 1, 2), "hev": (3,), "phev": (4,), "bev": (5,)}
_KWH_PER_GWH = 1e6
_NOT_PRODUCING = ("interest", "talks", "mou", "announced", "construction")
_NOT_BUILDING = ("interest", "talks", "mou", "announced")
_MILLION = 1e6


def _per_project(params: Mapping[str, F], projects: Projects, field: str, fallback: F) -> F:
    """(run, project) values of an override field, or ``fallback`` (run, project)."""
    out = fallback.copy()
    for i, pid in enumerate(projects.ids):
        value = params.get(f"pipeline.overrides.{pid}.{field}")
        if value is not None:
            out[:, i] = value
    return out


def _sampled(params: Mapping[str, F], projects: Projects, field: str, fallback: F) -> F:
    """(run, project) values drawn per project (``pipeline.<field>.<id>``), or ``fallback``."""
    out = fallback
    for i, pid in enumerate(projects.ids):
        value = params.get(f"pipeline.{field}.{pid}")
        if value is not None:
            if out is fallback:
                out = fallback.copy()
            out[:, i] = value
    return out


def project_terms(pj: Projects, params: Mapping[str, F], runs: int) -> tuple[F, F, F]:
    """Realised share, start and nameplate of every project in every run.

    Parameters
    ----------
    pj
        The registry as arrays.
    params
        Parameters by dotted path, each (run,) (see :func:`simulate_hub`).
    runs
        Number of runs.

    Returns
    -------
    weight, start, nameplate : (run, project)
        Realised share [1] (stage or project probability, or a sampled 0/1;
        0 if dropped), start of production [yr] (``-inf`` for plants producing
        before the model years) and nameplate [veh/yr or GWh/yr] (the
        scenario's default capacity for vehicle plants that publish none).
    """
    n_proj = len(pj.ids)

    def by_stage(field: str) -> F:
        return np.stack([params[f"pipeline.stages.{s}.{field}"] for s in pj.stages], axis=1)

    probability = _per_project(params, pj, "probability", by_stage("probability"))
    for i, pid in enumerate(pj.ids):
        realised = params.get(f"pipeline.realised.{pid}")
        if realised is not None:
            probability[:, i] = realised
    dropped = _per_project(params, pj, "drop", np.zeros((runs, n_proj)))
    weight = probability * (1.0 - dropped)
    delay = _sampled(params, pj, "delay", _per_project(params, pj, "delay", by_stage("delay")))
    lead_time = _sampled(params, pj, "lead_time", by_stage("lead_time"))
    announced = _per_project(params, pj, "start_year", np.broadcast_to(pj.start, (runs, n_proj)))
    start = hub.effective_start(announced, pj.stage_year, lead_time, delay, pj.producing)
    vehicle = np.array([k in ("car", "lcv") for k in pj.kinds])
    default_cap = np.where(vehicle[None, :], params["pipeline.default_capacity"][:, None], 0.0)
    nameplate = np.where(np.isnan(pj.nameplate)[None, :], default_cap, pj.nameplate[None, :])
    nameplate = _per_project(params, pj, "capacity", nameplate)
    return weight, start, nameplate


def project_flows(
    pj: Projects, params: Mapping[str, F], years: F, base_year: int
) -> tuple[F, F, F]:
    """Usable capacity (run, project, year), investment and jobs (run, year) of the registry."""
    runs = next(iter(params.values())).shape[0]
    n_proj = len(pj.ids)
    weight, start, nameplate = project_terms(pj, params, runs)
    car = np.array([k == "car" for k in pj.kinds])
    cells = np.array([k == "cell" for k in pj.kinds])
    ramp_keys = sorted(int(k.rsplit(".", 1)[1]) for k in params if k.startswith("pipeline.ramp."))
    ramp = np.stack([params[f"pipeline.ramp.{k}"] for k in ramp_keys], axis=1)
    share = hub.ramp_share(years, start, ramp) * (years[None, :] <= pj.end[:, None])[None]
    capacity = hub.usable_capacity(np.ones(n_proj), weight * nameplate, share, pj.replaces)
    # capex and jobs not published: per unit of capacity, for plants built in the model years
    cells = np.array([k == "cell" for k in pj.kinds])
    per_capex = np.where(
        car[None, :],
        params["pipeline.capex_per_vehicle"][:, None] / _MILLION,
        np.where(cells[None, :], params["pipeline.capex_per_cell_gwh"][:, None], 0.0),
    )
    per_job = np.where(
        car[None, :],
        params["pipeline.jobs_per_vehicle"][:, None],
        np.where(cells[None, :], params["pipeline.jobs_per_cell_gwh"][:, None], 0.0),
    )
    # only plants not producing yet (an expansion or conversion of a running plant costs less)
    building = np.array([s in _NOT_PRODUCING for s in pj.stages]) & (pj.replaces < 0)
    new_plant = (building & (car | cells))[None, :]
    capex = np.where(np.isnan(pj.capex)[None, :] & new_plant, per_capex * nameplate, 0.0)
    capex = capex + np.nan_to_num(pj.capex)[None, :]
    jobs_full = np.where(np.isnan(pj.jobs)[None, :] & new_plant, per_job * nameplate, 0.0)
    jobs_full = jobs_full + np.nan_to_num(pj.jobs)[None, :]
    # plans not under construction by the base year spend nothing up to it
    earliest = np.where(np.array([s in _NOT_BUILDING for s in pj.stages]), base_year + 1.0, -np.inf)
    invest = hub.investment(capex, weight, start, params["pipeline.build_years"], years, earliest)
    jobs = hub.employment(jobs_full, weight, share)

    return capacity, invest, jobs


def simulate_hub(inputs: ChainInputs, params: Mapping[str, F], sales: F, pack: F) -> dict[str, F]:
    """Pipeline -> capacity -> production -> trade and cells, for every run.

    Parameters
    ----------
    inputs
        Dataset arrays (the registry in ``inputs.projects``).
    params
        Parameters by dotted path, each (run,); shares as fractions. Stage
        parameters are ``pipeline.stages.<stage>.{probability,delay,lead_time}``;
        ``pipeline.overrides.<id>.<field>`` change one project;
        ``pipeline.realised.<id>`` (0 or 1, from a sampler) replaces the
        probability of a project, and ``pipeline.delay.<id>`` and
        ``pipeline.lead_time.<id>`` (drawn for each project from its stage's
        distribution) its stage's delay and lead time.
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
    pj = inputs.projects
    runs = sales.shape[0]

    car = np.array([k == "car" for k in pj.kinds])
    cells = np.array([k == "cell" for k in pj.kinds])
    past = years <= inputs.base_year
    capacity, invest, jobs = project_flows(pj, params, years, inputs.base_year)
    if inputs.history_params:
        # the same for every run: computed once
        history = {k: np.full(1, v) for k, v in inputs.history_params.items()}
        old_capacity, old_invest, old_jobs = project_flows(pj, history, years, inputs.base_year)
        capacity = np.where(past[None, None, :], old_capacity, capacity)
        invest = np.where(past[None, :], old_invest, invest)
        jobs = np.where(past[None, :], old_jobs, jobs)
        eu_history = np.broadcast_to(history["trade.eu_export_share"], (runs,))
    else:
        eu_history = params["trade.eu_export_share"]

    default_mix = np.stack([params[f"pipeline.default_mix.{c}"] for c in hub.CLASSES], axis=1)
    mix = np.where(np.isnan(pj.mix)[None, :, :], default_mix[:, None, :], pj.mix[None, :, :])
    mix = mix * car[None, :, None]  # passenger cars only
    utilisation = np.where(
        years[None, :] <= inputs.base_year,
        inputs.utilisation_history[None, :],
        params["trade.utilisation"][:, None],
    )
    # each plant at its own utilisation relative to the industry's, never above 1
    plant_use = np.minimum(utilisation[:, None, :] * pj.relative_utilisation[None, :, None], 1.0)
    made = np.einsum("rpy,rpc->rcy", capacity * plant_use, mix)
    sales_by_class = np.stack(
        [sales[:, list(idx)].sum(axis=1) for idx in _CLASS_OF.values()], axis=1
    )
    export_share = np.where(
        years[None, :] <= inputs.base_year,
        inputs.export_share_history[None, :],
        params["trade.export_share"][:, None],
    )
    domestic, exports, imports = hub.trade_split(made, sales_by_class, export_share)

    projection = years[None, None, :] > inputs.base_year
    duty_now = np.stack([params[f"trade.duty.{o}"] for o in hub.ORIGINS], axis=1)
    duty = np.where(projection, duty_now[:, :, None], inputs.duty_base[None, :, None])
    origin = hub.origin_shares(
        inputs.origin_base, duty, inputs.duty_base, params["trade.origin_elasticity"]
    )
    imports_by_origin = imports.sum(axis=1)[:, None, :] * origin
    cvd = np.where(projection[:, 0], params["trade.eu_cvd"][:, None], inputs.eu_cvd_base)
    eu_base = np.where(past[None, :], eu_history[:, None], params["trade.eu_export_share"][:, None])
    eu_bev = hub.eu_export_share(eu_base, cvd, inputs.eu_cvd_base, params["trade.eu_elasticity"])
    bev = hub.CLASSES.index("bev")
    exports_total = exports.sum(axis=1)
    exports_eu = exports[:, bev] * eu_bev + (exports_total - exports[:, bev]) * eu_base
    prices = np.stack([params[f"trade.import_price.{o}"] for o in hub.ORIGINS], axis=1)
    balance = (
        exports_total * params["trade.export_price"][:, None]
        - np.einsum("roy,ro->ry", imports_by_origin, prices)
    ) / 1e9
    pack_by_class = np.stack(
        [np.zeros_like(pack[:, 0]), pack[:, 3], pack[:, 4], pack[:, 5]], axis=1
    )
    cell_demand = (made * pack_by_class).sum(axis=1) / _KWH_PER_GWH
    cell_capacity = capacity[:, cells].sum(axis=1)
    supply, cell_imports, sufficiency = hub.cell_balance(
        cell_demand, cell_capacity, params["trade.cell_utilisation"]
    )
    sufficiency = np.where(np.isnan(cell_demand), np.nan, sufficiency)
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


def _stack(params: Mapping[str, F], prefix: str, years: F) -> F:
    return np.stack([params[f"{prefix}.{int(y)}"] for y in years], axis=1)

"""Compose the chain: a dataset and a resolved scenario in, labelled results out.

This module owns the two translations around :mod:`evhub.model.chain`:

- dataset + scenario -> the chain's inputs: :func:`build_inputs` (the dataset's
  arrays, checked before the chain), :func:`chain_parameters` (a scenario's
  values as the chain's typed parameters, by the catalogue's ``field``
  column, in model units) and :func:`prepare` (both, for one scenario);
- the chain's outputs -> labelled arrays: :func:`labels` (the coordinates of
  a dataset's results) and :func:`to_dataset` (an :class:`xarray.Dataset`
  with dims ``run``, ``year``, ... and units), or the same arrays with the
  names of their dims only (:func:`to_arrays`, what an ensemble's chunks
  compute their IAMC variables from);

and :func:`project_table`, the pipeline registry as a scenario sees it.
The deterministic run (:mod:`evhub.run`), the ensemble
(:mod:`evhub.ensemble`) and the calibration all start here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, get_type_hints

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from evhub import choicecost, parameters
from evhub.dataset import Dataset
from evhub.dims import DIMENSIONS_FILE
from evhub.errors import InputError
from evhub.model import buyers, chain
from evhub.model.categories import Categories
from evhub.model.parameters import ChainParameters, ClassParameters, PipelineParameters
from evhub.pipeline import (
    PIPELINE_FILE,
    Project,
    load_pipeline,
    load_stage_probabilities,
    pipeline_table,
    share_columns,
    sort_table,
)
from evhub.prices import deflator, report_price_year
from evhub.readable import exact
from evhub.scenario import ResolvedScenario, default_parameters
from evhub.scenario.resolution import CONVERSION_SHARE
from evhub.variables import Arrays

__all__ = [
    "CONVERSION_SHARE",
    "Labels",
    "ParameterLayout",
    "build_inputs",
    "chain_parameters",
    "keyed_years",
    "labels",
    "parameter_layout",
    "prepare",
    "project_table",
    "to_arrays",
    "to_dataset",
]

_PERCENT = 100.0
_COHORTS_BEFORE = 60  # ages kept for cars sold before the first model year (a model setting)
_PERCENT_UNITS = ("%", "%/yr")


def _interp_log(years: np.ndarray, obs: Mapping[int, float]) -> np.ndarray:
    """Log-linear interpolation between observed years; NaN outside them."""
    oy = np.array(sorted(obs), dtype=float)
    ov = np.log(np.array([obs[int(y)] for y in oy]))
    out: np.ndarray = np.exp(np.interp(years, oy, ov))
    out[(years < oy[0]) | (years > oy[-1])] = np.nan
    return out


def _series(data: Dataset, table: str, variable: str, **keys: str) -> dict[int, float]:
    series = data.series(table, variable, **keys)
    return {int(y): float(v) for y, v in zip(series.index, series.to_numpy(), strict=True)}


def build_inputs(
    data: Dataset, renewable_years: Sequence[int], gdp_years: Sequence[int]
) -> chain.ChainInputs:
    """Turn the dataset into the arrays of :class:`evhub.model.chain.ChainInputs`.

    The shared arrays come from the whole dataset, each vehicle class's
    (:class:`evhub.model.chain.ClassInputs`) from its view
    (:meth:`~evhub.dataset.Dataset.of_class`), in the order of the classes.
    """
    cats = categories(data)
    years = data.years.astype(float)
    base = data.base_year

    pop = _interp_log(years, _series(data, "socioeconomic", "population"))
    if np.isnan(pop[years >= base]).any():
        missing = [int(y) for y in years[np.isnan(pop) & (years >= base)]]
        msg = (
            f"{data.path / 'socioeconomic.csv'}: population does not cover the projection "
            f"years {missing[0]}..{missing[-1]}"
        )
        raise InputError(msg)
    gdp_obs = _series(data, "socioeconomic", "gdp_per_capita")
    gdp = np.array([gdp_obs.get(int(y), np.nan) for y in years])

    grid_obs = _series(data, "grid", "grid_intensity")
    res_obs = {
        y: v / _PERCENT for y, v in _series(data, "grid", "renewable_share").items() if y <= base
    }
    grid = np.array([grid_obs.get(int(y), np.nan) if y <= base else np.nan for y in years])
    # before the first observation, hold it (no electric cars were on the road then)
    first_grid = min(grid_obs)
    grid[years < first_grid] = grid_obs[first_grid]
    res = np.array([res_obs.get(int(y), np.nan) for y in years])
    if res_obs.get(base, 0.0) >= 1.0:
        msg = (
            f"{data.path / 'grid.csv'}: variable 'renewable_share' = 100 % in the base year "
            f"{base}; the projected grid intensity scales the non-renewable part of the base "
            "year, which must not be zero"
        )
        raise InputError(msg)
    co2 = np.array([data.value("fuels", "co2_factor", fuel=f) for f in cats.fuels])
    density = np.array([data.value("fuels", "energy_density", fuel=f) for f in cats.fuels])
    intensity = np.array(
        [
            [
                data.value("battery", "material_intensity", powertrain="", chemistry=c, material=m)
                for m in cats.materials
            ]
            for c in cats.chemistries
        ]
    )
    ghg = _series(data, "targets", "ghg_total")
    if not ghg[max(ghg)] > 0:
        msg = (
            f"{data.path / 'targets.csv'}: variable 'ghg_total' = 0 in its latest year "
            f"{max(ghg)}; each class's road CO2 target path is proportional to it and needs a "
            "positive national total"
        )
        raise InputError(msg)
    targets = _series(data, "targets", "ghg_target")
    projects = _projects(data)
    history_pipeline, history_eu_export_share = _history_parameters(data)
    classes = tuple(
        _class_inputs(data.of_class(c), k, projects, history_eu_export_share[k], c)
        for k, c in enumerate(data.dims.classes.ids)
    )
    for values, what, file in (
        (pop, "the population of the model years", "socioeconomic.csv"),
        (gdp[years == base], "the GDP per capita of the base year", "socioeconomic.csv"),
        (grid[years <= base], "the grid intensity up to the base year", "grid.csv"),
        (res[years == base], "the renewable share of the base year", "grid.csv"),
    ):
        _require_finite(np.asarray(values, dtype=float), what, data.path / file)
    return chain.ChainInputs(
        years=years,
        base_year=base,
        cohorts_before=_COHORTS_BEFORE,
        population=pop,
        gdp_per_capita=gdp,
        gdp_growth_years=np.array(sorted(gdp_years), dtype=float),
        grid_intensity=grid,
        renewable_share=res,
        renewable_years=np.array(sorted(renewable_years), dtype=float),
        co2_factor=co2,
        energy_density=density,
        material_intensity=intensity,
        ghg_reference=ghg[max(ghg)],
        ghg_targets={y: v for y, v in targets.items() if y > base},
        projects=projects,
        history_pipeline=history_pipeline,
        categories=cats,
        classes=classes,
    )


def _class_inputs(
    data: Dataset,
    k: int,
    projects: chain.Projects,
    history_eu_export_share: float,
    vehicle_class: str,
) -> chain.ClassInputs:
    """A vehicle class's own arrays, from its view of the dataset ``data`` (``k``: its position)."""
    cats = categories(data)
    years = data.years.astype(float)
    n = len(years)
    base = data.base_year
    sales_obs = _series(data, "sales", "sales", powertrain="")
    sales = np.full(n, np.nan)
    for y, v in sales_obs.items():
        if data.first_year <= y <= base:
            sales[int(y - data.first_year)] = v
    stock_obs = _series(data, "stock", "stock", powertrain="")
    stock = _interp_log(years, stock_obs)

    shares_tab = data.rows("sales", "sales_share")
    anchor_years = sorted(int(y) for y in shares_tab["year"].dropna().unique())
    table = np.array(
        [
            [
                float(
                    shares_tab[(shares_tab["year"] == y) & (shares_tab["powertrain"] == p)][
                        "value"
                    ].sum()
                )
                for p in cats.powertrains
            ]
            for y in anchor_years
        ]
    )
    table = table / table.sum(axis=1, keepdims=True)
    history_shares = np.stack(
        [np.interp(years, anchor_years, table[:, i]) for i in range(len(cats.powertrains))],
        axis=1,
    )

    stock_shares = data.rows("stock", "stock_share")
    first_share_year = int(stock_shares["year"].min())
    first = stock_shares[stock_shares["year"] == first_share_year]
    # the initial stock is combustion cars only: each takes its statistics group's share
    dims = data.dims
    combustion = dims.statistics_groups.where(combustion_only=True)
    group_of = {m.id: m.attributes["statistics_group"] for m in dims.powertrains.members}
    for g in combustion:
        if len(dims.powertrains.where(statistics_group=g)) > 1:
            msg = (
                f"{data.path / DIMENSIONS_FILE}: statistics group {g!r} holds more than one "
                "powertrain; the first year's stock shares of the combustion-only groups "
                "split the initial stock, one group per powertrain"
            )
            raise InputError(msg)
    initial = np.array(
        [
            float(first[first["powertrain"] == group_of[p]]["value"].sum())
            if group_of[p] in combustion
            else 0.0
            for p in cats.powertrains
        ]
    )
    if not initial.sum() > 0:
        msg = (
            f"{data.path / 'stock.csv'}: variable 'stock_share' gives no share for "
            f"{', '.join(combustion)} in its first year {first_share_year}; the first year's "
            "shares split the initial stock by fuel"
        )
        raise InputError(msg)
    initial = initial / initial.sum()

    gdp_obs = _series(data, "socioeconomic", "gdp_per_capita")
    fit_years = [y for y in gdp_obs if y in stock_obs and y <= base]
    pop_obs = _series(data, "socioeconomic", "population")
    fit_years = [y for y in fit_years if y in pop_obs]
    if len({gdp_obs[y] for y in fit_years}) < 2:
        msg = (
            f"{data.path / 'socioeconomic.csv'}: the ownership curve is fitted to the years "
            f"up to the base year with an observed stock of {vehicle_class!r} (stock.csv), "
            "population and GDP "
            f"per capita; found {len(fit_years)} such year(s) {fit_years}, it needs at least "
            "two with different GDP per capita"
        )
        raise InputError(msg)
    ownership_obs = np.array([stock_obs[y] / pop_obs[y] * 1000.0 for y in fit_years])

    utilisation, export_share = _industry_history(data, projects, k)
    origin_base = np.array([data.value("trade", "import_share", origin=o) for o in cats.origins])
    history = (years >= _first_year(data, "industry", "production", producer="")) & (years <= base)
    for values, what, file in (
        (stock[years <= base], "the stock (interpolated) up to the base year", "stock.csv"),
        (history_shares, "the sales shares by powertrain", "sales.csv"),
        (initial, "the initial stock shares by fuel", "stock.csv"),
        (utilisation[history], "the utilisation of the class's plants", "industry.csv"),
        (export_share[history], "the export share of production", "industry.csv"),
        (origin_base / origin_base.sum(), "the import shares by origin", "trade.csv"),
    ):
        _require_finite(np.asarray(values, dtype=float), what, data.path / file)
    return chain.ClassInputs(
        sales=sales,
        stock=stock,
        history_shares=history_shares,
        initial_shares=initial,
        ownership_obs=ownership_obs,
        gdp_obs=np.array([gdp_obs[y] for y in fit_years]),
        utilisation_history=utilisation,
        export_share_history=export_share,
        origin_base=origin_base / origin_base.sum(),
        eu_cvd_base=data.value("trade", "eu_cvd", origin=_eu_cvd_origin(data)) / _PERCENT,
        history_eu_export_share=history_eu_export_share,
        choice=_choice_inputs(data, vehicle_class, {}),
    )


def _choice_inputs(
    data: Dataset,
    vehicle_class: str,
    schedules: dict[str, str],
    brackets: Mapping[str, Mapping[int, str]] | None = None,
) -> buyers.ChoiceInputs | None:
    """The class's arrays of the choice model, ``None`` if the dataset does not price it.

    ``schedules`` are the purchase-tax schedule dates by powertrain group a
    scenario picks, ``brackets`` the brackets it sets by group and year.
    """
    if not choicecost.has_costs(data, vehicle_class):
        return None
    return choicecost.choice_inputs(
        data, vehicle_class, schedule_dates=schedules, brackets=brackets
    )


def _with_schedules(
    inputs: chain.ChainInputs, data: Dataset, values: Mapping[str, Any]
) -> chain.ChainInputs:
    """The inputs with each class's purchase-tax schedules the scenario picks or sets."""
    changed = []
    for vehicle_class, own in zip(data.dims.classes.ids, inputs.classes, strict=True):
        dates, brackets = choicecost.purchase_tax_levers(values, vehicle_class)
        if (dates or brackets) and own.choice is None:
            lever = (
                f"{choicecost.SCHEDULE_LEVER}.{vehicle_class}."
                if dates
                else f"{choicecost.BRACKETS_LEVER}.{vehicle_class}."
            )
            msg = (
                f"{lever}<group> is set, but {data.path} prices no "
                f"{vehicle_class!r} for the choice model (vehicle_taxes.csv, tax_bases.csv)"
            )
            raise InputError(msg)
        if (dates or brackets) and own.choice is not None:
            view = data.of_class(vehicle_class)
            own = replace(own, choice=_choice_inputs(view, vehicle_class, dates, brackets))
        changed.append(own)
    return replace(inputs, classes=tuple(changed))


def categories(data: Dataset) -> Categories:
    """The model's categories from the dataset's dimensions (``dimensions.yaml``).

    Raises
    ------
    InputError
        Where a powertrain group holds more than one powertrain with a
        battery: production gives each group the pack of its powertrain with
        a battery, so that pack must be one powertrain's.
    """
    if "categories" in data.memo:
        return data.memo["categories"]  # type: ignore[no-any-return]
    dims = data.dims
    pts = dims.powertrains
    fuels = dims.fuels.where(liquid=True)
    groups = dims.powertrain_groups.ids
    group_of = np.array([groups.index(g) for g in pts.column("group")], np.intp)
    battery = pts.column("battery").astype(bool)
    for g in groups:
        with_battery = [p for p in pts.where(group=g) if p in pts.where(battery=True)]
        if len(with_battery) > 1:
            msg = (
                f"{data.path / DIMENSIONS_FILE}: powertrain group {g!r} holds more than one "
                f"powertrain with a battery ({', '.join(with_battery)}); production gives each "
                "group the pack of its one powertrain with a battery"
            )
            raise InputError(msg)
    fuel_of = np.array([fuels.index(f) if f in fuels else -1 for f in pts.column("fuel")], np.intp)
    converted_from = np.array(
        [-1 if f is None else pts.index(f) for f in pts.column("converted_from")], np.intp
    )
    data.memo["categories"] = Categories(
        powertrains=pts.ids,
        fuels=fuels,
        fuel_of=fuel_of,
        plug=pts.column("plug").astype(bool),
        origins=dims.origins.where(home=False),
        chemistries=dims.chemistries.ids,
        materials=dims.materials.ids,
        battery=battery,
        groups=groups,
        group_of=group_of,
        eu_cvd=dims.powertrain_groups.column("eu_cvd").astype(bool),
        converted_from=converted_from,
    )
    return data.memo["categories"]  # type: ignore[no-any-return]


def _eu_cvd_origin(data: Dataset) -> str:
    """The origin whose vehicles the export market's countervailing duty ``trade.eu_cvd`` hits."""
    (origin,) = data.dims.origins.where(eu_cvd=True)  # exactly one: checked by evhub.dims
    return origin


def _first_year(data: Dataset, table: str, variable: str, **keys: str) -> int:
    """The first year with a row of a yearly series (its first observation) [yr]."""
    return int(data.series(table, variable, **keys).index.min())


def _require_finite(values: np.ndarray, what: str, path: Path) -> None:
    """The last gate before the chain: an input array has no NaN or infinity where it is used."""
    if not np.isfinite(values).all():
        msg = (
            f"{path}: {what} is not a finite number everywhere the model uses it; "
            "check the rows of this file"
        )
        raise InputError(msg)


def _history_parameters(data: Dataset) -> tuple[PipelineParameters, tuple[float, ...]]:
    """The dataset defaults that shape the history years of the hub (one run).

    The pipeline parameters and each class's ``trade.eu_export_share`` [1].
    """
    values = {path: d.value for path, d in default_parameters(data).items()}
    defaults = chain_parameters(values, parameter_layout(data, values))
    return defaults.pipeline, tuple(float(c.trade.eu_export_share[0]) for c in defaults.classes)


_MILLION = 1e6


def _capex(data: Dataset, project: Project) -> float:
    """A project's capex in million US dollars of the price year (NaN if not published)."""
    if project.capex_usd is None or project.capex_year is None:
        return np.nan
    where = f"{data.path / 'pipeline.csv'}: row {project.id!r}, capex_usd"
    return project.capex_usd * deflator(data, project.capex_year, where=where) / _MILLION


def _projects(data: Dataset) -> chain.Projects:
    """The pipeline registry as arrays (see :class:`evhub.model.chain.Projects`)."""
    registry = load_pipeline(data)
    ids = [p.id for p in registry]
    index = {pid: i for i, pid in enumerate(ids)}

    def number(value: float | None, scale: float = 1.0) -> float:
        return np.nan if value is None else float(value) / scale

    kinds = tuple(_project_kinds(data, registry))
    _check_mix_sold(data, registry, kinds)
    project_kinds = data.dims.project_kinds
    classes = data.dims.classes.ids
    vehicle = np.array([k in project_kinds.where(vehicle=True) for k in kinds], bool)
    vehicle_class = np.array(
        [_class_index(classes, project_kinds.member(k).attributes["vehicle_class"]) for k in kinds],
        np.intp,
    )
    cells = np.array([k in project_kinds.where(cells=True) for k in kinds], bool)
    groups = data.dims.powertrain_groups.ids
    mix = np.array(
        [[p.shares[c] if p.shares else np.nan for c in groups] for p in registry], dtype=float
    ).reshape(len(registry), len(groups))
    nameplate = np.array([number(p.capacity) for p in registry])
    stages = data.dims.stages
    stage_producing = np.array([p.stage in stages.where(producing=True) for p in registry], bool)
    stage_building = np.array([p.stage in stages.where(building=True) for p in registry], bool)
    producing = np.array([p.start_year is None for p in registry], bool) & stage_producing
    relative = np.ones(len(registry))
    for k, own in enumerate(classes):
        # utilisation of each plant relative to its class's industry, in the latest
        # year with plant data of the class
        plants = [
            pid
            for pid, c, prod in zip(ids, vehicle_class, producing, strict=True)
            if c == k and prod
        ]
        plant_rows = data.of_class(own).rows("industry", "production")
        plant_rows = plant_rows[plant_rows["producer"].isin(plants)]
        if plant_rows.empty:
            continue
        latest = plant_rows[plant_rows["year"] == plant_rows["year"].max()]
        made = {str(r["producer"]): float(r["value"]) for r in latest.to_dict("records")}
        caps = {pid: nameplate[index[pid]] for pid in made}
        for pid, cap in caps.items():
            if not cap > 0:
                given = registry[index[pid]].capacity
                msg = (
                    f"{data.path / PIPELINE_FILE}: row {index[pid] + 2}: column 'capacity' = "
                    f"{'' if given is None else exact(given)!r} of {pid!r}: industry.csv gives the "
                    "plant's production, so its capacity must be given and above 0 (its "
                    "utilisation is production over capacity)"
                )
                raise InputError(msg)
        if not sum(made.values()) > 0:
            year = int(latest["year"].iloc[0])
            msg = (
                f"{data.path / 'industry.csv'}: the production of the plants {sorted(made)} "
                f"in {year} sums to 0; the utilisation of each plant is relative to theirs"
            )
            raise InputError(msg)
        industry = sum(made.values()) / sum(caps.values())
        for pid, value in made.items():
            relative[index[pid]] = value / caps[pid] / industry
    return chain.Projects(
        ids=tuple(ids),
        stages=tuple(p.stage for p in registry),
        stage_index=np.array([stages.index(p.stage) for p in registry], dtype=np.intp),
        stage_building=stage_building,
        stage_producing=stage_producing,
        kinds=kinds,
        vehicle=vehicle,
        vehicle_class=vehicle_class,
        cells=cells,
        nameplate=nameplate,
        start=np.array([number(p.start_year) for p in registry]),
        stage_year=np.array([float(p.stage_year) for p in registry]),
        producing=producing,
        mix=mix,
        capex=np.array([_capex(data, p) for p in registry]),
        jobs=np.array([number(p.jobs) for p in registry]),
        replaces=np.array(
            [index[p.replaces] if p.replaces else -1 for p in registry], dtype=np.intp
        ),
        end=np.array([np.inf if p.end_year is None else float(p.end_year) for p in registry]),
        relative_utilisation=relative,
    )


def _check_mix_sold(data: Dataset, registry: Sequence[Project], kinds: Sequence[str]) -> None:
    """A plant of a vehicle class makes only the powertrain groups sold in that class.

    Production meets the class's sales of each group and takes the pack of
    the group's powertrain in the class, so a plant's share of a group none of
    whose powertrains the class sells (their ``classes`` in
    ``dimensions.yaml``) would be vehicles no one buys or charges. A plant of
    such a class without a published mix would take ``pipeline.default_mix``,
    which may give it such a group: it must publish its mix.

    Raises
    ------
    InputError
        Naming the file, the row, the column and the value of every such plant.
    """
    dims = data.dims
    problems = []
    for row, (project, kind) in enumerate(zip(registry, kinds, strict=True), start=2):
        own = dims.project_kinds.member(kind).attributes["vehicle_class"]
        if own is None:
            continue
        made = {dims.powertrains.member(p).attributes["group"] for p in dims.sold_in(own)}
        unsold = [g for g in dims.powertrain_groups.ids if g not in made]
        where = f"{data.path / PIPELINE_FILE}: row {row} ({project.id!r}, class {own!r})"
        if unsold and not project.shares:
            problems.append(
                f"{where}: the share columns are empty, so pipeline.default_mix would give "
                f"the plant the powertrain groups {unsold}, of which the class sells no "
                "powertrain; give the plant's mix"
            )
        problems += [
            f"{where}: column 'share_{g}' = {exact(project.shares[g])}: the class sells no "
            f"powertrain of the group {g!r} (it sells {list(dims.sold_in(own))}: their classes "
            f"in {DIMENSIONS_FILE}); a plant of the class makes only the groups it sells"
            for g in unsold
            if project.shares.get(g, 0.0) > 0
        ]
    if problems:
        raise InputError("\n".join(problems))


def _class_index(classes: Sequence[str], vehicle_class: str | None) -> int:
    """The position of a project kind's vehicle class among the classes; -1 for none."""
    return -1 if vehicle_class is None else list(classes).index(vehicle_class)


def _industry_history(
    data: Dataset, projects: chain.Projects, vehicle_class: int
) -> tuple[np.ndarray, np.ndarray]:
    """Utilisation and export share of one class's history years, from observed production.

    ``data`` is the class's view (:meth:`~evhub.dataset.Dataset.of_class`) and
    ``vehicle_class`` its position among the classes. The utilisation
    :math:`u_t` is the industry association's production of the class over
    the capacity of its plants (the class's plants producing before the model
    years), each weighted by its relative utilisation; the export share is its
    exports over all vehicles of the class built (its members plus the other
    producers with rows of their own, where observed). Both are NaN where production is
    not observed. A class the country builds none of (production 0, no plant
    of the class producing) has a utilisation of 0 and, with no exports,
    an export share of 0.
    """
    years = data.years.astype(float)
    total = _series(data, "industry", "production", producer="")
    exported = _series(data, "industry", "exports", producer="")
    members = _established(projects, vehicle_class)
    others = data.rows("industry", "production")
    others = others[~others["producer"].isin(["", *members])]
    other_made = others.groupby("year")["value"].sum()
    established = np.array([pid in members for pid in projects.ids])
    weights = np.nan_to_num(projects.nameplate) * projects.relative_utilisation * established
    capacity = (weights[:, None] * (years[None, :] <= projects.end[:, None])).sum(axis=0)
    utilisation = np.full(len(years), np.nan)
    export_share = np.full(len(years), np.nan)
    for i, year in enumerate(years.astype(int)):
        if year in total and total[year] == 0 and not capacity[i] > 0:
            utilisation[i] = 0.0  # none built and no plant to build them: nothing used
        elif year in total and not capacity[i] > 0:
            kinds = data.dims.project_kinds
            own = data.dims.classes.ids[vehicle_class]
            modelled = ", ".join(
                kinds.label(k)
                for k in kinds.ids
                if kinds.member(k).attributes["vehicle_class"] == own
            )
            msg = (
                f"{data.path / PIPELINE_FILE}: none of the {modelled or own + ' plants'} "
                f"produces in {year} (stage operating or ramping, no start_year, a capacity), "
                f"but industry.csv gives the industry's production in {year}; the plants' "
                "utilisation is that production over their capacity"
            )
            raise InputError(msg)
        elif year in total:
            utilisation[i] = total[year] / capacity[i]
        made_all = total.get(year, 0.0) + float(other_made.get(year, 0.0))
        if year in total and year in exported and exported[year] == 0 and made_all == 0:
            export_share[i] = 0.0  # none built, none exported
            continue
        if year in exported and not made_all > 0:
            msg = (
                f"{data.path / 'industry.csv'}: exports in {year} are {exact(exported[year])} "
                "veh/yr but no production is given for that year; the export share is "
                "exports over production"
            )
            raise InputError(msg)
        if year in total and year in exported:
            export_share[i] = exported[year] / made_all
    return utilisation, export_share


def _established(projects: chain.Projects, vehicle_class: int) -> list[str]:
    """Plants of a class producing before the model years (the industry association's)."""
    return [
        pid
        for pid, own, producing in zip(
            projects.ids, projects.vehicle_class, projects.producing, strict=True
        )
        if own == vehicle_class and producing
    ]


def keyed_years(values: Mapping[str, Any], prefix: str) -> list[int]:
    """The years of a scenario's year-keyed parameters ``<prefix>.<year>``, in order [yr]."""
    return sorted(int(p.rsplit(".", 1)[1]) for p in values if p.startswith(prefix + "."))


@dataclass(frozen=True)
class _Slot:
    """The catalogue rows' paths one field of the typed parameters takes, in axis order."""

    group: str
    name: str
    paths: tuple[str, ...]
    axis: bool  # a member axis after the run axis
    percent: bool  # given in percent: divided by 100
    word: bool  # a text or choice: the value as it is
    required: bool  # no value is an error (not NaN)
    klass: int | None = None  # the vehicle class (its position) of a class's field
    # a year-keyed lever (a field of the policy levers): the (member, year) of each
    # path, the number of members (0: no member axis) and the model years it fills
    steps: tuple[tuple[int, int], ...] | None = None
    members: int = 0
    years: tuple[int, ...] = ()


#: The placeholder of the catalogue rows that are each vehicle class's own.
CLASS_PLACEHOLDER = "class"
#: The place of a parameter of a powertrain not sold in the class on its member axis
#: (:func:`evhub.parameters.sold`): no path; the field holds 0 there.
_UNSOLD = ""
#: The groups of :class:`ChainParameters` every class shares, and of each
#: class's :class:`ClassParameters`, by group name.
_GROUPS: dict[str, type] = {
    f.name: get_type_hints(ChainParameters)[f.name]
    for f in fields(ChainParameters)
    if f.name != "classes"
}
_CLASS_GROUPS: dict[str, type] = {
    f.name: get_type_hints(ClassParameters)[f.name] for f in fields(ClassParameters)
}


@dataclass(frozen=True)
class ParameterLayout:
    """Where each parameter path of a scenario goes among the chain's typed parameters.

    Made by :func:`parameter_layout` from the catalogue; :meth:`build` (or
    :func:`chain_parameters`) fills :class:`ChainParameters` from flat values.
    """

    slots: tuple[_Slot, ...]
    classes: int = 1

    def fill(
        self, group: str, values: Mapping[str, Any], runs: int = 1, klass: int | None = None
    ) -> Any:
        """One group of :class:`ChainParameters` (or of class ``klass``'s) from flat values."""
        cls = (_GROUPS if klass is None else _CLASS_GROUPS)[group]
        return cls(
            **{
                s.name: _field_value(s, values, runs)
                for s in self.slots
                if s.group == group and s.klass == klass
            }
        )

    def build(self, values: Mapping[str, Any], runs: int = 1) -> ChainParameters:
        """The chain's typed parameters from values by dotted path.

        Parameters
        ----------
        values
            Values by concrete path in the scenario's units (the catalogue's
            ``unit``), each a scalar or an array of shape (runs,); a path
            that may be unset may be missing or ``None``.
        runs
            Length of the leading run axis.

        Returns
        -------
        ChainParameters
            Each field in model units: a row in ``%`` or ``%/yr`` divided by
            100; flags as 1.0 and 0.0; unset values NaN.

        Raises
        ------
        ValueError
            If a value the catalogue requires is missing.
        """
        classes = tuple(
            ClassParameters(**{group: self.fill(group, values, runs, k) for group in _CLASS_GROUPS})
            for k in range(self.classes)
        )
        return ChainParameters(
            classes=classes, **{group: self.fill(group, values, runs) for group in _GROUPS}
        )


def _field_value(slot: _Slot, values: Mapping[str, Any], runs: int) -> Any:
    if slot.steps is not None:
        return _steps_value(slot, values, runs)
    if slot.word:
        return values[slot.paths[0]]
    named = [path for path in slot.paths if path != _UNSOLD]
    given = [path for path in named if values.get(path) is not None]
    if slot.required and len(given) < len(named):
        missing = next(p for p in named if p not in given)
        msg = f"{missing}: no value for {slot.group}.{slot.name} (the catalogue requires one)"
        raise ValueError(msg)
    if not given and named:  # nothing set (the changes to single projects, mostly)
        return np.full((runs, len(slot.paths)) if slot.axis else runs, np.nan)
    columns = []
    for path in slot.paths:
        value = values.get(path)
        if path == _UNSOLD:  # a powertrain not sold in the class: none sold, driven or charged
            columns.append(np.zeros(runs))
            continue
        if value is None:
            columns.append(np.full(runs, np.nan))
            continue
        column = np.broadcast_to(np.asarray(value, dtype=float), (runs,)).copy()
        if slot.percent:
            column = column / _PERCENT
        columns.append(column)
    if not slot.axis:
        return columns[0]
    return np.stack(columns, axis=1)


def _steps_value(slot: _Slot, values: Mapping[str, Any], runs: int) -> NDArray[np.float64]:
    """A year-keyed lever on every model year: each key holds from its year to the next.

    Returns ``(run, member, year)`` (``(run, year)`` without a member axis), 0
    before a member's first key (every lever is a change), in model units.
    """
    years = np.asarray(slot.years, dtype=float)
    out = np.zeros((runs, max(slot.members, 1), years.size))
    for path, (member, year) in zip(slot.paths, slot.steps or (), strict=True):
        value = values.get(path)
        if value is None:
            continue
        column = np.broadcast_to(np.asarray(value, dtype=float), (runs,))
        if slot.percent:
            column = column / _PERCENT
        out[:, member, years >= year] = column[:, None]  # keys come in year order
    return out if slot.members else out[:, 0]


def parameter_layout(
    data: Dataset, values: Iterable[str], projects: Sequence[str] | None = None
) -> ParameterLayout:
    """The layout of the typed parameters of a scenario, from the catalogue's ``field`` column.

    Parameters
    ----------
    data
        The dataset (its dimensions, and its registry's project ids).
    values
        The scenario's parameter paths: the years of a row keyed by a year
        or a year of operation are those that appear, in order.
    projects
        Project ids of the project axis; the registry's if not given.

    Returns
    -------
    ParameterLayout
        One slot per field (per field and vehicle class for a row bound to
        the classes): a row bound to other dimensions takes its members in
        the dimensions' order, a row keyed by a project the projects, other
        keyed rows their keys in order.

    Raises
    ------
    InputError
        If two catalogue rows fill the same field, or a row fills a field of
        a group it does not belong to (a class's group without binding
        ``class``, or a shared group with it).
    """
    paths = tuple(values)
    ids = tuple(projects) if projects is not None else tuple(p.id for p in load_pipeline(data))
    keyed = tuple(sorted(p for p in paths if _keyed(p)))
    key = ("parameter-layout", ids, keyed)
    held = data.memo.get(key)
    if held is not None:
        return held  # type: ignore[no-any-return]
    classes = data.dims.classes.ids
    by_field: dict[tuple[str, int | None], list[str]] = {}
    steps: dict[tuple[str, int | None], list[tuple[int, int]]] = {}
    members: dict[tuple[str, int | None], int] = {}
    rows: dict[str, parameters.ParameterSpec] = {}
    for item in parameters.expand(data.dims, unsold=True):
        row = item.spec
        if not row.field:
            continue
        if rows.setdefault(row.field, row) is not row:
            msg = (
                f"evhub/{parameters.PARAMETER_TABLE}: {row.path} and {rows[row.field].path} "
                f"both fill the field {row.field!r}"
            )
            raise InputError(msg)
        own = CLASS_PLACEHOLDER in row.bindings
        if own != (row.field.split(".")[0] in _CLASS_GROUPS):
            msg = (
                f"evhub/{parameters.PARAMETER_TABLE}: {row.path} fills {row.field!r}: a field "
                f"of a class's groups ({', '.join(_CLASS_GROUPS)}) takes the rows bound to "
                f"{CLASS_PLACEHOLDER}=classes, a field of the shared groups "
                f"({', '.join(_GROUPS)}) the others"
            )
            raise InputError(msg)
        klass = classes.index(item.keys[CLASS_PLACEHOLDER]) if own else None
        found = by_field.setdefault((row.field, klass), [])
        if _is_lever(row):
            member = members.get((row.field, klass), 0)
            members[(row.field, klass)] = member + 1
            mine = _keyed_paths(item.path, keyed)
            found += mine
            steps.setdefault((row.field, klass), []).extend(
                (member, int(p.rsplit(".", 1)[1])) for p in mine
            )
            continue
        if not item.sold:
            found.append(_UNSOLD)  # its place on the member axis, where it is 0
        elif item.fixed:
            found.append(item.path)
        elif row.user_keys == ("project",):
            found += [item.path.replace("{project}", pid) for pid in ids]
        else:
            found += _keyed_paths(item.path, keyed)
    slots = []
    model_years = tuple(int(y) for y in data.years)
    for (name, klass), found in by_field.items():
        row = rows[name]
        group, field = name.split(".")
        lever = _is_lever(row)
        member_axis = any(p not in (CLASS_PLACEHOLDER, "year") for p in row.placeholders)
        slots.append(
            _Slot(
                group,
                field,
                tuple(found),
                any(p != CLASS_PLACEHOLDER for p in row.placeholders),
                row.unit in _PERCENT_UNITS,
                row.kind in ("text", "choice"),
                not row.nullable and row.user_keys != ("project",) and not lever,
                klass,
                tuple(steps.get((name, klass), ())) if lever else None,
                members.get((name, klass), 0) if lever and member_axis else 0,
                model_years if lever else (),
            )
        )
    layout = data.memo[key] = ParameterLayout(tuple(slots), len(classes))
    return layout


def _is_lever(row: parameters.ParameterSpec) -> bool:
    """A year-keyed policy lever: a step on the model years, not anchors interpolated.

    The ``{year}`` rows of the choice model's groups (``choice``, ``policy``) are
    levers: a key holds from its year until the next.
    """
    return row.user_keys == ("year",) and row.field.split(".")[0] in _LEVER_GROUPS


#: The groups of the typed parameters whose ``{year}`` keys are steps.
_LEVER_GROUPS = frozenset({"choice", "policy"})


def _keyed(path: str) -> bool:
    """Whether a path is one key of a row keyed by a year or a year of operation."""
    row = parameters.spec(path)
    return row is not None and bool(row.user_keys) and row.user_keys != ("project",)


def _keyed_paths(template: str, paths: Sequence[str]) -> list[str]:
    """The paths of a template with one key (``pipeline.ramp.{operation_year}``), by key."""
    head, _, tail = template.partition("{")
    pattern = re.compile(re.escape(head) + r"([0-9]+)" + re.escape(tail.partition("}")[2]) + "$")
    found = [(int(m[1]), p) for p in paths if (m := pattern.match(p))]
    return [p for _, p in sorted(found)]


def chain_parameters(
    values: Mapping[str, Any], layout: ParameterLayout, runs: int = 1
) -> ChainParameters:
    """A scenario's values as the chain's typed parameters (:meth:`ParameterLayout.build`)."""
    return layout.build(values, runs)


def chain_setup(
    scenario: ResolvedScenario, data: Dataset
) -> tuple[chain.ChainInputs, ParameterLayout]:
    """The chain's dataset arrays and the layout of a scenario's parameters, checked."""
    values = scenario.values
    renewable_years = keyed_years(values, "grid.renewable_share")
    gdp_years = keyed_years(values, "market.gdp_growth")
    key = ("chain-inputs", tuple(renewable_years), tuple(gdp_years))
    inputs = data.memo.get(key)
    if inputs is None:  # the same for every scenario with the same anchor years
        inputs = data.memo[key] = build_inputs(data, renewable_years, gdp_years)
    inputs = _with_schedules(inputs, data, values)
    for vehicle_class, own in zip(data.dims.classes.ids, inputs.classes, strict=True):
        _check_saturation(scenario, own, vehicle_class)
        _check_choice(scenario, own, vehicle_class, data)
    return inputs, parameter_layout(data, values, inputs.projects.ids)


def _check_choice(
    scenario: ResolvedScenario, inputs: chain.ClassInputs, vehicle_class: str, data: Dataset
) -> None:
    """A class whose buyers choose needs the dataset's prices and taxes of it."""
    path = f"{vehicle_class}.market.share_model"
    if scenario.values.get(path) == "choice" and inputs.choice is None:
        origin = scenario.provenance.get(path, "dataset").split(";")[0]
        msg = (
            f"{origin}: {path} = 'choice', but {data.path} has no purchase-tax rates or tax "
            f"bases of {vehicle_class!r} (vehicle_taxes.csv, tax_bases.csv) to price its "
            "vehicles; use 'logistic'"
        )
        raise InputError(msg)


def prepare(scenario: ResolvedScenario, data: Dataset) -> tuple[chain.ChainInputs, ChainParameters]:
    """The chain's dataset arrays and central parameters (one run) of a scenario."""
    inputs, layout = chain_setup(scenario, data)
    return inputs, layout.build(scenario.values)


def _check_saturation(
    scenario: ResolvedScenario, inputs: chain.ClassInputs, vehicle_class: str
) -> None:
    """A class's Gompertz ceiling must lie above every ownership level observed of it."""
    path = f"{vehicle_class}.market.saturation"
    saturation = float(scenario.values[path])
    dist = scenario.distributions.get(path)
    if dist is not None:  # every draw must lie above, not only the central value
        saturation = dist.support[0]
    highest = float(np.max(inputs.ownership_obs))
    if saturation <= highest:
        origin = scenario.provenance.get(path, "dataset").split(";")[0]
        what = "can be as low as" if dist is not None else "="
        msg = (
            f"{origin}: {path} {what} {exact(saturation)} veh/1000 persons; it must "
            f"exceed the highest observed ownership, {highest:.1f} veh/1000 persons"
        )
        raise InputError(msg)
    if scenario.values.get(path) == "choice":
        needs = [f"{vehicle_class}.choice.{n}" for n in _CHOICE_NEEDS]
        for needed in (*needs, *_SHARED_CHOICE_NEEDS):
            if scenario.values.get(needed) is None:
                msg = (
                    f"{scenario.provenance.get(path, 'dataset').split(';')[0]}: {path} = "
                    f"'choice' needs {needed}, which has no value in the dataset "
                    f"(choice_fit.csv, assumptions.csv, choice.csv); set it or use 'logistic'"
                )
                raise InputError(msg)


#: The choice model's parameters of a class (after its id) and shared, that may be
#: unset in a dataset whose classes all follow logistic curves.
_CHOICE_NEEDS = ("cost_sensitivity", "inertia", "origin_sensitivity")
_SHARED_CHOICE_NEEDS = (
    "choice.range_decay",
    "choice.availability_decay",
    "battery.pack_price_decline",
    "policy.purchase_tax.threshold_growth",
)


@dataclass(frozen=True)
class Labels:
    """Coordinates of the result arrays (the same for every scenario of a dataset)."""

    years: tuple[int, ...]
    base_year: int
    projects: tuple[str, ...]
    project_kinds: tuple[str, ...]
    project_units: tuple[str, ...]
    categories: Categories
    classes: tuple[str, ...]
    """The vehicle classes' ids (the ``vehicle_class`` coordinate), in the dataset's order."""
    vehicles: str = ""
    """The label of the modelled vehicle class(es), for the arrays' long names."""
    union: str = ""
    """The label of the export destination in a duty-free bloc with home ('' if none)."""
    price_year: int = 0
    """The year of the US dollars of money results (:func:`evhub.prices.report_price_year`)."""


def labels(data: Dataset) -> Labels:
    """The coordinates of a dataset's results."""
    if "labels" in data.memo:
        return data.memo["labels"]  # type: ignore[no-any-return]
    projects = load_pipeline(data)
    data.memo["labels"] = Labels(
        years=tuple(int(y) for y in data.years),
        base_year=data.base_year,
        projects=tuple(p.id for p in projects),
        project_kinds=tuple(_project_kinds(data, projects)),
        project_units=tuple(p.capacity_unit for p in projects),
        categories=categories(data),
        classes=tuple(data.dims.classes.ids),
        vehicles=" and ".join(data.dims.classes.labels().values()),
        union=", ".join(
            data.dims.destinations.label(d) for d in data.dims.in_union_with_home("destinations")
        ),
        price_year=report_price_year(),
    )
    return data.memo["labels"]  # type: ignore[no-any-return]


#: The dim of a vehicle class's own results, right after ``run``.
_CLASS_DIM = "vehicle_class"


def _coords(names: Labels) -> dict[str, list[Any]]:
    """The coordinates of the results' dims (by dim name)."""
    return {
        "year": list(names.years),
        _CLASS_DIM: list(names.classes),
        "powertrain": list(names.categories.powertrains),
        "fuel": list(names.categories.fuels),
        "material": list(names.categories.materials),
        "project": list(names.projects),
        "class": list(names.categories.groups),
        "origin": list(names.categories.origins),
    }


def _results(names: Labels) -> dict[str, tuple[tuple[str, ...], str, str]]:
    """Each result of the chain: its dims after ``run``, unit and long name.

    A vehicle class's own results lead with ``vehicle_class``; the dim
    ``class`` is the powertrain group (the output classes of vehicle plants).
    """
    built, union, usd = names.vehicles, names.union or "the union", f"USD_{names.price_year}"
    own = _CLASS_DIM
    return {
        "sales": ((own, "powertrain", "year"), "veh/yr", "New-vehicle sales"),
        "stock": ((own, "powertrain", "year"), "veh", "Stock at the end of the year"),
        "retirements": ((own, "powertrain", "year"), "veh/yr", "Vehicles retired"),
        "vehicle_km": ((own, "powertrain", "year"), "km/yr", "Distance driven"),
        "fuel_energy": ((own, "fuel", "year"), "PJ/yr", "Fuel use"),
        "electricity": ((own, "year"), "TWh/yr", "Electricity from the grid"),
        "co2_tank_to_wheel": ((own, "year"), "MtCO2/yr", "Tank-to-wheel CO2"),
        "co2_electricity": ((own, "year"), "MtCO2/yr", "CO2 of electricity used"),
        "co2_target": ((own, "year"), "MtCO2/yr", "Target path for the class's CO2"),
        "grid_intensity": (("year",), "gCO2/kWh", "Grid CO2 intensity"),
        "battery_demand": ((own, "year"), "GWh/yr", "Battery capacity in new vehicles"),
        "battery_retired": ((own, "year"), "GWh/yr", "Battery capacity retired"),
        "battery_second_life": ((own, "year"), "GWh/yr", "Retired capacity to second life"),
        "battery_recycling": ((own, "year"), "GWh/yr", "Retired capacity to recycling"),
        "materials": ((own, "material", "year"), "kt/yr", "Materials in new batteries"),
        "ownership": ((own, "year"), "veh/1000 persons", "Vehicles per 1,000 people"),
        "capacity": (("project", "year"), "veh/yr or GWh/yr", "Usable capacity by project"),
        "production": ((own, "class", "year"), "veh/yr", f"{built} built"),
        "domestic_sales": (
            (own, "class", "year"),
            "veh/yr",
            "Sales of vehicles built in the country",
        ),
        "exports": ((own, "class", "year"), "veh/yr", f"{built} exported"),
        "exports_eu": ((own, "year"), "veh/yr", f"{built} exported to {union}"),
        "imports": ((own, "origin", "year"), "veh/yr", f"{built} imported"),
        "trade_balance": ((own, "year"), f"bn {usd}/yr", f"{built}: exports minus imports"),
        "investment": (("year",), f"million {usd}/yr", "Investment realised"),
        "employment": (("year",), "persons", "Direct jobs at the plants"),
        "cell_demand": (
            (own, "year"),
            "GWh/yr",
            "Cells needed by the vehicles built in the country",
        ),
        "cell_supply": (("year",), "GWh/yr", "Cells made in the country"),
        "cell_imports": (("year",), "GWh/yr", "Cells imported"),
        "cell_self_sufficiency": (("year",), "1", "Cell self-sufficiency"),
        "price": (
            (own, "powertrain", "year"),
            f"{usd}/veh",
            "Average price paid for a new vehicle",
        ),
    }


def to_dataset(out: chain.ChainOutputs, names: Labels) -> xr.Dataset:
    """Label the chain's arrays: dims ``run``, ``year`` and the rest, with units.

    A vehicle class's own results have the dim ``vehicle_class`` (coordinate:
    the class ids) right after ``run``; the dim ``class`` is the powertrain
    group (the output classes of vehicle plants), not the vehicle class.
    """
    variables = {
        name: xr.DataArray(
            getattr(out, name), dims=("run", *dims), attrs={"units": units, "long_name": long}
        )
        for name, (dims, units, long) in _results(names).items()
    }
    ds = xr.Dataset(variables, coords=_coords(names), attrs={"base_year": names.base_year})
    return ds.assign_coords(
        project_kind=("project", list(names.project_kinds)),
        project_unit=("project", list(names.project_units)),
    )


def to_arrays(out: chain.ChainOutputs, names: Labels) -> Arrays:
    """The chain's arrays with the names of their dims, as :func:`to_dataset` labels them.

    What the IAMC variables are computed from (:class:`evhub.variables.Arrays`),
    without building labelled arrays: an ensemble's chunks use it.
    """
    results = _results(names)
    coords: dict[str, tuple[Any, ...]] = {k: tuple(v) for k, v in _coords(names).items()}
    coords["project_kind"] = tuple(names.project_kinds)
    return Arrays(
        {name: getattr(out, name) for name in results},
        {name: dims for name, (dims, _, _) in results.items()},
        coords,
    )


def project_table(scenario: ResolvedScenario, data: Dataset, year: int) -> pd.DataFrame:
    """The registry with a scenario's probability, delay, start and expected capacity.

    See :func:`evhub.api.pipeline`.
    """
    registry = load_pipeline(data)
    projects = _projects(data)
    values = scenario.values
    params = chain_parameters(values, parameter_layout(data, values, projects.ids)).pipeline
    weight, start, nameplate = chain.project_terms(projects, params)
    flows = params
    if year <= data.base_year:  # history years follow the dataset defaults, as in `run`
        flows = _history_parameters(data)[0]
    usable, _, _ = chain.project_flows(projects, flows, data.years.astype(float), data.base_year)
    probabilities = load_stage_probabilities(data)
    table = pipeline_table(registry, probabilities, share_columns(data.dims))
    index = {p.id: i for i, p in enumerate(registry)}
    rows = table["id"].map(index).to_numpy()
    delay = start[0] - np.where(np.isnan(projects.start), projects.stage_year, projects.start)
    table["probability"] = weight[0, rows]
    table["delay"] = np.where(np.isfinite(start[0, rows]), delay[rows], 0.0)
    table["start"] = np.where(np.isfinite(start[0, rows]), start[0, rows], np.nan)
    known = ~np.isnan(projects.nameplate) | projects.vehicle
    table["capacity"] = np.where(known[rows], nameplate[0, rows], np.nan)
    table["expected_capacity"] = table["capacity"] * table["probability"]
    table["usable"] = np.where(known[rows], usable[0, rows, int(year - data.first_year)], np.nan)
    table = sort_table(table)
    table.attrs.update(scenario=scenario.name, year=int(year))
    return table


def _project_kinds(data: Dataset, projects: Sequence[Project]) -> Iterator[str]:
    """Each project's kind: the ``project_kinds`` member its registry kind and segment select."""
    kinds = data.dims.project_kinds
    for row, p in enumerate(projects, start=2):
        chosen = [
            m.id
            for m in kinds.members
            if p.kind in m.attributes["registry_kinds"]
            and (m.attributes["segment"] or "") == p.segment
        ]
        if len(chosen) != 1:
            msg = (
                f"{data.path / PIPELINE_FILE}: row {row}: kind {p.kind!r} and segment "
                f"{p.segment!r} of {p.id!r} select {len(chosen)} of the project kinds of "
                f"{DIMENSIONS_FILE} ({', '.join(chosen) or 'none'}); each row needs exactly one "
                "(its registry_kinds hold the kind and its segment is the segment)"
            )
            raise InputError(msg)
        yield chosen[0]

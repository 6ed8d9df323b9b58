"""Calibrate the fleet so the model's stock from sourced sales reproduces the observed stock.

The history of the fleet is run exactly as :func:`evhub.model.chain.simulate`
runs it (observed sales where they exist; in years without observed sales, the
inflow that reaches the observed, interpolated stock), for candidate lifetime
parameters. :func:`scipy.optimize.least_squares` minimises the relative error
of the total stock over the calibration years and of the average age. Then,
with that lifetime, the share of new petrol cars converted to LPG is fitted to
the LPG share of the stock in the last calibration year
(:func:`scipy.optimize.minimize_scalar`), where the dataset has a powertrain
that new cars are converted to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import optimize

from evhub import parameters
from evhub.compose import (
    CLASS_PLACEHOLDER,
    CONVERSION_SHARE,
    build_inputs,
    chain_parameters,
    keyed_years,
    parameter_layout,
)
from evhub.dataset import Dataset
from evhub.dims import DIMENSIONS_FILE
from evhub.errors import InputError
from evhub.model import chain, history, lifetime
from evhub.model.parameters import ChainParameters, FleetParameters
from evhub.scenario import ResolvedScenario

__all__ = ["Calibration", "average_age", "backcast", "calibrate", "stock_mix"]

_PERCENT = 100.0


@dataclass(frozen=True)
class Calibration:
    """Fitted parameters, the stock error per year and the stock mix by fuel."""

    parameters: dict[str, float]
    table: pd.DataFrame  # year, observed, modelled, error_percent
    max_abs_error_percent: float
    shares: pd.DataFrame  # year, fuel, observed [%], modelled [%]


def _history_stock(inputs: chain.ChainInputs, k: int, fleet: FleetParameters) -> np.ndarray:
    """Total modelled stock of class ``k`` in history years for each run (run, year)."""
    return _history_fleet(inputs, k, fleet)[0]


def _history_fleet(
    inputs: chain.ChainInputs, k: int, fleet: FleetParameters
) -> tuple[np.ndarray, np.ndarray]:
    """Modelled stock (run, year) and average age at the end of each year (run, year) [yr].

    Both of class ``k`` (its position among the classes), for the history
    years (the first model year to the base year).
    """
    own = inputs.classes[k]
    years = inputs.years
    nb = inputs.cohorts_before
    h = int(np.searchsorted(years, inputs.base_year, side="right"))
    life = chain.make_lifetime(fleet)
    survival = lifetime.survival_matrix(life, years=h, cohorts_before=nb)
    growth = fleet.initial_stock_growth
    first = history.first_stock(own.stock, growth)
    initial_by_age, initial_survival = history.initial_stock(life, nb, growth, first)
    given, target = history.history_targets(years, inputs.base_year, own.sales, own.stock, first)
    past = history.history_fleet(survival, initial_by_age, initial_survival, given, target)
    vintages = np.arange(-nb, h, dtype=float)
    ages = np.arange(h, dtype=float)[:, None] - vintages[None, :] + lifetime.HALF_YEAR
    ages = np.where(ages > 0, ages, 0.0)
    by_cohort = past.stock_by_cohort
    age: np.ndarray = (by_cohort * ages[None]).sum(axis=2) / past.stock
    return past.stock, age


def _class(data: Dataset, vehicle_class: str | None) -> tuple[int, Dataset]:
    """The position of the vehicle class to calibrate, and the class's view of the dataset.

    ``None`` stands for the only class of a dataset with one.

    Raises
    ------
    InputError
        If the class is not one of the dataset's, or is ``None`` with several.
    """
    classes = data.dims.classes.ids
    if vehicle_class is None:
        if len(classes) != 1:
            msg = (
                f"calibrate: the dataset has the vehicle classes {', '.join(classes)}; "
                "name the one to calibrate (evhub calibrate --class CLASS)"
            )
            raise InputError(msg)
        vehicle_class = classes[0]
    view = data.of_class(vehicle_class)  # refuses a class not in the dataset
    return list(classes).index(vehicle_class), view


def backcast(
    scenario: ResolvedScenario,
    data: Dataset,
    years: Sequence[int] | None = None,
    vehicle_class: str | None = None,
) -> pd.DataFrame:
    """Modelled against observed stock of a vehicle class for the scenario's lifetime.

    ``vehicle_class`` may be left out for a dataset with one class.

    Returns
    -------
    DataFrame
        ``year``, ``observed`` [veh], ``modelled`` [veh], ``error_percent`` [%].
    """
    k, view = _class(data, vehicle_class)
    inputs = _inputs(scenario, data)
    stock = _history_stock(inputs, k, _parameters(scenario, data).classes[k].fleet)
    return _table(view, stock[0], years)


def average_age(
    scenario: ResolvedScenario, data: Dataset, vehicle_class: str | None = None
) -> pd.DataFrame:
    """Modelled against observed average age of a vehicle class's stock.

    ``vehicle_class`` may be left out for a dataset with one class.

    Returns
    -------
    DataFrame
        ``year``, ``observed`` [yr], ``modelled`` [yr].
    """
    k, view = _class(data, vehicle_class)
    inputs = _inputs(scenario, data)
    _, age = _history_fleet(inputs, k, _parameters(scenario, data).classes[k].fleet)
    observed = view.series("stock", "average_age", powertrain="")
    chosen = [int(y) for y in observed.index if data.first_year <= y <= data.base_year]
    return pd.DataFrame(
        {
            "year": chosen,
            "observed": observed.loc[chosen].to_numpy(float),
            "modelled": [float(age[0, y - data.first_year]) for y in chosen],
        }
    )


def _stock_shares(
    inputs: chain.ChainInputs, params: ChainParameters, k: int, groups: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Modelled share of class ``k``'s stock by the statistics office's fuel group [%], by year.

    Each powertrain counts in its ``statistics_group`` (dimensions.yaml).
    """
    stock = chain.simulate(inputs, params).stock[0, k]  # (powertrain, year)
    total = stock.sum(axis=0)
    return {group: stock[mask].sum(axis=0) / total * _PERCENT for group, mask in groups.items()}


def _statistics_groups(data: Dataset) -> dict[str, np.ndarray]:
    """Each statistics group's powertrains, as a mask over the powertrain axis."""
    dims = data.dims
    return {
        group: dims.powertrains.mask(statistics_group=group)
        for group in dims.statistics_groups.ids
        if dims.powertrains.where(statistics_group=group)
    }


def _converted_group(data: Dataset) -> str | None:
    """The statistics group of the powertrain new cars are converted to (``converted_from``).

    ``None`` where no powertrain has a ``converted_from`` (nothing to fit).

    Raises
    ------
    InputError
        If more than one powertrain has a ``converted_from``: the calibration
        fits one conversion share, ``fleet.lpg_conversion_share``.
    """
    pts = data.dims.powertrains
    targets = [m for m in pts.members if m.attributes["converted_from"] is not None]
    if not targets:
        return None
    if len(targets) > 1:
        msg = (
            f"{data.path / DIMENSIONS_FILE}: the calibration fits one conversion share "
            "(fleet.lpg_conversion_share) to the powertrain new cars are converted to, so "
            "at most one powertrain may have a converted_from; found "
            f"{', '.join(m.id for m in targets)}"
        )
        raise InputError(msg)
    return str(targets[0].attributes["statistics_group"])


def stock_mix(
    scenario: ResolvedScenario, data: Dataset, vehicle_class: str | None = None
) -> pd.DataFrame:
    """Modelled against observed stock shares of a vehicle class by fuel group, every year.

    ``vehicle_class`` may be left out for a dataset with one class.

    Returns
    -------
    DataFrame
        ``year``, ``fuel``, ``observed`` [%], ``modelled`` [%].
    """
    k, view = _class(data, vehicle_class)
    inputs = _inputs(scenario, data)
    shares = _stock_shares(inputs, _parameters(scenario, data), k, _statistics_groups(data))
    return _mix_table(view, shares)


def _parameters(scenario: ResolvedScenario, data: Dataset) -> ChainParameters:
    """The scenario's typed parameters (one run)."""
    return chain_parameters(scenario.values, parameter_layout(data, scenario.values))


def _field(path: str, classes: Sequence[str]) -> tuple[str, str, int | None]:
    """The group, field and vehicle class (its position; None if shared) of a catalogue path."""
    row = parameters.spec(path)
    if row is None or not row.field:
        msg = f"{path}: not a parameter of the chain; it cannot be fitted"
        raise InputError(msg)
    group, name = row.field.split(".")
    if CLASS_PLACEHOLDER not in row.bindings:
        return group, name, None
    own = path.split(".", 1)[0]
    if own not in classes:
        msg = f"{path}: {own!r} is not a vehicle class of the dataset ({', '.join(classes)})"
        raise InputError(msg)
    return group, name, list(classes).index(own)


def _with(
    params: ChainParameters, path: str, value: float, classes: Sequence[str]
) -> ChainParameters:
    """The parameters with the field of a catalogue path set to one value (model units)."""
    group, name, klass = _field(path, classes)
    if klass is None:
        changed = replace(getattr(params, group), **{name: np.array([value])})
        return replace(params, **{group: changed})
    own = params.classes[klass]
    changed = replace(getattr(own, group), **{name: np.array([value])})
    updated = list(params.classes)
    updated[klass] = replace(own, **{group: changed})
    return replace(params, classes=tuple(updated))


def _value(params: ChainParameters, path: str, classes: Sequence[str]) -> float:
    """The value (model units) of the field of a catalogue path."""
    group, name, klass = _field(path, classes)
    holder = params if klass is None else params.classes[klass]
    return float(getattr(getattr(holder, group), name)[0])


def _mix_table(data: Dataset, shares: Mapping[str, np.ndarray]) -> pd.DataFrame:
    rows = data.rows("stock", "stock_share").dropna(subset=["year"])
    out = [
        {
            "year": int(r["year"]),
            "fuel": r["powertrain"],
            "observed": float(r["value"]),
            "modelled": float(shares[r["powertrain"]][int(r["year"]) - data.first_year]),
        }
        for r in rows.to_dict("records")
        if data.first_year <= int(r["year"]) <= data.base_year
    ]
    return pd.DataFrame(out, columns=["year", "fuel", "observed", "modelled"])


def _inputs(scenario: ResolvedScenario, data: Dataset) -> chain.ChainInputs:
    return build_inputs(
        data,
        keyed_years(scenario.values, "grid.renewable_share"),
        keyed_years(scenario.values, "market.gdp_growth"),
    )


def _table(data: Dataset, stock: np.ndarray, years: Sequence[int] | None) -> pd.DataFrame:
    observed = data.series("stock", "stock", powertrain="")
    chosen = [
        int(y) for y in (years if years is not None else observed.index) if y in observed.index
    ]
    chosen = [y for y in chosen if data.first_year <= y <= data.base_year]
    modelled = np.array([stock[y - data.first_year] for y in chosen])
    obs = observed.loc[chosen].to_numpy(float)
    return pd.DataFrame(
        {
            "year": chosen,
            "observed": obs,
            "modelled": modelled,
            "error_percent": (modelled / obs - 1.0) * _PERCENT,
        }
    )


def calibrate(
    scenario: ResolvedScenario,
    data: Dataset,
    years: Sequence[int],
    fit: Sequence[str] | None = None,
    vehicle_class: str | None = None,
) -> Calibration:
    """Fit a vehicle class's lifetime parameters to its observed stock and average age.

    The residuals are the relative errors of the total stock in each
    calibration year and of the average age in every year it is observed.

    Parameters
    ----------
    scenario
        Gives the starting values and every parameter not fitted.
    data
        The dataset with observed sales and stock.
    years
        Calibration years (observed stock must exist in each).
    fit
        Parameter paths to fit (by default the vehicle class's Weibull shape
        and scale and its pre-model sales growth, :data:`FIT`).
    vehicle_class
        The class whose stock is fitted; may be left out for a dataset with
        one class.

    Returns
    -------
    Calibration

    Raises
    ------
    InputError
        If ``vehicle_class`` is not one of the dataset's classes, or is left
        out of a dataset with several.
    """
    classes = data.dims.classes.ids
    k, view = _class(data, vehicle_class)
    own = classes[k]
    fit = [f"{own}.{p}" for p in FIT] if fit is None else list(fit)
    inputs = _inputs(scenario, data)
    base = _parameters(scenario, data)
    observed = view.series("stock", "stock", powertrain="")
    chosen = [y for y in years if y in observed.index]
    idx = np.array([y - data.first_year for y in chosen])
    obs = observed.loc[chosen].to_numpy(float)
    start = np.array([_value(base, p, classes) for p in fit])

    ages = view.series("stock", "average_age", powertrain="")
    age_years = [int(y) for y in ages.index if data.first_year <= y <= data.base_year]
    age_idx = np.array([y - data.first_year for y in age_years], dtype=int)
    age_obs = ages.loc[age_years].to_numpy(float)

    def residuals(x: np.ndarray) -> np.ndarray:
        params = base
        for p, v in zip(fit, x, strict=True):
            params = _with(params, p, float(v), classes)
        stock, age = _history_fleet(inputs, k, params.classes[k].fleet)
        out: np.ndarray = np.concatenate(
            [stock[0, idx] / obs - 1.0, age[0, age_idx] / age_obs - 1.0]
        )
        return out

    lower = np.array([_LOWER.get(_generic(p, classes), -np.inf) for p in fit])
    upper = np.array([_UPPER.get(_generic(p, classes), np.inf) for p in fit])
    sol = optimize.least_squares(residuals, np.clip(start, lower, upper), bounds=(lower, upper))
    fitted = {p: float(v) for p, v in zip(fit, sol.x, strict=True)}
    params = base
    for p, v in fitted.items():
        params = _with(params, p, v, classes)
    stock = _history_stock(inputs, k, params.classes[k].fleet)[0]
    table = _table(view, stock, chosen)

    groups = _statistics_groups(data)
    converted = _converted_group(data)
    if converted is not None:
        path = f"{own}.{CONVERSION_SHARE}"
        params, fitted[path] = _fit_conversion(
            view, inputs, params, k, chosen, groups, converted, path
        )
    shares = _mix_table(view, _stock_shares(inputs, params, k, groups))
    display = {
        p: (v * _PERCENT if parameters.spec(p).unit in _PERCENT_UNITS else v)  # type: ignore[union-attr]
        for p, v in fitted.items()
    }
    return Calibration(display, table, float(table["error_percent"].abs().max()), shares)


def _fit_conversion(
    data: Dataset,
    inputs: chain.ChainInputs,
    params: ChainParameters,
    k: int,
    chosen: Sequence[int],
    groups: Mapping[str, np.ndarray],
    converted: str,
    path: str,
) -> tuple[ChainParameters, float]:
    """The parameters with class ``k``'s conversion share (``path``) fitted, and the share [1].

    ``data`` is the class's view of the dataset.

    One constant share cannot follow a trend of conversions (conversions may
    rise or fall over the years), so it is fitted to the stock share of the statistics
    group of the converted cars (``converted``) in the last calibration year,
    the starting point of the projection.
    """
    classes = data.dims.classes.ids
    rows = data.rows("stock", "stock_share", powertrain=converted).dropna(subset=["year"])
    rows = rows[rows["year"] == max(y for y in chosen if y in set(rows["year"].astype(int)))]
    idx = rows["year"].astype(int).to_numpy() - data.first_year
    observed = rows["value"].to_numpy(float)

    def error(share: float) -> float:
        trial = _with(params, path, share, classes)
        modelled = _stock_shares(inputs, trial, k, groups)[converted][idx]
        return float(np.sum((modelled - observed) ** 2))

    fit = optimize.minimize_scalar(error, bounds=(0.0, 1.0), method="bounded")
    return _with(params, path, float(fit.x), classes), float(fit.x)


#: The paths (after the vehicle class's id) :func:`calibrate` fits by default.
FIT = ("fleet.lifetime.shape", "fleet.lifetime.scale", "fleet.initial_stock_growth")
_PERCENT_UNITS = ("%", "%/yr")


def _generic(path: str, classes: Sequence[str]) -> str:
    """A class's path without its class id (the key of the search bounds)."""
    head, _, rest = path.partition(".")
    return rest if head in classes else path


# Search bounds of the fit (numerical guards, not facts): a Weibull shape and
# scale that keep the survival curve well defined, and pre-model growth rates.
_LOWER = {
    "fleet.lifetime.shape": 0.5,
    "fleet.lifetime.scale": 5.0,
    "fleet.initial_stock_growth": -0.05,
}
_UPPER = {
    "fleet.lifetime.shape": 12.0,
    "fleet.lifetime.scale": 120.0,
    "fleet.initial_stock_growth": 0.2,
}

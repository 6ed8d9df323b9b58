r"""The history the fleet is calibrated on: the initial stock and the observed years.

This module owns what the model takes from observation up to the base year:

- the stock at the end of the year before the first model year
  (:func:`first_stock`), its split by age (:func:`initial_stock`) and by
  powertrain (:func:`initial_stock_by_powertrain`);
- the sales and stock targets of the history years (:func:`history_targets`)
  and the fleet they give (:func:`history_fleet`), solved by
  :func:`evhub.model.fleet.stock_driven_from_survival`, the model's one
  stock-driven solver;
- the rule that observed values hold up to the base year and projected ones
  after it (:func:`splice`).

Arrays have a leading ``run`` axis; ``year`` axes are the model years, or the
history years (the first model year to the base year) where a name says so.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from evhub.model import fleet, lifetime

__all__ = [
    "first_stock",
    "history_fleet",
    "history_targets",
    "initial_stock",
    "initial_stock_by_powertrain",
    "splice",
]

F = NDArray[np.float64]


def first_stock(stock: F, growth: F) -> F:
    r"""Stock at the end of the year before the first model year [veh].

    Parameters
    ----------
    stock : (year,)
        Observed stock, interpolated between observations, NaN where not
        observed [veh].
    growth : (run,)
        Growth of the stock before its first observation [1/yr].

    Returns
    -------
    (run,)
        :math:`K_{-1} = K_f (1 + g)^{-(f + 1)}`, the first observed stock
        :math:`K_f` (year index :math:`f`) taken back at the rate :math:`g` [veh].
    """
    first = int(np.flatnonzero(~np.isnan(stock))[0])
    out: F = stock[first] * (1.0 + growth) ** (-(first + 1))
    return out


def initial_stock(life: lifetime.Lifetime, cohorts_before: int, growth: F, stock: F) -> tuple[F, F]:
    r"""The stock before the first model year by age, and its survival.

    Parameters
    ----------
    life
        Lifetime with parameters of shape (run,).
    cohorts_before
        Number of earlier cohorts :math:`A`.
    growth : (run,)
        Growth of sales before the first model year [1/yr].
    stock : (run,)
        Stock at the end of the year before the first model year [veh].

    Returns
    -------
    by_age : (run, cohorts_before)
        Stock at the end of the year before the first model year by age, age
        0 first (the initial stock of :mod:`evhub.model.fleet`) [veh].
    survival : (run, cohorts_before)
        Survival of each age at that time, :math:`S(a + \tfrac12)` [1].

    Notes
    -----
    Sales :math:`q_a \propto (1 + g)^{-a}` for the cohort aged :math:`a` at
    the end of year :math:`-1`, scaled so that
    :math:`\sum_a q_a S(a + \tfrac12)` equals the stock; the stock of age
    :math:`a` is :math:`q_a S(a + \tfrac12)`.
    """
    ages = np.arange(cohorts_before, dtype=float)
    weights = (1.0 + growth[:, None]) ** (-ages[None, :])  # (run, age)
    surviving = life.sf(ages + lifetime.HALF_YEAR)  # (run, age)
    scale = stock / (weights * surviving).sum(axis=1)
    sales = weights * scale[:, None]
    by_age: F = sales * surviving
    return by_age, surviving


def initial_stock_by_powertrain(by_age: F, shares: F) -> F:
    """The stock before the first model year by powertrain and age.

    Parameters
    ----------
    by_age : (run, cohorts_before)
        Stock by age (:func:`initial_stock`) [veh].
    shares : (powertrain,)
        Powertrain mix of that stock, the same at every age [1].

    Returns
    -------
    (run, powertrain, cohorts_before)
        [veh]
    """
    out: F = by_age[:, None, :] * shares[None, :, None]
    return out


def history_targets(years: F, base_year: int, sales: F, stock: F, first_stock: F) -> tuple[F, F]:
    """Given sales and stock targets of the history years.

    Parameters
    ----------
    years : (year,)
        Model years [yr].
    base_year
        Last observed year [yr].
    sales : (year,)
        Observed new-car sales, NaN where not observed [veh/yr].
    stock : (year,)
        Observed stock, interpolated between observations, NaN where not
        observed [veh].
    first_stock : (run,)
        Stock at the end of the year before the first model year [veh].

    Returns
    -------
    given : (run, history year)
        Observed sales where they exist, else NaN [veh/yr].
    target : (run, history year)
        Where no sales are observed: the observed stock (interpolated
        between observations), or before the first observation the stock
        growing geometrically from ``first_stock`` towards it [veh]; else NaN.
    """
    runs = first_stock.shape[0]
    h = int(np.searchsorted(years, base_year, side="right"))
    observed_sales, observed_stock = sales[:h], stock[:h]
    no_sales = np.isnan(observed_sales)
    given = observed_sales[None, :].repeat(runs, axis=0)
    target = np.where(no_sales, observed_stock, np.nan)[None, :].repeat(runs, axis=0)
    first = int(np.flatnonzero(~np.isnan(stock))[0])
    before = no_sales & (np.arange(h) < first)
    if before.any():
        # geometric path from the year-before stock to the first observation
        steps = np.arange(h, dtype=float) + 1.0
        growth = (stock[first] / first_stock) ** (1.0 / (first + 1.0))
        path = first_stock[:, None] * growth[:, None] ** steps[None, :]
        target = np.where(before[None, :], path, target)
    return given, target


def history_fleet(
    survival: F, initial_stock: F, initial_survival: F, given: F, target: F
) -> fleet.FleetResult:
    r"""The fleet of the history years: observed sales, else what reaches the stock.

    Parameters
    ----------
    survival : (run, year, cohort)
        Survival matrix of the model years, the earlier cohorts first [1];
        only the history years are used.
    initial_stock, initial_survival : (run, cohorts_before)
        From :func:`initial_stock` [veh], [1].
    given, target : (run, history year)
        From :func:`history_targets` [veh/yr], [veh].

    Returns
    -------
    fleet.FleetResult
        Totals of the history years; ``inflow`` is the total sales [veh/yr].

    Notes
    -----
    :math:`q_t = \max((K_t - \sum_{c<t} S_{t,c} q_c) / S_{t,t}, 0)` where no
    sales are observed (:func:`evhub.model.fleet.stock_driven_from_survival`):
    a fleet that must shrink faster than scrappage keeps its surplus.
    """
    h = given.shape[1]
    nb = initial_stock.shape[1]
    return fleet.stock_driven_from_survival(
        target,
        survival[:, :h, : nb + h],
        initial_stock=initial_stock,
        initial_survival=initial_survival,
        inflow=given,
        clip_negative_inflow=True,
    )


def splice(years: F, base_year: int, observed: F | float, projected: F | float) -> F:
    """Observed values up to the base year, projected ones after it.

    Parameters
    ----------
    years : (year,)
        Model years [yr].
    base_year
        Last observed year [yr].
    observed, projected
        Arrays broadcastable against ``years`` on their last axis [any unit,
        the same for both].

    Returns
    -------
    ndarray
        ``observed`` where ``years <= base_year``, else ``projected``,
        broadcast together.

    Examples
    --------
    >>> import numpy as np
    >>> splice(np.array([2024.0, 2025, 2026]), 2025, np.array([0.7, 0.8, np.nan]),
    ...        np.array([[0.9], [0.5]])).tolist()
    [[0.7, 0.8, 0.9], [0.7, 0.8, 0.5]]
    """
    out: F = np.where(years <= base_year, observed, projected)
    return out

"""New-car sales: the total and its powertrain mix.

Total sales come either from a growth rate or, stock-driven, from car
ownership: a Gompertz curve of cars per 1,000 people in GDP per capita, times
population, gives the stock the fleet must reach; sales are what it takes to
get there (stock growth plus scrappage, solved by
:func:`evhub.model.fleet.stock_driven_from_survival`).

Powertrain shares after the base year follow logistic curves anchored at the
base-year share for the powertrains with a battery; the others (combustion
cars) share what is left in their base-year mix.

All functions take a leading ``run`` axis.

References
----------
Dargay, J., Gately, D. & Sommer, M. (2007). Vehicle ownership and income
growth, worldwide: 1960-2030. The Energy Journal 28(4).
doi:10.5547/ISSN0195-6574-EJ-Vol28-No4-7
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from evhub.model import fleet
from evhub.model.categories import Categories

__all__ = [
    "ban_shares",
    "fit_gompertz",
    "fleet_inflow",
    "gdp_per_capita_path",
    "gompertz",
    "growth_sales",
    "interpolate_anchors",
    "logistic_share",
    "ownership",
    "powertrain_sales",
    "powertrain_shares",
    "sales_from_ownership",
]

F = NDArray[np.float64]

_PER_THOUSAND = 1000.0


def logistic_share(
    years: F,
    base_year: int,
    base_share: F,
    ceiling: F,
    midpoint_year: F,
    steepness: F,
) -> F:
    r"""Share of sales on a logistic path anchored at the base-year share.

    Parameters
    ----------
    years : (year,)
        Years [yr].
    base_year
        The last observed year [yr].
    base_share, ceiling, midpoint_year, steepness : (run,)
        Observed share in the base year [1], long-run share [1], year of
        fastest change [yr], logistic steepness [1/yr].

    Returns
    -------
    (run, year)
        Share [1]; equal to ``base_share`` up to the base year.

    Notes
    -----
    With :math:`\sigma(y) = 1 / (1 + e^{-k (y - m)})`,

    .. math:: s(y) = s_0 + (C - s_0)\,
              \frac{\sigma(y) - \sigma(y_0)}{1 - \sigma(y_0)}, \quad y > y_0

    so :math:`s(y_0) = s_0`, :math:`s \to C` and the change is fastest near
    :math:`m`. A ceiling below the base share gives a logistic decline.
    """
    y = years[None, :]
    k, m = steepness[:, None], midpoint_year[:, None]
    s0, c = base_share[:, None], ceiling[:, None]
    sig = 1.0 / (1.0 + np.exp(-k * (y - m)))
    sig0 = 1.0 / (1.0 + np.exp(-k * (base_year - m)))
    progress = np.clip((sig - sig0) / (1.0 - sig0), 0.0, 1.0)
    share: F = np.where(y > base_year, s0 + (c - s0) * progress, s0)
    return share


def powertrain_shares(
    years: F,
    base_year: int,
    history: F,
    ceiling: F,
    midpoint_year: F,
    steepness: F,
    ice_ban_year: F,
    categories: Categories,
) -> F:
    """Sales shares by powertrain: observed in history, logistic afterwards.

    Parameters
    ----------
    years : (year,)
        Model years [yr].
    base_year
        Last observed year [yr].
    history : (year, powertrain)
        Observed shares [1] (rows after the base year are ignored); each row
        sums to 1.
    ceiling, midpoint_year, steepness : (run, curve)
        Long-run share [1], year of fastest change [yr] and logistic
        steepness [1/yr] of the curve of each powertrain with a battery
        (``categories.battery``), in powertrain order.
    ice_ban_year : (run,)
        From this year, no car without a plug is sold; ``inf`` for no ban [yr].
    categories
        Which powertrains have a battery, a plug and a fuel.

    Returns
    -------
    (run, powertrain, year)
        Shares [1], summing to 1 over powertrains.

    Notes
    -----
    If the curves add up to more than 1 they are scaled down to 1. The
    powertrains without a battery share the rest in their base-year
    proportions. From the ban year, the shares of the powertrains without a
    plug go to those with one in proportion to their shares that year (to
    those with a plug and no fuel if all are zero); the first powertrain with
    a plug takes 1 minus the others' shares, so that they sum to 1.

    Examples
    --------
    Three powertrains in any order: the curve of the one with a battery, the
    rest to the two without in their base-year proportions 3 : 1.

    >>> from evhub.model.categories import Categories
    >>> no = np.array([False, False, False])
    >>> cats = Categories(("bev", "petrol", "diesel"), ("petrol", "diesel"),
    ...     np.array([-1, 0, 1]), np.array([True, False, False]), (), (), (),
    ...     battery=np.array([True, False, False]), groups=("bev", "ice"),
    ...     group_of=np.array([0, 1, 1]), eu_cvd=np.array([True, False]),
    ...     converted_from=np.array([-1, -1, -1]))
    >>> years = np.array([2025.0, 2100.0])
    >>> history = np.array([[0.2, 0.6, 0.2], [0.2, 0.6, 0.2]])
    >>> one = np.ones((1, 1))
    >>> shares = powertrain_shares(years, 2025, history, 0.6 * one, 2030 * one, one,
    ...                            np.array([np.inf]), cats)
    >>> shares[0, :, -1].round(6).tolist()
    [0.6, 0.3, 0.1]
    """
    b = int(np.searchsorted(years, base_year))
    base = history[b]
    runs = ceiling.shape[0]
    curved = np.flatnonzero(categories.battery)
    rest_of = np.flatnonzero(~categories.battery)
    electrified = np.stack(
        [
            logistic_share(
                years,
                base_year,
                np.full(runs, base[i]),
                ceiling[:, k],
                midpoint_year[:, k],
                steepness[:, k],
            )
            for k, i in enumerate(curved)
        ],
        axis=1,
    )  # (run, curve, year)
    total = electrified.sum(axis=1, keepdims=True)
    electrified = electrified / np.maximum(total, 1.0)
    rest_mix = base[rest_of] / max(base[rest_of].sum(), np.finfo(float).tiny)
    rest = 1.0 - electrified.sum(axis=1)  # (run, year)
    shares = np.empty((runs, len(categories.powertrains), len(years)))
    shares[:, rest_of, :] = rest_mix[None, :, None] * rest[:, None, :]
    shares[:, curved, :] = electrified

    ban_shares(shares, years[None, :] >= ice_ban_year[:, None], categories)

    hist = years <= base_year
    shares[:, :, hist] = history[hist].T[None, :, :]
    return shares


def ban_shares(shares: F, banned: NDArray[np.bool_], categories: Categories) -> F:
    """Move the shares of the powertrains without a plug to those with one, where banned.

    Parameters
    ----------
    shares : (run, powertrain, ...)
        Sales shares [1], changed in place.
    banned : (run, ...)
        No vehicle without a plug is sold there.
    categories
        Which powertrains have a plug and burn a fuel.

    Returns
    -------
    (run, powertrain, ...)
        ``shares``: where banned, those without a plug are 0 and those with one
        share 1 in proportion to their shares (to those with a plug and no
        fuel if all are zero); the first with a plug takes 1 minus the others'
        shares, so that they sum to 1.
    """
    if not banned.any():
        return shares
    banned = banned[:, None]
    allowed = np.flatnonzero(categories.plug)
    clean = categories.fuel_of[allowed] < 0  # (allowed,): those that burn no fuel
    fallback = (clean / max(int(np.count_nonzero(clean)), 1)).reshape(
        (1, -1) + (1,) * (shares.ndim - 2)
    )
    plug = shares[:, allowed].sum(axis=1, keepdims=True)  # (run, 1, ...)
    part = np.where(plug > 0, shares[:, allowed] / np.where(plug > 0, plug, 1.0), fallback)
    # the first takes the remainder, so that the parts sum to 1
    part[:, :1] = 1.0 - part[:, 1:].sum(axis=1, keepdims=True)
    gone = np.flatnonzero(~categories.plug)
    shares[:, gone] = np.where(banned, 0.0, shares[:, gone])
    shares[:, allowed] = np.where(banned, part, shares[:, allowed])
    return shares


def powertrain_sales(total: F, shares: F) -> F:
    """Sales by powertrain.

    Parameters
    ----------
    total : (run, year)
        Total sales [veh/yr].
    shares : (run, powertrain, year)
        Sales shares (:func:`powertrain_shares`) [1].

    Returns
    -------
    (run, powertrain, year)
        [veh/yr]
    """
    out: F = shares * total[:, None, :]
    return out


def fleet_inflow(sales: F, conversion_share: F, converted_from: NDArray[np.intp]) -> F:
    """Cars entering the fleet by powertrain: sales, some new cars converted in their first year.

    Parameters
    ----------
    sales : (run, powertrain, year)
        [veh/yr]
    conversion_share : (run,)
        Share of the new cars of a powertrain converted to another in their
        first year (LPG conversions of new petrol cars) [1].
    converted_from : (powertrain,)
        Index of the powertrain whose new cars are converted to this one, -1
        for none (:attr:`evhub.model.categories.Categories.converted_from`).

    Returns
    -------
    (run, powertrain, year)
        [veh/yr]; the converted cars move from their powertrain to the other.
    """
    inflow = sales.copy()
    for target, source in enumerate(converted_from):
        if source >= 0:
            converted = sales[:, source] * conversion_share[:, None]
            inflow[:, source] -= converted
            inflow[:, target] += converted
    return inflow


def interpolate_anchors(years: F, anchor_years: F, anchor_values: F) -> F:
    """Linear interpolation between anchor years, flat beyond the ends.

    Parameters
    ----------
    years : (year,)
        Years to fill [yr].
    anchor_years : (anchor,)
        Increasing anchor years [yr].
    anchor_values : (run, anchor)
        Values at the anchors [any unit].

    Returns
    -------
    (run, year)
    """
    idx = np.searchsorted(anchor_years, years, side="right")
    hi = np.clip(idx, 0, len(anchor_years) - 1)
    lo = np.clip(idx - 1, 0, len(anchor_years) - 1)
    span = anchor_years[hi] - anchor_years[lo]
    weight = np.where(span > 0, (years - anchor_years[lo]) / np.where(span > 0, span, 1.0), 0.0)
    out: F = anchor_values[:, lo] * (1.0 - weight) + anchor_values[:, hi] * weight
    return out


def gdp_per_capita_path(years: F, base_year: int, history: F, gdp_growth: F, population: F) -> F:
    r"""GDP per capita: observed to the base year, then real GDP growth per head.

    Parameters
    ----------
    years : (year,)
        Model years [yr].
    base_year
        Last observed year [yr].
    history : (year,)
        Observed GDP per capita [USD2015/person] (NaN where unknown).
    gdp_growth : (run, year)
        Real GDP growth [1/yr] (used after the base year).
    population : (year,)
        Population [persons].

    Returns
    -------
    (run, year)
        GDP per capita [USD2015/person].

    Notes
    -----
    .. math:: G_y = G_{y-1} (1 + g_y) \, P_{y-1} / P_y
    """
    b = int(np.searchsorted(years, base_year))
    factor = (1.0 + gdp_growth[:, b + 1 :]) * population[b:-1] / population[b + 1 :]
    runs = gdp_growth.shape[0]
    out = np.broadcast_to(history, (runs, len(years))).copy()
    out[:, b + 1 :] = history[b] * np.cumprod(factor, axis=1)
    return out


def fit_gompertz(ownership: F, gdp_per_capita: F, saturation: F) -> tuple[F, F]:
    r"""Fit a Gompertz ownership curve to history for a given saturation.

    Parameters
    ----------
    ownership : (obs,)
        Observed cars per 1,000 people [veh/1000 persons].
    gdp_per_capita : (obs,)
        GDP per capita in the same years [USD2015/person].
    saturation : (run,)
        Saturation level :math:`\gamma` [veh/1000 persons]; must exceed every
        observation.

    Returns
    -------
    alpha, beta : (run,)
        Gompertz parameters [1] and [person/USD2015], both negative.

    Notes
    -----
    :math:`V = \gamma \exp(\alpha \exp(\beta G))` is linear after a double
    log: :math:`\ln(-\ln(V/\gamma)) = \ln(-\alpha) + \beta G`, fitted by
    ordinary least squares (closed form, vectorised over runs).
    """
    z = np.log(-np.log(ownership[None, :] / saturation[:, None]))  # (run, obs)
    g = gdp_per_capita[None, :]
    gm, zm = g.mean(axis=1, keepdims=True), z.mean(axis=1, keepdims=True)
    beta = ((g - gm) * (z - zm)).sum(axis=1) / ((g - gm) ** 2).sum(axis=1)
    alpha = -np.exp(zm[:, 0] - beta * gm[:, 0])
    return alpha, beta


def gompertz(gdp_per_capita: F, saturation: F, alpha: F, beta: F) -> F:
    r"""Cars per 1,000 people from GDP per capita.

    Parameters
    ----------
    gdp_per_capita : (run, year)
        [USD2015/person]
    saturation, alpha, beta : (run,)
        :math:`\gamma` [veh/1000 persons], :math:`\alpha` [1], :math:`\beta` [person/USD2015].

    Returns
    -------
    (run, year)
        :math:`\gamma \exp(\alpha \exp(\beta G))` [veh/1000 persons].
    """
    out: F = saturation[:, None] * np.exp(alpha[:, None] * np.exp(beta[:, None] * gdp_per_capita))
    return out


def growth_sales(years: F, base_year: int, base_sales: float, growth_rate: F) -> F:
    """Total sales growing at a constant rate after the base year.

    Parameters
    ----------
    years : (year,)
        [yr]
    base_year
        [yr]
    base_sales
        Sales in the base year [veh/yr].
    growth_rate : (run,)
        [1/yr]

    Returns
    -------
    (run, year)
        [veh/yr]; ``base_sales`` up to the base year.
    """
    steps = np.maximum(years - base_year, 0)[None, :]
    out: F = base_sales * (1.0 + growth_rate[:, None]) ** steps
    return out


def sales_from_ownership(
    history: fleet.FleetResult,
    survival: F,
    initial_survival: F,
    ownership: F,
    population: F,
) -> F:
    r"""Total sales that make the stock follow car ownership after the base year.

    Parameters
    ----------
    history
        The fleet of the history years (the base year last), from
        :func:`evhub.model.history.history_fleet`.
    survival : (run, year, cohort)
        Survival matrix of the model years [1].
    initial_survival : (run, cohorts_before)
        Survival of the initial stock by age [1].
    ownership : (run, year)
        Cars per 1,000 people [veh/1000 persons].
    population : (year,)
        [persons]

    Returns
    -------
    (run, year)
        Total sales [veh/yr]: the history's, then what brings the stock to
        its target, never negative.

    Notes
    -----
    The target grows the modelled base-year stock :math:`K_b` with cars per
    person: :math:`K_t = K_b \, V_t P_t / (V_b P_b)` for :math:`t > b`, solved
    by :func:`evhub.model.fleet.stock_driven_from_survival` with sales clipped
    at 0 (a stock that must shrink faster than scrappage keeps its surplus).
    """
    runs, h = history.inflow.shape
    n = population.shape[0]
    per_person = ownership * population[None, :]
    target = np.full((runs, n), np.nan)
    target[:, h:] = per_person[:, h:] / per_person[:, h - 1 : h] * history.stock[:, h - 1 : h]
    given = np.full((runs, n), np.nan)
    given[:, :h] = history.inflow
    return fleet.stock_driven_from_survival(
        target,
        survival,
        initial_stock=history.initial_stock,
        initial_survival=initial_survival,
        inflow=given,
        clip_negative_inflow=True,
    ).inflow


def ownership(stock: F, population: F) -> F:
    """Cars per 1,000 people.

    Parameters
    ----------
    stock : (run, powertrain, year)
        [veh]
    population : (year,)
        [persons]

    Returns
    -------
    (run, year)
        [veh/1000 persons]
    """
    out: F = stock.sum(axis=1) / population[None, :] * _PER_THOUSAND
    return out

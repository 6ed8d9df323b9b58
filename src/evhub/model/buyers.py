r"""Buyers choose after the base year: the price paid, the generalised cost, the shares.

A vehicle class whose ``market.share_model`` is ``choice`` takes its
powertrain mix after the base year from the nested logit of
:mod:`evhub.model.choice` on generalised annual costs computed here, for
every run at once. For powertrain :math:`p`, origin :math:`o` (home first,
then the import origins) and year :math:`t`:

1. **Pre-tax price** (the median tax base): :math:`x_{p,t} = g_p + k_{p,t}\,
   c_t`, a glider :math:`g_p` plus the pack :math:`k` [kWh] at the pack
   price :math:`c_t = c_b (1 - \delta)^{t-b}` (``0`` kWh without a battery).
   An import pays the customs duty (:func:`evhub.model.purchase.customs_duty`):
   the law's of the base year, its additional duty (on the imports that do
   not enter exempt, ``<class>.choice.exempt_share``) changed by the policy's
   change and at least its minimum, averaged over the spread of customs
   values :math:`x z` (:func:`duty_rate`); the purchase tax is then taken on
   :math:`x (1 + \bar d_{o,p,t})`, the mean duty spread in proportion.
2. **Purchase tax by bracket** on a spread of bases: the buyers' mean price
   with the purchase tax, over the spread, is :math:`x\,G_p(x / I_t)`, where
   :math:`G_p` (``ChoiceInputs.tax_factor``, tabulated on
   ``ChoiceInputs.tax_grid``) is the mean of :math:`z (1 + r_p(x z))` over
   the spread :math:`z` of bases around the median and :math:`I_t` the
   real growth of the brackets' thresholds (:math:`(1 + i)^{t-b}`); a policy's
   change of every rate by :math:`\Delta_{p,t}` adds :math:`x \bar z
   \Delta_{p,t}` (a cut takes the tax to zero at most). Then VAT :math:`v_t`
   (at least 0), less a purchase subsidy :math:`s_{p,t}`:
   :math:`P = x \max(G + \bar z \Delta, \bar z)(1 + v) - s`.
3. **Generalised annual cost**: :math:`C = \mathrm{CRF}\,P + \mathrm{km}_t\,
   (\text{fuel} + \text{electricity}) + \mathrm{km}_t\,m_p + T_p + N_{p,t}`,
   fuel at the base year's price times the policy's change plus a carbon
   price on its CO2, electricity likewise; :math:`N` the non-financial costs
   of :func:`evhub.model.choice.nonfinancial_cost`, falling with the
   powertrain's share of the fleet.
4. **Shares.** The constants are calibrated per run so that the base year's
   shares (powertrains: the observed mix; origins: the home share of each
   group's sales and the imports' origin split) are reproduced at the base
   year's costs; each later year's shares are the nested logit's, moved
   with inertia :math:`\kappa` from the year before
   (:func:`evhub.model.choice.with_inertia`). The home origin's constant
   moves with the log of the plants' supply for the home market relative to
   the base year (more home-built models on offer), so domestic supply
   lowers a powertrain's composite cost. A powertrain sold only from imports
   in the base year gains a home origin once its group's plants supply the
   home market, its constant the imports' together moved by that supply
   over the group's base-year sales (:func:`_entrant_constant`).

After the base year nothing but these named terms moves the shares: with
every cost, the supply and the fleet shares frozen and no inertia the
shares stay at the base year's (``tests/model/test_buyers.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import logsumexp

from evhub.model import choice, market
from evhub.model.categories import Categories

__all__ = [
    "ChoiceInputs",
    "ChoiceParameters",
    "ChoiceResult",
    "PriceLevers",
    "charger_shift",
    "choose",
    "duty_rate",
    "fleet_shares",
    "generalised_cost",
    "offer_shift",
    "price_paid",
    "running_cost",
    "tax_steps",
]

F = NDArray[np.float64]
B = NDArray[np.bool_]
#: Kilograms per tonne [kg/t].
KG_PER_TONNE = 1000.0
#: Percent per unit [%/1].
PERCENT = 100.0


@dataclass(frozen=True)
class ChoiceInputs:
    r"""A vehicle class's dataset arrays of the choice model (no run axis).

    Money is in US dollars of the dataset's price year. Origins are the home
    origin first, then the import origins of
    :attr:`evhub.model.categories.Categories.origins`.

    Attributes
    ----------
    glider : (powertrain,)
        The base-year median tax base less its pack [USD/veh].
    pack_price : float
        Pack price in the base year [USD/kWh].
    tax_grid : (grid,)
        Log medians of the tax base at which ``tax_factor`` is tabulated [ln USD/veh].
    tax_factor : (step, powertrain, grid)
        :math:`G_p`: the mean of :math:`z (1 + r(x z))` over the spread of
        bases, of each purchase-tax schedule after the base year [1]: the
        first the law's (or the dated one the scenario picks), then from
        each year the dataset's rows change after the base year or the
        scenario sets brackets (``policy.purchase_tax_brackets``).
    tax_from : (step,)
        The first year of each ``tax_factor`` step [yr], rising; the first
        is the year after the base year.
    base_tax_factor : (powertrain, grid)
        The same of the law in force at the end of the base year [1]: the
        base year is priced with it (and its shares reproduced), whatever
        the scenario picks after it.
    spread_mean : (powertrain,)
        :math:`\bar z`, the mean base over the median [1].
    spread_nodes : (powertrain, node)
        The spread :math:`z` of bases over the median, equal-weight nodes [1].
    duty : (origin, powertrain)
        Duty in force at the end of the base year, by origin (0 at home) [1].
    additional_duty : (origin, powertrain)
        The additional duty's rate then [1], exempt imports or not.
    exemption : (origin, powertrain)
        1 where investors' imports are exempt from the additional duty (and
        its minimum) at the end of the base year, else 0 [1]: the average
        buyer pays it on the share of the imports that is not exempt
        (:func:`duty_rate`).
    duty_threshold : (origin, powertrain)
        The customs value below which the additional duty's minimum applies,
        its minimum over its rate [USD/veh]; 0 without a minimum.
    vat : float
        VAT in force at the end of the base year [1].
    fuel_price : (fuel,)
        Pump price with its taxes, base year [USD/l].
    electricity_price : float
        Price of a kWh charged, home and public mixed, base year [USD/kWh].
    maintenance : (powertrain,)
        [USD/km].
    ownership_tax : (powertrain,)
        Annual tax, base year [USD/veh/yr].
    capital_recovery : float
        Capital recovery factor of the buyer's discount rate and ownership period [1/yr].
    origin_base : (powertrain, origin)
        Each powertrain's split over origins in the base year [1] (its
        group's, ``origin_shares.csv``); NaN where the dataset has none (the
        chain then takes the home share from the plants and the imports'
        split from ``trade.csv``).
    offer_base : (powertrain,)
        Each powertrain's share of the makers' offer in the base year [1],
        summing to 1; NaN where the dataset has none.
    """

    glider: F
    pack_price: float
    tax_grid: F
    tax_factor: F
    tax_from: NDArray[np.intp]
    base_tax_factor: F
    spread_mean: F
    spread_nodes: F
    duty: F
    additional_duty: F
    exemption: F
    duty_threshold: F
    vat: float
    fuel_price: F
    electricity_price: float
    maintenance: F
    ownership_tax: F
    capital_recovery: float
    origin_base: F
    offer_base: F


@dataclass(frozen=True)
class ChoiceParameters:
    r"""A class's choice parameters, each with a leading run axis.

    Attributes
    ----------
    cost_sensitivity : (run,)
        :math:`\beta_p` of the powertrain nest [1/(USD/veh/yr)].
    origin_sensitivity : (run,)
        :math:`\beta_o / \beta_p`, at least 1 [1].
    inertia : (run,)
        :math:`\kappa` [1/yr], 1 for none.
    nonfinancial_initial : (run, powertrain, kind)
        Non-financial cost where nobody owns one [USD/veh/yr].
    nonfinancial_decay : (run, 1, kind)
        Rate each kind falls with the fleet share [1].
    """

    cost_sensitivity: F
    origin_sensitivity: F
    inertia: F
    nonfinancial_initial: F
    nonfinancial_decay: F


@dataclass(frozen=True)
class PriceLevers:
    """Energy-price policies, each (run, year), 0 where none applies.

    Attributes
    ----------
    fuel_price_change, electricity_price_change : (run, year)
        Change of the base year's prices [1].
    carbon_price : (run, year)
        Added to fuel on its CO2 [USD/tCO2].
    """

    fuel_price_change: F
    electricity_price_change: F
    carbon_price: F


@dataclass(frozen=True)
class ChoiceResult:
    """Shares and prices of the choice model.

    Attributes
    ----------
    shares : (run, powertrain, year)
        Sales shares [1]: the history's up to the base year, the choice's after.
    origin_shares : (run, powertrain, origin, year from the base year)
        Each powertrain's split over origins (home first) [1], from the base
        year (its observed split) to the last model year.
    price : (run, powertrain, year)
        Average price paid over the origins [USD/veh]; NaN up to the base year.
    """

    shares: F
    origin_shares: F
    price: F


def duty_rate(base: F, inputs: ChoiceInputs, change: F, exempt: F | None = None) -> F:
    r"""The mean customs duty over the spread of customs values, per unit of their mean [1].

    :math:`\bar d = \frac{1}{x \bar z} \frac{1}{n} \sum_i D(x z_i)` with
    :math:`D` of :func:`evhub.model.purchase.customs_duty`: without a minimum
    :math:`\max(d + \min(a + \Delta, 0), 0) + \max(a + \Delta, 0)`; with
    one, the additional duty's part is raised by the mean of
    :math:`\max(z, \mu / x)` over :math:`\bar z`. Where investors' imports
    are exempt (``inputs.exemption``), the buyers' average additional duty
    :math:`a` is its rate on the share :math:`1 - e` that is not.

    Parameters
    ----------
    base : (run, powertrain, year)
        Median customs value [USD/veh].
    inputs
        The duties (``duty``, ``additional_duty``, ``duty_threshold``) and the
        spread (``spread_nodes``).
    change : (run, origin, powertrain, year)
        Change of the duty [1] (:func:`evhub.model.purchase.customs_duty`).
    exempt : (run, origin, powertrain), optional
        :math:`e`, the share of the imports exempt where an exemption is in
        force [1]; default none.

    Returns
    -------
    (run, origin, powertrain, year)
    """
    paying = 1.0 if exempt is None else 1.0 - inputs.exemption[None] * exempt
    added = (inputs.additional_duty[None] * paying)[..., None] + change
    extra = np.maximum(added, 0.0)
    out = np.maximum(inputs.duty[None, :, :, None] + np.minimum(added, 0.0), 0.0) + extra
    for o, p in zip(*np.nonzero(inputs.duty_threshold > 0), strict=True):
        z = inputs.spread_nodes[p]
        floor = inputs.duty_threshold[o, p] / np.maximum(base[:, p, :], np.finfo(float).tiny)
        lift = np.maximum(z, floor[..., None]).mean(axis=-1) / z.mean()  # (run, year)
        out[:, o, p] += extra[:, o, p] * (lift - 1.0)
    return np.asarray(out, dtype=float)


def price_paid(
    base: F,
    duty: F,
    inputs: ChoiceInputs,
    threshold_index: F,
    tax_change: F,
    vat: F,
    subsidy: F,
    step: NDArray[np.intp] | None = None,
) -> F:
    """The mean price paid by powertrain and origin [USD/veh].

    Parameters
    ----------
    base : (run, powertrain, year)
        Median pre-tax, duty-free price [USD/veh].
    duty : (run, origin, powertrain, year)
        Duty [1].
    inputs
        The tabulated purchase tax (``tax_grid``, ``tax_factor``, ``spread_mean``).
    threshold_index : (run, year)
        Real level of the tax's thresholds relative to the base year [1].
    tax_change : (run, powertrain, year)
        Change of every purchase-tax rate [1].
    vat : (run, year)
        [1].
    subsidy : (run, powertrain, year)
        [USD/veh].
    step : (year,), optional
        Each year's step of ``inputs.tax_factor`` (:func:`tax_steps`); -1
        (the base year and before) taxes by ``inputs.base_tax_factor``.
        Default: every year by the first step.

    Returns
    -------
    (run, powertrain, origin, year)
    """
    taxed = base[:, :, None, :] * (1.0 + np.moveaxis(duty, 1, 2))  # (run, pt, origin, year)
    out = np.empty_like(taxed)
    steps = np.zeros(taxed.shape[-1], np.intp) if step is None else np.asarray(step)
    used = np.unique(steps)
    for p in range(taxed.shape[1]):
        x = taxed[:, p]
        where = np.log(np.maximum(x, np.finfo(float).tiny) / threshold_index[:, None, :])
        tables = [inputs.base_tax_factor[p] if s < 0 else inputs.tax_factor[s, p] for s in used]
        if len(used) == 1:
            factor = np.interp(where, inputs.tax_grid, tables[0])
        else:
            factor = np.empty_like(where)
            for s, table in zip(used, tables, strict=True):
                factor[..., steps == s] = np.interp(where[..., steps == s], inputs.tax_grid, table)
        # a cut of the rates takes the tax to zero at most, not below
        taxed_mean = factor + inputs.spread_mean[p] * tax_change[:, p, None, :]
        out[:, p] = x * np.maximum(taxed_mean, inputs.spread_mean[p])
    return np.asarray(out * (1.0 + vat[:, None, None, :]) - subsidy[:, :, None, :], dtype=float)


def tax_steps(tax_from: NDArray[np.intp], years: F) -> NDArray[np.intp]:
    """Each year's step of :attr:`ChoiceInputs.tax_factor`; -1 before the first.

    Parameters
    ----------
    tax_from : (step,)
        The first year of each step [yr] (:attr:`ChoiceInputs.tax_from`).
    years : (year,)
        [yr].

    Examples
    --------
    >>> import numpy as np
    >>> tax_steps(np.array([2026, 2030]), np.arange(2024, 2033)).tolist()
    [-1, -1, 0, 0, 0, 0, 1, 1, 1]
    """
    return np.asarray(np.searchsorted(tax_from, years, side="right") - 1, dtype=np.intp)


def running_cost(
    distance: F,
    fuel_litres: F,
    electricity_kwh: F,
    inputs: ChoiceInputs,
    categories: Categories,
    co2_factor: F,
    levers: PriceLevers,
) -> F:
    """Energy and maintenance of a vehicle-year [USD/veh/yr].

    Parameters
    ----------
    distance : (run, year)
        Distance a new vehicle drives [km/yr].
    fuel_litres, electricity_kwh : (run, powertrain, year)
        Energy a new vehicle uses per km [l/km], [kWh/km] (charging losses included).
    inputs
        Base-year prices and maintenance.
    categories
        The fuel each powertrain burns.
    co2_factor : (fuel,)
        [kgCO2/l].
    levers
        The price changes and the carbon price.

    Returns
    -------
    (run, powertrain, year)
    """
    fuel = np.where(categories.fuel_of >= 0, categories.fuel_of, 0)
    burns = categories.fuel_of >= 0
    litre = inputs.fuel_price[fuel][None, :, None] * (1.0 + levers.fuel_price_change[:, None, :])
    carbon = levers.carbon_price[:, None, :] * co2_factor[fuel][None, :, None] / KG_PER_TONNE
    per_litre = np.where(burns[None, :, None], litre + carbon, 0.0)
    kwh = inputs.electricity_price * (1.0 + levers.electricity_price_change[:, None, :])
    per_km = fuel_litres * per_litre + electricity_kwh * kwh + inputs.maintenance[None, :, None]
    return np.asarray(per_km * distance[:, None, :], dtype=float)


def generalised_cost(paid: F, running: F, inputs: ChoiceInputs) -> F:
    """Annual cost without the non-financial part [USD/veh/yr].

    Parameters
    ----------
    paid : (run, powertrain, origin, year)
        Price paid [USD/veh].
    running : (run, powertrain, year)
        Energy and maintenance [USD/veh/yr].
    inputs
        The capital recovery factor and the annual tax.

    Returns
    -------
    (run, powertrain, origin, year)
    """
    annual = running + inputs.ownership_tax[None, :, None]
    return np.asarray(inputs.capital_recovery * paid + annual[:, :, None, :], dtype=float)


def fleet_shares(previous: F, sales: F, retirement_rate: F) -> F:
    """The fleet by powertrain one year on: survivors plus the year's sales [veh].

    Parameters
    ----------
    previous : (run, powertrain)
        Last year's fleet [veh].
    sales : (run, powertrain)
        This year's sales [veh/yr].
    retirement_rate : (run,)
        Share of last year's fleet retired this year [1] (the same for every
        powertrain: survival does not depend on it).

    Returns
    -------
    (run, powertrain)

    Examples
    --------
    >>> fleet_shares(np.array([[90.0, 10.0]]), np.array([[5.0, 5.0]]), np.array([0.1])).tolist()
    [[86.0, 14.0]]
    """
    return np.asarray(previous * (1.0 - retirement_rate[:, None]) + sales, dtype=float)


def choose(
    years: F,
    base_year: int,
    history_shares: F,
    total_sales: F,
    fleet_start: F,
    retirement_rate: F,
    costs: F,
    paid: F,
    home_supply: F,
    within_base: F,
    banned: B,
    inputs: ChoiceInputs,
    params: ChoiceParameters,
    categories: Categories,
    offer_shift: F | None = None,
) -> ChoiceResult:
    """Shares of powertrains and origins after the base year, year by year.

    Parameters
    ----------
    years : (year,)
        Model years [yr].
    base_year
        Last observed year [yr].
    history_shares : (year, powertrain)
        Observed sales shares [1] (rows up to the base year are used).
    total_sales : (run, year)
        [veh/yr].
    fleet_start : (run, powertrain)
        The fleet by powertrain at the end of the base year [veh].
    retirement_rate : (run, year)
        Share of the fleet retired each year [1].
    costs : (run, powertrain, origin, year from the base year)
        Generalised annual cost without the non-financial part [USD/veh/yr],
        from the base year to the last model year.
    paid : (run, powertrain, origin, year from the base year)
        Price paid [USD/veh], the same years.
    home_supply : (run, powertrain, year)
        The plants' supply for the home market of each powertrain's group
        [veh/yr] (its level relative to the base year moves the home
        origin's constant; where the home origin sold none of a powertrain
        in the base year, relative to the group's base-year sales).
    within_base : (run, powertrain, origin)
        Each powertrain's split over origins in the base year, home first [1]:
        the lower nest's constants reproduce it.
    banned : (run, year)
        No vehicle without a plug is sold that year.
    inputs, params
        The choice model's arrays and parameters.
    categories
        The powertrains with a plug and a fuel.
    offer_shift : (run, powertrain, year from the base year), optional
        Added to each powertrain's constant [1]: the makers' offer's move
        from the base year (:func:`offer_shift`); 0 in the base year.

    Returns
    -------
    ChoiceResult
    """
    runs, n_pt, n_or, _ = costs.shape
    n = years.size
    b = int(np.searchsorted(years, base_year))
    base = np.broadcast_to(history_shares[b], (runs, n_pt))
    sold = base > 0  # a powertrain with no base-year share is not offered
    within = np.where(sold[:, :, None], within_base, 0.0)  # (run, pt, origin)
    available = np.broadcast_to(within > 0, within.shape)
    beta_p = params.cost_sensitivity
    beta_o = beta_p * params.origin_sensitivity
    decay = params.nonfinancial_decay
    fleet = fleet_start.copy()
    total_fleet = np.maximum(fleet.sum(axis=1), np.finfo(float).tiny)
    nfc = choice.nonfinancial_cost(params.nonfinancial_initial, decay, fleet / total_fleet[:, None])
    cost_b = costs[..., 0] + nfc[:, :, None]
    alpha_o, alpha_p = _calibrate(base, within, cost_b, beta_o, beta_p, available, sold)
    supply_b = np.maximum(home_supply[..., b], np.finfo(float).tiny)

    shares = np.empty((runs, n_pt, n))
    origin = np.empty((runs, n_pt, n_or, n - b))
    shares[:] = history_shares.T[None]
    origin[..., 0] = within
    # what does not depend on last year's shares, for every later year at once: the
    # home origin's constant moved by the supply (year last: one slice per year)
    growth = np.log(np.maximum(home_supply[..., b + 1 :], np.finfo(float).tiny)) - np.log(
        supply_b[..., None]
    )
    alpha_home = np.where(available[..., 0, None], alpha_o[..., 0, None] + growth, -np.inf)
    # a powertrain sold only from imports in the base year gains a home origin once its
    # group's plants supply the home market
    entrant = sold & ~available[..., 0] & np.any(home_supply[..., b + 1 :] > 0, axis=-1)
    if entrant.any():
        sales_b = base * total_sales[:, b, None]  # (run, pt)
        alpha_new = _entrant_constant(
            alpha_o, available, home_supply[..., b + 1 :], sales_b, categories
        )
        alpha_home = np.where(entrant[..., None], alpha_new, alpha_home)
        available = np.array(available)
        available[..., 0] |= entrant
    alpha_t = alpha_o.copy()
    cost_t = np.empty((runs, n_pt, n_or))
    previous = base
    for t in range(b + 1, n):
        nfc = choice.nonfinancial_cost(
            params.nonfinancial_initial, decay, fleet / np.maximum(fleet.sum(1), 1e-300)[:, None]
        )
        np.add(costs[..., t - b], nfc[:, :, None], out=cost_t)
        alpha_t[..., 0] = alpha_home[..., t - b - 1]
        alpha_pt = alpha_p if offer_shift is None else alpha_p + offer_shift[..., t - b]
        target, origin_t = choice.nested_logit(cost_t, alpha_t, alpha_pt, beta_o, beta_p, available)
        now = choice.with_inertia(previous, target, params.inertia)  # a new array
        now = market.ban_shares(now, banned[:, t], categories)
        shares[:, :, t] = now
        origin[..., t - b] = origin_t
        previous = now
        fleet = fleet_shares(fleet, now * total_sales[:, t, None], retirement_rate[:, t])
    mean_paid = np.full((runs, n_pt, n), np.nan)
    mean_paid[..., b + 1 :] = np.sum(origin[..., 1:] * paid[..., 1:], axis=2)
    return ChoiceResult(shares=shares, origin_shares=origin, price=mean_paid)


def offer_shift(offer_base: F, change: F, sensitivity: F) -> F:
    r"""The move of each powertrain's constant with the makers' offer [1].

    :math:`\gamma\,(\ln\tilde O_{p,t} - \ln O_{p,0})` with
    :math:`\tilde O_{p,t} = \max(O_{p,0} + \Delta_{p,t}, 0)` renormalised to
    sum to 1: a powertrain of which no model is offered gets :math:`-\infty`
    (no share).

    Parameters
    ----------
    offer_base : (powertrain,)
        The base year's offer [1], summing to 1, each above 0.
    change : (run, powertrain, year)
        Change of each share from the base year's [1].
    sensitivity : (run,)
        :math:`\gamma` [1].

    Returns
    -------
    (run, powertrain, year)
        0 where nothing changes.

    Examples
    --------
    >>> s = offer_shift(np.array([0.5, 0.5]), np.array([[[0.0, 0.25], [0.0, -0.25]]]),
    ...                 np.array([2.0]))
    >>> np.round(s, 6).tolist()  # 2 ln(0.75/0.5), 2 ln(0.25/0.5)
    [[[0.0, 0.81093], [0.0, -1.386294]]]
    """
    moved = np.maximum(offer_base[None, :, None] + change, 0.0)
    moved = moved / moved.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(moved) - np.log(offer_base)[None, :, None]
        shift = sensitivity[:, None, None] * log_ratio
    return np.asarray(np.where(np.isnan(shift), 0.0, shift), dtype=float)  # γ = 0: no role


def charger_shift(growth: F, sensitivity: F, charged: B) -> F:
    r"""The move of the constants of the powertrains that need chargers [1].

    :math:`\eta\,r_p \sum_{s \le t} \ln(1+g_s)`: the elasticity times the
    log of the chargers relative to the base year, for the powertrains with a
    range and charging cost (:math:`r_p = 1`).

    Parameters
    ----------
    growth : (run, year)
        Growth of the chargers in each year from the base year [1/yr] (the
        base year's is not used: the count is the base year's there).
    sensitivity : (run,)
        :math:`\eta` [1].
    charged : (run, powertrain)
        The powertrains that need chargers.

    Returns
    -------
    (run, powertrain, year)

    Examples
    --------
    >>> s = charger_shift(np.array([[0.0, 1.0, 0.0]]), np.array([0.5]),
    ...                   np.array([[False, True]]))
    >>> np.round(s, 6).tolist()  # 0.5 ln 2 once the chargers have doubled
    [[[0.0, 0.0, 0.0], [0.0, 0.346574, 0.346574]]]
    """
    level = np.cumsum(np.log1p(growth[:, 1:]), axis=1)  # (run, year after the base year)
    level = np.concatenate([np.zeros((growth.shape[0], 1)), level], axis=1)
    out = sensitivity[:, None, None] * charged[:, :, None] * level[:, None, :]
    return np.asarray(out, dtype=float)


def _entrant_constant(
    alpha_origin: F, available: B, supply: F, sales: F, categories: Categories
) -> F:
    r"""The home origin's constant of a powertrain the home plants did not sell in the base year.

    :math:`\alpha_{h,p,t} = \ln\sum_{o \ne h} e^{\alpha_{o|p}} + \ln(Q_{g,t} / V_g)`: the
    imports' constants together, moved by the supply :math:`Q` of the powertrain's group
    :math:`g` for the home market over the group's sales in the base year :math:`V`. At equal
    costs the home-built share of the powertrain is :math:`Q / (Q + V)`, the limit of a home
    origin calibrated to a small base-year share whose plants sold all they made at home.

    Parameters
    ----------
    alpha_origin : (run, powertrain, origin)
        The lower nest's calibrated constants, home first (``-inf`` where not available).
    available : (run, powertrain, origin)
        The origins of the base year.
    supply : (run, powertrain, year after the base year)
        The group's supply for the home market [veh/yr].
    sales : (run, powertrain)
        Sales in the base year [veh/yr].
    categories
        Each powertrain's group.

    Returns
    -------
    (run, powertrain, year after the base year)
        ``-inf`` in a year without supply.
    """
    imports = np.where(available[..., 1:], alpha_origin[..., 1:], -np.inf)
    with np.errstate(divide="ignore"):
        together = logsumexp(imports, axis=-1)
        group = categories.group_of[:, None] == np.arange(len(categories.groups))[None, :]
        by_group = (sales @ group)[:, categories.group_of]  # (run, powertrain)
        ratio = np.log(supply / np.maximum(by_group, np.finfo(float).tiny)[..., None])
    return np.asarray(together[..., None] + ratio, dtype=float)


def _calibrate(
    base: F, within: F, cost: F, beta_o: F, beta_p: F, available: B, sold: B
) -> tuple[F, F]:
    """The constants that reproduce the base year (powertrains not offered get -inf)."""
    avail = available & sold[:, :, None]
    # calibrate_constants needs one availability for every run: take the union and
    # give the runs where an origin is missing a share that the -inf below removes
    union = np.any(avail, axis=0)
    tiny = np.finfo(float).tiny
    within_safe = np.where(union, np.maximum(within, tiny), 0.0)
    within_safe = within_safe / np.maximum(within_safe.sum(axis=2, keepdims=True), tiny)
    base_safe = np.where(np.any(union, axis=1), np.maximum(base, tiny), 0.0)
    base_safe = base_safe / base_safe.sum(axis=1, keepdims=True)
    alpha_o, alpha_p = choice.calibrate_constants(
        base_safe, within_safe, cost, beta_o, beta_p, union
    )
    return np.where(avail, alpha_o, -np.inf), alpha_p

r"""Buyers choose: generalised cost and a nested logit of powertrain and origin.

A buyer of a vehicle class compares, for each powertrain :math:`p` and origin
:math:`o` (where it is built; home production is an origin), a generalised
annual cost

.. math::

    C_{p,o} = \mathrm{CRF}(r, N)\,P_{p,o} + \mathrm{km}\,e_p\,\pi_p + m_p + T_p + \mathrm{NFC}_p

(the price paid annualised over the ownership period at a discount rate, the
energy, maintenance and annual tax of a year, and the non-financial costs of
range, charging and model availability) and chooses in two nests:
the origin given the powertrain (lower nest), then the powertrain from the
inclusive value of its origins (upper nest),

.. math::

    S_{o|p} = \frac{e^{\alpha_{o|p} - \beta_o C_{p,o}}}
                   {\sum_{o'} e^{\alpha_{o'|p} - \beta_o C_{p,o'}}},\qquad
    I_p = -\frac{1}{\beta_o}\ln \sum_{o} e^{\alpha_{o|p} - \beta_o C_{p,o}},\qquad
    S_p = \frac{e^{\alpha_p - \beta_p I_p}}{\sum_{p'} e^{\alpha_{p'} - \beta_p I_{p'}}}.

:math:`0 < \beta_p \le \beta_o` keeps the model consistent with random
utility (the nest parameter :math:`\beta_p/\beta_o` lies in (0, 1]); with
:math:`\beta_p = \beta_o` it is a multinomial logit over every (powertrain,
origin) pair. An origin that does not supply a powertrain (``available``
false) has no share; a powertrain no origin supplies has none either.

The constants :math:`\alpha` are calibrated so that the base year's observed
shares are reproduced exactly (:func:`calibrate_constants`); after the base
year shares move only through the costs (and, optionally, the inertia of
:func:`with_inertia`). The non-financial costs fall as a technology's fleet
share grows (:func:`nonfinancial_cost`, EDGE-Transport's form after Greene
2001).

Every function takes a leading ``run`` axis (or broadcasts against one): costs
are ``(run, powertrain, origin)``, powertrain shares ``(run, powertrain)``.
Costs are in money per vehicle-year of one currency and price year, and the
sensitivities :math:`\beta` in the inverse of that unit; no unit is assumed
here beyond their being consistent.

References
----------
Greene, D. L. (2001). TAFV alternative fuels and vehicles choice model
documentation. ORNL/TM-2001/134.

Train, K. (2009). Discrete Choice Methods with Simulation, 2nd ed., ch. 4
(nested logit). Cambridge University Press.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import logsumexp, softmax

__all__ = [
    "annual_cost",
    "calibrate_constants",
    "capital_recovery_factor",
    "inclusive_value",
    "nested_logit",
    "nonfinancial_cost",
    "origin_shares",
    "powertrain_shares",
    "with_inertia",
]

F = NDArray[np.float64]
B = NDArray[np.bool_]


def capital_recovery_factor(rate: F | float, years: F | float) -> F:
    r"""The share of a price paid each year to repay it over ``years`` at ``rate`` [1/yr].

    :math:`\mathrm{CRF}(r, N) = r / (1 - (1 + r)^{-N})`, and :math:`1/N` at
    :math:`r = 0` (its limit).

    Parameters
    ----------
    rate
        Discount rate [1/yr, a fraction], at least 0.
    years
        Ownership period [yr], above 0.

    Examples
    --------
    >>> float(capital_recovery_factor(0.0, 5.0))
    0.2
    >>> round(float(capital_recovery_factor(0.1, 2.0)), 6)  # 0.1 / (1 - 1/1.21)
    0.57619
    """
    r = np.asarray(rate, dtype=float)
    n = np.asarray(years, dtype=float)
    safe = np.where(r > 0, r, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = safe / -np.expm1(-n * np.log1p(safe))
    return np.asarray(np.where(r > 0, factor, 1.0 / n), dtype=float)


def annual_cost(
    price: F,
    recovery: F | float,
    distance: F | float,
    energy_per_km: F,
    energy_price: F,
    maintenance: F | float = 0.0,
    annual_tax: F | float = 0.0,
    nonfinancial: F | float = 0.0,
) -> F:
    """The generalised annual cost of owning a vehicle [money/yr].

    Parameters
    ----------
    price
        The price paid, taxes and duties included [money].
    recovery
        The capital recovery factor [1/yr] (:func:`capital_recovery_factor`).
    distance
        Distance driven [km/yr].
    energy_per_km
        Energy used [energy unit/km].
    energy_price
        Price of that energy, taxes included [money/energy unit].
    maintenance, annual_tax, nonfinancial
        Maintenance, annual vehicle tax and non-financial costs [money/yr].

    Examples
    --------
    >>> float(annual_cost(np.array(10_000.0), 0.2, 10_000.0, np.array(0.05), np.array(1.5),
    ...                   maintenance=300.0, annual_tax=100.0))
    3150.0
    """
    return np.asarray(
        price * recovery
        + distance * energy_per_km * energy_price
        + maintenance
        + annual_tax
        + nonfinancial,
        dtype=float,
    )


def nonfinancial_cost(initial: F, decay: F, fleet_share: F) -> F:
    r"""Non-financial costs that fall as a technology spreads [money/yr].

    :math:`\mathrm{NFC} = \sum_k \mathrm{NFC}_{0,k}\, e^{b_k S}`, one term per
    kind :math:`k` (range and charging, model availability, risk), with
    :math:`b_k \le 0` and :math:`S` the technology's share of the fleet [1]
    (EDGE-Transport after Greene 2001).

    Parameters
    ----------
    initial
        ``(..., kind)``: the cost of each kind where nobody owns one [money/yr].
    decay
        ``(..., kind)``: the rate :math:`b_k` each falls with the fleet share [1].
    fleet_share
        ``(...)``: the share of the fleet [1, a fraction].

    Examples
    --------
    >>> float(nonfinancial_cost(np.array([100.0, 50.0]), np.array([0.0, -20.0]), np.array(0.0)))
    150.0
    >>> round(float(nonfinancial_cost(np.array([100.0]), np.array([-20.0]), np.array(0.05))), 4)
    36.7879
    """
    share = np.asarray(fleet_share, dtype=float)[..., None]
    return np.asarray(np.sum(initial * np.exp(decay * share), axis=-1), dtype=float)


def _utilities(cost: F, alpha: F, beta: F, available: B) -> F:
    """Lower-nest utilities, minus infinity where an origin does not supply a powertrain."""
    beta = np.asarray(beta, dtype=float)[..., None, None]
    return np.where(available, alpha - beta * cost, -np.inf)


def inclusive_value(cost: F, alpha: F, beta: F, available: B) -> F:
    r"""Each powertrain's composite cost over its origins, :math:`I_p` [money/yr].

    :math:`I_p = -\frac{1}{\beta_o}\ln\sum_o e^{\alpha_{o|p} - \beta_o C_{p,o}}`;
    ``+inf`` for a powertrain no origin supplies.

    Parameters
    ----------
    cost
        ``(run, powertrain, origin)`` generalised annual costs [money/yr].
    alpha
        ``(..., powertrain, origin)`` constants of the lower nest [1].
    beta
        ``(run,)`` cost sensitivity of the lower nest [1/(money/yr)], above 0.
    available
        ``(powertrain, origin)`` whether the origin supplies the powertrain.

    Examples
    --------
    One origin: the inclusive value is its cost less its constant over beta.

    >>> float(inclusive_value(np.array([[[100.0]]]), np.zeros((1, 1)), np.array([0.01]),
    ...                       np.array([[True]]))[0, 0])
    100.0
    """
    return _inclusive_value(_utilities(cost, alpha, beta, available), beta)


def _inclusive_value(util: F, beta: F) -> F:
    """:func:`inclusive_value` from the lower nest's utilities."""
    with np.errstate(divide="ignore"):
        total = logsumexp(util, axis=-1)
    return np.asarray(-total / np.asarray(beta, dtype=float)[..., None], dtype=float)


def origin_shares(cost: F, alpha: F, beta: F, available: B) -> F:
    """The lower nest: the share of each origin in a powertrain's sales [1].

    Arguments as :func:`inclusive_value`; returns ``(run, powertrain,
    origin)``, each powertrain's shares summing to 1 over the origins that
    supply it (all 0 for a powertrain no origin supplies).

    Examples
    --------
    Two origins, equal constants, costs 1,000 apart at beta 0.001: a logit of
    one unit, shares e/(1+e) and 1/(1+e).

    >>> s = origin_shares(np.array([[[1000.0, 2000.0]]]), np.zeros((1, 2)),
    ...                   np.array([0.001]), np.array([[True, True]]))
    >>> [round(float(x), 6) for x in s[0, 0]]
    [0.731059, 0.268941]
    """
    return _origin_shares(_utilities(cost, alpha, beta, available), available)


def _origin_shares(util: F, available: B) -> F:
    """:func:`origin_shares` from the lower nest's utilities."""
    supplied = np.any(available, axis=-1)[..., None]
    safe = np.where(supplied, util, 0.0)
    return np.asarray(np.where(supplied, softmax(safe, axis=-1), 0.0), dtype=float)


def powertrain_shares(value: F, alpha: F, beta: F) -> F:
    r"""The upper nest: each powertrain's share of the class's sales [1].

    :math:`S_p \propto e^{\alpha_p - \beta_p I_p}`; a powertrain whose
    inclusive value is ``+inf`` (no origin supplies it) has no share.

    Parameters
    ----------
    value
        ``(run, powertrain)`` inclusive values [money/yr] (:func:`inclusive_value`).
    alpha
        ``(..., powertrain)`` constants of the upper nest [1].
    beta
        ``(run,)`` cost sensitivity of the upper nest [1/(money/yr)], above 0
        and at most the lower nest's.
    """
    beta = np.asarray(beta, dtype=float)[..., None]
    finite = np.isfinite(value)
    util = np.where(finite, alpha - beta * np.where(finite, value, 0.0), -np.inf)
    return np.asarray(softmax(util, axis=-1), dtype=float)


def nested_logit(
    cost: F,
    alpha_origin: F,
    alpha_powertrain: F,
    beta_origin: F,
    beta_powertrain: F,
    available: B,
) -> tuple[F, F]:
    """Shares of powertrains and, within each, of origins [1].

    Parameters
    ----------
    cost
        ``(run, powertrain, origin)`` generalised annual costs [money/yr].
    alpha_origin, alpha_powertrain
        Constants of the lower ``(..., powertrain, origin)`` and upper
        ``(..., powertrain)`` nest [1] (:func:`calibrate_constants`).
    beta_origin, beta_powertrain
        ``(run,)`` cost sensitivities [1/(money/yr)], ``0 < beta_powertrain
        <= beta_origin``.
    available
        ``(powertrain, origin)`` whether the origin supplies the powertrain.

    Returns
    -------
    powertrain, origin
        ``(run, powertrain)`` shares of sales and ``(run, powertrain, origin)``
        shares of each powertrain's sales; their product is the share of each
        pair in the class's sales.

    Raises
    ------
    ValueError
        If a sensitivity is not positive, or the upper one exceeds the lower.
    """
    b_o = np.asarray(beta_origin, dtype=float)
    b_p = np.asarray(beta_powertrain, dtype=float)
    if np.any(b_o <= 0) or np.any(b_p <= 0) or np.any(b_p > b_o):
        msg = "nested logit: need 0 < beta_powertrain <= beta_origin"
        raise ValueError(msg)
    util = _utilities(cost, alpha_origin, b_o, available)  # once for both of the lower nest
    within = _origin_shares(util, available)
    value = _inclusive_value(util, b_o)
    return powertrain_shares(value, alpha_powertrain, b_p), within


def calibrate_constants(
    powertrain: F,
    origin: F,
    cost: F,
    beta_origin: F,
    beta_powertrain: F,
    available: B,
) -> tuple[F, F]:
    """The constants that reproduce observed shares at given costs exactly [1].

    Each nest's constants are fixed up to a constant per choice set; they are
    normalised so that the largest of each set is 0.

    Parameters
    ----------
    powertrain
        ``(run, powertrain)`` observed shares of sales, summing to 1, above 0
        for every powertrain some origin supplies.
    origin
        ``(run, powertrain, origin)`` observed shares of each powertrain's
        sales, summing to 1 over its origins, above 0 where ``available``.
    cost, beta_origin, beta_powertrain, available
        As :func:`nested_logit`.

    Returns
    -------
    alpha_origin, alpha_powertrain
        ``(run, powertrain, origin)`` (``-inf`` where not available) and
        ``(run, powertrain)`` (``-inf`` for a powertrain no origin supplies).

    Raises
    ------
    ValueError
        If a share is not above 0 where the pair is available: a logit gives
        every available choice some share, so none can be calibrated to 0.
    """
    supplied = np.any(available, axis=-1)
    if np.any(np.where(available, origin, 1.0) <= 0) or np.any(
        np.where(supplied, powertrain, 1.0) <= 0
    ):
        msg = "calibrate_constants: every available choice needs a share above 0"
        raise ValueError(msg)
    b_o = np.asarray(beta_origin, dtype=float)
    b_p = np.asarray(beta_powertrain, dtype=float)
    priced = np.where(available, cost, 0.0)
    alpha_o = np.where(
        available, np.log(np.where(available, origin, 1.0)) + b_o[..., None, None] * priced, -np.inf
    )
    alpha_o = alpha_o - _finite_max(alpha_o)
    value = inclusive_value(cost, alpha_o, b_o, available)
    alpha_p = np.where(
        supplied,
        np.log(np.where(supplied, powertrain, 1.0))
        + b_p[..., None] * np.where(supplied, value, 0.0),
        -np.inf,
    )
    alpha_p = alpha_p - _finite_max(alpha_p)
    return np.asarray(alpha_o, dtype=float), np.asarray(alpha_p, dtype=float)


def _finite_max(values: F) -> F:
    """The largest finite value along the last axis (0 where there is none), kept as an axis."""
    top = np.max(values, axis=-1, keepdims=True)
    return np.where(np.isfinite(top), top, 0.0)


def with_inertia(previous: F, target: F, rate: F | float) -> F:
    r"""Shares that move part of the way to their target each year [1].

    :math:`S_t = (1 - \kappa) S_{t-1} + \kappa S^*_t`: buyers and dealers
    follow a change of costs over several years; :math:`\kappa = 1` has no
    inertia. A mix of two share vectors, so the result sums to 1 as they do.

    Parameters
    ----------
    previous, target
        Last year's shares and this year's shares of the choice model [1].
    rate
        :math:`\kappa` in [0, 1] [1/yr], broadcast against a leading ``run`` axis.

    Examples
    --------
    >>> with_inertia(np.array([0.75, 0.25]), np.array([0.25, 0.75]), 0.5).tolist()
    [0.5, 0.5]
    """
    kappa = np.asarray(rate, dtype=float)
    kappa = kappa.reshape(kappa.shape + (1,) * (np.ndim(target) - kappa.ndim))
    return np.asarray((1.0 - kappa) * previous + kappa * target, dtype=float)

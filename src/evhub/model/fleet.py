"""Stock-flow model of a car fleet by cohort: inflow-driven and stock-driven.

A *cohort* is the set of cars sold in one year (its *vintage*). Sales
(``inflow`` [veh/yr]) enter the fleet, each cohort shrinks as its cars retire
(``outflow`` [veh/yr]), and ``stock`` [veh] is what is left.

Conventions
-----------
* Model years are consecutive calendar years (one-year steps), so a flow in
  [veh/yr] is also the number of cars moved in that year.
* Stock is measured at the **end** of each year; sales are spread over the
  year (treated as mid-year), so cohort ``v`` at the end of year ``t >= v``
  holds ``inflow[v] * S(t - v + 1/2)`` with ``S`` the lifetime survival
  function. This is flodym's default (``inflow_at="middle"``); see
  :mod:`evhub.model.lifetime` for the check against flodym's source.
* Arrays have leading axes first (``run``, then optional axes such as
  ``powertrain``), then ``year``, then ``cohort``. Leading axes broadcast by
  NumPy's right-aligned rules: one scenario and 10,000 samples are the same
  code path. A per-run lifetime parameter for inflow of shape
  ``(run, powertrain, year)`` therefore has shape ``(run, 1)`` (or
  ``(run, powertrain)``).
* The cohort axis is ordered by vintage, oldest first, as in
  :func:`evhub.model.lifetime.survival_matrix`: ``cohorts_before`` columns for
  cars sold before the first model year (the initial stock), then one column
  per model year.
* ``initial_stock`` is the stock at the end of the year before the first
  model year, **by age**: index 0 is age 0 (sold in year -1), index ``k`` is
  sold in year ``-1 - k``. This is the reverse of the cohort-column order; it
  is flipped internally. Each initial cohort is replaced by the equivalent
  inflow ``initial_stock[k] / S(k + 1/2)`` in its sales year.
* Outflow is the fall of each cohort's stock:
  ``outflow_by_cohort[t, v] = stock_by_cohort[t - 1, v] - stock_by_cohort[t, v]``
  for old cohorts and ``inflow[t] - stock_by_cohort[t, t]`` for the cohort
  sold in year ``t``; for ``t = 0`` the previous stock is ``initial_stock``.
  Hence ``stock[t] - stock[t - 1] = inflow[t] - outflow[t]``, cohort by cohort,
  up to floating-point rounding. This equals flodym's
  ``inflow[c] * pdf[t, c]`` with ``pdf[c, c] = 1 - sf[c, c]``.
* Totals (``stock``, ``outflow``) are computed directly (a matrix-vector
  product and the balance ``outflow = inflow - stock change``); the by-cohort
  arrays of :class:`FleetResult` are computed on first access, so an ensemble
  that needs only totals never allocates ``(run, year, cohort)`` results.

The functions are pure: arrays in, arrays out, no I/O and no global state.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from evhub.model.lifetime import HALF_YEAR, Lifetime, survival_matrix

__all__ = [
    "FleetResult",
    "inflow_driven",
    "inflow_driven_from_survival",
    "stock_driven",
    "stock_driven_from_survival",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class FleetResult:
    """Stocks and flows of a fleet, by model year and by cohort.

    The totals are computed when the fleet is solved; the by-cohort arrays,
    ``(..., year, cohort)`` and so the bulk of the memory, are computed on
    first access and then cached.

    Parameters
    ----------
    inflow : ndarray
        Sales, shape ``(..., year)``. [veh/yr]
    stock : ndarray
        End-of-year stock, shape ``(..., year)``. [veh]
    outflow : ndarray
        Retirements, shape ``(..., year)``. [veh/yr]
    cohort_inflow : ndarray
        Inflow of each cohort in its sales year, shape ``(..., cohort)``, cohort
        axis as in :func:`evhub.model.lifetime.survival_matrix`: for cohorts
        before the first model year the equivalent inflow
        ``initial_stock / S(age + 1/2)``, then ``inflow``. [veh/yr]
    survival : ndarray
        Survival matrix used, shape broadcastable to ``(..., year, cohort)``. [1]
    initial_stock : ndarray or None
        Stock at the end of the year before the first model year, by age
        (index 0 = age 0), shape ``(..., cohorts_before)``. [veh]

    Attributes
    ----------
    stock_by_cohort : ndarray
        End-of-year stock by cohort, shape ``(..., year, cohort)``. [veh]
    outflow_by_cohort : ndarray
        Retirements by cohort, shape ``(..., year, cohort)``. [veh/yr]
    cohorts_before : int
        Number of cohorts sold before the first model year.

    Notes
    -----
    ``stock[..., t] = sum_j cohort_inflow[..., j] * survival[..., t, j]`` and
    ``outflow[..., t] = inflow[..., t] - (stock[..., t] - stock[..., t - 1])``
    with ``stock[..., -1] = initial_stock.sum(-1)``. They equal the sums of
    the by-cohort arrays over the cohort axis up to floating-point rounding.
    """

    inflow: FloatArray
    stock: FloatArray
    outflow: FloatArray
    cohort_inflow: FloatArray
    survival: FloatArray
    initial_stock: FloatArray | None = None

    @property
    def cohorts_before(self) -> int:
        """Number of cohorts sold before the first model year (initial stock ages)."""
        return int(self.survival.shape[-1] - self.survival.shape[-2])

    @cached_property
    def stock_by_cohort(self) -> FloatArray:
        """End-of-year stock by cohort, shape ``(..., year, cohort)`` [veh]."""
        stock_by_cohort: FloatArray = self.cohort_inflow[..., np.newaxis, :] * self.survival
        return stock_by_cohort

    @cached_property
    def outflow_by_cohort(self) -> FloatArray:
        """Retirements by cohort, shape ``(..., year, cohort)`` [veh/yr].

        ``stock_by_cohort[t - 1] - stock_by_cohort[t]``, plus ``inflow[t]`` in
        the column of the cohort sold in year ``t``; the previous stock of
        year 0 is ``initial_stock``.
        """
        stock_by_cohort = self.stock_by_cohort
        n_before = self.cohorts_before
        outflow_by_cohort = np.empty_like(stock_by_cohort)
        np.subtract(
            stock_by_cohort[..., :-1, :],
            stock_by_cohort[..., 1:, :],
            out=outflow_by_cohort[..., 1:, :],
        )
        # 0.0 - x rather than -x, so that empty cohorts give +0.0, not -0.0
        np.subtract(0.0, stock_by_cohort[..., 0, :], out=outflow_by_cohort[..., 0, :])
        if self.initial_stock is not None and n_before:
            outflow_by_cohort[..., 0, :n_before] += self.initial_stock[..., ::-1]
        year_index = np.arange(stock_by_cohort.shape[-2])
        outflow_by_cohort[..., year_index, n_before + year_index] += self.inflow
        return outflow_by_cohort


def inflow_driven(
    inflow: npt.ArrayLike,
    lifetime: Lifetime,
    *,
    initial_stock: npt.ArrayLike | None = None,
) -> FleetResult:
    """Fleet from sales and a lifetime distribution.

    Parameters
    ----------
    inflow : array_like
        Sales, shape ``(..., year)``. [veh/yr]
    lifetime : Lifetime
        Lifetime distribution (:mod:`evhub.model.lifetime`); its parameters
        broadcast against the leading axes ``...``.
    initial_stock : array_like, optional
        Stock at the end of the year before the first model year, by age
        (index 0 = age 0), shape ``(..., cohorts_before)``. [veh]

    Returns
    -------
    FleetResult
        Stocks and flows; the cohort axis has ``cohorts_before + year`` columns.

    Raises
    ------
    ValueError
        If the shapes do not fit together.

    See Also
    --------
    inflow_driven_from_survival : the same from a precomputed survival matrix.

    Notes
    -----
    ``stock_by_cohort[..., t, j] = q[..., j] * survival[..., t, j]`` where ``q``
    is the inflow of each cohort (the equivalent inflow
    ``initial_stock / S(age + 1/2)`` for cohorts before the first year).
    Initial cars whose age is beyond a :class:`~evhub.model.lifetime.Fixed`
    lifetime (``S(age + 1/2) = 0``) get equivalent inflow 0: they retire in
    year 0 and appear in its outflow, never as NaN.

    Examples
    --------
    >>> from evhub.model.lifetime import Fixed
    >>> result = inflow_driven([10.0, 20.0, 30.0, 0.0], Fixed(2.0))
    >>> result.stock.tolist()
    [10.0, 30.0, 50.0, 30.0]
    >>> result.outflow.tolist()
    [0.0, 0.0, 10.0, 20.0]
    """
    flows = _as_float_array(inflow, "inflow", min_ndim=1)
    stock0, survival0 = _initial(initial_stock, lifetime)
    survival = survival_matrix(lifetime, flows.shape[-1], _n_before(stock0), copy=False)
    return inflow_driven_from_survival(
        flows, survival, initial_stock=stock0, initial_survival=survival0
    )


def inflow_driven_from_survival(
    inflow: npt.ArrayLike,
    survival: npt.ArrayLike,
    *,
    initial_stock: npt.ArrayLike | None = None,
    initial_survival: npt.ArrayLike | None = None,
) -> FleetResult:
    """Fleet from sales and a survival matrix.

    Parameters
    ----------
    inflow : array_like
        Sales, shape ``(..., year)``. [veh/yr]
    survival : array_like
        Survival matrix, shape broadcastable to
        ``(..., year, cohorts_before + year)``, e.g. from
        :func:`evhub.model.lifetime.survival_matrix`. [1]
    initial_stock : array_like, optional
        Stock at the end of the year before the first model year, by age
        (index 0 = age 0), shape ``(..., cohorts_before)``. [veh]
    initial_survival : array_like, optional
        Survival of the initial cohorts at the end of the year before the
        first model year, by age, ``S(age + 1/2)``, shape
        ``(..., cohorts_before)``. Required with ``initial_stock``. [1]

    Returns
    -------
    FleetResult
        Stocks and flows, broadcast over the leading axes of all inputs.

    Raises
    ------
    ValueError
        If the shapes do not fit together, or ``initial_stock`` is given
        without ``initial_survival`` (or the reverse).
    """
    flows = _as_float_array(inflow, "inflow", min_ndim=1)
    surv = _as_float_array(survival, "survival", min_ndim=2)
    stock0, survival0 = _initial_arrays(initial_stock, initial_survival)
    lead, years, n_before = _check_shapes(flows, "inflow", surv, stock0, survival0)

    cohort_inflow = np.empty((*lead, n_before + years))
    cohort_inflow[..., :n_before] = _equivalent_inflow(stock0, survival0)
    cohort_inflow[..., n_before:] = flows
    return _assemble(cohort_inflow, surv, stock0, n_before)


def stock_driven(
    stock: npt.ArrayLike,
    lifetime: Lifetime,
    *,
    initial_stock: npt.ArrayLike | None = None,
    clip_negative_inflow: bool = False,
    inflow: npt.ArrayLike | None = None,
) -> FleetResult:
    """Sales that make the fleet follow a given stock.

    Parameters
    ----------
    stock : array_like
        Target end-of-year stock, shape ``(..., year)``. [veh]
    lifetime : Lifetime
        Lifetime distribution (:mod:`evhub.model.lifetime`); its parameters
        broadcast against the leading axes ``...``.
    initial_stock : array_like, optional
        Stock at the end of the year before the first model year, by age
        (index 0 = age 0), shape ``(..., cohorts_before)``. [veh]
    clip_negative_inflow : bool, default False
        See :func:`stock_driven_from_survival`.
    inflow : array_like, optional
        Sales where they are known, NaN where the stock decides; see
        :func:`stock_driven_from_survival`. [veh/yr]

    Returns
    -------
    FleetResult
        Stocks and flows; ``inflow`` is the solved sales. [veh/yr]

    Raises
    ------
    ValueError
        If the shapes do not fit together, or no car survives to the end of
        its sales year (``S(1/2) = 0``), so sales cannot move the stock.

    See Also
    --------
    stock_driven_from_survival : the same from a precomputed survival matrix.

    Examples
    --------
    >>> from evhub.model.lifetime import Fixed
    >>> stock_driven([10.0, 30.0, 50.0, 30.0], Fixed(2.0)).inflow.tolist()
    [10.0, 20.0, 30.0, 0.0]
    """
    target = _as_float_array(stock, "stock", min_ndim=1)
    stock0, survival0 = _initial(initial_stock, lifetime)
    survival = survival_matrix(lifetime, target.shape[-1], _n_before(stock0), copy=False)
    return stock_driven_from_survival(
        target,
        survival,
        initial_stock=stock0,
        initial_survival=survival0,
        clip_negative_inflow=clip_negative_inflow,
        inflow=inflow,
    )


def stock_driven_from_survival(
    stock: npt.ArrayLike,
    survival: npt.ArrayLike,
    *,
    initial_stock: npt.ArrayLike | None = None,
    initial_survival: npt.ArrayLike | None = None,
    clip_negative_inflow: bool = False,
    inflow: npt.ArrayLike | None = None,
) -> FleetResult:
    r"""Sales that make the fleet follow a given stock, from a survival matrix.

    Parameters
    ----------
    stock : array_like
        Target end-of-year stock, shape ``(..., year)``; not used (and may be
        NaN) where ``inflow`` is given. [veh]
    survival : array_like
        Survival matrix, shape broadcastable to
        ``(..., year, cohorts_before + year)``, e.g. from
        :func:`evhub.model.lifetime.survival_matrix`. [1]
    initial_stock : array_like, optional
        Stock at the end of the year before the first model year, by age
        (index 0 = age 0), shape ``(..., cohorts_before)``. [veh]
    initial_survival : array_like, optional
        ``S(age + 1/2)`` of the initial cohorts, by age, shape
        ``(..., cohorts_before)``. Required with ``initial_stock``. [1]
    clip_negative_inflow : bool, default False
        What to do when the stock falls faster than cars retire, so the
        required sales are negative. ``False``: keep the negative sales, so
        the stock follows ``stock`` exactly and that year's cohort holds a
        negative number of cars (a signal that the target is infeasible).
        ``True``: set those sales to 0; the fleet then stays above the target
        in that year and later years are solved from the fleet as it is.
    inflow : array_like, optional
        Sales where they are known, shape ``(..., year)``, NaN where the
        stock decides (a fleet driven by observed sales in some years and by
        the observed stock in others). Given sales are taken as they are:
        never clipped, and the stock then follows from them. [veh/yr]

    Returns
    -------
    FleetResult
        Stocks and flows; ``inflow`` is the given or solved sales. [veh/yr]

    Raises
    ------
    ValueError
        If the shapes do not fit together, ``initial_stock`` is given without
        ``initial_survival`` (or the reverse), or a diagonal entry
        ``survival[..., t, cohorts_before + t]`` is not > 0.

    Notes
    -----
    Year by year (vectorised over the leading axes), with ``j = cohorts_before + t``:

    .. math::

        q_j = \frac{stock_t - \sum_{i<j} survival_{t,i}\, q_i}{survival_{t,j}}

    which inverts :func:`inflow_driven_from_survival` (lower-triangular
    solve by forward substitution, as flodym's ``StockDrivenDSM``
    ``solver="manual"``); :math:`q_j` is the given ``inflow`` where that is
    not NaN.

    Examples
    --------
    Observed sales in year 0, an observed stock in years 1 and 2:

    >>> from evhub.model.lifetime import Fixed, survival_matrix
    >>> nan = float("nan")
    >>> stock_driven_from_survival(
    ...     [nan, 30.0, 50.0], survival_matrix(Fixed(2.0), 3), inflow=[10.0, nan, nan]
    ... ).inflow.tolist()
    [10.0, 20.0, 30.0]
    """
    target = _as_float_array(stock, "stock", min_ndim=1)
    surv = _as_float_array(survival, "survival", min_ndim=2)
    stock0, survival0 = _initial_arrays(initial_stock, initial_survival)
    given = None if inflow is None else _as_float_array(inflow, "inflow", min_ndim=1)
    lead, years, n_before = _check_shapes(target, "stock", surv, stock0, survival0, given)

    year_index = np.arange(years)
    diagonal = surv[..., year_index, n_before + year_index]
    if not np.all(diagonal > 0):
        index = tuple(int(i) for i in np.argwhere(~(diagonal > 0))[0])
        msg = (
            "survival to the end of the sales year, survival[..., t, cohorts_before + t], "
            f"must be > 0 for a stock-driven fleet; got {float(diagonal[index])!r} at "
            f"[..., t] index {index}"
        )
        raise ValueError(msg)

    surv_full = np.broadcast_to(surv, lead + surv.shape[-2:])
    target_full = np.broadcast_to(target, (*lead, years))
    known = None if given is None else np.broadcast_to(given, (*lead, years))
    cohort_inflow = np.zeros((*lead, n_before + years))
    cohort_inflow[..., :n_before] = _equivalent_inflow(stock0, survival0)
    for t in range(years):
        j = n_before + t
        if known is not None and not np.isnan(known[..., t]).any():
            cohort_inflow[..., j] = known[..., t]  # every sale known: nothing to solve
            continue
        remaining = np.einsum("...i,...i->...", surv_full[..., t, :j], cohort_inflow[..., :j])
        new = (target_full[..., t] - remaining) / surv_full[..., t, j]
        if clip_negative_inflow:
            new = np.maximum(new, 0.0)
        if known is not None:
            new = np.where(np.isnan(known[..., t]), new, known[..., t])
        cohort_inflow[..., j] = new
    return _assemble(cohort_inflow, surv, stock0, n_before)


def _as_float_array(value: npt.ArrayLike, name: str, *, min_ndim: int) -> FloatArray:
    """Convert to a float64 array with at least ``min_ndim`` axes, or raise naming it."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim < min_ndim:
        msg = f"{name} must have at least {min_ndim} axes; got shape {array.shape}"
        raise ValueError(msg)
    return array


def _n_before(initial_stock: FloatArray | None) -> int:
    """Return the number of initial cohorts."""
    return 0 if initial_stock is None else int(initial_stock.shape[-1])


def _initial(
    initial_stock: npt.ArrayLike | None, lifetime: Lifetime
) -> tuple[FloatArray | None, FloatArray | None]:
    """Convert the initial stock by age; compute its survival ``S(age + 1/2)``."""
    if initial_stock is None:
        return None, None
    stock0 = _as_float_array(initial_stock, "initial_stock", min_ndim=1)
    ages = np.arange(stock0.shape[-1], dtype=np.float64) + HALF_YEAR
    return stock0, lifetime.sf(ages)


def _initial_arrays(
    initial_stock: npt.ArrayLike | None, initial_survival: npt.ArrayLike | None
) -> tuple[FloatArray | None, FloatArray | None]:
    """Check that the initial stock and its survival come together; convert both."""
    if initial_stock is None and initial_survival is None:
        return None, None
    if initial_stock is None or initial_survival is None:
        given, missing = (
            ("initial_stock", "initial_survival")
            if initial_survival is None
            else ("initial_survival", "initial_stock")
        )
        msg = f"{given} was given without {missing}; pass both or neither"
        raise ValueError(msg)
    return (
        _as_float_array(initial_stock, "initial_stock", min_ndim=1),
        _as_float_array(initial_survival, "initial_survival", min_ndim=1),
    )


def _check_shapes(
    driver: FloatArray,
    driver_name: str,
    survival: FloatArray,
    initial_stock: FloatArray | None,
    initial_survival: FloatArray | None,
    inflow: FloatArray | None = None,
) -> tuple[tuple[int, ...], int, int]:
    """Check the axes of the inputs against each other.

    Returns
    -------
    tuple
        The broadcast leading shape, the number of model years and of
        cohorts before the first model year.
    """
    years = driver.shape[-1]
    n_before = _n_before(initial_stock)
    expected = (years, n_before + years)
    if survival.shape[-2:] != expected:
        msg = (
            f"survival must end in axes (year, cohort) = {expected} for {driver_name} with "
            f"{years} years and {n_before} cohorts before the first year; "
            f"got shape {survival.shape}"
        )
        raise ValueError(msg)
    shapes = {driver_name: driver.shape[:-1], "survival": survival.shape[:-2]}
    if inflow is not None:
        if inflow.shape[-1] != years:
            msg = f"inflow must have {years} years like {driver_name}; got shape {inflow.shape}"
            raise ValueError(msg)
        shapes["inflow"] = inflow.shape[:-1]
    if initial_stock is not None and initial_survival is not None:
        if initial_survival.shape[-1] != n_before:
            msg = (
                f"initial_survival must have {n_before} ages like initial_stock; "
                f"got shape {initial_survival.shape}"
            )
            raise ValueError(msg)
        shapes["initial_stock"] = initial_stock.shape[:-1]
        shapes["initial_survival"] = initial_survival.shape[:-1]
    try:
        lead = np.broadcast_shapes(*shapes.values())
    except ValueError:
        listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        msg = f"leading axes do not broadcast: {listed}"
        raise ValueError(msg) from None
    return lead, years, n_before


def _equivalent_inflow(
    initial_stock: FloatArray | None, initial_survival: FloatArray | None
) -> FloatArray:
    """Inflow in each initial cohort's sales year, oldest cohort first.

    ``initial_stock / initial_survival`` (by age), flipped to vintage order;
    0 where the survival is 0 (cars beyond a fixed lifetime).
    """
    if initial_stock is None or initial_survival is None:
        return np.zeros(0)
    stock0, survival0 = np.broadcast_arrays(initial_stock, initial_survival)
    equivalent = np.divide(stock0, survival0, out=np.zeros(stock0.shape), where=survival0 > 0)
    flipped: FloatArray = equivalent[..., ::-1]
    return flipped


def _assemble(
    cohort_inflow: FloatArray,
    survival: FloatArray,
    initial_stock: FloatArray | None,
    n_before: int,
) -> FleetResult:
    """Totals from the inflow by cohort and the survival matrix."""
    inflow = np.ascontiguousarray(cohort_inflow[..., n_before:])
    stock = np.einsum("...j,...tj->...t", cohort_inflow, survival)
    previous = np.empty_like(stock)
    previous[..., 1:] = stock[..., :-1]
    previous[..., 0] = 0.0 if initial_stock is None else initial_stock.sum(axis=-1)
    return FleetResult(
        inflow=inflow,
        stock=stock,
        outflow=inflow - (stock - previous),
        cohort_inflow=cohort_inflow,
        survival=survival,
        initial_stock=initial_stock,
    )

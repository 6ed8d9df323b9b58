r"""Dated tax schedules: a vehicle's purchase tax by its tax base, size and date.

A purchase tax on new vehicles (a special consumption tax, for example) is levied on the
*tax base* :math:`b` (the price before this tax and VAT) at the rate of the
bracket the whole base falls in (not marginally), by powertrain group and size
band (engine displacement or motor power), from the date a schedule takes
effect until the group's next one. VAT is levied on the base plus the purchase
tax, so the price paid is

.. math:: P = b \, (1 + r(b, s, t)/100) \, (1 + v(t)/100)

with :math:`r` the bracket rate [%] for size :math:`s` on date :math:`t` and
:math:`v` the VAT rate [%]. A size band or base bracket holds the values up to
and including its upper bound: the bracket with upper bound :math:`u_k` holds
:math:`u_{k-1} < b \le u_k`. Because the rate jumps up at a bracket's bound,
the price jumps too: a price inside a jump belongs to no base
(:func:`tax_base_from_price` returns NaN there).

The schedules come from the dataset's ``vehicle_taxes`` table (read by
:mod:`evhub.schedules`); the functions here are pure: arrays in, arrays out,
no I/O. Dates are NumPy ``datetime64[D]`` (or anything
``numpy.datetime64(x, "D")`` accepts).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.special

__all__ = [
    "BandSchedule",
    "DatedValues",
    "band_value",
    "lognormal_nodes",
    "price_with_taxes",
    "purchase_tax",
    "purchase_tax_rate",
    "schedule_index",
    "tax_base_from_price",
    "value_in_force",
    "year_shares",
]

FloatArray = npt.NDArray[np.float64]
DateLike = np.datetime64 | datetime.date | str

PERCENT = 100.0
"""Percent per unit [%/1]."""

ROUNDING = 1e-12
"""Relative rounding of a base worked back from a price [1]: a division and two
products of float64 numbers, so that a price at a bracket's bound finds the
bound's own bracket."""


def _day(date: DateLike) -> np.datetime64:
    days = np.asarray(date, dtype="datetime64[D]").reshape(1)
    day: np.datetime64 = days[0]
    return day


def _dates(valid_from: npt.ArrayLike, owner: str) -> npt.NDArray[np.datetime64]:
    """Validity dates as a 1-d ``datetime64[D]`` array, strictly increasing."""
    days = np.asarray(valid_from, dtype="datetime64[D]")
    if days.ndim != 1 or days.size == 0:
        msg = f"{owner}: valid_from must be a non-empty 1-d array of dates, got shape {days.shape}"
        raise ValueError(msg)
    if days.size > 1 and not np.all(days[1:] > days[:-1]):
        msg = f"{owner}: valid_from must rise strictly, got {[str(d) for d in days]}"
        raise ValueError(msg)
    return days


@dataclass(frozen=True)
class BandSchedule:
    """The dated schedules of one tax on one powertrain group, by size band and base bracket.

    Attributes
    ----------
    valid_from : ndarray of datetime64[D], shape ``(n_schedules,)``
        The date each schedule takes effect, strictly rising; a schedule holds
        until the next one.
    size_upper : ndarray, shape ``(n_schedules, n_bands)``
        Upper bound of each size band [``size_unit``], rising within a
        schedule; ``inf`` for an unbounded last band and for the padding of
        a schedule with fewer bands.
    base_upper : ndarray, shape ``(n_schedules, n_bands, n_brackets)``
        Upper bound of each base bracket [LCU/veh of the schedule's date],
        rising within a band; ``inf`` for an unbounded last bracket and for
        the padding.
    value : ndarray, shape ``(n_schedules, n_bands, n_brackets)``
        The bracket's value: a rate [%] or an amount [LCU/veh/yr]; NaN in the
        padding.
    size_unit : str
        Unit of the size bands: ``'cc'`` (engine displacement, cm3), ``'kW'``
        (motor power) or ``''`` (one band for every size).

    Raises
    ------
    ValueError
        If the arrays' shapes disagree, the dates do not rise or a band's
        bounds fall.
    """

    valid_from: npt.NDArray[np.datetime64]
    size_upper: FloatArray
    base_upper: FloatArray
    value: FloatArray
    size_unit: str = ""

    def __post_init__(self) -> None:
        days = _dates(self.valid_from, "BandSchedule")
        size = np.asarray(self.size_upper, dtype=float)
        base = np.asarray(self.base_upper, dtype=float)
        value = np.asarray(self.value, dtype=float)
        if size.ndim != len(("schedule", "band")) or size.shape[0] != days.size:
            msg = (
                f"BandSchedule: size_upper must have shape (n_schedules, n_bands), got {size.shape}"
            )
            raise ValueError(msg)
        if base.ndim != size.ndim + 1 or base.shape[:-1] != size.shape or value.shape != base.shape:
            msg = (
                f"BandSchedule: base_upper {base.shape} and value {value.shape} must have shape "
                f"(n_schedules, n_bands, n_brackets) = {(*size.shape, '...')}"
            )
            raise ValueError(msg)
        if np.any(size[:, 1:] < size[:, :-1]) or np.any(base[..., 1:] < base[..., :-1]):
            msg = "BandSchedule: size_upper and base_upper must rise from band to band"
            raise ValueError(msg)
        object.__setattr__(self, "valid_from", days)
        object.__setattr__(self, "size_upper", size)
        object.__setattr__(self, "base_upper", base)
        object.__setattr__(self, "value", value)


@dataclass(frozen=True)
class DatedValues:
    """Values that take effect on dates (a VAT rate, a duty), each until the next.

    Attributes
    ----------
    valid_from : ndarray of datetime64[D], shape ``(n,)``
        The dates, strictly rising.
    values : ndarray, shape ``(n, ...)``
        The value from each date on, in its own unit.
    """

    valid_from: npt.NDArray[np.datetime64]
    values: FloatArray = field(repr=False)

    def __post_init__(self) -> None:
        days = _dates(self.valid_from, "DatedValues")
        values = np.asarray(self.values, dtype=float)
        if values.ndim == 0 or values.shape[0] != days.size:
            msg = (
                f"DatedValues: values must have a leading axis of the {days.size} dates, "
                f"got shape {values.shape}"
            )
            raise ValueError(msg)
        object.__setattr__(self, "valid_from", days)
        object.__setattr__(self, "values", values)


def schedule_index(valid_from: npt.ArrayLike, date: DateLike) -> int:
    """Index of the schedule in force on ``date``: the last that took effect on or before it.

    Parameters
    ----------
    valid_from : array of dates, shape ``(n,)``
        The dates the schedules take effect, strictly rising.
    date : date
        The day asked about.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If ``date`` is before the first schedule.

    Examples
    --------
    >>> schedule_index(["2015-01-01", "2021-02-02"], "2021-02-01")
    0
    >>> schedule_index(["2015-01-01", "2021-02-02"], "2021-02-02")
    1
    """
    days = _dates(valid_from, "schedule_index")
    day = _day(date)
    index = int(np.searchsorted(days, day, side="right")) - 1
    if index < 0:
        msg = f"date {day} is before the first schedule, which takes effect on {days[0]}"
        raise ValueError(msg)
    return index


def value_in_force(dated: DatedValues, date: DateLike) -> FloatArray:
    """The value of ``dated`` in force on ``date`` [its unit].

    Raises
    ------
    ValueError
        If ``date`` is before the first value's date.
    """
    return np.asarray(dated.values[schedule_index(dated.valid_from, date)], dtype=float)


def band_value(
    schedule: BandSchedule, base: npt.ArrayLike, size: npt.ArrayLike, date: DateLike
) -> FloatArray:
    """The value of the bracket each base falls in, in its size band, on ``date``.

    Parameters
    ----------
    schedule : BandSchedule
        The group's dated schedules.
    base : array_like
        Tax bases [LCU/veh of ``date``]; any shape.
    size : array_like
        Engine displacement or motor power [``schedule.size_unit``],
        broadcast with ``base``; ``inf`` for "above every band's bound".
    date : date
        The day of the sale (or of the tariff).

    Returns
    -------
    ndarray
        The bracket's value [its unit: % for a rate], of the broadcast shape of
        ``base`` and ``size``; NaN where the base or size is NaN or falls in
        no band or bracket (a schedule with a bounded last band).

    Raises
    ------
    ValueError
        If ``date`` is before the first schedule.

    Notes
    -----
    The band is the first whose upper bound is at least the size, the
    bracket the first whose upper bound is at least the base (bounds
    inclusive).
    """
    s = schedule_index(schedule.valid_from, date)
    base_arr, size_arr = np.broadcast_arrays(
        np.asarray(base, dtype=float), np.asarray(size, dtype=float)
    )
    band, no_band, uppers = _band(schedule, s, size_arr)
    bracket = np.sum(base_arr[..., np.newaxis] > uppers, axis=-1)
    n_brackets = uppers.shape[-1]
    no_bracket = (bracket >= n_brackets) | np.isnan(base_arr)
    bracket = np.minimum(bracket, n_brackets - 1)
    values = schedule.value[s][band]
    out = np.take_along_axis(values, bracket[..., np.newaxis], axis=-1)[..., 0]
    return np.where(no_band | no_bracket, np.nan, out)


def _band(
    schedule: BandSchedule, s: int, size: FloatArray
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_], FloatArray]:
    """The size band of each size in schedule ``s``, where it falls in none, and its brackets.

    Returns the band index (clipped to the last band), whether the size falls
    in no band (above a bounded last band, or NaN), and the upper bounds of the
    band's base brackets ``(..., n_brackets)``.
    """
    sizes = schedule.size_upper[s]
    band = np.searchsorted(sizes, size, side="left")
    no_band = (band >= sizes.size) | np.isnan(size)
    band = np.minimum(band, sizes.size - 1)
    return band, no_band, schedule.base_upper[s][band]


def purchase_tax_rate(
    schedules: dict[str, BandSchedule],
    group: str,
    base: npt.ArrayLike,
    size: npt.ArrayLike,
    date: DateLike,
) -> FloatArray:
    """The purchase-tax rate of vehicles of a powertrain group [%].

    Parameters
    ----------
    schedules : dict of str to BandSchedule
        The purchase-tax schedules by powertrain group (:mod:`evhub.schedules`).
    group : str
        The powertrain group (an id of the dataset's ``powertrain_groups``).
    base, size, date
        As in :func:`band_value`.

    Returns
    -------
    ndarray
        The rate of the bracket each base falls in [%].

    Raises
    ------
    ValueError
        If ``group`` has no schedule, or ``date`` is before its first.

    Examples
    --------
    >>> sched = BandSchedule(
    ...     valid_from=np.array(["2022-11-24"], dtype="datetime64[D]"),
    ...     size_upper=np.array([[1600.0, np.inf]]),
    ...     base_upper=np.array([[[184000.0, np.inf], [np.inf, np.inf]]]),
    ...     value=np.array([[[45.0, 80.0], [220.0, np.nan]]]),
    ...     size_unit="cc",
    ... )
    >>> purchase_tax_rate({"ice": sched}, "ice", [184000, 184001], 1600, "2023-01-01")
    array([45., 80.])
    """
    if group not in schedules:
        msg = f"no purchase-tax schedule for the powertrain group {group!r} ({sorted(schedules)})"
        raise ValueError(msg)
    return band_value(schedules[group], base, size, date)


def purchase_tax(
    schedule: BandSchedule, base: npt.ArrayLike, size: npt.ArrayLike, date: DateLike
) -> FloatArray:
    r"""The purchase tax of vehicles [LCU/veh]: :math:`b \, r(b, s, t) / 100`.

    Parameters and raises as in :func:`band_value`.
    """
    base_arr = np.asarray(base, dtype=float)
    return base_arr * band_value(schedule, base_arr, size, date) / PERCENT


def price_with_taxes(
    base: npt.ArrayLike, purchase_rate: npt.ArrayLike, vat_rate: npt.ArrayLike
) -> FloatArray:
    r"""The price paid: :math:`b (1 + r/100)(1 + v/100)` [LCU/veh].

    Parameters
    ----------
    base : array_like
        Tax bases [LCU/veh].
    purchase_rate, vat_rate : array_like
        Purchase-tax and VAT rates [%], broadcast with ``base``.

    Examples
    --------
    >>> float(price_with_taxes(280000, 80, 18))
    594720.0
    """
    return (
        np.asarray(base, dtype=float)
        * (1 + np.asarray(purchase_rate, dtype=float) / PERCENT)
        * (1 + np.asarray(vat_rate, dtype=float) / PERCENT)
    )


def tax_base_from_price(
    schedule: BandSchedule,
    price: npt.ArrayLike,
    size: npt.ArrayLike,
    date: DateLike,
    vat_rate: npt.ArrayLike,
) -> FloatArray:
    r"""The tax base of a price paid (purchase tax and VAT included) [LCU/veh].

    Parameters
    ----------
    schedule : BandSchedule
        The group's purchase-tax schedules.
    price : array_like
        Prices with the purchase tax and VAT [LCU/veh]; any shape.
    size : array_like
        Engine displacement or motor power [``schedule.size_unit``],
        broadcast with ``price``.
    date : date
        The day of the price.
    vat_rate : array_like
        The VAT rate on that day [%].

    Returns
    -------
    ndarray
        The base :math:`b` with :math:`P = b (1 + r(b)/100)(1 + v/100)`; NaN
        where no base gives the price (it lies in the jump at a bracket's
        bound) or the size falls in no band.

    Notes
    -----
    Each bracket :math:`k` of the size band gives a candidate
    :math:`b_k = P / ((1 + r_k/100)(1 + v/100))`; the base is the candidate
    inside its own bracket, :math:`u_{k-1} < b_k \le u_k` (to a relative
    rounding of ``ROUNDING``). The price rises with the base, so at most one
    candidate qualifies.
    """
    s = schedule_index(schedule.valid_from, date)
    price_arr, size_arr = np.broadcast_arrays(
        np.asarray(price, dtype=float), np.asarray(size, dtype=float)
    )
    band, no_band, uppers = _band(schedule, s, size_arr)
    lowers = np.concatenate([np.full((*uppers.shape[:-1], 1), -np.inf), uppers[..., :-1]], axis=-1)
    rates = schedule.value[s][band]
    vat = 1 + np.asarray(vat_rate, dtype=float) / PERCENT
    candidates = price_arr[..., np.newaxis] / (
        (1 + rates / PERCENT) * np.asarray(vat)[..., np.newaxis]
    )
    # NaN rates (padding) are never inside; bounds within rounding belong to the lower bracket
    inside = (candidates > lowers * (1 + ROUNDING)) & (candidates <= uppers * (1 + ROUNDING))
    found = np.any(inside, axis=-1)
    base = np.take_along_axis(candidates, np.argmax(inside, axis=-1)[..., np.newaxis], axis=-1)[
        ..., 0
    ]
    return np.where(found & ~no_band, base, np.nan)


def year_shares(valid_from: npt.ArrayLike, years: npt.ArrayLike) -> FloatArray:
    """The share of each year's days under each schedule [1].

    Parameters
    ----------
    valid_from : array of dates, shape ``(n,)``
        The dates the schedules take effect, strictly rising.
    years : array_like of int, shape ``(m,)``
        Calendar years [yr].

    Returns
    -------
    ndarray, shape ``(m, n)``
        Days of year ``years[i]`` on which schedule ``j`` was in force, over
        the year's days. A row sums to less than 1 for a year that begins
        before the first schedule.

    Examples
    --------
    >>> year_shares(["2023-01-01", "2023-07-10"], [2023]).round(4)
    array([[0.5205, 0.4795]])
    """
    days = _dates(valid_from, "year_shares")
    year = np.asarray(years, dtype=int)
    first = year.astype(str).astype("datetime64[Y]").astype("datetime64[D]")
    last = (year + 1).astype(str).astype("datetime64[Y]").astype("datetime64[D]")
    starts = days[np.newaxis, :]
    ends = np.append(days[1:], np.datetime64("9999-12-31"))[np.newaxis, :]
    lo = np.maximum(first[:, np.newaxis], starts)
    hi = np.minimum(last[:, np.newaxis], ends)
    covered = np.maximum((hi - lo).astype(int), 0)
    shares: FloatArray = covered / (last - first).astype(int)[:, np.newaxis]
    return shares


def lognormal_nodes(median: npt.ArrayLike, log_sd: npt.ArrayLike, n: int) -> FloatArray:
    r"""Equal-weight nodes of a log-normal spread of tax bases [LCU/veh].

    The node :math:`i` of :math:`n` is the quantile :math:`(i + 1/2)/n`:
    :math:`m \exp(\sigma \, \Phi^{-1}((i + 1/2)/n))`, so that the mean of a
    function over the nodes approximates its mean over the distribution
    (a rate averaged over the bases that brackets cut).

    Parameters
    ----------
    median : array_like
        Median base [LCU/veh]; any shape.
    log_sd : array_like
        Standard deviation of the log base [1], broadcast with ``median``.
    n : int
        Number of nodes.

    Returns
    -------
    ndarray, shape ``(*broadcast shape, n)``

    Raises
    ------
    ValueError
        If ``n`` is not positive.

    Examples
    --------
    >>> lognormal_nodes(100.0, 0.0, 3)
    array([100., 100., 100.])
    """
    if n < 1:
        msg = f"n = {n!r} nodes; expected at least 1"
        raise ValueError(msg)
    z = scipy.special.ndtri((np.arange(n) + 0.5) / n)
    log_median = np.log(np.asarray(median, dtype=float))[..., np.newaxis]
    spread = np.asarray(log_sd, dtype=float)[..., np.newaxis]
    nodes: Any = np.exp(log_median + spread * z)
    return np.asarray(nodes, dtype=float)

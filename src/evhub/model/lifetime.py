"""Lifetime distributions of cars and the survival and retirement matrices of a cohort model.

A *lifetime* is the age at which a car leaves the fleet (scrapped or exported).
Each distribution here is a frozen dataclass whose parameters are floats or
arrays that broadcast to the leading axes of a model run, e.g. shape ``(run,)``
or ``(run, powertrain)``. Its survival function ``sf(age)`` is the share of a
cohort still in the fleet at ``age`` [yr].

Timing convention
-----------------
Stock is measured at the **end** of each year; sales (inflow) are spread over
the year and treated as if they all happened in its **middle**. A car sold in
model year ``c`` has therefore, at the end of model year ``t >= c``, reached
age ``t - c + 1/2``::

    survival[t, c] = S(t - c + 1/2)    for t >= c
    survival[t, c] = 0                 for t <  c

with ``S`` the distribution's survival function (``scipy.stats`` ``.sf``).
This is exactly flodym's default (``LifetimeModel(inflow_at="middle",
n_pts_per_interval=1)``, flodym 1.1): flodym evaluates the survival of cohort
``c`` at ``bounds[t + 1] - (bounds[c] + bounds[c + 1]) / 2``, where ``bounds``
are the midpoints between consecutive time items, i.e. ``t - c + 1/2`` for
consecutive calendar years. In particular the diagonal ``t == c`` is
``S(1/2)``, not 1: a car sold in a year may already be scrapped by that year's
end (flodym counts ``1 - S(1/2)`` as outflow of the sales year, so do we).
flodym's ``FixedLifetime`` survives while ``age < years`` (strict), and so does
:class:`Fixed`. The retirement matrix is the fall of the survival matrix from
one year to the next (``1 - S(1/2)`` in the sales year), flodym's ``pdf``.

The functions are pure: arrays in, arrays out, no I/O and no global state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import scipy.special
import scipy.stats
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "Fixed",
    "Lifetime",
    "LogNormal",
    "Normal",
    "Weibull",
    "retirement_matrix",
    "survival_matrix",
]

FloatArray = npt.NDArray[np.float64]

HALF_YEAR = 0.5
"""Age offset of the mid-year sales convention [yr]."""


class Lifetime(Protocol):
    """Interface shared by the lifetime distributions of this module."""

    @property
    def parameter_shape(self) -> tuple[int, ...]:
        """Broadcast shape ``P`` of the distribution's parameters."""
        ...

    def sf(self, age: npt.ArrayLike) -> FloatArray:
        """Survival function: share of a cohort still in the fleet at ``age`` [1]."""
        ...


def _parameters(owner: str, **values: npt.ArrayLike) -> dict[str, FloatArray]:
    """Convert parameters to read-only float arrays broadcast to one common shape.

    Parameters
    ----------
    owner : str
        Name of the distribution, for error messages.
    **values : array_like
        The parameters, by name.

    Returns
    -------
    dict of str to ndarray
        The parameters as read-only ``float64`` arrays of one common shape.

    Raises
    ------
    ValueError
        If a parameter is not finite or the parameters do not broadcast.
    """
    arrays = {name: np.asarray(value, dtype=np.float64) for name, value in values.items()}
    for name, array in arrays.items():
        if not np.all(np.isfinite(array)):
            msg = f"{owner}.{name} must be finite; got {_first_bad(array, ~np.isfinite(array))}"
            raise ValueError(msg)
    try:
        shape = np.broadcast_shapes(*(array.shape for array in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{name} {array.shape}" for name, array in arrays.items())
        msg = f"{owner} parameters do not broadcast to one shape: {shapes}"
        raise ValueError(msg) from None
    out = {}
    for name, array in arrays.items():
        full = np.array(np.broadcast_to(array, shape), dtype=np.float64)
        full.flags.writeable = False
        out[name] = full
    return out


def _first_bad(array: FloatArray, bad: npt.NDArray[np.bool_]) -> str:
    """Describe the first offending element of ``array``, with its index if not scalar."""
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    value = float(array[index])
    return f"{value!r}" if array.ndim == 0 else f"{value!r} at index {index}"


def _require_positive(owner: str, name: str, array: FloatArray, unit: str) -> None:
    """Raise if any element of a parameter is not strictly positive.

    Raises
    ------
    ValueError
        Naming the parameter, the first bad value and what was expected.
    """
    bad = ~(array > 0)
    if np.any(bad):
        msg = f"{owner}.{name} must be > 0 [{unit}]; got {_first_bad(array, bad)}"
        raise ValueError(msg)


def _expand(parameter: FloatArray, age: FloatArray) -> FloatArray:
    """Append ``age.ndim`` unit axes to a parameter so it broadcasts as ``P + A``."""
    return parameter.reshape(parameter.shape + (1,) * age.ndim)


@dataclass(frozen=True, eq=False)
class Normal:
    """Normally distributed lifetime.

    Parameters
    ----------
    mean : float or array_like
        Mean lifetime. [yr]
    sd : float or array_like
        Standard deviation of the lifetime. [yr]

    Raises
    ------
    ValueError
        If a parameter is not finite, ``mean <= 0`` or ``sd <= 0``.

    Notes
    -----
    ``S(a) = 1 - Φ((a - mean) / sd)``. The distribution has mass at negative
    ages; it is not truncated (as in flodym's ``NormalLifetime``), so
    ``S(0) < 1`` and ``1 - S(1/2)`` of a cohort leaves in its sales year.
    """

    mean: float | FloatArray
    sd: float | FloatArray

    def __post_init__(self) -> None:
        values = _parameters("Normal", mean=self.mean, sd=self.sd)
        _require_positive("Normal", "mean", values["mean"], "yr")
        _require_positive("Normal", "sd", values["sd"], "yr")
        object.__setattr__(self, "mean", values["mean"])
        object.__setattr__(self, "sd", values["sd"])

    @property
    def parameter_shape(self) -> tuple[int, ...]:
        """Broadcast shape ``P`` of the parameters."""
        return np.shape(self.mean)

    def sf(self, age: npt.ArrayLike) -> FloatArray:
        """Survival function.

        Parameters
        ----------
        age : array_like
            Ages, shape ``A``. [yr]

        Returns
        -------
        ndarray
            Share surviving, shape ``self.parameter_shape + A``. [1]
        """
        a = np.asarray(age, dtype=np.float64)
        loc = _expand(np.asarray(self.mean), a)
        scale = _expand(np.asarray(self.sd), a)
        return np.asarray(scipy.stats.norm.sf(a, loc=loc, scale=scale), dtype=np.float64)


@dataclass(frozen=True, eq=False)
class LogNormal:
    r"""Log-normally distributed lifetime, given by its own mean and standard deviation.

    Parameters
    ----------
    mean : float or array_like
        Mean of the lifetime itself (not of its logarithm). [yr]
    sd : float or array_like
        Standard deviation of the lifetime itself. [yr]

    Raises
    ------
    ValueError
        If a parameter is not finite, ``mean <= 0`` or ``sd <= 0``.

    Notes
    -----
    The lifetime is ``exp(X)`` with ``X ~ N(μ, σ²)``, where

    .. math::

        σ^2 = \ln(1 + sd^2 / mean^2), \qquad
        μ = \ln\left(mean^2 / \sqrt{mean^2 + sd^2}\right) = \ln(mean) - σ^2 / 2,

    so that ``E[exp(X)] = exp(μ + σ²/2) = mean`` and
    ``Var[exp(X)] = (exp(σ²) - 1) exp(2μ + σ²) = sd²``. This is the same
    parametrisation as flodym's ``LogNormalLifetime``. ``S(a) = 1`` for ``a <= 0``.
    """

    mean: float | FloatArray
    sd: float | FloatArray

    def __post_init__(self) -> None:
        values = _parameters("LogNormal", mean=self.mean, sd=self.sd)
        _require_positive("LogNormal", "mean", values["mean"], "yr")
        _require_positive("LogNormal", "sd", values["sd"], "yr")
        object.__setattr__(self, "mean", values["mean"])
        object.__setattr__(self, "sd", values["sd"])

    @property
    def parameter_shape(self) -> tuple[int, ...]:
        """Broadcast shape ``P`` of the parameters."""
        return np.shape(self.mean)

    @property
    def mu(self) -> FloatArray:
        """Mean ``μ`` of the underlying normal distribution [ln(yr)]."""
        mean_square = np.square(self.mean)
        return np.asarray(np.log(mean_square / np.sqrt(mean_square + np.square(self.sd))))

    @property
    def sigma(self) -> FloatArray:
        """Standard deviation ``σ`` of the underlying normal distribution [1]."""
        return np.asarray(np.sqrt(np.log1p(np.square(self.sd) / np.square(self.mean))))

    def sf(self, age: npt.ArrayLike) -> FloatArray:
        """Survival function.

        Parameters
        ----------
        age : array_like
            Ages, shape ``A``. [yr]

        Returns
        -------
        ndarray
            Share surviving, shape ``self.parameter_shape + A``. [1]
        """
        a = np.asarray(age, dtype=np.float64)
        s = _expand(self.sigma, a)
        scale = _expand(np.exp(self.mu), a)
        return np.asarray(scipy.stats.lognorm.sf(a, s=s, loc=0.0, scale=scale), dtype=np.float64)


@dataclass(frozen=True, eq=False)
class Weibull:
    """Weibull-distributed lifetime.

    Parameters
    ----------
    shape : float or array_like
        Shape parameter ``k``. [1]
    scale : float or array_like
        Scale parameter ``λ``. [yr]

    Raises
    ------
    ValueError
        If a parameter is not finite, ``shape <= 0`` or ``scale <= 0``.

    Notes
    -----
    ``S(a) = exp(-(a / λ)^k)`` for ``a >= 0`` and 1 below;
    mean ``λ Γ(1 + 1/k)``. Same parametrisation as flodym's ``WeibullLifetime``
    (``weibull_shape``, ``weibull_scale``) and ``scipy.stats.weibull_min``
    (``c``, ``scale``).

    References
    ----------
    .. [1] Weibull, W. (1951). A statistical distribution function of wide
       applicability. Journal of Applied Mechanics 18(3), 293-297.
       https://doi.org/10.1115/1.4010337
    """

    shape: float | FloatArray
    scale: float | FloatArray

    def __post_init__(self) -> None:
        values = _parameters("Weibull", shape=self.shape, scale=self.scale)
        _require_positive("Weibull", "shape", values["shape"], "1")
        _require_positive("Weibull", "scale", values["scale"], "yr")
        object.__setattr__(self, "shape", values["shape"])
        object.__setattr__(self, "scale", values["scale"])

    @property
    def parameter_shape(self) -> tuple[int, ...]:
        """Broadcast shape of the parameters."""
        return np.shape(self.scale)

    @property
    def mean(self) -> FloatArray:
        """Mean lifetime ``λ Γ(1 + 1/k)`` [yr]."""
        return np.asarray(
            np.asarray(self.scale) * scipy.special.gamma(1.0 + 1.0 / np.asarray(self.shape))
        )

    def sf(self, age: npt.ArrayLike) -> FloatArray:
        """Survival function.

        Parameters
        ----------
        age : array_like
            Ages, shape ``A``. [yr]

        Returns
        -------
        ndarray
            Share surviving, shape ``self.parameter_shape + A``. [1]
        """
        a = np.asarray(age, dtype=np.float64)
        c = _expand(np.asarray(self.shape), a)
        scale = _expand(np.asarray(self.scale), a)
        return np.asarray(scipy.stats.weibull_min.sf(a, c=c, scale=scale), dtype=np.float64)


@dataclass(frozen=True, eq=False)
class Fixed:
    """Fixed lifetime: every car leaves the fleet when it reaches exactly ``years``.

    Parameters
    ----------
    years : float or array_like
        The lifetime. [yr]

    Raises
    ------
    ValueError
        If ``years`` is not finite or ``years <= 0``.

    Notes
    -----
    ``S(a) = 1`` if ``a < years`` else 0 (strict, as flodym's
    ``FixedLifetime``: ``(ages < mean)``). With mid-year sales a car sold in
    year ``c`` is in the end-of-year stock of years ``c .. c + n - 1`` where
    ``n = ceil(years - 1/2)`` and leaves in year ``c + n``; e.g.
    ``years = 2`` keeps it in the stock at the end of ``c`` and ``c + 1``.
    ``years <= 1/2`` means no car survives to the end of its sales year.
    """

    years: float | FloatArray

    def __post_init__(self) -> None:
        values = _parameters("Fixed", years=self.years)
        _require_positive("Fixed", "years", values["years"], "yr")
        object.__setattr__(self, "years", values["years"])

    @property
    def parameter_shape(self) -> tuple[int, ...]:
        """Broadcast shape ``P`` of the parameters."""
        return np.shape(self.years)

    @property
    def mean(self) -> FloatArray:
        """Mean lifetime, equal to ``years`` [yr]."""
        return np.asarray(self.years)

    def sf(self, age: npt.ArrayLike) -> FloatArray:
        """Survival function.

        Parameters
        ----------
        age : array_like
            Ages, shape ``A``. [yr]

        Returns
        -------
        ndarray
            1.0 where ``age < years`` else 0.0, shape ``self.parameter_shape + A``. [1]
        """
        a = np.asarray(age, dtype=np.float64)
        return (a < _expand(np.asarray(self.years), a)).astype(np.float64)


def survival_matrix(
    lifetime: Lifetime,
    years: int,
    cohorts_before: int = 0,
    *,
    copy: bool = True,
) -> FloatArray:
    """Survival of each cohort at the end of each model year.

    Parameters
    ----------
    lifetime : Lifetime
        Lifetime distribution (:class:`Normal`, :class:`LogNormal`,
        :class:`Weibull`, :class:`Fixed`), parameters of shape ``P``.
    years : int
        Number of model years (2000-2060 is 61). [yr]
    cohorts_before : int, default 0
        Number of cohorts sold before the first model year, e.g. the ages of
        an initial stock.
    copy : bool, default True
        ``False`` returns a read-only strided view of one survival curve per
        parameter set (the matrix is Toeplitz), using no memory for the matrix
        itself and much faster in products with it; ``True`` a contiguous copy.

    Returns
    -------
    ndarray
        Shape ``P + (years, cohorts_before + years)``. Rows are model years
        ``t = 0 .. years - 1``; columns are cohorts by vintage (sales year
        relative to the first model year) ``v = -cohorts_before .. years - 1``,
        oldest first. [1]

    Raises
    ------
    ValueError
        If ``years < 1`` or ``cohorts_before < 0``.

    Notes
    -----
    ``survival[..., t, j] = S(t - v + 1/2)`` with ``v = j - cohorts_before``
    for ``t >= v``, else 0 (see the module docstring for the convention).
    The entry depends on ``t - v`` only (a Toeplitz matrix), so ``S`` is
    evaluated on the ``years + cohorts_before`` distinct ages only.

    Examples
    --------
    >>> survival_matrix(Fixed(2.0), years=3, cohorts_before=1)
    array([[1., 1., 0., 0.],
           [0., 1., 1., 0.],
           [0., 0., 1., 1.]])
    """
    _check_axes(years, cohorts_before)
    by_age = lifetime.sf(np.arange(years + cohorts_before, dtype=np.float64) + HALF_YEAR)
    return _by_age_to_matrix(by_age, years, copy=copy)


def retirement_matrix(
    lifetime: Lifetime,
    years: int,
    cohorts_before: int = 0,
    *,
    copy: bool = True,
) -> FloatArray:
    r"""Share of each cohort's sales retired in each model year.

    Parameters
    ----------
    lifetime : Lifetime
        Lifetime distribution, parameters of shape ``P``.
    years : int
        Number of model years. [yr]
    cohorts_before : int, default 0
        Number of cohorts sold before the first model year.
    copy : bool, default True
        As in :func:`survival_matrix`.

    Returns
    -------
    ndarray
        Shape ``P + (years, cohorts_before + years)``, axes as in
        :func:`survival_matrix`. [1]

    Raises
    ------
    ValueError
        If ``years < 1`` or ``cohorts_before < 0``.

    Notes
    -----
    With age :math:`a = t - v` of cohort ``v`` in year ``t``:
    :math:`R(0) = 1 - S(\tfrac12)` (cars sold and retired in the same year),
    :math:`R(a) = S(a - \tfrac12) - S(a + \tfrac12)` for :math:`a \ge 1`, 0
    before the sale: the survival matrix's fall from the end of the previous
    year (flodym's ``pdf``). A cohort's outflow is its sales times this
    matrix, the ``outflow_by_cohort`` of :class:`evhub.model.fleet.FleetResult`
    per car sold. Summed over the years, the column of a cohort sold in a
    model year is 1 minus its survival at the end of the last year.

    Examples
    --------
    Cars of a fixed 2-year life retire in the second year after their sales
    year (age 2.5 at its end):

    >>> retirement_matrix(Fixed(2.0), years=3, cohorts_before=1)
    array([[0., 0., 0., 0.],
           [1., 0., 0., 0.],
           [0., 1., 0., 0.]])
    """
    _check_axes(years, cohorts_before)
    by_age = lifetime.sf(np.arange(years + cohorts_before, dtype=np.float64) + HALF_YEAR)
    retired = np.empty_like(by_age)
    retired[..., 0] = 1.0 - by_age[..., 0]
    np.subtract(by_age[..., :-1], by_age[..., 1:], out=retired[..., 1:])
    return _by_age_to_matrix(retired, years, copy=copy)


def _check_axes(years: int, cohorts_before: int) -> None:
    """Raise if ``years`` or ``cohorts_before`` cannot be axes of a cohort matrix."""
    if isinstance(years, bool) or not isinstance(years, int | np.integer) or years < 1:
        msg = f"years must be an integer >= 1; got {years!r}"
        raise ValueError(msg)
    if (
        isinstance(cohorts_before, bool)
        or not isinstance(cohorts_before, int | np.integer)
        or cohorts_before < 0
    ):
        msg = f"cohorts_before must be an integer >= 0; got {cohorts_before!r}"
        raise ValueError(msg)


def _by_age_to_matrix(by_age: FloatArray, years: int, *, copy: bool) -> FloatArray:
    """The (year, cohort) matrix whose entry depends on the age ``t - v`` only.

    ``by_age[..., a]`` is the value at age ``a + 1/2`` at the end of a year
    (``years + cohorts_before`` ages); before the sale the entry is 0.
    """
    n_ages = by_age.shape[-1]
    # Row t is by_age reversed, shifted right by t and zero-padded: with
    # padded = [v(n_ages - 1), ..., v(0), 0, ..., 0] (years - 1 zeros),
    # matrix[t, j] = padded[j - t + years - 1], a sliding window read backwards.
    padded = np.concatenate([by_age[..., ::-1], np.zeros((*by_age.shape[:-1], years - 1))], axis=-1)
    view: FloatArray = sliding_window_view(padded, n_ages, axis=-1)[..., ::-1, :]
    return np.ascontiguousarray(view) if copy else view

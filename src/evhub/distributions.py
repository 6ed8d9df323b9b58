"""Distributions of uncertain scenario parameters, and turning uniform draws into values.

Any number in a scenario may instead be a distribution, written as a mapping
with a ``dist`` key::

    car.market.bev_share.midpoint_year: {dist: triangular, low: 2028, mode: 2033, high: 2040}
    car.energy.charging_loss: {dist: normal, mean: 12, sd: 3, low: 5, high: 25}
    car.trade.utilisation: {dist: uniform}               # low and high: the dataset's range
    pipeline.overrides.byd-manisa.delay: {dist: discrete, values: [0, 1, 2],
                                          probabilities: [0.5, 0.3, 0.2]}

=============  ==========================================  ====================
``dist``       fields                                      central value
=============  ==========================================  ====================
``normal``     ``mean``, ``sd``; optional ``low``, ``high``  ``mean``
               (truncation)
``lognormal``  ``mean``, ``sd`` of the value itself;       ``mean``
               optional ``low``, ``high``
``uniform``    ``low``, ``high``                           midpoint
``triangular`` ``low``, ``mode``, ``high``                 ``mode``
``beta``       ``alpha``, ``beta``, ``low``, ``high``      mean
``discrete``   ``values``, ``probabilities``               most probable value
``posterior``  none: the dataset's posterior draws of a    the dataset default
               fitted parameter (``choice_posterior.csv``),
               drawn jointly with the class's others
=============  ==========================================  ====================

A missing ``mean`` or ``mode`` is the value the parameter has without the
distribution (the dataset default or the parent scenario's value); a missing
``low`` or ``high`` of ``uniform``, ``triangular`` and ``beta`` is the
dataset's sourced range of the parameter. A deterministic run uses the
central value. Values are in the parameter's unit (percent for shares).

Every distribution is sampled by its inverse CDF, :meth:`Distribution.ppf`,
from a uniform draw in (0, 1) (a Latin hypercube or Sobol point), so a draw
of 0.5 gives the median and the same draws give the same values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from scipy import stats

from evhub.readable import exact, plain

__all__ = [
    "CENTRAL_FIELD",
    "DISTRIBUTIONS",
    "POSTERIOR",
    "RANGED",
    "Bounds",
    "Distribution",
    "parse_distribution",
    "show_spec",
]

F = NDArray[np.float64]

#: Names of the distributions a scenario may use.
DISTRIBUTIONS = ("normal", "lognormal", "uniform", "triangular", "beta", "discrete", "posterior")
#: The distribution of a fitted parameter drawn from the dataset's posterior samples.
POSTERIOR = "posterior"

#: Largest probability an unbounded distribution may put outside a parameter's
#: allowed range; below it, draws are truncated to the range.
TAIL_TOLERANCE = 1e-3
_SUM_TOLERANCE = 1e-6


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Finite = Annotated[float, Field(allow_inf_nan=False)]


class _Normal(_Spec):
    dist: Literal["normal"]
    mean: Finite
    sd: Finite = Field(gt=0)
    low: Finite | None = None
    high: Finite | None = None


class _LogNormal(_Spec):
    dist: Literal["lognormal"]
    mean: Finite = Field(gt=0)
    sd: Finite = Field(gt=0)
    low: Finite | None = None
    high: Finite | None = None


class _Uniform(_Spec):
    dist: Literal["uniform"]
    low: Finite
    high: Finite


class _Triangular(_Spec):
    dist: Literal["triangular"]
    low: Finite
    mode: Finite
    high: Finite

    @model_validator(mode="after")
    def _order(self) -> _Triangular:
        if not self.low <= self.mode <= self.high:
            got = f"{exact(self.low)}, {exact(self.mode)}, {exact(self.high)}"
            msg = f"needs low <= mode <= high; got {got}"
            raise ValueError(msg)
        return self


class _Beta(_Spec):
    dist: Literal["beta"]
    alpha: Finite = Field(gt=0)
    beta: Finite = Field(gt=0)
    low: Finite
    high: Finite


class _Discrete(_Spec):
    dist: Literal["discrete"]
    values: list[Finite] = Field(min_length=1)
    probabilities: list[Annotated[float, Field(ge=0, le=1)]] = Field(min_length=1)

    @model_validator(mode="after")
    def _probabilities(self) -> _Discrete:
        if len(self.values) != len(self.probabilities):
            msg = (
                f"needs one probability per value; got {len(self.values)} values and "
                f"{len(self.probabilities)} probabilities"
            )
            raise ValueError(msg)
        total = sum(self.probabilities)
        if abs(total - 1.0) > _SUM_TOLERANCE:
            msg = f"probabilities sum to {exact(total)}, expected 1"
            raise ValueError(msg)
        return self


class _Posterior(_Spec):
    dist: Literal["posterior"]


_SPECS: dict[str, type[_Spec]] = {
    "normal": _Normal,
    "lognormal": _LogNormal,
    "uniform": _Uniform,
    "triangular": _Triangular,
    "beta": _Beta,
    "discrete": _Discrete,
    "posterior": _Posterior,
}
#: Fields filled from the parameter's value without the distribution.
CENTRAL_FIELD = {"normal": "mean", "lognormal": "mean", "triangular": "mode"}
#: Distributions whose missing ``low`` and ``high`` come from the dataset's range.
RANGED = ("uniform", "triangular", "beta")


@dataclass(frozen=True)
class Bounds:
    """The allowed range of a parameter (from its pydantic field)."""

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    integer: bool = False

    def describe(self) -> str:
        """The range as text, e.g. ``[0, 100]`` or ``(0, inf)``."""
        left = "(" if self.low_open or math.isinf(self.low) else "["
        right = ")" if self.high_open or math.isinf(self.high) else "]"
        return f"{left}{exact(self.low)}, {exact(self.high)}{right}"

    def contains(self, low: float, high: float) -> bool:
        """Whether ``[low, high]`` lies in the range."""
        above = low > self.low if self.low_open else low >= self.low
        below = high < self.high if self.high_open else high <= self.high
        return above and below


@dataclass(frozen=True)
class Distribution:
    """A validated distribution of one parameter.

    Attributes
    ----------
    kind
        One of :data:`DISTRIBUTIONS`.
    fields
        Its fields after filling in (``mean``, ``sd``, ``low``, ...).
    central
        The value of a deterministic run.
    integer
        Draws are rounded to whole numbers (year parameters).
    """

    kind: str
    fields: Mapping[str, Any]
    central: float
    integer: bool = False
    _frozen: Any = field(default=None, repr=False, compare=False)
    _cut: tuple[float, float] = (0.0, 1.0)
    _limits: tuple[float, float] = (-math.inf, math.inf)

    def ppf(self, u: F) -> F:
        """Values at the quantiles ``u`` in (0, 1) (the inverse CDF), in the parameter's unit."""
        u = np.asarray(u, dtype=float)
        if self.kind == POSTERIOR:
            msg = (
                "a posterior parameter is drawn jointly with its class's others, from the "
                "dataset's draws (evhub.ensemble.design), not alone"
            )
            raise ValueError(msg)
        if self.kind == "discrete":
            values = np.asarray(self.fields["values"], dtype=float)
            probabilities = np.asarray(self.fields["probabilities"], dtype=float)
            order = np.argsort(values, kind="stable")
            cumulative = np.cumsum(probabilities[order])
            index = np.searchsorted(cumulative, u * cumulative[-1], side="right")
            out: F = values[order][np.minimum(index, len(values) - 1)]
        else:
            lo, hi = self._cut
            out = np.asarray(self._frozen.ppf(lo + u * (hi - lo)), dtype=float)
            out = np.clip(out, *self._limits)  # rounding at a truncation point
        return np.round(out) if self.integer else out

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest value a draw can take (a posterior's: its central value)."""
        if self.kind == POSTERIOR:
            return self.central, self.central
        if self.kind == "discrete":
            values = self.fields["values"]
            return float(min(values)), float(max(values))
        lo, hi = self._cut
        low, high = np.clip(self._frozen.ppf([lo, hi]), *self._limits)
        return float(low), float(high)

    def spec(self) -> dict[str, Any]:
        """The distribution as a scenario would write it (with the filled-in fields)."""
        return {"dist": self.kind, **self.fields}


def show_spec(spec: Mapping[str, Any]) -> str:
    """A distribution mapping as one line of YAML flow style."""
    parts = ", ".join(f"{k}: {_show(v)}" for k, v in spec.items())
    return "{" + parts + "}"


def _show(value: Any) -> str:
    if isinstance(value, float):
        return plain(value)
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def parse_distribution(
    spec: Mapping[str, Any],
    *,
    where: str,
    bounds: Bounds,
    previous: float | None,
    dataset_range: tuple[float, float] | None,
) -> Distribution:
    """Validate a ``{dist: ...}`` mapping of one parameter and fill in what it leaves out.

    Parameters
    ----------
    spec
        The mapping from the scenario file.
    where
        ``"<file>: <path>"``, the prefix of every message.
    bounds
        The parameter's allowed range.
    previous
        The parameter's value without the distribution (fills ``mean`` or ``mode``).
    dataset_range
        The dataset's ``(low, high)`` of the parameter, if it has one (fills
        ``low`` and ``high`` of uniform, triangular and beta).

    Raises
    ------
    ValueError
        With one message naming ``where``, the distribution and what is wrong.
    """
    shown = show_spec(spec)
    kind = spec.get("dist")
    if kind not in _SPECS:
        msg = f"{where} = {shown}: unknown distribution {kind!r}; expected one of {DISTRIBUTIONS}"
        raise ValueError(msg)
    filled = dict(spec)
    central_field = CENTRAL_FIELD.get(str(kind))
    if central_field and central_field not in filled and previous is not None:
        filled[central_field] = previous
    if kind in RANGED and dataset_range is not None:
        low, high = dataset_range
        filled.setdefault("low", low)
        filled.setdefault("high", high)
    try:
        model = _SPECS[str(kind)].model_validate(filled)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            text = err["msg"].removeprefix("Value error, ")
            if err["type"] == "missing" and loc in ("low", "high") and kind in RANGED:
                text += " (the dataset gives no range for this parameter)"
            if err["type"] == "extra_forbidden":
                known = [f for f in _SPECS[str(kind)].model_fields if f != "dist"]
                text = f"unknown field for {kind}; expected {known}"
            problems.append(f"{loc}: {text}" if loc else text)
        msg = f"{where} = {shown}: " + "; ".join(problems)
        raise ValueError(msg) from None
    fields = model.model_dump(exclude={"dist"}, exclude_none=True)
    shown = show_spec({"dist": kind, **fields})
    if kind == POSTERIOR:
        fields["central"] = previous
    return _build(str(kind), fields, where=f"{where} = {shown}", bounds=bounds)


def _build(kind: str, fields: dict[str, Any], *, where: str, bounds: Bounds) -> Distribution:
    dist = _build_any(kind, fields, where=where, bounds=bounds)
    if bounds.integer:  # a year: the central value is a whole year too
        dist = replace(dist, central=float(round(dist.central)))
    return dist


def _build_any(kind: str, fields: dict[str, Any], *, where: str, bounds: Bounds) -> Distribution:
    if kind == POSTERIOR:
        central = fields.get("central")
        if central is None:
            msg = f"{where}: the parameter has no value to centre its posterior on"
            raise ValueError(msg)
        return Distribution(kind, {}, float(central), bounds.integer)
    if kind == "discrete":
        values = [float(v) for v in fields["values"]]
        low, high = min(values), max(values)
        _inside(where, bounds, low, high)
        probabilities = fields["probabilities"]
        central = values[int(np.argmax(probabilities))]
        if bounds.integer and any(v != round(v) for v in values):
            msg = f"{where}: values must be whole numbers for this parameter"
            raise ValueError(msg)
        return Distribution(kind, fields, central, bounds.integer)
    if kind in ("uniform", "triangular", "beta") and not fields["low"] < fields["high"]:
        msg = (
            f"{where}: needs low < high; got low = {exact(fields['low'])}, "
            f"high = {exact(fields['high'])}"
        )
        raise ValueError(msg)
    frozen, central = _frozen(kind, fields)
    if kind == "lognormal" and not 0 < frozen.kwds["scale"] < math.inf:
        msg = (
            f"{where}: mean {exact(fields['mean'])} and sd {exact(fields['sd'])} spread the "
            "lognormal over more orders of magnitude than a number holds; give a smaller sd or a "
            "larger mean"
        )
        raise ValueError(msg)
    if kind in ("uniform", "triangular", "beta"):
        _inside(where, bounds, fields["low"], fields["high"])
        return Distribution(kind, fields, central, bounds.integer, frozen)
    # normal, lognormal: optional truncation by the user, then by the parameter's range
    low, high = fields.get("low", -math.inf), fields.get("high", math.inf)
    if not low < high:
        msg = f"{where}: needs low < high; got low = {exact(low)}, high = {exact(high)}"
        raise ValueError(msg)
    if not low <= central <= high:
        msg = f"{where}: mean {exact(central)} lies outside low..high = {exact(low)}..{exact(high)}"
        raise ValueError(msg)
    cut_low, cut_high = float(frozen.cdf(low)), float(frozen.cdf(high))
    mass = cut_high - cut_low
    if mass <= 0:
        msg = f"{where}: low..high holds none of the distribution"
        raise ValueError(msg)
    outside = (
        max(float(frozen.cdf(bounds.low)) - cut_low, 0.0)
        + max(cut_high - float(frozen.cdf(bounds.high)), 0.0)
    ) / mass
    if outside > TAIL_TOLERANCE:
        msg = (
            f"{where}: {outside:.1%} of the distribution lies outside the parameter's allowed "
            f"range {bounds.describe()}; narrow it or truncate it with low and high"
        )
        raise ValueError(msg)
    if not (bounds.low <= central <= bounds.high):
        msg = f"{where}: mean {exact(central)} lies outside the allowed range {bounds.describe()}"
        raise ValueError(msg)
    cut = (
        max(cut_low, float(frozen.cdf(bounds.low))),
        min(cut_high, float(frozen.cdf(bounds.high))),
    )
    limits = (max(low, bounds.low), min(high, bounds.high))
    return Distribution(kind, fields, central, bounds.integer, frozen, cut, limits)


def _frozen(kind: str, fields: Mapping[str, Any]) -> tuple[Any, float]:
    """The scipy.stats distribution and the central value."""
    if kind == "normal":
        return stats.norm(fields["mean"], fields["sd"]), float(fields["mean"])
    if kind == "lognormal":
        mean, sd = float(fields["mean"]), float(fields["sd"])
        ratio = sd / mean  # log(1 + ratio^2) without overflow for a huge ratio
        sigma2 = math.log1p(ratio**2) if ratio < 1 else 2 * math.log(ratio) + math.log1p(ratio**-2)
        mu = math.log(mean) - sigma2 / 2
        return stats.lognorm(s=math.sqrt(sigma2), scale=math.exp(mu)), mean
    low, high = float(fields["low"]), float(fields["high"])
    if kind == "uniform":
        return stats.uniform(low, high - low), (low + high) / 2
    if kind == "triangular":
        mode = float(fields["mode"])
        return stats.triang((mode - low) / (high - low), loc=low, scale=high - low), mode
    a, b = float(fields["alpha"]), float(fields["beta"])
    return stats.beta(a, b, loc=low, scale=high - low), low + (high - low) * a / (a + b)


def _inside(where: str, bounds: Bounds, low: float, high: float) -> None:
    if not bounds.contains(low, high):
        msg = (
            f"{where}: values from {exact(low)} to {exact(high)} do not fit the parameter's "
            f"allowed range {bounds.describe()}"
        )
        raise ValueError(msg)


def quantile_points(u: F) -> F:
    """Uniform draws kept strictly inside (0, 1), so unbounded distributions stay finite."""
    eps = np.finfo(float).eps
    out: F = np.clip(u, eps, 1.0 - eps)
    return out

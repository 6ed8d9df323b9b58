"""Goal seek: the value of one parameter that makes an indicator meet a target.

Deterministic: find ``x`` in ``[low, high]`` with ``indicator(x, year) = value``.
The range is first scanned on a grid in one vectorised run (each grid point a
member of the ``run`` axis), which shows whether any value in the range meets
the target and brackets the first crossing; :func:`scipy.optimize.brentq` then
refines it.

Ensemble: find ``x`` where the probability of meeting the target (the share of
``samples`` members, all with the same draws) reaches ``probability``. The
probability is a step function of ``x``; with the same draws at every ``x``
(common random numbers) it changes only where a member crosses the target, and
the root finder locates that step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import optimize

from evhub.ensemble import Column, Progress, Task, evaluate, make_task, unit_draws
from evhub.errors import InputError
from evhub.limits import Sampler
from evhub.model import indicators
from evhub.readable import exact, number, quantity, with_unit
from evhub.scenario import parameter_bounds, resolve, unit_of
from evhub.sensitivity import central_values, resolve_indicator
from evhub.variables import iamc_variables, scorecard_indicators

if TYPE_CHECKING:
    from pathlib import Path

    from evhub.dataset import Dataset
    from evhub.dims import Dims

__all__ = ["DIRECTIONS", "GRID", "Direction", "GoalSeek", "goalseek"]

F = NDArray[np.float64]
#: Whether a target is a maximum (``max``: at most) or a minimum (``min``: at least).
Direction = Literal["max", "min"]
DIRECTIONS: tuple[Direction, ...] = get_args(Direction)
#: Points of the scan over the range.
GRID = 33
_XTOL = 1e-6  # of the range


@dataclass(frozen=True)
class GoalSeek:
    """What goal seek found.

    Attributes
    ----------
    scenario, variable, year, value, parameter, low, high
        The question.
    solution
        The parameter value that meets the target, or ``None`` if none in the
        range does.
    achieved
        The indicator (or the probability) at the solution.
    scan
        The grid: ``parameter`` value and ``indicator`` (and ``probability``
        for an ensemble target).
    probability, samples, direction
        For an ensemble target.
    message
        One sentence on the result, every number with its unit.
    unit
        The indicator's unit (of ``value`` and ``achieved`` for a deterministic
        target, and of the scan's ``indicator`` column).
    parameter_unit
        The parameter's unit (of ``low``, ``high``, ``solution`` and the
        scan's ``parameter`` column).
    """

    scenario: str
    variable: str
    year: int
    value: float
    parameter: str
    low: float
    high: float
    solution: float | None
    achieved: float | None
    scan: pd.DataFrame
    message: str
    probability: float | None = None
    samples: int | None = None
    direction: str | None = None
    unit: str = ""
    parameter_unit: str = ""

    def file_stem(self) -> str:
        """``goalseek-<scenario>-<variable>-<year>-<parameter>`` with safe characters.

        >>> import pandas as pd
        >>> GoalSeek("hub", "Production|Passenger Cars", 2030, 1e6, "car.trade.utilisation",
        ...          50, 100, None, None, pd.DataFrame(), "").file_stem()
        'goalseek-hub-production-passenger-cars-2030-car-trade-utilisation'
        """
        slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{self.variable}-{self.year}-{self.parameter}")
        return f"goalseek-{self.scenario}-{slug.strip('-').lower()}"

    def summary(self) -> dict[str, Any]:
        """The question and the answer as a JSON-ready mapping (units beside their values)."""
        return {
            "scenario": self.scenario,
            "variable": self.variable,
            "unit": self.unit,
            "year": self.year,
            "value": self.value,
            "parameter": self.parameter,
            "parameter_unit": self.parameter_unit,
            "low": self.low,
            "high": self.high,
            "probability": self.probability,
            "samples": self.samples,
            "direction": self.direction,
            "solution": self.solution,
            "achieved": self.achieved,
            "achieved_unit": self.unit if self.probability is None else "1",
            "message": self.message,
        }


def _direction(variable: str, given: Direction | None, dims: Dims) -> Direction:
    if given is not None:
        if given not in DIRECTIONS:
            msg = f"--direction {given!r}: expected max (at most) or min (at least)"
            raise InputError(msg)
        return given
    for ind in scorecard_indicators(dims):
        if ind.variable == variable:
            return ind.direction
    msg = (
        f"{variable!r} has no direction in the scorecard: say whether the target is a maximum "
        "or a minimum with --direction max|min"
    )
    raise InputError(msg)


def goalseek(
    scenario: str | Path,
    data: Dataset,
    *,
    target: str,
    year: int,
    value: float,
    vary: str,
    low: float,
    high: float,
    probability: float | None = None,
    samples: int = 200,
    seed: int = 0,
    sampler: Sampler = "lhs",
    direction: Direction | None = None,
    overrides: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> GoalSeek:
    """Find the value of ``vary`` in ``[low, high]`` that meets a target (see the module doc).

    Parameters
    ----------
    scenario
        Scenario name or file.
    data
        The dataset.
    target
        An IAMC variable or a scorecard indicator label.
    year, value
        The target: the indicator's value in that year (in its unit).
    vary
        Dotted path of a numeric parameter.
    low, high
        The range of ``vary`` (in its unit, percent for shares).
    probability
        Seek the value where this share of ``samples`` members meets the
        target (``None``: the deterministic run equals the target).
    samples, seed, sampler
        Of the ensemble.
    direction
        ``max`` (at most) or ``min`` (at least); default: the scorecard's.
    overrides
        Other parameter overrides.
    progress
        Called as runs finish.
    """
    variable = resolve_indicator(target, data.dims, "--target")
    if not data.first_year <= year <= data.last_year:
        msg = f"--year {year} is outside the model years {data.first_year}-{data.last_year}"
        raise InputError(msg)
    if not low < high:
        msg = f"--range {exact(low)} {exact(high)}: the low end must be below the high end"
        raise InputError(msg)
    bounds = parameter_bounds(vary, data)
    if not bounds.contains(low, high):
        msg = f"--range {exact(low)} {exact(high)}: {vary} must lie in {bounds.describe()}"
        raise InputError(msg)
    base_overrides = dict(overrides or {})
    for end in (low, high):  # checks the path and the value like any override
        resolved = resolve(scenario, data, {**base_overrides, vary: end})
    if isinstance(resolved.values.get(vary), str):
        msg = f"--vary {vary}: not a number"
        raise InputError(msg)
    # the design at the middle of the range, so a varied probability keeps its projects'
    # realisation draws (at an end, 0 or 1, they would be certain and not drawn)
    middle = (low + high) / 2
    middle = float(round(middle)) if bounds.integer else middle
    resolved = resolve(scenario, data, {**base_overrides, vary: middle})
    resolved.distributions.pop(vary, None)  # fixed at each trial value
    task = make_task(resolved, data)
    pick = (variable, int(year))
    grid = np.linspace(low, high, GRID)
    unit = iamc_variables(data.dims)[variable][0]
    par_unit = unit_of(vary)
    span = _span(low, high, par_unit)
    goal = quantity(value, unit, digits=6)

    if probability is None:
        trial = _with(task, vary)

        def indicator(x: F) -> F:
            # the central inputs at each trial value (a project's probability may be the trial)
            rows = np.vstack([central_values(task.design, _at(task, vary, xi)) for xi in x])
            return evaluate(trial, np.column_stack([rows, x]), pick, progress=progress)

        scan_values = indicator(grid)
        gap = scan_values - value
        scan = pd.DataFrame({"parameter": grid, "indicator": scan_values})

        def f(x: float) -> float:
            return float(indicator(np.array([x]))[0] - value)

        solution: float | None = _solve(f, grid, gap, high - low)
        achieved = None if solution is None else float(indicator(np.array([solution]))[0])
        if solution is None:
            message = (
                f"no value of {vary} in {span} makes {variable} in {year} equal "
                f"{goal}: {_reach(scan_values, unit)}"
            )
        else:
            message = (
                f"{vary} = {quantity(solution, par_unit, digits=6)} gives {variable} = "
                f"{quantity(achieved, unit, digits=6)} in {year}"
            )
        return GoalSeek(
            resolved.name,
            variable,
            int(year),
            value,
            vary,
            low,
            high,
            solution,
            achieved,
            scan,
            message,
            unit=unit,
            parameter_unit=par_unit,
        )

    if not 0 < probability < 1:
        msg = f"--probability {exact(probability)}: must lie strictly between 0 and 1"
        raise InputError(msg)
    way = _direction(variable, direction, data.dims)
    plan = task.design
    u = unit_draws(samples, len(plan.columns), seed, sampler)
    trial = _with(task, vary)

    def members(xi: float) -> F:
        """The same draws at a trial value (projects realised where the draw < p at it)."""
        if not plan.columns:
            return np.empty((samples, 0))
        return plan.values(u, _at(task, vary, xi).base, task.layout, task.inputs.projects)

    def share(x: F) -> F:
        rows = np.column_stack([np.vstack([members(xi) for xi in x]), np.repeat(x, samples)])
        values = evaluate(trial, rows, pick, progress=progress)
        met = indicators.meets(values, np.asarray(value), way).reshape(len(x), samples)
        out: F = met.mean(axis=1)
        return out

    odds = share(grid)
    scan = pd.DataFrame({"parameter": grid, "probability": odds})

    # the share is a step function: seek the step where it reaches the probability
    # (+1/2 where reached, -1/2 where not, so Brent's method bisects to the step)
    def g(x: float) -> float:
        return 0.5 if share(np.array([x]))[0] >= probability else -0.5

    reached = np.where(odds >= probability, 0.5, -0.5)
    # met over the whole range: the low end is enough
    all_met = bool(np.all(reached > 0))
    solution = float(low) if all_met else _solve(g, grid, reached, high - low)
    if solution is not None and g(solution) < 0:  # the root is within xtol of the step
        step = _XTOL * (high - low)
        solution = next(
            (x for x in (solution + step, solution - step) if low <= x <= high and g(x) > 0),
            solution,
        )
    achieved = None if solution is None else float(share(np.array([solution]))[0])
    what = "at most" if way == "max" else "at least"
    if solution is None:
        message = (
            f"no value of {vary} in {span} gives a probability of {probability:.0%} "
            f"that {variable} is {what} {goal} in {year}: it ranges from {odds.min():.0%} to "
            f"{odds.max():.0%} over the range ({samples:,} members)"
        )
    else:
        message = (
            f"{vary} = {quantity(solution, par_unit, digits=6)}: {achieved:.0%} of {samples:,} "
            f"members have {variable} {what} {goal} in {year}"
        )
    return GoalSeek(
        resolved.name,
        variable,
        int(year),
        value,
        vary,
        low,
        high,
        solution,
        achieved,
        scan,
        message,
        probability,
        samples,
        what,
        unit=unit,
        parameter_unit=par_unit,
    )


def _span(low: float, high: float, unit: str) -> str:
    """The range of the parameter with its unit: ``[50, 100] %``."""
    return with_unit(f"[{number(low, unit, digits=6)}, {number(high, unit, digits=6)}]", unit)


def _reach(values: F, unit: str) -> str:
    """What the indicator does over the scan: ``it is 1,440,137 veh/yr over the whole range``."""
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    if number(low, unit) == number(high, unit):
        return f"it is {quantity(low, unit)} over the whole range"
    return f"it ranges from {number(low, unit)} to {quantity(high, unit)} over the range"


def _at(task: Task, path: str, value: float) -> Task:
    """The task with one central parameter set to a value (the scenario's units)."""
    base = {**task.base, path: value}
    return replace(task, base=base)


def _with(task: Task, path: str) -> Task:
    """The task with one more input column: the parameter's trial values."""
    column = Column(path, unit_of(path), None)
    return replace(task, design=task.design.with_column(column))


def _solve(f: Any, grid: F, gap: F, width: float) -> float | None:
    """The first root of ``f`` on the grid's first sign change, refined by Brent's method."""
    finite = np.isfinite(gap)
    zero = np.flatnonzero(finite & (gap == 0))
    change = np.flatnonzero(finite[:-1] & finite[1:] & (np.sign(gap[:-1]) * np.sign(gap[1:]) < 0))
    first = min([*zero.tolist(), *change.tolist()], default=None)
    if first is None:
        return None
    if first in zero:
        return float(grid[first])
    root = optimize.brentq(f, grid[first], grid[first + 1], xtol=_XTOL * width)
    return float(root)

"""Global sensitivity of one indicator in one year to a scenario's uncertain inputs (SALib).

The inputs are those an ensemble samples (:mod:`evhub.ensemble`): every
distribution, each project's own delay, and whether each uncertain project is
realised. SALib samples them in the unit cube; each point becomes input values
through the inputs' inverse CDFs (a project is realised where its point is
below its probability), so the indices are those of the inputs as the
scenario describes them.

- ``sobol``: Saltelli's sampling (``N (d + 2)`` model runs for ``d`` inputs) and
  Sobol' first-order (``S1``) and total (``ST``) indices with bootstrap 95 %
  confidence intervals.
- ``morris``: elementary effects on a 4-level grid (``N (d + 1)`` runs); the
  levels are the midpoints of four equal-probability bins, so unbounded
  distributions stay finite. ``mu_star`` (mean absolute effect) with its
  confidence interval and ``sigma`` (interaction or non-linearity).

A one-at-a-time table ("tornado") shows the indicator with each input at its
5th and 95th percentile (a project: not realised / realised), every other
input at its central value (projects at their expected capacity, as in a
deterministic run).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from evhub.ensemble import Design, Progress, Task, evaluate, make_task
from evhub.errors import InputError
from evhub.model import pipeline
from evhub.readable import quantity
from evhub.variables import iamc_variables, scorecard_indicators

if TYPE_CHECKING:
    from evhub.dataset import Dataset
    from evhub.dims import Dims
    from evhub.scenario import ResolvedScenario

__all__ = [
    "METHODS",
    "Method",
    "Sensitivity",
    "indices",
    "resolve_indicator",
    "sensitivity",
    "tornado",
]

F = NDArray[np.float64]
#: Sobol' indices (Saltelli's sampling) or Morris' elementary effects (screening).
Method = Literal["sobol", "morris"]
METHODS: tuple[Method, ...] = get_args(Method)
MORRIS_LEVELS = 4
TORNADO_QUANTILES = (0.05, 0.95)


def resolve_indicator(name: str, dims: Dims, option: str = "--indicator") -> str:
    """An IAMC variable from its name or a scorecard indicator's label (``Plant jobs``).

    ``dims`` are the dataset's dimensions (the names of its variables).
    """
    if name in iamc_variables(dims):
        return name
    chosen = scorecard_indicators(dims)
    for ind in chosen:
        if ind.label.lower() == name.lower():
            return ind.variable
    labels = [i.label for i in chosen]
    msg = (
        f"{option} {name!r}: not an IAMC variable (see iamc.csv) nor a scorecard indicator {labels}"
    )
    raise InputError(msg)


def indices(
    model: Callable[[F], F],
    names: Sequence[str],
    samples: int,
    *,
    method: Method = "sobol",
    seed: int = 0,
    switches: Sequence[bool] | None = None,
    unit: str = "",
) -> pd.DataFrame:
    """Sensitivity indices of ``model`` to inputs given by their position in the unit cube.

    Parameters
    ----------
    model
        Maps points ``u`` of shape (point, input) in (0, 1) to outputs (point,);
        it turns ``u`` into input values itself (e.g. by inverse CDFs).
    names
        Input names.
    samples
        ``N``: base samples (Sobol: rounded up to a power of 2).
    method
        ``sobol`` or ``morris``.
    seed
        Seed of SALib's sampling and bootstrap.
    switches
        Inputs that are 0/1 switches (``u < p``, a project's realisation):
        Morris keeps their levels 0 and 1, so even a project with ``p`` near 0
        or 1 is switched on and off; other inputs take the bin midpoints.
    unit
        The unit of the outputs (for the message when they do not vary).

    Returns
    -------
    pandas.DataFrame
        One row per input, ranked (most influential first): ``S1``,
        ``S1_conf``, ``ST``, ``ST_conf`` (Sobol) or ``mu_star``,
        ``mu_star_conf``, ``sigma`` (Morris), and ``rank``.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    if method not in METHODS:
        msg = f"--method {method!r}: expected one of {list(METHODS)}"
        raise InputError(msg)
    if samples < 2:
        msg = f"--samples {samples}: sensitivity needs at least 2 base samples"
        raise InputError(msg)
    seed = seed + 1  # SALib takes a seed of 0 as no seed at all
    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    if method == "sobol":
        n = 1 << (int(samples) - 1).bit_length()  # Saltelli's scheme needs a power of 2
        u = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
        y = _checked(model(np.clip(u, 1e-12, 1 - 1e-12)), unit)
        result = sobol_analyze.analyze(
            problem, y, calc_second_order=False, conf_level=0.95, seed=seed
        )
        table = pd.DataFrame(
            {
                "input": list(names),
                "S1": result["S1"],
                "S1_conf": result["S1_conf"],
                "ST": result["ST"],
                "ST_conf": result["ST_conf"],
            }
        ).sort_values("ST", ascending=False, kind="stable")
    else:
        grid = morris_sample.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)
        # levels 0, 1/3, 2/3, 1 -> midpoints of four equal-probability bins
        u = (grid * (MORRIS_LEVELS - 1) + 0.5) / MORRIS_LEVELS
        if switches is not None:
            keep = np.asarray(switches, dtype=bool)
            u[:, keep] = grid[:, keep]
        y = _checked(model(u), unit)
        result = morris_analyze.analyze(
            problem, grid, y, conf_level=0.95, num_levels=MORRIS_LEVELS, seed=seed
        )
        table = pd.DataFrame(
            {
                "input": list(names),
                "mu_star": result["mu_star"],
                "mu_star_conf": result["mu_star_conf"],
                "sigma": result["sigma"],
            }
        ).sort_values("mu_star", ascending=False, kind="stable")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table.reset_index(drop=True)


def _checked(y: F, unit: str = "") -> F:
    y = np.asarray(y, dtype=float)
    if not np.all(np.isfinite(y)):
        msg = "the indicator is not a finite number in every run (no value in that year?)"
        raise InputError(msg)
    if np.ptp(y) == 0:
        msg = (
            f"the indicator is {quantity(y[0], unit, digits=6)} in every run: none of the "
            "uncertain inputs moves it (a history year, or an indicator the distributions do "
            "not reach)"
        )
        raise InputError(msg)
    return y


def central_values(plan: Design, task: Task) -> F:
    """The inputs of a deterministic run, as a row (1, column).

    Distributions at their central values; a project's realisation at its
    probability (its expected capacity).
    """
    row = np.empty((1, len(plan.columns)))
    for j, col in enumerate(plan.columns):
        if col.distribution is not None:
            row[0, j] = col.distribution.central
    params = task.layout.fill("pipeline", plan.parameters(row, task.base, realised=False))
    weight, _, _ = pipeline.project_terms(task.inputs.projects, params)
    for j, col in enumerate(plan.columns):
        if col.is_realisation:
            assert col.project is not None
            row[0, j] = weight[0, col.project]
    return row


def tornado(
    task: Task, pick: tuple[str, int], *, quantiles: tuple[float, float] = TORNADO_QUANTILES
) -> pd.DataFrame:
    """The indicator with each input at a low and a high quantile, the others central.

    Returns one row per input, largest swing first: ``input``, ``unit`` (the
    input's), ``low_value``, ``high_value`` (the input [unit]), ``at_low``,
    ``at_high`` (the indicator [its unit]), ``swing`` (``|at_high - at_low|``)
    and ``base`` (all inputs central).
    """
    plan = task.design
    center = central_values(plan, task)
    d = len(plan.columns)
    rows = np.repeat(center, 2 * d + 1, axis=0)
    low_high = np.empty((d, 2))
    for j, col in enumerate(plan.columns):
        if col.distribution is None:
            low_high[j] = (0.0, 1.0)
        else:
            low_high[j] = col.distribution.ppf(np.array(quantiles))
        rows[1 + 2 * j, j], rows[2 + 2 * j, j] = low_high[j]
    y = evaluate(task, rows, pick, label="tornado")
    table = pd.DataFrame(
        {
            "input": list(plan.names),
            "unit": [c.unit or "1" for c in plan.columns],
            "low_value": low_high[:, 0],
            "high_value": low_high[:, 1],
            "at_low": y[1::2],
            "at_high": y[2::2],
        }
    )
    table["swing"] = (table["at_high"] - table["at_low"]).abs()
    table["base"] = y[0]
    return table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class Sensitivity:
    """Indices, the tornado table and what they are of.

    ``unit`` is the indicator's (of the tornado's ``at_low``, ``at_high``,
    ``swing`` and ``base``, and of Morris' ``mu_star`` and ``sigma``);
    ``samples`` and ``seed`` are the base samples and seed asked for.
    """

    scenario: str
    variable: str
    year: int
    method: Method
    runs: int
    indices: pd.DataFrame
    tornado: pd.DataFrame
    unit: str = ""
    samples: int | None = None
    seed: int | None = None

    def summary(self) -> dict[str, Any]:
        """What the analysis is of, as a JSON-ready mapping (the tables are the CSV files)."""
        base = float(self.tornado["base"].iloc[0]) if len(self.tornado) else None
        return {
            "scenario": self.scenario,
            "variable": self.variable,
            "unit": self.unit,
            "year": self.year,
            "method": self.method,
            "samples": self.samples,
            "seed": self.seed,
            "runs": self.runs,
            "inputs": len(self.indices),
            "base": base,
        }

    def file_stem(self) -> str:
        """``sensitivity-<scenario>-<variable>-<year>-<method>`` with safe characters."""
        slug = re.sub(r"[^A-Za-z0-9]+", "-", self.variable).strip("-").lower()
        return f"sensitivity-{self.scenario}-{slug}-{self.year}-{self.method}"


def sensitivity(
    scenario: ResolvedScenario,
    data: Dataset,
    indicator: str,
    year: int,
    *,
    method: Method = "sobol",
    samples: int = 256,
    seed: int = 0,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> Sensitivity:
    """Sobol or Morris indices of one indicator in one year (see the module docstring)."""
    variable = resolve_indicator(indicator, data.dims)
    if not data.first_year <= year <= data.last_year:
        msg = f"--year {year} is outside the model years {data.first_year}-{data.last_year}"
        raise InputError(msg)
    task = make_task(scenario, data)
    plan = task.design
    if not plan.columns:
        msg = (
            f"scenario {scenario.name!r} has no uncertain inputs: give some parameters as "
            "distributions (e.g. {dist: triangular}) or keep pipeline stage probabilities "
            "between 0 and 1"
        )
        raise InputError(msg)
    pick = (variable, int(year))
    runs = 0

    def model(u: F) -> F:
        nonlocal runs
        runs += len(u)
        values = plan.values(u, task.base, task.layout, task.inputs.projects)
        return evaluate(
            task,
            values,
            pick,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
            label=f"running {scenario.name} ({method})",
        )

    switches = [c.is_realisation for c in plan.columns]
    unit = iamc_variables(data.dims)[variable][0]
    table = indices(
        model, plan.names, samples, method=method, seed=seed, switches=switches, unit=unit
    )
    table["distribution"] = table["input"].map({c.name: c.shown for c in plan.columns})
    return Sensitivity(
        scenario=scenario.name,
        variable=variable,
        year=int(year),
        method=method,
        runs=runs,
        indices=table,
        tornado=tornado(task, pick),
        unit=unit,
        samples=int(samples),
        seed=int(seed),
    )

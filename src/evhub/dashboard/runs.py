"""The dashboard's runs: validate and run the form's scenario, keep a session's runs, compare."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from evhub import api
from evhub.compose import project_table
from evhub.dashboard.form import name_fields
from evhub.dashboard.headlines import Headline, headlines
from evhub.dashboard.tables import sources_table
from evhub.dashboard.values import is_finite, report_years
from evhub.dataset import Dataset
from evhub.errors import InputError
from evhub.figures import DASHES, bands_from_tables, scenario_colour

__all__ = [
    "HISTORY_SHOWN",
    "MAX_COMPARE",
    "MAX_RUNS",
    "MAX_SAMPLES",
    "MAX_SEED",
    "Run",
    "chart_years",
    "check",
    "compare_after_run",
    "compare_bands",
    "compare_scorecard",
    "keep_runs",
    "run",
    "run_label",
    "run_style",
]

#: Largest ensemble the dashboard runs per click (a UI limit: about a second
#: per scenario on one core; the command line has no such limit).
MAX_SAMPLES = 2000
#: Runs a session keeps; the oldest is dropped beyond this.
MAX_RUNS = 8
#: Runs drawn on the same charts at once.
MAX_COMPARE = 4
#: Largest seed (NumPy seeds are unsigned 32-bit integers here).
MAX_SEED = 2**32 - 1
#: Years of history the charts show before the base year.
HISTORY_SHOWN = 15


@dataclass(frozen=True)
class Run:
    """What the page keeps of one run (not the full results, to keep sessions small).

    Attributes
    ----------
    label
        Unique name in the session, e.g. ``"baseline #2 (edited)"``.
    scenario
        The shipped scenario it started from.
    overrides
        The form's overrides by dotted path.
    samples, seed
        Ensemble members (0: deterministic only) and seed.
    bands
        The figures' bands frame (:func:`evhub.figures.bands_from_tables`),
        with ``scenario`` set to ``label``.
    scorecard
        :meth:`evhub.results.Results.scorecard` with a ``run`` column first.
    headlines
        The :data:`evhub.dashboard.headlines.HEADLINES` of the run.
    iamc_csv, quantiles_csv
        The IAMC table (``Scenario`` set to ``label``) and, with an ensemble,
        its quantiles, as CSV text.
    pipeline
        The registry as the run saw it (:func:`evhub.compose.project_table`).
    sources
        The sources the run used (:func:`sources_table`).
    base_year, last_year
        Of the dataset [yr].
    seconds
        Wall time of the run [s].
    """

    label: str
    scenario: str
    overrides: Mapping[str, Any]
    samples: int
    seed: int
    bands: pd.DataFrame = field(repr=False)
    scorecard: pd.DataFrame = field(repr=False)
    headlines: tuple[Headline, ...]
    iamc_csv: str = field(repr=False)
    quantiles_csv: str | None = field(repr=False)
    pipeline: pd.DataFrame = field(repr=False)
    sources: pd.DataFrame = field(repr=False)
    base_year: int
    last_year: int
    seconds: float


def run_label(scenario: str, count: int, *, edited: bool) -> str:
    """A run's name: the scenario, ``#count`` from its second run, ``(edited)`` with overrides.

    >>> run_label("baseline", 1, edited=False), run_label("baseline", 2, edited=True)
    ('baseline', 'baseline #2 (edited)')
    """
    label = scenario if count <= 1 else f"{scenario} #{count}"
    return f"{label} (edited)" if edited else label


def _check_int(name: str, value: Any, high: int) -> int:
    if isinstance(value, bool) or not is_finite(value) or not float(value).is_integer():
        msg = f"{name} = {value!r}: expected a whole number from 0 to {high}"
        raise InputError(msg)
    if not 0 <= int(value) <= high:
        msg = f"{name} = {int(value)}: expected a whole number from 0 to {high}"
        raise InputError(msg)
    return int(value)


def check(
    scenario: str,
    overrides: Mapping[str, Any],
    *,
    data: Dataset,
    samples: Any = 0,
    seed: Any = 0,
    fields: Mapping[str, str] | None = None,
) -> tuple[int, int]:
    """Validate a run's inputs the way the scenario loader does; return samples and seed.

    Parameters
    ----------
    scenario, overrides, data
        As for :func:`run`.
    samples, seed
        The form's values.
    fields
        Path -> form field (:func:`evhub.dashboard.form.form_fields`): the message names the field
        instead of ``overrides`` (:func:`name_fields`).

    Returns
    -------
    samples, seed : int

    Raises
    ------
    InputError
        If ``samples`` is not a whole number from 0 to :data:`MAX_SAMPLES`,
        ``seed`` not one from 0 to :data:`MAX_SEED`, or :func:`evhub.resolve`
        rejects the scenario with the overrides (its message, with the form's
        fields named).
    """
    members = _check_int("Ensemble members", samples, MAX_SAMPLES)
    chosen = _check_int("Seed", seed, MAX_SEED)
    try:
        api.resolve(scenario, data, overrides)
    except InputError as exc:
        if not fields:
            raise
        raise InputError(name_fields(str(exc), fields)) from None
    return members, chosen


def run(
    scenario: str,
    overrides: Mapping[str, Any],
    *,
    data: Dataset,
    label: str,
    samples: int = 0,
    seed: int = 0,
    progress: Callable[[int, int, str], None] | None = None,
    fields: Mapping[str, str] | None = None,
) -> Run:
    """Validate the form's overrides and run the scenario (and its ensemble).

    Parameters
    ----------
    scenario
        A shipped scenario name.
    overrides
        Overrides by dotted path (:func:`evhub.dashboard.form.form_overrides`).
    data
        The dataset.
    label
        The run's name (:func:`run_label`).
    samples
        Ensemble members, 0 to :data:`MAX_SAMPLES` (0: the deterministic run only).
    seed
        Seed of the ensemble, 0 to :data:`MAX_SEED`.
    progress
        Called as ``progress(done, total, what)`` (see :func:`evhub.run`).
    fields
        As for :func:`check`.

    Returns
    -------
    Run

    Raises
    ------
    InputError
        If ``samples`` or ``seed`` is out of range, or the scenario with the
        overrides does not validate (the message of :func:`evhub.resolve`,
        with the form's fields named).
    """
    samples = _check_int("Ensemble members", samples, MAX_SAMPLES)
    seed = _check_int("Seed", seed, MAX_SEED)
    start = time.perf_counter()
    try:
        res = api.run(  # resolves the scenario with the overrides: the same InputError as check()
            scenario,
            dataset=data,
            overrides=dict(overrides) or None,
            samples=samples or None,
            seed=seed,
            progress=progress,
        )
    except InputError as exc:
        if not fields:
            raise
        raise InputError(name_fields(str(exc), fields)) from None
    seconds = time.perf_counter() - start
    iamc = res.to_iamc()
    quantiles = res.ensemble.quantiles() if res.ensemble is not None else None
    bands = bands_from_tables(iamc, quantiles).assign(scenario=label)
    card = res.scorecard().drop(columns="scenario")
    card.insert(0, "run", label)
    resolved = res.scenarios[0]
    pipeline = project_table(resolved, data, report_years(data)[0])
    return Run(
        label=label,
        scenario=scenario,
        overrides=dict(overrides),
        samples=samples,
        seed=seed,
        bands=bands,
        scorecard=card,
        headlines=headlines(res),
        iamc_csv=iamc.assign(Scenario=label).to_csv(index=False),
        quantiles_csv=(
            None if quantiles is None else quantiles.assign(Scenario=label).to_csv(index=False)
        ),
        pipeline=pipeline,
        sources=sources_table(resolved, data, pipeline),
        base_year=data.base_year,
        last_year=data.last_year,
        seconds=seconds,
    )


def keep_runs(runs: Sequence[Run], new: Run, limit: int = MAX_RUNS) -> list[Run]:
    """The runs with ``new`` appended, the oldest dropped beyond ``limit``."""
    return [*runs, new][-limit:]


def compare_after_run(selected: Sequence[str], new: str, limit: int = MAX_COMPARE) -> list[str]:
    """The compared runs after a run: ``new`` last, the first selected dropped beyond ``limit``.

    >>> compare_after_run(["baseline"], "hub")
    ['baseline', 'hub']
    >>> compare_after_run(["a", "b", "c", "d"], "e")
    ['b', 'c', 'd', 'e']
    """
    return [*(label for label in selected if label != new), new][-limit:]


def run_style(scenario: str, count: int, known: Sequence[str]) -> tuple[str, str]:
    """The colour and the dash of the ``count``-th run (from 1) of a scenario in a session.

    The colour is the scenario's, as in the report
    (:func:`evhub.figures.scenario_colour` with ``known``, the dataset's
    scenarios in order); the runs of one scenario take the dashes of
    :data:`evhub.figures.DASHES` in turn (solid, dashed, ...). A run keeps its
    style whichever runs it is compared with.

    >>> from evhub.figures import PALETTE
    >>> shipped = ["baseline", "announced", "hub", "net-zero"]
    >>> run_style("hub", 1, shipped) == (PALETTE[2], "solid"), run_style("hub", 2, shipped)[1]
    (True, 'dash')
    """
    return scenario_colour(scenario, known), DASHES[(count - 1) % len(DASHES)]


def chart_years(run: Run) -> tuple[int, int]:
    """First and last year the charts show: :data:`HISTORY_SHOWN` years of history, then all."""
    return run.base_year - HISTORY_SHOWN, run.last_year


def compare_bands(runs: Sequence[Run]) -> pd.DataFrame:
    """The bands frames of the runs, one after the other (``scenario`` is the run's label)."""
    if not runs:
        msg = "no runs to compare"
        raise ValueError(msg)
    return pd.concat([r.bands for r in runs], ignore_index=True)


def compare_scorecard(runs: Sequence[Run]) -> pd.DataFrame:
    """The scorecards of the runs, each indicator's rows together, runs in the given order.

    Columns: ``run``, then those of :meth:`evhub.results.Results.scorecard`
    without ``scenario`` (``probability``, ``p05`` and ``p95`` appear when a
    run has an ensemble).
    """
    if not runs:
        msg = "no runs to compare"
        raise ValueError(msg)
    card = pd.concat([r.scorecard for r in runs], ignore_index=True)
    order = {label: i for i, label in enumerate(dict.fromkeys(card["indicator"]))}
    runs_order = {r.label: i for i, r in enumerate(runs)}
    keys = pd.DataFrame(
        {
            "indicator": card["indicator"].map(order),
            "year": card["year"],
            "run": card["run"].map(runs_order),
        }
    )
    ordered = keys.sort_values(["indicator", "year", "run"], kind="stable").index
    return card.loc[ordered].reset_index(drop=True)

"""The Python API: the same verbs as the command line, for notebooks and scripts."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from evhub import calibrate as _calibrate
from evhub import choicecost as _choicecost
from evhub import dataset as _dataset
from evhub import goalseek as _goalseek
from evhub import layout
from evhub import pipeline as _pipeline
from evhub import scenario as _scenario
from evhub import sensitivity as _sensitivity
from evhub.compose import project_table
from evhub.dataset import Dataset
from evhub.errors import InputError
from evhub.inputs import check_finite, load_yaml_text
from evhub.limits import Sampler, check_ensemble_size, check_run_options
from evhub.results import Results
from evhub.run import check
from evhub.run import run as _run

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "calibrate",
    "choice_costs",
    "goalseek",
    "list_scenarios",
    "load_dataset",
    "open_store",
    "parse_value",
    "pipeline",
    "resolve",
    "run",
    "sensitivity",
    "validate",
]

Progress = Callable[[int, int, str], None]


def load_dataset(path: str | Path | Dataset | None = None) -> Dataset:
    """Load a dataset folder (``None``: the shipped dataset)."""
    if isinstance(path, Dataset):
        return path
    return _dataset.load_dataset(path)


def list_scenarios(dataset: str | Path | Dataset | None = None) -> list[_scenario.Scenario]:
    """The shipped scenarios of a dataset."""
    return _scenario.list_scenarios(load_dataset(dataset))


def resolve(
    scenario: str | Path,
    dataset: str | Path | Dataset | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> _scenario.ResolvedScenario:
    """A scenario with its parents and the dataset defaults applied."""
    return _scenario.resolve(scenario, load_dataset(dataset), overrides)


def run(
    scenarios: str | Path | Sequence[str | Path] | None = None,
    *,
    dataset: str | Path | Dataset | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    samples: int | None = None,
    seed: int = 0,
    sampler: Sampler = "lhs",
    chunk_size: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    stream_store: bool = False,
) -> Results:
    """Run scenarios, and with ``samples`` their ensembles (see :func:`evhub.run.run`).

    ``progress(done, total, name)`` is called before and after each scenario
    and as ensemble members finish.

    Examples
    --------
    >>> import evhub
    >>> res = evhub.run("hub", samples=8, seed=1)
    >>> res.ensemble.quantiles()["Quantile"].unique().tolist()
    [0.05, 0.25, 0.5, 0.75, 0.95]
    """
    return _run(
        scenarios,
        dataset=load_dataset(dataset),
        overrides=overrides,
        progress=progress,
        samples=samples,
        seed=seed,
        sampler=sampler,
        chunk_size=chunk_size,
        workers=workers,
        scheduler=scheduler,
        stream_store=stream_store,
    )


def validate(path: str | Path | None = None) -> dict[str, Any]:
    """Validate a dataset folder completely; return a summary.

    The checks are a run's (:func:`evhub.run.check`), for every shipped
    scenario of the dataset: the dataset's files, every parameter's default,
    the scenarios, the pipeline registry and the chain's inputs, everything
    short of simulating. A dataset that validates can be run; one that a run
    would refuse does not validate, with the same message.

    Raises
    ------
    InputError
        Listing every problem, each naming the file, row, column and value.
    """
    data = _dataset.validate_dataset(path)
    resolved = [
        _scenario.resolve(scen.path or scen.name, data) for scen in _scenario.list_scenarios(data)
    ]
    check(resolved, data)
    projects = _pipeline.load_pipeline(data)
    return {
        "path": str(data.path),
        "tables": sum(1 for t in data.tables.values() if not t.empty),  # optional ones left out
        "rows": int(sum(len(t) for t in data.tables.values())),
        "assumptions": len(data.assumptions),
        "sources": len(data.sources),
        "projects": len(projects),
        "first_year": data.first_year,
        "base_year": data.base_year,
        "last_year": data.last_year,
    }


def pipeline(
    scenario: str | Path | None = None,
    *,
    year: int | None = None,
    dataset: str | Path | Dataset | None = None,
) -> pd.DataFrame:
    """The pipeline registry as a scenario sees it: probability, start and expected capacity.

    Parameters
    ----------
    scenario
        A scenario name or file; ``None`` for the dataset's first shipped
        scenario (``baseline`` for Türkiye), whose stage parameters are the
        dataset defaults.
    year
        Year of the usable capacity column (default: the dataset's first
        reporting year).
    dataset
        Dataset folder (``None``: the shipped dataset).

    Returns
    -------
    pandas.DataFrame
        See :func:`evhub.pipeline.pipeline_table`, with the scenario's
        ``probability``, ``delay`` [yr], effective ``start`` [yr],
        ``expected_capacity`` (nameplate x probability) and ``usable`` (the
        expected usable capacity in ``year``, after the ramp and closures),
        all in the project's ``capacity_unit``. ``table.attrs`` holds the
        scenario name and the year.

    Raises
    ------
    InputError
        If the scenario, ``pipeline.csv`` or ``stage_probabilities.csv`` is invalid.
    """
    data = load_dataset(dataset)
    if scenario is None:
        scenario = _scenario.list_scenarios(data)[0].name
    resolved = _scenario.resolve(scenario, data)
    years = [int(y) for y in data.meta.get("report_years") or [data.base_year]]
    when = years[0] if year is None else int(year)
    if not data.first_year <= when <= data.last_year:
        msg = f"--year {when} is outside the model years {data.first_year}-{data.last_year}"
        raise InputError(msg)
    return project_table(resolved, data, when)


def choice_costs(
    vehicle_class: str | None = None,
    *,
    dataset: str | Path | Dataset | None = None,
    years: Sequence[int] | None = None,
) -> pd.DataFrame:
    """The generalised cost of a vehicle class by powertrain, origin and year.

    Parameters
    ----------
    vehicle_class
        An id of the dataset's classes (``None``: its first).
    dataset
        Dataset folder (``None``: the shipped dataset).
    years
        Calendar years (default: from the first purchase-tax schedule to the
        base year).

    Returns
    -------
    pandas.DataFrame
        See :func:`evhub.choicecost.generalised_costs`: indexed by
        (powertrain, origin, year), money in US dollars of the price year
        (``attrs["units"]``).

    Raises
    ------
    InputError
        If the class is unknown or a row the cost needs is missing.
    """
    data = load_dataset(dataset)
    klass = data.dims.classes.ids[0] if vehicle_class is None else vehicle_class
    if klass not in data.dims.classes:
        msg = f"class {klass!r} is not a class of the dataset ({list(data.dims.classes.ids)})"
        raise InputError(msg)
    return _choicecost.generalised_costs(data, klass, None if years is None else list(years))


def calibrate(
    scenario: str | Path = "baseline",
    *,
    dataset: str | Path | Dataset | None = None,
    start: int | None = None,
    end: int | None = None,
    vehicle_class: str | None = None,
) -> _calibrate.Calibration:
    """Fit a vehicle class's lifetime to its observed stock from ``start`` to ``end``.

    ``start`` defaults to ``calibration_start`` of ``dataset.yaml`` (else the
    first model year), ``end`` to the base year; ``vehicle_class`` may be left
    out for a dataset with one class.
    """
    data = load_dataset(dataset)
    if start is None:
        start = int(data.meta.get("calibration_start") or data.first_year)
    last = data.base_year if end is None else end
    if not data.first_year <= start <= last <= data.base_year:
        msg = (
            f"calibration years start = {start}, end = {last}: must lie within the observed "
            f"years {data.first_year}-{data.base_year} of {data.path / 'dataset.yaml'}"
        )
        raise InputError(msg)
    resolved = _scenario.resolve(scenario, data)
    return _calibrate.calibrate(resolved, data, range(start, last + 1), vehicle_class=vehicle_class)


def open_store(folder: str | Path) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB store of a results folder's current run, read-only, for SQL.

    The folder is one that :meth:`evhub.Results.write` or ``evhub run --out``
    wrote (or one of its run folders). Its files are first checked against
    the run's manifest, so the store is the one of the run whose
    ``iamc.csv`` lies beside it. The tables and their columns are declared
    in :data:`evhub.layout.STORE_TABLES` (and, for an ensemble,
    :data:`evhub.layout.ENSEMBLE_STORE_TABLES`); ``results`` holds every IAMC
    variable in long form (scenario, run, variable, unit, year, value).

    Parameters
    ----------
    folder
        The results folder (``OUT`` of ``evhub run --out OUT``).

    Returns
    -------
    duckdb.DuckDBPyConnection
        A read-only connection; close it (or use it in a ``with`` block) to
        let a later run replace the folder's files.

    Raises
    ------
    InputError
        If the folder holds no run of this evhub, its files are not those
        of one run, or its store cannot be opened.

    Examples
    --------
    >>> import tempfile, evhub
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = evhub.run("baseline").write(tmp)
    ...     with evhub.open_store(out) as con:
    ...         con.sql("SELECT DISTINCT scenario FROM results").fetchall()
    [('baseline',)]
    """
    import duckdb  # imported when needed, as by the store's other readers

    run, _ = layout.open_run(folder)
    shown = Path(folder) / layout.STORE
    again = f"write the folder again with `evhub run --out {folder}`"
    if not (run / layout.STORE).is_file():
        msg = f"{shown}: no such file; the run has no store; {again}"
        raise InputError(msg)
    try:
        return duckdb.connect(str(run / layout.STORE), read_only=True)
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0]
        msg = f"{shown}: not a readable DuckDB store ({reason}); {again}"
        raise InputError(msg) from None


def parse_value(text: str, where: str = "--set") -> Any:
    """Parse a command-line value as YAML (numbers, null, lists, ...) through the input gate.

    ``where`` names the value in messages (``--set car.market.ice_ban_year``).

    Examples
    --------
    >>> parse_value("2035")
    2035
    >>> parse_value(".inf", "--set pipeline.capex_per_vehicle")
    Traceback (most recent call last):
    ...
    evhub.errors.InputError: --set pipeline.capex_per_vehicle: line 1: .inf is not a finite number
    """
    return load_yaml_text(text, where)


def sensitivity(
    scenario: str | Path,
    indicator: str,
    year: int,
    *,
    method: _sensitivity.Method = "sobol",
    samples: int = 256,
    seed: int = 0,
    dataset: str | Path | Dataset | None = None,
    overrides: Mapping[str, Any] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> _sensitivity.Sensitivity:
    """Sobol or Morris indices of an indicator in a year (see :mod:`evhub.sensitivity`).

    ``indicator`` is an IAMC variable or a scorecard label such as ``"Plant jobs"``.
    """
    check_run_options(samples=samples, seed=seed, workers=workers)
    data = load_dataset(dataset)
    resolved = _scenario.resolve(scenario, data, overrides)
    inputs = len(resolved.distributions) + 3 * len(_pipeline.load_pipeline(data))
    check_ensemble_size(  # Saltelli's scheme runs N (d + 2) points, N rounded up to 2^k
        2 * int(samples) * (inputs + 2),
        1,
        variables=0,
        years=1,
        inputs=inputs,
        what=f"--samples {samples:,}",
    )
    return _sensitivity.sensitivity(
        resolved,
        data,
        indicator,
        year,
        method=method,
        samples=samples,
        seed=seed,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
    )


def goalseek(
    scenario: str | Path,
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
    direction: _goalseek.Direction | None = None,
    dataset: str | Path | Dataset | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> _goalseek.GoalSeek:
    """The value of ``vary`` in ``[low, high]`` that meets a target (see :mod:`evhub.goalseek`)."""
    check_run_options(samples=samples, seed=seed, sampler=sampler)
    for name, number in (("--value", value), ("--range", low), ("--range", high)):
        check_finite(number, name)
    data = load_dataset(dataset)
    if probability is not None:
        check_finite(probability, "--probability")
        resolved = _scenario.resolve(scenario, data, overrides)
        inputs = len(resolved.distributions) + 3 * len(_pipeline.load_pipeline(data))
        check_ensemble_size(  # every trial value of the grid runs every member
            int(samples) * _goalseek.GRID,
            1,
            variables=0,
            years=1,
            inputs=inputs,
            what=f"--samples {samples:,}",
        )
    return _goalseek.goalseek(
        scenario,
        data,
        target=target,
        year=year,
        value=value,
        vary=vary,
        low=low,
        high=high,
        probability=probability,
        samples=samples,
        seed=seed,
        sampler=sampler,
        direction=direction,
        overrides=dict(overrides or {}),
        progress=progress,
    )

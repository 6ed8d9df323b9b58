"""The Python API: the same verbs as the command line, for notebooks and scripts."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from evhub import calibrate as _calibrate
from evhub import dataset as _dataset
from evhub import pipeline as _pipeline
from evhub import scenario as _scenario
from evhub.dataset import Dataset
from evhub.errors import InputError
from evhub.results import Results
from evhub.run import run as _run

__all__ = [
    "calibrate",
    "list_scenarios",
    "load_dataset",
    "parse_value",
    "pipeline",
    "resolve",
    "run",
    "validate",
]

Progress = Callable[[int, int, str], None]


def load_dataset(path: str | Path | Dataset | None = None) -> Dataset:
    """Load a dataset folder (``None``: the shipped Türkiye dataset)."""
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
) -> Results:
    """Run scenarios (see :func:`evhub.run.run`).

    ``progress(done, total, name)`` is called before and after each scenario.
    """
    return _run(scenarios, dataset=load_dataset(dataset), overrides=overrides, progress=progress)


def validate(path: str | Path | None = None) -> dict[str, Any]:
    """Validate a dataset folder completely; return a summary.

    Raises
    ------
    InputError
        Listing every problem, each naming the file, row, column and value.
    """
    data = _dataset.validate_dataset(path)
    _scenario.default_parameters(data)
    for scen in _scenario.list_scenarios(data):
        _scenario.resolve(scen.path or scen.name, data)
    projects = _pipeline.load_pipeline(data)
    _pipeline.load_stage_probabilities(data)
    return {
        "path": str(data.path),
        "tables": len(data.tables),
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
    dataset: str | Path | Dataset | None = None,
) -> pd.DataFrame:
    """The pipeline registry with each project's probability and expected capacity.

    Parameters
    ----------
    scenario
        A scenario name or file. For now it is only checked (resolved); the
        probabilities are the dataset's defaults from ``stage_probabilities.csv``.
        Scenario overrides of the stage probabilities come with the capacity model.
    dataset
        Dataset folder (``None``: the shipped Türkiye dataset).

    Returns
    -------
    pandas.DataFrame
        See :func:`evhub.pipeline.pipeline_table`: grouped by kind, sorted by
        expected capacity [veh/yr or GWh/yr, column ``capacity_unit``].

    Raises
    ------
    InputError
        If the scenario, ``pipeline.csv`` or ``stage_probabilities.csv`` is invalid.
    """
    data = load_dataset(dataset)
    if scenario is not None:
        _scenario.resolve(scenario, data)
    projects = _pipeline.load_pipeline(data)
    probabilities = _pipeline.load_stage_probabilities(data)
    return _pipeline.pipeline_table(projects, probabilities)


def calibrate(
    scenario: str | Path = "baseline",
    *,
    dataset: str | Path | Dataset | None = None,
    start: int = 2015,
    end: int | None = None,
) -> _calibrate.Calibration:
    """Fit the lifetime to the observed stock from ``start`` to ``end`` (default: base year)."""
    data = load_dataset(dataset)
    last = data.base_year if end is None else end
    if not data.first_year <= start <= last <= data.base_year:
        msg = (
            f"calibration years start = {start}, end = {last}: must lie within the observed "
            f"years {data.first_year}-{data.base_year} of {data.path / 'dataset.yaml'}"
        )
        raise InputError(msg)
    resolved = _scenario.resolve(scenario, data)
    return _calibrate.calibrate(resolved, data, range(start, last + 1))


def parse_value(text: str) -> Any:
    """Parse a command-line value as YAML (numbers, null, lists, ...)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        msg = f"cannot parse value {text!r}"
        raise InputError(msg) from None

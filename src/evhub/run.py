"""Run scenarios: check them, simulate each once, and optionally sample their ensembles.

The deterministic run of every scenario (every distribution at its central
value) and, with ``samples``, the ensembles (:mod:`evhub.ensemble`), returned
as one :class:`~evhub.results.Results`. The dataset and scenario become the
chain's inputs, and its outputs labelled arrays, in :mod:`evhub.compose`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import xarray as xr

from evhub.compose import Labels, labels, prepare, to_dataset
from evhub.dataset import Dataset, load_dataset
from evhub.ensemble import DEFAULT_CHUNK, run_ensemble
from evhub.errors import InputError
from evhub.limits import Sampler, check_ensemble_size, check_run_options
from evhub.model import chain
from evhub.results import Results
from evhub.scenario import ResolvedScenario, list_scenarios, resolve
from evhub.variables import iamc_variables

__all__ = ["check", "run", "simulate_resolved"]


def check(resolved: Sequence[ResolvedScenario], data: Dataset) -> Labels:
    """Everything a run checks before it simulates, in the order it checks it.

    The scenario names are unique, the pipeline registry loads (:func:`evhub.compose.labels`)
    and, for every scenario, the chain's inputs are built from the dataset and
    the scenario's parameters are checked against them (:func:`evhub.compose.prepare`).
    :func:`run` calls this before it simulates anything, and
    :func:`evhub.api.validate` (``evhub data validate``) calls it with every
    shipped scenario of a dataset: one validation path, so a dataset that
    validates can be run and one that a run refuses does not validate.

    Returns
    -------
    Labels
        The coordinates of the results.

    Raises
    ------
    InputError
        The first problem found, naming the file, the field and the value.
    """
    if not resolved:
        msg = (
            f"{data.path / 'scenarios'}: no scenario to run; a dataset ships at least one "
            "scenario file (NAME.yaml)"
        )
        raise InputError(msg)
    seen: set[str] = set()
    for r in resolved:
        if r.name in seen:
            msg = f"scenario name {r.name!r} is given twice; names must be unique in one run"
            raise InputError(msg)
        seen.add(r.name)
    coords = labels(data)
    for r in resolved:
        prepare(r, data)
    return coords


def simulate_resolved(scenario: ResolvedScenario, data: Dataset) -> chain.ChainOutputs:
    """Run the chain for one resolved scenario (one run)."""
    inputs, params = prepare(scenario, data)
    return chain.simulate(inputs, params)


def run(
    scenarios: str | Path | Sequence[str | Path] | None = None,
    *,
    dataset: str | Path | Dataset | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    samples: int | None = None,
    seed: int = 0,
    sampler: Sampler = "lhs",
    chunk_size: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    stream_store: bool = False,
) -> Results:
    """Run one or more scenarios, deterministically and optionally as ensembles.

    Parameters
    ----------
    scenarios
        A shipped scenario name, a YAML path, or a list of them; ``None`` for
        every shipped scenario of the dataset.
    dataset
        A dataset folder or a loaded :class:`~evhub.dataset.Dataset`;
        ``None`` for the shipped dataset.
    overrides
        Parameter overrides by dotted path, applied on top of every scenario.
    progress
        Called as ``progress(done, total, name)`` before and after each
        scenario, and as ensemble members finish.
    samples
        Also run an ensemble of this many members per scenario
        (:mod:`evhub.ensemble`); ``None`` for the deterministic run only.
    seed, sampler, chunk_size, workers, scheduler, stream_store
        Of the ensemble: see :func:`evhub.ensemble.run_ensemble`
        (``stream_store`` writes the members' store table while they run, for
        results that will be written).

    Returns
    -------
    Results
        Labelled arrays (``scenario``, ``run``, ``year``, ...) with units of
        the deterministic run (every distribution at its central value);
        ``.to_iamc()`` gives the IAMC table; ``.ensemble`` the ensemble, if
        ``samples`` was given.

    Examples
    --------
    >>> import evhub
    >>> res = evhub.run("baseline")
    >>> res.data["stock"].attrs["units"]
    'veh'
    """
    check_run_options(
        samples=samples, seed=seed, sampler=sampler, chunk_size=chunk_size, workers=workers
    )
    data = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
    if scenarios is None:
        names: list[str | Path] = [s.name for s in list_scenarios(data)]
    elif isinstance(scenarios, (str, Path)):
        names = [scenarios]
    else:
        names = list(scenarios)
    resolved = [resolve(n, data, overrides) for n in names]
    coords = check(resolved, data)
    if samples is not None:
        check_ensemble_size(
            int(samples),
            len(resolved),
            variables=len(iamc_variables(data.dims)),
            years=len(data.years),
            inputs=max(len(r.distributions) for r in resolved) + 3 * len(coords.projects),
        )
    parts = []
    for i, r in enumerate(resolved):
        if progress is not None:
            progress(i, len(resolved), r.name)
        parts.append(to_dataset(simulate_resolved(r, data), coords))
    if progress is not None:
        progress(len(resolved), len(resolved), "done")
    combined = xr.concat(parts, dim="scenario", combine_attrs="override")
    combined = combined.assign_coords(scenario=[r.name for r in resolved], run=[0])
    ensemble = None
    if samples is not None:
        ensemble = run_ensemble(
            resolved,
            data,
            samples=samples,
            seed=seed,
            sampler=sampler,
            chunk_size=DEFAULT_CHUNK if chunk_size is None else chunk_size,
            workers=workers,
            scheduler=scheduler,
            stream_store=stream_store,
            progress=progress,
        )
    return Results(data=combined, scenarios=resolved, dataset=data, ensemble=ensemble)

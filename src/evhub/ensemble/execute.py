"""Running an ensemble: the members in chunks, in this process or on a Dask cluster.

A scenario's :class:`Task` (the chain's inputs, its central values, the
layout of its typed parameters and its :class:`~evhub.ensemble.design.Design`)
runs a chunk of ``chunk_size`` members at once through
:func:`evhub.model.chain.simulate` (a leading
``run`` axis, no loop over members; :func:`run_chunk`). :func:`run_ensemble`
draws every scenario's members, runs the chunks and saves each chunk's IAMC
variables to a scratch folder as it arrives, so memory does not grow with
the number of members; the :class:`~evhub.ensemble.summary.Ensemble` it
returns summarises them from there. :func:`evaluate` runs given inputs for
one variable in one year (sensitivity analysis, goal seek).
"""

from __future__ import annotations

import importlib
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from evhub.choiceposterior import draws_by_path
from evhub.compose import Labels, ParameterLayout, chain_setup, labels, to_arrays
from evhub.dims import Dims
from evhub.ensemble.chunks import write_chunk
from evhub.ensemble.design import Design, design, unit_draws
from evhub.ensemble.store import StoreStream
from evhub.ensemble.summary import Ensemble, Member
from evhub.errors import InputError
from evhub.layout import scratch_folder
from evhub.limits import Sampler
from evhub.model import chain
from evhub.variables import iamc_variables

if TYPE_CHECKING:
    from evhub.dataset import Dataset
    from evhub.scenario import ResolvedScenario

__all__ = [
    "DEFAULT_CHUNK",
    "Progress",
    "Task",
    "evaluate",
    "make_task",
    "run_chunk",
    "run_ensemble",
]

F = NDArray[np.float64]
#: Called as ``progress(done, total, description)`` as members finish.
Progress = Callable[[int, int, str], None]

#: Members per chunk: large enough to vectorise, small enough that the chain's
#: arrays (the largest, run x year x cohort, 5.9 MB) are taken again from the
#: heap chunk after chunk rather than mapped afresh: at 10,000 members chunks of
#: 100 took 0.8-0.85 ms per member in-process, chunks of 500 0.94, with 130 MB
#: less peak memory. The chunk size changes no result (the draws come first).
DEFAULT_CHUNK = 100


@dataclass(frozen=True)
class Task:
    """Everything a worker needs to run chunks of one scenario (picklable).

    ``base`` holds the scenario's central values by path in its own units
    (percent as percent); ``layout`` turns them, with a chunk's sampled
    values, into the chain's typed parameters.
    """

    inputs: chain.ChainInputs
    layout: ParameterLayout
    base: Mapping[str, Any]
    design: Design
    labels: Labels
    dims: Dims


def make_task(scenario: ResolvedScenario, data: Dataset) -> Task:
    """The chain inputs, central values, parameter layout and design of a scenario."""
    inputs, layout = chain_setup(scenario, data)
    plan = design(scenario, inputs.projects, draws_by_path(data))
    return Task(inputs, layout, dict(scenario.values), plan, labels(data), data.dims)


def run_chunk(task: Task, values: F, pick: tuple[str, int] | None = None) -> F:
    """Run one chunk of members; return its IAMC variables (variable, member, year).

    Parameters
    ----------
    task
        The scenario's inputs, central parameters and design.
    values : (member, column)
        The chunk's sampled inputs in the scenario's units.
    pick
        ``(variable, year)``: return only that value of each member, shape (member,).
    """
    n = values.shape[0]
    params = task.layout.build(task.design.parameters(values, task.base), n)
    out = chain.simulate(task.inputs, params)
    arrays = to_arrays(out, task.labels)
    variables = iamc_variables(task.dims)
    if pick is not None:
        name, year = pick
        values = variables[name][1].array(arrays)
        picked: F = np.array(values[:, task.labels.years.index(year)], dtype=float)
        return picked
    block = np.empty((len(variables), n, len(task.labels.years)))
    for v, (_, get) in enumerate(variables.values()):
        block[v] = get.array(arrays)
    return block


def evaluate(
    task: Task,
    values: F,
    pick: tuple[str, int],
    *,
    chunk_size: int = DEFAULT_CHUNK,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    label: str = "running",
) -> F:
    """One variable in one year for every row of ``values`` (member, column), in chunks."""
    bounds = [(a, min(a + chunk_size, len(values))) for a in range(0, len(values), chunk_size)]
    jobs = [(label, k, task, values[a:b]) for k, (a, b) in enumerate(bounds)]
    out = np.empty(len(values))
    for _, k, part in _blocks(jobs, workers, scheduler, progress, pick):
        a, b = bounds[k]
        out[a:b] = part
    return out


def run_ensemble(
    scenarios: Sequence[ResolvedScenario],
    data: Dataset,
    *,
    samples: int,
    seed: int = 0,
    sampler: Sampler = "lhs",
    chunk_size: int = DEFAULT_CHUNK,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    stream_store: bool = False,
) -> Ensemble:
    """Sample and run the ensemble of each scenario (see the module docstring).

    Parameters
    ----------
    scenarios
        Resolved scenarios.
    data
        The dataset.
    samples
        Members per scenario.
    seed
        Seed of the draws: the same inputs and seed give the same ensemble.
    sampler
        ``lhs`` or ``sobol``.
    chunk_size
        Members run at once; memory grows with it, not with ``samples``.
    workers
        Run the chunks on a Dask ``LocalCluster`` with this many worker processes.
    scheduler
        Run the chunks on an existing Dask cluster (its scheduler address).
    progress
        Called as ``progress(done, total, description)`` as chunks finish.
    stream_store
        Write the members' store table while the chunks run (for a run whose
        results will be written: :meth:`Ensemble.write_store` then only adds
        the rest).

    Returns
    -------
    Ensemble
    """
    if chunk_size < 1:
        msg = f"--chunk-size {chunk_size}: must be at least 1"
        raise InputError(msg)
    if workers is not None and workers < 1:
        msg = f"--workers {workers}: must be at least 1"
        raise InputError(msg)
    unit_draws(samples, 0, seed, sampler)  # checks samples and sampler
    scratch = scratch_folder(  # named with the pid; removes those of dead ones
        "evhub-ensemble-", tempfile.gettempdir()
    )
    members: dict[str, Member] = {}
    jobs: list[tuple[str, int, Task, F]] = []
    stream: StoreStream | None = None
    try:
        for scenario in scenarios:
            task = make_task(scenario, data)
            plan = task.design
            u = unit_draws(samples, len(plan.columns), seed, sampler)
            values = plan.values(u, task.base, task.layout, task.inputs.projects)
            bounds = [(a, min(a + chunk_size, samples)) for a in range(0, samples, chunk_size)]
            member = Member(scenario, plan, values, [], bounds)
            members[scenario.name] = member
            jobs.extend((scenario.name, k, task, values[a:b]) for k, (a, b) in enumerate(bounds))
        if stream_store:
            names = [s.name for s in scenarios]
            stream = sink = StoreStream(
                scratch / "ensemble.duckdb",
                names,
                [int(y) for y in data.years],
                len(jobs),
                tuple(iamc_variables(data.dims)),
            )

            def on_block(name: str, k: int, block: F) -> None:
                sink.put(block, members[name].bounds[k][0], names.index(name))

        results = _map(
            jobs, workers, scheduler, progress, scratch, on_block if stream_store else None
        )
        for name, k, path in results:
            member = members[name]
            while len(member.chunks) <= k:
                member.chunks.append(Path())
            member.chunks[k] = path
        ensemble = Ensemble(
            members,
            samples=samples,
            seed=seed,
            sampler=sampler,
            chunk_size=chunk_size,
            dataset=data,
            scratch=scratch,
        )
        if stream is not None:
            # the store's last inserts run while the quantiles are summarised
            # (DuckDB and numpy's sort free the GIL; the results need both)
            with ThreadPoolExecutor(1, thread_name_prefix="evhub-quantiles") as pool:
                summary = pool.submit(ensemble.quantiles)
                ensemble.streamed = stream.finish()
                stream = None
                summary.result()
    except BaseException:
        if stream is not None:
            stream.abort()
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return ensemble


def _map(
    jobs: Sequence[tuple[str, int, Task, F]],
    workers: int | None,
    scheduler: str | None,
    progress: Progress | None,
    scratch: Path,
    on_block: Callable[[str, int, F], None] | None = None,
) -> list[tuple[str, int, Path]]:
    """Run every chunk, in this process or on Dask; save each block as it arrives."""
    out: list[tuple[str, int, Path]] = []
    for name, k, block in _blocks(jobs, workers, scheduler, progress, None):
        path = scratch / f"{len(out):06d}.chunk"
        write_chunk(path, block)
        out.append((name, k, path))
        if on_block is not None:
            on_block(name, k, block)
    return out


def _blocks(
    jobs: Sequence[tuple[str, int, Task, F]],
    workers: int | None,
    scheduler: str | None,
    progress: Progress | None,
    pick: tuple[str, int] | None,
) -> Iterator[tuple[str, int, F]]:
    """Run the chunks (here or on Dask) and yield ``(name, k, result)`` as each finishes."""
    total = sum(len(values) for *_, values in jobs)
    done = 0
    if progress is not None:
        progress(0, total, "running the ensemble")
    if workers is None and scheduler is None:
        results: Iterator[tuple[str, int, F]] = (
            (name, k, run_chunk(task, values, pick)) for name, k, task, values in jobs
        )
    else:
        results = _dask(jobs, workers, scheduler, pick)
    sizes = {(name, k): len(values) for name, k, _, values in jobs}
    for name, k, result in results:
        done += sizes[(name, k)]
        if progress is not None:
            progress(done, total, name if name.startswith("running") else f"running {name}")
        yield name, k, result


def _dask(
    jobs: Sequence[tuple[str, int, Task, F]],
    workers: int | None,
    scheduler: str | None,
    pick: tuple[str, int] | None,
) -> Iterator[tuple[str, int, F]]:
    """Run the chunks on a Dask cluster; yield each block as it finishes."""
    distributed: Any = importlib.import_module("dask.distributed")  # untyped
    Client, LocalCluster, as_completed = (  # noqa: N806
        distributed.Client,
        distributed.LocalCluster,
        distributed.as_completed,
    )

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: 8787 may be taken
            silence_logs=50,
        )
    try:
        client = Client(cluster if cluster is not None else scheduler, timeout="20s")
    except (OSError, ValueError, TypeError) as exc:
        if cluster is not None:
            cluster.close()
        msg = f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc})"
        raise InputError(msg) from None
    try:
        tasks = {id(task): task for *_, task, _ in jobs}
        shared = {key: client.scatter(task, broadcast=True) for key, task in tasks.items()}
        futures = {
            client.submit(run_chunk, shared[id(task)], values, pick, pure=False): (name, k)
            for name, k, task, values in jobs
        }
        for future in as_completed(futures):
            name, k = futures[future]
            yield name, k, future.result()
            future.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

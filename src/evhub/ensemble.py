"""Ensembles: sample a scenario's uncertain inputs and run every member through the chain.

A scenario's uncertain inputs are

- every parameter given as a distribution (:mod:`evhub.distributions`);
- for each pipeline project whose probability is neither 0 nor 1, whether it
  is realised: ``pipeline.realised.<id>`` is 1 where the project's draw is
  below its probability in that run (the stage's, or the project's own);
- for each project not yet producing, its delay and lead time when its
  stage's ``delay`` or ``lead_time`` is a distribution: each project draws its
  own (``pipeline.delay.<id>``, ``pipeline.lead_time.<id>``), so the stage's
  distribution is a distribution of each project's delay.

One uniform draw per input and member comes from a Latin hypercube or a
scrambled Sobol sequence (``scipy.stats.qmc``) seeded by ``seed``; each
distribution turns its draw into a value by its inverse CDF. The members run
in chunks of ``chunk_size`` through :func:`evhub.model.chain.simulate` (a
leading ``run`` axis, no loop over members), in this process or on a Dask
cluster; every chunk's IAMC variables go to a scratch folder, so memory does
not grow with the number of members. Quantiles and the probability of meeting
each target are computed from there, and :meth:`Ensemble.write_store` copies
every member's values into DuckDB chunk by chunk.
"""

from __future__ import annotations

import contextlib
import math
import queue
import shutil
import tempfile
import threading
import weakref
from collections import deque
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import qmc

from evhub.compose import Labels, labels, prepare, to_dataset
from evhub.distributions import Distribution, quantile_points, show_spec
from evhub.errors import InputError
from evhub.layout import scratch_folder
from evhub.model import chain, indicators
from evhub.scenario import unit_of
from evhub.variables import IAMC_VARIABLES, MODEL

if TYPE_CHECKING:
    import pyarrow as pa

    from evhub.dataset import Dataset
    from evhub.scenario import ResolvedScenario

__all__ = [
    "QUANTILES",
    "SAMPLERS",
    "Column",
    "Design",
    "Ensemble",
    "Member",
    "design",
    "evaluate",
    "make_task",
    "run_chunk",
    "run_ensemble",
    "unit_draws",
]

F = NDArray[np.float64]
T = TypeVar("T")
Progress = Callable[[int, int, str], None]

#: Quantiles of ``iamc_quantiles.csv``.
QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Ways to place the uniform draws.
SAMPLERS = ("lhs", "sobol")
#: Members per chunk: large enough to vectorise, small enough to stay in cache.
DEFAULT_CHUNK = 500
_PERCENT_UNITS = ("%", "%/yr")
_VARIABLES = tuple(IAMC_VARIABLES)
#: Store table of every member's values, one array over the years per
#: (scenario, run, variable), and the long-format view of it.
PATHS_TABLE = "ensemble_paths"
ENSEMBLE_TABLE = "ensemble"
#: Chunks read ahead while DuckDB stores the last (memory: this many chunks).
_READ_AHEAD = 2
#: Rows of the store's ensemble table per insert: whole row groups of DuckDB
#: (122,880 rows each) go straight to the file; a part of one goes through the
#: write-ahead log and is copied again at the next checkpoint.
_INSERT_ROWS = 2 * 122_880
#: DuckDB's memory limit while the ensemble is stored (written blocks need not stay cached).
_STORE_MEMORY = "256MB"
#: Insert statements run at once (DuckDB appends one statement's rows on one thread).
_WRITERS = 2
#: Threads that summarise the variables into quantiles (numpy's sort frees the GIL).
_QUANTILE_THREADS = 2
#: Memory for the members' values of the variables summarised at once (bytes):
#: a buffer reused for each group of variables.
_QUANTILE_BYTES = 32 * 2**20
_FLOAT32_MAX = float(np.finfo(np.float32).max)
_PROJECT_FIELDS = ("delay", "lead_time")


# --------------------------------------------------------------------------
# What is sampled
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One sampled input.

    Attributes
    ----------
    name
        Parameter path (``market.bev_share.midpoint_year``), or
        ``pipeline.realised.<id>``, ``pipeline.delay.<id>``,
        ``pipeline.lead_time.<id>``.
    unit
        Unit of the values in :attr:`Member.inputs` (the scenario's unit).
    scale
        Factor from that unit to the model's (0.01 for percent).
    distribution
        How a uniform draw becomes a value; ``None`` for a realisation (the
        value is 1 if the draw is below the project's probability) or a
        column of given values (goal seek's trial values).
    project
        Index of the project in the registry, for per-project columns.
    """

    name: str
    unit: str
    scale: float
    distribution: Distribution | None
    project: int | None = None

    @property
    def is_realisation(self) -> bool:
        """Whether the column says if a project is realised (0 or 1)."""
        return self.distribution is None and self.name.startswith("pipeline.realised.")


@dataclass(frozen=True)
class Design:
    """The sampled inputs of one scenario.

    Attributes
    ----------
    columns
        One per uncertain input, in a fixed order: parameters (in model
        order), then per-project delays and lead times, then realisations.
    """

    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Column names."""
        return tuple(c.name for c in self.columns)

    def values(self, u: F, base: Mapping[str, F], projects: chain.Projects) -> F:
        """Sampled inputs (member, column) in the scenario's units from uniform draws.

        Parameters
        ----------
        u : (member, column)
            Uniform draws in (0, 1).
        base
            Central parameter arrays in model units, each of shape (1,).
        projects
            The registry (for the probability of each project in each member).
        """
        n = u.shape[0]
        out = np.empty((n, len(self.columns)))
        realise = []
        for j, col in enumerate(self.columns):
            if col.distribution is not None:
                out[:, j] = col.distribution.ppf(quantile_points(u[:, j]))
            elif col.project is not None:
                realise.append(j)
            else:
                msg = f"{col.name}: a column without a distribution takes given values, not draws"
                raise ValueError(msg)
        if realise:
            params = self.parameters(out, base, n, realised=False)
            weight, _, _ = chain.project_terms(projects, params, n)
            for j in realise:
                project = self.columns[j].project
                assert project is not None
                out[:, j] = (u[:, j] < weight[:, project]).astype(float)
        return out

    def parameters(
        self, values: F, base: Mapping[str, F], n: int, *, realised: bool = True
    ) -> dict[str, F]:
        """Parameter arrays (member,) in model units: the central values with the sampled ones."""
        params = {k: np.broadcast_to(v, (n,)) for k, v in base.items()}
        for j, col in enumerate(self.columns):
            if col.is_realisation and not realised:
                continue
            params[col.name] = values[:, j] * col.scale
        return params

    def with_column(self, column: Column) -> Design:
        """The design with one more column (e.g. a parameter set to given values)."""
        return Design((*self.columns, column))


def design(scenario: ResolvedScenario, projects: chain.Projects) -> Design:
    """The uncertain inputs of a resolved scenario (see the module docstring)."""
    dists = scenario.distributions
    values = scenario.values
    columns: list[Column] = []
    present = set(_stages(projects))
    for path, dist in dists.items():
        parts = path.split(".")
        if parts[:2] == ["pipeline", "stages"] and (
            parts[3] in _PROJECT_FIELDS or parts[2] not in present
        ):
            continue  # drawn for each project below, or no project is at that stage
        unit = unit_of(path)
        scale = 0.01 if unit in _PERCENT_UNITS else 1.0
        columns.append(Column(path, unit, scale, dist))
    realised: list[Column] = []
    for i, pid in enumerate(projects.ids):
        stage = projects.stages[i]
        own = f"pipeline.overrides.{pid}."
        if values.get(own + "drop"):
            continue
        if not projects.producing[i]:
            for field in _PROJECT_FIELDS:
                if field == "lead_time" and not math.isnan(projects.start[i]):
                    continue  # a published start needs no lead time
                if field == "delay" and own + "delay" in values:
                    continue  # the project's own delay (a number, or its own distribution)
                if field == "lead_time" and (
                    own + "start_year" in values and values[own + "start_year"] is not None
                ):
                    continue
                drawn = dists.get(f"pipeline.stages.{stage}.{field}")
                if drawn is not None:
                    columns.append(Column(f"pipeline.{field}.{pid}", "yr", 1.0, drawn, i))
        path = own + "probability"
        if path not in values or values[path] is None:
            path = f"pipeline.stages.{stage}.probability"
        if path in dists or 0.0 < float(values[path]) < 1.0:
            realised.append(Column(f"pipeline.realised.{pid}", "1", 1.0, None, i))
    return Design(tuple(columns + realised))


def _stages(projects: chain.Projects) -> list[str]:
    return list(dict.fromkeys(projects.stages))


def unit_draws(n: int, d: int, seed: int, sampler: str = "lhs") -> F:
    """``n`` points in the unit cube of dimension ``d``.

    ``lhs``: a Latin hypercube (each input's draws fall one in each of ``n``
    equal strata). ``sobol``: a scrambled Sobol sequence; its first
    ``2**ceil(log2 n)`` points are drawn and the first ``n`` kept, so the
    balance of the sequence holds exactly when ``n`` is a power of 2.
    """
    if sampler not in SAMPLERS:
        msg = f"--sampler {sampler!r}: expected one of {list(SAMPLERS)}"
        raise InputError(msg)
    if n < 1:
        msg = f"--samples {n}: an ensemble needs at least one member"
        raise InputError(msg)
    if d == 0:
        return np.empty((n, 0))
    rng = np.random.default_rng(seed)
    if sampler == "lhs":
        out: F = qmc.LatinHypercube(d=d, rng=rng).random(n)
        return out
    m = max(0, math.ceil(math.log2(n)))
    out = qmc.Sobol(d=d, scramble=True, rng=rng).random_base2(m)[:n]
    return out


# --------------------------------------------------------------------------
# Running chunks
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """Everything a worker needs to run chunks of one scenario (picklable)."""

    inputs: chain.ChainInputs
    options: Mapping[str, object]
    base: Mapping[str, F]
    design: Design
    labels: Labels


def make_task(scenario: ResolvedScenario, data: Dataset) -> Task:
    """The chain inputs, central parameters and design of a scenario."""
    inputs, options, base = prepare(scenario, data)
    return Task(inputs, options, base, design(scenario, inputs.projects), labels(data))


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
    params = task.design.parameters(values, task.base, n)
    out = chain.simulate(task.inputs, params, task.options)
    ds = to_dataset(out, task.labels)
    if pick is not None:
        name, year = pick
        picked: F = np.asarray(IAMC_VARIABLES[name][1](ds).sel(year=year).values, dtype=float)
        return picked
    block = np.empty((len(_VARIABLES), n, len(task.labels.years)))
    for v, name in enumerate(_VARIABLES):
        block[v] = IAMC_VARIABLES[name][1](ds).transpose("run", "year").values
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


@dataclass
class Member:
    """One scenario's ensemble: its design, sampled inputs and chunk files."""

    scenario: ResolvedScenario
    design: Design
    inputs: F  # (member, column), scenario units
    chunks: list[Path]
    bounds: list[tuple[int, int]]

    def chunk(self, k: int) -> F:
        """The IAMC block (variable, member, year) of chunk ``k``."""
        block: F = np.load(self.chunks[k])
        return block

    def variable(self, v: int) -> F:
        """Every member's values (member, year) of variable index ``v``."""
        values: F = self.variables(v, v + 1)[0]
        return values

    def variables(self, first: int, stop: int, out: F | None = None) -> F:
        """Every member's values (variable, member, year) of variables ``first:stop``.

        One read of each chunk file (the variables are its leading axis),
        into ``out`` if given (its leading part; reusing a buffer spares the
        system's page faults on new memory).
        """
        if out is None:
            years = np.load(self.chunks[0], mmap_mode="r").shape[2]
            out = np.empty((stop - first, self.bounds[-1][1], years))
        for path, (start, end) in zip(self.chunks, self.bounds, strict=True):
            block = np.load(path, mmap_mode="r")
            out[: stop - first, start:end] = block[first:stop]
            del block
        return out[: stop - first]


def _quantiles(values: F) -> F:
    """:data:`QUANTILES` (level, year) of one variable's values (member, year).

    Each year's members are sorted first, as a contiguous row: numpy's
    quantile then finds its order statistics in a sorted row, 2-3 times
    faster than in an unsorted column, with the same values.
    """
    ordered = np.sort(np.ascontiguousarray(values.T), axis=1)
    levels: F = np.quantile(ordered, QUANTILES, axis=1)
    return levels


class Ensemble:
    """The ensemble of one or more scenarios.

    Every member's IAMC variables live in a scratch folder (deleted with the
    object); :meth:`quantiles` and :meth:`targets` summarise them, and
    :meth:`values` reads one variable back.
    """

    def __init__(
        self,
        members: Mapping[str, Member],
        *,
        samples: int,
        seed: int,
        sampler: str,
        chunk_size: int,
        dataset: Dataset,
        scratch: Path,
        streamed: Path | None = None,
    ) -> None:
        self.members = dict(members)
        #: A store file whose ensemble table was written while the chunks ran (or None).
        self.streamed = streamed
        self.samples = samples
        self.seed = seed
        self.sampler = sampler
        self.chunk_size = chunk_size
        self.dataset = dataset
        self.scratch = scratch
        self._finalizer = weakref.finalize(self, shutil.rmtree, scratch, True)
        self._quantiles: pd.DataFrame | None = None
        self._targets: pd.DataFrame | None = None

    @property
    def scenarios(self) -> list[str]:
        """Scenario names, in order."""
        return list(self.members)

    def values(self, scenario: str, variable: str) -> pd.DataFrame:
        """Every member's values of one IAMC variable: rows are members, columns years."""
        member = self._member(scenario)
        if variable not in IAMC_VARIABLES:
            msg = f"unknown variable {variable!r}; see evhub.variables.IAMC_VARIABLES"
            raise InputError(msg)
        array = member.variable(_VARIABLES.index(variable))
        frame = pd.DataFrame(array, columns=[int(y) for y in self.dataset.years])
        frame.index.name = "run"
        return frame

    def inputs(self, scenario: str) -> pd.DataFrame:
        """The sampled inputs of every member (in the scenario's units)."""
        member = self._member(scenario)
        frame = pd.DataFrame(member.inputs, columns=list(member.design.names))
        frame.index.name = "run"
        return frame

    def _member(self, scenario: str) -> Member:
        if scenario not in self.members:
            msg = f"scenario {scenario!r} is not in this ensemble; it has {self.scenarios}"
            raise InputError(msg)
        return self.members[scenario]

    def quantiles(self) -> pd.DataFrame:
        """IAMC table with a ``Quantile`` column (:data:`QUANTILES`) per scenario and variable."""
        if self._quantiles is None:
            years = [int(y) for y in self.dataset.years]
            region, n_var = self.dataset.region, len(_VARIABLES)
            per_variable = self.samples * len(years) * np.dtype(np.float64).itemsize
            step = min(n_var, max(1, _QUANTILE_BYTES // per_variable))  # variables read at once
            buffer = np.empty((step, self.samples, len(years)))
            rows = []
            pool = ThreadPoolExecutor(_QUANTILE_THREADS, thread_name_prefix="evhub-quantiles")
            with pool:
                for name, member in self.members.items():
                    for first in range(0, n_var, step):
                        block = member.variables(first, min(first + step, n_var), buffer)
                        for v, q in enumerate(pool.map(_quantiles, block), first):
                            variable = _VARIABLES[v]
                            unit = IAMC_VARIABLES[variable][0]
                            rows += [
                                [MODEL, name, region, variable, unit, level, *q[k]]
                                for k, level in enumerate(QUANTILES)
                            ]
            self._quantiles = pd.DataFrame(
                rows,
                columns=["Model", "Scenario", "Region", "Variable", "Unit", "Quantile", *years],
            )
        return self._quantiles

    def targets(self) -> pd.DataFrame:
        """The probability of meeting each target: the share of members that meet it.

        Targets are the scorecard's: the national CO2 path in its target years
        (each member against its own target path) and the scenario's
        ``targets.<name>`` goals.
        """
        if self._targets is None:
            self._targets = pd.DataFrame(
                [row for name, m in self.members.items() for row in self._target_rows(name, m)],
                columns=[
                    "scenario",
                    "target",
                    "variable",
                    "year",
                    "direction",
                    "value",
                    "unit",
                    "probability",
                ],
            )
        return self._targets

    def _target_rows(self, name: str, member: Member) -> Iterator[list[Any]]:
        data = self.dataset
        years = [int(y) for y in data.years]
        goals = {
            goal: (int(g.year), float(g.value))
            for goal, g in member.scenario.parameters.targets
            if g.year is not None and g.value is not None
        }
        national = data.rows("targets", "ghg_target").dropna(subset=["year"])
        national_years = sorted(int(y) for y in national["year"] if y > data.base_year)
        for ind in indicators.INDICATORS:
            checks: list[tuple[int, F | float, str]] = []
            if ind.target:
                values = member.variable(_VARIABLES.index(ind.target))
                checks = [(y, values[:, years.index(y)], "per run") for y in national_years]
            elif ind.goal and ind.goal in goals:
                year, value = goals[ind.goal]
                checks = [(year, value, f"{value:g}")]
            if not checks:
                continue
            got = member.variable(_VARIABLES.index(ind.variable))
            for year, target, shown in checks:
                if year not in years:
                    continue
                met = indicators.meets(got[:, years.index(year)], np.asarray(target), ind.direction)
                yield [
                    name,
                    ind.label,
                    ind.variable,
                    year,
                    "at most" if ind.direction == "max" else "at least",
                    shown if isinstance(target, float) else "target path",
                    ind.unit,
                    float(np.mean(met)),
                ]

    def close(self) -> None:
        """Delete the scratch folder now (it is deleted with the object anyway)."""
        self._finalizer()

    # ------------------------------------------------------------------ store

    def write_files(self, folder: Path) -> None:
        """Write ``iamc_quantiles.csv`` and ``targets.csv`` into ``folder``."""
        self.quantiles().to_csv(folder / "iamc_quantiles.csv", index=False, float_format="%.6g")
        self.targets().to_csv(folder / "targets.csv", index=False, float_format="%.6g")

    def write_store(self, con: Any, progress: Progress | None = None) -> None:
        """Add the ensemble tables to an open DuckDB connection, chunk by chunk.

        Tables: ``ensemble`` (scenario, run, variable, year, value: every
        member's IAMC variables, long format; a view of ``ensemble_paths``),
        ``ensemble_paths`` (scenario, run, variable, value: each member's
        values of a variable over the model years, one ``FLOAT[years]`` array
        per row, as stored), ``samples`` (scenario, run, parameter, value:
        every member's sampled inputs), ``distributions`` (scenario,
        parameter, distribution, central value) and ``ensemble_runs``
        (scenario, samples, seed, sampler, chunk size).

        The values are stored as float32: a relative rounding error of at most
        2**-24 (about 6e-8; 0.5 vehicles in a stock of 8 million), against
        inputs uncertain by percents (their sampled ranges). Nothing in evhub
        reads the members back from the store: the summaries in
        ``iamc_quantiles.csv``, ``targets.csv`` and the scorecard come from the
        float64 chunks. ``ensemble.value`` reads them back as DOUBLE; a NaN (a
        variable without a value in a year) is NULL.

        Each chunk becomes an Arrow table of ``variables x members`` rows, read
        and converted in a thread ahead of DuckDB (:func:`_read_ahead`); the
        rows go in by statements of whole row groups on two connections at
        once (:func:`_insert`). Memory does not grow with the number of members.

        Parameters
        ----------
        con
            An open ``duckdb`` connection to the store.
        progress
            Called as ``progress(done, total, description)`` after each chunk.

        Raises
        ------
        InputError
            If a value is finite but beyond the float32 range (about 3.4e38).
        """
        years = [int(y) for y in self.dataset.years]
        jobs = [
            (name, member, k)
            for name, member in self.members.items()
            for k in range(len(member.chunks))
        ]
        streamed = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [PATHS_TABLE]
        ).fetchone()[0]
        if streamed:  # written while the chunks ran (run_ensemble(stream_store=True))
            if progress is not None:
                progress(len(jobs), len(jobs), "writing the ensemble to DuckDB")
        else:
            _create_paths_table(con, len(years))
            with contextlib.closing(_read_ahead(self._path_table, jobs)) as chunks:
                _insert(con, PATHS_TABLE, chunks, len(jobs), progress)
        listed = ", ".join(str(y) for y in years)
        con.execute(
            f"CREATE VIEW {ENSEMBLE_TABLE} AS SELECT scenario, run, variable, "
            f"unnest([{listed}]::SMALLINT[]) AS year, unnest(value)::DOUBLE AS value "
            f"FROM {PATHS_TABLE}"
        )
        first, last = years[0], years[-1]
        for statement, text in (
            (
                f"TABLE {PATHS_TABLE}",
                f"Every ensemble member's IAMC variables: one row per scenario, run and "
                f"variable; value holds the years {first}-{last} in order (float32, NULL "
                f"where the variable has no value). Long format: view {ENSEMBLE_TABLE}.",
            ),
            (
                f"VIEW {ENSEMBLE_TABLE}",
                f"Every ensemble member's IAMC variables in long format (scenario, run, "
                f"variable, year, value), read from table {PATHS_TABLE}; values stored "
                f"as float32.",
            ),
        ):
            quoted = text.replace("'", "''")
            con.execute(f"COMMENT ON {statement} IS '{quoted}'")
        samples = []
        for name in self.members:
            inputs = (
                self.inputs(name)
                .reset_index()
                .melt(id_vars="run", var_name="parameter", value_name="value")
            )
            inputs.insert(0, "scenario", name)
            samples.append(inputs)
        frames = {
            "samples": pd.concat(samples, ignore_index=True)
            if samples
            else pd.DataFrame(columns=["scenario", "run", "parameter", "value"]),
            "distributions": pd.DataFrame(
                [
                    {
                        "scenario": name,
                        "parameter": path,
                        "distribution": show_spec(dist.spec()),
                        "central": dist.central,
                        "source": member.scenario.provenance.get(path, ""),
                    }
                    for name, member in self.members.items()
                    for path, dist in member.scenario.distributions.items()
                ],
                columns=["scenario", "parameter", "distribution", "central", "source"],
            ),
            "ensemble_runs": pd.DataFrame(
                [
                    {
                        "scenario": name,
                        "samples": self.samples,
                        "seed": self.seed,
                        "sampler": self.sampler,
                        "chunk_size": self.chunk_size,
                        "inputs_sampled": len(member.design.columns),
                    }
                    for name, member in self.members.items()
                ]
            ),
        }
        for table, frame in frames.items():
            con.register("frame", frame)
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM frame")
            con.unregister("frame")

    def _path_table(self, name: str, member: Member, k: int) -> pa.Table:
        """Chunk ``k`` of a scenario as rows of :data:`PATHS_TABLE` (an Arrow table)."""
        start, _ = member.bounds[k]
        years = [int(y) for y in self.dataset.years]
        index = self.scenarios.index(name)
        return _arrow_rows(member.chunk(k), start, index, self.scenarios, years)


def _arrow_rows(
    block: F, start: int, index: int, scenarios: Sequence[str], years: Sequence[int]
) -> pa.Table:
    """A chunk (variable, member, year) of scenario ``scenarios[index]`` as store rows."""
    import pyarrow as pa

    n_var, n_run, n_year = block.shape
    values = _float32(block, start, years)
    rows = n_var * n_run
    scenario = pa.DictionaryArray.from_arrays(
        pa.array(np.full(rows, index, dtype=np.int32)), pa.array(list(scenarios), pa.string())
    )
    variable = pa.DictionaryArray.from_arrays(
        pa.array(np.repeat(np.arange(n_var, dtype=np.int32), n_run)),
        pa.array(_VARIABLES, pa.string()),
    )
    run = np.tile(np.arange(start, start + n_run, dtype=np.int32), n_var)
    flat = values.reshape(-1)
    value = pa.FixedSizeListArray.from_arrays(pa.array(flat, mask=np.isnan(flat)), n_year)
    return pa.table(
        [scenario, pa.array(run), variable, value],
        names=["scenario", "run", "variable", "value"],
    )


def _create_paths_table(con: Any, years: int) -> None:
    con.execute(
        f"CREATE TABLE {PATHS_TABLE} (scenario VARCHAR, run INTEGER, variable VARCHAR, "
        f"value FLOAT[{years}])"
    )


class _StoreStream:
    """The store's :data:`PATHS_TABLE`, filled in a thread as the chunks finish.

    ``evhub run`` writes its store anyway, so the members go into a DuckDB
    file in the scratch folder while the next chunks run (DuckDB and numpy
    release the GIL: on two cores the store costs little wall time);
    :meth:`Ensemble.write_store` then finds the table written and adds the
    rest. Errors (a value beyond float32) are raised by :meth:`put` or
    :meth:`finish`.
    """

    def __init__(
        self, path: Path, scenarios: Sequence[str], years: Sequence[int], total: int
    ) -> None:
        import duckdb

        self.path = path
        self.items: queue.SimpleQueue[tuple[F, int, int] | None] = queue.SimpleQueue()
        self.error: BaseException | None = None
        self.con = duckdb.connect(str(path))
        _create_paths_table(self.con, len(years))
        self.thread = threading.Thread(
            target=self._run,
            args=(list(scenarios), [int(y) for y in years], total),
            name="evhub-store-stream",
            daemon=True,
        )
        self.thread.start()

    def _chunks(self, scenarios: list[str], years: list[int]) -> Iterator[pa.Table]:
        while (item := self.items.get()) is not None:
            block, start, index = item
            yield _arrow_rows(block, start, index, scenarios, years)

    def _run(self, scenarios: list[str], years: list[int], total: int) -> None:
        try:
            _insert(self.con, PATHS_TABLE, self._chunks(scenarios, years), total, None)
        except BaseException as exc:  # raised in the main thread by put() or finish()
            self.error = exc

    def put(self, block: F, start: int, index: int) -> None:
        """Queue one finished chunk (of scenario ``index``, members from ``start``)."""
        if self.error is not None:
            raise self.error
        self.items.put((block, start, index))

    def finish(self) -> Path:
        """Wait for every queued chunk; return the store file."""
        self.items.put(None)
        self.thread.join()
        self.con.close()
        if self.error is not None:
            raise self.error
        return self.path

    def abort(self) -> None:
        """Stop after a failure of the run (the scratch folder goes with it)."""
        self.items.put(None)
        self.thread.join()
        self.con.close()


def _insert(
    con: Any, table: str, chunks: Iterator[pa.Table], total: int, progress: Progress | None
) -> None:
    """Insert Arrow tables into ``table``, :data:`_INSERT_ROWS` rows per statement.

    An insert of whole row groups goes straight to the file; one of a chunk
    (fewer rows than a row group) would go through the write-ahead log and be
    copied again at the next checkpoint. The statements run on
    :data:`_WRITERS` connections at once (:class:`_Writers`). DuckDB's memory
    limit is :data:`_STORE_MEMORY` meanwhile, so that it does not keep every
    written block cached and memory stays flat; the caller's limit is restored
    (:func:`_restore_memory_limit`). ``progress(done, total, ...)`` follows
    each chunk once its rows are stored or queued (at most :data:`_WRITERS`
    statements); the last once every row is stored.
    """
    import pyarrow as pa

    [(limit,)] = con.execute("SELECT current_setting('memory_limit')").fetchall()
    con.execute(f"SET memory_limit = '{_STORE_MEMORY}'")
    try:
        with _Writers(con, table) as write:
            held: list[pa.RecordBatch] = []  # slices of chunks (no copies): the next statement
            rows = 0
            for done, chunk in enumerate(chunks, 1):
                start = 0
                while start < chunk.num_rows:
                    part = chunk.slice(start, _INSERT_ROWS - rows)
                    held.extend(part.to_batches())
                    rows = (rows + part.num_rows) % _INSERT_ROWS
                    start += part.num_rows
                    if rows == 0:
                        write(pa.Table.from_batches(held))
                        held = []
                if done == total:
                    if held:
                        write(pa.Table.from_batches(held))
                        held = []
                    write.wait()
                if progress is not None:
                    progress(done, total, "writing the ensemble to DuckDB")
            if held:  # more chunks than ``total``
                write(pa.Table.from_batches(held))
    finally:
        _restore_memory_limit(con, limit)


class _Writers:
    """``INSERT INTO table`` statements on :data:`_WRITERS` connections at once.

    DuckDB appends a statement's rows on one thread, so two statements on two
    connections to the database (``con.cursor()``) use two cores. The other
    connections see the table only if its creation is committed; inside a
    transaction of the caller every statement runs on ``con``, one at a time,
    and stays in that transaction.

    Call the object with an Arrow table to insert it (waiting while
    :data:`_WRITERS` statements run); :meth:`wait` for every statement to finish.
    A failed statement's error is raised by the next call, by :meth:`wait` or
    on leaving the ``with`` block.
    """

    def __init__(self, con: Any, table: str) -> None:
        self.table = table
        cursors = [con.cursor() for _ in range(_WRITERS)]
        seen = (
            cursors[0]
            .execute("SELECT table_name FROM duckdb_tables() WHERE table_name = ?", [table])
            .fetchall()
        )
        if not seen:  # created in the caller's transaction
            for cursor in cursors:
                cursor.close()
            cursors = [con]
        self.owned = [c for c in cursors if c is not con]
        self.free: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for cursor in cursors:
            self.free.put(cursor)
        self.slots = len(cursors)
        self.pool = ThreadPoolExecutor(self.slots, thread_name_prefix="evhub-store-writer")
        self.pending: deque[Future[None]] = deque()

    def __call__(self, rows: pa.Table) -> None:
        """Insert ``rows`` (an Arrow table) once a connection is free."""
        while len(self.pending) >= self.slots:
            self.pending.popleft().result()
        self.pending.append(self.pool.submit(self._insert, rows))

    def _insert(self, rows: pa.Table) -> None:
        cursor = self.free.get()
        try:
            cursor.register("chunk", rows)
            cursor.execute(f"INSERT INTO {self.table} SELECT * FROM chunk")
            cursor.unregister("chunk")
        finally:
            self.free.put(cursor)

    def wait(self) -> None:
        """Wait for every statement; raise the error of a failed one."""
        while self.pending:
            self.pending.popleft().result()

    def __enter__(self) -> _Writers:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            if kind is None:
                self.wait()
        finally:
            for future in self.pending:
                future.cancel()
            self.pool.shutdown(wait=True)
            for cursor in self.owned:
                cursor.close()


def _restore_memory_limit(con: Any, shown: str) -> None:
    """Set DuckDB's memory limit back to ``shown`` (``current_setting`` before the change).

    DuckDB's default limit is restored exactly; a limit the caller had set is
    set again as shown, to the precision DuckDB shows it in (e.g. ``2.7 GiB``).
    """
    con.execute("RESET memory_limit")
    [(default,)] = con.execute("SELECT current_setting('memory_limit')").fetchall()
    if shown != default:
        con.execute(f"SET memory_limit = '{shown}'")


def _float32(block: F, start: int, years: Sequence[int]) -> NDArray[np.float32]:
    """``block`` (variable, member, year) as float32; an error where a value would overflow."""
    with np.errstate(over="ignore"):  # an overflow is found and named below
        out = block.astype(np.float32)
    if np.isinf(out).any():
        over = np.isinf(out) & np.isfinite(block)
        if over.any():
            v, m, y = (int(i[0]) for i in np.nonzero(over))
            msg = (
                f"{_VARIABLES[v]}, member {start + m}, {years[y]}: {block[v, m, y]:g} is beyond "
                f"the store's float32 range (±{_FLOAT32_MAX:.3g}); check the inputs of the run"
            )
            raise InputError(msg)
    return out


def _read_ahead(
    function: Callable[..., T], jobs: Sequence[tuple[Any, ...]], ahead: int = _READ_AHEAD
) -> Generator[T, None, None]:
    """Yield ``function(*job)`` for each job in order, computing up to ``ahead`` in a thread.

    numpy, pyarrow and DuckDB release the GIL in their bulk work, so reading
    and converting the next chunks overlaps with storing the current one. An
    exception raised by ``function`` is raised here, at its job.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="evhub-read-ahead") as pool:
        pending = deque(pool.submit(function, *job) for job in jobs[:ahead])
        following = iter(jobs[ahead:])
        try:
            while pending:
                result = pending.popleft().result()
                job = next(following, None)
                if job is not None:
                    pending.append(pool.submit(function, *job))
                yield result
        finally:
            for future in pending:  # stopped early: skip the jobs not yet started
                future.cancel()


# --------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------


def run_ensemble(
    scenarios: Sequence[ResolvedScenario],
    data: Dataset,
    *,
    samples: int,
    seed: int = 0,
    sampler: str = "lhs",
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
    stream: _StoreStream | None = None
    streamed: Path | None = None
    try:
        for scenario in scenarios:
            task = make_task(scenario, data)
            plan = task.design
            u = unit_draws(samples, len(plan.columns), seed, sampler)
            values = plan.values(u, task.base, task.inputs.projects)
            bounds = [(a, min(a + chunk_size, samples)) for a in range(0, samples, chunk_size)]
            member = Member(scenario, plan, values, [], bounds)
            members[scenario.name] = member
            jobs.extend((scenario.name, k, task, values[a:b]) for k, (a, b) in enumerate(bounds))
        if stream_store:
            names = [s.name for s in scenarios]
            stream = sink = _StoreStream(
                scratch / "ensemble.duckdb", names, [int(y) for y in data.years], len(jobs)
            )

            def on_block(name: str, k: int, block: F) -> None:
                sink.put(block, members[name].bounds[k][0], names.index(name))

        results = _map(
            jobs, workers, scheduler, progress, scratch, on_block if stream_store else None
        )
        if stream is not None:
            streamed = stream.finish()
            stream = None
        for name, k, path in results:
            member = members[name]
            while len(member.chunks) <= k:
                member.chunks.append(Path())
            member.chunks[k] = path
    except BaseException:
        if stream is not None:
            stream.abort()
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return Ensemble(
        members,
        samples=samples,
        seed=seed,
        sampler=sampler,
        chunk_size=chunk_size,
        dataset=data,
        scratch=scratch,
        streamed=streamed,
    )


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
        path = scratch / f"{len(out):06d}.npy"
        np.save(path, block)
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
    import importlib

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

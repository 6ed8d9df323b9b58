"""An ensemble's members and their summaries.

Every member's IAMC variables live in chunk files in a scratch folder
(:class:`Member`: one block ``(variable, member, year)`` per chunk, the
variables in the order of :func:`evhub.variables.iamc_names`, in the format of
:mod:`evhub.ensemble.chunks`), deleted with
the :class:`Ensemble`. From there come the quantiles of every variable
(:meth:`Ensemble.quantiles`, ``iamc_quantiles.csv``), the probability of
meeting each target (:meth:`Ensemble.targets`) and the store's tables
(:meth:`Ensemble.write_store`, :mod:`evhub.ensemble.store`).
"""

from __future__ import annotations

import shutil
import weakref
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from evhub.ensemble.chunks import ChunkFile, read_chunk
from evhub.ensemble.store import write_store
from evhub.errors import InputError
from evhub.limits import Sampler
from evhub.model import indicators
from evhub.variables import MODEL, iamc_names, iamc_variables, scorecard_indicators

if TYPE_CHECKING:
    from evhub.dataset import Dataset
    from evhub.ensemble.design import Design
    from evhub.scenario import ResolvedScenario

__all__ = ["QUANTILES", "Ensemble", "Member"]

F = NDArray[np.float64]

#: Quantiles of ``iamc_quantiles.csv``.
QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Threads that summarise the variables into quantiles (numpy's sort frees the GIL).
_QUANTILE_THREADS = 2
#: Memory for the members' values of the variables summarised at once (bytes):
#: a buffer reused for each group of variables.
_QUANTILE_BYTES = 32 * 2**20


@dataclass
class Member:
    """One scenario's ensemble: its design, sampled inputs and chunk files."""

    scenario: ResolvedScenario
    design: Design
    inputs: F  # (member, column), scenario units
    chunks: list[Path]
    bounds: list[tuple[int, int]]

    #: The chunk files' headers, read once (:class:`~evhub.ensemble.chunks.ChunkFile`).
    files: dict[int, ChunkFile] = field(default_factory=dict, repr=False, compare=False)

    def chunk(self, k: int) -> F:
        """The IAMC block (variable, member, year) of chunk ``k``."""
        return read_chunk(self.chunks[k])

    def variable(self, v: int) -> F:
        """Every member's values (member, year) of variable index ``v``."""
        values: F = self.variables(v, v + 1)[0]
        return values

    def variables(self, first: int, stop: int, out: F | None = None) -> F:
        """Every member's values (variable, member, year) of variables ``first:stop``.

        One read of each chunk file's stretch of those variables
        (:meth:`evhub.ensemble.chunks.ChunkFile.read`), into ``out`` if given
        (its leading part; reusing a buffer spares the system's page faults
        on new memory).
        """
        files = [self._file(k) for k in range(len(self.chunks))]
        if out is None:
            out = np.empty((stop - first, self.bounds[-1][1], files[0].shape[2]))
        for file, (start, end) in zip(files, self.bounds, strict=True):
            file.read(first, stop, out[: stop - first, start:end])
        return out[: stop - first]

    def _file(self, k: int) -> ChunkFile:
        file = self.files.get(k)
        if file is None or not file.current(self.chunks[k]):
            file = self.files[k] = ChunkFile(self.chunks[k])
        return file


def _quantiles(values: F) -> F:
    """:data:`QUANTILES` (level, year) of one variable's values (member, year).

    Each year's members are sorted first, as a contiguous row: numpy's
    quantile then finds its order statistics in a sorted row, 2-3 times
    faster than in an unsorted column, with the same values. A year in
    which every member has the same value (the history years; close to half
    of the cells) is not sorted: its levels are numpy's interpolation
    between that value and itself (:func:`_constant_levels`), the same bits
    (an ensemble of one member goes through numpy as a whole).
    """
    same = (values == values[:1]).all(axis=0)  # a NaN is never the same: it is sorted
    if not same.any() or len(values) < 2:  # (one member: numpy takes it as it is, -0.0 too)
        ordered = np.sort(np.ascontiguousarray(values.T), axis=1)
        levels: F = np.quantile(ordered, QUANTILES, axis=1)
        return levels
    levels = np.empty((len(QUANTILES), values.shape[1]))
    levels[:, same] = _constant_levels(values[0, same], values.shape[0])
    varies = ~same
    if varies.any():
        ordered = np.sort(np.ascontiguousarray(values[:, varies].T), axis=1)
        levels[:, varies] = np.quantile(ordered, QUANTILES, axis=1)
    return levels


def _constant_levels(value: F, members: int) -> F:
    """What ``np.quantile`` gives at :data:`QUANTILES` for ``members`` copies of each ``value``.

    numpy's default method ('linear') takes the order statistics below and
    above ``(members - 1) * q`` and interpolates with the fraction ``g``
    between them: ``a + (b - a) * g``, or ``b - (b - a) * (1 - g)`` where
    ``g >= 0.5``. Here ``a = b = value``; the same operations give the same
    bits (0.0 and -0.0 as numpy gives them; an infinite value gives NaN, as in
    numpy).

    Returns
    -------
    (level, cell)
    """
    virtual = (members - 1) * np.asarray(QUANTILES)
    fraction = (virtual - np.floor(virtual))[:, None]
    with np.errstate(invalid="ignore"):  # inf - inf: NaN, as numpy's quantile gives
        diff = value - value
        out: F = value + diff * fraction
        np.subtract(value, diff * (1 - fraction), out=out, where=fraction >= 0.5)
    return out


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
        sampler: Sampler,
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
        names = iamc_names(self.dataset.dims)
        if variable not in names:
            msg = f"unknown variable {variable!r}; the IAMC variables are those of iamc.csv"
            raise InputError(msg)
        array = member.variable(names.index(variable))
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
        """IAMC table with a ``Quantile`` column (:data:`QUANTILES`) per scenario and variable.

        A variable with no value in any year (the prices of a class whose buyers
        follow logistic curves) has no rows, as in the IAMC table.
        """
        if self._quantiles is None:
            years = [int(y) for y in self.dataset.years]
            variables = iamc_variables(self.dataset.dims)
            names = tuple(variables)
            region, n_var = self.dataset.region, len(names)
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
                            if np.isnan(q).all():  # no value in any year, as in the IAMC table
                                continue
                            variable = names[v]
                            unit = variables[variable][0]
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
        goals = member.scenario.targets()
        national = data.rows("targets", "ghg_target").dropna(subset=["year"])
        national_years = sorted(int(y) for y in national["year"] if y > data.base_year)
        names = iamc_names(data.dims)
        for ind in scorecard_indicators(data.dims):
            checks: list[tuple[int, F | float, str]] = []
            if ind.target:
                values = member.variable(names.index(ind.target))
                checks = [(y, values[:, years.index(y)], "per run") for y in national_years]
            elif ind.goal and ind.goal in goals:
                year, value = goals[ind.goal]
                checks = [(year, value, f"{value:g}")]
            if not checks:
                continue
            got = member.variable(names.index(ind.variable))
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

    def write_store(
        self, con: Any, progress: Callable[[int, int, str], None] | None = None
    ) -> None:
        """Add the ensemble's tables to an open DuckDB connection.

        See :func:`evhub.ensemble.store.write_store`.
        """
        write_store(self, con, progress)

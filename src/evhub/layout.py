"""The results folder: its files, the store's tables, the manifest, and how a run is swapped in.

This module owns the schema of a results folder; every writer
(:meth:`evhub.results.Results.write`, ``evhub sensitivity``, the report) and
every reader (:func:`evhub.report.read.read_results`) uses it. A results folder
``OUT`` (``evhub run --out OUT``) looks like this::

    OUT/
      runs/<run-id>/           one complete run: iamc.csv, scorecard.csv,
                               evhub.duckdb, dimensions.yaml, with an ensemble
                               iamc_quantiles.csv and targets.csv, manifest.json,
                               and the report.html that `evhub report` adds
      current -> runs/<run-id>
      iamc.csv -> current/iamc.csv    one link per file of the current run
      ...
      sensitivity/             the CSVs of `evhub sensitivity --out OUT`
      .evhub.lock              only while a process writes into OUT

A run fills ``runs/.tmp-<run-id>-<pid>/``, writes its manifest there, renames
the folder to ``runs/<run-id>`` and then points ``current`` at it with one
rename of a link: a reader sees the old run or the new one, never a mix. The
links ``OUT/iamc.csv`` etc. go through ``current``, so they switch with it; a
``report.html`` of an old run cannot sit beside new data (a new run has none
until ``evhub report`` writes one into its folder). Everything temporary lives
inside ``OUT``, on the same file system as the final place, so ``OUT`` may be
on another file system or a mount point. Old runs are removed after the swap;
temporary folders of a killed process are removed by the next writer, while it
holds the lock.

A run folder's ``manifest.json`` names the run (id, evhub version, time, the
request, the dataset and the scenario files with their checksums) and lists
every file of the run with its size and SHA-256, so a run can be cited and
reproduced, and a folder whose files are not from one run is refused.

A run folder describes itself: ``dimensions.yaml`` holds the dimensions of the
run's dataset (its vehicle classes, powertrains, origins, ... with their
labels, as :mod:`evhub.dims` reads them), so a reader builds the figures of
the run's variables without the dataset (:func:`read_dims`).

Store tables are long tables: categories (powertrains, origins, vehicle
classes, ...) are values in rows, never column names, so they can change
without changing the schema.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from evhub.dataset import DEFAULT_DATASET, Dataset, load_dataset
from evhub.dims import DIMENSIONS_FILE, Dims, load_dims
from evhub.errors import InputError
from evhub.scenario import flatten, list_scenarios, load_scenario

if TYPE_CHECKING:
    import pandas as pd

    from evhub.results import Results
    from evhub.scenario import ResolvedScenario

__all__ = [
    "CRASH_ENV",
    "CRASH_STAGES",
    "CURRENT",
    "DIMENSIONS",
    "ENSEMBLE_FILES",
    "ENSEMBLE_SCORECARD",
    "ENSEMBLE_STORE_TABLES",
    "ENSEMBLE_TABLES",
    "IAMC",
    "LINKED",
    "LOCK",
    "MANIFEST",
    "QUANTILES",
    "REPORT",
    "RUNS",
    "RUN_FILES",
    "SCORECARD",
    "SENSITIVITY",
    "STORE",
    "STORE_TABLES",
    "TABLES",
    "TARGETS",
    "Column",
    "Folder",
    "Manifest",
    "Request",
    "Table",
    "check_folder",
    "check_target",
    "file_entries",
    "inspect",
    "link",
    "lock",
    "manifest_body",
    "open_run",
    "read_dims",
    "scratch_folder",
    "sensitivity_files",
    "sha256_file",
    "tree_checksum",
    "write_atomically",
    "write_dims",
    "write_run",
]

# --------------------------------------------------------------------------
# File names
# --------------------------------------------------------------------------

#: The IAMC table of the central (deterministic) runs.
IAMC = "iamc.csv"
#: Key indicators per scenario, with targets (and the ensemble's odds).
SCORECARD = "scorecard.csv"
#: The IAMC quantile table of an ensemble.
QUANTILES = "iamc_quantiles.csv"
#: The probability of meeting each target, of an ensemble.
TARGETS = "targets.csv"
#: The DuckDB store (tables :data:`STORE_TABLES` and :data:`ENSEMBLE_STORE_TABLES`).
STORE = "evhub.duckdb"
#: The HTML report that ``evhub report`` writes into the run folder.
REPORT = "report.html"
#: The manifest of one run (:class:`Manifest`).
MANIFEST = "manifest.json"
#: The dimensions of the run's dataset (:func:`write_dims`, :func:`read_dims`).
DIMENSIONS = DIMENSIONS_FILE
#: Files an ensemble adds to a run.
ENSEMBLE_FILES = (QUANTILES, TARGETS)
#: Files a run writes (the ensemble's only with an ensemble), besides its manifest.
RUN_FILES = (IAMC, SCORECARD, QUANTILES, TARGETS, STORE, DIMENSIONS)
#: Names in the results folder that are links into the current run (when it has the file).
LINKED = (*RUN_FILES, MANIFEST, REPORT)
#: Sub-folder of the results folder that holds the run folders.
RUNS = "runs"
#: Link to the current run folder (``runs/<run-id>``).
CURRENT = "current"
#: Lock file, present while a process writes into the results folder.
LOCK = ".evhub.lock"
#: Sub-folder of the results folder for ``evhub sensitivity``.
SENSITIVITY = "sensitivity"
#: Environment variable of the crash test hook: a stage of :data:`CRASH_STAGES`.
CRASH_ENV = "EVHUB_CRASH_AT"
#: Stages of a write at which ``EVHUB_CRASH_AT=<stage>`` kills the writer (SIGKILL):
#: after the temporary folder is filled, after its manifest, after it is renamed
#: to ``runs/<run-id>`` (before the swap), after ``current`` is swapped, after the
#: links are updated (before old runs are removed); and, replacing the files of
#: an evhub without manifests, after ``current`` points at them (``adopted``).
CRASH_STAGES = ("filled", "manifest", "renamed", "swapped", "linked", "adopted")
#: Value of ``format`` in a manifest.
FORMAT = "evhub-results"
#: Version of the manifest's format.
FORMAT_VERSION = 1

_RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")
_TMP_RUN = ".tmp-"
_IGNORED = frozenset({LOCK, ".gitkeep", ".DS_Store"})
_OLD_SENSITIVITY = re.compile(r"^sensitivity-.+\.csv$")
_CHUNK = 1 << 20
_MANIFEST_LIMIT = 16 << 20  # bytes; a manifest of a run is a few kB


def sensitivity_files(stem: str) -> tuple[str, str]:
    """File names of one sensitivity analysis: the indices and the one-at-a-time table.

    >>> sensitivity_files("sensitivity-hub-stock-2030-sobol")
    ('sensitivity-hub-stock-2030-sobol.csv', 'sensitivity-hub-stock-2030-sobol-tornado.csv')
    """
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip(".-") or "sensitivity"
    return f"{safe}.csv", f"{safe}-tornado.csv"


# --------------------------------------------------------------------------
# The store's tables
# --------------------------------------------------------------------------


#: Kinds of store columns, and the DuckDB types each may have.
KINDS: dict[str, tuple[str, ...]] = {
    "text": ("VARCHAR",),
    "integer": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"),
    "number": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE"),
    "boolean": ("BOOLEAN",),
    "numbers": ("FLOAT[]", "DOUBLE[]"),
}


@dataclass(frozen=True)
class Column:
    """A column of a store table: its name, what it holds (with its unit) and its kind."""

    name: str
    doc: str
    kind: str = "text"

    def accepts(self, duckdb_type: str) -> bool:
        """Whether a DuckDB column type fits this column's kind (``FLOAT[61]`` is ``FLOAT[]``)."""
        base = re.sub(r"\[\d+\]$", "[]", duckdb_type.upper())
        base = "DOUBLE" if base.startswith("DECIMAL") else base
        return base in KINDS[self.kind]


@dataclass(frozen=True)
class Table:
    """A table of the store: its name, what a row is, and its columns in order."""

    name: str
    doc: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(c.name for c in self.columns)

    def conform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame with this table's columns first, in order (other columns after them).

        Raises
        ------
        RuntimeError
            If the frame lacks a column of the table (a bug of the writer, not an input).
        """
        missing = [c for c in self.names if c not in frame.columns]
        if missing:
            msg = f"store table {self.name!r}: the writer gave no column {missing}"
            raise RuntimeError(msg)
        rest = [c for c in frame.columns if c not in self.names]
        return frame[[*self.names, *rest]]


def _table(name: str, doc: str, *columns: tuple[str, ...]) -> Table:
    return Table(name, doc, tuple(Column(*c) for c in columns))


_SCENARIO = ("scenario", "scenario name")
_RUN = ("run", "member of the ensemble (0: the deterministic run)", "integer")
_YEAR = ("year", "year [yr]", "integer")

#: Tables of the store of every run (written by :func:`evhub.results.store.write_store`).
STORE_TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        _table(
            "runs",
            "one row per scenario of the run",
            ("run_id", "id of the run (as in manifest.json)"),
            _SCENARIO,
            ("description", "the scenario's description"),
            ("extends", "the scenario chain, root first, joined by ' > '"),
            ("dataset", "dataset name"),
            ("base_year", "last observed year [yr]", "integer"),
            ("created_utc", "time of the run (ISO 8601, UTC)"),
            ("evhub_version", "version of evhub"),
            ("runs", "runs of the scenario in table 'results' [1]", "integer"),
        ),
        _table(
            "inputs",
            "every parameter of each scenario",
            _SCENARIO,
            ("parameter", "dotted path"),
            ("value", "value, as text"),
            ("unit", "unit of the value"),
            ("source", "source ids or scenario file, ';'-separated"),
        ),
        _table(
            "sources",
            "the dataset's bibliography",
            ("id", "source id"),
            ("publisher", "publisher"),
            ("title", "title"),
            ("date", "date"),
            ("url", "address"),
        ),
        _table(
            "results",
            "every IAMC variable of every scenario, run and year",
            ("model", "model name (evhub)"),
            ("region", "IAMC region"),
            _SCENARIO,
            _RUN,
            ("variable", "IAMC variable"),
            ("unit", "unit of the value"),
            _YEAR,
            ("value", "value [unit]", "number"),
        ),
        _table(
            "projects",
            "each project's usable capacity by scenario, run and year",
            _SCENARIO,
            _RUN,
            ("project", "project id"),
            ("kind", "project kind"),
            ("unit", "unit of the capacity"),
            _YEAR,
            ("capacity", "usable capacity [unit]", "number"),
        ),
        _table(
            "pipeline",
            "the pipeline registry as each scenario sees it",
            _SCENARIO,
            ("id", "project id"),
            ("company", "company"),
            ("home_country", "home country of the company"),
            ("kind", "project kind"),
            ("site", "site"),
            ("capacity", "announced capacity [capacity_unit]", "number"),
            ("capacity_unit", "unit of the capacity"),
            ("start_year", "announced start year [yr]", "number"),
            ("capex_usd", "investment [USD]", "number"),
            ("jobs", "jobs [1]", "number"),
            ("stage", "stage of the project"),
            ("stage_date", "date of the stage"),
            ("probability", "probability that the project is realised [1]", "number"),
            ("expected_capacity", "capacity x probability [capacity_unit]", "number"),
            ("source", "source ids, ';'-separated"),
            ("note", "note"),
            ("delay", "expected delay [yr]", "number"),
            ("start", "expected start [yr]", "number"),
            ("usable", "expected usable capacity in usable_year [capacity_unit]", "number"),
            ("usable_year", "year of the column usable [yr]", "integer"),
        ),
        _table(
            "pipeline_mix",
            "the output mix of each project (one row per category of output)",
            _SCENARIO,
            ("id", "project id"),
            ("category", "category of the output (e.g. a vehicle class)"),
            ("share", "share of the output [1]", "number"),
        ),
        _table(
            "scorecard",
            "key indicators per scenario, with targets",
            ("indicator", "indicator"),
            _YEAR,
            ("unit", "unit of the value"),
            _SCENARIO,
            ("value", "value of the deterministic run [unit]", "number"),
            ("target", "target [unit]", "number"),
            ("met", "whether the target is met", "boolean"),
        ),
    )
}
#: Tables an ensemble adds (written by :func:`evhub.ensemble.store.write_store`).
ENSEMBLE_STORE_TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        _table(
            "ensemble",
            "every member's IAMC variables, one row per year (a view of ensemble_paths)",
            _SCENARIO,
            _RUN,
            ("variable", "IAMC variable"),
            _YEAR,
            ("value", "value [the variable's unit]", "number"),
        ),
        _table(
            "ensemble_paths",
            "every member's IAMC variables, one row per variable over the model years",
            _SCENARIO,
            _RUN,
            ("variable", "IAMC variable"),
            (
                "value",
                "values from the first to the last model year [the variable's unit]",
                "numbers",
            ),
        ),
        _table(
            "samples",
            "every member's sampled inputs",
            _SCENARIO,
            _RUN,
            ("parameter", "dotted path or project"),
            ("value", "sampled value [the parameter's unit]", "number"),
        ),
        _table(
            "distributions",
            "the distributions each scenario samples",
            _SCENARIO,
            ("parameter", "dotted path"),
            ("distribution", "the distribution, as text"),
            ("central", "central value (used by the deterministic run)", "number"),
            ("source", "source ids, ';'-separated"),
        ),
        _table(
            "ensemble_runs",
            "one row per scenario of the ensemble",
            _SCENARIO,
            ("samples", "members [1]", "integer"),
            ("seed", "seed of the draws", "integer"),
            ("sampler", "lhs or sobol"),
            ("chunk_size", "members run at once [1]", "integer"),
            ("inputs_sampled", "inputs sampled [1]", "integer"),
        ),
    )
}
#: Scorecard columns an ensemble adds (numbers).
ENSEMBLE_SCORECARD = ("probability", "p05", "p95")


def column(table: str, name: str) -> Column:
    """The declared column of a store table (an ensemble's scorecard columns are numbers)."""
    for tables in (STORE_TABLES, ENSEMBLE_STORE_TABLES):
        if table in tables:
            for col in tables[table].columns:
                if col.name == name:
                    return col
    if table == "scorecard" and name in ENSEMBLE_SCORECARD:
        return Column(name, "", "number")
    return Column(name, "")


#: Tables of the store the report reads, with the columns it needs.
TABLES: dict[str, tuple[str, ...]] = {
    name: STORE_TABLES[name].names
    for name in ("runs", "inputs", "sources", "pipeline", "scorecard")
}
#: Tables (and columns) of the store the report reads with an ensemble; ``ensemble_runs``
#: marks one.
ENSEMBLE_TABLES: dict[str, tuple[str, ...]] = {
    "ensemble_runs": ("scenario", "samples", "seed", "sampler", "inputs_sampled"),
    "distributions": ENSEMBLE_STORE_TABLES["distributions"].names,
}


# --------------------------------------------------------------------------
# Checksums
# --------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _hidden(parts: Sequence[str]) -> bool:
    return any(p.startswith(".") or p == "__pycache__" for p in parts)


def tree_checksum(folder: Path) -> str:
    """One SHA-256 over the files of a folder and its sub-folders.

    Over each file in sorted order of its relative path: the path, a zero
    byte and the file's own SHA-256 (hidden files and ``__pycache__`` are
    left out), so a renamed, added, removed or changed file changes it.
    """
    digest = hashlib.sha256()
    files = sorted(
        (p.relative_to(folder).as_posix(), p)
        for p in folder.rglob("*")
        if p.is_file() and not _hidden(p.relative_to(folder).parts)
    )
    for rel, path in files:
        digest.update(rel.encode("utf-8") + b"\0" + bytes.fromhex(sha256_file(path)))
    return digest.hexdigest()


def file_entries(folder: Path) -> dict[str, dict[str, Any]]:
    """``{name: {"bytes": size, "sha256": hex}}`` of the files of a run folder.

    Every file except the manifest and the report (which ``evhub report`` adds later).
    """
    return {
        p.name: {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name not in (MANIFEST, REPORT)
    }


# --------------------------------------------------------------------------
# The request of a run, and the manifest
# --------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A value as JSON would give it back (tuples as lists, dates as text, ...)."""
    return json.loads(json.dumps(value, default=str, allow_nan=True))


def _flat(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    flat = flatten(dict(overrides or {}))
    return {str(k): _plain(v) for k, v in sorted(flat.items())}


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def _shipped(path: Path) -> bool:
    root = Path(str(resources.files("evhub").joinpath("data"))).resolve()
    return path.resolve().is_relative_to(root)


@dataclass(frozen=True)
class Request:
    """What a run was asked to do: the identity of its results.

    Two runs with the same request write the same results (up to the dataset
    and scenario files, whose checksums the manifest records); writing a run
    into a folder that holds a run of another request needs ``force``.

    Attributes
    ----------
    scenarios
        Scenario names, in order.
    arguments
        The scenarios as given (names or files); empty for "every shipped scenario".
    overrides
        ``--set`` overrides by dotted path.
    samples, seed, sampler
        Of the ensemble; ``samples`` is ``None`` for a deterministic run.
    dataset, dataset_path, dataset_shipped
        Name and folder of the dataset, and whether it is the one shipped with evhub.
    """

    scenarios: tuple[str, ...]
    arguments: tuple[str, ...] = ()
    overrides: Mapping[str, Any] = field(default_factory=dict)
    samples: int | None = None
    seed: int | None = None
    sampler: str | None = None
    dataset: str = ""
    dataset_path: str = ""
    dataset_shipped: bool = True

    @classmethod
    def of(
        cls,
        scenarios: str | Path | Sequence[str | Path] | None = None,
        *,
        dataset: str | Path | Dataset | None = None,
        overrides: Mapping[str, Any] | None = None,
        samples: int | None = None,
        seed: int = 0,
        sampler: str = "lhs",
    ) -> Request:
        """The request of ``evhub.run(...)`` with these arguments, before it runs.

        Reads the dataset and the scenario files (for their names); raises
        :class:`InputError` as the run would for an unknown scenario or dataset.
        """
        data = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
        if scenarios is None:
            arguments: list[str] = []
            names = [s.name for s in list_scenarios(data)]
        else:
            given = [scenarios] if isinstance(scenarios, (str, Path)) else list(scenarios)
            arguments = [str(a) for a in given]
            names = [load_scenario(a, data).name for a in given]
        return cls._make(names, arguments, overrides, samples, seed, sampler, data)

    @classmethod
    def from_results(cls, results: Results) -> Request:
        """The request that made ``results``, as far as the results tell it.

        The scenario names, the ensemble's size, seed and sampler, the dataset
        and the overrides (the values whose source is ``overrides``).
        """
        first = results.scenarios[0] if results.scenarios else None
        overrides: dict[str, Any] = {}
        if first is not None:
            for path, origin in first.provenance.items():
                if "overrides" in str(origin).split(";"):
                    dist = first.distributions.get(path)
                    overrides[path] = dist.spec() if dist is not None else first.values.get(path)
        arguments = [_argument(s, results.dataset) for s in results.scenarios]
        ens = results.ensemble
        return cls._make(
            [s.name for s in results.scenarios],
            arguments,
            overrides,
            ens.samples if ens is not None else None,
            ens.seed if ens is not None else 0,
            ens.sampler if ens is not None else "lhs",
            results.dataset,
        )

    @classmethod
    def _make(
        cls,
        names: Sequence[str],
        arguments: Sequence[str],
        overrides: Mapping[str, Any] | None,
        samples: int | None,
        seed: int,
        sampler: str,
        data: Dataset,
    ) -> Request:
        return cls(
            scenarios=tuple(names),
            arguments=tuple(arguments),
            overrides=_flat(overrides),
            samples=samples,
            seed=seed if samples is not None else None,
            sampler=sampler if samples is not None else None,
            dataset=data.name,
            dataset_path=str(data.path),
            dataset_shipped=_shipped(data.path),
        )

    @classmethod
    def from_json(cls, request: Mapping[str, Any], dataset: Mapping[str, Any]) -> Request:
        """The request of a manifest (its ``request`` and ``dataset`` entries)."""
        samples = request.get("samples")
        return cls(
            scenarios=tuple(str(s) for s in request.get("scenarios") or ()),
            arguments=tuple(str(s) for s in request.get("arguments") or ()),
            overrides=dict(request.get("overrides") or {}),
            samples=int(samples) if samples is not None else None,
            seed=request.get("seed"),
            sampler=request.get("sampler"),
            dataset=str(dataset.get("name", "")),
            dataset_path=str(dataset.get("path", "")),
            dataset_shipped=bool(dataset.get("shipped", False)),
        )

    def key(self) -> str:
        """The identity of the request: equal keys, the same results."""
        where = f"shipped:{self.dataset}" if self.dataset_shipped else self.dataset_path
        return json.dumps(
            [
                list(self.scenarios),
                dict(self.overrides),
                self.samples,
                self.seed,
                self.sampler,
                where,
            ],
            sort_keys=True,
            default=str,
        )

    def describe(self) -> str:
        """The request in words, e.g. ``baseline, hub with 500 members (seed 1, lhs)``."""
        text = ", ".join(self.scenarios) or "no scenario"
        if self.samples is not None:
            text += f" with {self.samples:,} members (seed {self.seed}, {self.sampler})"
        else:
            text += " (deterministic)"
        if self.overrides:
            text += " and " + " ".join(f"--set {k}={_show(v)}" for k, v in self.overrides.items())
        if not self.dataset_shipped:
            text += f" on the dataset {self.dataset_path}"
        return text

    def command(self, out: str | Path | None = None) -> str:
        """The ``evhub run`` command of the request (with ``--out OUT`` if given)."""
        words = ["evhub", "run", *self.arguments]
        if not self.dataset_shipped:
            words += ["--dataset", self.dataset_path]
        for path, value in self.overrides.items():
            words += ["--set", f"{path}={_show(value)}"]
        if self.samples is not None:
            words += ["--samples", str(self.samples), "--seed", str(self.seed)]
            words += ["--sampler", str(self.sampler)]
        if out is not None:
            words += ["--out", str(out)]
        return shlex.join(words)

    def to_json(self, out: str | Path | None = None) -> dict[str, Any]:
        """The ``request`` entry of a manifest."""
        return {
            "command": self.command(out),
            "arguments": list(self.arguments),
            "scenarios": list(self.scenarios),
            "overrides": dict(self.overrides),
            "samples": self.samples,
            "seed": self.seed,
            "sampler": self.sampler,
        }


def _argument(scenario: ResolvedScenario, data: Dataset) -> str:
    """How to name a resolved scenario to load it again: its name, or its file."""
    path = _scenario_path(scenario.name, scenario, data)
    if path is None or path.parent.resolve() == (data.path / "scenarios").resolve():
        return scenario.name
    return str(path)


def _scenario_path(name: str, scenario: ResolvedScenario, data: Dataset) -> Path | None:
    """The file of the scenario ``name`` of a resolved scenario's chain, if it can be found."""
    with contextlib.suppress(InputError, OSError):
        found = load_scenario(name, data)
        if found.path is not None:
            return found.path
    origins = {o for value in scenario.provenance.values() for o in str(value).split(";")}
    for origin in sorted(origins):
        if not origin.endswith((".yaml", ".yml")):
            continue
        with contextlib.suppress(InputError, OSError):
            found = load_scenario(origin, data)
            if found.name == name and found.path is not None:
                return found.path
    return None


def _scenario_files(
    request: Request, scenarios: Sequence[ResolvedScenario], data: Dataset
) -> list[dict[str, Any]]:
    """Each scenario with its chain and the checksum of each file of the chain, root first."""
    arguments = list(request.arguments) or [s.name for s in scenarios]
    out = []
    for k, scenario in enumerate(scenarios):
        files: list[dict[str, Any]] = []
        current: str | Path | None = arguments[k] if k < len(arguments) else scenario.name
        referrer: Path | None = None
        try:
            while current is not None and len(files) <= len(scenario.chain):
                loaded = load_scenario(current, data, referrer=referrer)
                path = loaded.path
                files.append(
                    {
                        "name": loaded.name,
                        "path": str(path) if path else None,
                        "sha256": sha256_file(path) if path else None,
                    }
                )
                referrer, current = path, loaded.extends
        except (InputError, OSError):  # a file changed during the run: record what is known
            known = {f["name"] for f in files}
            for name in scenario.chain:
                if name not in known:
                    path = _scenario_path(name, scenario, data)
                    files.append(
                        {
                            "name": name,
                            "path": str(path) if path else None,
                            "sha256": sha256_file(path) if path else None,
                        }
                    )
        files.reverse()
        out.append({"name": scenario.name, "chain": list(scenario.chain), "files": files})
    return out


def evhub_version() -> str:
    """The installed version of evhub (``unknown`` in a bare source tree)."""
    try:
        return metadata.version("evhub")
    except metadata.PackageNotFoundError:  # running from a source tree
        return "unknown"


def manifest_body(
    run_id: str,
    created: dt.datetime,
    request: Request,
    results: Results,
    out: str | Path | None = None,
) -> dict[str, Any]:
    """The manifest of a run, without its ``files`` (added by :func:`write_run`)."""
    data = results.dataset
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "run_id": run_id,
        "evhub_version": evhub_version(),
        "created_utc": created.isoformat(),
        "request": request.to_json(out),
        "dataset": {
            "name": data.name,
            "path": str(data.path),
            "shipped": request.dataset_shipped,
            "sha256": tree_checksum(data.path),
        },
        "scenarios": _scenario_files(request, results.scenarios, data),
    }


@dataclass(frozen=True)
class Manifest:
    """The manifest of a run folder (``manifest.json``).

    Attributes
    ----------
    path
        The file.
    data
        Its content: ``format``, ``run_id``, ``evhub_version``,
        ``created_utc``, ``request`` (command, scenarios, overrides, samples,
        seed, sampler), ``dataset`` (name, path, sha256), ``scenarios`` (each
        with its chain of files and their sha256) and ``files`` (each file of
        the run with ``bytes`` and ``sha256``).
    """

    path: Path
    data: Mapping[str, Any]

    @property
    def run_id(self) -> str:
        """The id of the run."""
        return str(self.data["run_id"])

    @property
    def files(self) -> Mapping[str, Mapping[str, Any]]:
        """Each file of the run with its size [bytes] and SHA-256."""
        files: Mapping[str, Mapping[str, Any]] = self.data["files"]
        return files

    @property
    def request(self) -> Request:
        """The request of the run."""
        return Request.from_json(self.data.get("request") or {}, self.data.get("dataset") or {})

    @classmethod
    def read(cls, path: Path, shown: Path | None = None) -> Manifest:
        """Read and check a manifest; ``shown`` is its name in messages.

        Raises
        ------
        InputError
            If the file is missing, is not JSON or is not an evhub manifest.
        """
        shown = shown or path
        if not path.is_file():
            msg = f"{shown}: no such file"
            raise InputError(msg)
        size = path.stat().st_size
        if size > _MANIFEST_LIMIT:
            msg = f"{shown}: {size:,} bytes, too large for a manifest (at most {_MANIFEST_LIMIT:,})"
            raise InputError(msg)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            msg = f"{shown}: not a readable manifest ({_reason(exc)})"
            raise InputError(msg) from None
        problem = _manifest_problem(data)
        if problem:
            msg = f"{shown}: not an evhub manifest ({problem})"
            raise InputError(msg)
        return cls(path, data)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _manifest_problem(data: Any) -> str:
    if not isinstance(data, dict):
        return "expected a JSON object"
    if data.get("format") != FORMAT:
        return f"format = {data.get('format')!r}, expected {FORMAT!r}"
    if not isinstance(data.get("run_id"), str) or not _RUN_ID.match(data["run_id"]):
        return f"run_id = {data.get('run_id')!r} is not a run id"
    files = data.get("files")
    if not isinstance(files, dict) or not files:
        return "no 'files'"
    for name, entry in files.items():
        if name != Path(name).name or name in ("", ".", "..") or name.startswith("."):
            return f"files lists {name!r}, which is not a file name of a run folder"
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("sha256"), str)
            or not isinstance(entry.get("bytes"), int)
        ):
            return f"files[{name!r}] has no bytes and sha256"
    request, dataset = data.get("request"), data.get("dataset")
    if not isinstance(request, dict) or not isinstance(dataset, dict):
        return "'request' and 'dataset' must be objects"
    kinds: dict[str, tuple[type, ...]] = {
        "scenarios": (list,),
        "arguments": (list,),
        "overrides": (dict,),
        "samples": (int, type(None)),
        "seed": (int, type(None)),
        "sampler": (str, type(None)),
    }
    for key, types in kinds.items():
        value = request.get(key)
        if not isinstance(value, types) or isinstance(value, bool):
            return f"request.{key} = {value!r} is not of the expected type"
    if not all(isinstance(s, str) for s in [*request["scenarios"], *request["arguments"]]):
        return "request.scenarios and request.arguments must be lists of names"
    for key in ("name", "path"):
        if not isinstance(dataset.get(key), str):
            return f"dataset.{key} = {dataset.get(key)!r} is not a text"
    return ""


# --------------------------------------------------------------------------
# What a folder holds
# --------------------------------------------------------------------------

Kind = Literal["missing", "file", "empty", "results", "old", "run", "foreign"]


@dataclass(frozen=True)
class Folder:
    """What a results folder (``--out``) holds, as :func:`inspect` found it.

    Attributes
    ----------
    path
        The folder.
    kind
        ``missing``; ``file`` (not a folder); ``empty``; ``results`` (this
        layout, with or without a current run); ``old`` (the files of a run,
        with its store, directly in the folder, as evhub before the manifest
        wrote them); ``run`` (the folder of one run, ``runs/<run-id>``, with
        its manifest); ``foreign`` (something else).
    manifest
        The current run's manifest, if it has one that can be read.
    problem
        Why the current run's manifest cannot be read (``results`` only).
    names
        The entries of the folder (for messages).
    """

    path: Path
    kind: Kind
    manifest: Manifest | None = None
    problem: str = ""
    names: tuple[str, ...] = ()

    @property
    def has_run(self) -> bool:
        """Whether a run is current (or was, and its manifest cannot be read)."""
        return self.manifest is not None or bool(self.problem)


def _is_temp(name: str) -> bool:
    return name.startswith(".") and ".tmp-" in name


def _listdir(path: Path) -> list[str]:
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


def _runs_only(path: Path) -> bool:
    runs = path / RUNS
    return (
        runs.is_dir()
        and not runs.is_symlink()
        and all(_RUN_ID.match(n) or n.startswith(_TMP_RUN) for n in _listdir(runs))
    )


def _exists(path: Path) -> bool:
    try:
        return os.path.lexists(path)
    except (OSError, ValueError):
        return False


def inspect(out: str | Path) -> Folder:
    """What a folder holds: missing, a file, empty, results of evhub (which run), or else."""
    path = Path(out)
    if not _exists(path):
        return Folder(path, "missing")
    try:
        is_dir = path.is_dir()
    except (OSError, ValueError):
        is_dir = False
    if not is_dir:
        return Folder(path, "file")
    names = tuple(n for n in _listdir(path) if n not in _IGNORED and not _is_temp(n))
    current = path / CURRENT
    regular = [n for n in names if n in LINKED and not (path / n).is_symlink()]
    if current.is_symlink() or current.is_dir():
        try:
            manifest = Manifest.read(current / MANIFEST, path / MANIFEST)
        except InputError as exc:
            return Folder(path, "results", problem=str(exc), names=names)
        return Folder(path, "results", manifest, names=names)
    if MANIFEST in regular:
        with contextlib.suppress(InputError, OSError):
            Manifest.read(path / MANIFEST)
            return Folder(path, "run", names=names)
    if STORE in regular:  # every evhub before manifests wrote its store
        return Folder(path, "old", names=names)
    if RUNS in names and _runs_only(path):
        return Folder(path, "results", names=names)
    evhub = [
        n
        for n in names
        if n == SENSITIVITY
        or _OLD_SENSITIVITY.match(n)
        or (n in LINKED and (path / n).is_symlink())
    ]
    if not names:
        return Folder(path, "empty")
    if len(evhub) == len(names):
        return Folder(path, "results", names=names)
    return Folder(path, "foreign", names=names)


def _label(out: Path, option: str | None) -> str:
    return f"{option} {out}" if option else str(out)


def _listing(names: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _refuse_shape(folder: Folder, option: str | None) -> None:
    label = _label(folder.path, option)
    if folder.kind == "file":
        broken = folder.path.is_symlink() and not folder.path.exists()
        what = "a broken link" if broken else "a file"
        msg = f"{label}: is {what}, not a folder; give a folder for the results"
        raise InputError(msg)
    if folder.kind == "foreign":
        msg = (
            f"{label}: not empty and not an evhub results folder (it holds "
            f"{_listing(folder.names)}); give a new or empty folder"
        )
        raise InputError(msg)
    if folder.kind == "run":
        msg = (
            f"{label}: is the folder of one run (it holds {MANIFEST}), not a results folder; "
            f"give the results folder, or a new one"
        )
        raise InputError(msg)


def check_folder(out: str | Path, option: str | None = None) -> Folder:
    """Check that results may go into ``out`` at all (it is not a file nor someone else's).

    Raises
    ------
    InputError
        If ``out`` is a file, the folder of one run, or a non-empty folder
        that is not an evhub results folder.
    """
    _check_name(Path(out), _label(Path(out), option))
    folder = inspect(out)
    _refuse_shape(folder, option)
    return folder


def _describe_old(path: Path, names: Sequence[str]) -> str:
    """What an old-layout results folder holds, from its store (or its file names)."""
    import duckdb

    files = [n for n in names if n in LINKED]
    try:
        con = duckdb.connect(str(path / STORE), read_only=True)
    except (duckdb.Error, OSError):
        return f"the files {_listing(files, 6)}"
    try:
        scenarios = [str(r[0]) for r in con.execute("SELECT scenario FROM runs").fetchall()]
        created = con.execute("SELECT max(created_utc) FROM runs").fetchone()
        text = ", ".join(dict.fromkeys(scenarios))
        with contextlib.suppress(duckdb.Error):
            row = con.execute("SELECT samples, seed, sampler FROM ensemble_runs LIMIT 1").fetchone()
            if row is not None:
                text += f" with {int(row[0]):,} members (seed {row[1]}, {row[2]})"
        if created and created[0]:
            text += f", written {created[0]}"
        return text
    except (duckdb.Error, TypeError, ValueError):
        return f"the files {_listing(files, 6)}"
    finally:
        con.close()


def check_target(
    out: str | Path, request: Request, *, force: bool = False, option: str | None = None
) -> Folder:
    """Check that a run of ``request`` may be written into ``out``.

    The same request may replace its own earlier results; the results of
    another run (other scenarios, overrides, samples, seed, sampler or
    dataset), or of an evhub that wrote no manifest, only with ``force``.

    Raises
    ------
    InputError
        If ``out`` is a file, the folder of one run or someone else's folder
        (even with ``force``), or holds the results of another run (without
        ``force``); the message names what would be lost.
    """
    folder = check_folder(out, option)
    if force:
        return folder
    label = _label(folder.path, option)
    hint = f"give --force or another {option}" if option else "pass force=True or another folder"
    command = request.command()
    if folder.kind == "old":
        msg = (
            f"{label}: holds the results of an evhub without manifests "
            f"({_describe_old(folder.path, folder.names)}); `{command}` would replace them: {hint}"
        )
        raise InputError(msg)
    if folder.kind == "results" and folder.has_run:
        if folder.manifest is None:
            msg = (
                f"{label}: holds a run whose manifest cannot be read ({folder.problem}); "
                f"`{command}` would replace it: {hint}"
            )
            raise InputError(msg)
        other = folder.manifest.request
        if other.key() != request.key():
            msg = (
                f"{label}: holds run {folder.manifest.run_id} of {other.describe()}; "
                f"`{command}` would replace it: {hint}"
            )
            raise InputError(msg)
    return folder


# --------------------------------------------------------------------------
# The lock
# --------------------------------------------------------------------------


@dataclass
class _Held:
    count: int


_HELD: dict[str, _Held] = {}


def _check_name(path: Path, label: str) -> None:
    if "\0" in str(path):
        msg = f"{label}: cannot create the folder: its name holds a NUL byte (embedded null byte)"
        raise InputError(msg)


def _make_folder(out: Path, label: str) -> list[Path]:
    """Create ``out`` and its missing parents; return the folders created, outermost first."""
    missing: list[Path] = []
    probe = out.absolute()
    while not _exists(probe):
        missing.append(probe)
        probe = probe.parent
    try:
        is_dir = probe.is_dir()
    except (OSError, ValueError):
        is_dir = False
    if not is_dir:
        what = "is a file" if probe == out.absolute() else f"{probe} is a file, not a folder"
        msg = f"{label}: {what}; give a folder for the results"
        raise InputError(msg)
    created: list[Path] = []
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            if folder.is_dir():
                continue
            _remove_created(created)
            msg = f"{label}: {folder} is a file, not a folder; give a folder for the results"
            raise InputError(msg) from None
        except (OSError, ValueError) as exc:
            _remove_created(created)
            msg = f"{label}: cannot create the folder {folder} ({_reason(exc)})"
            raise InputError(msg) from None
        created.append(folder)
    return created


def _remove_created(created: Sequence[Path]) -> None:
    for folder in reversed(created):
        try:
            folder.rmdir()
        except OSError:
            return


def _read_pid(path: Path) -> str:
    with contextlib.suppress(OSError, UnicodeDecodeError):
        text = path.read_text(encoding="utf-8").strip()
        if text.isdigit():
            return text
    return "unknown"


def _acquire(out: Path, label: str, option: str | None) -> int:
    import fcntl  # POSIX; imported here so that evhub imports everywhere

    path = out / LOCK
    for _ in range(10):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
        except (OSError, ValueError) as exc:
            msg = f"{label}: cannot write into the folder ({_reason(exc)})"
            raise InputError(msg) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                msg = f"{label}: cannot lock the folder ({_reason(exc)})"
                raise InputError(msg) from None
            other = "another evhub process" if option else "another process"
            msg = (
                f"{label}: {other} (pid {_read_pid(path)}) is writing into this folder; "
                f"wait for it to finish or give another {option or 'folder'}"
            )
            raise InputError(msg) from None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except OSError:
            same = False
        if same:  # not a file that its holder removed just before we locked it
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            return fd
        os.close(fd)
        time.sleep(0.01)
    msg = f"{label}: cannot lock the folder (its lock file {path} keeps changing)"
    raise InputError(msg)


@contextlib.contextmanager
def lock(out: str | Path, option: str | None = None) -> Iterator[Path]:
    """Hold the lock of a results folder (creating the folder); one writer at a time.

    Another process that holds it makes this raise at once (naming its pid):
    a second run into the same folder refuses, it does not wait. The lock is
    re-entrant within a process. While it holds the lock, the first holder
    removes what killed writers left behind (temporary folders and links, run
    folders that never became current, old runs). When the lock is released,
    its file is removed, and so is the folder, if it was created here and
    nothing was written into it.

    Raises
    ------
    InputError
        If ``out`` is a file, cannot be created or written, or another
        process writes into it.
    """
    path = Path(out)
    label = _label(path, option)
    _check_name(path, label)
    key = os.path.realpath(path)
    held = _HELD.get(key)
    if held is not None:
        held.count += 1
        try:
            yield path
        finally:
            held.count -= 1
        return
    if _exists(path) and not path.is_dir():
        _refuse_shape(Folder(path, "file"), option)
    created = _make_folder(path, label)
    try:
        fd = _acquire(path, label, option)
    except BaseException:
        _remove_created(created)
        raise
    _HELD[key] = _Held(1)
    try:
        with contextlib.suppress(OSError):  # best effort: a write that follows says what fails
            _tidy(path)
        yield path
    finally:
        del _HELD[key]
        with contextlib.suppress(OSError):
            (path / LOCK).unlink()
        os.close(fd)
        _remove_empty(path, created)


def _remove_empty(path: Path, created: Sequence[Path]) -> None:
    """Remove the folders a failed write leaves empty (``runs``, ``sensitivity``, ``out``)."""
    for name in (RUNS, SENSITIVITY):
        sub = path / name
        if sub.is_dir() and not sub.is_symlink() and not _listdir(sub):
            if name == RUNS and (path / CURRENT).is_symlink():
                continue
            with contextlib.suppress(OSError):
                sub.rmdir()
    _remove_created(created)


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


def _current_id(out: Path) -> str | None:
    current = out / CURRENT
    if not current.is_symlink():
        return None
    try:
        target = Path(os.readlink(current))
    except OSError:
        return None
    return target.name if _RUN_ID.match(target.name) else None


def _tidy(out: Path) -> None:
    """Remove what killed writers left behind (call with the lock held)."""
    folder = inspect(out)
    if folder.kind not in ("results", "old"):
        return
    for name in _listdir(out):
        if _is_temp(name):  # links and folders being swapped in
            _remove(out / name)
    sensitivity = out / SENSITIVITY
    if sensitivity.is_dir() and not sensitivity.is_symlink():
        for name in _listdir(sensitivity):
            if name.startswith(_TMP_RUN):
                _remove(sensitivity / name)
    runs = out / RUNS
    current = _current_id(out)
    copied = (out / CURRENT).is_dir() and not (out / CURRENT).is_symlink()  # no links
    if runs.is_dir() and not runs.is_symlink():
        for name in _listdir(runs):
            stale = _RUN_ID.match(name) and name != current and not copied
            if name.startswith(_TMP_RUN) or stale:
                _remove(runs / name)
    if current is not None and (runs / current).is_dir():
        _relink(out, runs / current)


# --------------------------------------------------------------------------
# Writing a run
# --------------------------------------------------------------------------


def _crash_point(stage: str) -> None:
    """The crash-test hook: die here (SIGKILL) if ``EVHUB_CRASH_AT`` names this stage."""
    if os.environ.get(CRASH_ENV) == stage:
        os.kill(os.getpid(), signal.SIGKILL)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    with path.open("w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())


def _new_run_id(created: dt.datetime) -> str:
    return f"{created.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def link(out: Path, name: str) -> None:
    """Make ``out/name`` a link to ``current/name`` (atomically; no-op if it is one)."""
    target = os.path.join(CURRENT, name)
    path = out / name
    with contextlib.suppress(OSError):
        if path.is_symlink() and os.readlink(path) == target:
            return
    tmp = out / f".{name}.tmp-{os.getpid()}"
    _remove(tmp)
    os.symlink(target, tmp)
    os.replace(tmp, path)


def _point_current(out: Path, run: Path) -> None:
    """Swap ``out/current`` to ``runs/<run-id>`` with one rename."""
    current = out / CURRENT
    if current.is_dir() and not current.is_symlink():  # a copy made without links
        parked = out / RUNS / f"{_TMP_RUN}current-{os.getpid()}"
        os.replace(current, parked)
    tmp = out / f".{CURRENT}.tmp-{os.getpid()}"
    _remove(tmp)
    os.symlink(os.path.join(RUNS, run.name), tmp)
    os.replace(tmp, current)
    _fsync_dir(out)


def _relink(out: Path, run: Path) -> None:
    """Make the names in ``out`` match the current run: links for its files, nothing else.

    Files of an old layout (real files where the links go) are removed first,
    all of them, before the first link is made: a reader sees old files, or
    none, or links into the current run, never old and new together.
    """
    for name in LINKED:
        path = out / name
        if _exists(path) and not path.is_symlink():
            _remove(path)
    have = {n for n in LINKED if (run / n).is_file()}
    for name in LINKED:
        if name in have:
            link(out, name)
        elif (out / name).is_symlink():
            _remove(out / name)


def _adopt(out: Path) -> None:
    """Turn a folder of an evhub without manifests into this layout, with its files as the run.

    The files are hard-linked (or copied) into a run folder, ``current`` is
    pointed at it, and each file is replaced by its link with one rename: at
    every moment each name shows the same old content. The new run then
    replaces this one as any other.
    """
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    run_id = _new_run_id(created)
    runs = out / RUNS
    runs.mkdir(exist_ok=True)
    tmp = runs / f"{_TMP_RUN}{run_id}-{os.getpid()}"
    tmp.mkdir()
    try:
        for name in LINKED:
            source = out / name
            if source.is_file() and not source.is_symlink():
                try:
                    os.link(source, tmp / name)
                except OSError:  # no hard links on this file system
                    shutil.copy2(source, tmp / name)
        os.replace(tmp, runs / run_id)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    _point_current(out, runs / run_id)
    _crash_point("adopted")
    for name in LINKED:
        path = out / name
        if path.is_file() and not path.is_symlink():
            link(out, name)


def write_run(
    out: str | Path,
    fill: Callable[[Path, str, dt.datetime], None],
    describe: Callable[[str, dt.datetime], Mapping[str, Any]],
) -> Manifest:
    """Write one run into a results folder and swap it in (call with :func:`lock` held).

    ``fill(folder, run_id, created)`` writes the run's files into a new
    temporary folder ``runs/.tmp-<run-id>-<pid>``; ``describe(run_id,
    created)`` gives its manifest, to which the files and their checksums
    are added. The folder is renamed to ``runs/<run-id>``, ``current`` is
    swapped to it, the links follow, and the other runs are removed. If
    anything fails before the swap, the folder is as it was.

    Raises
    ------
    InputError
        If the folder cannot be written (the message names it and why).
    """
    path = Path(out)
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    run_id = _new_run_id(created)
    runs = path / RUNS
    tmp = runs / f"{_TMP_RUN}{run_id}-{os.getpid()}"
    final = runs / run_id
    swapped = False
    try:
        if inspect(path).kind == "old":  # (check_target let it through: force)
            _adopt(path)
        runs.mkdir(exist_ok=True)
        tmp.mkdir()
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)
        fill(tmp, run_id, created)
        _crash_point("filled")
        body = dict(describe(run_id, created))
        body["files"] = file_entries(tmp)
        _write_json(tmp / MANIFEST, body)
        _crash_point("manifest")
        os.replace(tmp, final)
        _fsync_dir(runs)
        _crash_point("renamed")
        _point_current(path, final)
        swapped = True
        _crash_point("swapped")
        _relink(path, final)
        _crash_point("linked")
        for name in _listdir(runs):
            if name != run_id and (_RUN_ID.match(name) or name.startswith(_TMP_RUN)):
                _remove(runs / name)
    except OSError as exc:
        state = "the new run is in place" if swapped else "nothing was changed"
        msg = f"{path}: cannot write the results ({_reason(exc)}); {state}"
        raise InputError(msg) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if not swapped and final.exists():
            shutil.rmtree(final, ignore_errors=True)
    return Manifest(final / MANIFEST, body)


def write_atomically(out: Path, writer: Callable[[Path], None]) -> Path:
    """Let ``writer`` fill a temporary folder, then move its files into ``out``.

    If ``out`` does not exist, the filled folder is renamed to ``out`` (it is
    made beside it); otherwise the temporary folder is made inside ``out``
    (on its file system, which may be another one than its parent's) and
    each file replaces its namesake with one rename. If ``writer`` fails,
    nothing in ``out`` changes (and ``out`` is not created).

    Raises
    ------
    InputError
        If ``out`` is a file or cannot be written.
    """
    out = Path(out)
    try:
        if out.exists() and not out.is_dir():
            msg = f"{out}: is a file, not a folder"
            raise InputError(msg)
        if out.is_dir():
            tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=out))
        else:
            parent = out.absolute().parent
            parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    except OSError as exc:
        msg = f"{out}: cannot write into the folder ({exc.strerror or exc})"
        raise InputError(msg) from None
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the output folder should not be
    try:
        writer(tmp)
        if not out.exists():
            os.replace(tmp, out)
            return out
        for item in sorted(tmp.iterdir()):
            target = out / item.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(item, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out


# --------------------------------------------------------------------------
# Reading a run
# --------------------------------------------------------------------------


def open_run(folder: str | Path) -> tuple[Path, Manifest]:
    """The run folder of a results folder (or a run folder itself) and its checked manifest.

    Every file the manifest lists must be there with its size and SHA-256,
    and no file of a run may be there that it does not list: the files are
    from one run. Messages name the files as ``folder/<name>``.

    Raises
    ------
    InputError
        If there is no manifest (a folder of an older evhub, or not of
        evhub), it cannot be read, or a file does not belong to its run.
    """
    shown = Path(folder)
    again = f"write the folder again with `evhub run --out {shown}`"
    current = shown / CURRENT
    run = shown
    if current.is_symlink() or current.is_dir():
        real = Path(os.path.realpath(current))
        if not real.is_dir():
            target = os.readlink(current) if current.is_symlink() else str(current)
            msg = f"{current}: points to {target}, which does not exist; {again}"
            raise InputError(msg)
        run = real
    if not (run / MANIFEST).is_file():
        msg = (
            f"{shown / MANIFEST}: no such file; the folder was not written by `evhub run` of "
            f"this version (or its run was interrupted); {again}"
        )
        raise InputError(msg)
    try:
        manifest = Manifest.read(run / MANIFEST, shown / MANIFEST)
    except InputError as exc:
        msg = f"{exc}; {again}"
        raise InputError(msg) from None
    mine = f"run {manifest.run_id} (its {MANIFEST})"
    for name, entry in manifest.files.items():
        path = run / name
        if not path.is_file():
            msg = f"{shown / name}: no such file, but {mine} lists it; {again}"
            raise InputError(msg)
        size = path.stat().st_size
        if size != entry["bytes"]:
            msg = (
                f"{shown / name}: {size:,} bytes, but {mine} says {entry['bytes']:,}; the files "
                f"are not from one run; {again}"
            )
            raise InputError(msg)
        digest = sha256_file(path)
        if digest != entry["sha256"]:
            msg = (
                f"{shown / name}: sha256 {digest[:12]}… does not match {entry['sha256'][:12]}… of "
                f"{mine}; the files are not from one run; {again}"
            )
            raise InputError(msg)
    for name in RUN_FILES:
        if name not in manifest.files and (run / name).exists():
            msg = f"{shown / name}: not a file of {mine}; the files are not from one run; {again}"
            raise InputError(msg)
    if run != shown:  # the names in the folder must be links, or copies of the run's files
        for name in (*RUN_FILES, MANIFEST):
            path = shown / name
            if path.is_symlink() or not path.is_file():
                continue
            same = (
                path.read_bytes() == (run / MANIFEST).read_bytes()
                if name == MANIFEST
                else name in manifest.files and sha256_file(path) == manifest.files[name]["sha256"]
            )
            if not same:
                msg = (
                    f"{path}: a file, not a link into {CURRENT}/, and not the file of {mine}; "
                    f"the folder mixes two runs (a copy without its links?); {again}"
                )
                raise InputError(msg)
    return run, manifest


def write_dims(dims: Dims, path: Path) -> None:
    """Write a dataset's dimensions as a ``dimensions.yaml`` that :func:`read_dims` reads back.

    Every dimension's members in order, each with its label, description
    and attributes (the format of a dataset's ``dimensions.yaml``, comments
    and sources' text left out).
    """
    raw = {
        name: {
            m.id: {"label": m.label, "description": m.description, **dict(m.attributes)}
            for m in getattr(dims, name).members
        }
        for name in Dims.NAMES
    }
    text = (
        "# The dimensions of the dataset of this run, as the run used them (written by evhub).\n"
        + yaml.safe_dump(raw, allow_unicode=True, sort_keys=False, width=100)
    )
    with path.open("w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)


def read_dims(run: Path, manifest: Manifest, shown: Path | None = None) -> Dims:
    """The dimensions of the dataset of a run (its ``dimensions.yaml``).

    A run of an evhub before run folders held their dimensions (its manifest
    lists no ``dimensions.yaml``) gets the dimensions of the dataset shipped
    with evhub (:data:`evhub.dataset.DEFAULT_DATASET`), which are those of
    its results if it ran on that dataset; a run of another dataset then
    shows other labels than its files, and a reader that looks a variable up
    by name finds none (the report says to write the folder again).

    Parameters
    ----------
    run
        The run folder (checked with :func:`open_run`).
    manifest
        Its manifest.
    shown
        The results folder, as messages name it (default: ``run``).

    Raises
    ------
    InputError
        If the file cannot be read as dimensions by this evhub (the message
        names it and says to write the folder again).
    """
    shown = shown if shown is not None else run
    if DIMENSIONS not in manifest.files:
        root = Path(str(resources.files("evhub").joinpath("data")))
        return load_dims(root / DEFAULT_DATASET / DIMENSIONS_FILE)
    try:
        return load_dims(run / DIMENSIONS)
    except InputError as exc:
        first = str(exc).splitlines()[0].replace(str(run / DIMENSIONS), str(shown / DIMENSIONS))
        msg = (
            f"{shown / DIMENSIONS}: the dimensions of run {manifest.run_id} cannot be read by "
            f"this evhub ({first}); write the folder again with `evhub run --out {shown}`"
        )
        raise InputError(msg) from None


# --------------------------------------------------------------------------
# Scratch folders
# --------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def scratch_folder(
    prefix: str, base: str | Path | None = None, stale_after: float = 86_400.0
) -> Path:
    """A new scratch folder ``<base>/<prefix><pid>-...``; first remove those of dead processes.

    Folders of the same prefix whose process is gone are left-overs of a
    killed run; those without a pid in the name (older evhub) are removed
    once they are ``stale_after`` seconds old [s].

    Parameters
    ----------
    prefix
        Start of the folder's name, e.g. ``evhub-ensemble-``.
    base
        Where to make it (default: the system's temporary folder).
    stale_after
        Age from which a folder without a pid counts as left over [s].
    """
    base = Path(base if base is not None else tempfile.gettempdir())
    own = re.compile(re.escape(prefix) + r"(\d+)-")
    now = time.time()
    for path in base.glob(f"{prefix}*"):
        match = own.match(path.name)
        try:
            if not path.is_dir() or path.is_symlink():
                continue
            if match is not None:
                stale = not _alive(int(match.group(1)))
            else:
                stale = now - path.stat().st_mtime > stale_after
        except OSError:
            continue
        if stale:
            shutil.rmtree(path, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=base))

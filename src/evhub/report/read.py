"""Read and check a results folder (written by ``evhub run --out DIR``) for the report.

The folder's schema is that of :mod:`evhub.layout`: the current run's files,
checked against its ``manifest.json`` (every file from one run), the DuckDB
store ``evhub.duckdb`` (the tables in :data:`TABLES`, and with an ensemble
those in :data:`ENSEMBLE_TABLES`, with the manifest's run id) and the IAMC
tables ``iamc.csv`` and, with an ensemble, ``iamc_quantiles.csv``, and the
dimensions of the run's dataset (``dimensions.yaml``, :func:`evhub.layout.read_dims`),
whose labels the figures' variables carry. Every
problem is raised as one :class:`evhub.errors.InputError` that names the file,
the table or column and what was expected. The store is opened read-only and
the model is not run again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from evhub import layout
from evhub.dims import Dims
from evhub.errors import InputError
from evhub.layout import ENSEMBLE_SCORECARD, ENSEMBLE_TABLES, IAMC, QUANTILES, STORE, TABLES

__all__ = ["ENSEMBLE_TABLES", "STORE", "TABLES", "ResultsFolder", "read_results"]

_IAMC_COLUMNS = ("Scenario", "Region", "Variable", "Unit")


@dataclass(frozen=True)
class ResultsFolder:
    """The tables of a results folder that the report shows.

    Attributes
    ----------
    path
        The results folder, as given.
    tables
        Store tables by name (:data:`TABLES`, and :data:`ENSEMBLE_TABLES` with
        an ensemble), rows in the order they were written.
    iamc
        ``iamc.csv``: Model, Scenario, Region, Variable, Unit and one column
        per year [the variable's unit].
    quantiles
        ``iamc_quantiles.csv`` (the same with a ``Quantile`` column [1]), or
        ``None`` without an ensemble.
    dims
        The dimensions of the run's dataset (:func:`evhub.layout.read_dims`:
        those of the shipped dataset for a run of an evhub that did not
        write them).
    run
        The folder of the run that was read (``path/runs/<run-id>``, or
        ``path`` if it is a run folder itself).
    manifest
        The run's manifest (:class:`evhub.layout.Manifest`).
    """

    path: Path
    tables: Mapping[str, pd.DataFrame]
    iamc: pd.DataFrame
    quantiles: pd.DataFrame | None
    dims: Dims
    run: Path | None = None
    manifest: layout.Manifest | None = None

    @property
    def ensemble(self) -> bool:
        """Whether the folder holds an ensemble."""
        return "ensemble_runs" in self.tables

    @property
    def scenarios(self) -> list[str]:
        """The scenarios of the run, in order."""
        return [str(s) for s in dict.fromkeys(self.tables["runs"]["scenario"])]

    @property
    def known_scenarios(self) -> list[str]:
        """The dataset's scenarios in its order, then the run's others: their colours' order.

        A scenario keeps its colour (:func:`evhub.figures.scenario_colour`)
        whichever scenarios a run holds; a run of an evhub that did not
        record its dataset's scenarios colours them in the run's order.
        """
        shipped = list(self.manifest.dataset_scenarios) if self.manifest else []
        return shipped or self.scenarios

    @property
    def store(self) -> Path:
        """Path of the store."""
        return (self.run or self.path) / STORE


def _read_table(con: Any, store: Path, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    present = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position",
        [name],
    ).fetchall()
    have = [str(c) for c, _ in present]
    types = {str(c): str(t) for c, t in present}
    if not have:
        msg = f"{store}: no table {name!r}; write the folder with `evhub run` of this version"
        raise InputError(msg)
    missing = [c for c in columns if c not in have]
    if missing:
        listed = ", ".join(repr(c) for c in missing)
        msg = (
            f"{store}: table {name!r} has no column {listed}; expected the columns "
            f"{', '.join(columns)}; write the folder with `evhub run` of this version"
        )
        raise InputError(msg)
    for col in columns:
        declared = layout.column(name, col)
        if not declared.accepts(types[col]):
            msg = (
                f"{store}: table {name!r} column {col!r} holds {types[col]}, expected "
                f"{declared.kind}; the store was changed after `evhub run` wrote it"
            )
            raise InputError(msg)
    quoted = ", ".join(f'"{c}"' for c in columns)
    frame: pd.DataFrame = con.execute(f'SELECT {quoted} FROM "{name}" ORDER BY rowid').df()
    return frame


def _tables_of(con: Any) -> set[str]:
    return {
        str(t)
        for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }


def _read_store(real: Path, store: Path) -> dict[str, pd.DataFrame]:
    """Read the store at ``real``; messages name it ``store``."""
    import duckdb

    def unreadable(exc: Exception) -> InputError:
        reason = str(exc).splitlines()[0]
        msg = (
            f"{store}: not a readable DuckDB store ({reason}); write the folder again with "
            f"`evhub run --out {store.parent}`"
        )
        return InputError(msg)

    try:
        con = duckdb.connect(str(real), read_only=True)
    except duckdb.Error as exc:
        raise unreadable(exc) from None
    try:
        ensemble = "ensemble_runs" in _tables_of(con)
        wanted = {**TABLES, **(ENSEMBLE_TABLES if ensemble else {})}
        if ensemble:
            wanted["scorecard"] = (*wanted["scorecard"], *ENSEMBLE_SCORECARD)
        tables = {name: _read_table(con, store, name, cols) for name, cols in wanted.items()}
    except duckdb.Error as exc:
        raise unreadable(exc) from None
    finally:
        con.close()
    if tables["runs"].empty:
        msg = f"{store}: table 'runs' is empty; write the folder with `evhub run` of this version"
        raise InputError(msg)
    return tables


def _read_iamc(real: Path, path: Path, extra: tuple[str, ...], why: str) -> pd.DataFrame:
    """Read the IAMC table at ``real``; messages name it ``path``."""
    if not real.is_file():
        msg = f"{path}: no such file; {why}"
        raise InputError(msg)
    try:
        frame = pd.read_csv(real)
    except (ValueError, OSError) as exc:
        msg = f"{path}: not a readable CSV table ({exc})"
        raise InputError(msg) from None
    expected = (*_IAMC_COLUMNS, *extra)
    missing = [c for c in expected if c not in frame.columns]
    years = [c for c in frame.columns if str(c).isdecimal()]
    if missing or not years:
        what = f"no column {', '.join(repr(c) for c in missing)}" if missing else "no year columns"
        msg = (
            f"{path}: {what}; expected an IAMC table with the columns {', '.join(expected)} "
            "and one column per year; write the folder with `evhub run` of this version"
        )
        raise InputError(msg)
    words = [c for c in years if not pd.api.types.is_numeric_dtype(frame[c])]
    if words:
        column = words[0]
        cell = next((v for v in frame[column] if not _is_number(v)), frame[column].iloc[0])
        msg = (
            f"{path}: column {column!r} holds {cell!r}; expected numbers (or empty cells) in "
            "every year column; write the folder with `evhub run` of this version"
        )
        raise InputError(msg)
    return frame


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def read_results(folder: str | Path) -> ResultsFolder:
    """Read the store and the IAMC tables of a results folder, checking what the report needs.

    Parameters
    ----------
    folder
        A folder written by ``evhub run --out FOLDER`` (:meth:`evhub.Results.write`),
        or one of its run folders (``FOLDER/runs/<run-id>``).

    Returns
    -------
    ResultsFolder

    Raises
    ------
    InputError
        If the folder has no manifest, a file does not match it or the
        store's run id is another run's (the files are not from one run), or
        the store, a table, a column or an IAMC file is missing, or the store
        or the dimensions cannot be read; the message names which.
    """
    path = Path(folder)
    if path.is_file():
        msg = f"{path}: is a file; give the results folder (written by `evhub run --out DIR`)"
        raise InputError(msg)
    if not path.is_dir():
        msg = f"{path}: no such results folder; write it with `evhub run --out {path}`"
        raise InputError(msg)
    run, manifest = layout.open_run(path)  # every file is from one run
    store = path / STORE
    if not (run / STORE).is_file():
        msg = f"{store}: no such file; write the folder with `evhub run --out {path}`"
        raise InputError(msg)
    tables = _read_store(run / STORE, store)
    ids = sorted({str(i) for i in tables["runs"]["run_id"]})
    if ids != [manifest.run_id]:
        msg = (
            f"{store}: table 'runs' holds run {', '.join(ids)}, but {path / layout.MANIFEST} "
            f"is of run {manifest.run_id}; the files are not from one run, write the folder "
            f"again with `evhub run --out {path}`"
        )
        raise InputError(msg)
    iamc = _read_iamc(
        run / IAMC, path / IAMC, (), f"write the folder with `evhub run --out {path}`"
    )
    quantiles = None
    if "ensemble_runs" in tables:
        quantiles = _read_iamc(
            run / QUANTILES,
            path / QUANTILES,
            ("Quantile",),
            f"the store holds an ensemble (table 'ensemble_runs'); write the folder with "
            f"`evhub run --samples N --out {path}`",
        )
    scenarios = [str(s) for s in dict.fromkeys(tables["runs"]["scenario"])]
    for name, frame in ((IAMC, iamc), (QUANTILES, quantiles)):
        if frame is None:
            continue
        missing = [s for s in scenarios if s not in set(frame["Scenario"].astype(str))]
        if missing:
            msg = (
                f"{path / name}: no rows for scenario {', '.join(repr(s) for s in missing)} of "
                f"the store's table 'runs'; the files are from different runs, write the folder "
                f"again with `evhub run --out {path}`"
            )
            raise InputError(msg)
    return ResultsFolder(
        path=path,
        tables=tables,
        iamc=iamc,
        quantiles=quantiles,
        dims=layout.read_dims(run, manifest, path),
        run=run,
        manifest=manifest,
    )

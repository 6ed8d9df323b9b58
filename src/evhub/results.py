"""Results: labelled arrays, the IAMC table, the scorecard and the DuckDB store."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from evhub import layout
from evhub.compose import project_table
from evhub.errors import InputError
from evhub.model import indicators
from evhub.variables import IAMC_VARIABLES, MODEL

if TYPE_CHECKING:
    from evhub.dataset import Dataset
    from evhub.ensemble import Ensemble
    from evhub.scenario import ResolvedScenario

__all__ = ["Results", "write_atomically", "write_store"]


@dataclass(frozen=True)
class Results:
    """The results of a run.

    Attributes
    ----------
    data
        Labelled arrays with dims ``scenario``, ``run``, ``year`` (and
        ``powertrain``, ``fuel``, ``material`` where they apply); each variable
        has ``attrs["units"]``.
    scenarios
        The resolved scenarios, in order.
    dataset
        The dataset the run used.
    ensemble
        The ensemble of each scenario (:class:`evhub.ensemble.Ensemble`), if
        one was run.
    """

    data: xr.Dataset
    scenarios: Sequence[ResolvedScenario]
    dataset: Dataset
    ensemble: Ensemble | None = None
    #: Tables computed once (the scorecard is printed, written and stored).
    _memo: dict[str, pd.DataFrame] = field(default_factory=dict, compare=False, repr=False)

    def variable(self, name: str) -> xr.DataArray:
        """One IAMC variable as an array (scenario, run, year), with its unit."""
        unit, get = IAMC_VARIABLES[name]
        arr = get(self.data)
        arr.attrs = {"units": unit, "long_name": name}
        return arr

    def to_iamc(self, run: int = 0) -> pd.DataFrame:
        """The IAMC wide table: Model, Scenario, Region, Variable, Unit, years.

        Parameters
        ----------
        run
            Which run of the ensemble (0 for a deterministic run).
        """
        years = [int(y) for y in self.data["year"].values]
        rows = []
        for name, (unit, get) in IAMC_VARIABLES.items():
            arr = get(self.data).isel(run=run).transpose("scenario", "year")
            for i, scen in enumerate(self.data["scenario"].values):
                rows.append([MODEL, str(scen), self.dataset.region, name, unit, *arr.values[i]])
        return pd.DataFrame(
            rows, columns=["Model", "Scenario", "Region", "Variable", "Unit", *years]
        )

    def to_long(self) -> pd.DataFrame:
        """Every variable, scenario, run and year in long format."""
        names = list(IAMC_VARIABLES)
        values = np.stack(
            [
                get(self.data).transpose("scenario", "run", "year").values
                for _, get in IAMC_VARIABLES.values()
            ]
        )  # (variable, scenario, run, year)
        index = pd.MultiIndex.from_product(
            [
                names,
                self.data["scenario"].values,
                self.data["run"].values,
                self.data["year"].values,
            ],
            names=["variable", "scenario", "run", "year"],
        )
        frame = pd.DataFrame({"value": values.reshape(-1)}, index=index).reset_index()
        frame["unit"] = frame["variable"].map({n: IAMC_VARIABLES[n][0] for n in names})
        return frame[["scenario", "run", "variable", "unit", "year", "value"]]

    def scorecard(self) -> pd.DataFrame:
        """Key indicators per scenario, with targets where they exist.

        Computed once per result (a copy is returned).

        Columns: indicator, year, unit, scenario, value (of the deterministic
        run), target, met; with an ensemble also ``probability``, the share of
        members that meet the target, and ``p05`` and ``p95``, the 5th and
        95th percentiles of the members.
        """
        if "scorecard" not in self._memo:
            self._memo["scorecard"] = self._scorecard()
        return self._memo["scorecard"].copy()

    def _scorecard(self) -> pd.DataFrame:
        data = self.dataset
        targets = data.rows("targets", "ghg_target").dropna(subset=["year"])
        target_years = sorted(int(y) for y in targets["year"] if y > data.base_year)
        goals = {
            s.name: {
                name: (int(g.year), float(g.value))
                for name, g in s.parameters.targets
                if g.year is not None and g.value is not None
            }
            for s in self.scenarios
        }
        card = indicators.scorecard(
            {name: self.variable(name).isel(run=0) for name in indicators.NEEDED},
            [str(s) for s in self.data["scenario"].values],
            [int(y) for y in data.meta.get("report_years") or []],
            target_years,
            goals,
        )
        if self.ensemble is not None:
            odds = self.ensemble.targets()[["scenario", "target", "year", "probability"]]
            odds = odds.rename(columns={"target": "indicator"})
            card = card.merge(odds, on=["scenario", "indicator", "year"], how="left")
            quantiles = self.ensemble.quantiles().set_index(["Scenario", "Variable", "Quantile"])
            variable = {ind.label: ind.variable for ind in indicators.INDICATORS}
            for column, level in (("p05", 0.05), ("p95", 0.95)):
                card[column] = [
                    float(quantiles.at[(scen, variable[str(label)], level), year])  # type: ignore[arg-type]
                    for scen, label, year in zip(
                        card["scenario"], card["indicator"], card["year"], strict=True
                    )
                ]
        return card

    def write(
        self,
        out: str | Path,
        progress: Callable[[int, int, str], None] | None = None,
        *,
        force: bool = False,
        request: layout.Request | None = None,
    ) -> Path:
        """Write the results into a results folder as one new run, swapped in at once.

        The run goes into ``OUT/runs/<run-id>/``: ``iamc.csv``,
        ``scorecard.csv``, ``evhub.duckdb``, with an ensemble also
        ``iamc_quantiles.csv`` and ``targets.csv`` (and the ensemble tables
        in the store), and ``manifest.json`` (:class:`evhub.layout.Manifest`).
        Then ``OUT/current`` is pointed at it with one rename, and
        ``OUT/iamc.csv`` etc. are links through ``current``. A reader sees
        the old run or the new one, never a mix; if the write fails, the
        folder is as it was. See :mod:`evhub.layout`.

        Parameters
        ----------
        out
            The results folder (created if missing).
        progress
            Called as ``progress(done, total, description)`` while the
            ensemble is written.
        force
            Replace the results of another run (or of an evhub that wrote
            no manifest); without it, only a run of the same request is
            replaced.
        request
            What was run (for the manifest and the check above); by default
            what the results tell (:meth:`evhub.layout.Request.from_results`).

        Returns
        -------
        pathlib.Path
            ``out``: ``out / "iamc.csv"`` etc. are the files of this run.

        Raises
        ------
        InputError
            If ``out`` is a file, someone else's folder, holds another run
            (without ``force``), another process writes into it, or it
            cannot be written.
        """
        path = Path(out)
        asked = request if request is not None else layout.Request.from_results(self)
        with layout.lock(path):
            layout.check_target(path, asked, force=force)
            layout.write_run(
                path,
                lambda folder, run_id, created: self._write_files(
                    folder, run_id, created, progress
                ),
                lambda run_id, created: layout.manifest_body(run_id, created, asked, self, path),
            )
        return path

    def _write_files(
        self,
        folder: Path,
        run_id: str,
        created: dt.datetime,
        progress: Callable[[int, int, str], None] | None = None,
    ) -> None:
        iamc = self.to_iamc()
        iamc.to_csv(folder / layout.IAMC, index=False, float_format="%.6g")
        self.scorecard().to_csv(folder / layout.SCORECARD, index=False, float_format="%.6g")
        if self.ensemble is not None:
            self.ensemble.write_files(folder)
        write_store(self, folder / layout.STORE, progress, run_id=run_id, created=created)


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


def _version() -> str:
    return layout.evhub_version()


def _pipeline_tables(results: Results) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``pipeline`` table and its output mix in long form (``pipeline_mix``).

    Columns ``share_<category>`` of the pipeline become rows of
    ``pipeline_mix`` (scenario, id, category, share), so the store has no
    column per category.
    """
    data = results.dataset
    when = int((data.meta.get("report_years") or [data.base_year])[0])
    pipeline = pd.concat(
        [project_table(s, data, when).assign(scenario=s.name) for s in results.scenarios],
        ignore_index=True,
    )
    pipeline["usable_year"] = when
    shares = [c for c in pipeline.columns if str(c).startswith("share_")]
    mix = (
        pipeline[["scenario", "id", *shares]]
        .melt(id_vars=["scenario", "id"], var_name="category", value_name="share")
        .dropna(subset=["share"])
    )
    mix["category"] = mix["category"].str.removeprefix("share_")
    mix = mix.sort_values(["scenario", "id", "category"], kind="stable", ignore_index=True)
    pipeline = pipeline.drop(columns=shares)
    return (
        layout.STORE_TABLES["pipeline"].conform(pipeline),
        layout.STORE_TABLES["pipeline_mix"].conform(mix),
    )


def write_store(
    results: Results,
    path: Path,
    progress: Callable[[int, int, str], None] | None = None,
    *,
    run_id: str = "",
    created: dt.datetime | None = None,
) -> None:
    """Write the runs, their inputs with sources, the sources and the results to DuckDB.

    The tables and their columns are those of :data:`evhub.layout.STORE_TABLES`:
    ``runs`` (with the run id of the manifest), ``inputs`` (every parameter
    with its unit and source), ``sources``, ``results`` (every IAMC variable
    in long format), ``projects`` (each project's usable capacity by year:
    its contribution to the capacity variables), ``pipeline`` (the registry
    as each scenario sees it: stage, probability, delay, expected start and
    capacity, sources; see :func:`evhub.api.pipeline`, with ``usable`` in the
    first report year), ``pipeline_mix`` (each project's output mix, one row
    per category) and ``scorecard`` (:meth:`Results.scorecard`). With an
    ensemble, also the tables of :meth:`evhub.ensemble.Ensemble.write_store`.

    Raises
    ------
    InputError
        If DuckDB cannot write the file (e.g. the disk is full).
    """
    import duckdb

    when = created or dt.datetime.now(dt.UTC).replace(microsecond=0)
    now = when.isoformat()
    runs = pd.DataFrame(
        [
            {
                "run_id": run_id,
                "scenario": s.name,
                "description": s.description,
                "extends": " > ".join(s.chain),
                "dataset": results.dataset.name,
                "base_year": int(results.dataset.base_year),
                "created_utc": now,
                "evhub_version": _version(),
                "runs": int(results.data.sizes["run"]),
            }
            for s in results.scenarios
        ]
    )
    inputs = pd.DataFrame(
        [
            {
                "scenario": s.name,
                "parameter": path,
                "value": _text(value),
                "unit": s.units.get(path, ""),
                "source": s.provenance.get(path, ""),
            }
            for s in results.scenarios
            for path, value in s.values.items()
        ],
        columns=list(layout.STORE_TABLES["inputs"].names),
    )
    sources = pd.DataFrame(
        [
            {
                "id": src.id,
                "publisher": src.publisher,
                "title": src.title,
                "date": src.date,
                "url": src.url,
            }
            for src in results.dataset.sources.values()
        ],
        columns=list(layout.STORE_TABLES["sources"].names),
    )
    long = results.to_long()
    long.insert(0, "region", results.dataset.region)
    long.insert(0, "model", MODEL)
    capacity = results.data["capacity"]
    projects = (
        capacity.transpose("scenario", "run", "project", "year")
        .to_dataframe(name="capacity")
        .reset_index()[
            ["scenario", "run", "project", "project_kind", "project_unit", "year", "capacity"]
        ]
        .rename(columns={"project_kind": "kind", "project_unit": "unit"})
    )
    pipeline, mix = _pipeline_tables(results)
    tables = {
        "runs": runs,
        "inputs": inputs,
        "sources": sources,
        "results": long,
        "projects": projects,
        "pipeline": pipeline,
        "pipeline_mix": mix,
        "scorecard": results.scorecard(),
    }
    ensemble = results.ensemble
    if ensemble is not None and ensemble.streamed is not None and ensemble.streamed.is_file():
        # the members' table was written while the chunks ran: the store starts from it
        shutil.move(ensemble.streamed, path)
        ensemble.streamed = None
    try:
        con = duckdb.connect(str(path))
        try:
            for name, table in layout.STORE_TABLES.items():
                frame = table.conform(tables[name])
                con.register("frame", frame)
                con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM frame')
                con.unregister("frame")
            if results.ensemble is not None:
                results.ensemble.write_store(con, progress)
        finally:
            con.close()
    except duckdb.IOException as exc:
        reason = str(exc).splitlines()[0]
        msg = f"{path}: cannot write the store ({reason})"
        raise InputError(msg) from None


def _text(value: Any) -> str:
    if isinstance(value, float) and np.isfinite(value):
        return f"{value:.10g}"
    return str(value)

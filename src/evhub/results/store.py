"""Writing a run's files: the IAMC tables, the scorecard, the store and the dimensions.

``iamc.csv``, ``scorecard.csv``, with an ensemble ``iamc_quantiles.csv`` and
``targets.csv``, the DuckDB store and ``dimensions.yaml`` (the dimensions of
the run's dataset, :func:`evhub.layout.write_dims`).

:func:`write_files` fills the folder of one run (:func:`evhub.layout.write_run`
swaps it in); :func:`write_store` writes the DuckDB store, whose tables and
columns are those declared in :data:`evhub.layout.STORE_TABLES` (and, with an
ensemble, :data:`evhub.layout.ENSEMBLE_STORE_TABLES`, written by
:func:`evhub.ensemble.store.write_store`).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evhub import layout
from evhub.compose import project_table
from evhub.errors import InputError
from evhub.variables import MODEL

if TYPE_CHECKING:
    from evhub.results.results import Results

__all__ = ["write_files", "write_store"]

#: How the CSV files write numbers: None, the shortest text that reads back as the
#: same float64 (the store and the CSV agree to the last bit).
_FLOAT_FORMAT = None


def write_files(
    results: Results,
    folder: Path,
    run_id: str,
    created: dt.datetime,
    progress: Callable[[int, int, str], None] | None = None,
) -> None:
    """Write the files of one run into ``folder`` (see :meth:`evhub.results.Results.write`).

    Parameters
    ----------
    results
        The results of the run.
    folder
        The run's (temporary) folder.
    run_id, created
        The run's id and time (for the store's ``runs`` table).
    progress
        Called as ``progress(done, total, description)`` while the ensemble is stored.
    """
    results.to_iamc().to_csv(folder / layout.IAMC, index=False, float_format=_FLOAT_FORMAT)
    card = results.scorecard()
    card.to_csv(folder / layout.SCORECARD, index=False, float_format=_FLOAT_FORMAT)
    if results.ensemble is not None:
        quantiles, targets = results.ensemble.quantiles(), results.ensemble.targets()
        quantiles.to_csv(folder / layout.QUANTILES, index=False, float_format=_FLOAT_FORMAT)
        targets.to_csv(folder / layout.TARGETS, index=False, float_format=_FLOAT_FORMAT)
    layout.write_dims(results.dataset.dims, folder / layout.DIMENSIONS)
    write_store(results, folder / layout.STORE, progress, run_id=run_id, created=created)


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
                "evhub_version": layout.evhub_version(),
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

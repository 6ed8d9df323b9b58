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
import numbers
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from evhub import layout
from evhub.compose import project_table
from evhub.errors import InputError
from evhub.provenance import citation_text, citations
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

    The tables and their columns are those of :data:`evhub.layout.STORE_TABLES`,
    each table and column with its comment (:func:`evhub.layout.comment_store`):
    ``runs`` (with the run id of the manifest), ``inputs`` (every parameter
    with its value, a number or a choice, its unit and sources), ``input_sources``
    (one row per input and source: :func:`evhub.provenance.citations`),
    ``sources`` (the bibliography), ``results`` (every IAMC variable
    in long format), ``projects`` (each project's usable capacity by year:
    its contribution to the capacity variables), ``pipeline`` (the registry
    as each scenario sees it: stage, probability, delay, expected start and
    capacity, sources; see :func:`evhub.api.pipeline`, with ``usable`` in the
    first report year), ``pipeline_sources`` (one row per project and source
    id), ``pipeline_mix`` (each project's output mix, one row
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
    inputs, input_sources = _input_tables(results)
    sources = pd.DataFrame(
        [
            {
                "id": src.id,
                "publisher": src.publisher,
                "title": src.title,
                "date": src.date,
                "url": src.url,
                "no_url_reason": src.no_url_reason,
                "note": src.note,
                "publisher_url": src.publisher_url,
                "publisher_quote": src.publisher_quote,
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
        "input_sources": input_sources,
        "sources": sources,
        "results": long,
        "projects": projects,
        "pipeline": pipeline,
        "pipeline_sources": _split_sources(pipeline, ["scenario", "id"]),
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
                table.create(con, tables[name])
            if results.ensemble is not None:
                results.ensemble.write_store(con, progress)
            years = results.dataset.years
            layout.comment_store(
                con,
                ensemble=results.ensemble is not None,
                notes={
                    "ensemble_paths": f"Its value holds the years {int(years[0])}-"
                    f"{int(years[-1])} in order, as float32; NULL where a variable has no value.",
                    "ensemble": "Its values are stored as float32.",
                },
            )
        finally:
            con.close()
    except duckdb.IOException as exc:
        reason = str(exc).splitlines()[0]
        msg = f"{path}: cannot write the store ({reason})"
        raise InputError(msg) from None


def _input_tables(results: Results) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``inputs`` of every scenario and their sources (``input_sources``).

    A value that is a number goes into ``value`` (a float), one that is not
    (a choice, e.g. a lifetime distribution) into ``choice``; an unset option
    leaves both missing. Each input's citations (:func:`evhub.provenance.citations`)
    are one row each of ``input_sources`` and, as text, its ``source``.
    """
    data = results.dataset
    rows: list[dict[str, Any]] = []
    cited: list[dict[str, Any]] = []
    for s in results.scenarios:
        for path, value in s.values.items():
            number = _number(value)
            sources = citations(s, path, data)
            rows.append(
                {
                    "scenario": s.name,
                    "parameter": path,
                    "value": number,
                    "choice": None if value is None or number is not None else _choice(value),
                    "unit": s.units.get(path, ""),
                    "source": citation_text(sources),
                }
            )
            cited += [
                {
                    "scenario": s.name,
                    "parameter": path,
                    "kind": c.kind,
                    "source": c.source,
                    "file": c.file,
                }
                for c in sources
            ]
    inputs = pd.DataFrame(rows, columns=list(layout.STORE_TABLES["inputs"].names))
    inputs["value"] = inputs["value"].astype(float)
    table = pd.DataFrame(cited, columns=list(layout.STORE_TABLES["input_sources"].names))
    return inputs, table


def _number(value: Any) -> float | None:
    """A value as a float if it is a number (not a bool), else ``None``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    return float(value)


def _choice(value: Any) -> str:
    """A value that is not a number as text (a bool as ``true`` or ``false``, as in YAML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _split_sources(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per key and source id of a frame whose ``source`` holds ``;``-separated ids."""
    ids = frame["source"].fillna("").astype(str).str.split(";")
    long = frame[keys].assign(source=ids).explode("source", ignore_index=True)
    long["source"] = long["source"].str.strip()
    long = long[long["source"].astype(bool)].drop_duplicates()
    return long.reset_index(drop=True)

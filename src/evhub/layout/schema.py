"""The schema of a run's DuckDB store: its tables, their columns and each column's kind.

Store tables are long tables: categories (powertrains, origins, vehicle
classes, ...) are values in rows, never column names, so they can change
without changing the schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ENSEMBLE_SCORECARD",
    "ENSEMBLE_STORE_TABLES",
    "ENSEMBLE_TABLES",
    "KINDS",
    "STORE_TABLES",
    "TABLES",
    "Column",
    "Table",
    "column",
]

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

"""The schema of a run's DuckDB store: its tables, their columns and each column's kind.

Store tables are long tables: categories (powertrains, origins, vehicle
classes, ...) are values in rows, never column names, so they can change
without changing the schema. Numbers are in numeric columns; lists (the
sources of an input or a project) are tables of their own, one row per
item, so they can be joined (``input_sources``, ``pipeline_sources``).

Each table and column is declared here once, with what it holds; the writers
create the tables from these declarations (:meth:`Table.create`) and store
them as the comments of the DuckDB tables and columns
(:func:`comment_store`), so ``SELECT * FROM duckdb_columns()`` documents a
store without this code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evhub.provenance import KINDS as CITATION_KINDS

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ENSEMBLE_SCORECARD",
    "ENSEMBLE_SCORECARD_COLUMNS",
    "ENSEMBLE_STORE_TABLES",
    "ENSEMBLE_TABLES",
    "KINDS",
    "STORE_TABLES",
    "TABLES",
    "Column",
    "Table",
    "column",
    "comment_store",
]

#: Kinds of store columns, and the DuckDB types each may have.
KINDS: dict[str, tuple[str, ...]] = {
    "text": ("VARCHAR",),
    "integer": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"),
    "number": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE"),
    "boolean": ("BOOLEAN",),
    "numbers": ("FLOAT[]", "DOUBLE[]"),
}
#: The DuckDB type a column of each kind is written as when pandas cannot tell
#: (a column of Python objects, e.g. text with missing values, or all missing).
_WRITTEN: dict[str, str] = {
    "text": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "numbers": "DOUBLE[]",
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

    def create(self, con: Any, frame: pd.DataFrame) -> None:
        """Create the table in a DuckDB connection from a frame with its columns.

        A column of Python objects (text, or values all missing) is cast to
        its kind's type, so a column without any value is still typed
        (``VARCHAR``, ``DOUBLE``, ...) rather than DuckDB's ``NULL``.
        """
        conformed = self.conform(frame)
        parts = []
        for name in conformed.columns:
            quoted = _quote_name(str(name))
            if conformed[name].dtype == object:
                kind = column(self.name, str(name)).kind
                parts.append(f"CAST({quoted} AS {_WRITTEN[kind]}) AS {quoted}")
            else:
                parts.append(quoted)
        con.register("_evhub_frame", conformed)
        try:
            con.execute(
                f"CREATE TABLE {_quote_name(self.name)} AS SELECT {', '.join(parts)} "
                "FROM _evhub_frame"
            )
        finally:
            con.unregister("_evhub_frame")

    def comments(self, *, view: bool = False, note: str = "") -> list[str]:
        """``COMMENT ON`` statements: the table's doc (and ``note``) and each column's doc."""
        what = "VIEW" if view else "TABLE"
        text = f"{self.doc[:1].upper()}{self.doc[1:]}." + (f" {note}" if note else "")
        out = [f"COMMENT ON {what} {_quote_name(self.name)} IS {_quote_text(text)}"]
        out += [
            f"COMMENT ON COLUMN {_quote_name(self.name)}.{_quote_name(c.name)} IS "
            f"{_quote_text(c.doc)}"
            for c in self.columns
        ]
        return out


def _quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _table(name: str, doc: str, *columns: tuple[str, ...]) -> Table:
    return Table(name, doc, tuple(Column(*c) for c in columns))


_SCENARIO = ("scenario", "scenario name")
_PARAMETER = ("parameter", "dotted path of the parameter (see docs/parameters.md)")
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
            "every parameter of each scenario, one row per scenario and parameter: its value "
            "(a number in value, a choice in choice), unit and sources (one row per source in "
            "input_sources)",
            _SCENARIO,
            _PARAMETER,
            (
                "value",
                "the value, if it is a number [unit]; NULL for a choice or an unset option",
                "number",
            ),
            (
                "choice",
                "the value, if it is not a number (e.g. a lifetime distribution); else NULL",
            ),
            ("unit", "unit of the value"),
            ("source", "the value's sources as text, ';'-separated (joinable: input_sources)"),
        ),
        _table(
            "input_sources",
            "the sources of each input, one row per scenario, parameter and source, in the order "
            "the value cites them; join inputs on (scenario, parameter) and sources on "
            "input_sources.source = sources.id where kind = 'source'",
            _SCENARIO,
            _PARAMETER,
            (
                "kind",
                "what is cited: "
                + "; ".join(f"'{kind}', {what}" for kind, what in CITATION_KINDS.items()),
            ),
            (
                "source",
                "the source id (kind 'source'), the scenario's name ('scenario'), the dataset's "
                "name ('dataset') or 'overrides'",
            ),
            (
                "file",
                "the file cited ('scenario' and 'dataset'): relative to the dataset folder for a "
                "file of the dataset (scenarios/hub.yaml), else as given, relative to the working "
                "directory, or under ~; NULL for a source id or overrides",
            ),
        ),
        _table(
            "sources",
            "the dataset's bibliography (sources.yaml), one row per source",
            ("id", "source id"),
            ("publisher", "publisher"),
            ("title", "title"),
            ("date", "date of the publication (a year, a month or a day)"),
            ("url", "web address; empty if the source has none (see no_url_reason)"),
            ("no_url_reason", "why the source has no web address; empty if it has one"),
            ("note", "what the source says that the dataset uses, and any caveat"),
            (
                "publisher_url",
                "the publisher's own release of the figures when url is an article reporting "
                "them; empty if none was found or url is that release",
            ),
            ("publisher_quote", "the sentence or figure quoted from that release"),
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
            ("source", "source ids, ';'-separated (joinable: pipeline_sources)"),
            ("note", "note"),
            ("delay", "expected delay [yr]", "number"),
            ("start", "expected start [yr]", "number"),
            ("usable", "expected usable capacity in usable_year [capacity_unit]", "number"),
            ("usable_year", "year of the column usable [yr]", "integer"),
        ),
        _table(
            "pipeline_sources",
            "the sources of each project of the pipeline, one row per scenario, project and "
            "source id; join pipeline on (scenario, id) and sources on "
            "pipeline_sources.source = sources.id",
            _SCENARIO,
            ("id", "project id"),
            ("source", "source id (an id of table sources)"),
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
            ("parameter", "dotted path, or a project's realisation, delay or start"),
            ("value", "sampled value [the parameter's unit]", "number"),
        ),
        _table(
            "distributions",
            "the distributions each scenario samples",
            _SCENARIO,
            _PARAMETER,
            ("distribution", "the distribution, as text"),
            ("central", "central value (used by the deterministic run)", "number"),
            ("source", "the input's sources as text, ';'-separated (joinable: input_sources)"),
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
#: Scorecard columns an ensemble adds (numbers), after those of ``STORE_TABLES["scorecard"]``.
ENSEMBLE_SCORECARD_COLUMNS: tuple[Column, ...] = (
    Column("probability", "share of the members that meet the target [1]", "number"),
    Column("p05", "5th percentile of the members [unit]", "number"),
    Column("p95", "95th percentile of the members [unit]", "number"),
)
ENSEMBLE_SCORECARD = tuple(c.name for c in ENSEMBLE_SCORECARD_COLUMNS)


def column(table: str, name: str) -> Column:
    """The declared column of a store table (with an ensemble's scorecard columns)."""
    for tables in (STORE_TABLES, ENSEMBLE_STORE_TABLES):
        if table in tables:
            for col in tables[table].columns:
                if col.name == name:
                    return col
    if table == "scorecard":
        for col in ENSEMBLE_SCORECARD_COLUMNS:
            if col.name == name:
                return col
    return Column(name, "")


def comment_store(con: Any, *, ensemble: bool = False, notes: dict[str, str] | None = None) -> None:
    """Write the comments of the store's tables and columns (``COMMENT ON``) from this schema.

    Parameters
    ----------
    con
        An open DuckDB connection to a store holding the tables of
        :data:`STORE_TABLES` (and, with ``ensemble``, those of
        :data:`ENSEMBLE_STORE_TABLES`, whose ``ensemble`` is a view).
    ensemble
        Whether the store holds an ensemble (its scorecard has the columns
        of :data:`ENSEMBLE_SCORECARD_COLUMNS`).
    notes
        Text added to a table's comment, by table name (e.g. the model years
        of ``ensemble_paths``).
    """
    notes = notes or {}
    statements: list[str] = []
    for name, table in STORE_TABLES.items():
        statements += table.comments(note=notes.get(name, ""))
    if ensemble:
        scorecard = STORE_TABLES["scorecard"]
        statements += Table(scorecard.name, scorecard.doc, ENSEMBLE_SCORECARD_COLUMNS).comments()[
            1:
        ]
        for name, table in ENSEMBLE_STORE_TABLES.items():
            statements += table.comments(view=name == "ensemble", note=notes.get(name, ""))
    for statement in statements:
        con.execute(statement)


#: Tables of the store the report reads, with the columns it needs.
TABLES: dict[str, tuple[str, ...]] = {
    name: STORE_TABLES[name].names
    for name in ("runs", "inputs", "input_sources", "sources", "pipeline", "scorecard")
}
#: Tables (and columns) of the store the report reads with an ensemble; ``ensemble_runs``
#: marks one.
ENSEMBLE_TABLES: dict[str, tuple[str, ...]] = {
    "ensemble_runs": ("scenario", "samples", "seed", "sampler", "inputs_sampled"),
    "distributions": ENSEMBLE_STORE_TABLES["distributions"].names,
}

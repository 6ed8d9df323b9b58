"""Read and validate a dataset folder.

A dataset is a folder of small CSV tables, a ``dataset.yaml`` (name, region,
model years), an ``assumptions.csv`` (scenario-parameter defaults by dotted
path, each with a range and a source) and a ``sources.yaml`` bibliography.
The tables and their variables are declared in the package's ``schema.yaml``:
key columns, unit, plausible range and the allowed keys. Loading checks all of
it and reports every problem with the file, the row, the column and the value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from evhub.errors import InputError

__all__ = [
    "DEFAULT_DATASET",
    "Dataset",
    "Source",
    "load_dataset",
    "schema",
    "validate_dataset",
]

#: The dataset shipped with evhub.
DEFAULT_DATASET = "turkiye"

_ASSUMPTION_COLUMNS = ["parameter", "value", "unit", "status", "low", "high", "source", "note"]
_MAX_PROBLEMS = 25


@dataclass(frozen=True)
class Source:
    """One bibliography entry of ``sources.yaml``."""

    id: str
    publisher: str
    title: str
    date: str
    url: str
    note: str = ""


@dataclass(frozen=True)
class Dataset:
    """A validated dataset: tables in long format, assumptions and sources.

    Attributes
    ----------
    path
        Folder the dataset was read from.
    name, region
        Name of the dataset and the region it describes (``region`` is used as
        the IAMC region).
    first_year, base_year, last_year
        Model years: history runs from ``first_year`` to ``base_year`` (the last
        observed year), the projection to ``last_year``.
    tables
        One long-format DataFrame per table, with the key columns, ``year``
        (float, NaN for time-invariant rows), ``value`` (float) and the
        provenance columns.
    assumptions
        Scenario-parameter defaults: ``parameter`` (dotted path), ``value``,
        ``unit``, ``low``, ``high``, ``source``.
    sources
        The bibliography by id.
    """

    path: Path
    name: str
    region: str
    first_year: int
    base_year: int
    last_year: int
    tables: Mapping[str, pd.DataFrame]
    assumptions: pd.DataFrame
    sources: Mapping[str, Source]
    meta: Mapping[str, Any] = field(default_factory=dict)
    #: Arrays derived from the dataset, kept for reuse by later runs (not data).
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def years(self) -> np.ndarray:
        """Model years, ``first_year`` to ``last_year`` inclusive [yr]."""
        return np.arange(self.first_year, self.last_year + 1)

    @cached_property
    def _by_variable(self) -> dict[str, dict[str, pd.DataFrame]]:
        """Each table's rows grouped by variable (computed once; rows() is called often)."""
        return {
            name: {str(v): g for v, g in frame.groupby("variable", sort=False)}
            for name, frame in self.tables.items()
            if "variable" in frame.columns
        }

    def rows(self, table: str, variable: str, **keys: str) -> pd.DataFrame:
        """Rows of one variable, optionally filtered by key columns."""
        frame = self._by_variable.get(table, {}).get(variable)
        if frame is None:
            return self.tables[table].iloc[0:0]
        if keys:
            mask = np.ones(len(frame), dtype=bool)
            for column, value in keys.items():
                mask &= (frame[column] == value).to_numpy()
            frame = frame[mask]
        return frame

    def series(self, table: str, variable: str, **keys: str) -> pd.Series:
        """Yearly values of one variable as a Series indexed by year.

        Raises
        ------
        InputError
            If the dataset has no such rows, or has two rows for one year.
        """
        rows = self.rows(table, variable, **keys).dropna(subset=["year"])
        if rows.empty:
            msg = f"{self.path / (table + '.csv')}: no rows for variable {variable!r} {_fmt(keys)}"
            raise InputError(msg)
        years = rows["year"].astype(int)
        if years.duplicated().any():
            dup = sorted(set(years[years.duplicated()]))
            msg = (
                f"{self.path / (table + '.csv')}: variable {variable!r} {_fmt(keys)} "
                f"has more than one row for year(s) {dup}"
            )
            raise InputError(msg)
        return pd.Series(rows["value"].to_numpy(float), index=years.to_numpy(), name=variable)

    def value(self, table: str, variable: str, **keys: str) -> float:
        """The single (latest, for a yearly series) value of a variable."""
        rows = self.rows(table, variable, **keys)
        if rows.empty:
            msg = f"{self.path / (table + '.csv')}: no rows for variable {variable!r} {_fmt(keys)}"
            raise InputError(msg)
        if rows["year"].notna().any():
            rows = rows.sort_values("year")
        return float(rows["value"].iloc[-1])

    def source_ids(self, table: str, variable: str, **keys: str) -> list[str]:
        """Source ids behind the rows of a variable."""
        ids: list[str] = []
        for cell in self.rows(table, variable, **keys)["source"]:
            for sid in str(cell).split(";"):
                if sid and sid not in ids:
                    ids.append(sid)
        return ids


def _fmt(keys: Mapping[str, str]) -> str:
    return " ".join(f"{k}={v!r}" for k, v in keys.items())


@cache
def schema() -> dict[str, Any]:
    """The dataset schema shipped with evhub (``evhub/data/schema.yaml``)."""
    text = resources.files("evhub").joinpath("data/schema.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def _dataset_dir(path: str | Path | None) -> Path:
    if path is None:
        return Path(str(resources.files("evhub").joinpath(f"data/{DEFAULT_DATASET}")))
    folder = Path(path)
    if not folder.is_dir():
        msg = f"{folder}: dataset folder not found"
        raise InputError(msg)
    return folder


def _read_yaml(path: Path) -> Any:
    if not path.is_file():
        msg = f"{path}: file not found"
        raise InputError(msg)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        msg = f"{path}: malformed YAML{where}: {problem}"
        raise InputError(msg) from None


def _read_sources(path: Path, problems: list[str]) -> dict[str, Source]:
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        msg = f"{path}: expected a mapping of source id -> entry, got {type(raw).__name__}"
        raise InputError(msg)
    sources: dict[str, Source] = {}
    for sid, entry in raw.items():
        if not isinstance(entry, dict):
            problems.append(f"{path}: source {sid!r}: expected a mapping, got {entry!r}")
            continue
        missing = [k for k in ("publisher", "title", "date", "url") if k not in entry]
        if missing:
            problems.append(f"{path}: source {sid!r}: missing field(s) {missing}")
            continue
        unknown = sorted(set(entry) - {"publisher", "title", "date", "url", "note"})
        if unknown:
            problems.append(f"{path}: source {sid!r}: unknown field(s) {unknown}")
        sources[str(sid)] = Source(
            id=str(sid),
            publisher=str(entry["publisher"]),
            title=str(entry["title"]),
            date=str(entry["date"]),
            url=str(entry["url"] or ""),
            note=str(entry.get("note") or ""),
        )
    return sources


def read_csv_strict(path: Path, expected: list[str]) -> pd.DataFrame:
    """Read a CSV as text with exactly the ``expected`` columns, or raise :class:`InputError`."""
    if not path.is_file():
        msg = f"{path}: file not found"
        raise InputError(msg)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        msg = f"{path}: cannot be read as CSV: {str(exc).splitlines()[0]}"
        raise InputError(msg) from None
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        msg = f"{path}: missing column(s) {missing}; expected columns {expected}"
        raise InputError(msg)
    extra = [c for c in frame.columns if c not in expected]
    if extra:
        msg = f"{path}: unknown column(s) {extra}; expected columns {expected}"
        raise InputError(msg)
    return frame[expected]


def _to_float(text: str) -> float:
    return float(text) if text.strip() != "" else math.nan


def _check_provenance(
    path: Path,
    line: int,
    row: Mapping[Any, Any],
    sources: Mapping[str, Source],
    statuses: Iterable[str],
    problems: list[str],
) -> None:
    """Check status, range and source ids of one row (line = CSV line number)."""
    where = f"{path}: row {line}"
    if row["status"] not in statuses:
        problems.append(
            f"{where}: column 'status' = {row['status']!r} is not one of {sorted(statuses)}"
        )
    ids = [s for s in row["source"].split(";") if s]
    if not ids:
        problems.append(f"{where}: column 'source' is empty; every row names its source id")
    for sid in ids:
        if sid not in sources:
            problems.append(f"{where}: column 'source' = {sid!r} is not an id in sources.yaml")
    try:
        value = float(row["value"])
        low, high = _to_float(row["low"]), _to_float(row["high"])
    except ValueError:
        return  # reported by the caller
    if row["status"] == "assumption":
        if math.isnan(low) or math.isnan(high):
            name = row.get("parameter") or row.get("variable")
            problems.append(
                f"{where}: {name!r} has status 'assumption' but no range; "
                "columns 'low' and 'high' must both be given"
            )
        elif not low <= value <= high:
            problems.append(
                f"{where}: column 'value' = {value:g} is outside its range "
                f"low={low:g} high={high:g}"
            )


def _validate_table(
    path: Path,
    frame: pd.DataFrame,
    spec: Mapping[str, Any],
    sources: Mapping[str, Source],
    problems: list[str],
) -> pd.DataFrame:
    sch = schema()
    keys: list[str] = list(spec["keys"])
    for i, row in enumerate(frame.to_dict("records")):
        line = i + 2  # header is line 1
        where = f"{path}: row {line}"
        var = row["variable"]
        vspec = spec["variables"].get(var)
        if vspec is None:
            problems.append(
                f"{where}: column 'variable' = {var!r} is not one of {sorted(spec['variables'])}"
            )
            continue
        for col, allowed in (vspec.get("keys") or {}).items():
            if row[col] not in allowed:
                problems.append(f"{where}: column {col!r} = {row[col]!r} is not one of {allowed}")
        if row["unit"] != vspec["unit"]:
            problems.append(
                f"{where}: column 'unit' = {row['unit']!r} for {var!r}; expected {vspec['unit']!r}"
            )
        if row["year"].strip():
            try:
                year = float(row["year"])
                if year != int(year):
                    raise ValueError
            except ValueError:
                problems.append(f"{where}: column 'year' = {row['year']!r} is not a whole year")
        try:
            value = float(row["value"])
        except ValueError:
            problems.append(f"{where}: column 'value' = {row['value']!r} is not a number")
            continue
        if not math.isfinite(value):
            problems.append(f"{where}: column 'value' = {row['value']!r} is not finite")
        elif not vspec["min"] <= value <= vspec["max"]:
            problems.append(
                f"{where}: column 'value' = {value:g} for {var!r} is outside the plausible "
                f"range [{vspec['min']:g}, {vspec['max']:g}] {vspec['unit']}"
            )
        for col in ("low", "high"):
            try:
                _to_float(row[col])
            except ValueError:
                problems.append(f"{where}: column {col!r} = {row[col]!r} is not a number")
        _check_provenance(path, line, row, sources, sch["statuses"], problems)
    out = frame.copy()
    for col in ("year", "value", "low", "high"):
        out[col] = pd.to_numeric(out[col].replace("", np.nan), errors="coerce")
    for col in keys:
        out[col] = out[col].astype(str)
    return out


def _check_shares(path: Path, frame: pd.DataFrame, problems: list[str]) -> None:
    """Shares by powertrain must sum to 100 % in every year they are given."""
    shares = frame[frame["variable"] == "sales_share"]
    for year, group in shares.groupby("year"):
        total = group["value"].sum()
        # rounding of published shares to 0.1 % over six groups
        if abs(total - 100.0) > 0.5:
            problems.append(
                f"{path}: sales_share in year {int(float(str(year)))} sums to "
                f"{total:.2f} %, expected 100"
            )


def _read_assumptions(
    path: Path, sources: Mapping[str, Source], problems: list[str]
) -> pd.DataFrame:
    frame = read_csv_strict(path, _ASSUMPTION_COLUMNS)
    statuses = schema()["statuses"]
    for i, row in enumerate(frame.to_dict("records")):
        line = i + 2
        try:
            float(row["value"])
        except ValueError:
            problems.append(
                f"{path}: row {line}: column 'value' = {row['value']!r} is not a number"
            )
            continue
        _check_provenance(path, line, row, sources, statuses, problems)
    dup = frame["parameter"][frame["parameter"].duplicated()]
    if not dup.empty:
        problems.append(f"{path}: parameter {dup.iloc[0]!r} is given twice")
    out = frame.copy()
    for col in ("value", "low", "high"):
        out[col] = pd.to_numeric(out[col].replace("", np.nan), errors="coerce")
    return out


def raise_problems(where: Path, problems: list[str], what: str = " in the dataset") -> None:
    """Raise one :class:`InputError` listing every problem (the first few, then a count)."""
    if not problems:
        return
    shown = problems[:_MAX_PROBLEMS]
    more = len(problems) - len(shown)
    tail = f"\n... and {more} more" if more else ""
    head = f"{where}: {len(problems)} problem(s){what}:\n" if len(problems) > 1 else ""
    msg = head + "\n".join(shown) + tail
    raise InputError(msg)


_META_KEYS = (
    "name",
    "region",
    "first_year",
    "base_year",
    "last_year",
    "scenarios",
    "report_years",
    "defaults",
)


def _read_meta(folder: Path) -> dict[str, Any]:
    path = folder / "dataset.yaml"
    meta = _read_yaml(path)
    if not isinstance(meta, dict):
        msg = f"{path}: expected a mapping, got {type(meta).__name__}"
        raise InputError(msg)
    unknown = [str(k) for k in meta if k not in _META_KEYS]
    if unknown:
        msg = f"{path}: unknown key(s) {unknown}; expected keys {list(_META_KEYS)}"
        raise InputError(msg)
    for key, kind in (
        ("name", str),
        ("region", str),
        ("first_year", int),
        ("base_year", int),
        ("last_year", int),
    ):
        if key not in meta:
            msg = f"{path}: missing field {key!r}"
            raise InputError(msg)
        if not isinstance(meta[key], kind) or isinstance(meta[key], bool):
            msg = f"{path}: field {key!r} = {meta[key]!r} is not of type {kind.__name__}"
            raise InputError(msg)
    first, base, last = meta["first_year"], meta["base_year"], meta["last_year"]
    if not first < last:
        msg = f"{path}: field 'last_year' = {last} is not after first_year = {first}"
        raise InputError(msg)
    if not first < base < last:
        msg = (
            f"{path}: field 'base_year' = {base} is not between first_year = {first} "
            f"and last_year = {last}"
        )
        raise InputError(msg)
    scenarios = meta.get("scenarios")
    if scenarios is not None and not (
        isinstance(scenarios, list) and all(isinstance(s, str) for s in scenarios)
    ):
        msg = f"{path}: field 'scenarios' = {scenarios!r} is not a list of scenario names"
        raise InputError(msg)
    report = meta.get("report_years")
    if report is not None and not (
        isinstance(report, list)
        and all(
            isinstance(y, int)
            and not isinstance(y, bool)
            and meta["base_year"] < y <= meta["last_year"]
            for y in report
        )
    ):
        msg = (
            f"{path}: field 'report_years' = {report!r} is not a list of years after the base "
            f"year {meta['base_year']} and up to {meta['last_year']}"
        )
        raise InputError(msg)
    defaults = meta.get("defaults")
    if defaults is not None and not isinstance(defaults, dict):
        msg = f"{path}: field 'defaults' = {defaults!r} is not a mapping of parameter -> value"
        raise InputError(msg)
    return meta


def load_dataset(path: str | Path | None = None) -> Dataset:
    """Read and validate a dataset folder.

    Parameters
    ----------
    path
        The dataset folder; ``None`` for the shipped Türkiye dataset.

    Returns
    -------
    Dataset

    Raises
    ------
    InputError
        Listing every problem found, each naming the file, row, column and value.
    """
    folder = _dataset_dir(path)
    return _load(folder.resolve())


@cache
def _load(folder: Path) -> Dataset:
    meta = _read_meta(folder)
    problems: list[str] = []
    sources = _read_sources(folder / "sources.yaml", problems)
    sch = schema()
    tables: dict[str, pd.DataFrame] = {}
    for name, spec in sch["tables"].items():
        path = folder / f"{name}.csv"
        columns = sch["columns_before_keys"] + list(spec["keys"]) + sch["columns_after_keys"]
        frame = read_csv_strict(path, columns)
        tables[name] = _validate_table(path, frame, spec, sources, problems)
    _check_shares(folder / "sales.csv", tables["sales"], problems)
    assumptions = _read_assumptions(folder / "assumptions.csv", sources, problems)
    _check_coverage(folder, tables, meta["base_year"], problems)
    raise_problems(folder, problems)
    return Dataset(
        path=folder,
        name=meta["name"],
        region=meta["region"],
        first_year=meta["first_year"],
        base_year=meta["base_year"],
        last_year=meta["last_year"],
        tables=tables,
        assumptions=assumptions,
        sources=sources,
        meta=meta,
    )


#: (table, variable, keys) of the series that must reach the base year.
_COVERAGE: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("stock", "stock", {"powertrain": ""}),
    ("sales", "sales", {"powertrain": ""}),
    ("socioeconomic", "population", {}),
    ("socioeconomic", "gdp_per_capita", {}),
    ("grid", "grid_intensity", {}),
    ("grid", "renewable_share", {}),
    ("industry", "production", {"producer": ""}),
    ("industry", "exports", {"producer": ""}),
)


def _check_coverage(
    folder: Path, tables: Mapping[str, pd.DataFrame], base_year: int, problems: list[str]
) -> None:
    """The series the model starts from must reach the base year of ``dataset.yaml``."""
    for table, variable, keys in _COVERAGE:
        frame = tables[table]
        mask = frame["variable"] == variable
        for column, value in keys.items():
            mask &= frame[column] == value
        if base_year not in set(frame.loc[mask, "year"].dropna().astype(int)):
            problems.append(
                f"{folder / (table + '.csv')}: variable {variable!r} has no row for the base "
                f"year {base_year} (dataset.yaml)"
            )


def validate_dataset(path: str | Path | None = None) -> Dataset:
    """Read a dataset folder afresh (not from the cache) and validate it.

    The checks are :func:`load_dataset`'s, including the coverage needed by the
    model: car stock, sales, population, GDP per capita and the grid up to the
    base year. (:func:`evhub.api.validate` also checks every scenario
    parameter's default.)

    Raises
    ------
    InputError
        With every problem found.
    """
    folder = _dataset_dir(path).resolve()
    _load.cache_clear()
    return _load(folder)

"""Read and validate a dataset folder.

A dataset is a folder of small CSV tables, a ``dataset.yaml`` (name, region,
model years), an ``assumptions.csv`` (scenario-parameter defaults by dotted
path, each with a range and a source) and a ``sources.yaml`` bibliography.
The tables and their variables are declared in the package's ``schema.yaml``:
key columns, unit, plausible range and the allowed keys, the validity bounds
of the years (with their reasons), the shares that sum to 100 % and what the
model needs (``needs``: the series and years it starts from). Loading checks
all of it and reports every problem with the file, the row, the column and the
value: text that is not UTF-8, an empty or oversized file, a row with too few
cells, a number that is not finite or a year that is not whole, a duplicated
row, a value outside its own ``low``-``high`` range, a missing year of a
series the model uses year by year. What only building the model's inputs can
find is checked by :func:`evhub.run.check`, which a run and
:func:`evhub.api.validate` both call.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from evhub import units
from evhub.dims import DIMENSIONS_FILE, Dims, load_dims, select_keys
from evhub.errors import InputError
from evhub.inputs import read_text, read_yaml
from evhub.readable import exact

__all__ = [
    "ASSUMPTION_COLUMNS",
    "DEFAULT_DATASET",
    "KEY_FORMATS",
    "META_KEYS",
    "NEED_YEARS",
    "REQUIRED_META_KEYS",
    "SOURCE_EITHER",
    "SOURCE_FIELDS",
    "SOURCE_REQUIRED",
    "SOURCE_URL_SCHEMES",
    "Dataset",
    "Source",
    "check_brackets",
    "key_amount",
    "key_date",
    "key_size",
    "load_dataset",
    "schema",
    "validate_dataset",
]

#: The folder under ``evhub/data/`` of the dataset evhub runs when given none,
#: named by ``data/default_dataset.txt`` (data, like the dataset itself).
DEFAULT_DATASET = (
    resources.files("evhub")
    .joinpath("data/default_dataset.txt")
    .read_text(encoding="utf-8")
    .strip()
)

#: The columns of ``assumptions.csv``, in order.
ASSUMPTION_COLUMNS = ["parameter", "value", "unit", "status", "low", "high", "source", "note"]
_MAX_PROBLEMS = 25


@dataclass(frozen=True)
class Source:
    """One bibliography entry of ``sources.yaml``.

    Attributes
    ----------
    id
        The id the tables cite.
    publisher, title, date
        Who published it, its title, and when (a year, a month or a day).
    url
        Where to read it: a web address, or empty when ``no_url_reason`` says why.
    note
        What it says that the dataset uses, and any caveat.
    no_url_reason
        Why ``url`` is empty (e.g. a figure recalled, not re-read); empty when there is a URL.
    publisher_url, publisher_quote
        The publisher's own release of the figures (statistics bulletin, press
        release or data portal page) when ``url`` is an article that reports them,
        and the sentence or figure quoted from that release; both or neither.
    """

    id: str
    publisher: str
    title: str
    date: str
    url: str
    note: str = ""
    no_url_reason: str = ""
    publisher_url: str = ""
    publisher_quote: str = ""


#: The fields every ``sources.yaml`` entry gives (``url`` or ``no_url_reason`` besides).
_SOURCE_REQUIRED = ("publisher", "title", "date")
#: The fields a ``sources.yaml`` entry may give: those of :class:`Source` but ``id``.
_SOURCE_FIELDS = tuple(f.name for f in fields(Source) if f.name != "id")
#: How a web address starts (``url`` and ``publisher_url``).
_WEB_SCHEMES = ("http://", "https://")

#: The fields of a ``sources.yaml`` entry, in order, and those it must have (the
#: report, the store and ``docs/dataset.md`` read these).
SOURCE_FIELDS = _SOURCE_FIELDS
SOURCE_REQUIRED = _SOURCE_REQUIRED
#: The fields of which a source has exactly one with a value.
SOURCE_EITHER = ("url", "no_url_reason")
#: How a source's ``url`` starts.
SOURCE_URL_SCHEMES = _WEB_SCHEMES


#: The key column of the tables that hold each vehicle class's own rows.
CLASS_KEY = "class"


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
    dims
        The categories the model indexes by (``dimensions.yaml``).
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
    dims: Dims
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

    def of_class(self, vehicle_class: str) -> Dataset:
        """The dataset as one vehicle class sees it (kept for reuse).

        The tables keyed by ``class`` hold only that class's rows and the rows
        of every class together (``class`` empty); the other tables are whole.

        Raises
        ------
        InputError
            If ``vehicle_class`` is not one of the dataset's classes.
        """
        key = ("of_class", vehicle_class)
        view = self.memo.get(key)
        if view is None:
            if vehicle_class not in self.dims.classes.ids:
                msg = (
                    f"{self.path / DIMENSIONS_FILE}: no vehicle class {vehicle_class!r}; "
                    f"classes: {', '.join(self.dims.classes.ids)}"
                )
                raise InputError(msg)
            tables = {
                name: frame[frame[CLASS_KEY].isin([vehicle_class, ""])]
                if CLASS_KEY in frame.columns
                else frame
                for name, frame in self.tables.items()
            }
            view = replace(self, tables=tables, memo={})
            self.memo[key] = view
        return view

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


def _read_sources(path: Path, problems: list[str]) -> dict[str, Source]:
    raw = read_yaml(path)
    if raw is None:
        msg = f"{path}: the file is empty; expected a mapping of source id -> entry"
        raise InputError(msg)
    if not isinstance(raw, dict):
        msg = f"{path}: expected a mapping of source id -> entry, got {type(raw).__name__}"
        raise InputError(msg)
    sources: dict[str, Source] = {}
    for sid, entry in raw.items():
        if not isinstance(entry, dict):
            problems.append(f"{path}: source {sid!r}: expected a mapping, got {_show(entry)}")
            continue
        missing = [k for k in _SOURCE_REQUIRED if k not in entry]
        if missing:
            problems.append(f"{path}: source {sid!r}: missing field(s) {missing}")
            continue
        unknown = sorted(str(k) for k in set(entry) - set(_SOURCE_FIELDS))
        if unknown:
            problems.append(
                f"{path}: source {sid!r}: unknown field(s) {unknown}; "
                f"expected some of {list(_SOURCE_FIELDS)}"
            )
        for key, value in entry.items():
            if value is not None and not isinstance(value, str | int | float | datetime.date):
                problems.append(
                    f"{path}: source {sid!r}: field {key!r} = {_show(value)} is not text"
                )
        text = {k: str(entry.get(k) or "").strip() for k in _SOURCE_FIELDS}
        _check_source_links(f"{path}: source {sid!r}", text, problems)
        sources[str(sid)] = Source(id=str(sid), **text)
    return sources


def _check_source_links(where: str, text: Mapping[str, str], problems: list[str]) -> None:
    """Check a source's ``url`` (or the reason it has none) and its publisher release.

    Every source gives a web address or says why it has none; a publisher's
    release comes with the sentence or figure quoted from it (a link nobody has
    read is not added), and does not repeat ``url``.
    """
    url, reason = text["url"], text["no_url_reason"]
    release, quote = text["publisher_url"], text["publisher_quote"]
    for key, value in (("url", url), ("publisher_url", release)):
        if value and not value.lower().startswith(_WEB_SCHEMES):
            problems.append(
                f"{where}: field {key!r} = {_show(value)} is not a web address; "
                f"expected one starting with {' or '.join(_WEB_SCHEMES)}"
            )
    if not url and not reason:
        problems.append(
            f"{where}: field 'url' is empty and no 'no_url_reason' says why; "
            "give the address where the source can be read, or the reason there is none"
        )
    if url and reason:
        problems.append(
            f"{where}: field 'no_url_reason' = {_show(reason)} is given with a 'url'; "
            "keep the reason only for a source without an address"
        )
    if release and not quote:
        problems.append(
            f"{where}: field 'publisher_url' = {_show(release)} has no 'publisher_quote'; "
            "quote the sentence or figure the release gives (add only a release you have read)"
        )
    if quote and not release:
        problems.append(
            f"{where}: field 'publisher_quote' = {_show(quote)} has no 'publisher_url'; "
            "give the address of the release it quotes"
        )
    if release and release == url:
        problems.append(
            f"{where}: field 'publisher_url' = {_show(release)} repeats 'url'; "
            "leave it out when 'url' is the publisher's own release"
        )


def read_csv_strict(path: Path, expected: list[str]) -> pd.DataFrame:
    """Read a CSV as text with exactly the ``expected`` columns, or raise :class:`InputError`.

    The file is read through :func:`evhub.inputs.read_text` (UTF-8, a byte-order
    mark is fine, size capped, no NUL bytes). It must have a header and at
    least one row, and every row as many cells as the header. Every cell is
    returned as text (``""`` for an empty cell); the frame's index is the row
    number minus 2 (the header is row 1).
    """
    text = read_text(path)
    if not text.strip():
        msg = f"{path}: the file is empty; expected a header with the columns {expected}"
        raise InputError(msg)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        msg = f"{path}: cannot be read as CSV: {exc}"
        raise InputError(msg) from None
    header = [c.strip() for c in records[0]]
    twice = sorted(c for c, n in Counter(header).items() if n > 1)
    if twice:
        msg = (
            f"{path}: column(s) {twice} are given twice in the header; expected columns {expected}"
        )
        raise InputError(msg)
    missing = [c for c in expected if c not in header]
    if missing:
        msg = f"{path}: missing column(s) {missing}; expected columns {expected}"
        raise InputError(msg)
    extra = [c for c in header if c not in expected]
    if extra:
        msg = f"{path}: unknown column(s) {extra}; expected columns {expected}"
        raise InputError(msg)
    rows = records[1:]
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()  # trailing blank lines
    if not rows:
        msg = f"{path}: the file has a header but no rows"
        raise InputError(msg)
    limit = int(schema()["max_rows"])
    if len(rows) > limit:
        msg = (
            f"{path}: {len(rows):,} rows, more than the {limit:,} a dataset table may have "
            "(schema.yaml max_rows); is it the right file?"
        )
        raise InputError(msg)
    for i, row in enumerate(rows):
        if not any(cell.strip() for cell in row):
            msg = f"{path}: row {i + 2} is blank; remove it (every row is one record)"
            raise InputError(msg)
        if len(row) != len(header):
            msg = (
                f"{path}: row {i + 2}: has {len(row)} cell(s), expected {len(header)} "
                f"(the columns {header})"
            )
            raise InputError(msg)
    frame = pd.DataFrame(rows, columns=header, dtype=str)
    return frame[expected]


def _show(value: Any, limit: int = 60) -> str:
    """``repr`` of a value for a message, shortened if long."""
    try:
        text = repr(value)
    except ValueError:  # an integer with more digits than Python prints
        return f"an integer of {value.bit_length():,} bits"
    if len(text) > limit:
        return f"{text[: limit - 10]}... ({len(text):,} characters)"
    return text


def _to_float(text: str) -> float:
    """A number from a cell; NaN for an empty cell; ValueError if not a number."""
    return float(text) if text.strip() != "" else math.nan


def _whole(text: str) -> int | None:
    """A whole number from a cell (``2025`` or ``2025.0``), or ``None`` if it is not one."""
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or value != int(value):
        return None
    return int(value)


def _check_provenance(
    path: Path,
    line: int,
    row: Mapping[Any, Any],
    sources: Mapping[str, Source],
    statuses: Iterable[str],
    problems: list[str],
    plausible: Mapping[str, Any] | None = None,
) -> None:
    """Check status, source ids and the range ``low``-``high`` of one row.

    ``line`` is the row number (the header is row 1). A value must lie in its
    own stated range whatever its status; ``plausible`` (the variable's schema
    entry, if any) also bounds ``low`` and ``high``.
    """
    where = f"{path}: row {line}"
    if row["status"] not in statuses:
        problems.append(
            f"{where}: column 'status' = {_show(row['status'])} is not one of {sorted(statuses)}"
        )
    ids = [s for s in row["source"].split(";") if s]
    if not ids:
        problems.append(f"{where}: column 'source' is empty; every row names its source id")
    for sid in ids:
        if sid not in sources:
            problems.append(f"{where}: column 'source' = {_show(sid)} is not an id in sources.yaml")
    bounds: dict[str, float] = {}
    for col in ("low", "high"):
        try:
            number = _to_float(row[col])
        except ValueError:
            problems.append(f"{where}: column {col!r} = {_show(row[col])} is not a number")
            continue
        if math.isinf(number) or (math.isnan(number) and row[col].strip()):
            problems.append(f"{where}: column {col!r} = {_show(row[col])} is not finite")
            continue
        if math.isnan(number):
            continue
        bounds[col] = number
        if plausible is not None and not plausible["min"] <= number <= plausible["max"]:
            problems.append(
                f"{where}: column {col!r} = {exact(number)} for {row['variable']!r} is outside "
                f"the plausible range [{exact(plausible['min'])}, {exact(plausible['max'])}] "
                f"{plausible['unit']}"
            )
    name = row.get("parameter") or row.get("variable")
    given = [c for c in ("low", "high") if row[c].strip()]
    if row["status"] == "assumption" and len(given) < 2:
        problems.append(
            f"{where}: {name!r} has status 'assumption' but no range; "
            "columns 'low' and 'high' must both be given"
        )
        return
    if len(given) == 1:
        empty = "high" if given[0] == "low" else "low"
        problems.append(
            f"{where}: column {given[0]!r} = {_show(row[given[0]])} is given but column "
            f"{empty!r} is empty; a range gives both or neither"
        )
        return
    if len(bounds) < 2:
        return
    low, high = bounds["low"], bounds["high"]
    if low > high:
        problems.append(
            f"{where}: column 'low' = {exact(low)} is above column 'high' = {exact(high)}; "
            "a range runs from low to high"
        )
        return
    try:
        value = float(row["value"])
    except ValueError:
        return  # reported by the caller
    if math.isfinite(value) and not low <= value <= high:
        problems.append(
            f"{where}: column 'value' = {exact(value)} is outside its range "
            f"low={exact(low)} high={exact(high)}"
        )


def _validate_table(
    path: Path,
    frame: pd.DataFrame,
    spec: Mapping[str, Any],
    sources: Mapping[str, Source],
    meta: Mapping[str, Any],
    dims: Dims,
    problems: list[str],
) -> pd.DataFrame:
    sch = schema()
    allowed_keys = {
        var: {col: select_keys(dims, sel) for col, sel in variable_keys(spec, var).items()}
        for var in spec["variables"]
    }
    pairs = {var: _class_powertrain(variable_keys(spec, var)) for var in spec["variables"]}
    keys: list[str] = list(spec["keys"])
    formats: dict[str, str] = dict(spec.get("key_formats") or {})
    first_row_year = sch["years"]["rows"]
    last_year = meta["last_year"]
    seen: dict[tuple[str, ...], int] = {}
    yearly: dict[str, set[bool]] = {}
    for i, row in enumerate(frame.to_dict("records")):
        line = i + 2  # header is line 1
        where = f"{path}: row {line}"
        var = row["variable"]
        vspec = spec["variables"].get(var)
        if vspec is None:
            problems.append(
                f"{where}: column 'variable' = {_show(var)} is not one of "
                f"{sorted(spec['variables'])}"
            )
            continue
        for col, allowed in allowed_keys[var].items():
            if row[col] not in allowed:
                problems.append(
                    f"{where}: column {col!r} = {_show(row[col])} is not one of {allowed}"
                )
        for col, kind in formats.items():
            if col in allowed_keys[var] and allowed_keys[var][col] == [""]:
                continue  # checked above: the variable leaves the column empty
            _check_key_format(where, col, kind, row[col], row["year"], problems)
        pair = pairs[var]
        if pair is not None and not _sold(dims, row[pair[0]], row[pair[1]]):
            sold_in = dims.sold_in(row[pair[0]])
            problems.append(
                f"{where}: column {pair[1]!r} = {_show(row[pair[1]])} is not sold in class "
                f"{row[pair[0]]!r} (the powertrains sold in it are {list(sold_in)}: their "
                f"classes in {DIMENSIONS_FILE}); give rows only for those"
            )
        problem = _unit_problem(str(row["unit"]), str(vspec["unit"]))
        if problem:
            problems.append(f"{where}: column 'unit' = {_show(row['unit'])} for {var!r}; {problem}")
        year_text = row["year"].strip()
        year = _whole(year_text) if year_text else None
        if year_text and year is None:
            problems.append(f"{where}: column 'year' = {_show(row['year'])} is not a whole year")
        elif year is not None and year < first_row_year["min"]:
            problems.append(
                f"{where}: column 'year' = {year} is before {first_row_year['min']} "
                f"({first_row_year['reason']})"
            )
        elif year is not None and year > last_year:
            problems.append(
                f"{where}: column 'year' = {year} is after the last model year {last_year} of "
                f"dataset.yaml; the model has no such year"
            )
        elif year is not None or not year_text:
            key = (var, *(row[c] for c in keys), "" if year is None else str(year))
            if vspec.get("per_source"):
                key = (*key, str(row["source"]))  # one publication per source
            if key in seen:
                shown = "".join(f" {c}={row[c]!r}" for c in keys if row[c])
                when = f"year {year}" if year is not None else "no year"
                of = f", source {row['source']!r}" if vspec.get("per_source") else ""
                problems.append(
                    f"{where}: repeats row {seen[key]} (variable {var!r}{shown}, {when}{of}); "
                    "give each value once"
                )
            else:
                seen[key] = line
            kinds = yearly.setdefault(var, set())
            if (year is not None) not in kinds and kinds:
                problems.append(
                    f"{where}: column 'year' = {_show(row['year'])}: other rows of {var!r} "
                    f"{'give no year' if year is not None else 'give a year'}; a variable is "
                    "either yearly (every row has a year) or constant (no row has one)"
                )
            kinds.add(year is not None)
        try:
            value = float(row["value"])
        except ValueError:
            problems.append(f"{where}: column 'value' = {_show(row['value'])} is not a number")
            continue
        if not math.isfinite(value):
            problems.append(f"{where}: column 'value' = {_show(row['value'])} is not finite")
        elif not vspec["min"] <= value <= vspec["max"]:
            problems.append(
                f"{where}: column 'value' = {exact(value)} for {var!r} is outside the plausible "
                f"range [{exact(vspec['min'])}, {exact(vspec['max'])}] {vspec['unit']}"
            )
        _check_provenance(path, line, row, sources, sch["statuses"], problems, vspec)
    out = frame.copy()
    for col in ("year", "value", "low", "high"):
        out[col] = _numbers(out[col])
    out["year"] = out["year"].where(out["year"] == out["year"].round())
    for col in keys:
        out[col] = out[col].astype(str)
    return out


#: The forms a key column of ``key_formats`` in ``schema.yaml`` may take, in words.
KEY_FORMATS: dict[str, str] = {
    "date": "a date YYYY-MM-DD, or YYYY-MM or YYYY where the day or the month is not known "
    "(read as the first), in the row's year",
    "size": "empty (no bound) or a positive number and a unit of size: "
    "'cc' (engine displacement, cm3) or 'kW' (motor power), e.g. '1600cc', '160kW'",
    "amount": "empty (no bound) or a positive number, e.g. '184000'",
}
#: The units a size band may be bounded in (``size`` of ``KEY_FORMATS``).
SIZE_UNITS = ("cc", "kW")
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_SIZE = re.compile(r"(\d+(?:\.\d+)?)(" + "|".join(SIZE_UNITS) + ")")


def key_date(text: str) -> datetime.date:
    """The date of a ``date`` key cell (``2022-11-24``; ``2024-07`` and ``2018`` read as the 1st).

    Examples
    --------
    >>> key_date("2022-11-24"), key_date("2024-07"), key_date("2018")
    (datetime.date(2022, 11, 24), datetime.date(2024, 7, 1), datetime.date(2018, 1, 1))

    Raises
    ------
    ValueError
        If the cell is not such a date.
    """
    match = _DATE.fullmatch(text)
    if match is None:
        msg = f"{text!r} is not {KEY_FORMATS['date']}"
        raise ValueError(msg)
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        msg = f"{text!r} is not a date of the calendar"
        raise ValueError(msg) from None


def key_size(text: str) -> tuple[float, str]:
    """The bound and unit of a ``size`` key cell: ``('1600cc')`` -> ``(1600.0, 'cc')``.

    An empty cell is no bound: ``(inf, '')``.

    Examples
    --------
    >>> key_size("160kW"), key_size("")
    ((160.0, 'kW'), (inf, ''))

    Raises
    ------
    ValueError
        If the cell is not such a size.
    """
    if text == "":
        return math.inf, ""
    match = _SIZE.fullmatch(text)
    if match is None or float(match.group(1)) <= 0:
        msg = f"{text!r} is not {KEY_FORMATS['size']}"
        raise ValueError(msg)
    return float(match.group(1)), match.group(2)


def key_amount(text: str) -> float:
    """The bound of an ``amount`` key cell; an empty cell is no bound (``inf``).

    Examples
    --------
    >>> key_amount("184000"), key_amount("")
    (184000.0, inf)

    Raises
    ------
    ValueError
        If the cell is not such an amount.
    """
    if text == "":
        return math.inf
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number > 0) or text.strip() != text:
        msg = f"{text!r} is not {KEY_FORMATS['amount']}"
        raise ValueError(msg)
    return number


def _check_key_format(
    where: str, column: str, kind: str, text: str, year: str, problems: list[str]
) -> None:
    """One key cell has its ``key_formats`` form; a date lies in the row's ``year``."""
    parse = {"date": key_date, "size": key_size, "amount": key_amount}[kind]
    if kind == "date" and text == "":
        problems.append(f"{where}: column {column!r} is empty; expected {KEY_FORMATS['date']}")
        return
    try:
        value = parse(text)
    except ValueError as exc:
        problems.append(f"{where}: column {column!r} = {exc}")
        return
    if kind == "date" and isinstance(value, datetime.date) and _whole(year) != value.year:
        problems.append(
            f"{where}: column 'year' = {_show(year)} is not the year of column {column!r} = "
            f"{text!r}; the year of a dated row is the year its date falls in"
        )


def _check_schedules(
    path: Path,
    frame: pd.DataFrame,
    spec: Mapping[str, Any],
    dims: Dims,
    problems: list[str],
) -> None:
    """The dated schedules of a table: dates in order, complete brackets, every member covered.

    See ``key_formats``, ``brackets``, ``open`` and ``cover`` in ``schema.yaml``.
    Rows whose cells are malformed are left to the row checks.
    """
    formats: dict[str, str] = dict(spec.get("key_formats") or {})
    dated = [c for c, kind in formats.items() if kind == "date"]
    if not dated and not any("brackets" in v for v in spec["variables"].values()):
        return
    keys: list[str] = list(spec["keys"])
    records: list[tuple[int, dict[str, Any]]] = [
        (line, {str(k): v for k, v in r.items()})
        for line, r in enumerate(frame.to_dict("records"), start=2)  # the header is row 1
    ]
    for variable, vspec in spec["variables"].items():
        rows = [(line, r) for line, r in records if r["variable"] == variable]
        if not rows:
            continue
        dates: dict[int, datetime.date] = {}
        for line, row in rows:
            for col in dated:
                with contextlib.suppress(ValueError):  # a bad date: reported by the row checks
                    dates[line] = key_date(row[col])
        brackets: list[str] = list(vspec.get("brackets") or [])
        _check_date_order(path, variable, rows, keys, dated, brackets, dates, problems)
        if brackets:
            _check_brackets(path, variable, rows, keys, formats, brackets, vspec, problems)
        if vspec.get("cover") and dated:
            _check_cover(path, variable, rows, spec, dims, dates, dated[0], problems)


def _check_date_order(
    path: Path,
    variable: str,
    rows: list[tuple[int, dict[str, Any]]],
    keys: list[str],
    dated: list[str],
    brackets: list[str],
    dates: Mapping[int, datetime.date],
    problems: list[str],
) -> None:
    """Each series (a variable and its keys but dates and brackets) lists its rows in date order."""
    if not dated:
        return
    series = [k for k in keys if k not in dated and k not in brackets]
    last: dict[tuple[str, ...], tuple[datetime.date, int, str]] = {}
    for line, row in rows:
        if line not in dates:
            continue
        key = tuple(row[k] for k in series)
        date = dates[line]
        before = last.get(key)
        if before is not None and date < before[0]:
            shown = "".join(f" {c}={row[c]!r}" for c in series if row[c])
            problems.append(
                f"{path}: row {line}: {dated[0]} = {row[dated[0]]!r} comes after row "
                f"{before[1]} ({before[2]!r}) of the same series (variable {variable!r}{shown}); "
                "list each series' rows in date order"
            )
            continue
        last[key] = (date, line, row[dated[0]])


def _check_brackets(
    path: Path,
    variable: str,
    rows: list[tuple[int, dict[str, Any]]],
    keys: list[str],
    formats: Mapping[str, str],
    brackets: list[str],
    vspec: Mapping[str, Any],
    problems: list[str],
) -> None:
    """In each schedule the bounds rise row by row, in one unit, ending unbounded if ``open``."""
    schedule_keys = [k for k in keys if k not in brackets]
    schedules: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = {}
    for line, row in rows:
        schedules.setdefault(tuple(row[k] for k in schedule_keys), []).append((line, row))
    for key, members in schedules.items():
        shown = "".join(f" {c}={v!r}" for c, v in zip(schedule_keys, key, strict=True) if v)
        check_brackets(
            f"{path}: variable {variable!r}{shown}",
            members,
            brackets,
            formats,
            problems,
            is_open=bool(vspec.get("open")),
        )


def check_brackets(
    where: str,
    rows: list[tuple[int, dict[str, Any]]],
    brackets: list[str],
    formats: Mapping[str, str],
    problems: list[str],
    *,
    is_open: bool = True,
    item: str = "row",
) -> None:
    """The bounds of one schedule's brackets: rising, in one unit, ending unbounded if ``is_open``.

    Parameters
    ----------
    where : str
        Names the schedule in the messages (file, variable and keys, or a path).
    rows : list of (int, dict)
        The schedule's rows, each with its number, the outer bracket columns
        first: a band's rows listed together.
    brackets : list of str
        The bracket columns, outer first (``size_upper``, ``base_upper``).
    formats : mapping of str to str
        Each bracket column's key format (``size`` or ``amount``, ``KEY_FORMATS``).
    problems : list of str
        Where the messages go. A cell that does not parse is left to the caller.
    is_open : bool
        Whether the bands must end unbounded (an empty cell).
    item : str
        What the messages call a row.
    """
    for depth, column in enumerate(brackets):
        outer = brackets[:depth]
        groups: dict[tuple[str, ...], list[tuple[int, str]]] = {}
        for line, row in rows:
            groups.setdefault(tuple(row[c] for c in outer), []).append((line, row[column]))
        for outer_key, cells in groups.items():
            here = where + "".join(
                f" {c}={v!r}" for c, v in zip(outer, outer_key, strict=True) if v
            )
            _check_bands(here, column, formats[column], cells, is_open, item, problems)


_BOUND_PARSERS: dict[str, Any] = {"size": key_size, "amount": lambda s: (key_amount(s), "")}


def _check_bands(
    where: str,
    column: str,
    kind: str,
    cells: list[tuple[int, str]],
    is_open: bool,
    item: str,
    problems: list[str],
) -> None:
    """The bounds of one set of bands: rising (the rows of a band together), one unit, open end."""
    bands: list[tuple[int, str, float, str]] = []  # first row, cell, bound, unit
    for line, cell in cells:
        if bands and bands[-1][1] == cell:
            continue  # another row of the same band (an inner bracket)
        try:
            bound, unit = _BOUND_PARSERS[kind](cell)
        except ValueError:
            return  # reported by the row checks
        if any(b[1] == cell for b in bands):
            problems.append(
                f"{where}: {item} {line}: the band {column} = {cell!r} of {item} "
                f"{next(b[0] for b in bands if b[1] == cell)} is given again after other bands; "
                f"list a band's {item}s together"
            )
            return
        bands.append((line, cell, bound, unit))
    units_used = sorted({b[3] for b in bands if b[3]})
    if len(units_used) > 1:
        problems.append(f"{where}: the bands of {column!r} mix the units {units_used}; use one")
    for prev, band in itertools.pairwise(bands):
        if band[2] <= prev[2]:
            problems.append(
                f"{where}: {item} {band[0]}: {column} = {band[1] or 'empty (no bound)'!r} does "
                f"not rise above {prev[1] or 'empty (no bound)'!r} of {item} {prev[0]}; list the "
                "bands from the lowest bound up, the unbounded (empty) one last"
            )
            return
    if is_open and bands[-1][1] != "":
        problems.append(
            f"{where}: the last band of {column!r} ({bands[-1][1]!r}, {item} {bands[-1][0]}) has "
            "a bound; the bands must end with an unbounded one (an empty cell), so that every "
            "vehicle falls in one"
        )


def _check_cover(
    path: Path,
    variable: str,
    rows: list[tuple[int, dict[str, Any]]],
    spec: Mapping[str, Any],
    dims: Dims,
    dates: Mapping[int, datetime.date],
    date_column: str,
    problems: list[str],
) -> None:
    """Every member of the ``cover`` columns has rows on the variable's first date, by class."""
    cover: list[str] = list(spec["variables"][variable]["cover"])
    selectors = variable_keys(spec, variable)
    wanted = list(itertools.product(*(select_keys(dims, selectors[c]) for c in cover)))
    by_class: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for line, row in rows:
        if line in dates:
            by_class.setdefault(str(row.get(CLASS_KEY, "")), []).append((line, row))
    for vehicle_class, members in by_class.items():
        first = min(dates[line] for line, _ in members)
        present = {tuple(row[c] for c in cover) for line, row in members if dates[line] == first}
        missing = [combo for combo in wanted if combo not in present]
        if missing:
            shown = ", ".join(
                "/".join(f"{c}={v!r}" for c, v in zip(cover, combo, strict=True))
                for combo in missing
            )
            of = f" (class {vehicle_class!r})" if vehicle_class else ""
            problems.append(
                f"{path}: variable {variable!r}{of} has no rows on its first {date_column} "
                f"{first.isoformat()} for {shown}; every member needs a schedule from the "
                "first date on"
            )


def _class_powertrain(selectors: Mapping[str, Any]) -> tuple[str, str] | None:
    """The key columns of a vehicle class and of a powertrain among selectors, if both are."""
    by_dimension = {
        sel["dimension"]: col for col, sel in selectors.items() if isinstance(sel, Mapping)
    }
    if "classes" in by_dimension and "powertrains" in by_dimension:
        return by_dimension["classes"], by_dimension["powertrains"]
    return None


def _sold(dims: Dims, vehicle_class: str, powertrain: str) -> bool:
    """False only for a known powertrain not sold in a known class (an empty key is a total)."""
    known = vehicle_class in dims.classes and powertrain in dims.powertrains
    return not known or powertrain in dims.sold_in(vehicle_class)


def variable_keys(table: Mapping[str, Any], variable: str) -> dict[str, Any]:
    """The key selectors of one variable of a schema table.

    The table's ``key_values``, overridden by the variable's own ``keys``.
    """
    own = table["variables"][variable].get("keys") or {}
    return {**(table.get("key_values") or {}), **own}


def _check_shares(folder: Path, tables: Mapping[str, pd.DataFrame], problems: list[str]) -> None:
    """Shares declared in the schema (e.g. sales by powertrain) sum to 100 % in every year.

    Each variable sums to 100 within each value of its listed key columns (a
    vehicle class's sales shares on their own).
    """
    spec = schema()["shares"]
    tolerance = float(spec["tolerance"])
    for table, variables in spec["sum_to_100"].items():
        frame = tables[table]
        for variable, within in variables.items():
            shares = frame[frame["variable"] == variable]
            for key, group in shares.groupby([*within, "year"], dropna=False):
                *values, year = key
                total = group["value"].sum()
                if abs(total - 100.0) > tolerance:
                    when = "with no year" if pd.isna(year) else f"in year {int(float(str(year)))}"
                    shown = "".join(f" {c}={v!r}" for c, v in zip(within, values, strict=True) if v)
                    problems.append(
                        f"{folder / (table + '.csv')}: {variable}{shown} {when} sums to "
                        f"{total:.2f} %, expected 100"
                    )


def _read_assumptions(
    path: Path, sources: Mapping[str, Source], problems: list[str]
) -> pd.DataFrame:
    frame = read_csv_strict(path, ASSUMPTION_COLUMNS)
    statuses = schema()["statuses"]
    for i, row in enumerate(frame.to_dict("records")):
        line = i + 2
        if not row["parameter"].strip():
            problems.append(f"{path}: row {line}: column 'parameter' is empty")
        try:
            value = float(row["value"])
        except ValueError:
            problems.append(
                f"{path}: row {line}: column 'value' = {_show(row['value'])} is not a number"
            )
            continue
        if not math.isfinite(value):
            problems.append(
                f"{path}: row {line}: column 'value' = {_show(row['value'])} is not finite"
            )
            continue
        _check_provenance(path, line, row, sources, statuses, problems)
    dup = frame["parameter"][frame["parameter"].duplicated()]
    if not dup.empty:
        problems.append(f"{path}: parameter {dup.iloc[0]!r} is given twice")
    out = frame.copy()
    for col in ("value", "low", "high"):
        out[col] = _numbers(out[col])
    return out


def _numbers(cells: pd.Series) -> pd.Series:
    """Cells as floats: NaN where empty, not a number or not finite (each reported as a problem)."""
    numbers = pd.to_numeric(cells.replace("", np.nan), errors="coerce").astype(float)
    return numbers.where(np.isfinite(numbers))


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


#: The keys of ``dataset.yaml`` and what each holds (``docs/dataset.md`` shows them).
META_KEYS: dict[str, str] = {
    "name": "Name of the dataset",
    "region": "The region it describes (the Region of the IAMC tables)",
    "first_year": "First model year [yr]",
    "base_year": "Last observed year [yr]: history up to it, the projection after it",
    "last_year": "Last model year [yr]",
    "scenarios": "The shipped scenarios, in the order they are listed and run; each is "
    "scenarios/NAME.yaml (the folder's other files follow by name)",
    "report_years": "Years the scorecard reports",
    "calibration_start": "First year of `evhub calibrate` and the backcast (default: first_year)",
    "price_year": "Year of the US dollars the model uses and reports",
    "defaults": "Defaults of the scenario parameters whose catalogue default is `dataset.yaml`, "
    "by dotted path (the choices that are not numbers, e.g. a distribution's name)",
}
#: The keys ``dataset.yaml`` must give, with their types.
REQUIRED_META_KEYS: dict[str, type] = {
    "name": str,
    "region": str,
    "first_year": int,
    "base_year": int,
    "last_year": int,
}


def _read_meta(folder: Path) -> dict[str, Any]:
    path = folder / "dataset.yaml"
    meta = read_yaml(path)
    if meta is None:
        msg = f"{path}: the file is empty; expected a mapping with the keys {list(META_KEYS)}"
        raise InputError(msg)
    if not isinstance(meta, dict):
        msg = f"{path}: expected a mapping, got {type(meta).__name__}"
        raise InputError(msg)
    unknown = [str(k) for k in meta if k not in META_KEYS]
    if unknown:
        msg = f"{path}: unknown key(s) {unknown}; expected keys {list(META_KEYS)}"
        raise InputError(msg)
    for key, kind in REQUIRED_META_KEYS.items():
        if key not in meta:
            msg = f"{path}: missing field {key!r}"
            raise InputError(msg)
        if not isinstance(meta[key], kind) or isinstance(meta[key], bool):
            msg = f"{path}: field {key!r} = {_show(meta[key])} is not of type {kind.__name__}"
            raise InputError(msg)
        if kind is str and not meta[key].strip():
            msg = f"{path}: field {key!r} is empty"
            raise InputError(msg)
    bounds = schema()["years"]
    for key in ("first_year", "last_year"):
        low, high = bounds[key]["min"], bounds[key]["max"]
        if not low <= meta[key] <= high:
            msg = (
                f"{path}: field {key!r} = {_show(meta[key])} is outside [{low}, {high}] "
                f"({bounds[key]['reason']})"
            )
            raise InputError(msg)
    first, base, last = meta["first_year"], meta["base_year"], meta["last_year"]
    if not first < last:
        msg = f"{path}: field 'last_year' = {last} is not after first_year = {first}"
        raise InputError(msg)
    if not first < base < last:
        msg = (
            f"{path}: field 'base_year' = {_show(base)} is not between first_year = {first} "
            f"and last_year = {last}"
        )
        raise InputError(msg)
    today = datetime.datetime.now(tz=datetime.UTC).year
    if bounds["base_year"]["max"] == "today" and base > today:
        msg = (
            f"{path}: field 'base_year' = {base} is after the current year {today} "
            f"({bounds['base_year']['reason']})"
        )
        raise InputError(msg)
    scenarios = meta.get("scenarios")
    if scenarios is not None and not (
        isinstance(scenarios, list) and all(isinstance(s, str) for s in scenarios)
    ):
        msg = f"{path}: field 'scenarios' = {_show(scenarios)} is not a list of scenario names"
        raise InputError(msg)
    for name in scenarios or []:
        if not (folder / "scenarios" / f"{name}.yaml").is_file():
            msg = (
                f"{path}: field 'scenarios' names {_show(name)}, but there is no file "
                f"{folder / 'scenarios' / (name + '.yaml')}"
            )
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
            f"{path}: field 'report_years' = {_show(report)} is not a list of years after the "
            f"base year {meta['base_year']} and up to {meta['last_year']}"
        )
        raise InputError(msg)
    start = meta.get("calibration_start")
    if start is not None and not (
        isinstance(start, int)
        and not isinstance(start, bool)
        and meta["first_year"] <= start < meta["base_year"]
    ):
        msg = (
            f"{path}: field 'calibration_start' = {_show(start)} is not a year from first_year "
            f"{meta['first_year']} to before the base year {meta['base_year']}"
        )
        raise InputError(msg)
    price_year = meta.get("price_year")
    if price_year is not None and (not isinstance(price_year, int) or isinstance(price_year, bool)):
        msg = f"{path}: field 'price_year' = {_show(price_year)} is not a year"
        raise InputError(msg)
    defaults = meta.get("defaults")
    if defaults is not None and not isinstance(defaults, dict):
        msg = f"{path}: field 'defaults' = {_show(defaults)} is not a mapping of parameter -> value"
        raise InputError(msg)
    return meta


def load_dataset(path: str | Path | None = None) -> Dataset:
    """Read and validate a dataset folder.

    Parameters
    ----------
    path
        The dataset folder; ``None`` for the shipped dataset.

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
    try:
        dims = load_dims(folder / DIMENSIONS_FILE, sources)
    except InputError as exc:  # the tables' keys are checked against the dimensions
        raise_problems(folder, [*problems, *str(exc).splitlines()])
        raise
    sch = schema()
    tables: dict[str, pd.DataFrame] = {}
    for name, spec in sch["tables"].items():
        path = folder / f"{name}.csv"
        columns = sch["columns_before_keys"] + list(spec["keys"]) + sch["columns_after_keys"]
        if spec.get("optional") and not path.exists():
            frame = pd.DataFrame({c: pd.Series(dtype=str) for c in columns})
        else:
            frame = read_csv_strict(path, columns)
        tables[name] = _validate_table(path, frame, spec, sources, meta, dims, problems)
        _check_schedules(path, frame, spec, dims, problems)
    _check_shares(folder, tables, problems)
    assumptions = _read_assumptions(folder / "assumptions.csv", sources, problems)
    _check_needs(folder, tables, meta, dims, problems)
    _check_price_year(folder, tables, meta, problems)
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
        dims=dims,
        meta=meta,
    )


#: The socioeconomic variable that deflates US dollars of a year to the price year.
CPI_VARIABLE = "us_cpi"


def _check_price_year(
    folder: Path, tables: Mapping[str, pd.DataFrame], meta: Mapping[str, Any], problems: list[str]
) -> None:
    """The price year (``price_year`` in ``dataset.yaml``) has a US CPI row to convert to."""
    price_year = meta.get("price_year")
    if price_year is None:
        return
    frame = tables["socioeconomic"]
    years = {int(y) for y in frame.loc[frame["variable"] == CPI_VARIABLE, "year"].dropna()}
    if price_year not in years:
        problems.append(
            f"{folder / 'dataset.yaml'}: field 'price_year' = {price_year} has no "
            f"{CPI_VARIABLE!r} row in {folder / 'socioeconomic.csv'} (years with one: "
            f"{sorted(years) or 'none'}); money is converted to the price year with that index"
        )


#: What each kind of ``years`` of a need in ``schema.yaml`` asks for (:func:`_check_needs`).
NEED_YEARS: dict[str, str] = {
    "base": "a row for the base year",
    "to_base": "a row for the base year and for every year from the series' first row "
    "(or first_year, if later) to the base year",
    "model": "a first row at or before first_year and a last row at last_year (the years "
    "between may have gaps)",
    "after_base": "at least one row after the base year",
    "any": "at least one row with a year",
    "fixed": "at least one row (a constant; the latest row is used)",
}


def _check_needs(
    folder: Path,
    tables: Mapping[str, pd.DataFrame],
    meta: Mapping[str, Any],
    dims: Dims,
    problems: list[str],
) -> None:
    """The series the model needs (``needs`` in ``schema.yaml``) are there, for the years it needs.

    See the comment above ``needs`` in ``schema.yaml`` for what each kind of
    ``years`` asks for.
    """
    first, base, last = meta["first_year"], meta["base_year"], meta["last_year"]
    sch_tables = schema()["tables"]
    for need in schema()["needs"]:
        table, variable, kind = need["table"], need["variable"], need["years"]
        frame = tables[table]
        path = folder / f"{table}.csv"
        # the table's key_values (a class's own rows, for every class) unless the variable
        # or the need says otherwise
        spec = sch_tables[table]
        inherited = variable_keys(spec, variable)
        selectors = {
            **{col: inherited[col] for col in spec.get("key_values") or {}},
            **(need.get("keys") or {}),
        }
        keyed = {col: select_keys(dims, sel) for col, sel in selectors.items()}
        pair = _class_powertrain(selectors)
        for combo in itertools.product(*keyed.values()):
            keys = dict(zip(keyed, combo, strict=True))
            if pair is not None and not _sold(dims, keys[pair[0]], keys[pair[1]]):
                continue  # the class has no such powertrain
            mask = (frame["variable"] == variable).to_numpy().copy()
            for column, value in keys.items():
                mask &= (frame[column] == value).to_numpy()
            rows = frame[mask]
            years = sorted({int(y) for y in rows["year"].dropna()})
            shown = "".join(f" {c}={v!r}" for c, v in keys.items() if v)
            what = f"{path}: variable {variable!r}{shown}"
            why = need["why"]
            if rows.empty:
                problems.append(f"{what} has no rows; {why}")
            elif kind in ("base", "to_base") and base not in years:
                problems.append(f"{what} has no row for the base year {base} (dataset.yaml); {why}")
            elif kind == "to_base":
                start = max(years[0], first)
                missing = [y for y in range(start, base + 1) if y not in years]
                if missing:
                    problems.append(
                        f"{what} has no row for year(s) {_years(missing)}; it needs every year "
                        f"from its first row ({start}) to the base year {base}: {why}"
                    )
            elif kind == "model" and (not years or years[0] > first or years[-1] < last):
                span = f"{years[0]}-{years[-1]}" if years else "no year"
                problems.append(
                    f"{what} has rows for {span}; they must cover the model years "
                    f"{first}-{last} of dataset.yaml: {why}"
                )
            elif kind == "after_base" and not any(y > base for y in years):
                problems.append(f"{what} has no row after the base year {base}; {why}")
            elif kind == "any" and not years:
                problems.append(f"{what} has no row with a year; {why}")


def _years(years: list[int]) -> str:
    """Years as ``2011, 2014-2016`` (runs of consecutive years joined)."""
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def validate_dataset(path: str | Path | None = None) -> Dataset:
    """Read a dataset folder afresh (not from the cache) and validate it.

    The checks are :func:`load_dataset`'s, including what the model needs
    (``needs`` in ``schema.yaml``: the series and years it starts from).
    :func:`evhub.api.validate` adds everything else a run checks before it
    simulates (scenario defaults, the pipeline, the chain's inputs).

    Raises
    ------
    InputError
        With every problem found.
    """
    folder = _dataset_dir(path).resolve()
    _load.cache_clear()
    return _load(folder)


def _unit_problem(unit: str, expected: str) -> str:
    """Why a row's ``unit`` is not the schema's (``''`` if it is).

    Money is in US dollars of a year the row names: where the schema declares
    ``USD/veh``, a row says ``USD_2023/veh`` (the dollars of its source's year).
    """
    if units.is_money(expected):
        if units.money_year(unit) is None and units.without_year(unit) == expected:
            return f"money needs the year of its dollars, e.g. {_with_year(expected)!r}"
        if units.money_year(unit) is not None and units.without_year(unit) == expected:
            return ""
        return f"expected {_with_year(expected)!r} (with the year of its dollars)"
    return "" if unit == expected else f"expected {expected!r}"


def _with_year(unit: str) -> str:
    return unit.replace("USD", "USD_<year>", 1)

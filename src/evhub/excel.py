"""The Excel workbook of a results folder, for users of spreadsheet models.

``evhub export --xlsx FILE`` (or ``evhub run --xlsx FILE``) writes one
``.xlsx`` file from the files of a run (read and checked as the report reads
them, :func:`evhub.report.read.read_results`), with these sheets:

- ``README``: the run (its id, the evhub version that made it and the one
  that exported it, the dataset, the scenarios, when, the command that
  repeats it) and what each sheet holds;
- ``IAMC``: the IAMC table of ``iamc.csv``, one row per scenario and
  variable, the years as columns (as pyam and modellers' spreadsheets expect);
- ``IAMC quantiles``: the same for each quantile of an ensemble (only with one);
- ``Scorecard``: the key indicators per scenario, with targets (and, with an
  ensemble, the probability of meeting them and the 5th and 95th percentiles);
- ``Inputs``: every input of each scenario, with its unit, what it means, its
  sources and their references;
- ``Distributions``: what an ensemble samples (only with one);
- ``Pipeline``: the plants and projects as each scenario sees them;
- ``Sources``: the dataset's bibliography, with links.

Cells hold the values to 16 significant digits (openpyxl writes ``%.16g``;
Excel shows 15), in the unit of their row; a number format per unit only
rounds what is shown. Each table's header row is frozen
(the IAMC sheets also keep their first five columns in view), filtered, and
its columns are as wide as their content. The workbook is written to a
temporary file beside ``FILE`` and renamed into place: a failed export leaves
no partial file.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from evhub import layout
from evhub.errors import InputError
from evhub.parameters import describe_path
from evhub.report.formatting import is_missing
from evhub.report.read import ResultsFolder, read_results
from evhub.report.sources import Ref, input_refs

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["SHEETS", "SUFFIX", "check_path", "number_format", "write_xlsx"]

#: The file name's ending of an Excel workbook.
SUFFIX = ".xlsx"
#: The sheets in order, with what each holds (the README sheet lists them).
SHEETS: dict[str, str] = {
    "README": "This sheet: the run, and what each sheet holds.",
    "IAMC": "The IAMC table (iamc.csv): one row per scenario and variable, values in the "
    "row's Unit, one column per year. The deterministic run of each scenario.",
    "IAMC quantiles": "The same for the ensemble's quantiles (column Quantile [1]); only "
    "with an ensemble.",
    "Scorecard": "Key indicators per scenario in their report years, with targets and "
    "whether they are met (with an ensemble: the probability of meeting them [1] and the "
    "5th and 95th percentiles).",
    "Inputs": "Every input of each scenario: dotted path, value, unit, what it means, its "
    "sources and their references.",
    "Distributions": "What the ensemble samples: each scenario's distributions, their "
    "central values and sources; only with an ensemble.",
    "Pipeline": "The plants and projects as each scenario sees them: capacity, stage, "
    "probability, expected and usable capacity.",
    "Sources": "The dataset's bibliography: id, publisher, title, date, address (or why there "
    "is none), what the dataset takes from it, and the publisher's own release with the "
    "figure quoted from it.",
}
_IAMC_KEYS = ("Model", "Scenario", "Region", "Variable", "Unit")
#: Widest column [characters]; longer text wraps in the cell.
_WIDEST = 60
#: Narrowest column [characters].
_NARROWEST = 6
#: Significant digits the number format of a unit shows of its largest value.
_DIGITS = 3
#: Most decimals a number format shows.
_MOST_DECIMALS = 6
#: Units whose values are calendar years (or durations) and are shown as they are.
_AS_IS = frozenset({"yr", "-"})
_BOLD = {"bold": True}
_HEADER_FILL = "DDE5EE"
#: Rows of a table used to size its columns (enough to see the widest values).
_SIZED_ROWS = 2000


def number_format(unit: str, values: Iterable[Any]) -> str:
    """The Excel number format of a unit: three significant digits of its largest value.

    Whole numbers from 100 on, with thousands separators; a calendar year or
    a text setting as it is (``General``).

    Parameters
    ----------
    unit
        The unit of the values.
    values
        Every value of the unit in the sheet [unit].

    Examples
    --------
    >>> number_format("veh/yr", [911_853.6, 80_812.5])
    '#,##0'
    >>> number_format("%", [35.5, 88.2]), number_format("kWh/km", [0.185, 0.23])
    ('#,##0.0', '#,##0.000')
    >>> number_format("yr", [2033.0]), number_format("%", [])
    ('General', 'General')
    """
    if unit in _AS_IS:
        return "General"
    sizes = [abs(float(v)) for v in values if _finite(v)]
    largest = max((s for s in sizes if s > 0), default=0.0)
    if largest == 0.0:
        return "General"
    decimals = max(0, _DIGITS - 1 - math.floor(math.log10(largest)))
    decimals = min(decimals, _MOST_DECIMALS)
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _finite(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _input_value(value: Any, choice: Any) -> Any:
    """An input as a cell: its number, else its choice, else ``none`` (an unset option)."""
    if not is_missing(choice):
        return str(choice)
    if is_missing(value):
        return "none"
    return float(value)


def _cell(value: Any) -> Any:
    """A table value as openpyxl writes it (NaN and NA as empty cells, NumPy as Python)."""
    if is_missing(value):
        return None
    if hasattr(value, "item"):  # a NumPy scalar
        value = value.item()
    return value


@dataclass
class _Table:
    """A table for a sheet: its frame, the number format of each numeric cell, and links."""

    frame: pd.DataFrame
    formats: pd.DataFrame | None = None  # same shape as frame: a format per cell ('' none)
    column_formats: Mapping[str, str] | None = None
    links: tuple[str, ...] = ()  # the columns that hold web addresses
    keys: int = 1  # columns kept in view when scrolling right


def _unit_formats(
    frame: pd.DataFrame, unit_column: str, value_columns: Sequence[str | int]
) -> pd.DataFrame:
    """A number format per cell of ``value_columns`` from each row's unit."""
    units = frame[unit_column].fillna("").astype(str)
    by_unit = {
        unit: number_format(unit, frame.loc[units == unit, list(value_columns)].to_numpy().ravel())
        for unit in units.unique()
    }
    formats = pd.DataFrame("", index=frame.index, columns=frame.columns)
    row_formats = units.map(by_unit)
    for col in value_columns:
        formats[col] = row_formats
    return formats


def _iamc(frame: pd.DataFrame) -> _Table:
    years = [c for c in frame.columns if str(c).isdecimal()]
    wide = frame.rename(columns={c: int(c) for c in years})
    shown = [int(c) for c in years]
    keys = len(_IAMC_KEYS) + ("Quantile" in wide.columns)  # kept in view: all but the years
    return _Table(wide, _unit_formats(wide, "Unit", shown), keys=keys + 1)


def _scorecard(frame: pd.DataFrame) -> _Table:
    numbers = [c for c in ("value", "target", "p05", "p95") if c in frame.columns]
    formats = _unit_formats(frame, "unit", numbers)
    if "probability" in frame.columns:
        formats["probability"] = "0%"
    return _Table(frame, formats, keys=2)


def _references(found: Sequence[Ref], sources: pd.DataFrame) -> tuple[str, str]:
    """An input's references as ids (files by name) and as text (publisher, title, date)."""
    ids = ", ".join(r.key if r.kind != "file" else r.label for r in found)
    cited = []
    for ref in found:
        if ref.kind != "source":
            continue
        rec = sources.loc[ref.key]
        parts = [str(rec[c]) for c in ("publisher", "title", "date") if not is_missing(rec[c])]
        cited.append(f"{ref.key}: " + ", ".join(p for p in parts if p))
    return ids, "\n".join(cited)


def _inputs(folder: ResultsFolder) -> _Table:
    inputs = folder.tables["inputs"]
    sources = folder.tables["sources"].drop_duplicates("id").set_index("id")
    by_input = input_refs(folder.tables["input_sources"], set(sources.index))
    values = [_input_value(v, c) for v, c in zip(inputs["value"], inputs["choice"], strict=True)]
    cited = [
        _references(by_input.get((str(s), str(p)), []), sources)
        for s, p in zip(inputs["scenario"], inputs["parameter"], strict=True)
    ]
    descriptions = {p: describe_path(p, folder.dims) for p in inputs["parameter"].unique()}
    frame = pd.DataFrame(
        {
            "scenario": inputs["scenario"].astype(str),
            "parameter": inputs["parameter"].astype(str),
            "value": pd.Series(values, index=inputs.index, dtype=object),
            "unit": inputs["unit"].fillna("").astype(str),
            "description": inputs["parameter"].map(descriptions),
            "sources": [c[0] for c in cited],
            "references": [c[1] for c in cited],
        }
    )
    # inputs of one unit differ in size (a Weibull shape of 12, a share of 0.05 [1]):
    # each value gets the format of its own size
    formats = pd.DataFrame("", index=frame.index, columns=frame.columns)
    formats["value"] = [
        number_format(u, [v]) if isinstance(v, float) else ""
        for u, v in zip(frame["unit"], frame["value"], strict=True)
    ]
    return _Table(frame, formats, keys=2)


def _distributions(folder: ResultsFolder) -> _Table | None:
    table = folder.tables.get("distributions")
    if table is None:
        return None
    units = dict(
        zip(folder.tables["inputs"]["parameter"], folder.tables["inputs"]["unit"], strict=True)
    )
    frame = table.copy()
    frame.insert(3, "unit", frame["parameter"].map(units).fillna("").astype(str))
    return _Table(frame, _unit_formats(frame, "unit", ["central"]), keys=2)


def _pipeline(folder: ResultsFolder) -> _Table:
    frame = folder.tables["pipeline"]
    capacity = ["capacity", "expected_capacity", "usable"]
    formats = _unit_formats(frame, "capacity_unit", capacity)
    for col, shown in (
        ("capex_usd", "#,##0"),
        ("jobs", "#,##0"),
        ("probability", "0.00"),
        ("delay", "0.0"),
        ("start", "0.0"),
    ):
        formats[col] = shown
    return _Table(frame, formats, keys=2)


def _readme(folder: ResultsFolder, sheets: Sequence[str], exported: dt.datetime) -> list[list[Any]]:
    runs = folder.tables["runs"]
    manifest = folder.manifest
    first = runs.iloc[0]
    region = ", ".join(dict.fromkeys(folder.iamc["Region"].astype(str)))
    rows: list[list[Any]] = [
        [f"evhub results: {region}" if region else "evhub results"],
        [],
        ["run id", str(first["run_id"])],
        ["run at (UTC)", str(first["created_utc"])],
        ["made with evhub", str(first["evhub_version"])],
        ["exported with evhub", layout.evhub_version()],
        ["exported at (UTC)", exported.isoformat()],
        ["dataset", str(first["dataset"])],
        ["region", region],
        ["last observed year", _cell(first["base_year"])],
        ["scenarios", ", ".join(folder.scenarios)],
    ]
    members = folder.tables.get("ensemble_runs")
    if members is not None and not members.empty:
        rec = members.iloc[0]
        rows.append(
            [
                "ensemble",
                f"{int(rec['samples']):,} members per scenario ({rec['sampler']} sampling, "
                f"seed {int(rec['seed'])})",
            ]
        )
    if manifest is not None:
        command = (manifest.data.get("request") or {}).get("command")
        rows.append(["command", str(command or manifest.request.command())])
    rows.append(["results folder", str(folder.path)])
    rows += [
        [],
        [
            "Each value is in the unit of its row (column Unit or unit); the cells keep 16 "
            "significant digits, the number formats only round what is shown."
        ],
        [],
        ["sheet", "what it holds"],
        *([name, SHEETS[name]] for name in sheets),
    ]
    return rows


def _width(values: Iterable[Any]) -> float:
    longest = 0
    for value in values:
        if value is None:
            continue
        text = f"{value:,.2f}" if isinstance(value, float) else str(value)
        longest = max(longest, max((len(line) for line in text.splitlines()), default=0))
    return float(min(max(longest + 2, _NARROWEST), _WIDEST))


def _write_table(sheet: Worksheet, table: _Table) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    frame = table.frame
    header = [c if isinstance(c, int) else str(c) for c in frame.columns]  # years as numbers
    sheet.append(header)
    bold, fill = Font(**_BOLD), PatternFill("solid", fgColor=_HEADER_FILL)
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
    formats = table.formats
    columns = list(frame.columns)
    links = [columns.index(c) for c in table.links if c in columns]
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(frame.itertuples(index=False, name=None)):
        sheet.append([_cell(v) for v in row])
        if formats is None and not links:
            continue
        cells = sheet[i + 2]
        if formats is not None:
            for cell, shown in zip(cells, formats.iloc[i], strict=True):
                if shown and isinstance(cell.value, (int, float)):
                    cell.number_format = shown
        for k in links:
            target = cells[k]
            if isinstance(target.value, str) and target.value.startswith(("http://", "https://")):
                target.hyperlink = target.value
                target.style = "Hyperlink"
    for k, col in enumerate(frame.columns, start=1):
        sample = frame[col].head(_SIZED_ROWS).tolist()
        width = _width([str(col), *sample])
        letter = get_column_letter(k)
        sheet.column_dimensions[letter].width = width
        if width >= _WIDEST:  # long text wraps in its cell
            for (cell,) in sheet.iter_rows(min_row=2, min_col=k, max_col=k):
                cell.alignment = wrap
    sheet.freeze_panes = sheet.cell(row=2, column=table.keys)
    sheet.auto_filter.ref = sheet.dimensions


def _write_readme(sheet: Worksheet, rows: list[list[Any]]) -> None:
    from openpyxl.styles import Alignment, Font

    for row in rows:
        sheet.append(row)
    sheet["A1"].font = Font(bold=True, size=14)
    for (cell,) in sheet.iter_rows(min_col=1, max_col=1):
        if cell.row > 1 and cell.value in ("sheet",):
            for c in sheet[cell.row]:
                c.font = Font(**_BOLD)
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 100
    for (cell,) in sheet.iter_rows(min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _tables(folder: ResultsFolder) -> dict[str, _Table]:
    tables: dict[str, _Table | None] = {
        "IAMC": _iamc(folder.iamc),
        "IAMC quantiles": _iamc(folder.quantiles) if folder.quantiles is not None else None,
        "Scorecard": _scorecard(folder.tables["scorecard"]),
        "Inputs": _inputs(folder),
        "Distributions": _distributions(folder),
        "Pipeline": _pipeline(folder),
        "Sources": _Table(folder.tables["sources"], links=("url", "publisher_url")),
    }
    return {name: table for name, table in tables.items() if table is not None}


def check_path(path: str | Path) -> Path:
    """Check that a workbook can be written at ``path`` (before a run makes its results).

    Raises
    ------
    InputError
        If openpyxl is not installed (the ``excel`` extra), ``path`` does not
        end in ``.xlsx``, is a folder, or its folder does not exist.
    """
    target = Path(path)
    if importlib.util.find_spec("openpyxl") is None:
        msg = f"{target}: the Excel export needs openpyxl: pip install 'evhub[excel]'"
        raise InputError(msg)
    if target.is_dir():
        msg = f"{target}: is a folder; give the workbook a file name, e.g. {target / 'evhub.xlsx'}"
        raise InputError(msg)
    if target.suffix.lower() != SUFFIX:
        msg = (
            f"{target}: the file name must end in {SUFFIX} (an Excel workbook), "
            f"e.g. {target.with_suffix(SUFFIX)}"
        )
        raise InputError(msg)
    if not target.parent.is_dir():
        what = "not a folder" if target.parent.exists() else "no such folder"
        msg = f"{target.parent}: {what}; the workbook {target.name!r} goes into an existing folder"
        raise InputError(msg)
    return target


def write_xlsx(results_dir: str | Path, path: str | Path) -> Path:
    """Write the Excel workbook of a results folder; return its path.

    Parameters
    ----------
    results_dir
        A folder written by ``evhub run --out RESULTS_DIR`` (or one of its run
        folders, ``RESULTS_DIR/runs/<run-id>``).
    path
        The workbook to write (``.xlsx``); its folder must exist. A file of
        that name is replaced at once when the new one is complete.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    InputError
        If openpyxl is not installed (the ``excel`` extra), ``path`` does not
        end in ``.xlsx``, is a folder, its folder does not exist or it cannot
        be written, or the results folder cannot be read or its files are not
        from one run (:func:`evhub.report.read.read_results`). Nothing is
        written then.
    """
    target = check_path(path)
    from openpyxl import Workbook  # the excel extra: checked by check_path

    folder = read_results(results_dir)
    tables = _tables(folder)
    exported = dt.datetime.now(dt.UTC).replace(microsecond=0)
    book = Workbook()
    readme = book.active
    assert readme is not None  # a new workbook has its first sheet
    readme.title = "README"
    _write_readme(readme, _readme(folder, ["README", *tables], exported))
    for name, table in tables.items():
        _write_table(book.create_sheet(name), table)
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        msg = f"{target}: cannot write the workbook ({exc.strerror or exc})"
        raise InputError(msg) from None
    os.close(handle)
    tmp = Path(name)
    try:
        book.save(tmp)
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)  # mkstemp makes it private; a workbook is not
        os.replace(tmp, target)
    except OSError as exc:
        msg = f"{target}: cannot write the workbook ({exc.strerror or exc})"
        raise InputError(msg) from None
    finally:
        tmp.unlink(missing_ok=True)
    return target

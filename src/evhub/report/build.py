"""Build the offline HTML report of a results folder.

The report is one self-contained HTML file: Plotly's JavaScript is embedded
once in the page head and every figure is inline, so the page loads no
script, style sheet, font or image from anywhere (links to the sources are
ordinary ``<a href>`` links). It shows the run (scenarios, dataset, version,
ensemble), the scorecard, the fan charts and stacked areas of
:mod:`evhub.figures`, the pipeline of plants and projects, every scenario's
assumptions with their sources, and the bibliography.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup, escape

from evhub import figures, layout
from evhub.dataset import DEFAULT_DATASET
from evhub.errors import InputError
from evhub.report.read import ResultsFolder, read_results

__all__ = [
    "DISPLAY_START",
    "format_probability",
    "format_value",
    "render_report",
    "write_report",
]

#: First year shown in the charts [yr] (a display choice, not a model input).
DISPLAY_START = 2010
#: Significant digits kept in the figures' data (enough for a chart and its hover).
SIGNIFICANT_DIGITS = 4
#: Default file name of the report inside the results folder (and its run folder).
REPORT_NAME = layout.REPORT
#: Plotly options for every figure: no logo, no sending to the cloud, responsive.
#: (plotly.js 3 and later have no Chart Studio link, so there is no ``showLink``.)
PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "showSendToCloud": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
#: Display names of pipeline project kinds.
KIND_LABELS = {"vehicle_assembly": "vehicles", "rnd": "R&D", "cell": "cells", "pack": "packs"}
#: Numbers from this size on are shown without decimals.
_THOUSANDS = 1000.0
_PERCENT = 100.0
_DASH = "–"
_FILE_SUFFIXES = (".yaml", ".yml")
_DATASET_FILE = "dataset.yaml"
_BACKTICKS = re.compile(r"`([^`]+)`")
_WHITESPACE = re.compile(r"\s+")
_LINK_SCHEMES = ("http://", "https://")
#: The ``source`` of a value given on the command line (``evhub run --set``).
_OVERRIDES = "overrides"
#: Unit of parameters that are years (shown without a thousands separator).
_YEAR_UNIT = "yr"


# --- formatting ---------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_value(value: Any) -> str:
    """A scorecard number: thousands separators, one decimal below a thousand.

    Parameters
    ----------
    value
        The number, in its indicator's unit (``None`` or NaN for none).

    Returns
    -------
    str
        ``"80,812"`` for 80812.5 [veh/yr], ``"35.5"`` for 35.45 [%], ``"–"`` for none.

    Examples
    --------
    >>> format_value(80812.5), format_value(35.4535), format_value(None)
    ('80,812', '35.5', '–')
    """
    if _missing(value):
        return _DASH
    number = float(value)
    if abs(number) >= _THOUSANDS:
        return f"{number:,.0f}"
    return f"{number:,.1f}"


def format_probability(probability: Any) -> str:
    """The probability of meeting a target, in percent.

    Parameters
    ----------
    probability
        Share of the ensemble members that meet the target [1].

    Returns
    -------
    str
        ``"95 %"``; ``"<1 %"`` and ``">99 %"`` near but not at 0 and 1, so a
        rare outcome is not shown as impossible; ``""`` for none.

    Examples
    --------
    >>> format_probability(0.95), format_probability(0.005), format_probability(1.0)
    ('95 %', '<1 %', '100 %')
    """
    if _missing(probability):
        return ""
    share = float(probability)
    if 0.0 < share < 0.01:
        return "<1 %"
    if 0.99 < share < 1.0:
        return ">99 %"
    return f"{share * _PERCENT:.0f} %"


def _short(value: Any) -> str:
    """A capacity: thousands separators above a thousand, else four significant digits."""
    if _missing(value):
        return _DASH
    number = float(value)
    if abs(number) >= _THOUSANDS:
        return f"{number:,.0f}"
    return f"{number:.4g}"


def _int(value: Any) -> int:
    """A whole number from a table cell (NumPy, pandas or Python)."""
    return int(value)


def _year(value: Any) -> str:
    """A year, with a fraction when the start is mid-year (2026.5)."""
    if _missing(value):
        return _DASH
    return f"{float(value):.6g}"


def _input_text(value: Any) -> str:
    """An input's value as stored (``"None"``, an unset option, is shown as ``"none"``)."""
    text = str(value)
    return "none" if text == "None" else text


def _prose(text: Any) -> Markup:
    """Escape text and show `code` spans (as in the scenario descriptions) as code."""
    escaped = str(escape("" if _missing(text) else str(text)))
    return Markup(_BACKTICKS.sub(r"<code>\1</code>", escaped))  # escaped above


# --- sources ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ref:
    """One entry of a ``source`` field: a source id, a file, or an id missing from sources.

    Attributes
    ----------
    kind
        ``"source"`` (an entry of the bibliography), ``"file"`` (a scenario or
        dataset file, or a value set with ``--set``) or ``"missing"`` (an id not
        in ``sources``).
    key
        The source id, or the file name.
    label
        Text shown for it.
    """

    kind: str
    key: str
    label: str


def _file_ref(entry: str, scenarios: Iterable[str]) -> _Ref:
    """A scenario or dataset file named as a source: shown by its name, not its path."""
    parts = re.split(r"[\\/]", entry)
    name = parts[-1]
    if PurePosixPath(name).stem in set(scenarios) or parts[-2:-1] == ["scenarios"]:
        return _Ref("file", name, f"scenario file {name}")
    if name == _DATASET_FILE:
        return _Ref("file", name, f"dataset file {name}")
    return _Ref("file", name, f"file {name}")


def _refs(text: Any, known: set[str], scenarios: Iterable[str]) -> list[_Ref]:
    """Split a semicolon-separated ``source`` field into references."""
    if _missing(text):
        return []
    refs = []
    for raw in str(text).split(";"):
        entry = raw.strip()
        if not entry:
            continue
        if entry in known:
            refs.append(_Ref("source", entry, entry))
        elif entry == _OVERRIDES:
            refs.append(_Ref("file", entry, "command-line override (--set)"))
        elif entry.lower().endswith(_FILE_SUFFIXES) or "/" in entry or "\\" in entry:
            refs.append(_file_ref(entry, scenarios))
        else:
            refs.append(_Ref("missing", entry, entry))
    return refs


# --- sections -----------------------------------------------------------------------------


@dataclass
class _Cell:
    text: str
    met: bool | None = None
    probability: str = ""
    band: str = ""
    target: str = ""


@dataclass
class _ScoreRow:
    indicator: str
    year: int
    unit: str
    target: str
    cells: list[_Cell | None] = field(default_factory=list)


def _scorecard(card: pd.DataFrame, scenarios: Sequence[str], ensemble: bool) -> list[_ScoreRow]:
    rows = []
    for (label, year, unit), group in card.groupby(["indicator", "year", "unit"], sort=False):
        targets = [float(t) for t in group["target"].dropna().unique()]
        per_scenario = len(targets) > 1
        row = _ScoreRow(
            indicator=str(label),
            year=_int(year),
            unit=str(unit),
            target=(
                "per scenario" if per_scenario else format_value(targets[0]) if targets else ""
            ),
        )
        for scen in scenarios:
            match = group[group["scenario"] == scen]
            if match.empty:
                row.cells.append(None)
                continue
            rec = match.iloc[0]
            cell = _Cell(format_value(rec["value"]))
            if not _missing(rec["met"]):
                cell.met = bool(rec["met"])
            if ensemble:
                cell.probability = format_probability(rec["probability"])
                low = format_value(rec["p05"])
                high = format_value(rec["p95"])
                if _DASH not in (low, high) and low != high:  # else the ensemble does not vary it
                    cell.band = f"{low} – {high}"
            if per_scenario and not _missing(rec["target"]):
                cell.target = format_value(rec["target"])
            row.cells.append(cell)
        rows.append(row)
    return rows


def _round_significant(values: np.ndarray, digits: int) -> np.ndarray:
    """Round to ``digits`` significant digits (NaN and zero stay as they are)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        magnitude = np.floor(np.log10(np.abs(values)))
    magnitude = np.where(np.isfinite(magnitude), magnitude, 0.0)
    shift = digits - 1 - magnitude
    up = 10.0 ** np.clip(shift, 0, None)
    down = 10.0 ** np.clip(-shift, 0, None)
    rounded: np.ndarray = np.where(
        shift >= 0, np.round(values * up) / up, np.round(values / down) * down
    )
    return rounded


def _compact(fig: go.Figure) -> go.Figure:
    """Keep the embedded figure JSON small: round the y values, drop unused template styles.

    The template's styles for trace types the figure does not draw (heatmaps,
    maps, 3-D, ...) are dropped: about 4 kB per figure.
    """
    template = fig.layout.template
    used = {trace.type for trace in fig.data}
    template.data = {
        kind: getattr(template.data, kind)
        for kind in sorted(used)
        if getattr(template.data, kind, None)
    }
    for trace in fig.data:
        y = getattr(trace, "y", None)
        if y is None:
            continue
        values = np.asarray(y, dtype=float)
        rounded = _round_significant(values, SIGNIFICANT_DIGITS)
        # Plotly keeps the old value when the new one is equal (and would then embed
        # the NumPy array base64-encoded): clear it first, so every array is plain JSON.
        trace.y = None
        trace.y = [None if math.isnan(v) else float(v) for v in rounded]
        x = getattr(trace, "x", None)
        years = np.asarray(x if x is not None else (), dtype=float)
        if years.size and np.all(np.isfinite(years)) and np.all(years == np.round(years)):
            trace.x = None
            trace.x = [int(v) for v in years]  # 2030, not 2030.0
    return fig


def _figure_html(fig: go.Figure, key: str) -> Markup:
    config = {**PLOTLY_CONFIG, "toImageButtonOptions": {**PLOTLY_CONFIG["toImageButtonOptions"]}}
    config["toImageButtonOptions"]["filename"] = f"evhub-{key}"
    html = _compact(fig).to_html(
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        div_id=f"fig-{key}",
        config=config,
    )
    return Markup(html)  # Plotly's own markup; the data are JSON-encoded


@dataclass
class _Figure:
    key: str
    title: str
    question: str
    html: Markup


def _only(bands: pd.DataFrame, variables: Sequence[str]) -> pd.DataFrame:
    """The rows of a bands frame for some variables (the figures then scan a small frame)."""
    return bands[bands["variable"].isin(list(variables))]


def _figures(
    folder: ResultsFolder, scenarios: Sequence[str], base_year: int | None
) -> tuple[list[_Figure], list[_Figure]]:
    try:
        bands = figures.bands_from_tables(folder.iamc, folder.quantiles)
    except (ValueError, KeyError) as exc:
        msg = f"{folder.path / 'iamc_quantiles.csv'}: {exc}"
        raise InputError(msg) from None
    last = int(bands["year"].max())
    years = (max(DISPLAY_START, int(bands["year"].min())), last)
    fans, stacks = [], []
    for spec in figures.charts(folder.dims):
        needed = [*spec.variables, *([spec.target] if spec.target else [])]
        try:
            fig = figures.chart(
                _only(bands, needed), spec, scenarios=scenarios, years=years, base_year=base_year
            )
        except ValueError as exc:
            msg = (
                f"{folder.path / 'iamc.csv'}: {exc} (chart {spec.key!r}); write the folder "
                "with `evhub run` of this version"
            )
            raise InputError(msg) from None
        fans.append(_Figure(spec.key, spec.title, spec.question, _figure_html(fig, spec.key)))
    for stack in figures.stacks(folder.dims):
        try:
            fig = figures.stacked_area(
                _only(bands, stack.parts),
                stack,
                scenarios=scenarios,
                years=years,
                base_year=base_year,
            )
        except ValueError as exc:
            msg = (
                f"{folder.path / 'iamc.csv'}: {exc} (chart {stack.key!r}); write the folder "
                "with `evhub run` of this version"
            )
            raise InputError(msg) from None
        stacks.append(_Figure(stack.key, stack.title, "", _figure_html(fig, stack.key)))
    return fans, stacks


@dataclass
class _ProjectCell:
    probability: str
    start: str
    usable: str
    differs: bool = False


@dataclass
class _Project:
    id: str
    company: str
    kind: str
    site: str
    stage: str
    stage_date: str
    capacity: str
    unit: str
    announced: str
    note: str
    refs: list[_Ref]
    cells: list[_ProjectCell | None]


def _project_cell(rec: pd.Series) -> _ProjectCell:
    probability = "" if _missing(rec["probability"]) else f"{float(rec['probability']):.2f}"
    return _ProjectCell(
        probability=probability, start=_year(rec["start"]), usable=_short(rec["usable"])
    )


def _pipeline(
    table: pd.DataFrame, scenarios: Sequence[str], known: set[str]
) -> tuple[list[_Project], str]:
    projects = []
    table = table.drop_duplicates(["scenario", "id"])
    ids = list(dict.fromkeys(table["id"]))
    by = {s: g.set_index("id") for s, g in table.groupby("scenario", sort=False)}
    for pid in ids:
        rows = {s: by[s].loc[pid] for s in scenarios if s in by and pid in by[s].index}
        rec = next(iter(rows.values()))
        cells = [_project_cell(rows[s]) if s in rows else None for s in scenarios]
        first = cells[0]
        for cell in cells[1:]:
            if cell is not None and first is not None:
                cell.differs = (cell.probability, cell.start, cell.usable) != (
                    first.probability,
                    first.start,
                    first.usable,
                )
        projects.append(
            _Project(
                id=str(pid),
                company=str(rec["company"]),
                kind=KIND_LABELS.get(str(rec["kind"]), str(rec["kind"])),
                site=str(rec["site"]),
                stage=str(rec["stage"]),
                stage_date=str(rec["stage_date"]),
                capacity=_short(rec["capacity"]),
                unit="" if _missing(rec["capacity_unit"]) else str(rec["capacity_unit"]),
                announced=_year(rec["start_year"]),
                note="" if _missing(rec["note"]) else str(rec["note"]),
                refs=_refs(rec["source"], known, scenarios),
                cells=cells,
            )
        )
    years = table["usable_year"].dropna().unique()
    usable_year = str(int(years[0])) if len(years) == 1 else ""
    return projects, usable_year


@dataclass
class _Input:
    parameter: str
    value: str
    unit: str
    refs: list[_Ref]
    parent_value: str | None


@dataclass
class _Distribution:
    parameter: str
    distribution: str
    central: str
    unit: str
    refs: list[_Ref]


@dataclass
class _Scenario:
    name: str
    colour: str
    description: Markup
    chain: list[str]
    parent: str | None
    inputs: list[_Input]
    changed: list[_Input]
    distributions: list[_Distribution]
    samples: str
    inputs_sampled: str


def _parent(chain: Sequence[str], present: Sequence[str]) -> str | None:
    """The nearest ancestor of a scenario that is also in this run."""
    for name in reversed(chain[:-1]):
        if name in present:
            return name
    return None


def _assumptions(
    folder: ResultsFolder, scenarios: Sequence[str], known: set[str]
) -> list[_Scenario]:
    runs = folder.tables["runs"].drop_duplicates("scenario").set_index("scenario")
    inputs = folder.tables["inputs"]
    values = {
        s: dict(zip(g["parameter"], g["value"], strict=True))
        for s, g in inputs.groupby("scenario", sort=False)
    }
    dists = folder.tables.get("distributions")
    members = folder.tables.get("ensemble_runs")
    out = []
    for scen in scenarios:
        chain = [c.strip() for c in str(runs.at[scen, "extends"]).split(">") if c.strip()]
        parent = _parent(chain, scenarios)
        before = values.get(parent, {}) if parent else {}
        rows = []
        for rec in inputs[inputs["scenario"] == scen].itertuples(index=False):
            old = before.get(str(rec.parameter)) if parent else None
            differs = parent is not None and (old is None or str(old) != str(rec.value))
            rows.append(
                _Input(
                    parameter=str(rec.parameter),
                    value=_input_text(rec.value),
                    unit="" if _missing(rec.unit) else str(rec.unit),
                    refs=_refs(rec.source, known, scenarios),
                    parent_value=(
                        ("not set" if old is None else _input_text(old)) if differs else None
                    ),
                )
            )
        units = {r.parameter: r.unit for r in rows}
        distributions = []
        if dists is not None:
            for rec in dists[dists["scenario"] == scen].itertuples(index=False):
                unit = units.get(str(rec.parameter), "")
                distributions.append(
                    _Distribution(
                        parameter=str(rec.parameter),
                        distribution=str(rec.distribution),
                        # a year is written 2033, not 2,033
                        central=_year(rec.central) if unit == _YEAR_UNIT else _short(rec.central),
                        unit=unit,
                        refs=_refs(rec.source, known, scenarios),
                    )
                )
        samples = inputs_sampled = ""
        if members is not None:
            match = members[members["scenario"] == scen]
            if not match.empty:
                samples = f"{int(match['samples'].iloc[0]):,}"
                inputs_sampled = f"{int(match['inputs_sampled'].iloc[0]):,}"
        out.append(
            _Scenario(
                name=scen,
                colour=figures.scenario_colour(scenarios, scen),
                description=_prose(runs.at[scen, "description"]),
                chain=chain,
                parent=parent,
                inputs=rows,
                changed=[r for r in rows if r.parent_value is not None],
                distributions=distributions,
                samples=samples,
                inputs_sampled=inputs_sampled,
            )
        )
    return out


@dataclass
class _Source:
    id: str
    publisher: str
    title: str
    date: str
    url: str
    link: bool


def _bibliography(
    folder: ResultsFolder, used: Iterable[_Ref]
) -> tuple[list[_Source], list[_Source], list[str], list[str]]:
    """The sources cited by the inputs and the pipeline, the dataset's other sources, ...

    ... the ids cited but not in ``sources``, and the files cited. The other
    sources are listed too: the dataset's tables (the observed history, the
    target paths) cite them, and the store does not record which table cites which.
    """
    cited = {r.key for r in used if r.kind == "source"}
    missing = sorted({r.key for r in used if r.kind == "missing"})
    files = sorted({r.label for r in used if r.kind == "file"})
    entries: list[_Source] = []
    others: list[_Source] = []
    table = folder.tables["sources"].drop_duplicates("id")
    table = table.assign(_key=table["id"].astype(str).str.lower()).sort_values("_key")
    for rec in table.itertuples(index=False):
        url = "" if _missing(rec.url) else str(rec.url).strip()
        source = _Source(
            id=str(rec.id),
            publisher="" if _missing(rec.publisher) else str(rec.publisher),
            title="" if _missing(rec.title) else str(rec.title),
            date="" if _missing(rec.date) else str(rec.date),
            url=url,
            link=url.lower().startswith(_LINK_SCHEMES),
        )
        (entries if source.id in cited else others).append(source)
    return entries, others, missing, files


def _ensemble_summary(folder: ResultsFolder) -> str:
    members = folder.tables.get("ensemble_runs")
    if members is None or members.empty:
        return ""
    kinds = members[["samples", "sampler", "seed"]].drop_duplicates()
    if len(kinds) == 1:
        rec = kinds.iloc[0]
        return (
            f"{_int(rec['samples']):,} members per scenario "
            f"({rec['sampler']} sampling, seed {_int(rec['seed'])})"
        )
    return "; ".join(
        f"{r.scenario}: {_int(r.samples):,} members ({r.sampler}, seed {_int(r.seed)})"
        for r in members.itertuples(index=False)
    )


def _reproduce(folder: ResultsFolder, scenarios: Sequence[str], dataset: str) -> str:
    words = ["evhub", "run", *scenarios]
    if dataset and dataset != DEFAULT_DATASET:
        words += ["--dataset", f"<{dataset} dataset folder>"]
    members = folder.tables.get("ensemble_runs")
    if members is not None and not members.empty:
        rec = members.iloc[0]
        words += ["--samples", str(int(rec["samples"])), "--seed", str(int(rec["seed"]))]
        words += ["--sampler", str(rec["sampler"])]
    name = folder.path.resolve().name or "results"
    words += ["--out", name]
    return " ".join(words) + f" && evhub report {name}"


def _timestamp(text: str) -> str:
    """An ISO time as ``2026-01-31 12:00 UTC`` (the text as is if it is not one)."""
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if when.utcoffset() is not None:
        when = when.astimezone(dt.UTC)
        return when.strftime("%Y-%m-%d %H:%M UTC")
    return when.strftime("%Y-%m-%d %H:%M")


def _single(frame: pd.DataFrame, column: str) -> str:
    values = [str(v) for v in dict.fromkeys(frame[column].dropna())]
    return ", ".join(values)


def _context(folder: ResultsFolder) -> dict[str, Any]:
    scenarios = folder.scenarios
    runs = folder.tables["runs"]
    known = set(folder.tables["sources"]["id"].astype(str))
    dataset = _single(runs, "dataset")
    years = sorted({int(y) for y in runs["base_year"].dropna()})
    base_year = years[0] if len(years) == 1 else None
    fans, stacks = _figures(folder, scenarios, base_year)
    projects, usable_year = _pipeline(folder.tables["pipeline"], scenarios, known)
    assumptions = _assumptions(folder, scenarios, known)
    used = [r for p in projects for r in p.refs]
    used += [r for s in assumptions for i in s.inputs for r in i.refs]
    used += [r for s in assumptions for d in s.distributions for r in d.refs]
    sources, other_sources, missing, files = _bibliography(folder, used)
    region = _single(folder.iamc, "Region")
    return {
        "title": f"evhub report: {region}" if region else "evhub report",
        "region": region,
        "scenarios": scenarios,
        "colours": {s: figures.scenario_colour(scenarios, s) for s in scenarios},
        "dataset": dataset,
        "version": _single(runs, "evhub_version"),
        "created": ", ".join(_timestamp(t) for t in _single(runs, "created_utc").split(", ")),
        "base_year": base_year,
        "years": (
            max(DISPLAY_START, min(int(c) for c in folder.iamc.columns if str(c).isdigit())),
            max(int(c) for c in folder.iamc.columns if str(c).isdigit()),
        ),
        "ensemble": folder.ensemble,
        "ensemble_summary": _ensemble_summary(folder),
        "scorecard": _scorecard(folder.tables["scorecard"], scenarios, folder.ensemble),
        "fans": fans,
        "stacks": stacks,
        "projects": projects,
        "usable_year": usable_year,
        "assumptions": assumptions,
        "sources": sources,
        "other_sources": other_sources,
        "source_count": len(known),
        "missing_sources": missing,
        "files": files,
        "reproduce": _reproduce(folder, scenarios, dataset),
    }


def _plotly_js() -> Markup:
    from plotly.offline import get_plotlyjs

    script = get_plotlyjs()
    # A literal "</script" inside the bundle would end the inline <script> early.
    return Markup(script.replace("</script", "<\\/script"))  # the bundle is trusted


def _anchor(key: Any) -> str:
    """An id for an HTML anchor: ids and fragments must not hold whitespace."""
    return _WHITESPACE.sub("_", str(key))


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("evhub.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["anchor"] = _anchor
    return env


def render_report(results_dir: str | Path) -> str:
    """The HTML report of a results folder, as text.

    Parameters
    ----------
    results_dir
        A folder written by ``evhub run --out RESULTS_DIR``.

    Returns
    -------
    str
        One self-contained HTML page (Plotly's JavaScript embedded once).

    Raises
    ------
    InputError
        If the folder, its store, a table or a column is missing, or the store
        cannot be read (see :func:`evhub.report.read.read_results`).
    """
    return _render(read_results(results_dir))


def _render(folder: ResultsFolder) -> str:
    context = _context(folder)
    template = _environment().get_template("report.html.j2")
    return str(template.render(plotly_js=_plotly_js(), **context))


def write_report(results_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write one self-contained HTML report of a results folder; return its path.

    Parameters
    ----------
    results_dir
        A folder written by ``evhub run --out RESULTS_DIR`` (or one of its
        run folders, ``RESULTS_DIR/runs/<run-id>``).
    out
        The HTML file to write; its folder must exist. By default the report
        goes into the folder of the run it shows (``RESULTS_DIR/current``),
        linked as ``RESULTS_DIR/report.html``: a later run, which has no
        report until one is written for it, never shows the old one.

    Returns
    -------
    pathlib.Path
        The path of the report (``RESULTS_DIR/report.html`` by default).

    Raises
    ------
    InputError
        If the results folder cannot be read or its files are not from one
        run (the message names the file, table or column and what was
        expected), ``out`` is a folder, the report's folder does not exist or
        the report cannot be written there. Nothing is written then: the
        report is written to a temporary file next to ``out`` and moved into
        place only when complete.
    """
    given = Path(results_dir)
    folder = read_results(given)
    run = folder.run or given
    target = run / REPORT_NAME if out is None else Path(out)
    html = _render(folder)
    if target.is_dir():
        msg = f"{target}: is a folder; give the report a file name, e.g. {target / REPORT_NAME}"
        raise InputError(msg)
    if not target.parent.is_dir():
        msg = f"{target.parent}: no such folder for the report {target.name!r}"
        raise InputError(msg)
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        msg = f"{target}: cannot write the report ({exc.strerror or exc})"
        raise InputError(msg) from None
    tmp = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(html)
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)  # mkstemp makes it private; a report is not
        os.replace(tmp, target)
    except OSError as exc:
        msg = f"{target}: cannot write the report ({exc.strerror or exc})"
        raise InputError(msg) from None
    finally:
        tmp.unlink(missing_ok=True)
    if out is None and run != given:  # RESULTS_DIR/report.html -> current/report.html
        try:
            layout.link(given, REPORT_NAME)
        except OSError as exc:
            msg = f"{given / REPORT_NAME}: cannot link the report ({exc.strerror or exc})"
            raise InputError(msg) from None
        return given / REPORT_NAME
    return target

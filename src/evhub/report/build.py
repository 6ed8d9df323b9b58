"""Build the offline HTML report of a results folder.

The report is one self-contained HTML file: Plotly's JavaScript is embedded
once in the page head and every figure is inline, so the page loads no
script, style sheet, font or image from anywhere (links to the sources are
ordinary ``<a href>`` links). It shows the run (scenarios, dataset, version,
ensemble), the scorecard, the fan charts and stacked areas of
:mod:`evhub.figures`, the pipeline of plants and projects, every scenario's
assumptions with their sources, and the bibliography.

This module reads the folder, fills the page's context and renders the
template; the parts come from :mod:`evhub.report.charts` (the figures),
:mod:`evhub.report.sections` (scorecard, pipeline, assumptions),
:mod:`evhub.report.sources` (references and bibliography) and
:mod:`evhub.report.formatting` (how numbers and text are written).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from evhub import figures, layout
from evhub.dataset import DEFAULT_DATASET
from evhub.errors import InputError
from evhub.report.charts import DISPLAY_START, build_figures
from evhub.report.formatting import whole_number
from evhub.report.read import ResultsFolder, read_results
from evhub.report.sections import assumptions, pipeline_rows, scorecard_rows
from evhub.report.sources import bibliography

__all__ = ["REPORT_NAME", "render_report", "write_report"]


#: Default file name of the report inside the results folder (and its run folder).
REPORT_NAME = layout.REPORT
_WHITESPACE = re.compile(r"\s+")


def _ensemble_summary(folder: ResultsFolder) -> str:
    members = folder.tables.get("ensemble_runs")
    if members is None or members.empty:
        return ""
    kinds = members[["samples", "sampler", "seed"]].drop_duplicates()
    if len(kinds) == 1:
        rec = kinds.iloc[0]
        return (
            f"{whole_number(rec['samples']):,} members per scenario "
            f"({rec['sampler']} sampling, seed {whole_number(rec['seed'])})"
        )
    return "; ".join(
        f"{r.scenario}: {whole_number(r.samples):,} members "
        f"({r.sampler}, seed {whole_number(r.seed)})"
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
    colours = figures.scenario_colours(scenarios, folder.known_scenarios)
    fans, stacks = build_figures(folder, scenarios, base_year, colours)
    projects, usable_year = pipeline_rows(
        folder.tables["pipeline"], scenarios, known, folder.dims.stages.label
    )
    inputs = assumptions(folder, scenarios, known)
    used = [r for p in projects for r in p.refs]
    used += [r for s in inputs for i in s.inputs for r in i.refs]
    used += [r for s in inputs for d in s.distributions for r in d.refs]
    sources, other_sources, missing, files = bibliography(folder, used)
    region = _single(folder.iamc, "Region")
    return {
        "title": f"evhub report: {region}" if region else "evhub report",
        "region": region,
        "scenarios": scenarios,
        "colours": colours,
        "dataset": dataset,
        "version": _single(runs, "evhub_version"),
        "created": ", ".join(_timestamp(t) for t in _single(runs, "created_utc").split(", ")),
        "base_year": base_year,
        "years": (
            max(DISPLAY_START, min(int(c) for c in folder.iamc.columns if str(c).isdecimal())),
            max(int(c) for c in folder.iamc.columns if str(c).isdecimal()),
        ),
        "ensemble": folder.ensemble,
        "ensemble_summary": _ensemble_summary(folder),
        "scorecard": scorecard_rows(folder.tables["scorecard"], scenarios, folder.ensemble),
        "fans": fans,
        "stacks": stacks,
        "projects": projects,
        "usable_year": usable_year,
        "assumptions": inputs,
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

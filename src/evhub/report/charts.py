"""The report's charts: the fan charts and stacked areas of :mod:`evhub.figures`, made compact."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup

from evhub import figures
from evhub.errors import InputError
from evhub.report.read import ResultsFolder

__all__ = [
    "DISPLAY_START",
    "PLOTLY_CONFIG",
    "SIGNIFICANT_DIGITS",
    "Figure",
    "build_figures",
    "round_significant",
]

#: First year shown in the charts [yr] (a display choice, not a model input).
DISPLAY_START = 2010
#: Significant digits kept in the figures' data (enough for a chart and its hover).
SIGNIFICANT_DIGITS = 4


#: Plotly options for every figure: no logo, no sending to the cloud, responsive.
#: (plotly.js 3 and later have no Chart Studio link, so there is no ``showLink``.)
PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "showSendToCloud": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def round_significant(values: np.ndarray, digits: int) -> np.ndarray:
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
        rounded = round_significant(values, SIGNIFICANT_DIGITS)
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
class Figure:
    """A chart of the report: its key (the anchor), title, question and Plotly HTML."""

    key: str
    title: str
    question: str
    html: Markup


def _only(bands: pd.DataFrame, variables: Sequence[str]) -> pd.DataFrame:
    """The rows of a bands frame for some variables (the figures then scan a small frame)."""
    return bands[bands["variable"].isin(list(variables))]


def build_figures(
    folder: ResultsFolder,
    scenarios: Sequence[str],
    base_year: int | None,
    colours: Mapping[str, str] | None = None,
) -> tuple[list[Figure], list[Figure]]:
    """The fan charts and the stacked areas of a results folder, as HTML.

    ``colours`` gives each scenario's colour (default:
    :func:`evhub.figures.scenario_colours` of the folder's known scenarios).

    Raises
    ------
    InputError
        If the folder's tables lack what a chart needs (the message names the
        file and says to write the folder again).
    """
    try:
        bands = figures.bands_from_tables(folder.iamc, folder.quantiles)
    except (ValueError, KeyError) as exc:
        msg = f"{folder.path / 'iamc_quantiles.csv'}: {exc}"
        raise InputError(msg) from None
    if colours is None:
        colours = figures.scenario_colours(scenarios, folder.known_scenarios)
    last = int(bands["year"].max())
    years = (max(DISPLAY_START, int(bands["year"].min())), last)
    fans, stacks = [], []
    for spec in figures.charts(folder.dims):
        needed = [*spec.variables, *([spec.target] if spec.target else [])]
        try:
            fig = figures.chart(
                _only(bands, needed),
                spec,
                scenarios=scenarios,
                years=years,
                base_year=base_year,
                colours=colours,
            )
        except ValueError as exc:
            msg = (
                f"{folder.path / 'iamc.csv'}: {exc} (chart {spec.key!r}); write the folder "
                "with `evhub run` of this version"
            )
            raise InputError(msg) from None
        fans.append(Figure(spec.key, spec.title, spec.question, _figure_html(fig, spec.key)))
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
        stacks.append(Figure(stack.key, stack.title, "", _figure_html(fig, stack.key)))
    return fans, stacks

"""Plotly figures of results: fan charts against targets, and stacked areas by powertrain.

The report and the dashboard draw the same figures from the same table, a
*bands* frame in long format with columns ``scenario, variable, unit, year,
stat, value``, where ``stat`` is ``"central"`` (the deterministic run) or one
of the ensemble quantiles ``"q05", "q25", "q50", "q75", "q95"``. Build it with
:func:`bands_from_results` (in memory) or :func:`bands_from_tables` (from the
files of a results folder).

A fan shows, per scenario, the 5-95 % band (light), the 25-75 % band (darker),
the median (dotted) and the deterministic run (solid); a scenario without an
ensemble is a solid line only. Every axis is labelled with its unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from evhub.ensemble.summary import QUANTILES

if TYPE_CHECKING:
    from evhub.results import Results

__all__ = [
    "CHARTS",
    "COLUMNS",
    "STACKS",
    "Chart",
    "Stack",
    "bands_from_results",
    "bands_from_tables",
    "chart",
    "fan_chart",
    "scenario_colour",
    "stacked_area",
]

#: Columns of a bands frame.
COLUMNS = ["scenario", "variable", "unit", "year", "stat", "value"]
#: Ensemble quantile levels [1] and their ``stat`` labels (``q05`` for 0.05).
QUANTILE_STATS = {q: f"q{round(q * 100):02d}" for q in QUANTILES}

#: Scenario colours, in order of appearance (Okabe-Ito, readable with colour blindness).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
#: Colours of the variables of a chart with several (first, second, ...) in per-scenario panels.
VARIABLE_COLOURS = ("#009E73", "#D55E00", "#0072B2")
#: Powertrain colours for stacked areas.
POWERTRAIN_COLOURS = {
    "Petrol": "#8c8c8c",
    "Diesel": "#4d4d4d",
    "LPG": "#b8a37a",
    "HEV": "#E69F00",
    "PHEV": "#56B4E9",
    "BEV": "#009E73",
}
#: Display scale factors: a value in the variable's unit times the factor is in the display unit.
_SCALES = {
    "veh": (1e-6, "million veh"),
    "veh/yr": (1e-3, "thousand veh/yr"),
}
_TARGET_COLOUR = "#000000"
#: Fan bands: lower and upper quantile, fill opacity, label.
_BANDS = (("q05", "q95", 0.12, "5–95 %"), ("q25", "q75", 0.28, "25–75 %"))


@dataclass(frozen=True)
class Chart:
    """A fan chart: one or more IAMC variables against an optional target path.

    Attributes
    ----------
    key
        Short id (used in HTML anchors and dashboard keys).
    title
        Figure title.
    variables
        IAMC variables drawn as fans; the first is solid, the next dashed.
    labels
        A legend label for each variable (when there are several).
    target
        IAMC variable of the target path, drawn as a black dashed line.
    question
        The question the chart answers, shown under it.
    """

    key: str
    title: str
    variables: tuple[str, ...]
    labels: tuple[str, ...] = ()
    target: str | None = None
    question: str = ""


#: The fan charts of the report and the dashboard, in order.
CHARTS: tuple[Chart, ...] = (
    Chart(
        "ev-share",
        "EV share of new-car sales",
        ("Share|Sales|Passenger Cars|EV",),
        question="How fast do buyers switch to battery-electric and plug-in hybrid cars?",
    ),
    Chart(
        "bev-stock",
        "Battery-electric cars on the road",
        ("Stock|Passenger Cars|BEV",),
        question="How many battery-electric cars are registered?",
    ),
    Chart(
        "cars-built",
        "Cars built in the country",
        ("Production|Passenger Cars",),
        question="How many passenger cars do the plants build?",
    ),
    Chart(
        "cars-exported",
        "Cars exported",
        ("Exports|Passenger Cars",),
        question="How many of them are exported?",
    ),
    Chart(
        "cells",
        "Battery cells: domestic supply against demand",
        ("Battery|Cell Supply|Domestic", "Battery|Demand|Domestic Production"),
        ("domestic cell supply", "cell demand of cars built here"),
        question="Do domestic cell plants keep up with the EVs built in the country?",
    ),
    Chart(
        "co2",
        "Road CO2 of passenger cars against the target path",
        ("Emissions|CO2|Passenger Cars",),
        target="Target|Emissions|CO2|Passenger Cars",
        question="Are cars on the national path to the 2030 and 2053 targets?",
    ),
)


@dataclass(frozen=True)
class Stack:
    """A stacked area of a total split by powertrain (one panel per scenario)."""

    key: str
    title: str
    parent: str
    parts: tuple[str, ...]


_POWERTRAINS = tuple(POWERTRAIN_COLOURS)
#: The stacked areas of the report and the dashboard.
STACKS: tuple[Stack, ...] = (
    Stack(
        "sales-by-powertrain",
        "New-car sales by powertrain",
        "Sales|Passenger Cars",
        tuple(f"Sales|Passenger Cars|{p}" for p in _POWERTRAINS),
    ),
    Stack(
        "stock-by-powertrain",
        "Cars on the road by powertrain",
        "Stock|Passenger Cars",
        tuple(f"Stock|Passenger Cars|{p}" for p in _POWERTRAINS),
    ),
)


def _long(wide: pd.DataFrame, stat: pd.Series | str) -> pd.DataFrame:
    years = [c for c in wide.columns if str(c).isdigit()]
    frame = wide.rename(columns={"Scenario": "scenario", "Variable": "variable", "Unit": "unit"})
    frame = frame.assign(stat=stat)
    long = frame.melt(
        id_vars=["scenario", "variable", "unit", "stat"],
        value_vars=years,
        var_name="year",
        value_name="value",
    )
    long["year"] = long["year"].astype(int)
    return long[COLUMNS]


def bands_from_tables(iamc: pd.DataFrame, quantiles: pd.DataFrame | None = None) -> pd.DataFrame:
    """A bands frame from an IAMC wide table and, optionally, its quantile table.

    Parameters
    ----------
    iamc
        Columns ``Scenario, Variable, Unit`` and one column per year (as in
        ``iamc.csv``); the deterministic run of each scenario.
    quantiles
        The same with a ``Quantile`` column [1] (as in ``iamc_quantiles.csv``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`.

    Examples
    --------
    >>> wide = pd.DataFrame({"Scenario": ["a"], "Variable": ["X"], "Unit": ["%"],
    ...                      "2030": [1.0], "2031": [2.0]})
    >>> bands_from_tables(wide)["value"].tolist()
    [1.0, 2.0]
    """
    frames = [_long(iamc, "central")]
    if quantiles is not None and not quantiles.empty:
        levels = quantiles["Quantile"].astype(float).round(6)
        unknown = sorted(set(levels) - set(QUANTILE_STATS))
        if unknown:
            msg = f"quantile levels {unknown} are not among {sorted(QUANTILE_STATS)}"
            raise ValueError(msg)
        frames.append(_long(quantiles.drop(columns="Quantile"), levels.map(QUANTILE_STATS)))
    return pd.concat(frames, ignore_index=True)


def bands_from_results(results: Results) -> pd.DataFrame:
    """A bands frame of a run held in memory (with its ensemble's quantiles, if any)."""
    quantiles = results.ensemble.quantiles() if results.ensemble is not None else None
    return bands_from_tables(results.to_iamc(), quantiles)


def scenario_colour(scenarios: Sequence[str], name: str) -> str:
    """The colour of a scenario: its position in ``scenarios`` picks a palette colour."""
    return PALETTE[list(scenarios).index(name) % len(PALETTE)]


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _display(unit: str) -> tuple[float, str]:
    return _SCALES.get(unit, (1.0, unit))


def _series(table: pd.DataFrame, stat: str) -> pd.Series:
    rows = table[table["stat"] == stat]
    return rows.set_index("year")["value"].sort_index()


def _layout(
    fig: go.Figure, title: str, y_title: str, base_year: int | None, *, label: bool = True
) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        template="plotly_white",
        hovermode="x unified",
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
        margin={"l": 70, "r": 20, "t": 50, "b": 40},
        height=420,
    )
    fig.update_xaxes(title_text="year")
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    if base_year is not None:
        fig.add_vline(x=base_year, line={"color": "#999999", "width": 1, "dash": "dot"})
    if base_year is not None and label:
        fig.add_annotation(
            x=base_year,
            y=1,
            yref="paper",
            text="history | projection",
            showarrow=False,
            yanchor="bottom",
            font={"size": 10, "color": "#777777"},
        )
    return fig


def fan_chart(
    bands: pd.DataFrame,
    variables: str | Sequence[str],
    *,
    title: str,
    labels: Sequence[str] = (),
    target: str | None = None,
    scenarios: Sequence[str] | None = None,
    years: tuple[int, int] | None = None,
    base_year: int | None = None,
    colours: Mapping[str, str] | None = None,
) -> go.Figure:
    """A fan chart of one or more variables for each scenario, with a target path.

    Parameters
    ----------
    bands
        A bands frame (:data:`COLUMNS`).
    variables
        IAMC variable(s) to draw; the first solid, the others dashed.
    title
        Figure title.
    labels
        Legend label per variable (default: the variable names).
    target
        IAMC variable of a target path, drawn as a black dashed line (one per
        scenario, in the scenario's colour, if the scenarios' paths differ).
    scenarios
        Scenarios to draw, in order (default: all in ``bands``, in order).
    years
        First and last year shown (default: all).
    base_year
        The last observed year, marked with a dotted line.
    colours
        Colour of each scenario (default: by position, :func:`scenario_colour`).

    Returns
    -------
    plotly.graph_objects.Figure
        With several variables and several scenarios, one panel per scenario
        (shared y axis), each variable in its colour (:data:`VARIABLE_COLOURS`);
        otherwise one panel, each scenario in its colour. The y axis is titled
        with the unit (``veh/yr`` shown in thousands and ``veh`` in millions).

    Raises
    ------
    ValueError
        If a variable is not in ``bands``.
    """
    names = [variables] if isinstance(variables, str) else list(variables)
    labels = list(labels) or names
    present = set(bands["variable"].unique())
    missing = [v for v in [*names, *([target] if target else [])] if v not in present]
    if missing:
        msg = f"variables {missing} are not in the results"
        raise ValueError(msg)
    if scenarios is None:
        scenarios = list(dict.fromkeys(bands["scenario"]))
    frame = bands[bands["scenario"].isin(scenarios) & bands["variable"].isin([*names, target])]
    if years is not None:
        frame = frame[frame["year"].between(*years)]
    unit = str(frame.loc[frame["variable"] == names[0], "unit"].iloc[0])
    factor, shown = _display(unit)
    facets = len(names) > 1 and len(scenarios) > 1
    if facets:  # one panel per scenario, each variable in its own colour
        fig = make_subplots(
            rows=1,
            cols=len(scenarios),
            shared_yaxes=True,
            subplot_titles=list(scenarios),
            horizontal_spacing=0.03,
        )
    else:
        fig = go.Figure()
    for col, scen in enumerate(scenarios, start=1):
        for k, (var, label) in enumerate(zip(names, labels, strict=True)):
            table = frame[(frame["scenario"] == scen) & (frame["variable"] == var)]
            if facets:
                colour = VARIABLE_COLOURS[k % len(VARIABLE_COLOURS)]
                name, group, legend = label, var, col == 1
            else:
                colour = (colours or {}).get(scen) or scenario_colour(scenarios, scen)
                name = f"{scen}: {label}" if len(names) > 1 else scen
                group, legend = f"{scen}|{var}", True
            where = {"row": 1, "col": col} if facets else {}
            for trace in _fan_traces(table, colour, name, group, factor, dashed=k > 0):
                if trace.showlegend is not False:
                    trace.showlegend = legend
                fig.add_trace(trace, **where)
    if target is not None:
        _add_target(fig, frame, target, scenarios, factor, colours)
    fig = _layout(fig, title, shown, base_year, label=not facets)
    if facets:
        fig.update_yaxes(title_text=None)
        fig.update_yaxes(title_text=shown, row=1, col=1)
        fig.update_layout(margin={"t": 70})
    return fig


def _fan_traces(
    table: pd.DataFrame, colour: str, name: str, group: str, factor: float, *, dashed: bool
) -> list[go.Scatter]:
    """The bands, the median and the central line of one variable of one scenario."""
    traces = []
    for lo, hi, alpha, band in _BANDS:
        low, high = _series(table, lo), _series(table, hi)
        if low.empty or high.empty:
            continue
        traces.append(
            go.Scatter(
                x=list(high.index) + list(low.index[::-1]),
                y=list(high.to_numpy() * factor) + list(low.to_numpy()[::-1] * factor),
                fill="toself",
                fillcolor=_rgba(colour, alpha),
                line={"width": 0},
                hoverinfo="skip",
                legendgroup=group,
                showlegend=False,
                name=f"{name} {band}",
            )
        )
    median = _series(table, "q50")
    if not median.empty:
        traces.append(
            go.Scatter(
                x=median.index,
                y=median.to_numpy() * factor,
                mode="lines",
                line={"color": colour, "width": 1.5, "dash": "dot"},
                legendgroup=group,
                showlegend=False,
                name=f"{name} median",
                hovertemplate="%{y:,.3~f}",
            )
        )
    central = _series(table, "central")
    traces.append(
        go.Scatter(
            x=central.index,
            y=central.to_numpy() * factor,
            mode="lines",
            line={"color": colour, "width": 2.5, "dash": "dash" if dashed else "solid"},
            legendgroup=group,
            name=name,
            hovertemplate="%{y:,.3~f}",
        )
    )
    return traces


def _add_target(
    fig: go.Figure,
    frame: pd.DataFrame,
    target: str,
    scenarios: Sequence[str],
    factor: float,
    colours: Mapping[str, str] | None = None,
) -> None:
    paths = {
        scen: _series(frame[(frame["scenario"] == scen) & (frame["variable"] == target)], "central")
        for scen in scenarios
    }
    first = next(iter(paths.values()))
    same = all(p.equals(first) for p in paths.values())
    for scen, path in paths.items():
        path = path.dropna()
        fig.add_trace(
            go.Scatter(
                x=path.index,
                y=path.to_numpy() * factor,
                mode="lines",
                line={
                    "color": _TARGET_COLOUR
                    if same
                    else (colours or {}).get(scen) or scenario_colour(scenarios, scen),
                    "width": 2,
                    "dash": "dash",
                },
                name="target path" if same else f"{scen}: target path",
                hovertemplate="%{y:,.3~f}",
            )
        )
        if same:
            break


def stacked_area(
    bands: pd.DataFrame,
    stack: Stack,
    *,
    scenarios: Sequence[str] | None = None,
    years: tuple[int, int] | None = None,
    base_year: int | None = None,
) -> go.Figure:
    """Stacked areas of a total by powertrain: one panel per scenario, shared y axis.

    Uses the deterministic run of each scenario (``stat == "central"``).
    """
    if scenarios is None:
        scenarios = list(dict.fromkeys(bands["scenario"]))
    frame = bands[
        (bands["stat"] == "central")
        & bands["scenario"].isin(scenarios)
        & bands["variable"].isin(stack.parts)
    ]
    if years is not None:
        frame = frame[frame["year"].between(*years)]
    if frame.empty:
        msg = f"variables {list(stack.parts)} are not in the results"
        raise ValueError(msg)
    unit = str(frame["unit"].iloc[0])
    factor, shown = _display(unit)
    fig = make_subplots(
        rows=1,
        cols=len(scenarios),
        shared_yaxes=True,
        subplot_titles=list(scenarios),
        horizontal_spacing=0.03,
    )
    for col, scen in enumerate(scenarios, start=1):
        for part in stack.parts:
            powertrain = part.rsplit("|", 1)[1]
            rows = frame[(frame["scenario"] == scen) & (frame["variable"] == part)]
            series = _series(rows, "central")
            fig.add_trace(
                go.Scatter(
                    x=series.index,
                    y=series.to_numpy() * factor,
                    mode="lines",
                    stackgroup=f"s{col}",
                    line={"width": 0.5, "color": POWERTRAIN_COLOURS[powertrain]},
                    name=powertrain,
                    legendgroup=powertrain,
                    showlegend=col == 1,
                    hovertemplate="%{y:,.3~f}",
                ),
                row=1,
                col=col,
            )
        if base_year is not None:
            fig.add_vline(
                x=base_year, line={"color": "#999999", "width": 1, "dash": "dot"}, row=1, col=col
            )
    fig.update_layout(
        title={"text": stack.title, "x": 0.0, "xanchor": "left"},
        template="plotly_white",
        hovermode="x unified",
        legend={"orientation": "h", "yanchor": "top", "y": -0.22, "x": 0},
        margin={"l": 70, "r": 20, "t": 70, "b": 70},
        height=400,
    )
    fig.update_xaxes(title_text="year")
    fig.update_yaxes(title_text=shown, row=1, col=1, rangemode="tozero")
    return fig


def chart(
    bands: pd.DataFrame,
    spec: Chart,
    *,
    scenarios: Sequence[str] | None = None,
    years: tuple[int, int] | None = None,
    base_year: int | None = None,
    colours: Mapping[str, str] | None = None,
) -> go.Figure:
    """The fan chart of a :class:`Chart` spec (see :func:`fan_chart`)."""
    return fan_chart(
        bands,
        spec.variables,
        title=spec.title,
        labels=spec.labels,
        target=spec.target,
        scenarios=scenarios,
        years=years,
        base_year=base_year,
        colours=colours,
    )

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

Each scenario has one colour wherever it is drawn, the report and the
dashboard alike (:func:`scenario_colour`: the dataset's scenarios take the
palette in their order). A scenario whose line coincides with one drawn
before it is drawn dashed on top of it, and a note under the title says so,
so neither hides the other.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from evhub.definitions import tags
from evhub.ensemble.summary import QUANTILES
from evhub.variables import fill_members, fill_one

if TYPE_CHECKING:
    from evhub.dims import Dims
    from evhub.results import Results

__all__ = [
    "CHARTS",
    "COLUMNS",
    "DASHES",
    "PALETTE",
    "POWERTRAIN_PALETTE",
    "STACKS",
    "Chart",
    "Stack",
    "bands_from_results",
    "bands_from_tables",
    "chart",
    "charts",
    "coinciding",
    "fan_chart",
    "powertrain_colours",
    "scenario_colour",
    "scenario_colours",
    "stacked_area",
    "stacks",
]

#: Columns of a bands frame.
COLUMNS = ["scenario", "variable", "unit", "year", "stat", "value"]
#: Ensemble quantile levels [1] and their ``stat`` labels (``q05`` for 0.05).
QUANTILE_STATS = {q: f"q{round(q * 100):02d}" for q in QUANTILES}

#: Scenario colours, in the order of the dataset's scenarios (Okabe-Ito, readable with
#: colour blindness).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
#: Line dashes in turn: of the runs of one scenario in the dashboard, of a line that
#: coincides with one drawn before it, of the second variable of a chart.
DASHES = ("solid", "dash", "dot", "dashdot")
#: Two central lines coincide where they differ by no more than this share of the
#: larger value [1] in every year (they would be drawn on the same pixels).
_SAME_LINE = 1e-9
#: Colours of the variables of a chart with several (first, second, ...) in per-scenario panels.
VARIABLE_COLOURS = ("#009E73", "#D55E00", "#0072B2")
#: Colours of the powertrains in stacked areas, given in the powertrains' order
#: (``dimensions.yaml``): the first powertrain gets the first colour, and so on,
#: round again if there are more powertrains than colours.
POWERTRAIN_PALETTE = ("#8c8c8c", "#4d4d4d", "#b8a37a", "#E69F00", "#56B4E9", "#009E73")
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

    In :data:`CHARTS` the variables and the target are templates with the tags
    of the variable definitions (``Stock|{Vehicle Class}|{Powertrain}``);
    :func:`charts` fills them from a dataset's dimensions.

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
    select
        By tag, the attributes of the member it stands for (a tag not in it
        has one member), as :func:`evhub.variables.fill_one`.
    vehicle_class
        The id of the vehicle class a chart of :func:`charts` shows (``None``:
        a chart of no class, or a template).
    """

    key: str
    title: str
    variables: tuple[str, ...]
    labels: tuple[str, ...] = ()
    target: str | None = None
    question: str = ""
    select: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, compare=False)
    vehicle_class: str | None = None


#: The tag of the vehicle classes.
_CLASS_TAG = "Vehicle Class"
#: The battery-electric powertrain: it has a plug and burns no fuel.
_BATTERY_ELECTRIC = {"Powertrain": {"plug": True, "fuel": None}}
_CLASS = "{Vehicle Class}"
#: The class a chart of one vehicle class shows, in its title.
_OF_CLASS = f"({_CLASS})"

#: The fan charts of the report and the dashboard, in order, as templates (see :func:`charts`).
CHARTS: tuple[Chart, ...] = (
    Chart(
        "ev-share",
        f"EV share of sales {_OF_CLASS}",
        (f"Share|Sales|{_CLASS}|EV",),
        question="How fast do buyers switch to battery-electric and plug-in hybrid vehicles?",
    ),
    Chart(
        "bev-stock",
        f"{{Powertrain}} on the road {_OF_CLASS}",
        (f"Stock|{_CLASS}|{{Powertrain}}",),
        question="How many battery-electric vehicles are registered?",
        select=_BATTERY_ELECTRIC,
    ),
    Chart(
        "built",
        f"Built in the country {_OF_CLASS}",
        (f"Production|{_CLASS}",),
        question="How many vehicles do the plants build?",
    ),
    Chart(
        "exported",
        f"Exported {_OF_CLASS}",
        (f"Exports|{_CLASS}",),
        question="How many of them are exported?",
    ),
    Chart(
        "cells",
        "Battery cells: domestic supply against demand",
        ("Battery|Cell Supply|Domestic", "Battery|Demand|Domestic Production"),
        ("domestic cell supply", "cell demand of vehicles built here"),
        question="Do domestic cell plants keep up with the EVs built in the country?",
    ),
    Chart(
        "co2",
        f"Road CO2 against the target path {_OF_CLASS}",
        (f"Emissions|CO2|{_CLASS}",),
        target=f"Target|Emissions|CO2|{_CLASS}",
        question="Are the vehicles on the national path to the emission targets?",
    ),
)


@dataclass(frozen=True)
class Stack:
    """A stacked area of a total split by powertrain (one panel per scenario).

    In :data:`STACKS` the parent and the parts are templates: each part has
    the tag ``{Powertrain}`` and stands for one variable per powertrain
    (``Sales|{Vehicle Class}|{Powertrain}``); :func:`stacks` fills them from a
    dataset's dimensions.

    Attributes
    ----------
    key
        Short id (used in HTML anchors and dashboard keys).
    title
        Figure title.
    parent
        The IAMC variable of the total.
    parts
        The IAMC variables that add up to it, stacked in order.
    names
        The legend name of each part (default: the last part of its name).
    colours
        The colour of each part (default: :data:`POWERTRAIN_PALETTE` in order).
    vehicle_class
        The id of the vehicle class a stack of :func:`stacks` shows (``None``:
        of no class, or a template).
    """

    key: str
    title: str
    parent: str
    parts: tuple[str, ...]
    names: tuple[str, ...] = ()
    colours: tuple[str, ...] = ()
    vehicle_class: str | None = None


#: The stacked areas of the report and the dashboard, as templates (see :func:`stacks`).
STACKS: tuple[Stack, ...] = (
    Stack(
        "sales-by-powertrain",
        f"Sales by powertrain {_OF_CLASS}",
        f"Sales|{_CLASS}",
        (f"Sales|{_CLASS}|{{Powertrain}}",),
    ),
    Stack(
        "stock-by-powertrain",
        f"On the road by powertrain {_OF_CLASS}",
        f"Stock|{_CLASS}",
        (f"Stock|{_CLASS}|{{Powertrain}}",),
    ),
)


def powertrain_colours(dims: Dims) -> dict[str, str]:
    """The colour of each powertrain by id: :data:`POWERTRAIN_PALETTE` in member order.

    Examples
    --------
    >>> from evhub.dataset import load_dataset
    >>> powertrain_colours(load_dataset().dims)["bev"]
    '#009E73'
    """
    return {
        id_: POWERTRAIN_PALETTE[k % len(POWERTRAIN_PALETTE)]
        for k, id_ in enumerate(dims.powertrains.ids)
    }


def charts(dims: Dims) -> tuple[Chart, ...]:
    """The fan charts of :data:`CHARTS` for a dataset: tags filled with its members' labels.

    A chart of ``{Vehicle Class}`` stands for one chart per class, in the
    classes' order, its key ending in the class's id (``ev-share-car``).

    Parameters
    ----------
    dims
        The dataset's dimensions (:attr:`evhub.dataset.Dataset.dims`, or
        :attr:`evhub.report.read.ResultsFolder.dims` of a results folder).

    Raises
    ------
    InputError
        If a chart's tag stands for no member or for several
        (:func:`evhub.variables.fill_one`).

    Examples
    --------
    >>> from evhub.dataset import load_dataset
    >>> [c.key for c in charts(load_dataset().dims)][:3]
    ['ev-share-car', 'ev-share-lcv', 'bev-stock-car']
    >>> charts(load_dataset().dims)[2].variables
    ('Stock|Passenger Cars|BEV',)
    """
    out = []
    for spec in CHARTS:
        texts = [spec.title, *spec.variables, spec.target or ""]
        for vehicle_class in _classes(texts, dims):
            title, *variables, target = fill_one(
                texts,
                dims,
                spec.select,
                what=f"chart {spec.key!r}",
                vehicle_class=vehicle_class,
            )
            out.append(
                replace(
                    spec,
                    key=_key(spec.key, vehicle_class),
                    title=title,
                    variables=tuple(variables),
                    target=target or None,
                    select={},
                    vehicle_class=vehicle_class,
                )
            )
    return tuple(out)


def stacks(dims: Dims) -> tuple[Stack, ...]:
    """The stacked areas of :data:`STACKS` for a dataset: one part per powertrain.

    Each part is named with its powertrain's label and coloured by
    :func:`powertrain_colours`. Like the fan charts, a stack of
    ``{Vehicle Class}`` stands for one per class; a class's stack has the
    powertrains sold in it (``classes`` of ``dimensions.yaml``).

    Examples
    --------
    >>> from evhub.dataset import load_dataset
    >>> stacks(load_dataset().dims)[0].names
    ('Petrol', 'Diesel', 'LPG', 'HEV', 'PHEV', 'BEV')
    >>> [s.title for s in stacks(load_dataset().dims)][:2]
    ['Sales by powertrain (Passenger Cars)', 'Sales by powertrain (Light Commercial Vehicles)']
    """
    colours = powertrain_colours(dims)
    out = []
    for spec in STACKS:
        for vehicle_class in _classes([spec.title, spec.parent, *spec.parts], dims):
            title, parent = fill_one(
                [spec.title, spec.parent],
                dims,
                what=f"chart {spec.key!r}",
                vehicle_class=vehicle_class,
            )
            sold = set(
                dims.powertrains.ids
                if vehicle_class is None
                else dims.powertrains.where(classes=vehicle_class)
            )
            parts: list[str] = []
            names: list[str] = []
            shades: list[str] = []
            for template in spec.parts:
                for name, ids in fill_members(template, dims):
                    if ids.get(_CLASS_TAG, vehicle_class) != vehicle_class:
                        continue
                    if ids["Powertrain"] not in sold:
                        continue
                    parts.append(name)
                    names.append(dims.powertrains.label(ids["Powertrain"]))
                    shades.append(colours[ids["Powertrain"]])
            out.append(
                replace(
                    spec,
                    key=_key(spec.key, vehicle_class),
                    title=title,
                    parent=parent,
                    parts=tuple(parts),
                    names=tuple(names),
                    colours=tuple(shades),
                    vehicle_class=vehicle_class,
                )
            )
    return tuple(out)


def _classes(texts: Sequence[str], dims: Dims) -> tuple[str | None, ...]:
    """The classes a chart's templates stand for: each class, or ``None`` if of no class."""
    of_class = any(_CLASS_TAG in tags(text) for text in texts)
    return dims.classes.ids if of_class else (None,)


def _key(key: str, vehicle_class: str | None) -> str:
    """A chart's key, with the class's id for a chart of one class."""
    return key if vehicle_class is None else f"{key}-{vehicle_class}"


def _long(wide: pd.DataFrame, stat: pd.Series | str) -> pd.DataFrame:
    years = [c for c in wide.columns if str(c).isdecimal()]
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


def scenario_colour(name: str, known: Sequence[str] = ()) -> str:
    """The colour of a scenario by its name: the same in the report and the dashboard.

    Parameters
    ----------
    name
        The scenario's name.
    known
        The dataset's scenarios in its order (``scenarios`` of ``dataset.yaml``):
        the ``k``-th takes the ``k``-th colour of :data:`PALETTE`.

    Returns
    -------
    str
        A colour of :data:`PALETTE`. A name not in ``known`` (a scenario file
        of the user's) takes one of the colours the known scenarios leave
        free, picked by a checksum of the name, so it too keeps its colour
        from one chart to the next.

    Examples
    --------
    >>> shipped = ["baseline", "announced", "hub", "net-zero"]
    >>> scenario_colour("hub", shipped) == PALETTE[2]
    True
    >>> scenario_colour("my-case", shipped) in PALETTE[4:]
    True
    """
    names = list(dict.fromkeys(known))
    if name in names:
        return PALETTE[names.index(name) % len(PALETTE)]
    taken = set(PALETTE[: len(names)])
    free = [c for c in PALETTE if c not in taken] or list(PALETTE)
    return free[zlib.crc32(name.encode("utf-8")) % len(free)]


def scenario_colours(names: Sequence[str], known: Sequence[str] = ()) -> dict[str, str]:
    """The colour of each of ``names`` (:func:`scenario_colour`; ``known`` defaults to them)."""
    order = list(known) or list(names)
    return {n: scenario_colour(n, order) for n in names}


def coinciding(lines: Mapping[str, pd.Series]) -> dict[str, str]:
    """Of named lines, each that coincides with one before it, and which.

    Two lines coincide where they have the same years and differ by no more
    than a billionth of the larger value in every year (NaN where both are).

    >>> a = pd.Series([1.0, 2.0], index=[2030, 2031])
    >>> coinciding({"hub": a, "net-zero": a.copy(), "baseline": a + 1})
    {'net-zero': 'hub'}
    """
    seen: list[tuple[str, pd.Series]] = []
    same: dict[str, str] = {}
    for name, line in lines.items():
        for other, before in seen:
            if _same_line(line, before):
                same[name] = other
                break
        seen.append((name, line))
    return same


def _same_line(a: pd.Series, b: pd.Series) -> bool:
    if a.empty or len(a) != len(b) or not a.index.equals(b.index):
        return False
    x, y = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
    both = np.isnan(x) & np.isnan(y)
    size = np.maximum(np.abs(x), np.abs(y))
    with np.errstate(invalid="ignore"):
        close = np.abs(x - y) <= _SAME_LINE * size
    return bool(np.all(close | both))


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
    dashes: Mapping[str, str] | None = None,
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
        Colour of each scenario (default: :func:`scenario_colour` with the
        scenarios drawn as the known ones, in order).
    dashes
        Dash of each scenario's line, one of :data:`DASHES` (default: solid);
        the dashboard tells two runs of one scenario apart by it.

    Returns
    -------
    plotly.graph_objects.Figure
        With several variables and several scenarios, one panel per scenario
        (shared y axis), each variable in its colour (:data:`VARIABLE_COLOURS`);
        otherwise one panel, each scenario in its colour. The y axis is titled
        with the unit (``veh/yr`` shown in thousands and ``veh`` in millions).
        In one panel, a scenario whose central line coincides with that of
        a scenario drawn before it (:func:`coinciding`) takes the next dash of
        :data:`DASHES`, and a note under the title names both.

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
    dash = {scen: (dashes or {}).get(scen, DASHES[0]) for scen in scenarios}
    notes = [] if facets else _separate(frame, names[0], scenarios, dash)
    for col, scen in enumerate(scenarios, start=1):
        for k, (var, label) in enumerate(zip(names, labels, strict=True)):
            table = frame[(frame["scenario"] == scen) & (frame["variable"] == var)]
            if facets:
                colour = VARIABLE_COLOURS[k % len(VARIABLE_COLOURS)]
                name, group, legend = label, var, col == 1
                line = DASHES[k % len(DASHES)]
            else:
                colour = (colours or {}).get(scen) or scenario_colour(scen, scenarios)
                name = f"{scen}: {label}" if len(names) > 1 else scen
                group, legend = f"{scen}|{var}", True
                line = DASHES[(DASHES.index(dash[scen]) + k) % len(DASHES)]
            where = {"row": 1, "col": col} if facets else {}
            for trace in _fan_traces(table, colour, name, group, factor, dash=line):
                if trace.showlegend is not False:
                    trace.showlegend = legend
                fig.add_trace(trace, **where)
    if target is not None:
        _add_target(fig, frame, target, scenarios, factor, colours)
    fig = _layout(fig, title, shown, base_year, label=not facets)
    if notes:
        _add_note(fig, "; ".join(notes))
    if facets:
        fig.update_yaxes(title_text=None)
        fig.update_yaxes(title_text=shown, row=1, col=1)
        fig.update_layout(margin={"t": 70})
    return fig


def _separate(
    frame: pd.DataFrame, variable: str, scenarios: Sequence[str], dash: dict[str, str]
) -> list[str]:
    """Give each line that coincides with one drawn before it another dash; the notes.

    ``dash`` (scenario -> dash) is updated in place: a coinciding line takes
    the first dash of :data:`DASHES` that no line it coincides with has.
    """
    rows = frame[(frame["variable"] == variable) & (frame["stat"] == "central")]
    lines = {s: _series(rows[rows["scenario"] == s], "central") for s in scenarios}
    same = coinciding(lines)
    notes = []
    for scen, first in same.items():
        group = [first, *(s for s, o in same.items() if o == first and s != scen)]
        taken = {dash[s] for s in group if list(scenarios).index(s) < list(scenarios).index(scen)}
        if dash[scen] in taken:
            dash[scen] = next((d for d in DASHES if d not in taken), dash[scen])
        notes.append(f"{scen} ({_DASH_WORDS[dash[scen]]}) equals {first}")
    return notes


#: How a note names a dash.
_DASH_WORDS = {"solid": "solid", "dash": "dashed", "dot": "dotted", "dashdot": "dash-dotted"}


def _add_note(fig: go.Figure, text: str) -> None:
    """A note between the title and the plot (the figure's top margin grows to hold it)."""
    fig.add_annotation(
        x=0,
        xref="paper",
        xanchor="left",
        y=1,
        yref="paper",
        yanchor="bottom",
        yshift=16,
        text=text,
        showarrow=False,
        font={"size": 11, "color": "#555555"},
    )
    fig.update_layout(margin={"t": 76})


def _fan_traces(
    table: pd.DataFrame, colour: str, name: str, group: str, factor: float, *, dash: str
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
            line={"color": colour, "width": 2.5, "dash": dash},
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
                    else (colours or {}).get(scen) or scenario_colour(scen, scenarios),
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
    names = stack.names or tuple(p.rsplit("|", 1)[-1] for p in stack.parts)
    shades = stack.colours or tuple(
        POWERTRAIN_PALETTE[k % len(POWERTRAIN_PALETTE)] for k in range(len(stack.parts))
    )
    for col, scen in enumerate(scenarios, start=1):
        for part, powertrain, colour in zip(stack.parts, names, shades, strict=True):
            rows = frame[(frame["scenario"] == scen) & (frame["variable"] == part)]
            series = _series(rows, "central")
            fig.add_trace(
                go.Scatter(
                    x=series.index,
                    y=series.to_numpy() * factor,
                    mode="lines",
                    stackgroup=f"s{col}",
                    line={"width": 0.5, "color": colour},
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
    dashes: Mapping[str, str] | None = None,
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
        dashes=dashes,
    )

"""The dashboard's logic, without Streamlit: form → overrides, validation, runs and tables.

The Streamlit script (:mod:`evhub.dashboard.app`) only lays out widgets and
calls these functions, so everything the dashboard decides can be tested
without a browser:

- :func:`slider_specs` and :func:`project_frame` give the inputs of a
  scenario (their ranges come from the parameter's allowed range and the
  dataset's sourced range, never from numbers typed here);
- :func:`form_overrides` turns the values in the form into overrides by
  dotted path, keeping only what differs from the scenario;
- :func:`run` validates them through :func:`evhub.resolve` (bad values raise
  :class:`~evhub.errors.InputError` with the scenario loader's message) and
  runs the scenario, keeping what the page shows in a :class:`Run`;
- :func:`compare_bands`, :func:`compare_scorecard` and :func:`delta` build the
  comparison of up to :data:`MAX_COMPARE` runs (:func:`compare_after_run`
  adds each new run to it; :func:`run_colour` keeps each run's colour).
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

import pandas as pd

from evhub import api, parameters
from evhub.compose import project_table
from evhub.dataset import Dataset
from evhub.errors import InputError
from evhub.figures import PALETTE, bands_from_tables
from evhub.results import Results
from evhub.scenario import (
    OVERRIDES,
    ResolvedScenario,
    default_parameters,
    parameter_bounds,
)
from evhub.variables import scorecard_indicators

__all__ = [
    "CONTROLS_TABLE",
    "EXTRA_EXAMPLE",
    "GRID",
    "HEADLINES",
    "HISTORY_SHOWN",
    "MAX_COMPARE",
    "MAX_RUNS",
    "MAX_SAMPLES",
    "MAX_SEED",
    "PROJECT_COLUMNS",
    "REALISED",
    "Control",
    "Headline",
    "HeadlineSpec",
    "Run",
    "SliderSpec",
    "chart_years",
    "check",
    "compare_after_run",
    "compare_bands",
    "compare_scorecard",
    "controls",
    "delta",
    "describe_overrides",
    "display_scorecard",
    "form_fields",
    "form_overrides",
    "format_value",
    "keep_runs",
    "metric_text",
    "name_fields",
    "parse_extra",
    "pending_inputs",
    "project_frame",
    "project_overrides",
    "run",
    "run_colour",
    "run_label",
    "slider_specs",
    "sources_table",
    "stale_inputs",
]

#: Largest ensemble the dashboard runs per click (a UI limit: about a second
#: per scenario on one core; the command line has no such limit).
MAX_SAMPLES = 2000
#: Runs a session keeps; the oldest is dropped beyond this.
MAX_RUNS = 8
#: Runs drawn on the same charts at once.
MAX_COMPARE = 4
#: Largest seed (NumPy seeds are unsigned 32-bit integers here).
MAX_SEED = 2**32 - 1
#: Years of history the charts show before the base year.
HISTORY_SHOWN = 15
#: Choices of a project's "realised" cell: the scenario's probability, realised
#: (probability 1) or not (probability 0).
REALISED = ("scenario", "yes", "no")
#: A million: headline values from it are shown in millions (``M``).
_MILLION = 1e6
#: Largest number of decimals a slider step gets.
_MAX_DECIMALS = 4
#: Relative tolerance below which a form value equals the scenario's value
#: (slider values travel through the browser as doubles).
_SAME = 1e-9
#: Parameter paths shown to the user, at most this many per source in the sources table.
_PATHS_SHOWN = 3

#: Fixed sliders: (widget key, label, parameter path).
#: The dashboard's sliders (a table of the package): which catalogue parameters, for which
#: members of their dimension, under which widget key and label (see :func:`controls`).
CONTROLS_TABLE = "data/controls.csv"
_CONTROL_COLUMNS = ("parameter", "members", "key", "label")
#: Units a slider's label does not repeat (a year is plain; text has none).
_UNSHOWN_UNITS = ("yr", "-", "")

#: The grid path: one slider per year of ``grid.renewable_share`` in the scenario.
GRID = "grid.renewable_share"

#: Columns of the pipeline editor (:func:`project_frame`), the editable ones first.
PROJECT_COLUMNS = ("project id", "realised", "delay [yr]", "probability", "stage", "company")
#: The field names of the pipeline editor in messages (:func:`form_fields`).
_PROJECTS_FIELD = "Pipeline projects"
#: The field name of the "other parameters" box in messages.
_EXTRA_FIELD = "Other parameters"

#: Shown as the placeholder of the "other parameters" box.
EXTRA_EXAMPLE = "market.ice_ban_year = 2035\npipeline.overrides.byd-manisa.drop = true"


# --------------------------------------------------------------------------
# Inputs of a scenario
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SliderSpec:
    """A slider of the form: which parameter, its range, step and the scenario's value.

    Attributes
    ----------
    key, label
        Streamlit widget key and label.
    path
        Dotted parameter path.
    low, high, step
        Slider range and step, in the parameter's unit.
    value
        The scenario's value (its central value if it is a distribution).
    help
        What the parameter is, where the range comes from, what the model accepts.
    """

    key: str
    label: str
    path: str
    low: float
    high: float
    step: float
    value: float
    help: str = ""

    @property
    def integer(self) -> bool:
        """Whether the slider moves in whole numbers (then Streamlit gets ints)."""
        return self.step >= 1 and all(
            float(x).is_integer() for x in (self.low, self.high, self.value)
        )

    @property
    def format(self) -> str:
        """The printf format of the slider's value: as many decimals as the step has."""
        return "%d" if self.integer else f"%.{_decimals(self.step)}f"

    def cast(self, x: float) -> int | float:
        """A value in the type the slider uses (``int`` or ``float``)."""
        return round(x) if self.integer else float(x)


def _decimals(x: float) -> int:
    """Decimals needed to write ``x`` (at most :data:`_MAX_DECIMALS`)."""
    for d in range(_MAX_DECIMALS + 1):
        scaled = x * 10**d
        if abs(scaled - round(scaled)) <= _SAME * max(1.0, abs(scaled)):
            return d
    return _MAX_DECIMALS


def _description(path: str, data: Dataset) -> str:
    """The catalogue's description of a parameter path (``""`` if there is none)."""
    for item in parameters.expand(data.dims):
        if item.path == path:
            return parameters.description(item, data.dims)
    row = parameters.spec(path)
    return row.description if row is not None else ""


def _finite(x: Any) -> bool:
    """Whether ``x`` is a finite real number (NumPy scalars too; not a bool)."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(float(x))


@dataclass(frozen=True)
class Control:
    """A slider's widget key, label and the parameter it sets."""

    key: str
    label: str
    path: str


def controls(data: Dataset, years: Sequence[int] = ()) -> list[Control]:
    """The sliders of :data:`CONTROLS_TABLE` for a dataset, in the table's order.

    Each row names a parameter of the catalogue (:mod:`evhub.parameters`) by its
    path template; ``members`` binds the template's placeholder to a selector
    of the dataset's dimensions (``powertrain=powertrains[plug=true,fuel=null]``:
    one slider per battery-electric powertrain), and a ``{year}`` row gives one
    slider per year of ``years``. ``{name}`` in the key and label becomes the
    member id and label (the year); the label ends with the catalogue's unit
    (except years).

    Parameters
    ----------
    data
        The dataset (its dimensions).
    years
        The years of the year-keyed rows (the scenario's grid years).

    Returns
    -------
    list of Control

    Raises
    ------
    InputError
        If the table names a parameter the catalogue does not have, or a
        selector is malformed.
    """
    where = f"evhub/{CONTROLS_TABLE}"
    text = resources.files("evhub").joinpath(CONTROLS_TABLE).read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != _CONTROL_COLUMNS:
        msg = f"{where}: expected columns {list(_CONTROL_COLUMNS)}, got {reader.fieldnames}"
        raise InputError(msg)
    out: list[Control] = []
    for row in reader:
        template = row["parameter"]
        spec = next((s for s in parameters.specs() if s.path == template), None)
        if spec is None:
            table = parameters.PARAMETER_TABLE
            msg = f"{where}: parameter {template!r} is not a path of evhub/{table}"
            raise InputError(msg)
        unit = "" if spec.unit in _UNSHOWN_UNITS else f" [{spec.unit}]"
        name, _, selector = row["members"].partition("=")
        if selector:
            dimension = getattr(data.dims, selector.split("[", 1)[0])
            for member in parameters.select(data.dims, selector):
                keys = {name: member}
                labels = {name: dimension.label(member)}
                out.append(
                    Control(
                        row["key"].format_map(keys),
                        row["label"].format_map(labels) + unit,
                        template.format_map(keys),
                    )
                )
        elif "{year}" in template:
            out.extend(
                Control(
                    row["key"].format(year=y),
                    row["label"].format(year=y) + unit,
                    template.format(year=y),
                )
                for y in years
            )
        else:
            out.append(Control(row["key"], row["label"] + unit, template))
    return out


def slider_specs(
    resolved: ResolvedScenario,
    data: Dataset,
    others: Sequence[ResolvedScenario] = (),
) -> list[SliderSpec]:
    """The sliders of a scenario (:func:`controls`): EV share curve, EU export share, grid path.

    Parameters
    ----------
    resolved
        The scenario whose values the sliders start at.
    data
        The dataset (its sourced low/high range of each parameter).
    others
        Other scenarios (the shipped ones) whose values the range must hold,
        so that every scenario's sliders have the same range.

    Returns
    -------
    list of SliderSpec
        One per :func:`controls` entry: the year-keyed ones for each year of
        ``grid.renewable_share`` in ``resolved``.

    Raises
    ------
    ValueError
        If a parameter has neither a sourced range nor finite allowed bounds.

    Notes
    -----
    A slider runs over the dataset's sourced range of the parameter (the
    ``low`` and ``high`` of ``assumptions.csv`` or the data table), widened to
    hold every given scenario's value; without a sourced range, over the
    range the scenario schema allows. It never leaves the allowed range. The
    step is the finest decimal the range ends and values are written with.
    """
    defaults = default_parameters(data)
    years = sorted(int(p.rsplit(".", 1)[1]) for p in resolved.values if p.startswith(GRID + "."))
    specs = []
    for key, label, path in ((c.key, c.label, c.path) for c in controls(data, years)):
        values = [float(s.values[path]) for s in (resolved, *others) if _finite(s.values.get(path))]
        if not _finite(resolved.values.get(path)):
            msg = f"{resolved.name}: {path} = {resolved.values.get(path)!r} is not a number"
            raise ValueError(msg)
        bounds = parameter_bounds(path, data)
        default = defaults.get(path)
        sourced = default is not None and _finite(default.low) and _finite(default.high)
        if default is not None and sourced:
            low, high = float(default.low), float(default.high)
            origin = f"the sourced range {low:g}-{high:g} in {default.file.rsplit('/', 1)[-1]}"
        elif math.isfinite(bounds.low) and math.isfinite(bounds.high):
            low, high = bounds.low, bounds.high
            origin = "the range the model accepts"
        else:
            msg = f"{path}: no sourced range and no finite allowed range {bounds.describe()}"
            raise ValueError(msg)
        low, high = min(low, *values), max(high, *values)
        step = 10.0 ** -max(_decimals(x) for x in (low, high, *values))
        # open bounds (steepness > 0) are kept open by one step
        low = max(low, bounds.low + (step if bounds.low_open else 0.0))
        high = min(high, bounds.high - (step if bounds.high_open else 0.0))
        unit = resolved.units.get(path, "")
        text = _description(path, data)
        help_text = (
            f"{text} [{unit}]. `{path}`. The slider spans {origin}, widened to the shipped "
            f"scenarios' values; the model accepts {bounds.describe()}; set other values "
            "under *Other parameters*. A value set here is fixed in an ensemble."
        )
        specs.append(
            SliderSpec(
                key=key,
                label=label,
                path=path,
                low=low,
                high=high,
                step=step,
                value=float(resolved.values[path]),
                help=help_text,
            )
        )
    return specs


def _project_delay(resolved: ResolvedScenario, pid: str, stage: str) -> float:
    own = resolved.values.get(f"{OVERRIDES}.{pid}.delay")
    if own is not None and _finite(own):
        return float(own)
    return float(resolved.values[f"pipeline.stages.{stage}.delay"])


def _report_years(data: Dataset) -> list[int]:
    return [int(y) for y in data.meta.get("report_years") or [data.base_year]]


def project_frame(resolved: ResolvedScenario, data: Dataset) -> pd.DataFrame:
    """The rows of the pipeline editor: projects with a capacity, as the scenario sees them.

    Parameters
    ----------
    resolved
        The scenario.
    data
        The dataset.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PROJECT_COLUMNS` and ``dropped`` (the scenario leaves
        the project out): ``probability`` [1] of being realised in the
        scenario; ``realised``, ``"scenario"`` (the first of :data:`REALISED`:
        keep that probability); ``delay [yr]``, the project's delay beyond its
        announced start (its own, or its stage's), NaN for plants already
        producing (a stage of the dataset's stages with ``producing: true``), whose
        start does not slip.
    """
    table = project_table(resolved, data, _report_years(data)[0])
    producing = data.dims.stages.where(producing=True)
    table = table[table["capacity"].notna()]
    dropped = [bool(resolved.values.get(f"{OVERRIDES}.{pid}.drop", False)) for pid in table["id"]]
    frame = pd.DataFrame(
        {
            "project id": table["id"].astype(str).to_list(),
            "company": table["company"].astype(str).to_list(),
            "stage": table["stage"].astype(str).to_list(),
            "probability": table["probability"].astype(float).to_list(),
            "realised": [REALISED[0]] * len(table),
            "delay [yr]": [
                math.nan
                if str(stage) in producing
                else _project_delay(resolved, str(pid), str(stage))
                for pid, stage in zip(table["id"], table["stage"], strict=True)
            ],
            "dropped": dropped,
        }
    )
    return frame[[*PROJECT_COLUMNS, "dropped"]]


# --------------------------------------------------------------------------
# Form → overrides
# --------------------------------------------------------------------------


def _same(a: float, b: float) -> bool:
    return abs(float(a) - float(b)) <= _SAME * max(1.0, abs(float(b)))


def _missing(x: Any) -> bool:
    """Whether an editor cell is empty (``None``, NaN or ``pd.NA``)."""
    return x is None or (not isinstance(x, str) and bool(pd.isna(x)))


def project_overrides(defaults: pd.DataFrame, edited: pd.DataFrame) -> dict[str, Any]:
    """Overrides of the pipeline editor: ``pipeline.overrides.<id>.probability`` and ``.delay``.

    Parameters
    ----------
    defaults
        The editor's rows as the scenario has them (:func:`project_frame`).
    edited
        The same rows after editing (same project ids in the same order).

    Returns
    -------
    dict
        For each project set to ``"yes"``, ``probability`` 1 (and ``drop``
        false if the scenario drops it); for each set to ``"no"``,
        ``probability`` 0; nothing for ``"scenario"`` (or an empty cell); for
        each project whose delay changed, ``delay`` [yr].

    Raises
    ------
    InputError
        If the rows do not match, a ``realised`` cell is not one of
        :data:`REALISED`, a delay is empty or not a number, or a delay is
        given for a plant already producing.
    """
    ids = [str(x) for x in defaults["project id"]]
    if [str(x) for x in edited["project id"]] != ids:
        msg = f"{_PROJECTS_FIELD}: the table's rows do not match the scenario's projects"
        raise InputError(msg)
    out: dict[str, Any] = {}
    for (_, old), (_, new) in zip(defaults.iterrows(), edited.iterrows(), strict=True):
        pid = str(old["project id"])
        own = f"{OVERRIDES}.{pid}"
        realised = REALISED[0] if _missing(new["realised"]) else new["realised"]
        if realised not in REALISED:
            msg = (
                f"{_PROJECTS_FIELD}, {pid} realised = {realised!r}: "
                f"expected one of {', '.join(REALISED)}"
            )
            raise InputError(msg)
        if realised != REALISED[0]:
            out[f"{own}.probability"] = 1.0 if realised == "yes" else 0.0
            if realised == "yes" and bool(old["dropped"]):
                out[f"{own}.drop"] = False
        field = f"{_PROJECTS_FIELD}, {pid} delay [yr]"
        delay = new["delay [yr]"]
        if _missing(old["delay [yr]"]):  # producing already: no delay applies
            if not _missing(delay):
                msg = (
                    f"{field} = {delay!r}: the plant is already producing (stage "
                    f"{old['stage']}), so its start does not slip; leave the cell empty"
                )
                raise InputError(msg)
            continue
        if _missing(delay):
            msg = f"{field} is empty; give a number of years"
            raise InputError(msg)
        if not _finite(delay):
            msg = f"{field} = {delay!r} is not a number"
            raise InputError(msg)
        if not _same(float(delay), float(old["delay [yr]"])):
            out[f"{own}.delay"] = float(delay)
    return out


def parse_extra(text: str) -> dict[str, Any]:
    r"""Parse the "other parameters" box: one ``PATH = VALUE`` a line.

    Blank lines and lines starting with ``#`` are skipped; values are read as
    YAML (numbers, ``true``/``false``, ``null``, ``{dist: triangular}``), as
    on the command line's ``--set``.

    Raises
    ------
    InputError
        For a line without ``=`` or without a path, or a value that is not YAML.

    Examples
    --------
    >>> parse_extra("market.ice_ban_year = 2035\n# a comment")
    {'market.ice_ban_year': 2035}
    """
    out: dict[str, Any] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        path, sep, value = line.partition("=")
        if not sep or not path.strip():
            msg = (
                f"{_EXTRA_FIELD}, line {number}: {line!r}: expected PATH = VALUE, "
                "e.g. market.ice_ban_year = 2035"
            )
            raise InputError(msg)
        try:
            out[path.strip()] = api.parse_value(value.strip(), path.strip())
        except InputError as exc:
            msg = f"{_EXTRA_FIELD}, line {number}: {exc}"
            raise InputError(msg) from None
    return out


def form_overrides(
    sliders: Sequence[SliderSpec],
    values: Mapping[str, float],
    projects: pd.DataFrame | None = None,
    edited: pd.DataFrame | None = None,
    extra: str = "",
) -> dict[str, Any]:
    """The overrides of the form: only what differs from the scenario.

    Parameters
    ----------
    sliders
        The scenario's sliders (:func:`slider_specs`).
    values
        The form's value of each slider, by widget key (a missing key is unchanged).
    projects, edited
        The pipeline editor's rows before and after editing (:func:`project_frame`).
    extra
        The "other parameters" box (:func:`parse_extra`); its lines come last
        and win over the sliders.

    Returns
    -------
    dict
        Overrides by dotted path, for :func:`evhub.run` and :func:`evhub.resolve`.

    Raises
    ------
    InputError
        If a value is not a number, or from :func:`project_overrides` and
        :func:`parse_extra`.

    Examples
    --------
    >>> spec = SliderSpec("bev_ceiling", "BEV share ceiling [%]", "market.bev_share.ceiling",
    ...                   30, 100, 1, 70)
    >>> form_overrides([spec], {"bev_ceiling": 70})
    {}
    >>> form_overrides([spec], {"bev_ceiling": 80})
    {'market.bev_share.ceiling': 80.0}
    """
    out: dict[str, Any] = {}
    for spec in sliders:
        if spec.key not in values:
            continue
        value = values[spec.key]
        if not _finite(value):
            msg = f"{spec.label} ({spec.path}) = {value!r} is not a number"
            raise InputError(msg)
        if not _same(float(value), spec.value):
            out[spec.path] = float(value)
    if projects is not None and edited is not None:
        out.update(project_overrides(projects, edited))
    out.update(parse_extra(extra))
    return out


def form_fields(
    sliders: Sequence[SliderSpec],
    projects: pd.DataFrame | None = None,
    extra: str = "",
) -> dict[str, str]:
    r"""The form field that sets each parameter path, as messages name it.

    Parameters
    ----------
    sliders, projects, extra
        As for :func:`form_overrides`.

    Returns
    -------
    dict
        Path -> field: a slider's label; ``"Pipeline projects, <id> realised"``
        and ``"Pipeline projects, <id> delay [yr]"``; ``"Other parameters,
        line <n>"`` for each path the box sets and the paths below it (the
        box wins, its last line too, as in :func:`form_overrides`).

    Examples
    --------
    >>> form_fields([], extra="# a comment\nmarket.ice_ban_year = 2150")
    {'market.ice_ban_year': 'Other parameters, line 2'}
    """
    out = {spec.path: spec.label for spec in sliders}
    if projects is not None:
        for pid in projects["project id"].astype(str):
            field = f"{_PROJECTS_FIELD}, {pid}"
            out[f"{OVERRIDES}.{pid}.probability"] = f"{field} realised"
            out[f"{OVERRIDES}.{pid}.drop"] = f"{field} realised"
            out[f"{OVERRIDES}.{pid}.delay"] = f"{field} delay [yr]"
    for number, raw in enumerate(extra.splitlines(), start=1):
        path, sep, _ = raw.strip().partition("=")
        if sep and path.strip() and not raw.strip().startswith("#"):
            field = f"{_EXTRA_FIELD}, line {number}"
            # the box wins over the inputs above, also for the paths below a mapping it sets
            below = [p for p in out if p.startswith(path.strip() + ".")]
            out.update({p: field for p in [path.strip(), *below]})
    return out


#: The origin :func:`evhub.resolve` gives values passed as overrides, in its messages.
_OVERRIDES_ORIGIN = "overrides: "


def name_fields(message: str, fields: Mapping[str, str]) -> str:
    """A validation message with each ``overrides:`` origin replaced by the form field.

    :func:`evhub.resolve` starts each line of its messages with where the value
    came from, ``overrides:`` for the dashboard's values; a line whose path (or
    a path below or above it) a field of the form sets starts with that field
    instead. The rest of the line is the scenario validation's text, unchanged.

    Parameters
    ----------
    message
        The message of an :class:`~evhub.errors.InputError`.
    fields
        Path -> field (:func:`form_fields`).

    Examples
    --------
    >>> fields = {"market.bev_share.ceiling": "BEV share ceiling [%]"}
    >>> name_fields("overrides: market.bev_share.ceiling = 120.0: too high", fields)
    'BEV share ceiling [%]: market.bev_share.ceiling = 120.0: too high'
    """
    lines = []
    for line in message.split("\n"):
        if line.startswith(_OVERRIDES_ORIGIN):
            rest = line.removeprefix(_OVERRIDES_ORIGIN)
            match = re.match(r"(?:unknown key )?'?([^\s:=']+)", rest)
            path = match.group(1) if match else ""
            # the path itself, else the closest path above it (a nested value of the
            # text box) or below it (a check of a group of parameters)
            known = [
                p
                for p in fields
                if p == path or path.startswith(p + ".") or p.startswith(path + ".")
            ]
            if path and known:
                best = min(known, key=lambda p: (p != path, not path.startswith(p), -len(p)))
                line = f"{fields[best]}: {rest}"
        lines.append(line)
    return "\n".join(lines)


def pending_inputs(
    shown: Mapping[str, Any], values: Mapping[str, Any]
) -> dict[str, tuple[Any, Any]]:
    """The inputs a reset of the form changes: key -> (value shown before, new value).

    Examples
    --------
    >>> pending_inputs({"bev_ceiling": 70, "grid_2035": 55}, {"bev_ceiling": 90, "grid_2035": 55})
    {'bev_ceiling': (70, 90)}
    """
    return {
        key: (shown[key], new) for key, new in values.items() if key in shown and shown[key] != new
    }


def stale_inputs(
    pending: Mapping[str, tuple[Any, Any]], received: Mapping[str, Any]
) -> dict[str, Any]:
    """The inputs to set again: those the browser sent back unchanged from before a reset.

    Parameters
    ----------
    pending
        :func:`pending_inputs` of the last reset.
    received
        The values the browser sent in its first request after the reset.

    Returns
    -------
    dict
        Key -> the reset's value, for each input whose received value is the one
        the browser showed before the reset (it had not yet drawn the reset). An
        input the user set since, to anything else, is kept.

    Notes
    -----
    Only the first request after a reset is checked, so a user who moves a slider
    back to the previous scenario's value as the very first change sees it reset
    once, and keeps it the second time.

    Examples
    --------
    >>> stale_inputs({"bev_ceiling": (70, 90), "grid_2035": (55, 75)},
    ...              {"bev_ceiling": 70, "grid_2035": 60})
    {'bev_ceiling': 90}
    """
    return {
        key: new for key, (old, new) in pending.items() if key in received and received[key] == old
    }


def describe_overrides(overrides: Mapping[str, Any]) -> str:
    """Overrides as ``path = value`` pairs separated by ``; `` (``"none"`` if empty).

    >>> describe_overrides({"market.bev_share.ceiling": 80.0})
    'market.bev_share.ceiling = 80'
    """
    if not overrides:
        return "none"
    return "; ".join(f"{p} = {v:g}" if _finite(v) else f"{p} = {v}" for p, v in overrides.items())


# --------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadlineSpec:
    """A headline number of the page: a scorecard indicator in one year.

    Attributes
    ----------
    indicator
        A scorecard label (:func:`evhub.variables.scorecard_indicators`).
    report_year
        Index into the dataset's report years, for the year shown.
    goal
        Instead: the year of this scenario target (``targets.<goal>.year``).
    lower_is_better
        Whether a fall is good news (its delta is shown green).
    """

    indicator: str
    report_year: int = 0
    goal: str | None = None
    lower_is_better: bool = False


#: The headline metrics: EV share of sales and cars built in the first report
#: year, car CO2 in the second, cell capacity in the year of its target.
HEADLINES: tuple[HeadlineSpec, ...] = (
    HeadlineSpec("EV share of sales", 0),
    HeadlineSpec("Cars built", 0),
    HeadlineSpec("Car CO2", 1, lower_is_better=True),
    HeadlineSpec("Cell capacity", 0, goal="cell_capacity"),
)


@dataclass(frozen=True)
class Headline:
    """One headline number of a run.

    Attributes
    ----------
    label
        Indicator and year, e.g. ``"EV share of sales 2030"``.
    indicator, year, unit, value
        The scorecard indicator, its year, unit and the deterministic value.
    lower_is_better
        See :class:`HeadlineSpec`.
    """

    label: str
    indicator: str
    year: int
    unit: str
    value: float
    lower_is_better: bool = False


def _headlines(res: Results) -> tuple[Headline, ...]:
    data = res.dataset
    years = _report_years(data)
    resolved = res.scenarios[0]
    variables = {ind.label: ind for ind in scorecard_indicators(data.dims)}
    out = []
    for spec in HEADLINES:
        ind = variables[spec.indicator]
        year = years[min(spec.report_year, len(years) - 1)]
        if spec.goal is not None:
            goal = resolved.values.get(f"targets.{spec.goal}.year")
            # a target year beyond the model years (allowed by the schema) has no value
            if goal is not None and _finite(goal) and data.first_year <= goal <= data.last_year:
                year = int(goal)
        arr = res.variable(ind.variable).isel(scenario=0, run=0).sel(year=year)
        out.append(
            Headline(
                label=f"{spec.indicator} {year}",
                indicator=spec.indicator,
                year=year,
                unit=ind.unit,
                value=float(arr),
                lower_is_better=spec.lower_is_better,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class Run:
    """What the page keeps of one run (not the full results, to keep sessions small).

    Attributes
    ----------
    label
        Unique name in the session, e.g. ``"baseline #2 (edited)"``.
    scenario
        The shipped scenario it started from.
    overrides
        The form's overrides by dotted path.
    samples, seed
        Ensemble members (0: deterministic only) and seed.
    bands
        The figures' bands frame (:func:`evhub.figures.bands_from_tables`),
        with ``scenario`` set to ``label``.
    scorecard
        :meth:`evhub.results.Results.scorecard` with a ``run`` column first.
    headlines
        The :data:`HEADLINES` of the run.
    iamc_csv, quantiles_csv
        The IAMC table (``Scenario`` set to ``label``) and, with an ensemble,
        its quantiles, as CSV text.
    pipeline
        The registry as the run saw it (:func:`evhub.compose.project_table`).
    sources
        The sources the run used (:func:`sources_table`).
    base_year, last_year
        Of the dataset [yr].
    seconds
        Wall time of the run [s].
    """

    label: str
    scenario: str
    overrides: Mapping[str, Any]
    samples: int
    seed: int
    bands: pd.DataFrame = field(repr=False)
    scorecard: pd.DataFrame = field(repr=False)
    headlines: tuple[Headline, ...]
    iamc_csv: str = field(repr=False)
    quantiles_csv: str | None = field(repr=False)
    pipeline: pd.DataFrame = field(repr=False)
    sources: pd.DataFrame = field(repr=False)
    base_year: int
    last_year: int
    seconds: float


def run_label(scenario: str, count: int, *, edited: bool) -> str:
    """A run's name: the scenario, ``#count`` from its second run, ``(edited)`` with overrides.

    >>> run_label("baseline", 1, edited=False), run_label("baseline", 2, edited=True)
    ('baseline', 'baseline #2 (edited)')
    """
    label = scenario if count <= 1 else f"{scenario} #{count}"
    return f"{label} (edited)" if edited else label


def _check_int(name: str, value: Any, high: int) -> int:
    if isinstance(value, bool) or not _finite(value) or not float(value).is_integer():
        msg = f"{name} = {value!r}: expected a whole number from 0 to {high}"
        raise InputError(msg)
    if not 0 <= int(value) <= high:
        msg = f"{name} = {int(value)}: expected a whole number from 0 to {high}"
        raise InputError(msg)
    return int(value)


def check(
    scenario: str,
    overrides: Mapping[str, Any],
    *,
    data: Dataset,
    samples: Any = 0,
    seed: Any = 0,
    fields: Mapping[str, str] | None = None,
) -> tuple[int, int]:
    """Validate a run's inputs the way the scenario loader does; return samples and seed.

    Parameters
    ----------
    scenario, overrides, data
        As for :func:`run`.
    samples, seed
        The form's values.
    fields
        Path -> form field (:func:`form_fields`): the message names the field
        instead of ``overrides`` (:func:`name_fields`).

    Returns
    -------
    samples, seed : int

    Raises
    ------
    InputError
        If ``samples`` is not a whole number from 0 to :data:`MAX_SAMPLES`,
        ``seed`` not one from 0 to :data:`MAX_SEED`, or :func:`evhub.resolve`
        rejects the scenario with the overrides (its message, with the form's
        fields named).
    """
    members = _check_int("Ensemble members", samples, MAX_SAMPLES)
    chosen = _check_int("Seed", seed, MAX_SEED)
    try:
        api.resolve(scenario, data, overrides)
    except InputError as exc:
        if not fields:
            raise
        raise InputError(name_fields(str(exc), fields)) from None
    return members, chosen


def run(
    scenario: str,
    overrides: Mapping[str, Any],
    *,
    data: Dataset,
    label: str,
    samples: int = 0,
    seed: int = 0,
    progress: Callable[[int, int, str], None] | None = None,
    fields: Mapping[str, str] | None = None,
) -> Run:
    """Validate the form's overrides and run the scenario (and its ensemble).

    Parameters
    ----------
    scenario
        A shipped scenario name.
    overrides
        Overrides by dotted path (:func:`form_overrides`).
    data
        The dataset.
    label
        The run's name (:func:`run_label`).
    samples
        Ensemble members, 0 to :data:`MAX_SAMPLES` (0: the deterministic run only).
    seed
        Seed of the ensemble, 0 to :data:`MAX_SEED`.
    progress
        Called as ``progress(done, total, what)`` (see :func:`evhub.run`).
    fields
        As for :func:`check`.

    Returns
    -------
    Run

    Raises
    ------
    InputError
        If ``samples`` or ``seed`` is out of range, or the scenario with the
        overrides does not validate (the message of :func:`evhub.resolve`,
        with the form's fields named).
    """
    samples = _check_int("Ensemble members", samples, MAX_SAMPLES)
    seed = _check_int("Seed", seed, MAX_SEED)
    start = time.perf_counter()
    try:
        res = api.run(  # resolves the scenario with the overrides: the same InputError as check()
            scenario,
            dataset=data,
            overrides=dict(overrides) or None,
            samples=samples or None,
            seed=seed,
            progress=progress,
        )
    except InputError as exc:
        if not fields:
            raise
        raise InputError(name_fields(str(exc), fields)) from None
    seconds = time.perf_counter() - start
    iamc = res.to_iamc()
    quantiles = res.ensemble.quantiles() if res.ensemble is not None else None
    bands = bands_from_tables(iamc, quantiles).assign(scenario=label)
    card = res.scorecard().drop(columns="scenario")
    card.insert(0, "run", label)
    resolved = res.scenarios[0]
    pipeline = project_table(resolved, data, _report_years(data)[0])
    return Run(
        label=label,
        scenario=scenario,
        overrides=dict(overrides),
        samples=samples,
        seed=seed,
        bands=bands,
        scorecard=card,
        headlines=_headlines(res),
        iamc_csv=iamc.assign(Scenario=label).to_csv(index=False),
        quantiles_csv=(
            None if quantiles is None else quantiles.assign(Scenario=label).to_csv(index=False)
        ),
        pipeline=pipeline,
        sources=sources_table(resolved, data, pipeline),
        base_year=data.base_year,
        last_year=data.last_year,
        seconds=seconds,
    )


def keep_runs(runs: Sequence[Run], new: Run, limit: int = MAX_RUNS) -> list[Run]:
    """The runs with ``new`` appended, the oldest dropped beyond ``limit``."""
    return [*runs, new][-limit:]


def compare_after_run(selected: Sequence[str], new: str, limit: int = MAX_COMPARE) -> list[str]:
    """The compared runs after a run: ``new`` last, the first selected dropped beyond ``limit``.

    >>> compare_after_run(["baseline"], "hub")
    ['baseline', 'hub']
    >>> compare_after_run(["a", "b", "c", "d"], "e")
    ['b', 'c', 'd', 'e']
    """
    return [*(label for label in selected if label != new), new][-limit:]


def run_colour(number: int) -> str:
    """The colour of a session's ``number``-th run (from 1), the same on every chart.

    The palette of :mod:`evhub.figures`, in turn, so a run keeps its colour
    whichever runs it is compared with.

    >>> run_colour(1) == PALETTE[0], run_colour(len(PALETTE) + 2) == PALETTE[1]
    (True, True)
    """
    return PALETTE[(number - 1) % len(PALETTE)]


# --------------------------------------------------------------------------
# Comparison and tables
# --------------------------------------------------------------------------


def chart_years(run: Run) -> tuple[int, int]:
    """First and last year the charts show: :data:`HISTORY_SHOWN` years of history, then all."""
    return run.base_year - HISTORY_SHOWN, run.last_year


def compare_bands(runs: Sequence[Run]) -> pd.DataFrame:
    """The bands frames of the runs, one after the other (``scenario`` is the run's label)."""
    if not runs:
        msg = "no runs to compare"
        raise ValueError(msg)
    return pd.concat([r.bands for r in runs], ignore_index=True)


def compare_scorecard(runs: Sequence[Run]) -> pd.DataFrame:
    """The scorecards of the runs, each indicator's rows together, runs in the given order.

    Columns: ``run``, then those of :meth:`evhub.results.Results.scorecard`
    without ``scenario`` (``probability``, ``p05`` and ``p95`` appear when a
    run has an ensemble).
    """
    if not runs:
        msg = "no runs to compare"
        raise ValueError(msg)
    card = pd.concat([r.scorecard for r in runs], ignore_index=True)
    order = {label: i for i, label in enumerate(dict.fromkeys(card["indicator"]))}
    runs_order = {r.label: i for i, r in enumerate(runs)}
    keys = pd.DataFrame(
        {
            "indicator": card["indicator"].map(order),
            "year": card["year"],
            "run": card["run"].map(runs_order),
        }
    )
    ordered = keys.sort_values(["indicator", "year", "run"], kind="stable").index
    return card.loc[ordered].reset_index(drop=True)


def _rounded(value: Any) -> Any:
    """A number rounded as :func:`format_value` shows it (whole from 1,000, else one decimal)."""
    if not _finite(value):
        return value
    return round(float(value)) if abs(float(value)) >= 1000 else round(float(value), 1)


def display_scorecard(card: pd.DataFrame) -> pd.DataFrame:
    """A scorecard for the page: numbers rounded as the command line prints them, ``met`` as text.

    Parameters
    ----------
    card
        :func:`compare_scorecard`.

    Returns
    -------
    pandas.DataFrame
        The same columns; ``value``, ``target``, ``p05`` and ``p95`` rounded
        to whole numbers from 1,000 and to one decimal below; ``met`` is
        ``"yes"``, ``"no"`` or ``""`` (no target).
    """
    shown = card.copy()
    for column in ("value", "target", "p05", "p95"):
        if column in shown.columns:
            shown[column] = [_rounded(v) for v in shown[column]]
    if "met" in shown.columns:
        shown["met"] = ["" if pd.isna(m) else ("yes" if bool(m) else "no") for m in shown["met"]]
    return shown


def format_value(value: float, unit: str) -> str:
    """A number as the scorecard prints it.

    Cars on the road [veh] from 100,000 in millions (``1.49 M``), other
    values from 1,000 as whole numbers with thousands separators, smaller ones
    with one decimal; ``-`` for a missing value.

    >>> format_value(1_493_800.0, "veh"), format_value(911_853.6, "veh/yr")
    ('1.49 M', '911,854')
    >>> format_value(35.45, "%"), format_value(float("nan"), "%")
    ('35.5', '-')
    """
    if not _finite(value):
        return "-"
    if unit == "veh" and abs(value) >= 1e5:
        return f"{value / 1e6:,.2f} M"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def metric_text(headline: Headline) -> str:
    """The text of a headline metric: value and unit, short enough for a metric's width.

    As :func:`format_value`, but values from a million in millions with two
    decimals, so that the text fits in a quarter of a wide page.

    >>> metric_text(Headline("Cars built 2030", "Cars built", 2030, "veh/yr", 1_440_137.0))
    '1.44 M veh/yr'
    >>> metric_text(Headline("Cars built 2030", "Cars built", 2030, "veh/yr", 911_853.6))
    '911,854 veh/yr'
    >>> metric_text(Headline("EV share of sales 2030", "EV share of sales", 2030, "%", 35.45))
    '35.5 %'
    """
    value, unit = headline.value, headline.unit
    if _finite(value) and abs(value) >= _MILLION:
        return f"{value / _MILLION:,.2f} M {unit}"
    return f"{format_value(value, unit)} {unit}"


def delta(
    latest: Headline, previous: Headline | None
) -> tuple[str | None, Literal["normal", "inverse", "off"]]:
    """The change of a headline against the previous run, and how to colour it.

    Returns
    -------
    text, colour
        ``text`` like ``"+7.5 pp"`` (percentage points for a share in %),
        ``None`` without a previous run of the same indicator and year;
        ``colour`` is Streamlit's ``delta_color``: ``"inverse"`` where lower
        is better, ``"off"`` when the change rounds to nothing.

    Examples
    --------
    >>> a = Headline("EV share of sales 2030", "EV share of sales", 2030, "%", 35.45)
    >>> b = Headline("EV share of sales 2030", "EV share of sales", 2030, "%", 42.96)
    >>> delta(b, a)
    ('+7.5 pp', 'normal')
    """
    if previous is None or (previous.indicator, previous.year) != (latest.indicator, latest.year):
        return None, "off"
    change = latest.value - previous.value
    unit = "pp" if latest.unit == "%" else latest.unit
    shown = format_value(abs(change), latest.unit)
    if float(shown.replace(",", "").removesuffix(" M")) == 0:
        return f"±{shown} {unit}", "off"
    sign = "+" if change > 0 else "-"
    return f"{sign}{shown} {unit}", "inverse" if latest.lower_is_better else "normal"


def _ids(text: Any) -> list[str]:
    if not isinstance(text, str):
        return []
    return [part.strip() for part in text.split(";") if part.strip()]


def sources_table(
    resolved: ResolvedScenario, data: Dataset, pipeline: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The dataset's sources a run used, with where each is used.

    A source is used if a data table row, a scenario parameter's value (its
    provenance) or a pipeline project cites it.

    Parameters
    ----------
    resolved
        The scenario as run.
    data
        The dataset.
    pipeline
        The registry as the run saw it (default: :func:`evhub.compose.project_table`).

    Returns
    -------
    pandas.DataFrame
        Columns ``id, publisher, title, date, url, used in``, sorted by id.
    """
    used: dict[str, dict[str, None]] = {}

    def cite(ids: Iterable[str], where: str) -> None:
        for sid in ids:
            if sid in data.sources:
                used.setdefault(sid, {})[where] = None

    for name, table in data.tables.items():
        if "source" in table.columns:
            for text in table["source"].dropna().unique():
                cite(_ids(text), f"{name}.csv")
    if pipeline is None:
        pipeline = project_table(resolved, data, _report_years(data)[0])
    for text in pipeline["source"].dropna().unique():
        cite(_ids(text), "pipeline.csv")
    for path, text in resolved.provenance.items():
        cite(_ids(text), path)

    def where(places: Iterable[str]) -> str:
        files = [p for p in places if p.endswith(".csv")]
        paths = [p for p in places if not p.endswith(".csv")]
        shown = paths[:_PATHS_SHOWN]
        more = f" (+{len(paths) - len(shown)} more)" if len(paths) > len(shown) else ""
        return ", ".join([*files, *shown]) + more

    rows = [
        {
            "id": src.id,
            "publisher": src.publisher,
            "title": src.title,
            "date": str(src.date),
            "url": src.url,
            "used in": where(used[sid]),
        }
        for sid, src in sorted(data.sources.items())
        if sid in used
    ]
    return pd.DataFrame(rows, columns=["id", "publisher", "title", "date", "url", "used in"])

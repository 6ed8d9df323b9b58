"""The dashboard's inputs of a scenario: the sliders of the controls table, the pipeline editor.

The sliders' ranges come from the parameter's allowed range and the dataset's
sourced range, never from numbers typed here.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from evhub import parameters
from evhub.compose import project_table
from evhub.dashboard.values import SAME, is_finite, report_years
from evhub.dataset import Dataset
from evhub.errors import InputError
from evhub.readable import exact
from evhub.scenario import (
    OVERRIDES,
    ResolvedScenario,
    default_parameters,
    parameter_bounds,
)

__all__ = [
    "CONTROLS_TABLE",
    "GRID",
    "PROJECT_COLUMNS",
    "REALISED",
    "Control",
    "SliderSpec",
    "controls",
    "project_frame",
    "slider_specs",
]

#: Choices of a project's "realised" cell: the scenario's probability, realised
#: (probability 1) or not (probability 0).
REALISED = ("scenario", "yes", "no")


#: Largest number of decimals a slider step gets.
_MAX_DECIMALS = 4


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
        if abs(scaled - round(scaled)) <= SAME * max(1.0, abs(scaled)):
            return d
    return _MAX_DECIMALS


@dataclass(frozen=True)
class Control:
    """A slider's widget key, label and the parameter it sets."""

    key: str
    label: str
    path: str


def controls(data: Dataset, years: Sequence[int] = ()) -> list[Control]:
    """The sliders of :data:`CONTROLS_TABLE` for a dataset, in the table's order.

    Each row names a parameter of the catalogue (:mod:`evhub.parameters`) by its
    path template; ``members`` binds the template's placeholders to selectors
    of the dataset's dimensions, ``;`` between them
    (``class=classes;powertrain=powertrains[plug=true,fuel=null]``: one slider
    per vehicle class and battery-electric powertrain), and a ``{year}`` row gives one
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
        bindings = [item.partition("=") for item in row["members"].split(";") if item.strip()]
        if bindings:
            names = [name.strip() for name, _, _ in bindings]
            dimensions = [getattr(data.dims, sel.split("[", 1)[0]) for _, _, sel in bindings]
            chosen = [parameters.select(data.dims, sel) for _, _, sel in bindings]
            selectors = {name.strip(): sel.strip() for name, _, sel in bindings}
            for combo in itertools.product(*chosen):
                keys = dict(zip(names, combo, strict=True))
                if not parameters.sold(data.dims, selectors, keys):
                    continue  # a powertrain not sold in the class has no such parameter
                labels = {n: d.label(m) for n, d, m in zip(names, dimensions, combo, strict=True)}
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
        values = [
            float(s.values[path]) for s in (resolved, *others) if is_finite(s.values.get(path))
        ]
        if resolved.values.get(path) is None:
            continue  # unset in this dataset (it prices no class for the choice model)
        if _unused_curve(path, resolved):
            continue
        if not is_finite(resolved.values.get(path)):
            msg = f"{resolved.name}: {path} = {resolved.values.get(path)!r} is not a number"
            raise ValueError(msg)
        bounds = parameter_bounds(path, data)
        default = defaults.get(path)
        sourced = default is not None and is_finite(default.low) and is_finite(default.high)
        if default is not None and sourced:
            low, high = float(default.low), float(default.high)
            origin = (
                f"the sourced range {exact(low)}-{exact(high)} in {default.file.rsplit('/', 1)[-1]}"
            )
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
        text = parameters.describe_path(path, data.dims)
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
    if own is not None and is_finite(own):
        return float(own)
    return float(resolved.values[f"pipeline.stages.{stage}.delay"])


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
    table = project_table(resolved, data, report_years(data)[0])
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


#: The fields of the logistic share curves (``market.share_model = logistic``).
_CURVE_FIELDS = ("market.share_ceiling", "market.share_midpoint_year", "market.share_steepness")


def _unused_curve(path: str, resolved: ResolvedScenario) -> bool:
    """A logistic curve's parameter of a class whose buyers choose by cost: no slider."""
    row = parameters.spec(path)
    if row is None or row.field not in _CURVE_FIELDS:
        return False
    vehicle_class = path.split(".", 1)[0]
    return bool(resolved.values.get(f"{vehicle_class}.market.share_model") == "choice")

"""The dashboard's form → overrides by dotted path, and validation messages that name its fields."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from evhub import api
from evhub.dashboard.controls import REALISED, SliderSpec
from evhub.dashboard.values import is_finite, same
from evhub.dataset import Dataset
from evhub.errors import InputError
from evhub.pipeline import load_pipeline
from evhub.readable import exact
from evhub.scenario import (
    OVERRIDES,
)

__all__ = [
    "describe_overrides",
    "extra_example",
    "form_fields",
    "form_overrides",
    "name_fields",
    "parse_extra",
    "pending_inputs",
    "project_overrides",
    "stale_inputs",
]

#: The field names of the pipeline editor in messages (:func:`form_fields`).
_PROJECTS_FIELD = "Pipeline projects"
#: The field name of the "other parameters" box in messages.
_EXTRA_FIELD = "Other parameters"


#: Shown as the placeholder of the "other parameters" box.
def extra_example(data: Dataset) -> str:
    """The placeholder of the "other parameters" box: two lines of the dataset's own paths.

    >>> from evhub.dataset import load_dataset
    >>> print(extra_example(load_dataset()))
    car.market.ice_ban_year = 2035
    pipeline.overrides.togg-gemlik.drop = true
    """
    first = load_pipeline(data)[0].id
    return (
        f"{data.dims.classes.ids[0]}.market.ice_ban_year = 2035\n"
        f"pipeline.overrides.{first}.drop = true"
    )


def _missing(x: Any) -> bool:
    """Whether an editor cell is empty (``None``, NaN or ``pd.NA``)."""
    return x is None or (not isinstance(x, str) and bool(pd.isna(x)))


def project_overrides(defaults: pd.DataFrame, edited: pd.DataFrame) -> dict[str, Any]:
    """Overrides of the pipeline editor: ``pipeline.overrides.<id>.probability`` and ``.delay``.

    Parameters
    ----------
    defaults
        The editor's rows as the scenario has them (:func:`evhub.dashboard.controls.project_frame`).
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
        if not is_finite(delay):
            msg = f"{field} = {delay!r} is not a number"
            raise InputError(msg)
        if not same(float(delay), float(old["delay [yr]"])):
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
    >>> parse_extra("car.market.ice_ban_year = 2035\n# a comment")
    {'car.market.ice_ban_year': 2035}
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
                "e.g. grid.renewable_share.2035 = 60"
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
        The scenario's sliders (:func:`evhub.dashboard.controls.slider_specs`).
    values
        The form's value of each slider, by widget key (a missing key is unchanged).
    projects, edited
        The pipeline editor's rows before and after editing
        (:func:`evhub.dashboard.controls.project_frame`).
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
    >>> spec = SliderSpec("bev_ceiling", "BEV share ceiling [%]", "car.market.bev_share.ceiling",
    ...                   30, 100, 1, 70)
    >>> form_overrides([spec], {"bev_ceiling": 70})
    {}
    >>> form_overrides([spec], {"bev_ceiling": 80})
    {'car.market.bev_share.ceiling': 80.0}
    """
    out: dict[str, Any] = {}
    for spec in sliders:
        if spec.key not in values:
            continue
        value = values[spec.key]
        if not is_finite(value):
            msg = f"{spec.label} ({spec.path}) = {value!r} is not a number"
            raise InputError(msg)
        if not same(float(value), spec.value):
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
    >>> form_fields([], extra="# a comment\ncar.market.ice_ban_year = 2150")
    {'car.market.ice_ban_year': 'Other parameters, line 2'}
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
    >>> fields = {"car.market.bev_share.ceiling": "BEV share ceiling [%]"}
    >>> name_fields("overrides: car.market.bev_share.ceiling = 120.0: too high", fields)
    'BEV share ceiling [%]: car.market.bev_share.ceiling = 120.0: too high'
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

    >>> describe_overrides({"car.market.bev_share.ceiling": 80.0})
    'car.market.bev_share.ceiling = 80'
    """
    if not overrides:
        return "none"
    return "; ".join(
        f"{p} = {exact(v)}" if is_finite(v) else f"{p} = {v}" for p, v in overrides.items()
    )

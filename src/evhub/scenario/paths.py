"""Dotted parameter paths: every parameter's path, unit and validity bounds.

Every scenario parameter has a dotted path (``market.bev_share.midpoint_year``)
that scenario files, the command line, ensembles, sensitivity, goal seek and
the dashboard use to name it. The fixed paths and their units are read off the
models of :mod:`evhub.scenario.schema`; groups keyed by a year
(``market.gdp_growth.2030``, :data:`KEYED`) and changes to single projects
(``pipeline.overrides.<id>.<field>``, :data:`OVERRIDES`) add paths the user
chooses. The bounds come from the parameter table, through
:mod:`evhub.parameters`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import Any, get_origin

from pydantic import BaseModel

from evhub import parameters
from evhub.dataset import Dataset
from evhub.distributions import Bounds
from evhub.scenario.schema import Parameters

__all__ = [
    "KEYED",
    "OVERRIDES",
    "PARAMETER_UNITS",
    "close_paths",
    "flatten",
    "parameter_bounds",
    "parameter_paths",
    "unflatten",
    "unit_of",
]


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mapping -> ``{dotted.path: value}``; dotted keys are kept as paths.

    Parameters
    ----------
    tree
        Nested mappings, as in a scenario's ``overrides``; a mapping with a
        ``dist`` key is a distribution, a value rather than a group.
    prefix
        Put before every path (``"market."`` for the subtree of ``market``).

    Returns
    -------
    dict
        Each leaf value by its dotted path.

    Examples
    --------
    >>> flatten({"market": {"bev_share": {"ceiling": 60}}, "energy.charging_loss": 8})
    {'market.bev_share.ceiling': 60, 'energy.charging_loss': 8}
    """
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and not _is_leaf_mapping(value):
            flat.update(flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def _is_leaf_mapping(value: Mapping[str, Any]) -> bool:
    """A distribution spec (``{dist: ...}``) is a leaf value, not a subtree."""
    return "dist" in value


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{dotted.path: value}`` -> nested dict (year keys become ints).

    Parameters
    ----------
    flat
        Values by dotted path.

    Returns
    -------
    dict
        Nested dicts, as :class:`~evhub.scenario.schema.Parameters` reads them;
        a part that is all digits becomes an ``int`` key.

    Examples
    --------
    >>> unflatten({"market.gdp_growth.2030": 3.0, "fleet.lifetime.distribution": "weibull"})
    {'market': {'gdp_growth': {2030: 3.0}}, 'fleet': {'lifetime': {'distribution': 'weibull'}}}
    """
    tree: dict[str, Any] = {}
    for path, value in flat.items():
        node = tree
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(_key(part), {})
        node[_key(parts[-1])] = value
    return tree


def _key(part: str) -> Any:
    return int(part) if part.isdigit() else part


def _field_unit(model: type[BaseModel], name: str) -> str:
    extra = model.model_fields[name].json_schema_extra
    return str(extra.get("unit", "")) if isinstance(extra, dict) else ""


def _walk(model: type[BaseModel], prefix: str, unit: str) -> Iterator[tuple[str, str]]:
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        own = _field_unit(model, name) or unit
        ann = info.annotation
        if get_origin(ann) is dict and _submodel(ann) is not None:
            continue  # keyed by the user (project ids): checked when resolving
        sub = _submodel(ann)
        if sub is not None:
            yield from _walk(sub, path + ".", own)
        else:
            yield path, own


def _submodel(annotation: Any) -> type[BaseModel] | None:
    args = getattr(annotation, "__args__", ())
    for cand in (annotation, *args):
        if isinstance(cand, type) and issubclass(cand, BaseModel):
            return cand
    return None


#: Groups keyed by a number (a year, or a year of operation): ``market.gdp_growth.2030``.
KEYED = ("market.gdp_growth", "grid.renewable_share", "pipeline.ramp")
#: Changes to single pipeline projects: ``pipeline.overrides.<project id>.<field>``.
OVERRIDES = "pipeline.overrides"

#: Unit of every fixed parameter path (year-keyed paths take their parent's unit).
PARAMETER_UNITS: dict[str, str] = dict(_walk(Parameters, "", ""))


def parameter_paths() -> list[str]:
    """Every fixed parameter path, in model order.

    Returns
    -------
    list of str
        The keys of :data:`PARAMETER_UNITS`: the paths of
        :class:`~evhub.scenario.schema.Parameters`, without the paths the user
        chooses (years of :data:`KEYED` groups, projects of :data:`OVERRIDES`).
    """
    return list(PARAMETER_UNITS)


def unit_of(path: str) -> str:
    """The unit of a parameter path.

    Parameters
    ----------
    path
        A dotted parameter path; a year of a :data:`KEYED` group takes the
        group's unit.

    Returns
    -------
    str
        The unit as the schema declares it; ``""`` for an unknown path.

    Examples
    --------
    >>> unit_of("grid.renewable_share.2035")
    '%'
    """
    if path in PARAMETER_UNITS:
        return PARAMETER_UNITS[path]
    parent = path.rsplit(".", 1)[0]
    return PARAMETER_UNITS.get(parent, "")


def parameter_bounds(path: str, data: Dataset | None = None) -> Bounds:
    """The validity bounds of a parameter path, from ``data/parameters.csv``.

    Parameters
    ----------
    path
        A dotted parameter path (a project override too).
    data
        The dataset, for bounds that name one of its quantities
        (``last_year``); without it such an end is open.

    Returns
    -------
    Bounds
        Unbounded for a path the table does not bound.

    Examples
    --------
    >>> parameter_bounds("market.bev_share.ceiling").describe()
    '[0, 100]'
    >>> parameter_bounds("pipeline.overrides.byd-manisa.delay").describe()
    '[-10, 30]'
    """
    return parameters.bounds(path, data)


def close_paths(path: str) -> list[str]:
    """Known parameter paths that a mistyped ``path`` may have meant.

    Parameters
    ----------
    path
        A dotted path that is not a parameter.

    Returns
    -------
    list of str
        The parameters with the same last part, or below ``path``; else the
        one closest in spelling, if any is close.
    """
    last = path.rpartition(".")[2]
    close = [p for p in PARAMETER_UNITS if p.endswith("." + last) or p.startswith(path + ".")]
    return close or difflib.get_close_matches(path, list(PARAMETER_UNITS), n=1, cutoff=0.8)

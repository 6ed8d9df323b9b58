"""Dotted parameter paths: every parameter's path, unit and validity bounds.

Every scenario parameter has a dotted path (``car.market.bev_share.midpoint_year``)
that scenario files, the command line, ensembles, sensitivity, goal seek and
the dashboard use to name it. The paths, their units and bounds come from
the parameter catalogue (:mod:`evhub.parameters`), expanded over the
dataset's dimensions; groups keyed by a year (``market.gdp_growth.2030``,
:data:`KEYED`) and changes to single projects
(``pipeline.overrides.<id>.<field>``, :data:`OVERRIDES`) add paths the user
chooses.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from evhub import parameters
from evhub.dataset import Dataset, load_dataset
from evhub.dims import Dims
from evhub.distributions import Bounds

__all__ = [
    "KEYED",
    "OVERRIDES",
    "close_paths",
    "flatten",
    "keyed_groups",
    "override_fields",
    "parameter_bounds",
    "parameter_paths",
    "parameter_units",
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
    >>> flatten({"car": {"market": {"bev_share": {"ceiling": 60}}}, "car.energy.charging_loss": 8})
    {'car.market.bev_share.ceiling': 60, 'car.energy.charging_loss': 8}
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
        Nested dicts, as the parameter models of :mod:`evhub.scenario.schema` read them;
        a part that is all digits becomes an ``int`` key.

    Examples
    --------
    >>> unflatten({"market.gdp_growth.2030": 3.0, "car.fleet.lifetime.shape": 4.0})
    {'market': {'gdp_growth': {2030: 3.0}}, 'car': {'fleet': {'lifetime': {'shape': 4.0}}}}
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
    return int(part) if part.isdecimal() else part


def _group(row: parameters.ParameterSpec) -> str:
    """The path of a row before its first key the user chooses."""
    return row.path.split("{" + row.user_keys[0] + "}", 1)[0].rstrip(".")


#: Groups keyed by a number (a year, or a year of operation): ``market.gdp_growth.2030``.
KEYED: tuple[str, ...] = tuple(
    _group(r) for r in parameters.specs() if r.user_keys and r.user_keys[0] != "project"
)
#: Changes to single pipeline projects: ``pipeline.overrides.<project id>.<field>``.
OVERRIDES: str = next(_group(r) for r in parameters.specs() if r.user_keys == ("project",))


def _dims(data: Dataset | None) -> Dims:
    return (data if data is not None else load_dataset()).dims


def parameter_units(data: Dataset | None = None) -> dict[str, str]:
    """The unit of every fixed parameter path of a dataset, in catalogue order.

    Parameters
    ----------
    data
        The dataset whose dimensions expand the catalogue; ``None`` for the
        shipped dataset.

    Returns
    -------
    dict of str to str
        Unit by path: every concrete path of the catalogue, and each
        :data:`KEYED` group (whose years the user chooses) by its own path.
    """
    out: dict[str, str] = {}
    for item in parameters.expand(_dims(data)):
        if item.fixed:
            out[item.path] = item.spec.unit
        elif item.spec.user_keys[0] != "project":
            out[_keyed_group(item)] = item.spec.unit
    return out


def keyed_groups(data: Dataset | None = None) -> frozenset[str]:
    """The groups keyed by a number of a dataset, with their members named.

    :data:`KEYED` holds the catalogue's templates
    (``policy.subsidy.{class}.{powertrain}``); this holds each expansion
    (``policy.subsidy.<class>.<powertrain>`` with the members named), and the groups
    bound to no dimension.

    Parameters
    ----------
    data
        The dataset whose dimensions expand the catalogue; ``None`` for the
        shipped dataset.
    """
    return frozenset(
        _keyed_group(item)
        for item in parameters.expand(_dims(data))
        if not item.fixed and item.spec.user_keys[0] != "project"
    )


def _keyed_group(item: parameters.Parameter) -> str:
    """The path of an expanded keyed parameter before its key (``grid.renewable_share``)."""
    return item.path.split("{" + item.spec.user_keys[0] + "}", 1)[0].rstrip(".")


def parameter_paths(data: Dataset | None = None) -> list[str]:
    """Every fixed parameter path of a dataset, in catalogue order.

    Parameters
    ----------
    data
        The dataset whose dimensions expand the catalogue; ``None`` for the
        shipped dataset.

    Returns
    -------
    list of str
        The keys of :func:`parameter_units`: without the paths the user
        chooses (years of :data:`KEYED` groups, projects of :data:`OVERRIDES`).
    """
    return list(parameter_units(data))


def override_fields() -> list[str]:
    """The fields of a project override (``pipeline.overrides.<id>.<field>``), in order."""
    prefix = OVERRIDES + ".{project}."
    return [r.path.removeprefix(prefix) for r in parameters.specs() if r.path.startswith(prefix)]


def unit_of(path: str) -> str:
    """The unit of a parameter path.

    Parameters
    ----------
    path
        A dotted parameter path; a :data:`KEYED` group or one of its years
        takes the group's unit.

    Returns
    -------
    str
        The unit as the catalogue declares it; ``""`` for an unknown path.

    Examples
    --------
    >>> unit_of("grid.renewable_share.2035")
    '%'
    """
    row = parameters.spec(path)
    if row is None:  # a keyed group takes its keys' unit
        keyed = parameters.spec(path + ".1")
        row = keyed if keyed is not None and keyed.user_keys else None
    return row.unit if row is not None else ""


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
    >>> parameter_bounds("car.market.bev_share.ceiling").describe()
    '[0, 100]'
    >>> parameter_bounds("pipeline.overrides.byd-manisa.delay").describe()
    '[-10, 30]'
    """
    return parameters.bounds(path, data)


def close_paths(path: str, data: Dataset | None = None) -> list[str]:
    """Known parameter paths that a mistyped ``path`` may have meant.

    Parameters
    ----------
    path
        A dotted path that is not a parameter.
    data
        The dataset whose parameters to search; ``None`` for the shipped one.

    Returns
    -------
    list of str
        The parameters with the same last part, or below ``path``, the
        closest in spelling first; else the one closest in spelling, if any
        is close.
    """
    known = parameter_paths(data)
    last = path.rpartition(".")[2]
    close = [p for p in known if p.endswith("." + last) or p.startswith(path + ".")]
    # the closest in spelling first
    close.sort(key=lambda p: -difflib.SequenceMatcher(None, path, p).ratio())
    return close or difflib.get_close_matches(path, known, n=1, cutoff=0.8)

"""Validity bounds of every scenario parameter, from one table (``data/parameters.csv``).

Each row gives a parameter path (``*`` stands for a key the user chooses: a
year, a project id, a stage), its unit, its type (``number``, ``integer``,
``text`` or ``flag``), the lower and upper bound, which ends are open and the
reason for the bounds. The bounds are physical or logical limits ("a share in
0-100 %"), not the dataset's uncertainty ranges: a policy scenario or a goal
seek may go beyond the sampling range, never beyond these.

A bound may name a quantity of the dataset: ``first_year``, ``base_year`` and
``last_year`` of ``dataset.yaml``, or ``max_capacity`` (the largest capacity of
the registry in the project's unit), optionally times a factor
(``10*max_capacity``).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from evhub.distributions import Bounds
from evhub.errors import InputError
from evhub.pipeline import load_pipeline

if TYPE_CHECKING:
    from evhub.dataset import Dataset

__all__ = ["PARAMETER_TABLE", "ParameterSpec", "bounds", "check_value", "spec", "specs"]

#: The table's location in the package.
PARAMETER_TABLE = "data/parameters.csv"
_COLUMNS = ("path", "unit", "type", "lower", "upper", "open", "reason")
_TYPES = ("number", "integer", "text", "flag")
_OPEN = ("", "lower", "upper", "both")
_SYMBOL = re.compile(r"^(?:(?P<factor>[0-9.]+)\*)?(?P<name>[a-z_]+)$")
_SYMBOLS = ("first_year", "base_year", "last_year", "max_capacity")


@dataclass(frozen=True)
class ParameterSpec:
    """One row of the parameter table."""

    path: str
    unit: str
    type: str
    lower: str
    upper: str
    open: str
    reason: str

    def matches(self, path: str) -> bool:
        """Whether a concrete parameter path falls under this row (``*`` = one key)."""
        mine, theirs = self.path.split("."), path.split(".")
        return len(mine) == len(theirs) and all(
            a == "*" or a == b for a, b in zip(mine, theirs, strict=True)
        )


@cache
def specs() -> tuple[ParameterSpec, ...]:
    """Every row of ``data/parameters.csv``, checked."""
    where = f"evhub/{PARAMETER_TABLE}"
    text = resources.files("evhub").joinpath(PARAMETER_TABLE).read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != _COLUMNS:
        msg = f"{where}: expected columns {list(_COLUMNS)}, got {reader.fieldnames}"
        raise InputError(msg)
    rows = []
    for line, row in enumerate(reader, start=2):
        item = ParameterSpec(**{k: (row[k] or "").strip() for k in _COLUMNS})
        if item.type not in _TYPES:
            msg = f"{where}: row {line}: type = {item.type!r} is not one of {list(_TYPES)}"
            raise InputError(msg)
        if item.open not in _OPEN:
            msg = f"{where}: row {line}: open = {item.open!r} is not one of {list(_OPEN)}"
            raise InputError(msg)
        numeric = item.type in ("number", "integer")
        if numeric and not (item.lower and item.upper and item.reason):
            msg = f"{where}: row {line}: {item.path} needs a lower and an upper bound and a reason"
            raise InputError(msg)
        for end in (item.lower, item.upper):
            if end and not _is_float(end) and not _SYMBOL.match(end):
                msg = f"{where}: row {line}: bound {end!r} is neither a number nor a quantity"
                raise InputError(msg)
        rows.append(item)
    return tuple(rows)


def _is_float(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


@cache
def spec(path: str) -> ParameterSpec | None:
    """The row of a concrete parameter path (an exact row before a ``*`` row)."""
    found = [s for s in specs() if s.matches(path)]
    if not found:
        return None
    return min(found, key=lambda s: s.path.count("*"))


def _resolve(end: str, data: Dataset | None, path: str, default: float) -> float:
    if not end:
        return default
    if _is_float(end):
        return float(end)
    match = _SYMBOL.match(end)
    if match is None or match["name"] not in _SYMBOLS:
        msg = f"evhub/{PARAMETER_TABLE}: {path}: unknown quantity {end!r}; use one of {_SYMBOLS}"
        raise InputError(msg)
    if data is None:
        return default  # not known without the dataset
    factor = float(match["factor"] or 1)
    name = match["name"]
    value = _max_capacity(data, path) if name == "max_capacity" else float(getattr(data, name))
    return factor * value


def _max_capacity(data: Dataset, path: str) -> float:
    """The largest capacity in the registry in the unit of the project of ``path``."""
    projects = load_pipeline(data)
    pid = path.split(".")[2] if path.startswith("pipeline.overrides.") else ""
    unit = next((p.capacity_unit for p in projects if p.id == pid), None)
    same = [
        p.capacity
        for p in projects
        if (unit is None or p.capacity_unit == unit) and p.capacity is not None
    ]
    values = [float(c) for c in same if math.isfinite(float(c))]
    return max(values) if values else math.inf


def bounds(path: str, data: Dataset | None = None) -> Bounds:
    """The validity bounds of a parameter path (unbounded if it has no row).

    Quantities of the dataset (``last_year``, ``max_capacity``) need ``data``;
    without it such an end is open-ended.

    >>> bounds("market.bev_share.ceiling").describe()
    '[0, 100]'
    >>> bounds("pipeline.overrides.byd-manisa.delay").describe()
    '[-10, 30]'
    """
    row = spec(path)
    if row is None or row.type not in ("number", "integer"):
        return Bounds()
    return Bounds(
        _resolve(row.lower, data, path, -math.inf),
        _resolve(row.upper, data, path, math.inf),
        row.open in ("lower", "both"),
        row.open in ("upper", "both"),
        row.type == "integer",
    )


def _show(value: float) -> str:
    whole = math.isfinite(value) and value == int(value)
    return f"{value:,.0f}" if whole and abs(value) >= 1e4 else f"{value:g}"


def check_value(path: str, value: Any, origin: str, data: Dataset | None = None) -> None:
    """Refuse a value that is not a finite number within the path's bounds.

    ``origin`` is the file (or option) that set the value; the message names
    it, the path, the value, the bound and the reason for it.

    Raises
    ------
    InputError
        If the value is not finite, not whole where the parameter is an
        integer, or outside its bounds.
    """
    row = spec(path)
    if row is None or row.type not in ("number", "integer"):
        return
    if isinstance(value, str):  # "1e5" is text to YAML 1.1, but a number to the models
        try:
            number = float(value)
        except ValueError:
            return  # a type error: reported by the parameter models
    elif isinstance(value, bool) or not isinstance(value, int | float):
        return  # a type error: reported by the parameter models
    else:
        number = float(value)
    where = f"{origin}: {path} = {value!r}"
    if not math.isfinite(number):
        msg = f"{where}: not a finite number"
        raise InputError(msg)
    if row.type == "integer" and number != int(number):
        msg = f"{where}: must be a whole number"
        raise InputError(msg)
    b = bounds(path, data)
    unit = f" {row.unit}" if row.unit not in ("", "-", "1") else ""
    symbolic = not (_is_float(row.lower) and _is_float(row.upper))
    if symbolic and not b.contains(number, number):
        msg = f"{where} is outside [{_show(b.low)}, {_show(b.high)}]{unit} ({row.reason})"
        raise InputError(msg)
    if (b.low_open and number <= b.low) or number < b.low:
        word = "greater than" if b.low_open else "greater than or equal to"
        msg = f"{where}: Input should be {word} {_show(b.low)}{unit} ({row.reason})"
        raise InputError(msg)
    if (b.high_open and number >= b.high) or number > b.high:
        word = "less than" if b.high_open else "less than or equal to"
        msg = f"{where}: Input should be {word} {_show(b.high)}{unit} ({row.reason})"
        raise InputError(msg)


def check_values(
    values: Mapping[str, Any], origins: Mapping[str, str], data: Dataset | None = None
) -> None:
    """:func:`check_value` for every value, naming the file that set each."""
    for path, value in values.items():
        check_value(path, value, origins.get(path, "scenario"), data)

"""evhub's canonical units: one table, every unit parsed by pint.

``data/units.csv`` lists every unit string evhub writes or reads (in results,
data tables, the parameter table and the dataset schema), each with its pint
expression in a registry of pint's units, iam-units' (vehicle, vkm, real US
dollars of a price year, ...) and evhub's own (``data/units.txt``: person,
job, ``bn``, ``USD_nominal`` for dollars of no stated year, and ``usd_of_<year>``
for the dollars of one year a data row names, ``USD_2023/veh``: each year a
dimension of its own, so that only a deflator from data converts them). An emission
unit names its species apart (``Mt CO2/yr`` is ``Mt / year`` of ``CO2``), as
iam-units does.

Examples
--------
>>> quantity("veh/1000 persons").to("vehicle / person").magnitude
0.001
>>> quantity("bn vkm/yr").to("vkm / year").magnitude
1000000000.0
>>> species("Mt CO2/yr")
'CO2'
"""

from __future__ import annotations

import csv
import importlib
import io
import logging
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from evhub.errors import InputError

__all__ = [
    "Unit",
    "is_money",
    "money_year",
    "quantity",
    "registry",
    "species",
    "table",
    "without_year",
]

_MONEY_YEAR = re.compile(r"\bUSD_(\d{4})\b")


@dataclass(frozen=True)
class Unit:
    """One row of the units table."""

    unit: str  # as evhub writes it
    pint: str  # pint expression ('' for a text setting)
    species: str  # emitted species ('' if none)
    description: str


@cache
def registry() -> Any:
    """The registry: pint's units, iam-units' definitions and evhub's (``data/units.txt``).

    A registry of evhub's own: iam-units' shared registry is not changed.
    pint and iam-units are imported here, when a unit is first parsed: a run
    reads the units table but parses no unit, and the two cost about 0.17 s
    to import.
    """
    pint: Any = importlib.import_module("pint")
    iam_units: Any = importlib.import_module("iam_units")
    reg: Any = pint.UnitRegistry()  # (pint's registry types are generic)
    quiet = logging.getLogger("pint.util")  # redefinitions (kt) are intended, as in iam-units
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        reg.load_definitions(str(Path(iam_units.__file__).parent / "data" / "definitions.txt"))
        reg.load_definitions(str(resources.files("evhub").joinpath("data/units.txt")))
    finally:
        quiet.setLevel(level)
    return reg


@cache
def table() -> dict[str, Unit]:
    """The units table (``data/units.csv``) by unit string."""
    text = resources.files("evhub").joinpath("data/units.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return {row["unit"]: Unit(**row) for row in rows}


def _row(unit: str) -> Unit:
    try:
        return table()[unit]
    except KeyError:
        msg = f"unit {unit!r} is not in evhub's units table (data/units.csv)"
        raise InputError(msg) from None


def quantity(unit: str) -> Any:
    """One ``unit`` as a pint quantity (an emission unit without its species).

    Raises
    ------
    InputError
        For a unit not in the table, or the unit of a text setting.
    """
    row = _row(unit)
    if not row.pint:
        msg = f"unit {unit!r} is not a quantity ({row.description})"
        raise InputError(msg)
    return registry().Quantity(row.pint)


def species(unit: str) -> str:
    """The species an emission unit counts (``CO2``, ``CO2e``), ``''`` for others."""
    return _row(unit).species


def money_year(unit: str) -> int | None:
    """The year of the US dollars a unit names (``USD_2023/veh``: 2023), ``None`` if none.

    Examples
    --------
    >>> money_year("million USD_2023/(GWh/yr)"), money_year("USD/veh")
    (2023, None)
    """
    match = _MONEY_YEAR.search(unit)
    return int(match.group(1)) if match else None


def without_year(unit: str) -> str:
    """The unit with its dollars' year taken out (``USD_2023/veh``: ``USD/veh``)."""
    return _MONEY_YEAR.sub("USD", unit)


def is_money(unit: str) -> bool:
    """Whether a unit (with or without its dollars' year) counts US dollars of a source."""
    row = table().get(unit) or table().get(without_year(unit))
    return row is not None and ("USD_nominal" in row.pint or "usd_of_" in row.pint)

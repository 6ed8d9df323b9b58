"""Dated schedules from a dataset: the arrays :mod:`evhub.model.taxes` takes.

The optional tables ``vehicle_taxes``, ``import_duties`` and ``vehicle_prices``
(``schema.yaml``) hold taxes that take effect on dates (a key column
``valid_from``) and, for the purchase tax, by size band and base bracket
(the key columns ``size_upper`` and ``base_upper``). The loader has
already checked their form (dates in order, bands that rise and end
unbounded, every powertrain group covered from the first date); here the
rows become :class:`~evhub.model.taxes.BandSchedule` and
:class:`~evhub.model.taxes.DatedValues`, and the list prices their tax bases.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from evhub.dataset import (
    CLASS_KEY,
    KEY_FORMATS,
    Dataset,
    check_brackets,
    key_amount,
    key_date,
    key_size,
)
from evhub.errors import InputError
from evhub.model.taxes import (
    BandSchedule,
    DatedValues,
    band_value,
    tax_base_from_price,
    value_in_force,
)

__all__ = [
    "DATE_KEY",
    "PurchaseTax",
    "band_schedules",
    "dated_values",
    "list_price_bases",
    "ownership_tax_schedules",
    "parse_brackets",
    "purchase_tax",
    "purchase_tax_schedules",
    "vat_rates",
]

#: The key column of the date a row takes effect (``key_formats`` of ``schema.yaml``).
DATE_KEY = "valid_from"
#: The table of the taxes on buying and owning a vehicle.
TAX_TABLE = "vehicle_taxes"
#: The table of list prices.
PRICE_TABLE = "vehicle_prices"


def _rows(dataset: Dataset, table: str, variable: str, vehicle_class: str | None) -> pd.DataFrame:
    """The rows of a variable: a class's own and those of every class, if keyed by class."""
    rows = dataset.rows(table, variable)
    if vehicle_class is not None and CLASS_KEY in rows.columns:
        rows = rows[rows[CLASS_KEY].isin([vehicle_class, ""])]
    if rows.empty:
        of = f" of class {vehicle_class!r}" if vehicle_class else ""
        msg = f"{dataset.path / (table + '.csv')}: no rows for variable {variable!r}{of}"
        raise InputError(msg)
    return rows


def band_schedules(
    dataset: Dataset, table: str, variable: str, vehicle_class: str
) -> dict[str, BandSchedule]:
    """The dated band schedules of a variable, by powertrain group.

    Parameters
    ----------
    dataset : Dataset
        The dataset.
    table, variable : str
        A table with the key columns ``powertrain_group``, ``valid_from``,
        ``size_upper`` and ``base_upper``, and one of its variables.
    vehicle_class : str
        The vehicle class (an id of the dataset's ``classes``).

    Returns
    -------
    dict of str to BandSchedule
        One schedule per powertrain group with rows, in the order of the
        dataset's ``powertrain_groups``.

    Raises
    ------
    InputError
        If the variable has no rows for the class.
    """
    rows = _rows(dataset, table, variable, vehicle_class)
    out: dict[str, BandSchedule] = {}
    for group in dataset.dims.powertrain_groups.ids:
        mine = rows[rows["powertrain_group"] == group]
        if not mine.empty:
            out[group] = _band_schedule(mine)
    return out


def _band_schedule(rows: pd.DataFrame) -> BandSchedule:
    """One group's rows (already checked by the loader) as a :class:`BandSchedule`."""
    nested: dict[Any, dict[tuple[float, str], dict[float, float]]] = {}
    for date_text, size_text, base_text, value in zip(
        rows[DATE_KEY], rows["size_upper"], rows["base_upper"], rows["value"], strict=True
    ):
        bands = nested.setdefault(key_date(str(date_text)), {})
        bands.setdefault(key_size(str(size_text)), {})[key_amount(str(base_text))] = float(value)
    dates = sorted(nested)
    n_bands = max(len(b) for b in nested.values())
    n_brackets = max(len(br) for b in nested.values() for br in b.values())
    size_upper = np.full((len(dates), n_bands), math.inf)
    base_upper = np.full((len(dates), n_bands, n_brackets), math.inf)
    value = np.full((len(dates), n_bands, n_brackets), math.nan)
    units = set()
    for s, date in enumerate(dates):
        for b, (size, unit) in enumerate(sorted(nested[date])):
            units.add(unit)
            size_upper[s, b] = size
            brackets = nested[date][(size, unit)]
            for k, base in enumerate(sorted(brackets)):
                base_upper[s, b, k] = base
                value[s, b, k] = brackets[base]
    unit = "".join(sorted(units - {""}))
    return BandSchedule(
        valid_from=np.array(dates, dtype="datetime64[D]"),
        size_upper=size_upper,
        base_upper=base_upper,
        value=value,
        size_unit=unit,
    )


def purchase_tax_schedules(dataset: Dataset, vehicle_class: str) -> dict[str, BandSchedule]:
    """The purchase-tax schedules of a vehicle class by powertrain group (rates [%]).

    ``purchase_tax_rate`` of ``vehicle_taxes.csv``; see :func:`band_schedules`.
    """
    return band_schedules(dataset, TAX_TABLE, "purchase_tax_rate", vehicle_class)


#: The variable of the share of a group's vehicles that meet the conditions of its rows.
QUALIFYING = "purchase_tax_qualifying_share"
_PERCENT = 100.0


@dataclass(frozen=True)
class PurchaseTax:
    """A class's purchase tax: each group's schedule, and who pays another group's.

    A group whose ``tax_otherwise`` (``dimensions.yaml``) names another group
    and that has ``purchase_tax_qualifying_share`` rows charges its own rows
    only to that share of its vehicles; the others pay the other group's rows.
    Rates are linear in the share: :meth:`rate` is the mean over the vehicles.

    Attributes
    ----------
    schedules : dict of str to BandSchedule
        By group, rates [%].
    qualifying : dict of str to DatedValues
        By group with a share, the share meeting the conditions [%].
    otherwise : dict of str to str
        By group with a share, the group whose rows the others pay.
    """

    schedules: dict[str, BandSchedule]
    qualifying: dict[str, DatedValues]
    otherwise: dict[str, str]

    def share(self, group: str, day: np.datetime64) -> float:
        """The share of the group's vehicles that pays its own rows on ``day`` [1]."""
        dated = self.qualifying.get(group)
        if dated is None or day < dated.valid_from[0]:
            return 1.0
        return float(value_in_force(dated, day)) / _PERCENT

    def rate(
        self,
        group: str,
        bases: np.ndarray,
        size: float,
        day: np.datetime64,
        *,
        own: BandSchedule | None = None,
        other: BandSchedule | None = None,
        other_day: np.datetime64 | None = None,
    ) -> np.ndarray:
        """The mean rate over the group's vehicles of a base and size [%].

        The group's rows and share on ``day``, the other group's rows on
        ``other_day`` (default: ``day``). ``own`` and ``other`` replace the
        group's and the other group's schedules (a scenario's brackets).
        """
        mine = band_value(self.schedules[group] if own is None else own, bases, size, day)
        q = self.share(group, day)
        if q == 1.0:
            return np.asarray(mine, dtype=float)
        theirs = self.schedules[self.otherwise[group]] if other is None else other
        when = day if other_day is None else other_day
        return np.asarray(q * mine + (1.0 - q) * band_value(theirs, bases, size, when), dtype=float)

    def dates(self, group: str) -> list[np.ndarray]:
        """The dates on which the group's mean rate can change."""
        out = [self.schedules[group].valid_from]
        if group in self.qualifying:
            out += [
                self.qualifying[group].valid_from,
                self.schedules[self.otherwise[group]].valid_from,
            ]
        return out


def purchase_tax(dataset: Dataset, vehicle_class: str) -> PurchaseTax:
    """A class's purchase tax by group, with the shares that meet each group's conditions.

    Raises
    ------
    InputError
        If a group has ``purchase_tax_qualifying_share`` rows but no
        ``tax_otherwise`` group, that group has no schedule, or its size bands
        are in another unit.
    """
    schedules = purchase_tax_schedules(dataset, vehicle_class)
    rows = dataset.rows(TAX_TABLE, QUALIFYING)
    qualifying: dict[str, DatedValues] = {}
    otherwise: dict[str, str] = {}
    for member in dataset.dims.powertrain_groups.members:
        group = member.id
        if group not in schedules:
            continue
        mine = rows[rows["powertrain_group"] == group]
        if CLASS_KEY in mine.columns:
            mine = mine[mine[CLASS_KEY].isin([vehicle_class, ""])]
        if mine.empty:
            continue
        where = f"{dataset.path / (TAX_TABLE + '.csv')}: {QUALIFYING} of the group {group!r}"
        other = member.attributes.get("tax_otherwise")
        if other is None or other not in schedules:
            found = "names none" if other is None else f"names {other!r}, which has no schedule"
            msg = (
                f"{where}: the vehicles that do not meet the conditions pay the rows of the group "
                f"its tax_otherwise names (dimensions.yaml), but it {found}"
            )
            raise InputError(msg)
        if schedules[other].size_unit not in ("", schedules[group].size_unit):
            msg = (
                f"{where}: its bands are in {schedules[group].size_unit or 'no unit'}, those of "
                f"its tax_otherwise {other!r} in {schedules[other].size_unit}; use one unit"
            )
            raise InputError(msg)
        qualifying[group] = dated_values(
            dataset, TAX_TABLE, QUALIFYING, vehicle_class, powertrain_group=group
        )
        otherwise[group] = other
    return PurchaseTax(schedules, qualifying, otherwise)


#: The columns of a band schedule's brackets, outer first, and their key formats.
BRACKETS = ("size_upper", "base_upper")
_BRACKET_FORMATS = {"size_upper": "size", "base_upper": "amount"}


def parse_brackets(
    text: str, where: str, size_unit: str, valid_from: np.datetime64
) -> BandSchedule:
    """A purchase-tax schedule a scenario writes as text, as a :class:`BandSchedule`.

    The text lists brackets separated by ``;``, each ``<size_upper>/<base_upper>:
    <rate>``: the upper bounds as in ``vehicle_taxes.csv`` (a size with its unit,
    ``160kW`` or ``1600cc``; a tax base in local currency; empty: no bound) and
    the rate [%]. A size band's brackets are listed together, from the lowest
    bound up, each band and the last size band ending unbounded.

    Parameters
    ----------
    text : str
        The brackets.
    where : str
        The lever's path, named in the messages.
    size_unit : str
        The unit of the group's size bands in the dataset (``''``: one band).
    valid_from : numpy.datetime64
        The date the schedule takes effect.

    Returns
    -------
    BandSchedule
        One schedule.

    Raises
    ------
    InputError
        If an entry is not ``size/base: rate``, a bound or rate does not parse,
        a rate is negative, the bands do not rise or end unbounded, or a size is
        in another unit than the group's bands.

    Examples
    --------
    >>> s = parse_brackets("160kW/1650000: 25; 160kW/: 55; /: 75", "lever", "kW",
    ...                    np.datetime64("2027-01-01"))
    >>> s.size_upper.tolist(), s.base_upper.tolist(), s.value.tolist()
    ([[160.0, inf]], [[[1650000.0, inf], [inf, inf]]], [[[25.0, 55.0], [75.0, nan]]])
    """
    entries = [e.strip() for e in str(text).split(";") if e.strip()]
    if not entries:
        msg = f"{where} = {text!r}: no brackets; write '<size_upper>/<base_upper>: <rate>; ...'"
        raise InputError(msg)
    rows: list[tuple[int, dict[str, Any]]] = []
    problems: list[str] = []
    for n, entry in enumerate(entries, start=1):
        bounds, colon, rate_text = entry.partition(":")
        size_text, slash, base_text = bounds.partition("/")
        shown = f"{where}: entry {n} {entry!r}"
        if not colon or not slash:
            msg = f"{shown} is not '<size_upper>/<base_upper>: <rate>' (empty bound: none)"
            raise InputError(msg)
        cells = {"size_upper": size_text.strip(), "base_upper": base_text.strip()}
        try:
            unit = key_size(cells["size_upper"])[1]
            key_amount(cells["base_upper"])
            rate = float(rate_text)
        except ValueError as exc:
            formats = f"size: {KEY_FORMATS['size']}; base: {KEY_FORMATS['amount']}"
            msg = f"{shown}: {exc} ({formats}; rate: a number of %)"
            raise InputError(msg) from None
        if not (math.isfinite(rate) and rate >= 0):
            msg = f"{shown}: the rate {rate_text.strip()!r} is not a number of % at or above 0"
            raise InputError(msg)
        if unit and unit != size_unit:
            bands = f"in {size_unit}" if size_unit else "one band for every size (no size bound)"
            msg = (
                f"{shown}: the size {cells['size_upper']!r} is in {unit}, but the group's bands "
                f"are {bands}"
            )
            raise InputError(msg)
        same = [
            m for m, row in rows if (row["size_upper"], row["base_upper"]) == tuple(cells.values())
        ]
        if same:
            msg = f"{shown}: entry {same[0]} has the same bounds; give each bracket once"
            raise InputError(msg)
        rows.append((n, {**cells, "value": rate}))
    check_brackets(where, rows, list(BRACKETS), _BRACKET_FORMATS, problems, item="entry")
    if problems:
        raise InputError(problems[0])
    frame = pd.DataFrame(
        [{DATE_KEY: str(valid_from), **row} for _, row in rows],
        columns=[DATE_KEY, *BRACKETS, "value"],
    )
    return _band_schedule(frame)


def ownership_tax_schedules(dataset: Dataset, vehicle_class: str) -> dict[str, BandSchedule]:
    """The annual ownership-tax tariffs of a vehicle class by powertrain group [LCU/veh/yr].

    ``ownership_tax`` of ``vehicle_taxes.csv``; a tariff has one (unbounded)
    base bracket per size band. See :func:`band_schedules`.
    """
    return band_schedules(dataset, TAX_TABLE, "ownership_tax", vehicle_class)


def dated_values(
    dataset: Dataset,
    table: str,
    variable: str,
    vehicle_class: str | None = None,
    **keys: str,
) -> DatedValues:
    """The values of one dated series (a variable and its keys), by ``valid_from``.

    Parameters
    ----------
    dataset : Dataset
        The dataset.
    table, variable : str
        A table with a ``valid_from`` key column and one of its variables.
    vehicle_class : str, optional
        The vehicle class, for a table keyed by class.
    **keys : str
        The other key columns of the series (``origin=<an origin id>``).

    Returns
    -------
    DatedValues

    Raises
    ------
    InputError
        If the series has no rows, or two rows on one date.

    Examples
    --------
    >>> from evhub.dataset import load_dataset
    >>> vat = dated_values(load_dataset(), "vehicle_taxes", "vat_rate")
    >>> [str(d) for d in vat.valid_from], vat.values.tolist()
    (['2015-01-01', '2023-07-10'], [18.0, 20.0])
    """
    rows = _rows(dataset, table, variable, vehicle_class)
    for column, value in keys.items():
        rows = rows[rows[column] == value]
    where = f"{dataset.path / (table + '.csv')}: variable {variable!r}" + "".join(
        f" {c}={v!r}" for c, v in keys.items()
    )
    if rows.empty:
        msg = f"{where} has no rows"
        raise InputError(msg)
    dates = [key_date(str(d)) for d in rows[DATE_KEY]]
    if len(set(dates)) != len(dates):
        msg = f"{where} has more than one row on a date; name every other key column of the series"
        raise InputError(msg)
    order = np.argsort(np.array(dates, dtype="datetime64[D]"))
    return DatedValues(
        valid_from=np.array(dates, dtype="datetime64[D]")[order],
        values=rows["value"].to_numpy(dtype=float)[order],
    )


def vat_rates(dataset: Dataset) -> DatedValues:
    """The VAT rate by date [%] (``vat_rate`` of ``vehicle_taxes.csv``)."""
    return dated_values(dataset, TAX_TABLE, "vat_rate")


#: The columns of :func:`list_price_bases`.
PRICE_COLUMNS = (
    "powertrain",
    "powertrain_group",
    "origin",
    "model",
    "size",
    "valid_from",
    "list_price",
    "vat_rate",
    "purchase_tax_rate",
    "tax_base",
)


def list_price_bases(dataset: Dataset, vehicle_class: str) -> pd.DataFrame:
    """The tax base and purchase-tax rate behind each list price of a vehicle class.

    Each row of ``list_price`` (``vehicle_prices.csv``) is de-taxed with the
    schedule of its powertrain's group and the VAT in force on its date
    (:func:`evhub.model.taxes.tax_base_from_price`).

    Parameters
    ----------
    dataset : Dataset
        The dataset.
    vehicle_class : str
        The vehicle class.

    Returns
    -------
    pandas.DataFrame
        One row per list price, with the columns of ``PRICE_COLUMNS``:
        ``list_price`` and ``tax_base`` [LCU/veh], ``vat_rate`` and
        ``purchase_tax_rate`` [%], ``valid_from`` a ``datetime64`` date.

    Raises
    ------
    InputError
        If a price's size is in a unit other than its group's bands, or no
        base gives the price (it lies in the jump at a bracket's bound: a
        wrong price, date or size).
    """
    prices = _rows(dataset, PRICE_TABLE, "list_price", vehicle_class)
    schedules = purchase_tax_schedules(dataset, vehicle_class)
    vat = vat_rates(dataset)
    groups: Mapping[str, str] = {
        m.id: str(m.attributes["group"]) for m in dataset.dims.powertrains.members
    }
    path = dataset.path / (PRICE_TABLE + ".csv")
    records = []
    for row in prices.to_dict("records"):
        where = f"{path}: list_price of {row['model']!r} on {row[DATE_KEY]}"
        group = groups[str(row["powertrain"])]
        schedule = schedules.get(group)
        if schedule is None:
            msg = f"{where}: no purchase-tax schedule for its powertrain group {group!r}"
            raise InputError(msg)
        size, unit = key_size(str(row["size"]))
        if unit and unit != schedule.size_unit:
            msg = (
                f"{where}: size {row['size']!r} is in {unit}, but the purchase-tax bands of the "
                f"group {group!r} are in {schedule.size_unit or 'no unit'}"
            )
            raise InputError(msg)
        date = np.datetime64(key_date(str(row[DATE_KEY])), "D")
        rate_vat = float(value_in_force(vat, date))
        base = float(tax_base_from_price(schedule, row["value"], size, date, rate_vat))
        if math.isnan(base):
            msg = (
                f"{where}: no tax base gives the price {row['value']:,.0f} with the schedule of "
                f"the group {group!r} in force then (the price lies in the jump at a bracket's "
                "bound): check the price, its date and its size"
            )
            raise InputError(msg)
        records.append(
            {
                "powertrain": row["powertrain"],
                "powertrain_group": group,
                "origin": row["origin"],
                "model": row["model"],
                "size": row["size"],
                "valid_from": date,
                "list_price": float(row["value"]),
                "vat_rate": rate_vat,
                "purchase_tax_rate": float(band_value(schedule, base, size, date)),
                "tax_base": base,
            }
        )
    return pd.DataFrame.from_records(records, columns=list(PRICE_COLUMNS))

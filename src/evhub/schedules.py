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
from typing import Any

import numpy as np
import pandas as pd

from evhub.dataset import CLASS_KEY, Dataset, key_amount, key_date, key_size
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
    "band_schedules",
    "dated_values",
    "list_price_bases",
    "ownership_tax_schedules",
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

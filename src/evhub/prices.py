r"""Real US dollars of one price year: the deflator from the dataset's US CPI.

Money in a dataset is in US dollars of the year each source reports. The
dataset names one price year (``price_year`` in ``dataset.yaml``) and carries
the US consumer price index CPI-U (``us_cpi`` rows of ``socioeconomic.csv``,
BLS series CUUR0000SA0, annual averages) for that year and for every year a
money value is dated. A value of year :math:`y` in dollars of the price year
:math:`p` is

.. math:: v_p = v_y \cdot \mathrm{CPI}_p / \mathrm{CPI}_y

and a year without a CPI row is an error that names the value, never a guess.

Money in the country's own currency (``LCU``: local currency units of the
row's year, e.g. TRY) is converted with the dataset's annual-average exchange
rate (``exchange_rate``, LCU per USD) and, by default, its national CPI
(``national_cpi``), both rows of ``socioeconomic.csv``: a value :math:`w_y`
of year :math:`y` is, in US dollars of the price year :math:`p`,

.. math:: v_p = w_y \cdot \mathrm{CPI}^{nat}_p / \mathrm{CPI}^{nat}_y / X_p

(deflated at home, then exchanged at the price year's rate:
``deflate="national"``), or
:math:`v_p = w_y / X_y \cdot \mathrm{CPI}_p / \mathrm{CPI}_y` (exchanged
in its own year, then deflated with the US CPI: ``deflate="us"``). The two
differ by the change of the real exchange rate between the two years.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from evhub import parameters
from evhub.dataset import CPI_VARIABLE, Dataset
from evhub.errors import InputError
from evhub.units import money_year, without_year

__all__ = [
    "EXCHANGE_RATE",
    "NATIONAL_CPI",
    "cpi",
    "deflator",
    "local_deflator",
    "price_year",
    "report_price_year",
    "to_price_year",
]

#: The socioeconomic variable of local currency units per US dollar (annual average).
EXCHANGE_RATE = "exchange_rate"
#: The socioeconomic variable of the country's consumer price index (annual average).
NATIONAL_CPI = "national_cpi"


@cache
def report_price_year() -> int:
    """The year of the US dollars evhub reports in [yr]: that of the catalogue's money units.

    The parameter catalogue (``data/parameters.csv``) writes its money units with
    one year (``USD_2025/(veh/yr)``), as the variable definitions do; a dataset's
    ``price_year`` must be that year.

    Raises
    ------
    InputError
        If the catalogue's money units name no year or more than one.
    """
    years = {y for s in parameters.specs() if (y := money_year(s.unit)) is not None}
    if len(years) != 1:
        msg = (
            f"evhub/{parameters.PARAMETER_TABLE}: the money units name the years "
            f"{sorted(years)}; expected one (the year of the dollars evhub reports in)"
        )
        raise InputError(msg)
    return years.pop()


def cpi(dataset: Dataset) -> dict[int, float]:
    """The US CPI-U by year (``us_cpi`` rows of ``socioeconomic.csv``) [1]."""
    rows = dataset.rows("socioeconomic", CPI_VARIABLE)
    return {int(y): float(v) for y, v in zip(rows["year"], rows["value"], strict=True)}


def price_year(dataset: Dataset) -> int:
    """The dataset's price year (``price_year`` in ``dataset.yaml``) [yr].

    Raises
    ------
    InputError
        If the dataset names none.
    """
    year = dataset.meta.get("price_year")
    if year is None:
        msg = (
            f"{dataset.path / 'dataset.yaml'}: missing field 'price_year' "
            "(the year of real US dollars)"
        )
        raise InputError(msg)
    if int(year) != report_price_year():
        msg = (
            f"{dataset.path / 'dataset.yaml'}: field 'price_year' = {year} is not the year of "
            f"the dollars evhub reports in ({report_price_year()}: results, data/parameters.csv)"
        )
        raise InputError(msg)
    return int(year)


def deflator(dataset: Dataset, year: int, *, where: str) -> float:
    r"""Factor from US dollars of ``year`` to dollars of the price year [1].

    Parameters
    ----------
    dataset
        The dataset (its CPI rows and price year).
    year
        The year the money value is dated (its dollars) [yr].
    where
        The value being converted, for the message: file, row (or parameter).

    Returns
    -------
    float
        :math:`\mathrm{CPI}_p / \mathrm{CPI}_y` [1].

    Raises
    ------
    InputError
        If ``year`` (or the price year) has no CPI row.
    """
    index = cpi(dataset)
    target = price_year(dataset)
    for needed in (year, target):
        if needed not in index:
            msg = (
                f"{where}: money dated {needed} cannot be converted to US dollars of "
                f"{target}: {dataset.path / 'socioeconomic.csv'} has no {CPI_VARIABLE!r} row "
                f"for {needed} (years with one: {sorted(index)})"
            )
            raise InputError(msg)
    return index[target] / index[year]


def to_price_year(dataset: Dataset, value: float, unit: str, *, where: str) -> tuple[float, str]:
    r"""A money value in US dollars of the dataset's price year, with its unit.

    Parameters
    ----------
    dataset
        The dataset (its CPI rows and price year).
    value
        The value, in ``unit``.
    unit
        Its unit, naming the year of its dollars (``USD_2024/(veh/yr)``).
    where
        The value being converted, for the message: file, row, column.

    Returns
    -------
    tuple of float and str
        :math:`v \cdot \mathrm{CPI}_p / \mathrm{CPI}_y` and the unit with the
        price year (``USD_2025/(veh/yr)``).

    Raises
    ------
    InputError
        If ``unit`` names no year, or the year has no CPI row.
    """
    year = money_year(unit)
    if year is None:
        msg = f"{where}: unit {unit!r} names no year of its dollars (e.g. 'USD_2024/veh')"
        raise InputError(msg)
    target = price_year(dataset)
    converted = without_year(unit).replace("USD", f"USD_{target}", 1)
    return value * deflator(dataset, year, where=where), converted


def _yearly(dataset: Dataset, variable: str) -> dict[int, float]:
    rows = dataset.rows("socioeconomic", variable)
    return {int(y): float(v) for y, v in zip(rows["year"], rows["value"], strict=True)}


def local_deflator(
    dataset: Dataset,
    year: int,
    *,
    where: str,
    deflate: Literal["national", "us"] = "national",
) -> float:
    r"""Factor from local currency of ``year`` to US dollars of the price year [USD/LCU].

    Parameters
    ----------
    dataset
        The dataset (its exchange rates, CPIs and price year).
    year
        The year of the local money [yr].
    where
        The value being converted, for the message: file, row (or parameter).
    deflate
        ``"national"``: :math:`\mathrm{CPI}^{nat}_p / \mathrm{CPI}^{nat}_y / X_p`;
        ``"us"``: :math:`\mathrm{CPI}_p / \mathrm{CPI}_y / X_y` (see the module).

    Returns
    -------
    float
        US dollars of the price year per local currency unit of ``year``.

    Raises
    ------
    InputError
        If a year the conversion needs has no exchange-rate or CPI row.
    ValueError
        If ``deflate`` is not one of the two ways.
    """
    target = price_year(dataset)
    rates = _yearly(dataset, EXCHANGE_RATE)
    if deflate == "national":
        index, fx_year, variable = _yearly(dataset, NATIONAL_CPI), target, NATIONAL_CPI
    elif deflate == "us":
        index, fx_year, variable = cpi(dataset), year, CPI_VARIABLE
    else:
        msg = f"deflate = {deflate!r}; expected 'national' or 'us'"
        raise ValueError(msg)
    for needed, table, what in (
        (year, index, variable),
        (target, index, variable),
        (fx_year, rates, EXCHANGE_RATE),
    ):
        if needed not in table:
            msg = (
                f"{where}: local money of {year} cannot be converted to US dollars of {target}: "
                f"{dataset.path / 'socioeconomic.csv'} has no {what!r} row for {needed} "
                f"(years with one: {sorted(table)})"
            )
            raise InputError(msg)
    return index[target] / index[year] / rates[fx_year]

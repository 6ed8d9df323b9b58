r"""Real US dollars of one price year: the deflator from the dataset's US CPI.

Money in a dataset is in US dollars of the year each source reports. The
dataset names one price year (``price_year`` in ``dataset.yaml``) and carries
the US consumer price index CPI-U (``us_cpi`` rows of ``socioeconomic.csv``,
BLS series CUUR0000SA0, annual averages) for that year and for every year a
money value is dated. A value of year :math:`y` in dollars of the price year
:math:`p` is

.. math:: v_p = v_y \cdot \mathrm{CPI}_p / \mathrm{CPI}_y

and a year without a CPI row is an error that names the value, never a guess.
"""

from __future__ import annotations

from functools import cache

from evhub import parameters
from evhub.dataset import CPI_VARIABLE, Dataset
from evhub.errors import InputError
from evhub.units import money_year, without_year

__all__ = ["cpi", "deflator", "price_year", "report_price_year", "to_price_year"]


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

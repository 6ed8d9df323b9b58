r"""The generalised cost of a vehicle class by powertrain, origin and year, from a dataset.

Assembles the dataset's dated taxes, duties, tax bases, pack prices, energy
prices and the buyer's assumptions (``choice.csv``) into the cost a buyer
weighs, in US dollars of the dataset's price year per vehicle-year; the
arithmetic is in :mod:`evhub.model.purchase`, :mod:`evhub.model.taxes` and
:mod:`evhub.model.choice`. For each powertrain :math:`p`, origin :math:`o`
and year :math:`y`:

1. **Pre-tax price.** The median tax base of the powertrain's group
   (``tax_base_median``), converted to dollars of the price year at each
   year's exchange rate (vehicles are priced in hard currency: ``deflate="us"`` of
   :func:`evhub.prices.local_deflator`) and interpolated log-linearly between
   the years with a row; a group with fewer rows than the reference group
   (the one with the most) keeps its ratio to it at its own latest row. A
   powertrain with a plug and a ``pack_capacity`` row is a glider plus its
   pack (:func:`evhub.model.purchase.battery_car_base`): the glider is the
   group's latest median less the pack at that year's ``pack_price``, and
   follows the reference group's median; the pack follows the pack price.
   The median is taken to be a duty-free car's (home-built or from the customs
   union); an import from origin :math:`o` adds, node by node of the spread
   (step 2), the customs duty in force and the additional duty, at least its
   minimum (:func:`evhub.model.purchase.customs_duty`; the minimum,
   ``additional_duty_minimum``, in dollars of the price year, exchanged in
   each year); where investors import exempt (``investor_exemption``,
   ``exempt_import_share`` of the base year), the additional duty and its
   minimum apply to the rest of the imports only (the buyers' average).
2. **Price paid.** Log-normal nodes of the bases (``tax_base_log_sd``) in
   local currency of the year, taxed by the purchase-tax bracket each falls
   in, in each size band (``size_share``), and by VAT; each schedule in
   force during the year weighs by its share of the year's days
   (:func:`evhub.model.purchase.mean_price_paid`).
3. **Running costs.** Energy (``fuel_price`` with its taxes; electricity as a
   home/public mix, ``home_charging_share``, the public price the mean of the
   public outlets), at the year's intensity (the latest row scaled back with
   ``intensity_improvement``), over ``annual_distance``; ``maintenance_cost``;
   the ownership tax (``ownership_tax``; a group without a tariff pays that
   of the first group with one; before the first tariff, the first tariff in
   real terms).
4. **Annualised** with the capital recovery factor of ``discount_rate`` and
   ``ownership_period``.

Money of a year in local currency is converted with the national CPI and the
price year's exchange rate (``deflate="national"``). Prices of a year with no
row are interpolated in real terms (log-linear) and held constant outside
the rows' years. Not here: purchase subsidies (a policy's, in the projection)
and the non-financial costs (added by the fit, :mod:`evhub.choicefit`).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evhub.dataset import CLASS_KEY, Dataset, key_date, key_size
from evhub.errors import InputError
from evhub.model import buyers, choice, purchase
from evhub.model.taxes import (
    BandSchedule,
    DatedValues,
    band_value,
    lognormal_nodes,
    value_in_force,
    year_shares,
)
from evhub.prices import local_deflator, price_year, to_price_year
from evhub.schedules import (
    PurchaseTax,
    dated_values,
    ownership_tax_schedules,
    parse_brackets,
    purchase_tax,
    vat_rates,
)

__all__ = [
    "COMPONENTS",
    "CostAssumptions",
    "cost_assumptions",
    "generalised_costs",
]

#: The table of the buyer's assumptions.
CHOICE_TABLE = "choice"
#: Number of log-normal nodes of the tax bases (a numerical setting: the
#: average rate converges to within a tenth of a point of the 2016 spread's).
NODES = 15
#: Percent per unit [%/1].
PERCENT = 100.0
#: The columns of :func:`generalised_costs`, with their units.
COMPONENTS = {
    "pre_tax_price": "USD/veh",
    "duty": "USD/veh",
    "purchase_tax": "USD/veh",
    "vat": "USD/veh",
    "price_paid": "USD/veh",
    "capital": "USD/veh/yr",
    "energy": "USD/veh/yr",
    "maintenance": "USD/veh/yr",
    "ownership_tax": "USD/veh/yr",
    "total": "USD/veh/yr",
}
#: The outlet of home charging in ``energy_prices.csv``.
HOME_OUTLET = "home"


@dataclass(frozen=True)
class CostAssumptions:
    """The buyer's assumptions of one vehicle class (``choice.csv``), as fractions.

    Attributes
    ----------
    discount_rate : float
        Real discount rate [1/yr].
    ownership_period : float
        Years over which the price paid is annualised [yr].
    home_charging_share : float
        Share of a plug-in car's electricity charged at home [1].
    """

    discount_rate: float
    ownership_period: float
    home_charging_share: float


def _class_rows(dataset: Dataset, table: str, variable: str, vehicle_class: str) -> pd.DataFrame:
    rows = dataset.rows(table, variable)
    if CLASS_KEY in rows.columns:
        rows = rows[rows[CLASS_KEY].isin([vehicle_class, ""])]
    return rows


def _one(dataset: Dataset, table: str, variable: str, vehicle_class: str, **keys: str) -> float:
    rows = _class_rows(dataset, table, variable, vehicle_class)
    for column, value in keys.items():
        rows = rows[rows[column] == value]
    if rows.empty:
        shown = "".join(f" {c}={v!r}" for c, v in keys.items())
        msg = (
            f"{dataset.path / (table + '.csv')}: no row for variable {variable!r} of class "
            f"{vehicle_class!r}{shown} (the choice model's cost needs it)"
        )
        raise InputError(msg)
    if rows["year"].notna().any():
        rows = rows.sort_values("year")
    return float(rows["value"].iloc[-1])


def cost_assumptions(dataset: Dataset, vehicle_class: str) -> CostAssumptions:
    """The buyer's assumptions of a class from ``choice.csv`` (central values).

    Raises
    ------
    InputError
        If one is missing.
    """
    return CostAssumptions(
        discount_rate=_one(dataset, CHOICE_TABLE, "discount_rate", vehicle_class) / PERCENT,
        ownership_period=_one(dataset, CHOICE_TABLE, "ownership_period", vehicle_class),
        home_charging_share=_one(dataset, CHOICE_TABLE, "home_charging_share", vehicle_class)
        / PERCENT,
    )


def _interpolate(points: dict[int, float], years: np.ndarray, *, log: bool) -> np.ndarray:
    """Values of ``years`` interpolated between ``points`` (log-linear if ``log``), held outside."""
    xs = np.array(sorted(points), dtype=float)
    ys = np.array([points[int(x)] for x in xs], dtype=float)
    if log:
        return np.asarray(np.exp(np.interp(years, xs, np.log(ys))), dtype=float)
    return np.asarray(np.interp(years, xs, ys), dtype=float)


def _real_series(dataset: Dataset, rows: pd.DataFrame, years: np.ndarray, where: str) -> np.ndarray:
    """Local-currency prices of some years as dollars of the price year, for every year."""
    if rows.empty:
        msg = f"{where}: no rows (the choice model's cost needs them)"
        raise InputError(msg)
    points = {
        int(y): float(v) * local_deflator(dataset, int(y), where=where)
        for y, v in zip(rows["year"], rows["value"], strict=True)
    }
    return _interpolate(points, years, log=True)


def _median_bases(dataset: Dataset, vehicle_class: str, years: np.ndarray) -> dict[str, np.ndarray]:
    """Median tax base of each group with rows, in dollars of the price year [USD/veh]."""
    rows = _class_rows(dataset, "tax_bases", "tax_base_median", vehicle_class)
    where = f"{dataset.path / 'tax_bases.csv'}: tax_base_median"
    points: dict[str, dict[int, float]] = {}
    for group, year, value in zip(
        rows["powertrain_group"], rows["year"], rows["value"], strict=True
    ):
        factor = local_deflator(dataset, int(year), where=where, deflate="us")
        points.setdefault(str(group), {})[int(year)] = float(value) * factor
    if not points:
        msg = f"{where}: no rows of class {vehicle_class!r}"
        raise InputError(msg)
    reference = max(points, key=lambda g: (len(points[g]), -list(points).index(g)))
    ref_path = _interpolate(points[reference], years, log=True)
    out = {}
    for group, mine in points.items():
        if len(mine) >= len(points[reference]):
            out[group] = _interpolate(mine, years, log=True)
        else:
            last = max(mine)
            ref_last = _interpolate(points[reference], np.array([float(last)]), log=True)[0]
            out[group] = ref_path * mine[last] / ref_last
    out["__reference__"] = ref_path
    return out


def _pack_prices(dataset: Dataset, years: np.ndarray) -> np.ndarray | None:
    """Pack price by year in dollars of the price year [USD/kWh], ``None`` without rows."""
    rows = dataset.rows(CHOICE_TABLE, "pack_price")
    if rows.empty:
        return None
    where = f"{dataset.path / (CHOICE_TABLE + '.csv')}: pack_price"
    points = {
        int(y): to_price_year(dataset, float(v), str(u), where=f"{where} of {int(y)}")[0]
        for y, v, u in zip(rows["year"], rows["value"], rows["unit"], strict=True)
    }
    return _interpolate(points, years, log=True)


def _sizes(dataset: Dataset, vehicle_class: str, group: str) -> list[tuple[float, float]]:
    """The (size bound, share [1]) of a group's size bands (``size_share``)."""
    rows = _class_rows(dataset, CHOICE_TABLE, "size_share", vehicle_class)
    rows = rows[rows["powertrain_group"] == group]
    if rows.empty:
        msg = (
            f"{dataset.path / (CHOICE_TABLE + '.csv')}: no size_share row of class "
            f"{vehicle_class!r} and powertrain_group {group!r} (picks its tax bands)"
        )
        raise InputError(msg)
    total = float(rows["value"].sum())
    return [
        (key_size(str(s))[0], float(v) / total)
        for s, v in zip(rows["size"], rows["value"], strict=True)
    ]


#: The additional duty's minimum amount of ``import_duties.csv`` [USD of a year/veh].
DUTY_MINIMUM = "additional_duty_minimum"


@dataclass(frozen=True)
class _Duty:
    """The customs duty on one day of an origin's vehicles of one group.

    Attributes
    ----------
    rate : float
        The duty [1].
    additional : float
        The additional duty the average buyer pays [1]: its rate less what
        investors import exempt.
    threshold : float
        The customs value below which the additional duty's minimum applies,
        the minimum over the rate [USD of the price year/veh]; 0 without one.
    law : float
        The additional duty's rate, exempt imports or not [1].
    exempt : bool
        Whether investors' imports are exempt from it that day.
    """

    rate: float
    additional: float
    threshold: float
    law: float
    exempt: bool


@dataclass(frozen=True)
class _DutyLaw:
    """The dated duties of an origin's vehicles of one group (none: no series).

    ``exempt_share`` is the share of the base year's imports that entered
    exempt from the additional duty (and its minimum) while ``exemption``
    is in force (1): the buyers' average duty is on the rest.
    """

    where: str
    rate: DatedValues | None
    additional: DatedValues | None
    minimum: DatedValues | None
    exemption: DatedValues | None
    exempt_share: float

    @property
    def dates(self) -> list[np.ndarray]:
        """The dates the duty changes."""
        series = (self.rate, self.additional, self.minimum, self.exemption)
        return [s.valid_from for s in series if s is not None]

    def on(self, day: np.datetime64) -> _Duty:
        """The duty on ``day``.

        Raises
        ------
        InputError
            If a minimum is in force without an additional duty above 0.
        """
        rate = _in_force(self.rate, day) if self.rate is not None else 0.0
        added = _in_force(self.additional, day) if self.additional is not None else 0.0
        minimum = _in_force(self.minimum, day) if self.minimum is not None else 0.0
        if minimum > 0 and not added > 0:
            assert self.minimum is not None  # a minimum is in force
            since = self.minimum.valid_from[
                np.searchsorted(self.minimum.valid_from, day, "right") - 1
            ]
            msg = (
                f"{self.where}: the {DUTY_MINIMUM} of {since} ({minimum:,.0f} USD of the price "
                f"year) is in force on {day} but the additional_duty_rate then is {added!r}: a "
                "minimum needs a rate above 0"
            )
            raise InputError(msg)
        exempting = self.exemption is not None and _in_force(self.exemption, day) >= 1.0
        exempt = self.exempt_share if exempting else 0.0
        return _Duty(
            rate / PERCENT,
            added * (1.0 - exempt) / PERCENT,
            minimum / (added / PERCENT) if minimum > 0 else 0.0,
            added / PERCENT,
            exempting,
        )


def _duty_law(dataset: Dataset, vehicle_class: str, origin: str, group: str) -> _DutyLaw:
    """The dated duties of an origin's vehicles of a group (``import_duties.csv``; none at home)."""
    where = f"{dataset.path / 'import_duties.csv'}: origin {origin!r}, powertrain_group {group!r}"
    if origin == dataset.dims.home:
        return _DutyLaw(where, None, None, None, None, 0.0)
    keys = {"origin": origin, "powertrain_group": group}

    def mine(variable: str) -> pd.DataFrame:
        rows = _class_rows(dataset, "import_duties", variable, vehicle_class)
        return rows[(rows["origin"] == origin) & (rows["powertrain_group"] == group)]

    def series(variable: str) -> DatedValues | None:
        if mine(variable).empty:
            return None
        return dated_values(dataset, "import_duties", variable, vehicle_class, **keys)

    minimum = None
    rows = mine(DUTY_MINIMUM)
    if not rows.empty:
        dates = np.array([key_date(str(d)) for d in rows["valid_from"]], dtype="datetime64[D]")
        values = np.array(
            [
                to_price_year(dataset, float(v), str(u), where=f"{where}: {DUTY_MINIMUM} on {d}")[0]
                for v, u, d in zip(rows["value"], rows["unit"], dates, strict=True)
            ]
        )
        order = np.argsort(dates)
        minimum = DatedValues(valid_from=dates[order], values=values[order])
    shares = mine("exempt_import_share")
    shares = shares[shares["year"] == dataset.base_year]
    return _DutyLaw(
        where,
        series("duty_rate"),
        series("additional_duty_rate"),
        minimum,
        series("investor_exemption"),
        float(shares["value"].iloc[-1]) / PERCENT if not shares.empty else 0.0,
    )


def _in_force(series: DatedValues, date: np.datetime64) -> float:
    """The value in force on ``date``, 0 before the first."""
    if date < series.valid_from[0]:
        return 0.0
    return float(value_in_force(series, date))


def _segments(year: int, dated: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Start dates of the parts of ``year`` between schedule changes, and their weights [1]."""
    first = np.datetime64(datetime.date(year, 1, 1), "D")
    last = np.datetime64(datetime.date(year + 1, 1, 1), "D")
    starts = {first}
    for days in dated:
        starts |= {d for d in days.astype("datetime64[D]") if first < d < last}
    dates = np.array(sorted(starts), dtype="datetime64[D]")
    return dates, year_shares(dates, [year])[0]


def _charging_price(dataset: Dataset, years: np.ndarray, settings: CostAssumptions) -> np.ndarray:
    """The price of a kWh charged, home and public outlets mixed [USD/kWh of the price year]."""
    home = _energy_price(dataset, "electricity_price", years, outlet=HOME_OUTLET)
    outlets = sorted(
        set(dataset.rows("energy_prices", "electricity_price")["outlet"]) - {HOME_OUTLET}
    )
    public = np.mean(
        [_energy_price(dataset, "electricity_price", years, outlet=o) for o in outlets], axis=0
    )
    return np.asarray(purchase.charging_price(home, public, settings.home_charging_share))


def _log_sd(dataset: Dataset, rows: pd.DataFrame, group: str) -> float:
    """The latest spread of a group's log tax bases (``tax_base_log_sd``) [1]."""
    mine = rows[rows["powertrain_group"] == group].sort_values("year")
    if mine.empty:
        msg = f"{dataset.path / 'tax_bases.csv'}: no tax_base_log_sd of powertrain_group {group!r}"
        raise InputError(msg)
    return float(mine["value"].iloc[-1])


def _has_median(dataset: Dataset, medians: dict[str, np.ndarray], group: str) -> None:
    """A group's median tax base must be in the table."""
    if group not in medians:
        msg = f"{dataset.path / 'tax_bases.csv'}: no tax_base_median of powertrain_group {group!r}"
        raise InputError(msg)


def _energy_price(dataset: Dataset, variable: str, years: np.ndarray, **keys: str) -> np.ndarray:
    rows = dataset.rows("energy_prices", variable, **keys)
    rows = rows[rows["valid_from"] == ""] if "valid_from" in rows.columns else rows
    where = f"{dataset.path / 'energy_prices.csv'}: {variable}" + "".join(
        f" {c}={v!r}" for c, v in keys.items()
    )
    return _real_series(dataset, rows, years, where)


def generalised_costs(
    dataset: Dataset, vehicle_class: str, years: list[int] | None = None
) -> pd.DataFrame:
    """The generalised annual cost of a class by powertrain, origin and year.

    Parameters
    ----------
    dataset : Dataset
        The dataset (its taxes, duties, prices and ``choice.csv``).
    vehicle_class : str
        The vehicle class (an id of the dataset's ``classes``).
    years : list of int, optional
        Calendar years [yr]; default: from the year of the first purchase-tax
        schedule to the base year.

    Returns
    -------
    pandas.DataFrame
        Indexed by (powertrain, origin, year), with the columns of
        ``COMPONENTS`` in US dollars of the price year (``attrs["units"]``
        names each unit with its year): the pre-tax price, duty, purchase tax
        and VAT that make up the price paid [USD/veh], and the annual capital,
        energy, maintenance and ownership-tax costs and their total
        [USD/veh/yr].

    Raises
    ------
    InputError
        If a table or row the cost needs is missing, or a glider comes out
        negative (a pack dearer than the group's median car).
    """
    dims = dataset.dims
    tax = purchase_tax(dataset, vehicle_class)
    schedules = tax.schedules
    vat = vat_rates(dataset)
    if years is None:
        first = min(int(str(s.valid_from[0])[:4]) for s in schedules.values())
        years = list(range(first, dataset.base_year + 1))
    yrs = np.array(years, dtype=float)
    settings = cost_assumptions(dataset, vehicle_class)
    recovery = float(
        choice.capital_recovery_factor(settings.discount_rate, settings.ownership_period)
    )
    medians = _median_bases(dataset, vehicle_class, yrs)
    reference = medians["__reference__"]
    packs = _pack_prices(dataset, yrs)
    to_local_us = np.array(
        [local_deflator(dataset, y, where="generalised_costs", deflate="us") for y in years]
    )  # USD of the price year per LCU of the year, exchanged in its own year
    to_real = np.array([local_deflator(dataset, y, where="generalised_costs") for y in years])
    km = dataset.series("vehicle", "annual_distance", **{CLASS_KEY: vehicle_class}, powertrain="")
    distance = _interpolate(
        dict(zip(km.index.astype(int).tolist(), km.to_numpy(float).tolist(), strict=True)),
        yrs,
        log=False,
    )
    loss = _one(dataset, "vehicle", "charging_loss", vehicle_class) / PERCENT
    electricity = _charging_price(dataset, yrs, settings)
    tariffs = ownership_tax_schedules(dataset, vehicle_class)
    log_sd = _class_rows(dataset, "tax_bases", "tax_base_log_sd", vehicle_class)
    records: list[dict[str, object]] = []
    for member in dims.powertrains.members:
        if vehicle_class not in member.attributes.get("classes", [vehicle_class]):
            continue
        p = member.id
        group = str(member.attributes["group"])
        _has_median(dataset, medians, group)
        median = medians[group]
        pack = dataset.rows("battery", "pack_capacity", **{CLASS_KEY: vehicle_class}, powertrain=p)
        if member.attributes.get("plug") and not pack.empty and packs is not None:
            kwh = float(pack.sort_values("year")["value"].iloc[-1])
            latest = int(np.argmax(yrs == yrs.max()))
            glider = median[latest] - kwh * packs[latest]
            if glider <= 0:
                msg = (
                    f"{dataset.path / 'tax_bases.csv'}: the median tax base of {group!r} in "
                    f"{years[latest]} is below its pack ({kwh:g} kWh at {packs[latest]:,.0f} "
                    "USD/kWh): no glider is left"
                )
                raise InputError(msg)
            median = purchase.battery_car_base(glider * reference / reference[latest], kwh, packs)
        sd = _log_sd(dataset, log_sd, group)
        sizes = _sizes(dataset, vehicle_class, group)
        tariff_group = group if group in tariffs else next(iter(tariffs))
        tariff = tariffs[tariff_group]
        tariff_sizes = _sizes(dataset, vehicle_class, group)
        energy_km = _energy_per_km(dataset, vehicle_class, member, yrs, loss, electricity)
        maintenance = _maintenance(dataset, vehicle_class, p) * distance
        for origin in dims.origins.ids:
            law = _duty_law(dataset, vehicle_class, origin, group)
            for k, year in enumerate(years):
                dates, weights = _segments(year, [*tax.dates(group), vat.valid_from, *law.dates])
                base_lcu = median[k] / to_local_us[k]
                nodes = lognormal_nodes(base_lcu, sd, NODES)  # (node,)
                vat_pct = np.array([_in_force(vat, day) for day in dates])
                duties = [law.on(day) for day in dates]
                taxed = nodes[None, :] + np.stack(  # (segment, node)
                    [
                        purchase.customs_duty(
                            nodes, d.rate, d.additional, d.threshold / to_local_us[k]
                        )
                        for d in duties
                    ]
                )
                parts = np.zeros(4)
                paid = 0.0
                for size, share in sizes:
                    rates = np.stack(
                        [tax.rate(group, taxed[j], size, day) for j, day in enumerate(dates)]
                    )
                    paid += share * float(purchase.mean_price_paid(taxed, rates, vat_pct, weights))
                    pieces = np.stack(
                        [
                            np.broadcast_to(nodes, taxed.shape),
                            taxed - nodes[None, :],
                            taxed * rates / PERCENT,
                            taxed * (1 + rates / PERCENT) * vat_pct[:, None] / PERCENT,
                        ]
                    )  # (part, segment, node)
                    parts += share * (pieces.mean(axis=-1) @ weights) / weights.sum()
                real = to_real[k]
                annual_tax = _ownership_tax(dataset, tariff, tariff_sizes, year, to_real[k])
                price = paid * real
                capital = recovery * price
                energy = energy_km[k] * distance[k]
                total = float(
                    choice.annual_cost(
                        np.asarray(price),
                        recovery,
                        distance[k],
                        np.asarray(energy_km[k]),
                        np.asarray(1.0),
                        maintenance=maintenance[k],
                        annual_tax=annual_tax,
                    )
                )
                records.append(
                    {
                        "powertrain": p,
                        "origin": origin,
                        "year": year,
                        "pre_tax_price": parts[0] * real,
                        "duty": parts[1] * real,
                        "purchase_tax": parts[2] * real,
                        "vat": parts[3] * real,
                        "price_paid": price,
                        "capital": capital,
                        "energy": energy,
                        "maintenance": maintenance[k],
                        "ownership_tax": annual_tax,
                        "total": total,
                    }
                )
    frame = pd.DataFrame.from_records(records).set_index(["powertrain", "origin", "year"])
    target = price_year(dataset)
    frame.attrs["units"] = {c: u.replace("USD", f"USD_{target}") for c, u in COMPONENTS.items()}
    return frame


def _energy_per_km(
    dataset: Dataset,
    vehicle_class: str,
    member: object,
    years: np.ndarray,
    loss: float,
    electricity: np.ndarray,
) -> np.ndarray:
    """Energy cost per km of a powertrain in each year [USD/km of the price year]."""
    attrs = member.attributes  # type: ignore[attr-defined]
    p = member.id  # type: ignore[attr-defined]
    fuel = attrs.get("fuel")
    improvement = (
        _one(dataset, "vehicle", "intensity_improvement", vehicle_class, powertrain=p) / PERCENT
    )
    fuel_intensity, fuel_price = np.zeros_like(years), np.zeros_like(years)
    electric, share = np.zeros_like(years), 0.0
    if fuel:
        fuel_intensity = _intensity(dataset, "fuel_intensity", vehicle_class, p, years, improvement)
        fuel_price = _energy_price(dataset, "fuel_price", years, fuel=str(fuel), outlet="")
    if attrs.get("plug"):
        electric = _intensity(dataset, "electric_intensity", vehicle_class, p, years, improvement)
        share = (
            _one(dataset, "vehicle", "phev_electric_share", vehicle_class, powertrain=p) / PERCENT
            if fuel
            else 1.0
        )
    return purchase.energy_cost_per_km(
        fuel_intensity, fuel_price, electric, electricity, share, loss
    )


def _intensity(
    dataset: Dataset,
    variable: str,
    vehicle_class: str,
    powertrain: str,
    years: np.ndarray,
    improvement: float,
) -> np.ndarray:
    """A new vehicle's intensity of each year: the latest row, scaled back by its improvement."""
    rows = _class_rows(dataset, "vehicle", variable, vehicle_class)
    rows = rows[rows["powertrain"] == powertrain].sort_values("year")
    if rows.empty:
        msg = f"{dataset.path / 'vehicle.csv'}: no {variable} row of powertrain {powertrain!r}"
        raise InputError(msg)
    value, year = float(rows["value"].iloc[-1]), float(rows["year"].iloc[-1])
    return np.asarray(value * (1 + improvement) ** (year - years), dtype=float)


def _maintenance(dataset: Dataset, vehicle_class: str, powertrain: str) -> float:
    """Maintenance per km in dollars of the price year [USD/km]."""
    rows = _class_rows(dataset, "vehicle", "maintenance_cost", vehicle_class)
    rows = rows[rows["powertrain"] == powertrain].sort_values("year")
    if rows.empty:
        msg = (
            f"{dataset.path / 'vehicle.csv'}: no maintenance_cost row of powertrain {powertrain!r}"
        )
        raise InputError(msg)
    row = rows.iloc[-1]
    where = f"{dataset.path / 'vehicle.csv'}: maintenance_cost of {powertrain!r}"
    return to_price_year(dataset, float(row["value"]), str(row["unit"]), where=where)[0]


def _ownership_tax(
    dataset: Dataset,
    tariff: BandSchedule,
    sizes: list[tuple[float, float]],
    year: int,
    to_real: float,
) -> float:
    """Annual ownership tax in dollars of the price year [USD/veh/yr].

    Before the first tariff took effect, the first tariff in real terms.
    """
    first_year = int(str(tariff.valid_from[0])[:4])
    date = np.datetime64(datetime.date(max(year, first_year), 1, 1), "D")
    factor = (
        to_real
        if year >= first_year
        else local_deflator(dataset, first_year, where="ownership_tax")
    )
    return float(
        sum(share * float(band_value(tariff, 0.0, size, date)) for size, share in sizes) * factor
    )


#: Points of the tabulated purchase tax (:attr:`evhub.model.buyers.ChoiceInputs.tax_factor`),
#: log-spaced over the medians a base can take (a numerical setting).
TAX_GRID_POINTS = 400
#: The tabulated medians span this factor below and above the base year's
#: smallest and largest median (a numerical setting: outside, the factor is held).
TAX_GRID_SPAN = 50.0


def schedule_date(year: int) -> np.datetime64:
    """The last day of ``year``: the law of the base year is the one in force then."""
    return np.datetime64(datetime.date(year + 1, 1, 1), "D") - np.timedelta64(1, "D")


def choice_inputs(
    dataset: Dataset,
    vehicle_class: str,
    *,
    schedule_dates: dict[str, str] | None = None,
    brackets: Mapping[str, Mapping[int, str]] | None = None,
) -> buyers.ChoiceInputs:
    """A class's arrays of the projection's choice model, from the dataset (base year).

    Parameters
    ----------
    dataset : Dataset
        The dataset (taxes, duties, tax bases, prices, ``choice.csv``, ``vehicle.csv``).
    vehicle_class : str
        The class.
    schedule_dates : dict of str to str, optional
        By powertrain group, the date (``YYYY-MM-DD``) whose purchase-tax
        schedule applies after the base year; default (and a group not
        named): the schedule in force at the end of the base year. Rows of
        the dataset dated after the base year (a schedule, a qualifying
        share) take effect from their year, for the whole year.
    brackets : mapping of str to mapping of int to str, optional
        By powertrain group, the purchase-tax brackets a scenario sets from a
        year after the base year on (:func:`evhub.schedules.parse_brackets`;
        bases in local currency of the base year), each until the next.

    Returns
    -------
    evhub.model.buyers.ChoiceInputs
        In US dollars of the price year; powertrains not sold in the class
        have zeros (their shares are 0).

    Raises
    ------
    InputError
        If a row the cost needs is missing, a date is not a date or precedes
        every schedule of its group, a scenario's brackets do not parse or
        start in or before the base year, or a glider comes out negative.
    """
    dims = dataset.dims
    b = dataset.base_year
    yrs = np.array([float(b)])
    law_day = schedule_date(b)
    chosen = dict(schedule_dates or {})
    settings = cost_assumptions(dataset, vehicle_class)
    tax = purchase_tax(dataset, vehicle_class)
    schedules = tax.schedules
    tariffs = ownership_tax_schedules(dataset, vehicle_class)
    medians = _median_bases(dataset, vehicle_class, yrs)
    packs = _pack_prices(dataset, yrs)
    pack_price = float(packs[0]) if packs is not None else 0.0
    to_local_us = local_deflator(dataset, b, where="choice_inputs", deflate="us")
    to_real = local_deflator(dataset, b, where="choice_inputs")
    log_sd = _class_rows(dataset, "tax_bases", "tax_base_log_sd", vehicle_class)
    electricity = float(_charging_price(dataset, yrs, settings)[0])
    fuels = list(dims.fuels.where(liquid=True))
    fuel_price = np.array(
        [float(_energy_price(dataset, "fuel_price", yrs, fuel=f, outlet="")[0]) for f in fuels]
    )
    origins = [dims.home, *(o for o in dims.origins.ids if o != dims.home)]
    lows = min(float(m[0]) for k, m in medians.items() if not k.startswith("__"))
    highs = max(float(m[0]) for k, m in medians.items() if not k.startswith("__"))
    grid = np.linspace(np.log(lows / TAX_GRID_SPAN), np.log(highs * TAX_GRID_SPAN), TAX_GRID_POINTS)
    n_pt = len(dims.powertrains.ids)
    reforms = _reforms(dataset, vehicle_class, brackets or {}, schedules)
    later = {  # the years the dataset's rows change the purchase tax after the base year
        int(str(d)[:4]) for g in schedules for dates in tax.dates(g) for d in dates if d > law_day
    }
    starts = sorted({b + 1, *later, *(y for by_year in reforms.values() for y in by_year)})
    glider = np.zeros(n_pt)
    factor = np.ones((len(starts), n_pt, grid.size))
    law_factor = np.ones((n_pt, grid.size))
    spread = np.ones(n_pt)
    nodes = np.ones((n_pt, NODES))
    duty = np.zeros((len(origins), n_pt))
    additional = np.zeros((len(origins), n_pt))
    threshold = np.zeros((len(origins), n_pt))
    exemption = np.zeros((len(origins), n_pt))
    maintenance = np.zeros(n_pt)
    annual_tax = np.zeros(n_pt)
    for i, member in enumerate(dims.powertrains.members):
        if vehicle_class not in member.attributes.get("classes", [vehicle_class]):
            continue
        p = member.id
        group = str(member.attributes["group"])
        _has_median(dataset, medians, group)
        median = float(medians[group][0])
        pack = dataset.rows("battery", "pack_capacity", **{CLASS_KEY: vehicle_class}, powertrain=p)
        kwh = float(pack.sort_values("year")["value"].iloc[-1]) if not pack.empty else 0.0
        glider[i] = median - kwh * pack_price
        if glider[i] <= 0:
            msg = (
                f"{dataset.path / 'tax_bases.csv'}: the median tax base of {group!r} in {b} "
                f"is below its pack ({kwh:g} kWh at {pack_price:,.0f} USD/kWh): no glider is left"
            )
            raise InputError(msg)
        sd = _log_sd(dataset, log_sd, group)
        days = {
            g: _chosen_day(dataset, chosen, g, schedules[g], law_day, vehicle_class)
            for g in {group, tax.otherwise.get(group, group)}
        }
        z = lognormal_nodes(1.0, sd, NODES)  # (node,)
        bases = np.exp(grid)[:, None] * z[None, :] / to_local_us  # (grid, node) [LCU/veh]
        sizes = _sizes(dataset, vehicle_class, group)
        law_factor[i] = _tax_factor(tax, group, {g: law_day for g in days}, {}, bases, z, sizes)
        for s, start in enumerate(starts):
            in_force = {
                g: by_year[max(y for y in by_year if y <= start)]
                for g, by_year in reforms.items()
                if any(y <= start for y in by_year)
            }
            on = {g: _step_day(day, law_day, tax.dates(g), start) for g, day in days.items()}
            factor[s, i] = _tax_factor(tax, group, on, in_force, bases, z, sizes)
        spread[i] = float(np.mean(z))
        nodes[i] = z
        for k, origin in enumerate(origins[1:], start=1):
            law = _duty_law(dataset, vehicle_class, origin, group).on(law_day)
            duty[k, i], additional[k, i], threshold[k, i] = law.rate, law.law, law.threshold
            exemption[k, i] = float(law.exempt)
        maintenance[i] = _maintenance(dataset, vehicle_class, p)
        tariff = tariffs[group if group in tariffs else next(iter(tariffs))]
        annual_tax[i] = _ownership_tax(
            dataset, tariff, _sizes(dataset, vehicle_class, group), b, to_real
        )
    return buyers.ChoiceInputs(
        glider=glider,
        pack_price=pack_price,
        tax_grid=grid,
        tax_factor=factor,
        tax_from=np.array(starts, dtype=np.intp),
        base_tax_factor=law_factor,
        spread_mean=spread,
        spread_nodes=nodes,
        duty=duty,
        additional_duty=additional,
        exemption=exemption,
        duty_threshold=threshold,
        vat=float(_in_force(vat_rates(dataset), law_day)) / PERCENT,
        fuel_price=fuel_price,
        electricity_price=electricity,
        maintenance=maintenance,
        ownership_tax=annual_tax,
        capital_recovery=float(
            choice.capital_recovery_factor(settings.discount_rate, settings.ownership_period)
        ),
        origin_base=_origin_base(dataset, vehicle_class, origins),
        offer_base=offer_base(dataset, vehicle_class),
    )


def _tax_factor(
    tax: PurchaseTax,
    group: str,
    days: Mapping[str, np.datetime64],
    reforms: Mapping[str, BandSchedule],
    bases: np.ndarray,
    spread: np.ndarray,
    sizes: list[tuple[float, float]],
) -> np.ndarray:
    """:math:`G` of a group on the grid: the mean of ``z (1 + r)`` over spread and sizes [1].

    ``days`` by group (the group's and its ``tax_otherwise``'s) the day whose
    rows apply, ``reforms`` by group a scenario's brackets in their place;
    ``bases`` (grid, node) [LCU/veh], ``spread`` (node,).
    """
    other = tax.otherwise.get(group, group)
    mean = np.zeros(bases.shape[0])
    for size, share in sizes:
        rates = tax.rate(
            group,
            bases,
            size,
            days[group],
            own=reforms.get(group),
            other=reforms.get(other),
            other_day=days[other],
        )
        mean += share * np.mean(spread[None, :] * (1.0 + rates / PERCENT), axis=1)
    return mean


def _step_day(
    day: np.datetime64, law_day: np.datetime64, dates: list[np.ndarray], year: int
) -> np.datetime64:
    """The day whose rows tax a group in ``year`` after the base year.

    ``day`` (the scenario's pick, or the end of the base year) until the
    dataset's rows of the group change after the base year; from the year of
    such a change on, the end of ``year``: a dated row takes effect for the
    whole year it falls in.
    """
    end = schedule_date(year)
    changed = any(((d > law_day) & (d <= end)).any() for d in dates)
    return end if changed else day


#: The lever that sets a group's purchase-tax brackets from a year (``.<class>.<group>.<year>``).
BRACKETS_LEVER = "policy.purchase_tax_brackets"


def _reforms(
    dataset: Dataset,
    vehicle_class: str,
    brackets: Mapping[str, Mapping[int, str]],
    schedules: Mapping[str, BandSchedule],
) -> dict[str, dict[int, BandSchedule]]:
    """A scenario's brackets by group and first year, parsed and checked."""
    out: dict[str, dict[int, BandSchedule]] = {}
    for group, by_year in brackets.items():
        for year, text in sorted(by_year.items()):
            where = f"{BRACKETS_LEVER}.{vehicle_class}.{group}.{year}"
            if group not in schedules:
                msg = (
                    f"{where}: {dataset.path / 'vehicle_taxes.csv'} has no purchase-tax schedule "
                    f"of the group {group!r} for the class {vehicle_class!r} to replace"
                )
                raise InputError(msg)
            if year <= dataset.base_year:
                msg = (
                    f"{where}: {year} is not after the base year {dataset.base_year}; the "
                    "dataset's schedules hold up to it"
                )
                raise InputError(msg)
            # dated with the group's first schedule: whatever day the group is read on, the
            # brackets apply (the year they start is the step's, ChoiceInputs.tax_from)
            first = schedules[group].valid_from[0]
            schedule = parse_brackets(text, where, schedules[group].size_unit, first)
            out.setdefault(group, {})[year] = schedule
    return out


#: The table of each powertrain group's split over origins (base year), and its variable.
ORIGIN_TABLE = "origin_shares"
ORIGIN_SHARE = "origin_share"
#: The table of the makers' offer by powertrain, and its variable.
OFFER_TABLE = "offer"
OFFER_SHARE = "offer_share"


def offer_base(dataset: Dataset, vehicle_class: str) -> np.ndarray:
    """Each powertrain's share of the makers' offer in the base year [1], summing to 1.

    The latest row of ``offer.csv`` up to the base year of each powertrain;
    NaN for every powertrain if the dataset has no offer of the class.

    Raises
    ------
    InputError
        If the class has an offer but a powertrain has no row up to the base
        year, or a share of 0 (its log is the offer's term).
    """
    ids = dataset.dims.powertrains.ids
    if OFFER_TABLE not in dataset.tables:
        return np.full(len(ids), np.nan)
    rows = dataset.rows(OFFER_TABLE, OFFER_SHARE, **{CLASS_KEY: vehicle_class})
    rows = rows[rows["year"] <= dataset.base_year]
    if rows.empty:
        return np.full(len(ids), np.nan)
    out = np.empty(len(ids))
    for i, p in enumerate(ids):
        mine = rows[rows["powertrain"] == p].sort_values("year")
        if mine.empty or not float(mine["value"].iloc[-1]) > 0:
            found = "no row" if mine.empty else f"{float(mine['value'].iloc[-1])!r}"
            msg = (
                f"{dataset.path / (OFFER_TABLE + '.csv')}: {OFFER_SHARE} of class "
                f"{vehicle_class!r} needs a share above 0 of every powertrain up to the base "
                f"year {dataset.base_year}; powertrain {p!r} has {found}"
            )
            raise InputError(msg)
        out[i] = float(mine["value"].iloc[-1])
    return np.asarray(out / out.sum(), dtype=float)


def _origin_base(dataset: Dataset, vehicle_class: str, origins: list[str]) -> np.ndarray:
    """Each powertrain's base-year split over ``origins`` [1], its group's; NaN without rows."""
    dims = dataset.dims
    out = np.full((len(dims.powertrains.ids), len(origins)), np.nan)
    rows = dataset.rows(ORIGIN_TABLE, ORIGIN_SHARE, **{CLASS_KEY: vehicle_class})
    rows = rows[rows["year"] == dataset.base_year]
    for i, member in enumerate(dims.powertrains.members):
        mine = rows[rows["powertrain_group"] == member.attributes["group"]]
        if mine.empty:
            continue
        share = dict(zip(mine["origin"], mine["value"].astype(float), strict=True))
        out[i] = [share.get(o, 0.0) / PERCENT for o in origins]
    return out


def _chosen_day(
    dataset: Dataset,
    chosen: dict[str, str],
    group: str,
    schedule: BandSchedule,
    law_day: np.datetime64,
    vehicle_class: str,
) -> np.datetime64:
    """The day whose schedule applies to a group: the scenario's, else the base year's end."""
    text = chosen.get(group)
    if text is None:
        return law_day
    try:
        day = np.datetime64(datetime.date.fromisoformat(str(text)), "D")
    except ValueError:
        msg = (
            f"policy.purchase_tax_schedule.{vehicle_class}.{group} = {text!r} is not a date "
            "(YYYY-MM-DD)"
        )
        raise InputError(msg) from None
    if day < schedule.valid_from[0]:
        msg = (
            f"policy.purchase_tax_schedule.{vehicle_class}.{group} = {text!r} precedes the first "
            f"schedule of {group!r} in {dataset.path / 'vehicle_taxes.csv'} "
            f"({schedule.valid_from[0]})"
        )
        raise InputError(msg)
    return day


#: The paths of the purchase-tax schedule a scenario picks for a class and group
#: (``policy.purchase_tax_schedule.<class>.<group>``) start with this.
SCHEDULE_LEVER = "policy.purchase_tax_schedule"


def purchase_tax_levers(
    values: Mapping[str, object], vehicle_class: str
) -> tuple[dict[str, str], dict[str, dict[int, str]]]:
    """A scenario's purchase-tax schedule dates and brackets of a class, by group.

    Parameters
    ----------
    values : mapping of str to object
        The scenario's values by dotted path.
    vehicle_class : str
        The class.

    Returns
    -------
    dates : dict of str to str
        ``policy.purchase_tax_schedule.<class>.<group>`` by group (those set).
    brackets : dict of str to dict of int to str
        ``policy.purchase_tax_brackets.<class>.<group>.<year>`` by group and year.
    """
    prefix = f"{SCHEDULE_LEVER}.{vehicle_class}."
    dates = {
        path[len(prefix) :]: str(value)
        for path, value in values.items()
        if path.startswith(prefix) and value is not None
    }
    reform = f"{BRACKETS_LEVER}.{vehicle_class}."
    brackets: dict[str, dict[int, str]] = {}
    for path, value in values.items():
        if path.startswith(reform) and value is not None:
            group, _, year = path[len(reform) :].rpartition(".")
            brackets.setdefault(group, {})[int(year)] = str(value)
    return dates, brackets


def check_purchase_tax_levers(
    dataset: Dataset,
    vehicle_class: str,
    dates: Mapping[str, str],
    brackets: Mapping[str, Mapping[int, str]],
) -> None:
    """Refuse schedule dates and brackets the chain could not read (as it reads them).

    Raises
    ------
    InputError
        For a date that is not a date or precedes every schedule of its
        group, and for brackets that do not parse or start in or before the
        base year (:func:`choice_inputs`).
    """
    tax = purchase_tax(dataset, vehicle_class)
    law_day = schedule_date(dataset.base_year)
    for group, text in dates.items():
        if group in tax.schedules:
            _chosen_day(dataset, {group: text}, group, tax.schedules[group], law_day, vehicle_class)
    _reforms(dataset, vehicle_class, brackets, tax.schedules)


def has_costs(dataset: Dataset, vehicle_class: str) -> bool:
    """Whether the dataset prices a class for the choice model.

    It does if ``vehicle_taxes.csv`` has purchase-tax rates and ``tax_bases.csv``
    median tax bases of the class (or of every class).
    """
    for table, variable in (
        ("vehicle_taxes", "purchase_tax_rate"),
        ("tax_bases", "tax_base_median"),
    ):
        if table not in dataset.tables:
            return False
        rows = dataset.rows(table, variable)
        if CLASS_KEY in rows.columns:
            rows = rows[rows[CLASS_KEY].isin([vehicle_class, ""])]
        if rows.empty:
            return False
    return True

"""The IAMC variables: each one's name, unit and how it is computed from labelled results.

:data:`IAMC_VARIABLES` is the one definition of the variables of ``iamc.csv``,
the ensemble's members and quantiles, and the store: each maps the labelled
arrays of :func:`evhub.compose.to_dataset` to an array with dims ``run`` and
``year`` in the variable's unit. Names are pipe-separated (pyam's IAMC
format); a parent comes right before its children and equals their sum,
except for the parts in :data:`MEMO_VARIABLES`.
"""

from __future__ import annotations

from collections.abc import Callable

import xarray as xr

from evhub.model import indicators

__all__ = ["IAMC_NAMES", "IAMC_VARIABLES", "MEMO_VARIABLES", "MODEL", "Getter"]

#: The model's name in the IAMC tables (column ``Model``).
MODEL = "evhub"
_PCT = 100.0
_BN = 1e9
_PJ_PER_TWH = 3.6
_PT_LABEL = {
    "petrol": "Petrol",
    "diesel": "Diesel",
    "lpg": "LPG",
    "hev": "HEV",
    "phev": "PHEV",
    "bev": "BEV",
}
_FUEL_LABEL = {"petrol": "Petrol", "diesel": "Diesel", "lpg": "LPG"}
_MATERIAL_LABEL = {
    m: m.capitalize() for m in ("lithium", "nickel", "cobalt", "manganese", "graphite")
}

_CLASS_LABEL = {"bev": "BEV", "phev": "PHEV", "hev": "HEV", "ice": "ICE"}
_ORIGIN_LABEL = {"china": "China", "eu": "EU", "other": "Other"}

#: How a variable is computed from the labelled arrays of :func:`evhub.compose.to_dataset`.
Getter = Callable[[xr.Dataset], xr.DataArray]


def _by(var: str, dim: str, key: str | None) -> Getter:
    def get(ds: xr.Dataset) -> xr.DataArray:
        arr = ds[var]
        return arr.sum(dim, skipna=False) if key is None else arr.sel({dim: key})

    return get


def _cumulative_investment(ds: xr.Dataset) -> xr.DataArray:
    """Investment realised from the first model year to each year [million USD]."""
    return ds["investment"].cumsum("year")


def _capacity(kinds: tuple[str, ...]) -> Getter:
    def get(ds: xr.Dataset) -> xr.DataArray:
        arr = ds["capacity"]
        return arr.where(arr["project_kind"].isin(list(kinds)), 0.0).sum("project")

    return get


def _pt(var: str, pt: str | None) -> Getter:
    def get(ds: xr.Dataset) -> xr.DataArray:
        arr = ds[var]
        return arr.sum("powertrain") if pt is None else arr.sel(powertrain=pt)

    return get


def _ev_share(var: str) -> Getter:
    def get(ds: xr.Dataset) -> xr.DataArray:
        arr = ds[var]
        return (
            indicators.ev_share(
                arr.sel(powertrain=["phev", "bev"]).sum("powertrain"), arr.sum("powertrain")
            )
            * _PCT
        )

    return get


def _fuel(f: str | None) -> Getter:
    def get(ds: xr.Dataset) -> xr.DataArray:
        fuel = ds["fuel_energy"]
        if f is None:
            return fuel.sum("fuel") + ds["electricity"] * _PJ_PER_TWH
        if f == "electricity":
            return ds["electricity"] * _PJ_PER_TWH
        return fuel.sel(fuel=f)

    return get


def _material(m: str | None) -> Getter:
    def get(ds: xr.Dataset) -> xr.DataArray:
        arr = ds["materials"]
        return arr.sum("material") if m is None else arr.sel(material=m)

    return get


def _co2(part: str | None) -> Getter:
    def get(ds: xr.Dataset) -> xr.DataArray:
        if part == "ttw":
            return ds["co2_tank_to_wheel"]
        if part == "elec":
            return ds["co2_electricity"]
        return ds["co2_tank_to_wheel"] + ds["co2_electricity"]

    return get


#: IAMC variable -> (unit, how to compute it from the results). Parents come
#: right before their children and equal their sum.
IAMC_VARIABLES: dict[str, tuple[str, Getter]] = {
    "Sales|Passenger Cars": ("veh/yr", _pt("sales", None)),
    **{f"Sales|Passenger Cars|{lab}": ("veh/yr", _pt("sales", p)) for p, lab in _PT_LABEL.items()},
    "Stock|Passenger Cars": ("veh", _pt("stock", None)),
    **{f"Stock|Passenger Cars|{lab}": ("veh", _pt("stock", p)) for p, lab in _PT_LABEL.items()},
    "Retirements|Passenger Cars": ("veh/yr", _pt("retirements", None)),
    "Share|Sales|Passenger Cars|EV": ("%", _ev_share("sales")),
    "Share|Stock|Passenger Cars|EV": ("%", _ev_share("stock")),
    "Ownership|Passenger Cars": ("veh/1000 persons", lambda ds: ds["ownership"]),
    "Activity|Passenger Cars": ("bn vkm/yr", lambda ds: ds["vehicle_km"].sum("powertrain") / _BN),
    "Final Energy|Passenger Cars": ("PJ/yr", _fuel(None)),
    **{f"Final Energy|Passenger Cars|{lab}": ("PJ/yr", _fuel(f)) for f, lab in _FUEL_LABEL.items()},
    "Final Energy|Passenger Cars|Electricity": ("PJ/yr", _fuel("electricity")),
    "Electricity Demand|Passenger Cars": ("TWh/yr", lambda ds: ds["electricity"]),
    "Emissions|CO2|Passenger Cars": ("Mt CO2/yr", _co2(None)),
    "Emissions|CO2|Passenger Cars|Tank-to-Wheel": ("Mt CO2/yr", _co2("ttw")),
    "Emissions|CO2|Passenger Cars|Electricity": ("Mt CO2/yr", _co2("elec")),
    "Target|Emissions|CO2|Passenger Cars": ("Mt CO2/yr", lambda ds: ds["co2_target"]),
    "Carbon Intensity|Electricity": ("g CO2/kWh", lambda ds: ds["grid_intensity"]),
    "Battery|Demand|Sales": ("GWh/yr", lambda ds: ds["battery_demand"]),
    "Battery|Retired": ("GWh/yr", lambda ds: ds["battery_retired"]),
    "Battery|Retired|Second Life": ("GWh/yr", lambda ds: ds["battery_second_life"]),
    "Battery|Retired|Recycling Feed": ("GWh/yr", lambda ds: ds["battery_recycling"]),
    "Battery|Retired|Uncollected": (
        "GWh/yr",
        lambda ds: ds["battery_retired"] - ds["battery_second_life"] - ds["battery_recycling"],
    ),
    "Material Demand|Batteries": ("kt/yr", _material(None)),
    **{
        f"Material Demand|Batteries|{lab}": ("kt/yr", _material(m))
        for m, lab in _MATERIAL_LABEL.items()
    },
    "Capacity|Vehicle Assembly": ("veh/yr", _capacity(("car", "lcv"))),
    "Capacity|Vehicle Assembly|Passenger Cars": ("veh/yr", _capacity(("car",))),
    "Capacity|Vehicle Assembly|Light Commercial Vehicles": ("veh/yr", _capacity(("lcv",))),
    "Capacity|Battery Cells": ("GWh/yr", _capacity(("cell",))),
    "Capacity|Battery Packs": ("GWh/yr", _capacity(("pack",))),
    "Production|Passenger Cars": ("veh/yr", _by("production", "class", None)),
    **{
        f"Production|Passenger Cars|{lab}": ("veh/yr", _by("production", "class", c))
        for c, lab in _CLASS_LABEL.items()
    },
    "Production|Passenger Cars|EV": (
        "veh/yr",
        lambda ds: ds["production"].sel({"class": ["bev", "phev"]}).sum("class", skipna=False),
    ),
    "Sales|Passenger Cars|Domestic Production": ("veh/yr", _by("domestic_sales", "class", None)),
    "Exports|Passenger Cars": ("veh/yr", _by("exports", "class", None)),
    "Exports|Passenger Cars|EU": ("veh/yr", lambda ds: ds["exports_eu"]),
    "Exports|Passenger Cars|Non-EU": (
        "veh/yr",
        lambda ds: ds["exports"].sum("class") - ds["exports_eu"],
    ),
    "Imports|Passenger Cars": ("veh/yr", _by("imports", "origin", None)),
    **{
        f"Imports|Passenger Cars|{lab}": ("veh/yr", _by("imports", "origin", o))
        for o, lab in _ORIGIN_LABEL.items()
    },
    "Trade Balance|Passenger Cars": ("bn USD/yr", lambda ds: ds["trade_balance"]),
    "Investment|Realised": ("million USD/yr", lambda ds: ds["investment"]),
    "Investment|Realised|Cumulative": ("million USD", _cumulative_investment),
    "Employment|Plants": ("jobs", lambda ds: ds["employment"]),
    "Battery|Demand|Domestic Production": ("GWh/yr", lambda ds: ds["cell_demand"]),
    "Battery|Cell Supply|Domestic": ("GWh/yr", lambda ds: ds["cell_supply"]),
    "Battery|Cell Imports": ("GWh/yr", lambda ds: ds["cell_imports"]),
    "Share|Battery Cells|Self-Sufficiency": (
        "%",
        lambda ds: ds["cell_self_sufficiency"] * _PCT,
    ),
}

#: Variables that are a part of their parent but not one of a complete split of it
#: (cars sold that were built in the country are a part of all cars sold).
MEMO_VARIABLES = frozenset(
    {
        "Sales|Passenger Cars|Domestic Production",
        "Production|Passenger Cars|EV",
        "Investment|Realised|Cumulative",
    }
)

#: The names of :data:`IAMC_VARIABLES` in their order (the rows of every IAMC
#: table and the leading axis of an ensemble's chunks).
IAMC_NAMES: tuple[str, ...] = tuple(IAMC_VARIABLES)

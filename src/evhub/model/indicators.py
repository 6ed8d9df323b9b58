"""Named indicators with units, and whether a value meets its target."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

__all__ = ["INDICATORS", "NEEDED", "Indicator", "ev_share", "meets", "scorecard"]


@dataclass(frozen=True)
class Indicator:
    """An indicator: an IAMC variable in a year, with an optional target.

    ``target`` names another IAMC variable whose value in the same year is the
    target; ``direction`` says whether the value must stay at or below
    (``"max"``) or reach at least (``"min"``) the target.
    """

    label: str
    variable: str
    year: int
    unit: str
    target: str | None = None
    direction: Literal["max", "min"] = "max"


# Indicator years are reporting choices of the scorecard, not facts.
INDICATORS: tuple[Indicator, ...] = (
    Indicator("EV share of sales", "Share|Sales|Passenger Cars|EV", 2030, "%"),
    Indicator("EV share of sales", "Share|Sales|Passenger Cars|EV", 2035, "%"),
    Indicator("EV share of stock", "Share|Stock|Passenger Cars|EV", 2035, "%"),
    Indicator("BEV stock", "Stock|Passenger Cars|BEV", 2030, "veh"),
    Indicator("Car stock", "Stock|Passenger Cars", 2035, "veh"),
    Indicator("Electricity demand", "Electricity Demand|Passenger Cars", 2035, "TWh/yr"),
    Indicator("Battery demand", "Battery|Demand|Sales", 2035, "GWh/yr"),
    Indicator(
        "Car CO2",
        "Emissions|CO2|Passenger Cars",
        2030,
        "Mt CO2/yr",
        target="Target|Emissions|CO2|Passenger Cars",
    ),
    Indicator(
        "Car CO2",
        "Emissions|CO2|Passenger Cars",
        2053,
        "Mt CO2/yr",
        target="Target|Emissions|CO2|Passenger Cars",
    ),
)

#: IAMC variables the scorecard reads.
NEEDED: tuple[str, ...] = tuple(
    dict.fromkeys([i.variable for i in INDICATORS] + [i.target for i in INDICATORS if i.target])
)


def ev_share(ev: xr.DataArray, total: xr.DataArray) -> xr.DataArray:
    """EV (BEV + PHEV) share [1]; 0 where the total is 0."""
    safe = total.where(total != 0, 1.0)
    return (ev / safe).where(total != 0, 0.0)


def meets(value: np.ndarray, target: np.ndarray, direction: Literal["max", "min"]) -> np.ndarray:
    """Whether each value meets its target (at or below for ``max``, at or above for ``min``)."""
    return np.asarray(value <= target if direction == "max" else value >= target)


def scorecard(variables: Mapping[str, xr.DataArray], scenarios: Sequence[str]) -> pd.DataFrame:
    """One row per indicator and scenario: value, target, met.

    Parameters
    ----------
    variables
        IAMC variables by name, each with dims (scenario, year).
    scenarios
        Scenario names, in order.
    """
    rows = []
    for ind in INDICATORS:
        arr = variables[ind.variable]
        if ind.year not in arr["year"].values:
            continue
        for scen in scenarios:
            value = float(arr.sel(scenario=scen, year=ind.year))
            target = (
                float(variables[ind.target].sel(scenario=scen, year=ind.year))
                if ind.target
                else np.nan
            )
            met = (
                bool(meets(np.array(value), np.array(target), ind.direction))
                if ind.target
                else None
            )
            rows.append(
                {
                    "indicator": ind.label,
                    "year": ind.year,
                    "unit": ind.unit,
                    "scenario": scen,
                    "value": value,
                    "target": target,
                    "met": met,
                }
            )
    return pd.DataFrame(rows)

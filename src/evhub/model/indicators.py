"""Named indicators with units, and whether a value meets its target."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

__all__ = ["INDICATORS", "Indicator", "ev_share", "meets", "needed", "scorecard"]


@dataclass(frozen=True)
class Indicator:
    """An indicator: an IAMC variable, reported in given years, with an optional target.

    ``years`` says which years: ``"report"`` (the dataset's reporting years) or
    ``"targets"`` (every year with a national target). ``target`` names another
    IAMC variable whose value in the same year is the target; ``goal`` instead
    names a scenario target (``targets.<goal>.year`` and ``.value``), reported
    in its year besides the reporting years. ``direction`` says whether the
    value must stay at or below (``"max"``) or reach at least (``"min"``) the
    target.

    In :data:`INDICATORS` the label, variable and target are templates with
    the tags of the variable definitions (``{Vehicle Class}``); ``select``
    picks the member a tag stands for by its attributes (``{"Powertrain":
    {"plug": True, "fuel": None}}``: the battery-electric powertrain).
    :func:`evhub.variables.scorecard_indicators` fills them from a dataset's
    dimensions, one indicator per vehicle class where they have the tag
    ``{Vehicle Class}``; ``template`` then keeps the label's template and
    ``vehicle_class`` the class's id (``None`` for an indicator of no class).
    """

    label: str
    variable: str
    unit: str
    years: Literal["report", "targets"] = "report"
    target: str | None = None
    direction: Literal["max", "min"] = "max"
    goal: str | None = None
    select: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, compare=False)
    template: str = ""
    vehicle_class: str | None = None


#: The battery-electric powertrain: it has a plug and burns no fuel.
_BATTERY_ELECTRIC = {"Powertrain": {"plug": True, "fuel": None}}
#: The class an indicator of one vehicle class speaks of, in its label.
_OF_CLASS = "({Vehicle Class})"

#: The scorecard's indicators, as templates (see :class:`Indicator`).
INDICATORS: tuple[Indicator, ...] = (
    Indicator(f"EV share of sales {_OF_CLASS}", "Share|Sales|{Vehicle Class}|EV", "%"),
    Indicator(f"EV share of stock {_OF_CLASS}", "Share|Stock|{Vehicle Class}|EV", "%"),
    Indicator(
        f"{{Powertrain}} stock {_OF_CLASS}",
        "Stock|{Vehicle Class}|{Powertrain}",
        "veh",
        select=_BATTERY_ELECTRIC,
    ),
    Indicator(f"Stock {_OF_CLASS}", "Stock|{Vehicle Class}", "veh"),
    Indicator(f"Electricity demand {_OF_CLASS}", "Electricity Demand|{Vehicle Class}", "TWh/yr"),
    Indicator("Battery demand", "Battery|Demand|Sales", "GWh/yr"),
    Indicator(
        f"Road CO2 {_OF_CLASS}",
        "Emissions|CO2|{Vehicle Class}",
        "Mt CO2/yr",
        years="targets",
        target="Target|Emissions|CO2|{Vehicle Class}",
    ),
    Indicator(
        f"Vehicles built {_OF_CLASS}",
        "Production|{Vehicle Class}",
        "veh/yr",
        goal="cars_built",
        direction="min",
    ),
    Indicator(
        f"EVs built {_OF_CLASS}",
        "Production|{Vehicle Class}|EV",
        "veh/yr",
        goal="evs_built",
        direction="min",
    ),
    Indicator(
        f"Exports to the {{Union}} {_OF_CLASS}",
        "Exports|{Vehicle Class}|{Union}",
        "veh/yr",
        goal="eu_exports",
        direction="min",
    ),
    Indicator(
        "Cell capacity", "Capacity|Battery Cells", "GWh/yr", goal="cell_capacity", direction="min"
    ),
    Indicator(
        "Cell self-sufficiency",
        "Share|Battery Cells|Self-Sufficiency",
        "%",
        goal="cell_self_sufficiency",
        direction="min",
    ),
    Indicator(
        "Investment realised (cumulative)",
        "Investment|Realised|Cumulative",
        "million USD_2025",
        goal="investment",
        direction="min",
    ),
    Indicator("Plant jobs", "Employment|Plants", "jobs", goal="jobs", direction="min"),
)


def needed(indicators: Sequence[Indicator]) -> tuple[str, ...]:
    """The IAMC variables a scorecard of ``indicators`` reads, each once."""
    return tuple(
        dict.fromkeys([i.variable for i in indicators] + [i.target for i in indicators if i.target])
    )


def ev_share(ev: np.ndarray, total: np.ndarray) -> np.ndarray:
    """The EV share (the powertrains with a plug) [1]; 0 where the total is 0.

    Examples
    --------
    >>> ev_share(np.array([1.0, 0.0, 2.0]), np.array([4.0, 0.0, 2.0])).tolist()
    [0.25, 0.0, 1.0]
    """
    some = total != 0
    safe = np.where(some, total, 1.0)
    return np.where(some, ev / safe, 0.0)


def meets(value: np.ndarray, target: np.ndarray, direction: Literal["max", "min"]) -> np.ndarray:
    """Whether each value meets its target (at or below for ``max``, at or above for ``min``)."""
    return np.asarray(value <= target if direction == "max" else value >= target)


def scorecard(
    indicators: Sequence[Indicator],
    variables: Mapping[str, xr.DataArray],
    scenarios: Sequence[str],
    report_years: Sequence[int],
    target_years: Sequence[int],
    goals: Mapping[str, Mapping[str, tuple[int, float]]] | None = None,
) -> pd.DataFrame:
    """One row per indicator, year and scenario: value, target, met.

    Parameters
    ----------
    indicators
        The indicators, their tags filled
        (:func:`evhub.variables.scorecard_indicators`).
    variables
        IAMC variables by name, each with dims (scenario, year).
    scenarios
        Scenario names, in order.
    report_years
        Years of the indicators reported in the reporting years [yr].
    target_years
        Years with a national target [yr].
    goals
        Scenario -> goal name -> (year, value) of the scenario's targets.
    """
    goals = goals or {}
    rows = []
    for ind in indicators:
        arr = variables[ind.variable]
        years = list(report_years if ind.years == "report" else target_years)
        if ind.goal:
            years += [g[ind.goal][0] for g in goals.values() if ind.goal in g]
        for year in sorted(set(years)):
            if year not in arr["year"].values:
                continue
            for scen in scenarios:
                goal = goals.get(scen, {}).get(ind.goal or "")
                if ind.goal and year not in report_years and (goal is None or goal[0] != year):
                    continue  # another scenario's target year
                value = float(arr.sel(scenario=scen, year=year))
                if ind.target:
                    target = float(variables[ind.target].sel(scenario=scen, year=year))
                elif goal is not None and goal[0] == year:
                    target = goal[1]
                else:
                    target = np.nan
                met = (
                    bool(meets(np.array(value), np.array(target), ind.direction))
                    if not np.isnan(target)
                    else None
                )
                rows.append(
                    {
                        "indicator": ind.label,
                        "year": int(year),
                        "unit": ind.unit,
                        "scenario": scen,
                        "value": value,
                        "target": target,
                        "met": met,
                    }
                )
    return pd.DataFrame(rows)

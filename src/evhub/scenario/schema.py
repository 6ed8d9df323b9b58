"""The pydantic models of a scenario file and of its parameters: types only.

:class:`Parameters` is the tree of every scenario parameter, one model per
module of the model (:class:`Fleet`, :class:`Market`, :class:`Energy`, ...);
each field carries its unit (``json_schema_extra={"unit": ...}``) and a
description, and a model checks what holds within its own group (the lifetime
distribution has the fields it needs, chemistry shares sum to 100 %, the ramp
does not fall). :class:`Scenario` is one scenario file as written: a name, a
description, what it extends and its overrides. Where values come from and
how they are combined is :mod:`evhub.scenario.defaults` and
:mod:`evhub.scenario.resolution`.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Battery",
    "ByBatteryPowertrain",
    "ByChemistry",
    "ByClass",
    "ByFuelPowertrain",
    "ByOrigin",
    "ByPlugPowertrain",
    "ByPowertrain",
    "Energy",
    "Fleet",
    "Grid",
    "HubTarget",
    "Lifetime",
    "LogisticShare",
    "Market",
    "Parameters",
    "Percent",
    "Pipeline",
    "ProjectOverride",
    "Rate",
    "Scenario",
    "Stage",
    "Stages",
    "Targets",
    "Trade",
]


def _unit(unit: str, description: str, **kw: Any) -> Any:
    return Field(description=description, json_schema_extra={"unit": unit}, **kw)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


Percent = Annotated[float, _unit("%", "a share")]
Rate = Annotated[float, _unit("%/yr", "an annual rate")]


class Lifetime(_Strict):
    """Lifetime distribution of a car (survival to scrappage)."""

    distribution: Literal["weibull", "normal", "lognormal", "fixed"] = _unit(
        "-", "Lifetime distribution"
    )
    shape: float | None = _unit("1", "Weibull shape", default=None)
    scale: float | None = _unit("yr", "Weibull scale", default=None)
    mean: float | None = _unit("yr", "Mean lifetime (normal, lognormal)", default=None)
    sd: float | None = _unit("yr", "Standard deviation (normal, lognormal)", default=None)
    years: float | None = _unit("yr", "Fixed lifetime", default=None)

    @model_validator(mode="after")
    def _needs(self) -> Lifetime:
        need = {
            "weibull": ("shape", "scale"),
            "normal": ("mean", "sd"),
            "lognormal": ("mean", "sd"),
            "fixed": ("years",),
        }[self.distribution]
        missing = [n for n in need if getattr(self, n) is None]
        if missing:
            msg = f"distribution {self.distribution!r} needs {', '.join(missing)}"
            raise ValueError(msg)
        return self


class Fleet(_Strict):
    """Stock turnover."""

    lifetime: Lifetime
    initial_stock_growth: Rate = _unit(
        "%/yr", "Growth of sales in the decades before the first model year (initial age profile)"
    )
    lpg_conversion_share: Percent = _unit(
        "%", "Share of new petrol cars converted to LPG in their first year"
    )


class LogisticShare(_Strict):
    """Logistic path of a sales share, anchored at the base-year share."""

    ceiling: Percent = _unit("%", "Long-run share of sales")
    midpoint_year: float = _unit("yr", "Year of fastest growth")
    steepness: float = _unit("1/yr", "Logistic steepness")


class Market(_Strict):
    """New-car sales and their powertrain mix."""

    sales_mode: Literal["ownership", "growth"] = _unit(
        "-", "Total sales from car ownership (Gompertz) or a growth rate"
    )
    growth_rate: Rate = _unit("%/yr", "Growth of total sales (growth mode)")
    saturation: float = _unit("veh/1000 persons", "Saturation of car ownership (Gompertz ceiling)")
    gdp_growth: dict[int, float] = _unit(
        "%/yr", "Real GDP growth by year (interpolated between years)"
    )
    bev_share: LogisticShare
    phev_share: LogisticShare
    hev_share: LogisticShare
    ice_ban_year: int | None = _unit(
        "yr", "From this year no petrol, diesel, LPG or HEV car is sold"
    )


class ByFuelPowertrain(_Strict):
    """A value per powertrain that burns fuel."""

    petrol: float
    diesel: float
    lpg: float
    hev: float
    phev: float


class ByPlugPowertrain(_Strict):
    """A value per plug-in powertrain."""

    bev: float
    phev: float


class ByPowertrain(_Strict):
    """A value per powertrain."""

    petrol: float
    diesel: float
    lpg: float
    hev: float
    phev: float
    bev: float


class Energy(_Strict):
    """Distance and energy use."""

    annual_distance: float = _unit("km/veh/yr", "Average distance per car")
    distance_trend: Rate = _unit(
        "%/yr", "Change of the average distance per car after the base year"
    )
    distance_age_decline: float = _unit(
        "%/yr", "Decline of annual distance with each year of a car's age"
    )
    fuel_intensity: ByFuelPowertrain = _unit("l/100km", "Real-world fuel use of the base year")
    electric_intensity: ByPlugPowertrain = _unit(
        "kWh/km", "Real-world electricity from the battery"
    )
    intensity_improvement: ByPowertrain = _unit(
        "%/yr", "Improvement of new cars after the base year"
    )
    phev_electric_share: Percent = _unit("%", "Share of PHEV distance on electricity")
    charging_loss: float = _unit("%", "Grid-to-battery losses")


class Grid(_Strict):
    """Electricity supply."""

    renewable_share: dict[int, float] = _unit(
        "%", "Renewable share of generation by year after the base year (interpolated)"
    )


class ByBatteryPowertrain(_Strict):
    """A value per powertrain with a traction battery."""

    bev: float
    phev: float
    hev: float


class ByChemistry(_Strict):
    """A share per cell chemistry."""

    lfp: Percent
    nmc: Percent
    nca: Percent

    @model_validator(mode="after")
    def _sum(self) -> ByChemistry:
        total = self.lfp + self.nmc + self.nca
        # published shares are rounded to whole percent
        if abs(total - 100) > 1:
            msg = f"chemistry shares lfp + nmc + nca sum to {total:g} %, expected 100"
            raise ValueError(msg)
        return self


class Battery(_Strict):
    """Traction batteries."""

    pack_capacity: ByBatteryPowertrain = _unit(
        "kWh/veh", "Average pack of a new car in the base year"
    )
    bev_pack_growth: Rate = _unit("%/yr", "Growth of the average BEV pack after the base year")
    phev_pack_growth: Rate = _unit("%/yr", "Growth of the average PHEV pack after the base year")
    chemistry_share: ByChemistry = _unit("%", "Cell chemistry mix of new capacity in the base year")
    chemistry_share_final: ByChemistry = _unit("%", "Cell chemistry mix reached in chemistry_year")
    chemistry_year: int = _unit("yr", "Year the final chemistry mix is reached")
    second_life_share: Percent = _unit("%", "Share of retired capacity reused in second life")
    recycling_share: Percent = _unit("%", "Share of retired capacity sent to recycling")

    @model_validator(mode="after")
    def _at_most_all(self) -> Battery:
        total = self.second_life_share + self.recycling_share
        if total > 100:
            msg = (
                f"second_life_share + recycling_share = {total:g} % is more than all the "
                "retired capacity (100 %)"
            )
            raise ValueError(msg)
        return self


class Stage(_Strict):
    """What a stage of the pipeline means in a scenario."""

    probability: float = _unit("1", "Probability a project at this stage is realised")
    delay: float = _unit("yr", "Delay beyond the announced start")
    lead_time: float = _unit(
        "yr", "Years from the stage date to the start where no start is published"
    )


class Stages(_Strict):
    """One :class:`Stage` per stage of the registry."""

    interest: Stage
    talks: Stage
    mou: Stage
    announced: Stage
    construction: Stage
    ramping: Stage
    operating: Stage
    cancelled: Stage


class ByClass(_Strict):
    """A share of a vehicle plant's output per class [1], summing to 1."""

    bev: float
    phev: float
    hev: float
    ice: float

    @model_validator(mode="after")
    def _sum(self) -> ByClass:
        total = self.bev + self.phev + self.hev + self.ice
        if abs(total - 1) > 1e-6:
            msg = f"bev + phev + hev + ice sum to {total:g}, expected 1"
            raise ValueError(msg)
        return self


class ProjectOverride(_Strict):
    """A scenario's change to one project of the registry (unset fields keep the registry's)."""

    drop: bool = _unit("-", "Leave the project out of this scenario", default=False)
    delay: float | None = _unit("yr", "Delay beyond the announced start", default=None)
    probability: float | None = _unit("1", "Probability of being realised", default=None)
    capacity: float | None = _unit(
        "", "Nameplate capacity (veh/yr or GWh/yr, as the project)", default=None
    )
    start_year: int | None = _unit("yr", "Announced start", default=None)


class Pipeline(_Strict):
    """From the investment pipeline to usable capacity."""

    stages: Stages
    ramp: dict[int, float] = _unit(
        "1", "Share of nameplate usable in each year of operation (1, 2, ...)"
    )
    build_years: float = _unit("yr", "Years of building over which capex is spent")
    default_capacity: float = _unit(
        "veh/yr", "Capacity of a vehicle plant whose capacity is not published"
    )
    default_mix: ByClass = _unit("1", "Output mix of a vehicle plant whose mix is not published")
    capex_per_vehicle: float = _unit(
        "USD/(veh/yr)", "Capex per unit of vehicle capacity where capex is not published"
    )
    capex_per_cell_gwh: float = _unit(
        "million USD/(GWh/yr)", "Capex per unit of cell capacity where capex is not published"
    )
    jobs_per_vehicle: float = _unit(
        "persons/(veh/yr)", "Jobs per unit of vehicle capacity where jobs are not published"
    )
    jobs_per_cell_gwh: float = _unit(
        "persons/(GWh/yr)", "Jobs per unit of cell capacity where jobs are not published"
    )
    overrides: dict[str, ProjectOverride] = _unit(
        "-", "Changes to single projects, by project id", default_factory=dict
    )

    @model_validator(mode="after")
    def _ramp(self) -> Pipeline:
        years = sorted(self.ramp)
        if not years or years != list(range(1, len(years) + 1)):
            msg = f"ramp is keyed by years of operation 1, 2, ..., {len(years)}; got {years}"
            raise ValueError(msg)
        values = [self.ramp[y] for y in years]
        if any(b < a for a, b in itertools.pairwise(values)):
            msg = f"ramp shares must not fall from one year to the next; got {values}"
            raise ValueError(msg)
        return self


class ByOrigin(_Strict):
    """A value per origin of imported cars."""

    china: float
    eu: float
    other: float


class Trade(_Strict):
    """Production, exports and imports of cars and cells."""

    utilisation: Percent = _unit("%", "Share of usable vehicle capacity used after the base year")
    export_share: Percent = _unit("%", "Share of car production exported after the base year")
    eu_export_share: Percent = _unit("%", "EU share of car exports in the base year")
    cell_utilisation: Percent = _unit("%", "Share of usable cell capacity used")
    duty: ByOrigin = _unit("%", "Duty on imported cars by origin after the base year")
    eu_cvd: float = _unit("%", "EU countervailing duty on China-built BEVs after the base year")
    origin_elasticity: float = _unit("1", "Semi-elasticity of the import origin shares to duties")
    eu_elasticity: float = _unit(
        "1", "Semi-elasticity of the EU share of BEV exports to the EU duty"
    )
    export_price: float = _unit("USD/veh", "Average value of an exported car")
    import_price: ByOrigin = _unit("USD/veh", "Average value of an imported car by origin")


class HubTarget(_Strict):
    """A target: a value to reach by a year (unset: no target)."""

    year: int | None = _unit("yr", "Target year", default=None)
    value: float | None = _unit("", "Target value (in the indicator's unit)", default=None)

    @model_validator(mode="after")
    def _both(self) -> HubTarget:
        if (self.year is None) != (self.value is None):
            msg = "a target needs both year and value (or neither)"
            raise ValueError(msg)
        return self


class Targets(_Strict):
    """Hub targets of the scorecard (a minimum to reach by the year)."""

    cars_built: HubTarget = _unit("veh/yr", "Passenger cars built", default_factory=HubTarget)
    evs_built: HubTarget = _unit(
        "veh/yr", "Battery-electric and plug-in cars built", default_factory=HubTarget
    )
    eu_exports: HubTarget = _unit("veh/yr", "Cars exported to the EU", default_factory=HubTarget)
    cell_capacity: HubTarget = _unit(
        "GWh/yr", "Usable battery-cell capacity", default_factory=HubTarget
    )
    cell_self_sufficiency: HubTarget = _unit(
        "%", "Cell self-sufficiency of domestic production", default_factory=HubTarget
    )
    investment: HubTarget = _unit(
        "million USD",
        "Investment realised, cumulative from the first model year",
        default_factory=HubTarget,
    )
    jobs: HubTarget = _unit("persons", "Direct jobs at the plants", default_factory=HubTarget)


class Parameters(_Strict):
    """All scenario parameters, by module."""

    fleet: Fleet
    market: Market
    energy: Energy
    grid: Grid
    battery: Battery
    pipeline: Pipeline
    trade: Trade
    targets: Targets


class Scenario(_Strict):
    """A scenario file: a name, a description, what it extends and overrides."""

    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    extends: str | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)
    path: Path | None = None

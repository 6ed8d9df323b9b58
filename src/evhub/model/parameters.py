"""The chain's scenario parameters, typed: one frozen dataclass per group.

Every field is filled from rows of the parameter catalogue
(``data/parameters.csv``, column ``field``, by :func:`evhub.compose.chain_parameters`)
and is an array with a leading ``run`` axis, in model units (shares and
rates as fractions, not percent). A row bound to a dimension of the dataset
adds a member axis in the dimension's order, holding the members its
selector picks (the masks of :class:`~evhub.model.categories.Categories`
pick the same ones); a row keyed by a year adds the anchor years of
:class:`~evhub.model.chain.ChainInputs`; a row keyed by a project adds the
registry's projects, NaN where the scenario sets nothing. A parameter that
may be unset is NaN where it is. Text and choice parameters are ``Literal``
fields.

A row bound to the vehicle classes (``class=classes``: its path starts with
the class id, ``car.fleet.lifetime.shape``) fills a field of that class's
:class:`ClassParameters` (groups ``fleet``, ``market``, ``energy``, ``pack``,
``trade``); the other rows fill the groups every class shares (``economy``,
``grid``, ``battery``, ``pipeline``).

Adding a parameter means one catalogue row, one field here and the function
that uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "BatteryParameters",
    "ChainParameters",
    "ChoiceParameters",
    "ClassParameters",
    "EconomyParameters",
    "EnergyParameters",
    "FleetParameters",
    "GridParameters",
    "LifetimeDistribution",
    "MarketParameters",
    "PackParameters",
    "PipelineParameters",
    "PolicyParameters",
    "SalesMode",
    "ShareModel",
    "TradeParameters",
]

F = NDArray[np.float64]
#: The survival functions of :mod:`evhub.model.lifetime`.
LifetimeDistribution = Literal["weibull", "normal", "lognormal", "fixed"]
#: Total sales from car ownership (Gompertz) or from a growth rate.
SalesMode = Literal["ownership", "growth"]
#: The powertrain mix after the base year: buyers choose by cost, or logistic curves.
ShareModel = Literal["choice", "logistic"]


@dataclass(frozen=True)
class FleetParameters:
    """The lifetime of a car and the stock before the model years.

    Attributes
    ----------
    lifetime_distribution
        The survival function: ``weibull``, ``normal``, ``lognormal`` or ``fixed``.
    lifetime_shape : (run,)
        Weibull shape [1]; NaN if unset.
    lifetime_scale : (run,)
        Weibull scale [yr]; NaN if unset.
    lifetime_mean, lifetime_sd : (run,)
        Mean and standard deviation (normal, lognormal) [yr]; NaN if unset.
    lifetime_years : (run,)
        Fixed lifetime [yr]; NaN if unset.
    initial_stock_growth : (run,)
        Growth of sales in the decades before the first model year [1/yr].
    lpg_conversion_share : (run,)
        Share of new petrol cars converted to LPG in their first year [1].
    """

    lifetime_distribution: LifetimeDistribution
    lifetime_shape: F
    lifetime_scale: F
    lifetime_mean: F
    lifetime_sd: F
    lifetime_years: F
    initial_stock_growth: F
    lpg_conversion_share: F


@dataclass(frozen=True)
class MarketParameters:
    """Total car sales and the powertrain mix.

    Attributes
    ----------
    sales_mode
        ``ownership`` (Gompertz car ownership) or ``growth``.
    share_model
        ``choice`` (buyers choose by generalised cost, :mod:`evhub.model.buyers`)
        or ``logistic`` (the curves below).
    growth_rate : (run,)
        Growth of total sales in growth mode [1/yr].
    saturation : (run,)
        Gompertz ceiling of car ownership [veh/1000 persons].
    share_ceiling : (run, battery powertrain)
        Long-run sales share of each powertrain with a battery [1].
    share_midpoint_year : (run, battery powertrain)
        Year of half the ceiling [yr].
    share_steepness : (run, battery powertrain)
        Steepness of the logistic curve [1/yr].
    ice_ban_year : (run,)
        First year without sales of cars with only an engine [yr]; NaN: no ban.
    """

    sales_mode: SalesMode
    share_model: ShareModel
    growth_rate: F
    saturation: F
    share_ceiling: F
    share_midpoint_year: F
    share_steepness: F
    ice_ban_year: F


@dataclass(frozen=True)
class EnergyParameters:
    """Distance driven and energy used per kilometre.

    Attributes
    ----------
    annual_distance : (run,)
        Average distance per car in the base year [km/veh/yr].
    distance_trend : (run,)
        Change of the average distance after the base year [1/yr].
    distance_age_decline : (run,)
        Decline of annual distance with each year of age [1/yr].
    fuel_intensity : (run, powertrain with a fuel)
        Fuel use of a new car in the base year [l/100km].
    electric_intensity : (run, powertrain with a plug)
        Electricity use of a new car in the base year [kWh/km].
    intensity_improvement : (run, powertrain)
        Yearly improvement of new cars' energy use [1/yr].
    electric_share : (run, powertrain with a plug and a fuel)
        Share of a plug-in hybrid's distance driven on electricity [1].
    charging_loss : (run,)
        Grid-to-battery losses [1].
    """

    annual_distance: F
    distance_trend: F
    distance_age_decline: F
    fuel_intensity: F
    electric_intensity: F
    intensity_improvement: F
    electric_share: F
    charging_loss: F


@dataclass(frozen=True)
class GridParameters:
    """The electricity grid.

    Attributes
    ----------
    renewable_share : (run, anchor)
        Renewable share of generation at the anchor years
        ``ChainInputs.renewable_years`` [1].
    """

    renewable_share: F


@dataclass(frozen=True)
class PackParameters:
    """The traction batteries of a vehicle class's new vehicles.

    Attributes
    ----------
    pack_capacity : (run, battery powertrain)
        Average pack of a new vehicle in the base year [kWh/veh].
    pack_growth : (run, powertrain with a plug)
        Yearly growth of the average pack [1/yr].
    """

    pack_capacity: F
    pack_growth: F


@dataclass(frozen=True)
class BatteryParameters:
    """Cell chemistries, the cell plants' use and the end of a battery's life (every class).

    Attributes
    ----------
    chemistry_share, chemistry_share_final : (run, chemistry)
        Share of each cell chemistry in the base year and in ``chemistry_year`` [1].
    chemistry_year : (run,)
        Year the final chemistry shares are reached [yr].
    second_life_share, recycling_share : (run,)
        Shares of retired capacity reused and recycled [1].
    cell_utilisation : (run,)
        Share of usable cell capacity used [1].
    """

    chemistry_share: F
    chemistry_share_final: F
    chemistry_year: F
    second_life_share: F
    recycling_share: F
    cell_utilisation: F


@dataclass(frozen=True)
class EconomyParameters:
    """The economy every vehicle class's market grows with.

    Attributes
    ----------
    gdp_growth : (run, anchor)
        Real GDP growth at the anchor years ``ChainInputs.gdp_growth_years`` [1/yr].
    """

    gdp_growth: F


@dataclass(frozen=True)
class PipelineParameters:
    """The pipeline of plants: stages, ramp-up, defaults and changes to single projects.

    Attributes
    ----------
    stage_probability : (run, stage)
        Probability a project at the stage is realised [1].
    stage_delay : (run, stage)
        Delay beyond the announced start [yr].
    stage_lead_time : (run, stage)
        Years from the stage's date to production when no start is announced [yr].
    ramp : (run, operation year)
        Share of nameplate usable in years of operation 1, 2, ... [1].
    build_years : (run,)
        Years over which capex is spent [yr].
    default_capacity : (run,)
        Capacity of a vehicle plant that publishes none [veh/yr].
    default_mix : (run, powertrain group)
        Output shares of a vehicle plant that publishes none [1].
    capex_per_vehicle : (run,)
        [USD/(veh/yr)]
    capex_per_cell_gwh : (run,)
        [million USD/(GWh/yr)]
    jobs_per_vehicle : (run,)
        [persons/(veh/yr)]
    jobs_per_cell_gwh : (run,)
        [persons/(GWh/yr)]
    project_drop : (run, project)
        1 to leave the project out, 0 or NaN to keep it [1].
    project_delay : (run, project)
        The project's own delay [yr]; NaN: its stage's.
    project_probability : (run, project)
        The project's own probability [1]; NaN: its stage's. An ensemble
        puts each member's realisation (0 or 1) here.
    project_capacity : (run, project)
        The project's own capacity [veh/yr or GWh/yr]; NaN: the registry's.
    project_start_year : (run, project)
        The project's own announced start [yr]; NaN: the registry's.
    project_lead_time : (run, project)
        The project's own lead time [yr]; NaN: its stage's.
    """

    stage_probability: F
    stage_delay: F
    stage_lead_time: F
    ramp: F
    build_years: F
    default_capacity: F
    default_mix: F
    capex_per_vehicle: F
    capex_per_cell_gwh: F
    jobs_per_vehicle: F
    jobs_per_cell_gwh: F
    project_drop: F
    project_delay: F
    project_probability: F
    project_capacity: F
    project_start_year: F
    project_lead_time: F


@dataclass(frozen=True)
class TradeParameters:
    """Use of the plants, exports, imports and their prices.

    Attributes
    ----------
    utilisation : (run,)
        Share of usable vehicle capacity used after the base year [1].
    export_share : (run,)
        Share of car production exported after the base year [1].
    eu_export_share : (run,)
        EU share of car exports in the base year [1].
    eu_cvd : (run,)
        EU countervailing duty on cars of the origin it covers [1].
    eu_elasticity : (run,)
        Semi-elasticity of the EU share of exports to the EU duty [1].
    export_price : (run,)
        Average value of an exported car [USD/veh].
    import_price : (run, origin other than home)
        Average value of an imported car [USD/veh].
    """

    utilisation: F
    export_share: F
    eu_export_share: F
    eu_cvd: F
    eu_elasticity: F
    export_price: F
    import_price: F


@dataclass(frozen=True)
class ChoiceParameters:
    """How a class's buyers choose, and the policies that are the class's own.

    Attributes
    ----------
    cost_sensitivity : (run,)
        Sensitivity of the powertrain choice to the generalised annual cost
        [1/(USD/veh/yr)].
    origin_sensitivity : (run,)
        That of the choice of origin relative to it, at least 1 [1].
    inertia : (run,)
        Share of the way to the choice model's shares sales move each year [1/yr].
    offer_sensitivity : (run,)
        Exponent of a powertrain's share of the makers' offer in its odds [1];
        NaN: none.
    charger_sensitivity : (run,)
        Elasticity of the odds of a powertrain with a range cost to the count
        of public chargers [1]; NaN: none.
    range_cost, availability_cost : (run, powertrain group)
        Non-financial costs where nobody owns one [USD/veh/yr]; NaN: none.
    exempt_share : (run, origin other than home x powertrain group)
        Share of the base year's imports that entered exempt from the
        additional duty where investors' imports are, origin-major [1]; NaN:
        none exempt.
    tax_change : (run, powertrain, year)
        Change of every purchase-tax rate [1], each key holding from its year
        (model years; 0 before the first key).
    subsidy : (run, powertrain, year)
        Purchase subsidy [USD/veh], as ``tax_change``.
    offer_change : (run, powertrain, year)
        Change of each powertrain's share of the makers' offer from the base
        year's [1], as ``tax_change``.
    """

    cost_sensitivity: F
    origin_sensitivity: F
    inertia: F
    offer_sensitivity: F
    charger_sensitivity: F
    range_cost: F
    availability_cost: F
    exempt_share: F
    tax_change: F
    subsidy: F
    offer_change: F


@dataclass(frozen=True)
class PolicyParameters:
    """Policies and prices every class shares (the choice model's).

    The year-keyed fields hold a value for every model year, each key from
    its year until the next, 0 before the first key (every one is a change).

    Attributes
    ----------
    pack_price_decline : (run,)
        Yearly fall of the pack price after the base year [1/yr].
    threshold_growth : (run,)
        Real yearly growth of the purchase tax's thresholds [1/yr].
    duty : (run, import origin x powertrain)
        Change of the duty after the base year [1], origin-major.
    duty_all : (run, import origin)
        Change of the duty on every powertrain [1].
    vat : (run, year)
        Change of the VAT rate [1].
    fuel_price_change, electricity_price_change : (run, year)
        [1].
    carbon_price : (run, year)
        [USD/tCO2].
    charger_growth : (run, year)
        Growth of the public chargers in the year [1/yr]; 0: as many as the
        year before.
    range_decay, availability_decay : (run,)
        Rates the non-financial costs fall with the fleet share [1].
    """

    pack_price_decline: F
    threshold_growth: F
    duty: F
    duty_all: F
    vat: F
    fuel_price_change: F
    electricity_price_change: F
    carbon_price: F
    charger_growth: F
    range_decay: F
    availability_decay: F


@dataclass(frozen=True)
class ClassParameters:
    """The parameters of one vehicle class (its catalogue rows bind ``class``)."""

    fleet: FleetParameters
    market: MarketParameters
    energy: EnergyParameters
    pack: PackParameters
    trade: TradeParameters
    choice: ChoiceParameters


@dataclass(frozen=True)
class ChainParameters:
    """Every scenario parameter the chain takes (see the module docstring).

    ``classes`` holds each vehicle class's own parameters, in the order of the
    dataset's classes; the other groups hold what every class shares.
    """

    classes: tuple[ClassParameters, ...]
    economy: EconomyParameters
    grid: GridParameters
    battery: BatteryParameters
    pipeline: PipelineParameters
    policy: PolicyParameters

    @property
    def runs(self) -> int:
        """Number of runs (the length of the leading axis)."""
        return int(self.battery.second_life_share.shape[0])

"""Scenarios: named sets of parameter overrides, validated by pydantic.

Every scenario parameter has a dotted path (``market.bev_share.midpoint_year``)
that the command line, ensembles, sensitivity, goal seek and the dashboard use
to vary it. Defaults come from the dataset (its tables and
``assumptions.csv``), so every default carries a source; a scenario file only
overrides::

    name: hub
    description: Accelerated investment and exports.
    extends: announced
    overrides:
      market:
        bev_share: {midpoint_year: 2031}
      energy.charging_loss: 8        # dotted keys work too

``extends`` names a shipped scenario of the dataset or a YAML file; a relative
path is relative to the folder of the file that extends it.

Loading rejects malformed YAML, unknown keys, wrong types, out-of-range values,
unknown parents and ``extends`` cycles, naming the file, the field and the value.
"""

from __future__ import annotations

import difflib
import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from evhub import parameters
from evhub.dataset import Dataset
from evhub.distributions import (
    CENTRAL_FIELD,
    RANGED,
    Bounds,
    Distribution,
    parse_distribution,
    show_spec,
)
from evhub.errors import InputError
from evhub.inputs import check_finite, read_yaml
from evhub.pipeline import STAGE_FILE, load_pipeline, load_stage_probabilities

__all__ = [
    "PARAMETER_UNITS",
    "Parameters",
    "ResolvedScenario",
    "Scenario",
    "default_parameters",
    "flatten",
    "list_scenarios",
    "load_scenario",
    "parameter_bounds",
    "parameter_paths",
    "resolve",
    "scenario_dir",
    "unflatten",
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


# --------------------------------------------------------------------------
# Dotted paths
# --------------------------------------------------------------------------


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mapping -> ``{dotted.path: value}``; dotted keys are kept as paths."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and not _is_leaf_mapping(value):
            flat.update(flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def _is_leaf_mapping(value: Mapping[str, Any]) -> bool:
    """A distribution spec (``{dist: ...}``) is a leaf value, not a subtree."""
    return "dist" in value


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{dotted.path: value}`` -> nested dict (year keys become ints)."""
    tree: dict[str, Any] = {}
    for path, value in flat.items():
        node = tree
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(_key(part), {})
        node[_key(parts[-1])] = value
    return tree


def _key(part: str) -> Any:
    return int(part) if part.isdigit() else part


def _field_unit(model: type[BaseModel], name: str) -> str:
    extra = model.model_fields[name].json_schema_extra
    return str(extra.get("unit", "")) if isinstance(extra, dict) else ""


def _walk(model: type[BaseModel], prefix: str, unit: str) -> Iterator[tuple[str, str]]:
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        own = _field_unit(model, name) or unit
        ann = info.annotation
        if get_origin(ann) is dict and _submodel(ann) is not None:
            continue  # keyed by the user (project ids): checked by _check_override
        sub = _submodel(ann)
        if sub is not None:
            yield from _walk(sub, path + ".", own)
        else:
            yield path, own


def _submodel(annotation: Any) -> type[BaseModel] | None:
    args = getattr(annotation, "__args__", ())
    for cand in (annotation, *args):
        if isinstance(cand, type) and issubclass(cand, BaseModel):
            return cand
    return None


#: Groups keyed by a number (a year, or a year of operation): ``market.gdp_growth.2030``.
KEYED = ("market.gdp_growth", "grid.renewable_share", "pipeline.ramp")
#: Changes to single pipeline projects: ``pipeline.overrides.<project id>.<field>``.
OVERRIDES = "pipeline.overrides"

#: Unit of every fixed parameter path (year-keyed paths take their parent's unit).
PARAMETER_UNITS: dict[str, str] = dict(_walk(Parameters, "", ""))


def parameter_paths() -> list[str]:
    """Every fixed parameter path, in model order."""
    return list(PARAMETER_UNITS)


def unit_of(path: str) -> str:
    """The unit of a parameter path (``grid.renewable_share.2035`` -> ``%``)."""
    if path in PARAMETER_UNITS:
        return PARAMETER_UNITS[path]
    parent = path.rsplit(".", 1)[0]
    return PARAMETER_UNITS.get(parent, "")


def parameter_bounds(path: str, data: Dataset | None = None) -> Bounds:
    """The validity bounds of a parameter path, from ``data/parameters.csv``.

    Bounds that name a quantity of the dataset (``last_year``) need ``data``.

    >>> parameter_bounds("market.bev_share.ceiling").describe()
    '[0, 100]'
    >>> parameter_bounds("pipeline.overrides.byd-manisa.delay").describe()
    '[-10, 30]'
    """
    return parameters.bounds(path, data)


# --------------------------------------------------------------------------
# Defaults from the dataset
# --------------------------------------------------------------------------

# Parameter path -> (table, variable, key filter) of the dataset row whose latest
# value is the default. Paths not listed here come from assumptions.csv or from
# dataset.yaml's `defaults`.
_FROM_TABLES: dict[str, tuple[str, str, dict[str, str]]] = {
    "market.saturation": ("ownership", "saturation", {"country": ""}),
    "energy.annual_distance": ("vehicle", "annual_distance", {"powertrain": ""}),
    "energy.phev_electric_share": ("vehicle", "phev_electric_share", {"powertrain": "phev"}),
    "energy.charging_loss": ("vehicle", "charging_loss", {"powertrain": ""}),
    **{
        f"energy.fuel_intensity.{p}": ("vehicle", "fuel_intensity", {"powertrain": p})
        for p in ("petrol", "diesel", "lpg", "hev", "phev")
    },
    **{
        f"energy.electric_intensity.{p}": ("vehicle", "electric_intensity", {"powertrain": p})
        for p in ("bev", "phev")
    },
    **{
        f"energy.intensity_improvement.{p}": ("vehicle", "intensity_improvement", {"powertrain": p})
        for p in ("petrol", "diesel", "lpg", "hev", "phev", "bev")
    },
    **{
        f"battery.pack_capacity.{p}": (
            "battery",
            "pack_capacity",
            {"powertrain": p, "chemistry": "", "material": ""},
        )
        for p in ("bev", "phev", "hev")
    },
    "battery.bev_pack_growth": (
        "battery",
        "pack_capacity_growth",
        {"powertrain": "bev", "chemistry": "", "material": ""},
    ),
    "battery.phev_pack_growth": (
        "battery",
        "pack_capacity_growth",
        {"powertrain": "phev", "chemistry": "", "material": ""},
    ),
    "battery.second_life_share": (
        "battery",
        "second_life_share",
        {"powertrain": "", "chemistry": "", "material": ""},
    ),
    "battery.recycling_share": (
        "battery",
        "recycling_share",
        {"powertrain": "", "chemistry": "", "material": ""},
    ),
    **{f"trade.duty.{o}": ("trade", "duty", {"origin": o}) for o in ("china", "eu", "other")},
    "trade.eu_cvd": ("trade", "eu_cvd", {"origin": "china"}),
    "trade.eu_export_share": ("trade", "eu_export_share", {"origin": ""}),
    "trade.export_price": ("trade", "export_price", {"origin": ""}),
    # one published import value for every origin (a per-origin row would win)
    **{
        f"trade.import_price.{o}": ("trade", "import_price", {"origin": ""})
        for o in ("china", "eu", "other")
    },
}

#: Hub targets: parameter group -> variable of targets.csv (its latest row gives year and value).
_TARGETS: dict[str, str] = {
    name: f"{name}_target"
    for name in (
        "cars_built",
        "evs_built",
        "eu_exports",
        "cell_capacity",
        "cell_self_sufficiency",
        "investment",
        "jobs",
    )
}


@dataclass(frozen=True)
class Default:
    """A parameter's default value and where it comes from."""

    value: Any
    unit: str
    source: str
    low: float = math.nan
    high: float = math.nan
    file: str = ""  # the dataset file the default was read from


def default_parameters(data: Dataset) -> dict[str, Default]:
    """Every parameter's default from the dataset, by dotted path.

    Computed once per dataset (the defaults are data, not scenario choices).

    Raises
    ------
    InputError
        If a parameter has no default in the dataset.
    """
    key = ("default_parameters",)
    if key not in data.memo:
        data.memo[key] = _default_parameters(data)
    return dict(data.memo[key])


def _default_parameters(data: Dataset) -> dict[str, Default]:
    out: dict[str, Default] = {}
    for path, (table, variable, keys) in _FROM_TABLES.items():
        rows = data.rows(table, variable, **keys)
        if rows.empty:
            continue
        last = rows.sort_values("year") if rows["year"].notna().any() else rows
        row: Any = last.iloc[-1]
        out[path] = Default(
            float(row["value"]),
            str(row["unit"]),
            str(row["source"]),
            row["low"],
            row["high"],
            str(data.path / f"{table}.csv"),
        )
    # year-keyed paths: projections/targets after the base year
    for path, table, variable in (
        ("market.gdp_growth", "socioeconomic", "gdp_growth"),
        ("grid.renewable_share", "grid", "renewable_share"),
    ):
        rows = data.rows(table, variable).dropna(subset=["year"])
        for row in rows[rows["year"] > data.base_year].to_dict("records"):
            out[f"{path}.{int(row['year'])}"] = Default(
                float(row["value"]),
                str(row["unit"]),
                str(row["source"]),
                row["low"],
                row["high"],
                str(data.path / f"{table}.csv"),
            )
    for group, variable in _TARGETS.items():
        rows = data.rows("targets", variable).dropna(subset=["year"])
        if rows.empty:
            continue
        row = rows.sort_values("year").iloc[-1]
        for key, value, unit in (
            ("year", int(row["year"]), "yr"),
            ("value", float(row["value"]), str(row["unit"])),
        ):
            out[f"targets.{group}.{key}"] = Default(
                value, unit, str(row["source"]), file=str(data.path / "targets.csv")
            )
    for stage, prob in load_stage_probabilities(data).items():
        out[f"pipeline.stages.{stage}.probability"] = Default(
            prob.probability, "1", prob.source, prob.low, prob.high, str(data.path / STAGE_FILE)
        )
    chem = data.rows("battery", "chemistry_share")
    if not chem.empty:
        years = sorted(chem["year"].dropna().astype(int).unique())
        if years:
            first, last = years[0], years[-1]
            for row in chem.to_dict("records"):
                if int(row["year"]) == first:
                    path = f"battery.chemistry_share.{row['chemistry']}"
                elif int(row["year"]) == last:
                    path = f"battery.chemistry_share_final.{row['chemistry']}"
                else:
                    continue
                out[path] = Default(
                    float(row["value"]),
                    "%",
                    str(row["source"]),
                    row["low"],
                    row["high"],
                    str(data.path / "battery.csv"),
                )
            final_sources = chem[chem["year"] == last]["source"]
            out["battery.chemistry_year"] = Default(
                last,
                "yr",
                ";".join(dict.fromkeys(";".join(final_sources).split(";"))),
                file=str(data.path / "battery.csv"),
            )
    assumptions_file = str(data.path / "assumptions.csv")
    for row in data.assumptions.to_dict("records"):
        out[str(row["parameter"])] = Default(
            row["value"],
            str(row["unit"]),
            str(row["source"]),
            row["low"],
            row["high"],
            assumptions_file,
        )
    meta_file = str(data.path / "dataset.yaml")
    for path, value in flatten(data.meta.get("defaults") or {}).items():
        out[path] = Default(value, unit_of(path), "dataset.yaml", file=meta_file)
    keyed = set(KEYED)
    for path, default in out.items():
        if path not in PARAMETER_UNITS and path.rsplit(".", 1)[0] not in keyed:
            close = _close_paths(path)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            msg = f"{default.file}: parameter {path!r} is not a known parameter{hint}"
            raise InputError(msg)
    fixed = {p for p in PARAMETER_UNITS if not _optional(p)}
    missing = sorted(p for p in fixed - set(out) if p not in keyed)
    if missing:
        msg = (
            f"{assumptions_file}: no default for parameter(s) {missing}; add them with value, "
            "range and source"
        )
        raise InputError(msg)
    _check_units(out)
    return out


def _optional(path: str) -> bool:
    return path.startswith(("fleet.lifetime.", "targets.")) or path in {"market.ice_ban_year"}


def _check_units(defaults: Mapping[str, Default]) -> None:
    for path, default in defaults.items():
        expected = unit_of(path)
        if default.source == "dataset.yaml" or expected in ("", "-", "1"):
            continue
        if default.unit != expected:
            msg = (
                f"{default.file}: parameter {path!r} has unit {default.unit!r}, "
                f"expected {expected!r}"
            )
            raise InputError(msg)


# --------------------------------------------------------------------------
# Scenario files
# --------------------------------------------------------------------------


class Scenario(_Strict):
    """A scenario file: a name, a description, what it extends and overrides."""

    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    extends: str | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)
    path: Path | None = None


def scenario_dir(data: Dataset) -> Path:
    """The folder of a dataset's shipped scenarios."""
    return data.path / "scenarios"


def list_scenarios(data: Dataset) -> list[Scenario]:
    """The shipped scenarios of a dataset, in the order of ``dataset.yaml``."""
    order = list(data.meta.get("scenarios") or [])
    files = sorted(scenario_dir(data).glob("*.yaml"))
    names = [f.stem for f in files]
    ordered = [n for n in order if n in names] + [n for n in names if n not in order]
    return [load_scenario(n, data) for n in ordered]


def _find(name_or_path: str | Path, data: Dataset, referrer: Path | None = None) -> Path:
    """The file of a scenario name or path; ``referrer`` is the file that ``extends`` it.

    A relative path in ``extends`` is relative to the folder of the referring file.
    """
    text = str(name_or_path)
    if text.endswith((".yaml", ".yml")) or "/" in text:
        path = Path(text)
        if referrer is not None and not path.is_absolute():
            path = referrer.parent / path
        if not path.is_file():
            msg = f"{path}: scenario file not found"
            if referrer is not None:
                msg = f"{referrer}: extends = {text!r}: scenario file {path} not found"
            raise InputError(msg)
        return path
    path = scenario_dir(data) / f"{text}.yaml"
    if not path.is_file():
        known = sorted(f.stem for f in scenario_dir(data).glob("*.yaml"))
        shipped = f"shipped scenarios are {known} (or give a .yaml path)"
        msg = f"{path}: unknown scenario {text!r} (no such file); {shipped}"
        if referrer is not None:
            msg = f"{referrer}: extends = {text!r}: unknown scenario (no file {path}); {shipped}"
        raise InputError(msg)
    return path


def load_scenario(
    name_or_path: str | Path, data: Dataset, *, referrer: Path | None = None
) -> Scenario:
    """Read one scenario file (a shipped name or a YAML path), without resolving it.

    ``referrer`` is the scenario file whose ``extends`` names this one (used for
    relative paths and in messages).
    """
    path = _find(name_or_path, data, referrer)
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        msg = f"{path}: a scenario is a mapping with name, description, extends, overrides"
        raise InputError(msg)
    try:
        scenario = Scenario.model_validate({**raw, "path": path})
    except ValidationError as exc:
        raise InputError(_pydantic_message(path, exc)) from None
    if "path" in raw:
        msg = f"{path}: unknown key 'path'"
        raise InputError(msg)
    return scenario


def _pydantic_message(path: Path, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
        if err["type"] == "extra_forbidden":
            lines.append(f"{path}: unknown key {loc!r}")
            continue
        value = err.get("input")
        shown = f" = {value!r}" if not isinstance(value, dict) else ""
        lines.append(f"{path}: {loc or 'scenario'}{shown}: {err['msg']}")
    return "\n".join(lines)


@dataclass(frozen=True)
class ResolvedScenario:
    """A scenario with its parents applied over the dataset defaults.

    Attributes
    ----------
    name, description
        Of the scenario itself.
    chain
        Scenario names from the root parent to this one.
    parameters
        The validated parameter tree.
    values
        Every parameter's value by dotted path.
    provenance
        Where each value comes from: a dataset source id, or a scenario file.
    units
        The unit of each value.
    distributions
        The parameters given as distributions, by dotted path (their
        ``values`` entry is the central value, used by a deterministic run).
    """

    name: str
    description: str
    chain: tuple[str, ...]
    parameters: Parameters
    values: dict[str, Any]
    provenance: dict[str, str]
    units: dict[str, str]
    distributions: dict[str, Distribution] = field(default_factory=dict)


def resolve(
    name_or_path: str | Path,
    data: Dataset,
    overrides: Mapping[str, Any] | None = None,
) -> ResolvedScenario:
    """Resolve a scenario: dataset defaults, then each parent's and its own overrides.

    Parameters
    ----------
    name_or_path
        A shipped scenario name or a YAML file.
    data
        The dataset.
    overrides
        Extra overrides by dotted path (from the command line or the dashboard).

    Raises
    ------
    InputError
        For an unknown scenario or parent, an ``extends`` cycle, an unknown
        parameter, or a value of the wrong type or out of range.
    """
    chain: list[Scenario] = []
    seen: list[str] = []
    current: str | Path | None = name_or_path
    while current is not None:
        referrer = chain[-1].path if chain else None
        scenario = load_scenario(current, data, referrer=referrer)
        key = str(scenario.path.resolve()) if scenario.path else scenario.name
        if key in seen:
            names = [*(s.name for s in chain), scenario.name]
            msg = f"{chain[-1].path}: extends = {current!r} makes a cycle: {' -> '.join(names)}"
            raise InputError(msg)
        seen.append(key)
        chain.append(scenario)
        current = scenario.extends
    chain.reverse()

    defaults = default_parameters(data)
    values = {p: d.value for p, d in defaults.items()}
    provenance = {p: d.source for p, d in defaults.items()}
    origins = {p: d.file for p, d in defaults.items()}  # file (or "overrides") of each value
    units = {p: unit_of(p) for p in defaults}
    layers: list[tuple[str, Mapping[str, Any]]] = [(str(s.path), s.overrides) for s in chain]
    if overrides:
        if not isinstance(overrides, Mapping):
            msg = f"overrides = {overrides!r}: expected a mapping of parameter path -> value"
            raise InputError(msg)
        for key, item in overrides.items():
            if not isinstance(key, str):
                msg = f"overrides: key {key!r} is not a parameter path (text)"
                raise InputError(msg)
            if not (isinstance(item, Mapping) and "dist" in item):  # checked as a distribution
                check_finite(item, f"overrides: {key}")
        layers.append(("overrides", overrides))
    project_ids: list[str] | None = None
    distributions: dict[str, Distribution] = {}
    for origin, layer in layers:
        for raw_path, raw_value in flatten(layer).items():
            path, value = raw_path, raw_value
            if path == OVERRIDES or path.startswith(OVERRIDES + "."):
                if project_ids is None:
                    project_ids = [p.id for p in load_pipeline(data)]
                path, value = _check_override(origin, path, value, project_ids, data)
            else:
                _check_path(origin, path, value, data)
            if isinstance(value, bool) and not path.endswith(".drop"):
                # YAML reads yes/no/true/false as booleans, which pydantic would take as 1/0
                msg = f"{origin}: {path} = {value!r} is not a number"
                raise InputError(msg)
            if isinstance(value, Mapping) and "dist" in value:
                dist, filled = _distribution(
                    origin,
                    path,
                    value,
                    values.get(path),
                    defaults.get(path),
                    origins.get(path),
                    data,
                )
                distributions[path] = dist
                value = dist.central
                sources = [origin]
                if "central" in filled:
                    sources.append(provenance.get(path, ""))
                if "range" in filled:
                    sources.append(defaults[path].source)
                values[path] = value
                parts = (part for source in sources for part in source.split(";"))
                provenance[path] = ";".join(dict.fromkeys(part for part in parts if part))
                origins.pop(path, None)
                origins[path] = origin
                units[path] = unit_of(path)
                continue
            else:
                distributions.pop(path, None)
            parameters.check_value(path, value, origin, data)
            values[path] = value
            provenance[path] = origin
            origins.pop(path, None)  # keep origins in the order values were set
            origins[path] = origin
            units[path] = unit_of(path)
    # an empty cell of the dataset leaves an optional parameter unset
    values = {p: v for p, v in values.items() if not (_is_nan(v) and p in defaults)}
    parameters.check_values(values, origins, data)
    try:
        tree = Parameters.model_validate(unflatten(values))
    except ValidationError as exc:
        raise InputError(_resolved_message(exc, origins)) from None
    _check_joint(distributions, values, provenance)
    _check_target_years(tree, data, origins)
    own = chain[-1]
    return ResolvedScenario(
        name=own.name,
        description=own.description,
        chain=tuple(s.name for s in chain),
        parameters=tree,
        values=dict(sorted(values.items(), key=lambda kv: _order(kv[0]))),
        provenance=provenance,
        units=units,
        distributions=dict(sorted(distributions.items(), key=lambda kv: _order(kv[0]))),
    )


#: Parameters that may not be distributions, and why.
_FIXED_ONLY: tuple[tuple[str, str], ...] = (
    ("targets.", "a target is a goal to test, not an uncertain input; give a number"),
    ("battery.chemistry_share", "the chemistry shares must sum to 100 %; give numbers"),
    ("pipeline.default_mix.", "the output mix must sum to 1; give numbers"),
    ("pipeline.ramp.", "the ramp must not fall from one year to the next; give numbers"),
)


def _distribution(
    origin: str,
    path: str,
    spec: Mapping[str, Any],
    previous: Any,
    default: Default | None,
    previous_file: str | None,
    data: Dataset,
) -> tuple[Distribution, set[str]]:
    """Validate one ``{dist: ...}`` value of a scenario layer.

    Returns the distribution and what was filled in from elsewhere:
    ``"central"`` (the previous value) and ``"range"`` (the dataset's range).
    """
    where = f"{origin}: {path}"
    if path in _TEXT_PARAMETERS or path.endswith(".drop"):
        msg = f"{where} = {show_spec(spec)}: this parameter is not a number, so not a distribution"
        raise InputError(msg)
    for prefix, why in _FIXED_ONLY:
        if path.startswith(prefix):
            msg = f"{where} = {show_spec(spec)}: cannot be a distribution: {why}"
            raise InputError(msg)
    dataset_range = None
    if default is not None and _is_number(default.low) and _is_number(default.high):
        dataset_range = (float(default.low), float(default.high))
    before = float(previous) if _is_number(previous) else None
    try:
        dist = parse_distribution(
            spec,
            where=where,
            bounds=parameter_bounds(path, data),
            previous=before,
            dataset_range=dataset_range,
        )
    except ValueError as exc:
        notes = []
        central = CENTRAL_FIELD.get(str(spec.get("dist")))
        if central and central not in spec and before is not None:
            notes.append(f"{central} {before:g} from {previous_file or 'the dataset'}")
        ranged = spec.get("dist") in RANGED
        if ranged and dataset_range and not {"low", "high"} <= set(spec) and default is not None:
            notes.append(f"low and high from {default.file}")
        extra = f" ({'; '.join(notes)})" if notes else ""
        msg = f"{exc}{extra}"
        raise InputError(msg) from None
    filled = set()
    if dist.kind in CENTRAL_FIELD and CENTRAL_FIELD[dist.kind] not in spec:
        filled.add("central")
    if dist.kind in RANGED and not {"low", "high"} <= set(spec):
        filled.add("range")
    return dist, filled


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _check_joint(
    distributions: Mapping[str, Distribution],
    values: Mapping[str, Any],
    provenance: Mapping[str, str],
) -> None:
    """Constraints between parameters must hold for every draw, not only the central one."""
    parts = ("battery.second_life_share", "battery.recycling_share")
    if not any(p in distributions for p in parts):
        return
    highest = [
        distributions[p].support[1] if p in distributions else float(values[p]) for p in parts
    ]
    if sum(highest) > 100:
        origin = next(provenance[p] for p in parts if p in distributions).split(";")[0]
        msg = (
            f"{origin}: battery.second_life_share + battery.recycling_share can reach "
            f"{sum(highest):g} % in a draw, more than all the retired capacity (100 %); "
            "lower the high ends"
        )
        raise InputError(msg)


def _check_target_years(parameters: Parameters, data: Dataset, origins: Mapping[str, str]) -> None:
    """A target's year must be a model year, or the scorecard could never show it."""
    for name, target in parameters.targets:
        if target.year is None or data.first_year <= target.year <= data.last_year:
            continue
        path = f"targets.{name}.year"
        msg = (
            f"{origins.get(path, 'scenario')}: {path} = {target.year} is outside the model "
            f"years {data.first_year}-{data.last_year}"
        )
        raise InputError(msg)


#: Parameters whose values are words, not numbers.
_TEXT_PARAMETERS = ("fleet.lifetime.distribution", "market.sales_mode")


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _order(path: str) -> tuple[int, str]:
    paths = parameter_paths()
    base = path if path in paths else path.rsplit(".", 1)[0]
    return (paths.index(base) if base in paths else len(paths), path)


def _check_override(
    origin: str, path: str, value: Any, project_ids: Sequence[str], data: Dataset
) -> tuple[str, Any]:
    """Check ``pipeline.overrides.<id>[.<field>]``; ``<id>: drop`` becomes ``<id>.drop: true``."""
    parts = path.split(".")[2:]
    registry = data.path / "pipeline.csv"
    if not parts:
        msg = (
            f"{origin}: {path} = {value!r}: overrides are keyed by project id, e.g. "
            f"{OVERRIDES}: {{byd-manisa: {{delay: 2}}}}"
        )
        raise InputError(msg)
    pid = parts[0]
    if pid not in project_ids:
        close = difflib.get_close_matches(pid, project_ids, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known ids: {list(project_ids)}"
        msg = f"{origin}: {path}: unknown project {pid!r} (not an id in {registry}){hint}"
        raise InputError(msg)
    fields = list(ProjectOverride.model_fields)
    if len(parts) == 1:
        if value != "drop":
            msg = (
                f"{origin}: {path} = {value!r}: give 'drop' or a mapping of {fields} "
                f"for project {pid!r}"
            )
            raise InputError(msg)
        return f"{OVERRIDES}.{pid}.drop", True
    field = ".".join(parts[1:])
    if field not in fields:
        msg = (
            f"{origin}: {path}: unknown field {field!r} for project {pid!r}; "
            f"expected one of {fields}"
        )
        raise InputError(msg)
    if field == "drop" and not isinstance(value, bool):
        msg = f"{origin}: {path} = {value!r} is not true or false"
        raise InputError(msg)
    return path, value


def _check_path(origin: str, path: str, value: Any, data: Dataset) -> None:
    if path in KEYED:
        what = "year of operation" if path == "pipeline.ramp" else "year"
        msg = (
            f"{origin}: {path} = {value!r}: {path} is keyed by {what}; give a value per {what}, "
            f"e.g. {path}.{data.last_year if what == 'year' else 1} = ..."
        )
        raise InputError(msg)
    if path in PARAMETER_UNITS:
        return
    parent, _, last = path.rpartition(".")
    if parent in KEYED:
        what = "year of operation" if parent == "pipeline.ramp" else "year"
        if not last.isdigit():
            msg = f"{origin}: {path!r}: {parent} is keyed by {what}; {last!r} is not a {what}"
            raise InputError(msg)
        key = int(last)
        if what == "year" and not data.base_year < key <= data.last_year:
            msg = (
                f"{origin}: {path!r}: year {key} is not a projection year: {parent} sets the "
                f"years after the base year {data.base_year} up to {data.last_year}"
            )
            raise InputError(msg)
        if what != "year" and not 1 <= key <= data.last_year - data.first_year:
            msg = (
                f"{origin}: {path!r}: year of operation {key} is not within 1-"
                f"{data.last_year - data.first_year} (the model years)"
            )
            raise InputError(msg)
        return
    below = [p for p in PARAMETER_UNITS if p.startswith(path + ".")]
    if below:
        msg = (
            f"{origin}: {path} = {value!r}: {path!r} is a group of parameters, not one; "
            f"set one of {below}"
        )
        raise InputError(msg)
    close = _close_paths(path)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    msg = f"{origin}: unknown key {path!r}{hint}"
    raise InputError(msg)


def _close_paths(path: str) -> list[str]:
    """Known parameter paths that a mistyped ``path`` may have meant."""
    last = path.rpartition(".")[2]
    close = [p for p in PARAMETER_UNITS if p.endswith("." + last) or p.startswith(path + ".")]
    return close or difflib.get_close_matches(path, list(PARAMETER_UNITS), n=1, cutoff=0.8)


def _resolved_message(exc: ValidationError, origins: Mapping[str, str]) -> str:
    lines = []
    for err in exc.errors():
        parts = [str(p) for p in err["loc"] if not str(p).startswith("function-")]
        path = ".".join(parts)
        origin = origins.get(path)
        if origin is None:  # a model-level check: name the file that last set a field below it
            below = [o for p, o in origins.items() if p.startswith(path + ".")]
            origin = below[-1] if below else "dataset"
        value = err.get("input")
        shown = f" = {value!r}" if not isinstance(value, dict) else ""
        msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"{origin}: {path}{shown}: {msg}")
    return "\n".join(lines)

"""The dataset default of every scenario parameter, and where each comes from.

A default is the latest row of a dataset table (the tables named here, the
hub targets of ``targets.csv``, the stage probabilities of the pipeline, the
chemistry mix of ``battery.csv``), a row of ``assumptions.csv`` or an entry of
``defaults`` in ``dataset.yaml``; each keeps its value, unit, source, range and
file. Every fixed parameter needs one, in the unit the schema declares.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evhub.dataset import Dataset
from evhub.errors import InputError
from evhub.pipeline import STAGE_FILE, load_stage_probabilities
from evhub.scenario.paths import KEYED, PARAMETER_UNITS, close_paths, flatten, unit_of

__all__ = ["Default", "default_parameters"]


# Parameter path -> (table, variable, key filter) of the dataset row whose latest
# value is the default, for a dataset's dimensions. Paths not listed here come
# from assumptions.csv or from dataset.yaml's `defaults`.
_BATTERY_TOTAL = {"chemistry": "", "material": ""}


def _from_tables(data: Dataset) -> dict[str, tuple[str, str, dict[str, str]]]:
    pts = data.dims.powertrains
    no_fuel = set(pts.where(fuel=None))
    fuelled = tuple(p for p in pts.ids if p not in no_fuel)
    plug = pts.where(plug=True)
    # the share of a plug-in hybrid's distance on electricity: one parameter, the row
    # of the first powertrain with a plug and a fuel
    hybrids = [p for p in plug if p not in no_fuel]
    hybrid_share: dict[str, tuple[str, str, dict[str, str]]] = {}
    if hybrids:
        row = ("vehicle", "phev_electric_share", {"powertrain": hybrids[0]})
        hybrid_share["energy.phev_electric_share"] = row
    origins = data.dims.origins.where(home=False)
    return {
        "market.saturation": ("ownership", "saturation", {"country": ""}),
        "energy.annual_distance": ("vehicle", "annual_distance", {"powertrain": ""}),
        **hybrid_share,
        "energy.charging_loss": ("vehicle", "charging_loss", {"powertrain": ""}),
        **{
            f"energy.fuel_intensity.{p}": ("vehicle", "fuel_intensity", {"powertrain": p})
            for p in fuelled
        },
        **{
            f"energy.electric_intensity.{p}": ("vehicle", "electric_intensity", {"powertrain": p})
            for p in plug
        },
        **{
            f"energy.intensity_improvement.{p}": (
                "vehicle",
                "intensity_improvement",
                {"powertrain": p},
            )
            for p in pts.ids
        },
        **{
            f"battery.pack_capacity.{p}": (
                "battery",
                "pack_capacity",
                {"powertrain": p, **_BATTERY_TOTAL},
            )
            for p in pts.where(battery=True)
        },
        **{
            f"battery.{p}_pack_growth": (
                "battery",
                "pack_capacity_growth",
                {"powertrain": p, **_BATTERY_TOTAL},
            )
            for p in plug
        },
        "battery.second_life_share": (
            "battery",
            "second_life_share",
            {"powertrain": "", **_BATTERY_TOTAL},
        ),
        "battery.recycling_share": (
            "battery",
            "recycling_share",
            {"powertrain": "", **_BATTERY_TOTAL},
        ),
        **{f"trade.duty.{o}": ("trade", "duty", {"origin": o}) for o in origins},
        "trade.eu_cvd": ("trade", "eu_cvd", {"origin": data.dims.origins.where(eu_cvd=True)[0]}),
        "trade.eu_export_share": ("trade", "eu_export_share", {"origin": ""}),
        "trade.export_price": ("trade", "export_price", {"origin": ""}),
        # one published import value for every origin (a per-origin row would win)
        **{f"trade.import_price.{o}": ("trade", "import_price", {"origin": ""}) for o in origins},
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

    Parameters
    ----------
    data
        The dataset.

    Returns
    -------
    dict of str to Default
        A copy of the dataset's defaults: value, unit, source, range and file
        of each parameter, including each year of the year-keyed groups.

    Raises
    ------
    InputError
        If a parameter has no default in the dataset, a default is for no
        known parameter, or its unit is not the one the schema declares.
    """
    key = ("default_parameters",)
    if key not in data.memo:
        data.memo[key] = _default_parameters(data)
    return dict(data.memo[key])


def _default_parameters(data: Dataset) -> dict[str, Default]:
    out: dict[str, Default] = {}
    for path, (table, variable, keys) in _from_tables(data).items():
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
            close = close_paths(path)
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

"""The dataset default of every scenario parameter, and where each comes from.

The ``default`` column of the parameter catalogue (:mod:`evhub.parameters`)
says where each parameter's default comes from: a row of a data table (the
latest, the earliest, the latest year, or every year after the base year),
a row of ``assumptions.csv``, an entry of ``defaults`` in ``dataset.yaml``, or
the stage probabilities of the pipeline (read by :mod:`evhub.pipeline`, which
owns that table's format and checks). Each default keeps its value, unit,
source, range and file. Every fixed parameter that may not be unset needs
one, in the unit the catalogue declares; an entry of ``assumptions.csv`` or
``dataset.yaml`` must be for a parameter whose default the catalogue takes
from there.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from evhub import parameters, units
from evhub.dataset import Dataset
from evhub.errors import InputError
from evhub.pipeline import STAGE_FILE, load_stage_probabilities
from evhub.prices import to_price_year
from evhub.scenario.paths import close_paths, flatten, keyed_groups, parameter_units, unit_of

__all__ = ["META_SOURCE", "Default", "default_parameters"]

#: The source of a default read from ``defaults`` in ``dataset.yaml``: that file's name.
META_SOURCE = "dataset.yaml"


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
    assumptions = {str(r["parameter"]): r for r in data.assumptions.to_dict("records")}
    meta = flatten(data.meta.get("defaults") or {})
    files = {
        "assumptions": str(data.path / "assumptions.csv"),
        "dataset.yaml": str(data.path / "dataset.yaml"),
    }
    taken: dict[str, set[str]] = {"assumptions": set(), "dataset.yaml": set()}
    stages: dict[str, Any] | None = None
    expanded = parameters.expand(data.dims)
    for item in expanded:
        source = item.spec.default_source
        if source is None:
            continue
        if source.kind == "table":
            out.update(_from_table(data, item, source))
        elif source.kind == "assumptions":
            for path in _matching(assumptions, item.path):
                row = assumptions[path]
                out[path] = Default(
                    row["value"],
                    str(row["unit"]),
                    str(row["source"]),
                    row["low"],
                    row["high"],
                    files["assumptions"],
                )
                taken["assumptions"].add(path)
        elif source.kind == "dataset.yaml":
            for path in _matching(meta, item.path):
                out[path] = Default(
                    meta[path], item.spec.unit, META_SOURCE, file=files[source.kind]
                )
                taken["dataset.yaml"].add(path)
        else:  # stage_probabilities.csv: its own table, read and checked by evhub.pipeline
            if stages is None:
                stages = load_stage_probabilities(data)
            prob = stages.get(item.keys.get("stage", ""))
            if prob is not None:
                out[item.path] = Default(
                    prob.probability,
                    item.spec.unit,
                    prob.source,
                    prob.low,
                    prob.high,
                    str(data.path / STAGE_FILE),
                )
    for kind, given in (("assumptions", assumptions), ("dataset.yaml", meta)):
        for path in given:
            if path not in taken[kind]:
                _refuse(data, path, kind, files[kind])
    missing = sorted(
        item.path
        for item in expanded
        if item.fixed and not item.spec.nullable and item.path not in out
    )
    if missing:
        msg = (
            f"{files['assumptions']}: no default for parameter(s) {missing}; add them with value, "
            "range and source"
        )
        raise InputError(msg)
    out = _to_price_year(data, out)
    _check_units(out)
    return out


def _to_price_year(data: Dataset, defaults: Mapping[str, Default]) -> dict[str, Default]:
    """Money defaults (``USD_<year>`` units) in dollars of the dataset's price year.

    The one place parameter defaults are deflated (value, low and high, by
    :func:`evhub.prices.to_price_year`); the catalogue declares money in
    dollars of the price year.
    """
    out = dict(defaults)
    for path, default in defaults.items():
        if default.source == META_SOURCE or units.money_year(default.unit) is None:
            continue
        where = f"{default.file}: parameter {path!r}"
        factor, unit = to_price_year(data, 1.0, default.unit, where=where)
        out[path] = replace(
            default,
            value=float(default.value) * factor,
            unit=unit,
            low=float(default.low) * factor,
            high=float(default.high) * factor,
        )
    return out


def _matching(given: Mapping[str, Any], template: str) -> list[str]:
    """The paths of ``given`` that ``template`` names (a ``{key}`` is any one key)."""
    if "{" not in template:
        return [template] if template in given else []
    pattern = re.compile("^" + re.sub(r"\\\{[a-z_]+\\\}", "[^.]+", re.escape(template)) + "$")
    return [p for p in given if pattern.match(p)]


def _refuse(data: Dataset, path: str, kind: str, file: str) -> None:
    """An entry of assumptions.csv or dataset.yaml that no catalogue row takes its default from."""
    row = parameters.spec(path)
    known = set(parameter_units(data))
    if row is not None and (path in known or path.rsplit(".", 1)[0] in keyed_groups(data)):
        msg = (
            f"{file}: parameter {path!r} takes its default from {row.default or 'nowhere'!r} "
            f"(evhub/{parameters.PARAMETER_TABLE}), not from {kind}"
        )
        raise InputError(msg)
    close = close_paths(path, data)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    msg = f"{file}: parameter {path!r} is not a known parameter{hint}"
    raise InputError(msg)


def _from_table(
    data: Dataset, item: parameters.Parameter, source: parameters.DefaultSource
) -> dict[str, Default]:
    """The default(s) of ``item`` from the rows of a data table (see :mod:`evhub.parameters`)."""
    rows = data.rows(source.table, source.variable, **source.filled(item.keys))
    file = str(data.path / f"{source.table}.csv")
    if source.pick == "each_year":  # one parameter per year after the base year
        dated = rows.dropna(subset=["year"])
        return {
            item.path.format(year=int(row["year"])): _row_default(row, file)
            for row in dated[dated["year"] > data.base_year].to_dict("records")
        }
    if rows.empty:
        return {}
    if source.pick == "year":  # the year of the latest rows, with all their sources
        dated = rows.dropna(subset=["year"])
        if dated.empty:
            return {}
        last = int(dated["year"].max())
        sources = ";".join(dated[dated["year"] == last]["source"].astype(str))
        joined = ";".join(dict.fromkeys(sources.split(";")))
        return {item.path: Default(last, item.spec.unit, joined, file=file)}
    ordered = rows.sort_values("year") if rows["year"].notna().any() else rows
    row = ordered.iloc[0 if source.pick == "first" else -1]
    return {item.path: _row_default(row, file)}


def _row_default(row: Any, file: str) -> Default:
    return Default(
        float(row["value"]), str(row["unit"]), str(row["source"]), row["low"], row["high"], file
    )


def _check_units(defaults: Mapping[str, Default]) -> None:
    for path, default in defaults.items():
        expected = unit_of(path)
        if default.source == META_SOURCE or expected in ("", "-", "1"):
            continue
        if default.unit != expected:
            msg = (
                f"{default.file}: parameter {path!r} has unit {default.unit!r}, "
                f"expected {expected!r}"
            )
            raise InputError(msg)

"""Resolving a scenario: dataset defaults, then each parent's overrides, then its own.

:func:`resolve` follows a scenario's ``extends`` chain to its root, lays each
file's overrides (and any given by the caller) over the dataset defaults and
checks every value where it was set: that its path is a parameter, that it is
within its bounds, that a distribution may stand there and fits its range,
that a project override names a project of the registry, and, once all are
set, the parameter models and the constraints between parameters (also for
every draw of the distributions). A message names the file (or
``overrides``), the path and the value.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from evhub import choicecost, parameters
from evhub.dataset import Dataset
from evhub.dims import DIMENSIONS_FILE
from evhub.distributions import (
    CENTRAL_FIELD,
    RANGED,
    Distribution,
    parse_distribution,
    show_spec,
)
from evhub.errors import InputError
from evhub.inputs import check_finite
from evhub.pipeline import load_pipeline
from evhub.readable import exact
from evhub.scenario.defaults import Default, default_parameters
from evhub.scenario.files import load_scenario
from evhub.scenario.paths import (
    OVERRIDES,
    close_paths,
    flatten,
    keyed_groups,
    override_fields,
    parameter_bounds,
    parameter_units,
    unflatten,
    unit_of,
)
from evhub.scenario.schema import Scenario, parameter_model

__all__ = ["OVERRIDES_ORIGIN", "ResolvedScenario", "resolve"]

#: The origin (in :attr:`ResolvedScenario.provenance`) of a value given by the caller
#: (``evhub run --set``, the ``overrides`` of :func:`resolve`).
OVERRIDES_ORIGIN = "overrides"


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
        The validated parameter tree (a model of
        :func:`~evhub.scenario.schema.parameter_model`).
    values
        Every parameter's value by dotted path.
    provenance
        Where each value comes from, ``;``-separated: dataset source ids,
        ``dataset.yaml`` (:data:`~evhub.scenario.defaults.META_SOURCE`), the
        path of a scenario file of ``files`` as loaded, or
        :data:`OVERRIDES_ORIGIN`.
    units
        The unit of each value.
    distributions
        The parameters given as distributions, by dotted path (their
        ``values`` entry is the central value, used by a deterministic run).
    files
        The file of each scenario of ``chain`` (``None`` for one without a file).
    """

    name: str
    description: str
    chain: tuple[str, ...]
    parameters: BaseModel
    values: dict[str, Any]
    provenance: dict[str, str]
    units: dict[str, str]
    distributions: dict[str, Distribution] = field(default_factory=dict)
    files: tuple[Path | None, ...] = ()

    def targets(self) -> dict[str, tuple[int, float]]:
        """The scenario's hub targets that are set: goal -> (year [yr], value)."""
        out = {}
        for goal, target in getattr(self.parameters, "targets"):  # noqa: B009 - generated
            if target.year is not None and target.value is not None:
                out[str(goal)] = (int(target.year), float(target.value))
        return out


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

    Returns
    -------
    ResolvedScenario
        The validated parameters, every value by dotted path with its unit
        and source, and the parameters given as distributions.

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
        layers.append((OVERRIDES_ORIGIN, overrides))
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
        tree = parameter_model(data.dims).model_validate(unflatten(values))
    except ValidationError as exc:
        raise InputError(_resolved_message(exc, origins)) from None
    _check_joint(distributions, values, provenance)
    _check_target_years(tree, data, origins)
    for vehicle_class in data.dims.classes.ids:
        _check_conversion(values, provenance, data, vehicle_class)
        _check_purchase_tax_levers(values, origins, data, vehicle_class)
    own = chain[-1]
    rank = {p: i for i, p in enumerate(parameter_units(data))}
    return ResolvedScenario(
        name=own.name,
        description=own.description,
        chain=tuple(s.name for s in chain),
        parameters=tree,
        values=dict(sorted(values.items(), key=lambda kv: _order(kv[0], rank))),
        provenance=provenance,
        units=units,
        distributions=dict(sorted(distributions.items(), key=lambda kv: _order(kv[0], rank))),
        files=tuple(s.path for s in chain),
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
    row = parameters.spec(path)
    if row is not None and not row.numeric:
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
            notes.append(f"{central} {exact(before)} from {previous_file or 'the dataset'}")
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
            f"{exact(sum(highest))} % in a draw, more than all the retired capacity (100 %); "
            "lower the high ends"
        )
        raise InputError(msg)


#: The share of a powertrain's new vehicles converted to another (``converted_from``),
#: after the vehicle class's id.
CONVERSION_SHARE = "fleet.lpg_conversion_share"


def _check_conversion(
    values: Mapping[str, Any], provenance: Mapping[str, str], data: Dataset, vehicle_class: str
) -> None:
    """A powertrain that gains converted new vehicles needs the share converted.

    The share may be unset (the catalogue allows it) only where no powertrain
    of ``dimensions.yaml`` has a ``converted_from``: then nothing is converted.
    """
    path = f"{vehicle_class}.{CONVERSION_SHARE}"
    converted = [
        m.id for m in data.dims.powertrains.members if m.attributes["converted_from"] is not None
    ]
    if converted and values.get(path) is None:
        origin = provenance.get(path, str(data.path / "assumptions.csv"))
        msg = (
            f"{origin.split(';')[0]}: {path} has no value; powertrain(s) "
            f"{', '.join(converted)} of {DIMENSIONS_FILE} gain new vehicles converted from "
            "another (converted_from), so the share converted is needed"
        )
        raise InputError(msg)


def _check_purchase_tax_levers(
    values: Mapping[str, Any], origins: Mapping[str, str], data: Dataset, vehicle_class: str
) -> None:
    """A class's purchase-tax schedule dates and brackets must read as the chain reads them.

    Checked here so that a scenario is refused when it is resolved (``evhub
    scenarios show``, the dashboard), not only when the chain is set up; the
    message names the file that set the value. A class the dataset does not
    price is left to the chain's own message.
    """
    dates, brackets = choicecost.purchase_tax_levers(values, vehicle_class)
    if not (dates or brackets) or not choicecost.has_costs(data, vehicle_class):
        return
    levers: list[tuple[str, dict[str, str], dict[str, dict[int, str]]]] = [
        (f"{choicecost.SCHEDULE_LEVER}.{vehicle_class}.{group}", {group: text}, {})
        for group, text in dates.items()
    ] + [
        (f"{choicecost.BRACKETS_LEVER}.{vehicle_class}.{group}.{year}", {}, {group: {year: text}})
        for group, by_year in brackets.items()
        for year, text in by_year.items()
    ]
    for path, date, bracket in levers:
        try:
            choicecost.check_purchase_tax_levers(data, vehicle_class, date, bracket)
        except InputError as exc:
            msg = f"{origins.get(path, 'scenario').split(';')[0]}: {exc}"
            raise InputError(msg) from None


def _check_target_years(tree: BaseModel, data: Dataset, origins: Mapping[str, str]) -> None:
    """A target's year must be a model year, or the scorecard could never show it."""
    for name, target in getattr(tree, "targets"):  # noqa: B009 - a generated field
        if target.year is None or data.first_year <= target.year <= data.last_year:
            continue
        path = f"targets.{name}.year"
        msg = (
            f"{origins.get(path, 'scenario')}: {path} = {target.year} is outside the model "
            f"years {data.first_year}-{data.last_year}"
        )
        raise InputError(msg)


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _order(path: str, rank: Mapping[str, int]) -> tuple[int, str]:
    base = path if path in rank else path.rsplit(".", 1)[0]
    return (rank.get(base, len(rank)), path)


def _check_override(
    origin: str, path: str, value: Any, project_ids: Sequence[str], data: Dataset
) -> tuple[str, Any]:
    """Check ``pipeline.overrides.<id>[.<field>]``; ``<id>: drop`` becomes ``<id>.drop: true``."""
    parts = path.split(".")[2:]
    registry = data.path / "pipeline.csv"
    if not parts:
        example = next((p.id for p in load_pipeline(data)), "PROJECT")
        msg = (
            f"{origin}: {path} = {value!r}: overrides are keyed by project id, e.g. "
            f"{OVERRIDES}: {{{example}: {{delay: 2}}}}"
        )
        raise InputError(msg)
    pid = parts[0]
    if pid not in project_ids:
        close = difflib.get_close_matches(pid, project_ids, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known ids: {list(project_ids)}"
        msg = f"{origin}: {path}: unknown project {pid!r} (not an id in {registry}){hint}"
        raise InputError(msg)
    fields = override_fields()
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
    keyed = keyed_groups(data)
    if path in keyed:
        what = "year of operation" if path == "pipeline.ramp" else "year"
        msg = (
            f"{origin}: {path} = {value!r}: {path} is keyed by {what}; give a value per {what}, "
            f"e.g. {path}.{data.last_year if what == 'year' else 1} = ..."
        )
        raise InputError(msg)
    known = parameter_units(data)
    if path in known:
        return
    parent, _, last = path.rpartition(".")
    if parent in keyed:
        what = "year of operation" if parent == "pipeline.ramp" else "year"
        if not last.isdecimal():
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
    below = [p for p in known if p.startswith(path + ".")]
    if below:
        msg = (
            f"{origin}: {path} = {value!r}: {path!r} is a group of parameters, not one; "
            f"set one of {below}"
        )
        raise InputError(msg)
    unsold = next(
        (p for p in parameters.expand(data.dims, unsold=True) if p.path == path and not p.sold),
        None,
    )
    if unsold is not None:
        by_dimension = {
            parameters.select_dimension(unsold.spec.bindings[name]): key
            for name, key in unsold.keys.items()
        }
        klass = by_dimension["classes"]
        if "powertrains" in by_dimension:
            powertrain = by_dimension["powertrains"]
            msg = (
                f"{origin}: {path} = {value!r}: class {klass!r} sells no {powertrain!r} "
                f"(the classes of powertrain {powertrain!r} in {DIMENSIONS_FILE} are "
                f"{data.dims.powertrains.member(powertrain).attributes['classes']}), so the "
                "class has no such parameter"
            )
        else:
            group = by_dimension["powertrain_groups"]
            msg = (
                f"{origin}: {path} = {value!r}: class {klass!r} sells no powertrain of the "
                f"group {group!r} (the powertrains' classes in {DIMENSIONS_FILE}), so the "
                "class has no such parameter"
            )
        raise InputError(msg)
    close = close_paths(path, data)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    msg = f"{origin}: unknown key {path!r}{hint}"
    raise InputError(msg)


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

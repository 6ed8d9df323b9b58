"""The pydantic models of a scenario file and of its parameters, generated from the catalogue.

:func:`parameter_model` builds the tree of every scenario parameter from the
parameter catalogue (:mod:`evhub.parameters`) expanded over a dataset's
dimensions: one model per group of the dotted paths (``fleet``,
``fleet.lifetime``, ``market.bev_share``, ...), each field with the type, unit
(``json_schema_extra={"unit": ...}``) and description of its row. A group
keyed by a year becomes ``dict[int, float]``; the project overrides,
``dict[str, ProjectOverride]``. What must hold within a group is a named rule
attached to the group's path (:data:`GROUP_RULES`: the lifetime distribution
has the fields it needs, chemistry shares sum to 100 %, the ramp does not
fall, ...). :class:`Scenario` is one scenario file as written: a name, a
description, what it extends and its overrides. Where values come from and
how they are combined is :mod:`evhub.scenario.defaults` and
:mod:`evhub.scenario.resolution`.
"""

from __future__ import annotations

import fnmatch
import itertools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from evhub import parameters
from evhub.dims import Dims
from evhub.readable import exact

__all__ = [
    "GROUP_RULES",
    "ProjectOverride",
    "Scenario",
    "parameter_model",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


# --------------------------------------------------------------------------
# What holds within a group: named rules, attached to group paths
# --------------------------------------------------------------------------

#: The fields each lifetime distribution needs.
_LIFETIME_FIELDS = {
    "weibull": ("shape", "scale"),
    "normal": ("mean", "sd"),
    "lognormal": ("mean", "sd"),
    "fixed": ("years",),
}
#: Published chemistry shares are rounded to whole percent. [%]
_SHARE_TOLERANCE = 1.0
#: Output mixes are fractions summing to one up to rounding. [1]
_MIX_TOLERANCE = 1e-6


def lifetime_has_its_fields(group: BaseModel) -> None:
    """The lifetime distribution has the fields it needs (Weibull: shape and scale, ...)."""
    distribution = getattr(group, "distribution")  # noqa: B009 - a generated field
    missing = [n for n in _LIFETIME_FIELDS[distribution] if getattr(group, n) is None]
    if missing:
        msg = f"distribution {distribution!r} needs {', '.join(missing)}"
        raise ValueError(msg)


def shares_sum_to_100(group: BaseModel) -> None:
    """The chemistry shares sum to 100 % (within the rounding of published shares)."""
    names = list(type(group).model_fields)
    total = sum(getattr(group, n) for n in names)
    if abs(total - 100) > _SHARE_TOLERANCE:
        msg = f"chemistry shares {' + '.join(names)} sum to {exact(total)} %, expected 100"
        raise ValueError(msg)


def mix_sums_to_1(group: BaseModel) -> None:
    """A plant's output mix sums to 1."""
    names = list(type(group).model_fields)
    total = sum(getattr(group, n) for n in names)
    if abs(total - 1) > _MIX_TOLERANCE:
        msg = f"{' + '.join(names)} sum to {exact(total)}, expected 1"
        raise ValueError(msg)


def reuse_at_most_all(group: BaseModel) -> None:
    """Second life and recycling together take at most all the retired capacity."""
    total = getattr(group, "second_life_share") + getattr(group, "recycling_share")  # noqa: B009
    if total > 100:
        msg = (
            f"second_life_share + recycling_share = {exact(total)} % is more than all the "
            "retired capacity (100 %)"
        )
        raise ValueError(msg)


def ramp_rises(group: BaseModel) -> None:
    """The ramp is keyed by years of operation 1, 2, ... and does not fall."""
    ramp = getattr(group, "ramp")  # noqa: B009 - a generated field
    years = sorted(ramp)
    if not years or years != list(range(1, len(years) + 1)):
        msg = f"ramp is keyed by years of operation 1, 2, ..., {len(years)}; got {years}"
        raise ValueError(msg)
    values = [ramp[y] for y in years]
    if any(b < a for a, b in itertools.pairwise(values)):
        msg = f"ramp shares must not fall from one year to the next; got {values}"
        raise ValueError(msg)


def target_has_year_and_value(group: BaseModel) -> None:
    """A target has both a year and a value, or neither."""
    if (getattr(group, "year") is None) != (getattr(group, "value") is None):  # noqa: B009
        msg = "a target needs both year and value (or neither)"
        raise ValueError(msg)


#: Rules of the groups, by group path (``*`` matches one key).
GROUP_RULES: dict[str, Callable[[BaseModel], None]] = {
    "*.fleet.lifetime": lifetime_has_its_fields,  # a vehicle class's
    "battery.chemistry_share": shares_sum_to_100,
    "battery.chemistry_share_final": shares_sum_to_100,
    "battery": reuse_at_most_all,
    "pipeline.default_mix": mix_sums_to_1,
    "pipeline": ramp_rises,
    "targets.*": target_has_year_and_value,
}


# --------------------------------------------------------------------------
# Generating the models
# --------------------------------------------------------------------------

#: Python types of the catalogue's types.
_TYPES: dict[str, Any] = {"number": float, "integer": int, "flag": bool, "text": str}
#: Type of each key the user chooses.
_KEY_TYPES: dict[str, type] = {"year": int, "operation_year": int, "project": str}


def _leaf(row: parameters.ParameterSpec, text: str) -> tuple[Any, Any]:
    kind: Any = Literal[row.choices] if row.choices else _TYPES[row.kind]
    extra: dict[str, Any] = {"unit": row.unit}
    if row.kind == "flag":
        return kind, Field(default=False, description=text, json_schema_extra=extra)
    if row.nullable:
        return kind | None, Field(default=None, description=text, json_schema_extra=extra)
    return kind, Field(description=text, json_schema_extra=extra)


def _title(path: str) -> str:
    return "".join(p.title() for p in path.replace(".", "_").split("_")) or "Parameters"


def _rules(path: str) -> dict[str, Any]:
    out = {}
    for pattern, rule in GROUP_RULES.items():
        if fnmatch.fnmatchcase(path, pattern):

            def check(self: BaseModel, rule: Callable[[BaseModel], None] = rule) -> BaseModel:
                rule(self)
                return self

            out[f"check_{rule.__name__}"] = model_validator(mode="after")(check)
    return out


def _build(path: str, items: list[tuple[list[str], parameters.Parameter, str]]) -> type[BaseModel]:
    """The model of the group ``path`` from its items (remaining parts, parameter, text)."""
    fields: dict[str, Any] = {}
    groups: dict[str, list[tuple[list[str], parameters.Parameter, str]]] = {}
    for item in items:  # by first part, in order of first appearance
        groups.setdefault(item[0][0], []).append(item)
    for name, members in groups.items():
        here = f"{path}.{name}" if path else name
        if len(members) == 1 and len(members[0][0]) == 1:
            _, leaf, text = members[0]
            fields[name] = _leaf(leaf.spec, text)
            continue
        rest = [(parts[1:], item, text) for parts, item, text in members]
        key = rest[0][0][0]
        if key.startswith("{"):  # a group keyed by the user: a dict
            key_type = _KEY_TYPES[key.strip("{}")]
            below = [(parts[1:], item, text) for parts, item, text in rest]
            text = rest[0][1].spec.description
            if below[0][0]:  # a model per key (project overrides): none by default
                value: Any = _build(f"{here}.*", below)
                info = Field(default_factory=dict, description=text)
            else:  # a number per key (year-keyed groups): required, unless it may be unset
                value = _leaf(below[0][1].spec, below[0][2])[0]
                info = (
                    Field(default_factory=dict, description=text)
                    if below[0][1].spec.nullable
                    else Field(description=text)
                )
            fields[name] = (dict[key_type, value], info)  # type: ignore[valid-type]
            continue
        model = _build(here, rest)
        if all(not f.is_required() for f in model.model_fields.values()):
            fields[name] = (model, Field(default_factory=model))
        else:
            fields[name] = (model, ...)
    return create_model(
        _title(path.replace(".*", "")), __base__=_Strict, __validators__=_rules(path), **fields
    )


def _items(
    expanded: Iterable[parameters.Parameter], dims: Dims
) -> list[tuple[list[str], parameters.Parameter, str]]:
    return [(p.path.split("."), p, parameters.description(p, dims)) for p in expanded]


#: Parameter models, by the identity of the dimensions they were generated for.
_MODELS: dict[int, tuple[Dims, type[BaseModel]]] = {}


def parameter_model(dims: Dims) -> type[BaseModel]:
    """The model of every scenario parameter of a dataset, generated from the catalogue.

    Parameters
    ----------
    dims
        The dataset's dimensions (which powertrains, origins, chemistries,
        stages the per-member fields are for).

    Returns
    -------
    type of BaseModel
        A frozen model with one field per top-level group (``fleet``,
        ``market``, ...); generated once per ``dims``.
    """
    held = _MODELS.get(id(dims))
    if held is not None and held[0] is dims:
        return held[1]
    model = _build("", _items(parameters.expand(dims), dims))
    _MODELS[id(dims)] = (dims, model)
    return model


def _override_model() -> type[BaseModel]:
    rows = [r for r in parameters.specs() if r.user_keys == ("project",)]
    fields = {r.path.rsplit(".", 1)[1]: _leaf(r, r.description) for r in rows}
    return create_model(  # type: ignore[call-overload,no-any-return]
        "ProjectOverride", __base__=_Strict, **fields
    )


#: A scenario's change to one project of the registry (unset fields keep the registry's).
ProjectOverride: type[BaseModel] = _override_model()


class Scenario(_Strict):
    """A scenario file: a name, a description, what it extends and overrides."""

    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    extends: str | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)
    path: Path | None = None

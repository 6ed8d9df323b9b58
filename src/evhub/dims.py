"""The dataset's categories: vehicle classes, powertrains, origins, project kinds, stages, ...

Every label the model indexes by comes from the dataset's ``dimensions.yaml``:
for each dimension, its members in order, each with an ``id`` (what the data
tables use), a ``label`` (what results show), a ``description`` and the
attributes behaviour depends on. Code asks a dimension for the members with an
attribute (``dims.powertrains.where(plug=True)``) or for an attribute's values
in member order (``dims.powertrains.column("battery")``), never for a literal id.

Examples
--------
>>> from evhub.dataset import load_dataset
>>> dims = load_dataset().dims
>>> dims.powertrains.where(plug=True)
('phev', 'bev')
>>> dims.origins.where(home=True)
('domestic',)
>>> dims.powertrains.label("bev")
'BEV'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evhub.errors import InputError
from evhub.inputs import read_yaml

__all__ = [
    "DIMENSIONS_FILE",
    "AttributeSpec",
    "Dimension",
    "DimensionSpec",
    "Dims",
    "Member",
    "dimension_specs",
    "load_dims",
    "member_fields",
    "select_keys",
]

#: The file of a dataset folder that declares its dimensions.
DIMENSIONS_FILE = "dimensions.yaml"
#: An id: lower-case ASCII, digits and underscores, starting with a letter.
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


# --------------------------------------------------------------------------
# The attributes of each dimension's members (types only; references are
# checked across dimensions below)
# --------------------------------------------------------------------------


class _Member(BaseModel):
    """Fields every member has."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    label: str = Field(description="What results, the report and the dashboard show for it")
    description: str = Field(description="What the member is, in a sentence")


class _Class(_Member):
    pass


class _ClassTotal(_Member):
    classes: list[str] = Field(
        description="The vehicle classes it adds up: its results (Sales|<label>, Stock|<label>, "
        "...) are the sums of theirs"
    )


class _Fuel(_Member):
    liquid: bool = Field(
        description="Burnt from a tank (true) or drawn from the grid (false). The liquid fuels "
        "are the fuel axis of the energy and CO2 model; exactly one fuel is not liquid (the "
        "grid's electricity, whose label names the electricity variables of the results)"
    )


class _Group(_Member):
    eu_cvd: bool = Field(
        description="The EU countervailing duty (<class>.trade.eu_cvd, on cars built in the "
        "origin with "
        "eu_cvd: true) covers the cars of this group, so the group's exports to the EU move with "
        "that duty"
    )
    tax_otherwise: str | None = Field(
        default=None,
        description="The group whose purchase-tax rows the vehicles of this group pay that do "
        "not meet the conditions of its own (their share: purchase_tax_qualifying_share of "
        "vehicle_taxes.csv); null: every vehicle pays the group's own rows",
    )


class _StatisticsGroup(_Member):
    combustion_only: bool = Field(
        description="Every car of the group has only a combustion engine: the first year's "
        "stock_share of these groups splits the initial stock (each such group holds one "
        "powertrain); the other groups give stock_count instead"
    )


class _Powertrain(_Member):
    classes: list[str] = Field(
        description="The vehicle classes the powertrain is sold in: a class's data rows, "
        "scenario parameters and sales of the powertrain exist only where it is sold (every "
        "class sells at least one powertrain)"
    )
    group: str = Field(
        description="Its powertrain group: production, the pipeline's output mix and the EU "
        "duty go by group; a group holds at most one powertrain with a battery, whose pack is "
        "the group's"
    )
    statistics_group: str = Field(
        description="The statistics office's stock group it is counted in: the initial stock "
        "and the calibration to the stock by fuel go by these groups"
    )
    fuel: str | None = Field(
        description="The liquid fuel it burns (null: none): its fuel_intensity in vehicle.csv "
        "and the CO2 of that fuel"
    )
    plug: bool = Field(
        description="Charged from the grid: counts as an EV (the EV shares and EV production), "
        "draws electricity (electric_intensity) and has a pack growth"
    )
    battery: bool = Field(
        description="Has a traction battery: a pack_capacity in battery.csv and a share curve "
        "of sales of its own (market.{powertrain}_share)"
    )
    converted_from: str | None = Field(
        description="Besides its own sales, its fleet gains the new cars of this powertrain "
        "converted to it in their first year (the share <class>.fleet.lpg_conversion_share of that "
        "powertrain's sales); null for none"
    )


class _Bloc(_Member):
    duty_free: bool = Field(
        description="Cars built in one member cross to another without customs duty: the "
        "destination in a duty-free bloc with the home origin is the union's export market of "
        "the results"
    )
    source: str = Field(description="The source of the bloc's rules (an id of sources.yaml)")


class _Origin(_Member):
    home: bool = Field(
        description="The country the dataset describes (exactly one origin): its plants build "
        "the domestic production; the other origins are where imports come from"
    )
    blocs: list[str] = Field(description="The trade blocs the origin is a member of")
    eu_cvd: bool = Field(
        description="The EU levies its countervailing duty <class>.trade.eu_cvd on the cars "
        "built here "
        "(exactly one origin)"
    )


class _Destination(_Member):
    blocs: list[str] = Field(
        description="The trade blocs the destination is a member of: exactly one destination "
        "shares a duty-free bloc with the home origin"
    )


class _ProjectKind(_Member):
    registry_kinds: list[str] = Field(
        description="The kinds of pipeline.csv it takes: a registry row is of the one project "
        "kind whose registry_kinds hold its kind and whose segment is its segment"
    )
    segment: str | None = Field(
        description="The segment of pipeline.csv it takes (null: rows without a segment)"
    )
    vehicle: bool = Field(
        description="A vehicle plant: capacity in veh/yr (pipeline.default_capacity where none "
        "is published), counted in the vehicle assembly capacity"
    )
    vehicle_class: str | None = Field(
        description="The vehicle class it builds, when the chain models it: its output mix gives "
        "production, capex and jobs per vehicle where none are published; null: capacity only"
    )
    capacity_label: str | None = Field(
        description="For a vehicle plant of a class the chain does not model, the name its "
        "capacity is reported under (Capacity|Vehicle Assembly|<capacity_label>); null otherwise"
    )
    cells: bool = Field(
        description="Makes battery cells: its capacity supplies the cells production needs; "
        "capex and jobs per GWh where none are published"
    )
    packs: bool = Field(description="Assembles battery packs (reported as pack capacity)")


class _Stage(_Member):
    building: bool = Field(
        description="A site is being built or runs: a project at a stage that is not building "
        "spends nothing up to the base year"
    )
    producing: bool = Field(
        description="The plant makes vehicles or cells: a project at this stage with no start "
        "year produces from before the model years, and where it publishes no capex or jobs "
        "none are assumed for it (it is not a new plant)"
    )


#: Each dimension of ``dimensions.yaml``, the model of its members, and what it means.
_KINDS: dict[str, tuple[type[_Member], str]] = {
    "classes": (_Class, "vehicle classes"),
    "class_totals": (_ClassTotal, "totals over vehicle classes that results report"),
    "fuels": (_Fuel, "fuels and energy carriers"),
    "powertrain_groups": (_Group, "groups of powertrains for production and the pipeline"),
    "statistics_groups": (_StatisticsGroup, "the statistics office's groups of the stock by fuel"),
    "powertrains": (_Powertrain, "powertrains"),
    "blocs": (_Bloc, "trade blocs"),
    "origins": (_Origin, "where vehicles sold at home are built"),
    "destinations": (_Destination, "where vehicles built at home are exported to"),
    "chemistries": (_Member, "battery cell chemistries"),
    "materials": (_Member, "battery materials"),
    "project_kinds": (_ProjectKind, "what a project of the pipeline registry makes"),
    "stages": (_Stage, "stages of an investment project, earliest first"),
}

#: Attributes that name members of another dimension: (dimension, attribute) -> target.
_REFERENCES: dict[tuple[str, str], str] = {
    ("class_totals", "classes"): "classes",
    ("powertrains", "classes"): "classes",
    ("powertrains", "group"): "powertrain_groups",
    ("powertrains", "statistics_group"): "statistics_groups",
    ("powertrains", "fuel"): "fuels",
    ("powertrains", "converted_from"): "powertrains",
    ("powertrain_groups", "tax_otherwise"): "powertrain_groups",
    ("origins", "blocs"): "blocs",
    ("destinations", "blocs"): "blocs",
    ("project_kinds", "vehicle_class"): "classes",
}


@dataclass(frozen=True)
class AttributeSpec:
    """One attribute of a dimension's members, as this module declares it.

    ``annotation`` is its Python type (``bool``, ``str``, ``str | None``,
    ``list[str]``); ``references`` the dimension whose ids it holds, if any.
    """

    name: str
    annotation: Any
    references: str | None
    description: str


@dataclass(frozen=True)
class DimensionSpec:
    """One dimension ``dimensions.yaml`` declares: what its members are and their attributes."""

    name: str
    meaning: str
    attributes: tuple[AttributeSpec, ...]


def _specs(name: str, model: type[_Member], skip: tuple[str, ...]) -> tuple[AttributeSpec, ...]:
    return tuple(
        AttributeSpec(
            attribute,
            info.annotation,
            _REFERENCES.get((name, attribute)),
            info.description or "",
        )
        for attribute, info in model.model_fields.items()
        if attribute not in skip
    )


def member_fields() -> tuple[AttributeSpec, ...]:
    """The fields every member of every dimension has (``label``, ``description``)."""
    return _specs("", _Member, ())


def dimension_specs() -> tuple[DimensionSpec, ...]:
    """Every dimension of ``dimensions.yaml``, in order, with its members' own attributes.

    The attributes are those besides :func:`member_fields`, each with its type,
    the dimension it refers to and what the model does with it
    (``docs/dataset.md`` is generated from them).

    Examples
    --------
    >>> [a.name for a in dimension_specs()[2].attributes]
    ['liquid']
    """
    common = tuple(_Member.model_fields)
    return tuple(
        DimensionSpec(name, meaning, _specs(name, model, common))
        for name, (model, meaning) in _KINDS.items()
    )


# --------------------------------------------------------------------------
# What code sees
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One member of a dimension: its id, label, description and attributes."""

    id: str
    label: str
    description: str
    attributes: Mapping[str, Any]


@dataclass(frozen=True)
class Dimension:
    """The ordered members of one dimension."""

    name: str
    members: tuple[Member, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        """The members' ids, in order."""
        return tuple(m.id for m in self.members)

    def __len__(self) -> int:
        return len(self.members)

    def __contains__(self, item: object) -> bool:
        return item in self.ids

    def member(self, id_: str) -> Member:
        """The member ``id_``; an :class:`InputError` naming the known ids if there is none."""
        for m in self.members:
            if m.id == id_:
                return m
        msg = f"{self.name}: no member {id_!r}; the members are {', '.join(self.ids)}"
        raise InputError(msg)

    def index(self, id_: str) -> int:
        """Position of member ``id_`` along this dimension's axis."""
        return self.members.index(self.member(id_))

    def label(self, id_: str) -> str:
        """The label results show for member ``id_``."""
        return self.member(id_).label

    def labels(self) -> dict[str, str]:
        """Label by id, in order."""
        return {m.id: m.label for m in self.members}

    def where(self, **attributes: Any) -> tuple[str, ...]:
        """Ids of the members whose attributes equal the given values, in order.

        An attribute that is a list matches when it contains the value
        (``where(classes="car")``, ``where(blocs="eu_customs_union")``).
        """
        for name in attributes:
            self._check_attribute(name)
        return tuple(
            m.id
            for m in self.members
            if all(_matches(m.attributes[k], v) for k, v in attributes.items())
        )

    def column(self, name: str) -> np.ndarray:
        """Attribute ``name`` of every member, in order, as an array (member,)."""
        self._check_attribute(name)
        return np.array([m.attributes[name] for m in self.members])

    def mask(self, **attributes: Any) -> np.ndarray:
        """Boolean array (member,): True where :meth:`where` would list the member."""
        chosen = set(self.where(**attributes))
        return np.array([m.id in chosen for m in self.members])

    def _check_attribute(self, name: str) -> None:
        known = sorted(self.members[0].attributes) if self.members else []
        if name not in known:
            msg = f"{self.name} have no attribute {name!r}; they have {', '.join(known) or 'none'}"
            raise InputError(msg)


def _matches(value: Any, wanted: Any) -> bool:
    return wanted in value if isinstance(value, list) else bool(value == wanted)


@dataclass(frozen=True)
class Dims:
    """Every dimension of a dataset (``dimensions.yaml``)."""

    classes: Dimension
    class_totals: Dimension
    fuels: Dimension
    powertrain_groups: Dimension
    statistics_groups: Dimension
    powertrains: Dimension
    blocs: Dimension
    origins: Dimension
    destinations: Dimension
    chemistries: Dimension
    materials: Dimension
    project_kinds: Dimension
    stages: Dimension

    NAMES: ClassVar[tuple[str, ...]] = tuple(_KINDS)

    @property
    def home(self) -> str:
        """Id of the home origin (the country the dataset describes)."""
        return self.origins.where(home=True)[0]

    def sold_in(self, vehicle_class: str) -> tuple[str, ...]:
        """Ids of the powertrains sold in a vehicle class (its id in their ``classes``), in order.

        Examples
        --------
        >>> from evhub.dataset import load_dataset
        >>> dims = load_dataset().dims  # the shipped classes are sold every powertrain
        >>> [dims.sold_in(c) == dims.powertrains.ids for c in dims.classes.ids]
        [True, True]
        """
        self.classes.member(vehicle_class)  # refuses an unknown class
        return self.powertrains.where(classes=vehicle_class)

    def in_union_with_home(self, dimension: str) -> tuple[str, ...]:
        """Members of ``origins`` or ``destinations`` in a duty-free bloc with the home country."""
        home_blocs = set(self.origins.member(self.home).attributes["blocs"])
        free = {b for b in home_blocs if self.blocs.member(b).attributes["duty_free"]}
        dim: Dimension = getattr(self, dimension)
        return tuple(
            m.id for m in dim.members if m.id != self.home and free & set(m.attributes["blocs"])
        )


# --------------------------------------------------------------------------
# Reading and checking
# --------------------------------------------------------------------------

_EU_CVD = "the origin of the cars the EU countervailing duty <class>.trade.eu_cvd is levied on"


def load_dims(path: Path, sources: Mapping[str, Any] | None = None) -> Dims:
    """Read and check a dataset's ``dimensions.yaml``.

    Parameters
    ----------
    path
        The file.
    sources
        The dataset's bibliography by id; a member's ``source`` must be one of
        them (not checked when ``None``).

    Raises
    ------
    InputError
        Listing every problem, each naming the file, the dimension, the
        member, the field and the value.
    """
    raw = read_yaml(path)
    where = str(path)
    if not isinstance(raw, Mapping):
        msg = f"{where}: expected a mapping of dimensions, got {type(raw).__name__}"
        raise InputError(msg)
    problems: list[str] = []
    unknown = [str(k) for k in raw if k not in _KINDS]
    problems += [
        f"{where}: unknown dimension {k!r}; the dimensions are {', '.join(_KINDS)}" for k in unknown
    ]
    problems += [
        f"{where}: dimension {k!r} is missing ({_KINDS[k][1]})" for k in _KINDS if k not in raw
    ]
    dims: dict[str, Dimension] = {}
    for name, (model, _) in _KINDS.items():
        if name in raw:
            dims[name] = _dimension(where, name, raw[name], model, problems)
    if not problems:
        _check_references(where, dims, sources, problems)
    if problems:
        raise InputError("\n".join(problems))
    return Dims(**dims)


def _dimension(
    where: str, name: str, raw: Any, model: type[_Member], problems: list[str]
) -> Dimension:
    if not isinstance(raw, Mapping) or not raw:
        problems.append(f"{where}: {name}: expected a mapping of id -> attributes, got {raw!r}")
        return Dimension(name, ())
    members = []
    for id_, fields in raw.items():
        if not isinstance(id_, str) or not _ID.match(id_):
            problems.append(
                f"{where}: {name}: id {id_!r} is not lower-case letters, digits and underscores"
            )
            continue
        try:
            checked = model.model_validate(fields)
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"]) or "(member)"
                value = err.get("input")
                problems.append(f"{where}: {name}.{id_}.{field} = {value!r}: {err['msg']}")
            continue
        values = checked.model_dump()
        label, description = values.pop("label"), values.pop("description")
        members.append(Member(id_, label, description, values))
    return Dimension(name, tuple(members))


def _check_references(
    where: str,
    dims: Mapping[str, Dimension],
    sources: Mapping[str, Any] | None,
    problems: list[str],
) -> None:
    for (name, attribute), target in _REFERENCES.items():
        known = dims[target].ids
        for m in dims[name].members:
            value = m.attributes[attribute]
            refs = value if isinstance(value, list) else [] if value is None else [value]
            problems += [
                f"{where}: {name}.{m.id}.{attribute} = {ref!r}: not one of the {target} "
                f"({', '.join(known)})"
                for ref in refs
                if ref not in known
            ]
    for m in dims["class_totals"].members:
        parts = m.attributes["classes"]
        if not parts or len(set(parts)) != len(parts):
            problems.append(
                f"{where}: class_totals.{m.id}.classes = {parts!r}: expected one or more "
                "vehicle classes, each once"
            )
    for c in dims["classes"].ids:
        if not dims["powertrains"].where(classes=c):
            problems.append(
                f"{where}: classes.{c}: no powertrain is sold in it (no powertrain lists "
                f"{c!r} in its classes); each vehicle class sells at least one powertrain"
            )
    for attribute, meaning in (("home", "the home country"), ("eu_cvd", _EU_CVD)):
        chosen = dims["origins"].where(**{attribute: True})
        if len(chosen) != 1:
            problems.append(
                f"{where}: origins: exactly one origin must have {attribute}: true ({meaning}), "
                f"found {len(chosen)} ({', '.join(chosen) or 'none'})"
            )
    for m in dims["project_kinds"].members:
        a = m.attributes
        unmodelled = a["vehicle"] and a["vehicle_class"] is None
        if unmodelled != (a["capacity_label"] is not None):
            need = "needs a" if unmodelled else "takes no"
            problems.append(
                f"{where}: project_kinds.{m.id}.capacity_label = {a['capacity_label']!r}: a kind "
                f"that is {'' if a['vehicle'] else 'not '}a vehicle plant of "
                f"{'no modelled class' if unmodelled else 'a modelled class or none'} {need} "
                "capacity_label"
            )
    if sources is not None:
        for m in dims["blocs"].members:
            if m.attributes["source"] not in sources:
                problems.append(
                    f"{where}: blocs.{m.id}.source = {m.attributes['source']!r}: "
                    "not an id of sources.yaml"
                )


# --------------------------------------------------------------------------
# Key columns of the data tables
# --------------------------------------------------------------------------


def select_keys(dims: Dims, spec: Any) -> list[str]:
    """The values a key column of a data table may take, from a schema selector.

    ``spec`` is either a list of literal values (``[""]``: only the total) or a
    selector of a dimension's members::

        {dimension: powertrains}                          # every powertrain
        {dimension: powertrains, where: {plug: true}}     # those with a plug
        {dimension: powertrains, unless: {fuel: null}}    # those that burn a fuel
        {dimension: origins, where: {home: false}, total: true}  # '' and the imports' origins
        {dimension: destinations, union_with_home: true}  # in a duty-free bloc with home

    ``total: true`` adds ``""`` (the row of all members together) first;
    ``union_with_home: true`` keeps the members of ``origins`` or
    ``destinations`` in a duty-free bloc with the home country
    (:meth:`Dims.in_union_with_home`).

    Examples
    --------
    >>> from evhub.dataset import load_dataset
    >>> select_keys(load_dataset().dims, {"dimension": "powertrains", "where": {"battery": True}})
    ['hev', 'phev', 'bev']
    """
    if isinstance(spec, list):
        return [str(v) for v in spec]
    dim: Dimension = getattr(dims, spec["dimension"])
    ids = dim.where(**(spec.get("where") or {}))
    if spec.get("unless"):
        excluded = set(dim.where(**spec["unless"]))
        ids = tuple(i for i in ids if i not in excluded)
    if spec.get("union_with_home"):
        union = set(dims.in_union_with_home(spec["dimension"]))
        ids = tuple(i for i in ids if i in union)
    return ([""] if spec.get("total") else []) + list(ids)

"""The IAMC variables: each one's name, unit and how it is computed from labelled results.

:func:`iamc_variables` is the one definition of the variables of ``iamc.csv``,
the ensemble's members and quantiles, and the store: each maps the labelled
arrays of :func:`evhub.compose.to_dataset` to an array with dims ``run`` and
``year`` in the variable's unit. Names are pipe-separated (pyam's IAMC
format); a parent comes right before its children and equals their sum,
except for the parts in :func:`memo_variables`.

The names are not written here: each variable is a template of the
definitions (``data/definitions/variable/*.yaml``) whose tags
(``Sales|{Vehicle Class}|{Powertrain}``, :data:`evhub.definitions.TAGS`) are
filled with the labels of the dataset's dimensions, while its getter selects
the members by id. The unit and the memo flag come from the definitions too,
so a variable this module computes and one the definitions declare cannot
differ.

A vehicle class's own results have the dim ``vehicle_class``. The getter of a
variable whose name holds the tag ``{Vehicle Class}`` reads the results of
that class only (:func:`_build` selects them, so the getters below are
written for one class); a variable without the tag that reads a class's
results (``Battery|Demand|Sales``) sums them over the classes itself. A
total over classes (``class-total: true`` in the definitions, the tag
``{Class Total}``) is the sum of its classes' variables and comes right after
the last of them.

Examples
--------
>>> from evhub.dataset import load_dataset
>>> names = iamc_names(load_dataset().dims)
>>> names[:4]  # doctest: +NORMALIZE_WHITESPACE
('Sales|Passenger Cars', 'Sales|Light Commercial Vehicles', 'Sales|Light-Duty Vehicles',
 'Sales|Passenger Cars|Petrol')
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, NamedTuple

import xarray as xr

from evhub.definitions import TAGS, Definition, fill_tags, load_definitions, tag_ids, tags
from evhub.dims import Dimension, Dims
from evhub.errors import InputError
from evhub.model import indicators

__all__ = [
    "MODEL",
    "Getter",
    "fill_members",
    "fill_names",
    "fill_one",
    "iamc_names",
    "iamc_variables",
    "lead_class",
    "memo_variables",
    "scorecard_indicators",
]

#: The model's name in the IAMC tables (column ``Model``).
MODEL = "evhub"
_PCT = 100.0
_BN = 1e9
_PJ_PER_TWH = 3.6

#: How a variable is computed from the labelled arrays of :func:`evhub.compose.to_dataset`.
Getter = Callable[[xr.Dataset], xr.DataArray]
#: A getter from the member ids the tags of a template stand for.
_Make = Callable[[Mapping[str, str]], Getter]

#: The tag of the destination of exports in a duty-free bloc with the home country
#: (:data:`evhub.definitions.TAGS`): the results have exactly one.
_UNION = "Union"
#: The tag of the vehicle classes, and the dim of a class's own results.
_CLASS_TAG = "Vehicle Class"
_VEHICLE_CLASS = "vehicle_class"


# --------------------------------------------------------------------------
# Getters
# --------------------------------------------------------------------------


def _var(var: str, scale: float | None = None) -> Getter:
    def get(ds: xr.Dataset) -> xr.DataArray:
        return ds[var] if scale is None else ds[var] * scale

    return get


def _total(var: str) -> Getter:
    """A vehicle class's result summed over the classes (NaN stays NaN)."""

    def get(ds: xr.Dataset) -> xr.DataArray:
        return ds[var].sum(_VEHICLE_CLASS, skipna=False)

    return get


def _by(var: str, dim: str, key: str | None) -> Getter:
    def get(ds: xr.Dataset) -> xr.DataArray:
        arr = ds[var]
        return arr.sum(dim, skipna=False) if key is None else arr.sel({dim: key})

    return get


def _cumulative_investment(ds: xr.Dataset) -> xr.DataArray:
    """Investment realised from the first model year to each year [million USD_2025]."""
    return ds["investment"].cumsum("year")


def _capacity(kinds: tuple[str, ...]) -> Getter:
    def get(ds: xr.Dataset) -> xr.DataArray:
        arr = ds["capacity"]
        return arr.where(arr["project_kind"].isin(list(kinds)), 0.0).sum("project")

    return get


def _pt(var: str, pt: str | None) -> Getter:
    def get(ds: xr.Dataset) -> xr.DataArray:
        arr = ds[var]
        return arr.sum("powertrain") if pt is None else arr.sel(powertrain=pt)

    return get


def _ev_share(var: str, plugged: tuple[str, ...]) -> Getter:
    def get(ds: xr.Dataset) -> xr.DataArray:
        arr = ds[var]
        return (
            indicators.ev_share(
                arr.sel(powertrain=list(plugged)).sum("powertrain"), arr.sum("powertrain")
            )
            * _PCT
        )

    return get


def _final_energy(fuel: str | None) -> Getter:
    def get(ds: xr.Dataset) -> xr.DataArray:
        if fuel is None:
            return ds["fuel_energy"].sum("fuel") + ds["electricity"] * _PJ_PER_TWH
        return ds["fuel_energy"].sel(fuel=fuel)

    return get


def _material(m: str | None) -> Getter:
    total = _total("materials")

    def get(ds: xr.Dataset) -> xr.DataArray:
        arr = total(ds)
        return arr.sum("material") if m is None else arr.sel(material=m)

    return get


def _uncollected(ds: xr.Dataset) -> xr.DataArray:
    retired, second_life, recycling = (
        _total(var)(ds) for var in ("battery_retired", "battery_second_life", "battery_recycling")
    )
    return retired - second_life - recycling


def _plugged_production(groups: tuple[str, ...]) -> Getter:
    def get(ds: xr.Dataset) -> xr.DataArray:
        return ds["production"].sel({"class": list(groups)}).sum("class", skipna=False)

    return get


def _exports_outside_union(ds: xr.Dataset) -> xr.DataArray:
    return ds["exports"].sum("class") - ds["exports_eu"]


def _fixed(get: Getter) -> _Make:
    """A getter that does not depend on the tags' members."""
    return lambda _ids: get


# --------------------------------------------------------------------------
# The templates
# --------------------------------------------------------------------------


class _Template(NamedTuple):
    """A variable template, how to compute each variable it stands for, and its order."""

    name: str
    make: _Make
    reverse: tuple[str, ...] = ()
    """Tags whose members are listed last first."""


def _templates(dims: Dims) -> tuple[_Template, ...]:
    """Every variable template, in the order of the IAMC tables."""
    plugged = dims.powertrains.where(plug=True)
    plugged_groups = tuple(
        dict.fromkeys(dims.powertrains.member(p).attributes["group"] for p in plugged)
    )
    grid = dims.fuels.where(liquid=False)
    if len(grid) != 1:
        msg = (
            f"dimensions: fuels: expected one fuel that is not liquid (drawn from the grid), "
            f"found {len(grid)} ({', '.join(grid) or 'none'})"
        )
        raise InputError(msg)
    kinds = dims.project_kinds
    cls = "{Vehicle Class}"
    return (
        _Template(f"Sales|{cls}", _fixed(_pt("sales", None))),
        _Template(f"Sales|{cls}|{{Powertrain}}", lambda i: _pt("sales", i["Powertrain"])),
        _Template(f"Stock|{cls}", _fixed(_pt("stock", None))),
        _Template(f"Stock|{cls}|{{Powertrain}}", lambda i: _pt("stock", i["Powertrain"])),
        _Template(f"Retirements|{cls}", _fixed(_pt("retirements", None))),
        _Template(f"Share|Sales|{cls}|EV", _fixed(_ev_share("sales", plugged))),
        _Template(f"Share|Stock|{cls}|EV", _fixed(_ev_share("stock", plugged))),
        _Template(f"Ownership|{cls}", _fixed(_var("ownership"))),
        _Template(
            f"Activity|{cls}",
            _fixed(lambda ds: ds["vehicle_km"].sum("powertrain") / _BN),
        ),
        _Template(f"Final Energy|{cls}", _fixed(_final_energy(None))),
        _Template(f"Final Energy|{cls}|{{Fuel}}", lambda i: _final_energy(i["Fuel"])),
        _Template(f"Final Energy|{cls}|{{Grid Fuel}}", _fixed(_var("electricity", _PJ_PER_TWH))),
        _Template(f"Electricity Demand|{cls}", _fixed(_var("electricity"))),
        _Template(
            f"Emissions|CO2|{cls}",
            _fixed(lambda ds: ds["co2_tank_to_wheel"] + ds["co2_electricity"]),
        ),
        _Template(f"Emissions|CO2|{cls}|Tank-to-Wheel", _fixed(_var("co2_tank_to_wheel"))),
        _Template(f"Emissions|CO2|{cls}|{{Grid Fuel}}", _fixed(_var("co2_electricity"))),
        _Template(f"Target|Emissions|CO2|{cls}", _fixed(_var("co2_target"))),
        _Template("Carbon Intensity|{Grid Fuel}", _fixed(_var("grid_intensity"))),
        _Template("Battery|Demand|Sales", _fixed(_total("battery_demand"))),
        _Template(f"Battery|Demand|Sales|{cls}", _fixed(_var("battery_demand"))),
        _Template("Battery|Retired", _fixed(_total("battery_retired"))),
        _Template("Battery|Retired|Second Life", _fixed(_total("battery_second_life"))),
        _Template("Battery|Retired|Recycling Feed", _fixed(_total("battery_recycling"))),
        _Template("Battery|Retired|Uncollected", _fixed(_uncollected)),
        _Template("Material Demand|Batteries", _fixed(_material(None))),
        _Template("Material Demand|Batteries|{Material}", lambda i: _material(i["Material"])),
        _Template("Capacity|Vehicle Assembly", _fixed(_capacity(kinds.where(vehicle=True)))),
        _Template(
            f"Capacity|Vehicle Assembly|{cls}",
            lambda i: _capacity(kinds.where(vehicle_class=i["Vehicle Class"])),
        ),
        *(
            _Template(
                f"Capacity|Vehicle Assembly|{kinds.member(kind).attributes['capacity_label']}",
                _fixed(_capacity((kind,))),
            )
            for kind in kinds.where(vehicle=True, vehicle_class=None)
        ),
        _Template("Capacity|Battery Cells", _fixed(_capacity(kinds.where(cells=True)))),
        _Template("Capacity|Battery Packs", _fixed(_capacity(kinds.where(packs=True)))),
        _Template(f"Production|{cls}", _fixed(_by("production", "class", None))),
        _Template(
            f"Production|{cls}|{{Powertrain Group}}",
            lambda i: _by("production", "class", i["Powertrain Group"]),
            reverse=("Powertrain Group",),
        ),
        _Template(f"Production|{cls}|EV", _fixed(_plugged_production(plugged_groups))),
        _Template(f"Sales|{cls}|Domestic Production", _fixed(_by("domestic_sales", "class", None))),
        _Template(f"Exports|{cls}", _fixed(_by("exports", "class", None))),
        _Template(f"Exports|{cls}|{{{_UNION}}}", _fixed(_var("exports_eu"))),
        _Template(f"Exports|{cls}|Non-{{{_UNION}}}", _fixed(_exports_outside_union)),
        _Template(f"Imports|{cls}", _fixed(_by("imports", "origin", None))),
        _Template(f"Imports|{cls}|{{Origin}}", lambda i: _by("imports", "origin", i["Origin"])),
        _Template(f"Trade Balance|{cls}", _fixed(_var("trade_balance"))),
        _Template(f"Price|{cls}|{{Powertrain}}", lambda i: _pt("price", i["Powertrain"])),
        _Template("Investment|Realised", _fixed(_var("investment"))),
        _Template("Investment|Realised|Cumulative", _fixed(_cumulative_investment)),
        _Template("Employment|Plants", _fixed(_var("employment"))),
        _Template("Battery|Demand|Domestic Production", _fixed(_total("cell_demand"))),
        _Template("Battery|Cell Supply|Domestic", _fixed(_var("cell_supply"))),
        _Template("Battery|Cell Imports", _fixed(_var("cell_imports"))),
        _Template(
            "Share|Battery Cells|Self-Sufficiency", _fixed(_var("cell_self_sufficiency", _PCT))
        ),
    )


# --------------------------------------------------------------------------
# Expanding the templates over the dimensions
# --------------------------------------------------------------------------


def _members(dims: Dims) -> dict[str, tuple[tuple[str, str], ...]]:
    """Each tag's members as (id, label), in member order."""
    union = dims.in_union_with_home("destinations")
    if len(union) != 1:
        msg = (
            "dimensions: destinations: expected one destination in a duty-free bloc with "
            f"the home country (exports_eu), found {len(union)} ({', '.join(union) or 'none'})"
        )
        raise InputError(msg)
    out: dict[str, tuple[tuple[str, str], ...]] = {}
    for tag, ids in tag_ids(dims).items():
        dim = _dimension(dims, tag)
        out[tag] = tuple((i, dim.label(i)) for i in ids)
    return out


def _expand(
    name: str, members: Mapping[str, tuple[tuple[str, str], ...]], reverse: tuple[str, ...] = ()
) -> list[tuple[str, dict[str, str]]]:
    """Each (name, {tag: member id}) a template stands for, in order."""
    used = tags(name)
    unknown = [t for t in used if t not in members]
    if unknown:
        msg = f"variable template {name!r}: unknown tag(s) {unknown}; the tags are {list(members)}"
        raise InputError(msg)
    axes = [members[t][::-1] if t in reverse else members[t] for t in used]
    out = []
    for combo in itertools.product(*axes):
        labels = {t: label for t, (_, label) in zip(used, combo, strict=True)}
        ids = {t: id_ for t, (id_, _) in zip(used, combo, strict=True)}
        out.append((fill_tags(name, labels), ids))
    return out


def fill_members(template: str, dims: Dims) -> list[tuple[str, dict[str, str]]]:
    """Each name a template stands for, with the id of the member each tag stands for.

    In member order, as :func:`fill_names` (which gives the names only).

    Examples
    --------
    >>> from evhub.dataset import load_dataset
    >>> fill_members("Stock|{Vehicle Class}|{Powertrain}", load_dataset().dims)[5]
    ('Stock|Passenger Cars|BEV', {'Vehicle Class': 'car', 'Powertrain': 'bev'})
    """
    return _expand(template, _members(dims))


def fill_one(
    templates: Sequence[str],
    dims: Dims,
    select: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    what: str = "template",
    vehicle_class: str | None = None,
) -> list[str]:
    """Templates filled with one member per tag: the one ``select`` picks, or the only one.

    Parameters
    ----------
    templates
        Texts with tags of :data:`evhub.definitions.TAGS`; a tag used in
        several of them stands for the same member in each.
    dims
        The dataset's dimensions.
    select
        By tag, the attributes of the member it stands for
        (``{"Powertrain": {"plug": True, "fuel": None}}``: the battery-electric
        powertrain); a tag not in it must have one member, except
        ``{Vehicle Class}``, which stands for ``vehicle_class``.
    what
        What the templates are, for messages (``scorecard indicator 'EVs built'``).
    vehicle_class
        The id of the class ``{Vehicle Class}`` stands for; the dataset's
        first class (:func:`lead_class`) by default.

    Returns
    -------
    list of str
        The filled texts, in the order of ``templates``.

    Raises
    ------
    InputError
        If a tag is unknown, or stands for no member or for several.

    Examples
    --------
    >>> from evhub.dataset import load_dataset
    >>> fill_one(["Stock|{Vehicle Class}|{Powertrain}"], load_dataset().dims,
    ...          {"Powertrain": {"plug": True, "fuel": None}})
    ['Stock|Passenger Cars|BEV']
    """
    members = _members(dims)
    chosen: dict[str, str] = {}
    for tag in dict.fromkeys(t for text in templates for t in tags(text)):
        if tag not in members:
            msg = f"{what}: unknown tag {{{tag}}}"
            raise InputError(msg)
        pool = members[tag]
        if select and tag in select:
            dim = _dimension(dims, tag)
            wanted = set(dim.where(**dict(select[tag])))
            pool = tuple(m for m in pool if m[0] in wanted)
        elif tag == _CLASS_TAG:
            chosen_class = lead_class(dims) if vehicle_class is None else vehicle_class
            pool = tuple(m for m in pool if m[0] == chosen_class)
        if len(pool) != 1:
            msg = (
                f"{what}: tag {{{tag}}} must select one member, "
                f"found {len(pool)} ({', '.join(i for i, _ in pool) or 'none'})"
            )
            raise InputError(msg)
        chosen[tag] = pool[0][1]
    return [fill_tags(text, chosen) for text in templates]


def lead_class(dims: Dims) -> str:
    """The vehicle class the scenarios' goals and the dashboard's headlines speak of.

    The first class of the dataset. The scorecard and the charts show every
    class; the national goals (``targets.cars_built``, ``targets.evs_built``,
    ``targets.eu_exports``) are checked against this class's results, and the
    dashboard's headline numbers are this class's.

    Examples
    --------
    >>> from evhub.dataset import load_dataset
    >>> lead_class(load_dataset().dims)
    'car'
    """
    return dims.classes.ids[0]


def fill_names(template: str, dims: Dims) -> list[str]:
    """The variable names a template with tags stands for, in member order.

    Parameters
    ----------
    template
        A variable name with tags of :data:`evhub.definitions.TAGS` (``{Union}``:
        the export destination in a duty-free bloc with home).
    dims
        The dataset's dimensions.

    Examples
    --------
    >>> from evhub.dataset import load_dataset
    >>> fill_names("Stock|{Vehicle Class}", load_dataset().dims)
    ['Stock|Passenger Cars', 'Stock|Light Commercial Vehicles']
    """
    return [name for name, _ in _expand(template, _members(dims))]


#: Variables already built, by the dimensions they were built for (their
#: ``repr``: equal dimensions, as a worker process unpickles them, share one entry).
_CACHE: dict[str, tuple[dict[str, tuple[str, Getter]], frozenset[str]]] = {}


#: The results of each vehicle class of the labelled results last read
#: (:func:`_class_view`): the variables of one class are read one after the other.
_VIEWS: list[tuple[weakref.ref[xr.Dataset], dict[str, xr.Dataset]]] = []


def _forget(ref: weakref.ref[xr.Dataset]) -> None:
    """Drop the views of labelled results no longer alive (they hold their arrays)."""
    if _VIEWS and _VIEWS[0][0] is ref:
        _VIEWS.clear()


def _class_view(ds: xr.Dataset, vehicle_class: str) -> xr.Dataset:
    """The results with a class's own results of one vehicle class (no ``vehicle_class`` dim).

    Kept while the labelled results live and are the last read, so each class
    is selected once however many variables read it.
    """
    held = next(iter(_VIEWS), None)  # (another thread may clear it meanwhile)
    if held is None or held[0]() is not ds:
        held = (weakref.ref(ds, _forget), {})
        _VIEWS[:] = [held]
    views = held[1]
    view = views.get(vehicle_class)
    if view is None:
        view = views[vehicle_class] = ds.sel({_VEHICLE_CLASS: vehicle_class}, drop=True)
    return view


def _of_class(get: Getter, vehicle_class: str) -> Getter:
    """A getter written for one class's results, reading those of ``vehicle_class``."""

    def of_class(ds: xr.Dataset) -> xr.DataArray:
        return get(_class_view(ds, vehicle_class))

    return of_class


def _build(dims: Dims) -> tuple[dict[str, tuple[str, Getter]], frozenset[str]]:
    key = repr(dims)
    if key in _CACHE:
        return _CACHE[key]
    members = _members(dims)  # first: its message names a missing union destination
    definitions = load_definitions(dims)
    variables: dict[str, tuple[str, Getter]] = {}
    for template in _templates(dims):
        for name, ids in _expand(template.name, members, template.reverse):
            if name not in definitions:
                msg = (
                    f"variable {name!r} (template {template.name!r}) is not in the "
                    "definitions (data/definitions/variable/*.yaml)"
                )
                raise InputError(msg)
            get = template.make(ids)
            if _CLASS_TAG in ids:
                get = _of_class(get, ids[_CLASS_TAG])
            variables[name] = (definitions[name].unit, get)
    variables = _with_class_totals(variables, definitions)
    memo = frozenset(name for name, d in definitions.items() if d.memo)
    if len(_CACHE) > 8:
        _CACHE.clear()
    _CACHE[key] = (variables, memo)
    return variables, memo


def _with_class_totals(
    variables: Mapping[str, tuple[str, Getter]], definitions: Mapping[str, Definition]
) -> dict[str, tuple[str, Getter]]:
    """``variables`` with each total over vehicle classes right after the last of its parts.

    A total (``class-total: true`` in the definitions: ``Sales|Light-Duty
    Vehicles``) is the sum of its classes' variables.
    """
    after: dict[str, list[str]] = {}
    for name, definition in definitions.items():
        if definition.class_parts is None:
            continue
        missing = [p for p in definition.class_parts if p not in variables]
        if missing:
            msg = f"variable {name!r} adds up {missing}, which evhub does not compute"
            raise InputError(msg)
        after.setdefault(definition.class_parts[-1], []).append(name)
    out: dict[str, tuple[str, Getter]] = {}
    for name, entry in variables.items():
        out[name] = entry
        for total in after.get(name, ()):
            parts = [variables[p][1] for p in definitions[total].class_parts or ()]
            out[total] = (definitions[total].unit, _sum_of(parts))
    return out


def _sum_of(parts: Sequence[Getter]) -> Getter:
    """The sum of the parts' values (NaN stays NaN)."""

    def get(ds: xr.Dataset) -> xr.DataArray:
        first, *rest = (part(ds) for part in parts)
        return sum(rest, first)

    return get


def iamc_variables(dims: Dims) -> Mapping[str, tuple[str, Getter]]:
    """Every IAMC variable of a dataset: name -> (unit, how to compute it), in table order.

    Parents come right before their children and equal their sum (except the
    parts in :func:`memo_variables`).

    Parameters
    ----------
    dims
        The dataset's dimensions (:attr:`evhub.dataset.Dataset.dims`).

    Raises
    ------
    InputError
        If a variable is not in the definitions.
    """
    return _build(dims)[0]


def iamc_names(dims: Dims) -> tuple[str, ...]:
    """The names of :func:`iamc_variables`, in their order.

    They are the rows of every IAMC table and the leading axis of an
    ensemble's chunks.
    """
    return tuple(iamc_variables(dims))


def memo_variables(dims: Dims) -> frozenset[str]:
    """Variables that are a part of their parent but not one of a complete split of it.

    Cars sold that were built in the country are a part of all cars sold
    (``memo: true`` in the definitions).
    """
    return _build(dims)[1]


# --------------------------------------------------------------------------
# The scorecard's indicators
# --------------------------------------------------------------------------


def scorecard_indicators(dims: Dims) -> tuple[indicators.Indicator, ...]:
    """The indicators of :data:`evhub.model.indicators.INDICATORS` for a dataset.

    Each indicator's label, variable and target are templates; their tags are
    filled with the labels of the members the indicator selects
    (:attr:`~evhub.model.indicators.Indicator.select`), or of the only member.
    An indicator of ``{Vehicle Class}`` stands for one indicator per class, in
    the classes' order; its scenario goal (``targets.<goal>``) stays with the
    lead class (:func:`lead_class`): the goals are national targets of that
    class.

    Examples
    --------
    >>> from evhub.dataset import load_dataset
    >>> [i.label for i in scorecard_indicators(load_dataset().dims)][4:6]
    ['BEV stock (Passenger Cars)', 'BEV stock (Light Commercial Vehicles)']
    """
    out = []
    lead = lead_class(dims)
    for ind in indicators.INDICATORS:
        texts = [ind.label, ind.variable, ind.target or ""]
        per_class = any(_CLASS_TAG in tags(text) for text in texts)
        for vehicle_class in dims.classes.ids if per_class else (None,):
            label, variable, target = fill_one(
                texts,
                dims,
                ind.select,
                what=f"scorecard indicator {ind.label!r}",
                vehicle_class=vehicle_class,
            )
            goal = ind.goal if vehicle_class in (None, lead) else None
            out.append(
                replace(
                    ind,
                    label=label,
                    variable=variable,
                    target=target or None,
                    goal=goal,
                    select={},
                    template=ind.label,
                    vehicle_class=vehicle_class,
                )
            )
    names = iamc_variables(dims)
    for ind in out:
        for name in (ind.variable, ind.target):
            if name is not None and name not in names:
                msg = f"scorecard indicator {ind.label!r}: {name!r} is not an IAMC variable"
                raise InputError(msg)
    return tuple(out)


def _dimension(dims: Dims, tag: str) -> Dimension:
    """The dimension whose members a tag stands for."""
    dim: Dimension = getattr(dims, str(TAGS[tag]["dimension"]))
    return dim

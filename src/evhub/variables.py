"""The IAMC variables: each one's name, unit and how it is computed from labelled results.

:func:`iamc_variables` is the one definition of the variables of ``iamc.csv``,
the ensemble's members and quantiles, and the store: each maps the labelled
arrays of :func:`evhub.compose.to_dataset` to an array with dims ``run`` and
``year`` in the variable's unit (a :class:`Getter`: computed in NumPy from the
results' :class:`Arrays`, which an ensemble's chunks call directly, with the
same bits as the labelled operations it stands for). Names are pipe-separated (pyam's IAMC
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

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from evhub.definitions import TAGS, Definition, fill_tags, load_definitions, tag_ids, tags
from evhub.dims import Dimension, Dims
from evhub.errors import InputError
from evhub.model import indicators

__all__ = [
    "MODEL",
    "Arrays",
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

#: The dims that may lead a result's named dims: a run's, and a scenario's in labelled results.
_LEAD = ("scenario", "run")
#: The tag of the destination of exports in a duty-free bloc with the home country
#: (:data:`evhub.definitions.TAGS`): the results have exactly one.
_UNION = "Union"
#: The tag of the vehicle classes, and the dim of a class's own results.
_CLASS_TAG = "Vehicle Class"
_VEHICLE_CLASS = "vehicle_class"

A = NDArray[Any]


class Arrays:
    """Results as NumPy arrays, each with its named trailing dims: what a getter reads.

    Made from labelled results (:meth:`of`): each array keeps the leading
    dims of ``run`` (and ``scenario``), so a getter computes every run (and
    scenario) at once; its named dims (``powertrain``, ``year``, ...) are
    found by name, counted from the end. A getter's NumPy operations are
    those xarray runs for the same labelled operation (a sum skipping NaN
    sums the array with its NaN set to 0), so a variable has the same bits
    either way.
    """

    def __init__(
        self,
        values: Mapping[str, A],
        dims: Mapping[str, tuple[str, ...]],
        coords: Mapping[str, tuple[Any, ...]],
    ) -> None:
        self.values = values
        self.dims = dims
        self.coords = coords
        self._classes: dict[str, Arrays] = {}

    @classmethod
    def of(cls, ds: xr.Dataset) -> Arrays:
        """The arrays of labelled results (no copy where their dims are in order)."""
        values: dict[str, A] = {}
        dims: dict[str, tuple[str, ...]] = {}
        for name, arr in ds.data_vars.items():
            lead = tuple(d for d in _LEAD if d in arr.dims)
            named = tuple(str(d) for d in arr.dims if d not in _LEAD)
            values[str(name)] = arr.transpose(*lead, *named).values
            dims[str(name)] = named
        coords = {str(k): tuple(v.values.tolist()) for k, v in ds.coords.items() if v.ndim == 1}
        return cls(values, dims, coords)

    def axis(self, var: str, dim: str) -> int:
        """The axis of ``dim`` in ``var``, counted from the end (negative)."""
        named = self.dims[var]
        return named.index(dim) - len(named)

    def index(self, dim: str, label: Any) -> int:
        """The position of ``label`` along ``dim``."""
        return self.coords[dim].index(label)

    def of_class(self, vehicle_class: str) -> Arrays:
        """The results with a class's own results of one vehicle class (views; memoised)."""
        view = self._classes.get(vehicle_class)
        if view is None:
            i = self.index(_VEHICLE_CLASS, vehicle_class)
            values = dict(self.values)
            dims = dict(self.dims)
            for var, named in self.dims.items():
                if _VEHICLE_CLASS in named:
                    values[var] = _pick(values[var], self.axis(var, _VEHICLE_CLASS), i)
                    dims[var] = tuple(d for d in named if d != _VEHICLE_CLASS)
            view = self._classes[vehicle_class] = Arrays(values, dims, self.coords)
        return view


def _pick(values: A, axis: int, i: int | list[int]) -> A:
    """``values`` at position(s) ``i`` of ``axis`` (negative): a view for one position."""
    key: tuple[Any, ...] = (Ellipsis, i, *(slice(None),) * (-axis - 1))
    out: A = values[key]
    return out


def _sum(values: A, axis: int, *, skipna: bool = True) -> A:
    """The sum along ``axis``; NaN counts as 0 with ``skipna`` (xarray's ``sum``)."""
    if skipna:
        values = np.where(np.isnan(values), 0.0, values)
    out: A = np.sum(values, axis=axis)
    return out


#: How a variable is computed from the results' arrays: an array (..., year).
Compute = Callable[[Arrays], A]
#: A compute from the member ids the tags of a template stand for.
_Make = Callable[[Mapping[str, str]], Compute]


class Getter:
    """How one IAMC variable is computed: from arrays (:meth:`array`) or labelled results.

    Called with labelled results (dims ``scenario``, ``run``, ``year``, ...),
    it returns the variable as a labelled array with their leading dims and
    ``year``.
    """

    def __init__(self, compute: Compute) -> None:
        self.array = compute

    def __call__(self, ds: xr.Dataset) -> xr.DataArray:
        """The variable of labelled results."""
        values = self.array(_arrays_of(ds))
        lead = [d for d in _LEAD if d in ds.dims]
        dims = (*lead, "year")
        coords = {d: ds[d].values for d in dims if d in ds.coords}
        return xr.DataArray(values, dims=dims, coords=coords)


#: The arrays of the labelled results last read (:func:`_arrays_of`): a table
#: reads every variable of the same results one after the other.
_LAST: list[tuple[weakref.ref[xr.Dataset], Arrays]] = []


def _forget(ref: weakref.ref[xr.Dataset]) -> None:
    """Drop the arrays of labelled results no longer alive (they hold their values)."""
    if _LAST and _LAST[0][0] is ref:
        _LAST.clear()


def _arrays_of(ds: xr.Dataset) -> Arrays:
    """:meth:`Arrays.of` labelled results, kept while they live and are the last read."""
    held = next(iter(_LAST), None)  # (another thread may clear it meanwhile)
    if held is None or held[0]() is not ds:
        held = (weakref.ref(ds, _forget), Arrays.of(ds))
        _LAST[:] = [held]
    return held[1]


# --------------------------------------------------------------------------
# Computing the variables
# --------------------------------------------------------------------------


def _var(var: str, scale: float | None = None) -> Compute:
    def get(a: Arrays) -> A:
        values = a.values[var]
        return values if scale is None else values * scale

    return get


def _total(var: str) -> Compute:
    """A vehicle class's result summed over the classes (NaN stays NaN)."""

    def get(a: Arrays) -> A:
        return _sum(a.values[var], a.axis(var, _VEHICLE_CLASS), skipna=False)

    return get


def _by(var: str, dim: str, key: str | None) -> Compute:
    def get(a: Arrays) -> A:
        axis = a.axis(var, dim)
        values = a.values[var]
        if key is None:
            return _sum(values, axis, skipna=False)
        return _pick(values, axis, a.index(dim, key))

    return get


def _cumulative_investment(a: Arrays) -> A:
    """Investment realised from the first model year to each year [million USD_2025]."""
    values = a.values["investment"]
    out: A = np.nancumsum(values, axis=a.axis("investment", "year"))
    return out


def _capacity(kinds: tuple[str, ...]) -> Compute:
    def get(a: Arrays) -> A:
        axis = a.axis("capacity", "project")
        chosen = np.isin(np.asarray(a.coords["project_kind"]), list(kinds))
        chosen = chosen.reshape(chosen.shape + (1,) * (-axis - 1))
        return _sum(np.where(chosen, a.values["capacity"], 0.0), axis)

    return get


def _pt(var: str, pt: str | None) -> Compute:
    def get(a: Arrays) -> A:
        axis = a.axis(var, "powertrain")
        values = a.values[var]
        return _sum(values, axis) if pt is None else _pick(values, axis, a.index("powertrain", pt))

    return get


def _ev_share(var: str, plugged: tuple[str, ...]) -> Compute:
    def get(a: Arrays) -> A:
        axis = a.axis(var, "powertrain")
        values = a.values[var]
        chosen = [a.index("powertrain", p) for p in plugged]
        share = indicators.ev_share(_sum(_pick(values, axis, chosen), axis), _sum(values, axis))
        return share * _PCT

    return get


def _final_energy(fuel: str | None) -> Compute:
    def get(a: Arrays) -> A:
        axis = a.axis("fuel_energy", "fuel")
        values = a.values["fuel_energy"]
        if fuel is None:
            return _sum(values, axis) + a.values["electricity"] * _PJ_PER_TWH
        return _pick(values, axis, a.index("fuel", fuel))

    return get


def _material(m: str | None) -> Compute:
    total = _total("materials")

    def get(a: Arrays) -> A:
        values = total(a)
        axis = a.axis("materials", "material")  # counted from the end: the same without the class
        return _sum(values, axis) if m is None else _pick(values, axis, a.index("material", m))

    return get


def _uncollected(a: Arrays) -> A:
    retired, second_life, recycling = (
        _total(var)(a) for var in ("battery_retired", "battery_second_life", "battery_recycling")
    )
    return retired - second_life - recycling


def _plugged_production(groups: tuple[str, ...]) -> Compute:
    def get(a: Arrays) -> A:
        axis = a.axis("production", "class")
        chosen = [a.index("class", g) for g in groups]
        return _sum(_pick(a.values["production"], axis, chosen), axis, skipna=False)

    return get


def _exports_outside_union(a: Arrays) -> A:
    exports = _sum(a.values["exports"], a.axis("exports", "class"))
    return exports - a.values["exports_eu"]


def _activity(a: Arrays) -> A:
    """Distance driven [bn km/yr]."""
    return _sum(a.values["vehicle_km"], a.axis("vehicle_km", "powertrain")) / _BN


def _co2(a: Arrays) -> A:
    """Tank-to-wheel CO2 and that of the electricity used [MtCO2/yr]."""
    out: A = a.values["co2_tank_to_wheel"] + a.values["co2_electricity"]
    return out


def _fixed(get: Compute) -> _Make:
    """A compute that does not depend on the tags' members."""
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
        _Template(f"Activity|{cls}", _fixed(_activity)),
        _Template(f"Final Energy|{cls}", _fixed(_final_energy(None))),
        _Template(f"Final Energy|{cls}|{{Fuel}}", lambda i: _final_energy(i["Fuel"])),
        _Template(f"Final Energy|{cls}|{{Grid Fuel}}", _fixed(_var("electricity", _PJ_PER_TWH))),
        _Template(f"Electricity Demand|{cls}", _fixed(_var("electricity"))),
        _Template(f"Emissions|CO2|{cls}", _fixed(_co2)),
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


def _of_class(compute: Compute, vehicle_class: str) -> Compute:
    """A compute written for one class's results, reading those of ``vehicle_class``."""

    def of_class(a: Arrays) -> A:
        return compute(a.of_class(vehicle_class))

    return of_class


def _build(dims: Dims) -> tuple[dict[str, tuple[str, Getter]], frozenset[str]]:
    key = repr(dims)
    if key in _CACHE:
        return _CACHE[key]
    members = _members(dims)  # first: its message names a missing union destination
    definitions = load_definitions(dims)
    variables: dict[str, tuple[str, Compute]] = {}
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
    built = {
        name: (unit, Getter(compute))
        for name, (unit, compute) in _with_class_totals(variables, definitions).items()
    }
    memo = frozenset(name for name, d in definitions.items() if d.memo)
    if len(_CACHE) > 8:
        _CACHE.clear()
    _CACHE[key] = (built, memo)
    return built, memo


def _with_class_totals(
    variables: Mapping[str, tuple[str, Compute]], definitions: Mapping[str, Definition]
) -> dict[str, tuple[str, Compute]]:
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
    out: dict[str, tuple[str, Compute]] = {}
    for name, entry in variables.items():
        out[name] = entry
        for total in after.get(name, ()):
            parts = [variables[p][1] for p in definitions[total].class_parts or ()]
            out[total] = (definitions[total].unit, _sum_of(parts))
    return out


def _sum_of(parts: Sequence[Compute]) -> Compute:
    """The sum of the parts' values (NaN stays NaN)."""

    def get(a: Arrays) -> A:
        first, *rest = (part(a) for part in parts)
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

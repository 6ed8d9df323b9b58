"""The parameter catalogue: every scenario parameter declared once (``data/parameters.csv``).

In the style of PyPSA's component attribute tables, each row of the catalogue
declares one parameter, or one family of parameters over a dimension of the
dataset, with these columns:

``path``
    The dotted path, a template: ``{name}`` stands for one key. A name bound
    in ``dims`` takes each member id of a dimension of the dataset
    (``energy.fuel_intensity.{powertrain}``, ``market.{powertrain}_share.ceiling``);
    an unbound name is a key the user chooses: ``{year}`` (a year after the
    base year), ``{operation_year}`` (a year of operation 1, 2, ...) or
    ``{project}`` (a project id of the registry).
``field``
    The field of the chain's typed parameters the row fills,
    ``group.name`` (``market.share_ceiling``: the field ``share_ceiling`` of
    :class:`evhub.model.parameters.MarketParameters`), or empty for a row the
    chain does not take (the scorecard's ``targets``). A row bound to a
    dimension fills a member axis in the dimension's order, a row keyed by a
    year or a year of operation an axis of the keys in order, a row keyed by
    a project an axis of the registry's projects
    (:func:`evhub.compose.chain_parameters`). Adding a parameter means this
    row, the field and the function that uses it.
``dims``
    The bindings of the template's names, ``name=selector`` separated by
    ``;``. A selector names a dimension of ``dimensions.yaml`` and optionally
    conditions on its members' attributes, as the key columns of
    ``schema.yaml`` do (:func:`evhub.dims.select_keys`):
    ``powertrains`` (every member), ``powertrains[plug=true]`` (those with a
    plug), ``powertrains[plug=true,fuel!=null]`` (with a plug and a fuel),
    ``origins[home=false]``. Values are ``true``, ``false``, ``null`` or an
    id; at most one condition is ``!=``. A name that only the default and
    the description use (``car.trade.eu_cvd``: ``origin=origins[eu_cvd=true]``)
    must select exactly one member.
``unit``
    The unit of the value, as the data files write it.
``type``
    ``number``, ``integer``, ``flag`` (true or false), ``text`` or
    ``choice(a|b|c)`` (one of the listed words); a trailing ``?`` means the
    parameter may be unset (``integer?``: no ICE ban).
``lower``, ``upper``, ``open``, ``reason``
    The validity bounds and why: physical or logical limits ("a share in
    0-100 %"), not the dataset's uncertainty ranges, so a policy scenario or a
    goal seek may go beyond the sampling range, never beyond these. ``open``
    is ``lower``, ``upper``, ``both`` or empty (both ends allowed). A bound may
    name a quantity of the dataset: ``first_year``, ``base_year`` and
    ``last_year`` of ``dataset.yaml``, or ``max_capacity`` (the largest
    capacity of the registry in the project's unit), optionally times a
    factor (``10*max_capacity``).
``default``
    Where the dataset default comes from (:mod:`evhub.scenario.defaults`):

    - ``table:variable[key=value,...]``: the latest row of a data table with
      those keys (``key=`` is the row of the total; ``{name}`` is the
      member the path was expanded for); ``@first`` takes the earliest row,
      ``@year`` the year of the latest rows, ``@each_year`` every row after
      the base year (for a ``{year}`` path);
    - ``assumptions``: the row of ``assumptions.csv`` with the path;
    - ``dataset.yaml``: the entry of ``defaults`` in ``dataset.yaml``;
    - ``stage_probabilities.csv``: the stage's probability of realisation;
    - empty: no default (the parameter may be unset).
``description``
    What the parameter means; ``{name}`` becomes the member's label.

The scenario models (:mod:`evhub.scenario.schema`), the paths and units
(:mod:`evhub.scenario.paths`), the defaults, ``evhub scenarios show``, the
dashboard's help texts and ``docs/parameters.md`` (:func:`markdown`) are all
generated from this table.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import TYPE_CHECKING, Any

from evhub.dims import Dims, select_keys
from evhub.distributions import Bounds
from evhub.errors import InputError
from evhub.pipeline import load_pipeline

if TYPE_CHECKING:
    from evhub.dataset import Dataset

__all__ = [
    "PARAMETER_TABLE",
    "USER_KEYS",
    "DefaultSource",
    "Parameter",
    "ParameterSpec",
    "bounds",
    "check_value",
    "check_values",
    "describe_path",
    "description",
    "expand",
    "markdown",
    "path_group",
    "select",
    "select_dimension",
    "sold",
    "spec",
    "specs",
]

#: The table's location in the package.
PARAMETER_TABLE = "data/parameters.csv"
#: Keys the user chooses, by placeholder name: what each stands for.
USER_KEYS: dict[str, str] = {
    "year": "a year after the base year",
    "operation_year": "a year of operation (1, 2, ...)",
    "project": "a project id of the registry",
}
_COLUMNS = (
    "path",
    "field",
    "dims",
    "unit",
    "type",
    "lower",
    "upper",
    "open",
    "reason",
    "default",
    "description",
)
_TYPES = ("number", "integer", "text", "flag")
_OPEN = ("", "lower", "upper", "both")
_FIELD = re.compile(r"^(?:[a-z_]+\.[a-z_]+)?$")
_SYMBOL = re.compile(r"^(?:(?P<factor>[0-9.]+)\*)?(?P<name>[a-z_]+)$")
_SYMBOLS = ("first_year", "base_year", "last_year", "max_capacity")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_CHOICE = re.compile(r"^choice\((?P<words>[a-z_|]+)\)$")
_SELECTOR = re.compile(r"^(?P<dimension>[a-z_]+)(?:\[(?P<conditions>[^\]]*)\])?$")
_CONDITION = re.compile(r"^(?P<attribute>[a-z_]+)(?P<op>!=|=)(?P<value>[A-Za-z0-9_]*)$")
_TABLE_DEFAULT = re.compile(
    r"^(?P<table>[a-z_]+):(?P<variable>[a-z_0-9]+)(?:\[(?P<keys>[^\]]*)\])?"
    r"(?:@(?P<pick>first|last|year|each_year))?$"
)
#: Defaults that are not a row of a data table.
_NAMED_DEFAULTS = ("assumptions", "dataset.yaml", "stage_probabilities.csv")
_WHERE = f"evhub/{PARAMETER_TABLE}"


@dataclass(frozen=True)
class DefaultSource:
    """Where a parameter's default comes from (the ``default`` column, parsed).

    ``kind`` is ``table`` (a row of ``table``), or one of ``assumptions``,
    ``dataset.yaml`` and ``stage_probabilities.csv``. For a table, ``keys``
    are the key filter (values may hold ``{name}`` placeholders) and ``pick``
    which rows: ``last``, ``first``, ``year`` or ``each_year``.
    """

    kind: str
    table: str = ""
    variable: str = ""
    keys: Mapping[str, str] = field(default_factory=dict)
    pick: str = "last"

    def filled(self, keys: Mapping[str, str]) -> dict[str, str]:
        """The key filter with the placeholders replaced by ``keys``."""
        return {k: v.format_map(keys) for k, v in self.keys.items()}


@dataclass(frozen=True)
class ParameterSpec:
    """One row of the catalogue (see the module docstring for the columns)."""

    path: str
    field: str
    dims: str
    unit: str
    type: str
    lower: str
    upper: str
    open: str
    reason: str
    default: str
    description: str

    @cached_property
    def placeholders(self) -> tuple[str, ...]:
        """The ``{name}`` placeholders of the path, in order."""
        return tuple(_PLACEHOLDER.findall(self.path))

    @cached_property
    def bindings(self) -> dict[str, str]:
        """Selector of each placeholder bound to a dimension, by name."""
        out: dict[str, str] = {}
        for item in filter(None, (p.strip() for p in self.dims.split(";"))):
            name, sep, selector = item.partition("=")
            if not sep:
                msg = f"{_WHERE}: {self.path}: dims entry {item!r} is not name=selector"
                raise InputError(msg)
            out[name.strip()] = selector.strip()
        return out

    @cached_property
    def user_keys(self) -> tuple[str, ...]:
        """Placeholders the user chooses (not bound to a dimension)."""
        return tuple(p for p in self.placeholders if p not in self.bindings)

    @property
    def nullable(self) -> bool:
        """Whether the parameter may be unset (type ends with ``?``)."""
        return self.type.endswith("?")

    @property
    def kind(self) -> str:
        """``number``, ``integer``, ``flag``, ``text`` or ``choice``."""
        base = self.type.rstrip("?")
        return "choice" if _CHOICE.match(base) else base

    @property
    def choices(self) -> tuple[str, ...]:
        """The words of a ``choice(...)`` type (empty for other types)."""
        match = _CHOICE.match(self.type.rstrip("?"))
        return tuple(match["words"].split("|")) if match else ()

    @property
    def numeric(self) -> bool:
        """Whether the value is a number (``number`` or ``integer``)."""
        return self.kind in ("number", "integer")

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """The concrete paths of the row: each placeholder is one key (no dots)."""
        parts = _PLACEHOLDER.split(self.path)
        # split gives literal, name, literal, name, ...: every odd item is a name
        text = "".join("[^.]+" if i % 2 else re.escape(p) for i, p in enumerate(parts))
        return re.compile(f"^{text}$")

    def matches(self, path: str) -> bool:
        """Whether a concrete parameter path falls under this row."""
        return self.pattern.match(path) is not None

    @cached_property
    def default_source(self) -> DefaultSource | None:
        """The parsed ``default`` column (``None``: no default)."""
        text = self.default
        if not text:
            return None
        if text in _NAMED_DEFAULTS:
            return DefaultSource(text)
        match = _TABLE_DEFAULT.match(text)
        if match is None:
            msg = (
                f"{_WHERE}: {self.path}: default {text!r} is neither table:variable[keys]@pick "
                f"nor one of {list(_NAMED_DEFAULTS)}"
            )
            raise InputError(msg)
        keys = {}
        for item in filter(None, (k.strip() for k in (match["keys"] or "").split(","))):
            key, sep, value = item.partition("=")
            if not sep:
                msg = f"{_WHERE}: {self.path}: default key {item!r} is not key=value"
                raise InputError(msg)
            keys[key.strip()] = value.strip()
        return DefaultSource(
            "table", match["table"], match["variable"], keys, match["pick"] or "last"
        )


@dataclass(frozen=True)
class Parameter:
    """A catalogue row expanded for members of the dataset's dimensions.

    ``path`` is concrete unless the row has keys the user chooses (then those
    stay placeholders: ``market.gdp_growth.{year}``); ``keys`` are the member
    ids the bound placeholders took.
    """

    path: str
    spec: ParameterSpec
    keys: Mapping[str, str]
    sold: bool = True

    @property
    def fixed(self) -> bool:
        """Whether the path is concrete (no key left for the user to choose)."""
        return not self.spec.user_keys


@cache
def specs() -> tuple[ParameterSpec, ...]:
    """Every row of ``data/parameters.csv``, checked."""
    text = resources.files("evhub").joinpath(PARAMETER_TABLE).read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != _COLUMNS:
        msg = f"{_WHERE}: expected columns {list(_COLUMNS)}, got {reader.fieldnames}"
        raise InputError(msg)
    rows: list[ParameterSpec] = []
    for line, row in enumerate(reader, start=2):
        item = ParameterSpec(**{k: (row[k] or "").strip() for k in _COLUMNS})
        _check_row(item, f"{_WHERE}: row {line}")
        if any(r.path == item.path for r in rows):
            msg = f"{_WHERE}: row {line}: path {item.path!r} is declared twice"
            raise InputError(msg)
        rows.append(item)
    return tuple(rows)


def _check_row(item: ParameterSpec, where: str) -> None:
    if item.kind not in (*_TYPES, "choice"):
        msg = f"{where}: type = {item.type!r} is not one of {[*_TYPES, 'choice(a|b)']}"
        raise InputError(msg)
    if not _FIELD.match(item.field):
        msg = f"{where}: field = {item.field!r} is not group.name (or empty)"
        raise InputError(msg)
    if item.open not in _OPEN:
        msg = f"{where}: open = {item.open!r} is not one of {list(_OPEN)}"
        raise InputError(msg)
    if not item.description:
        msg = f"{where}: {item.path} needs a description"
        raise InputError(msg)
    if item.numeric and not (item.lower and item.upper and item.reason):
        msg = f"{where}: {item.path} needs a lower and an upper bound and a reason"
        raise InputError(msg)
    for end in (item.lower, item.upper):
        if end and not _is_float(end) and not _SYMBOL.match(end):
            msg = f"{where}: bound {end!r} is neither a number nor a quantity"
            raise InputError(msg)
    unknown = [k for k in item.user_keys if k not in USER_KEYS]
    if unknown:
        msg = (
            f"{where}: {item.path}: {{{unknown[0]}}} is neither bound in dims nor a key the "
            f"user chooses ({', '.join('{' + k + '}' for k in USER_KEYS)})"
        )
        raise InputError(msg)
    unused = [k for k in item.bindings if k not in item.placeholders and k not in item.default]
    if unused:
        msg = (
            f"{where}: {item.path}: dims binds {unused[0]!r}, which neither the path nor the "
            "default names"
        )
        raise InputError(msg)
    for selector in item.bindings.values():
        _selector(selector, where)
    if item.default_source is None and not item.nullable and not item.user_keys:
        msg = f"{where}: {item.path} has no default and may not be unset; give a default"
        raise InputError(msg)


def _is_float(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


# --------------------------------------------------------------------------
# Expanding the templates over the dataset's dimensions
# --------------------------------------------------------------------------


def _word(text: str) -> Any:
    return {"true": True, "false": False, "null": None}.get(text, text)


@cache
def _selector(text: str, where: str = _WHERE) -> dict[str, Any]:
    """A selector (``powertrains[plug=true,fuel!=null]``) as :func:`select_keys` reads it."""
    match = _SELECTOR.match(text)
    if match is None or match["dimension"] not in Dims.NAMES:
        msg = (
            f"{where}: selector {text!r} is not dimension[attribute=value,...] with a "
            f"dimension of {list(Dims.NAMES)}"
        )
        raise InputError(msg)
    spec: dict[str, Any] = {"dimension": match["dimension"], "where": {}, "unless": {}}
    for item in filter(None, (c.strip() for c in (match["conditions"] or "").split(","))):
        cond = _CONDITION.match(item)
        if cond is None:
            msg = f"{where}: selector {text!r}: condition {item!r} is not attribute=value"
            raise InputError(msg)
        group = "unless" if cond["op"] == "!=" else "where"
        spec[group][cond["attribute"]] = _word(cond["value"])
    if len(spec["unless"]) > 1:
        msg = f"{where}: selector {text!r}: at most one condition may be '!='"
        raise InputError(msg)
    return spec


def select(dims: Dims, selector: str) -> list[str]:
    """The member ids a catalogue selector picks, in the dimension's order.

    Examples
    --------
    >>> from evhub.dataset import load_dataset
    >>> select(load_dataset().dims, "powertrains[plug=true,fuel!=null]")
    ['phev']
    """
    return select_keys(dims, _selector(selector))


def select_dimension(selector: str) -> str:
    """The dimension a catalogue selector picks members of (``powertrains[plug=true]``)."""
    return str(_selector(selector)["dimension"])


def sold(dims: Dims, bindings: Mapping[str, str], keys: Mapping[str, str]) -> bool:
    """Whether members bound to placeholders name a powertrain sold in the vehicle class they name.

    ``bindings`` are selectors by placeholder name (``ParameterSpec.bindings``),
    ``keys`` the members the placeholders took. True unless a key of the
    ``classes`` and a key of the ``powertrains`` name a powertrain not sold in
    that class (its ``classes`` in ``dimensions.yaml``), or a key of the
    ``powertrain_groups`` a group the class sells no powertrain of: such a
    parameter does not exist.

    Examples
    --------
    >>> from evhub.dataset import load_dataset
    >>> dims = load_dataset().dims
    >>> both = {"class": "classes", "powertrain": "powertrains"}
    >>> sold(dims, both, {"class": dims.classes.ids[0], "powertrain": dims.powertrains.ids[0]})
    True
    """
    named = {
        select_dimension(selector): keys[name]
        for name, selector in bindings.items()
        if name in keys
    }
    vehicle_class, powertrain = named.get("classes"), named.get("powertrains")
    group = named.get("powertrain_groups")
    if vehicle_class is None or (powertrain is None and group is None):
        return True
    mine = dims.sold_in(vehicle_class)
    if group is not None:  # a group the class sells no powertrain of
        return any(dims.powertrains.member(p).attributes["group"] == group for p in mine)
    return powertrain in mine


#: Expanded catalogues, by the identity of the dimensions they were expanded for.
_EXPANDED: dict[tuple[int, bool], tuple[Dims, tuple[Parameter, ...]]] = {}


def expand(dims: Dims, *, unsold: bool = False) -> tuple[Parameter, ...]:
    """Every catalogue row expanded over the members of the dataset's dimensions.

    A vehicle class's parameter of a powertrain exists only where the
    powertrain is sold in the class (:func:`sold`).

    Parameters
    ----------
    dims
        The dataset's dimensions.
    unsold
        Keep the parameters of powertrains not sold in a class too, marked
        ``sold=False`` (the chain's full powertrain axis, where they are 0).

    Returns
    -------
    tuple of Parameter
        In catalogue order, then the members' order; a row with a key the
        user chooses gives paths that keep that placeholder
        (``pipeline.overrides.{project}.delay``).
    """
    held = _EXPANDED.get((id(dims), unsold))
    if held is not None and held[0] is dims:
        return held[1]
    out: list[Parameter] = []
    # consecutive rows over the same dimensions and with the same path up to the
    # first placeholder (the three stage fields) expand member by member
    for _, block in itertools.groupby(specs(), key=_block):
        rows = list(block)
        names = list(rows[0].bindings)
        choices = [select(dims, rows[0].bindings[n]) for n in names]
        for name, chosen in zip(names, choices, strict=True):
            if name not in rows[0].placeholders and len(chosen) != 1:
                msg = (
                    f"{_WHERE}: {rows[0].path}: {name}={rows[0].bindings[name]} must select "
                    f"exactly one member (the path does not name it), got {list(chosen)}"
                )
                raise InputError(msg)
        for combo in itertools.product(*choices):
            keys = dict(zip(names, combo, strict=True))
            exists = sold(dims, rows[0].bindings, keys)
            if not (exists or unsold):
                continue
            for row in rows:
                keep = {k: "{" + k + "}" for k in row.user_keys}
                path = row.path.format_map({**keys, **keep})
                out.append(Parameter(path, row, keys, exists))
    result = tuple(out)
    _EXPANDED[(id(dims), unsold)] = (dims, result)
    return result


def _block(row: ParameterSpec) -> tuple[str, str]:
    """Rows of one block share their dimensions and their path before the first key."""
    return (row.dims, row.path.split("{", 1)[0] if row.bindings else row.path)


def description(parameter: Parameter, dims: Dims) -> str:
    """The row's description with each member's label in place of its placeholder."""
    labels = {
        name: getattr(dims, _selector(parameter.spec.bindings[name])["dimension"]).label(key)
        for name, key in parameter.keys.items()
    }
    return parameter.spec.description.format_map(_Keep(labels))


def describe_path(path: str, dims: Dims) -> str:
    """The catalogue's description of a concrete parameter path (``""`` if it has no row).

    Examples
    --------
    >>> from evhub.dataset import load_dataset
    >>> dims = load_dataset().dims
    >>> k, p = dims.classes.ids[0], dims.powertrains.ids[0]  # the keys take their labels
    >>> describe_path(f"{k}.energy.fuel_intensity.{p}", dims) == (
    ...     f"Real-world fuel use of {dims.powertrains.label(p)} {dims.classes.label(k)} "
    ...     "in the base year"
    ... )
    True
    """
    for item in expand(dims):
        if item.path == path:
            return description(item, dims)
    row = spec(path)
    return row.description if row is not None else ""


class _Keep(dict[str, str]):
    """A format map that leaves unknown placeholders as they are."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def path_group(path: str, dims: Dims) -> str:
    """The group of a parameter path: its first key, or the next for a vehicle class's own.

    Examples
    --------
    >>> from evhub.dataset import load_dataset
    >>> dims = load_dataset().dims
    >>> path_group("car.market.bev_share.ceiling", dims)
    'market'
    >>> path_group("grid.renewable_share.2035", dims)
    'grid'
    """
    head, _, rest = path.partition(".")
    return rest.partition(".")[0] if head in dims.classes.ids else head


@cache
def spec(path: str) -> ParameterSpec | None:
    """The row of a concrete parameter path (the row with fewest placeholders).

    The match is by the path's shape only (``energy.fuel_intensity.bev`` has
    the row of the fuel intensities); whether the dataset has such a member is
    for :func:`expand` to say.
    """
    found = [s for s in specs() if s.matches(path)]
    if not found:
        return None
    return min(found, key=lambda s: len(s.placeholders))


def _resolve(end: str, data: Dataset | None, path: str, default: float) -> float:
    if not end:
        return default
    if _is_float(end):
        return float(end)
    match = _SYMBOL.match(end)
    if match is None or match["name"] not in _SYMBOLS:
        msg = f"evhub/{PARAMETER_TABLE}: {path}: unknown quantity {end!r}; use one of {_SYMBOLS}"
        raise InputError(msg)
    if data is None:
        return default  # not known without the dataset
    factor = float(match["factor"] or 1)
    name = match["name"]
    value = _max_capacity(data, path) if name == "max_capacity" else float(getattr(data, name))
    return factor * value


def _max_capacity(data: Dataset, path: str) -> float:
    """The largest capacity in the registry in the unit of the project of ``path``."""
    projects = load_pipeline(data)
    pid = path.split(".")[2] if path.startswith("pipeline.overrides.") else ""
    unit = next((p.capacity_unit for p in projects if p.id == pid), None)
    same = [
        p.capacity
        for p in projects
        if (unit is None or p.capacity_unit == unit) and p.capacity is not None
    ]
    values = [float(c) for c in same if math.isfinite(float(c))]
    return max(values) if values else math.inf


def bounds(path: str, data: Dataset | None = None) -> Bounds:
    """The validity bounds of a parameter path (unbounded if it has no row).

    Quantities of the dataset (``last_year``, ``max_capacity``) need ``data``;
    without it such an end is open-ended.

    Examples
    --------
    >>> bounds("car.market.bev_share.ceiling").describe()
    '[0, 100]'
    >>> bounds("pipeline.overrides.byd-manisa.delay").describe()
    '[-10, 30]'
    """
    row = spec(path)
    if row is None or not row.numeric:
        return Bounds()
    return Bounds(
        _resolve(row.lower, data, path, -math.inf),
        _resolve(row.upper, data, path, math.inf),
        row.open in ("lower", "both"),
        row.open in ("upper", "both"),
        row.kind == "integer",
    )


def _show(value: float) -> str:
    whole = math.isfinite(value) and value == int(value)
    return f"{value:,.0f}" if whole and abs(value) >= 1e4 else f"{value:g}"


def check_value(path: str, value: Any, origin: str, data: Dataset | None = None) -> None:
    """Refuse a value that is not a finite number within the path's bounds.

    ``origin`` is the file (or option) that set the value; the message names
    it, the path, the value, the bound and the reason for it.

    Raises
    ------
    InputError
        If the value is not finite, not whole where the parameter is an
        integer, or outside its bounds.
    """
    row = spec(path)
    if row is None or not row.numeric:
        return
    if isinstance(value, str):  # "1e5" is text to YAML 1.1, but a number to the models
        try:
            number = float(value)
        except ValueError:
            return  # a type error: reported by the parameter models
    elif isinstance(value, bool) or not isinstance(value, int | float):
        return  # a type error: reported by the parameter models
    else:
        number = float(value)
    where = f"{origin}: {path} = {value!r}"
    if not math.isfinite(number):
        msg = f"{where}: not a finite number"
        raise InputError(msg)
    if row.kind == "integer" and number != int(number):
        msg = f"{where}: must be a whole number"
        raise InputError(msg)
    b = bounds(path, data)
    unit = f" {row.unit}" if row.unit not in ("", "-", "1") else ""
    symbolic = not (_is_float(row.lower) and _is_float(row.upper))
    if symbolic and not b.contains(number, number):
        msg = f"{where} is outside [{_show(b.low)}, {_show(b.high)}]{unit} ({row.reason})"
        raise InputError(msg)
    if (b.low_open and number <= b.low) or number < b.low:
        word = "greater than" if b.low_open else "greater than or equal to"
        msg = f"{where}: Input should be {word} {_show(b.low)}{unit} ({row.reason})"
        raise InputError(msg)
    if (b.high_open and number >= b.high) or number > b.high:
        word = "less than" if b.high_open else "less than or equal to"
        msg = f"{where}: Input should be {word} {_show(b.high)}{unit} ({row.reason})"
        raise InputError(msg)


def check_values(
    values: Mapping[str, Any], origins: Mapping[str, str], data: Dataset | None = None
) -> None:
    """:func:`check_value` for every value, naming the file that set each."""
    for path, value in values.items():
        check_value(path, value, origins.get(path, "scenario"), data)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown() -> str:
    """The catalogue as a Markdown table (``docs/parameters.md``).

    Returns
    -------
    str
        A page with the format of the catalogue and one table row per
        catalogue row: path template, dimensions, unit, type, bounds, default
        source and description.
    """
    lines = [
        "# Scenario parameters",
        "",
        "Generated from `src/evhub/data/parameters.csv` by "
        "`evhub parameters --output docs/parameters.md`; do not edit by hand.",
        "",
        "A `{name}` in a path takes each member of the dimension `dims` selects "
        "(see `dimensions.yaml`), except a powertrain a vehicle class does not sell "
        "(a class's parameters of a powertrain exist only where the powertrain's `classes` "
        "hold the class); "
        + ", ".join(f"`{{{k}}}` is {v}" for k, v in USER_KEYS.items())
        + ". Bounds in brackets are closed, in parentheses open; a type ending in `?` "
        "may be unset.",
        "",
        "| path | dims | unit | type | bounds | default | description |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in specs():
        low = "(" if row.open in ("lower", "both") else "["
        high = ")" if row.open in ("upper", "both") else "]"
        limits = f"{low}{row.lower}, {row.upper}{high} {row.reason}" if row.numeric else row.reason
        cells = [
            f"`{row.path}`",
            "; ".join(f"`{k}={v}`" for k, v in row.bindings.items()),
            row.unit,
            f"`{row.type}`",
            limits,
            f"`{row.default}`" if row.default else "",
            row.description,
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"

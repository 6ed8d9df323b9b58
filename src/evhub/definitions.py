"""The IAMC variables' definitions: unit, description and which variables sum to which.

``data/definitions/variable/*.yaml`` declares every IAMC variable evhub
writes, in nomenclature-iamc's variable codelist format: a list of
``- <name>: {description: ..., unit: ...}`` entries. A name in braces is a
*tag* (``Sales|{Vehicle Class}|{Powertrain}``): the entry stands for one
variable per member of a dimension of the dataset, chosen by :data:`TAGS`,
with the member's label in the name and in the description. Two attributes
say how variables add up:

- ``check-aggregate: true`` marks a parent that equals the sum of its direct
  children (nomenclature's marker for :meth:`pyam.IamDataFrame.check_aggregate`);
- ``memo: true`` marks a child that is a part of its parent but not one of a
  complete split of it (cars sold that were built at home, of all cars sold);
  it is left out of its parent's components;
- ``class-total: true`` marks a variable of a total over vehicle classes
  (``Sales|{Class Total}``): it equals the sum of the same variable of each
  class the total adds up (``Sales|{Vehicle Class}``, the classes of the
  ``class_totals`` member in ``dimensions.yaml``).

A parent's components are therefore its direct children that are not memo,
found in the expanded set, never listed by hand. Every variable with such
children must carry ``check-aggregate: true``, and every variable that does
must have them, so a new child cannot be forgotten in a sum.

nomenclature expands a tag only inside an entry whose *name* holds it and
would fall back to pyam's default components (every direct child, memo parts
included), so :func:`write_nomenclature` writes a copy of the definitions
that it can validate offline: the tag files made from the dimensions and each
parent's ``components`` written out.

Examples
--------
>>> from evhub.dataset import load_dataset
>>> definitions = load_definitions(load_dataset().dims)
>>> totals = {name: d.components for name, d in definitions.items() if d.components}
>>> all(definitions[c].unit == definitions[t].unit for t, cs in totals.items() for c in cs)
True
>>> any(definitions[c].memo for cs in totals.values() for c in cs)
False
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from evhub import units
from evhub.dims import Dimension, Dims, select_keys
from evhub.errors import InputError
from evhub.inputs import read_yaml

__all__ = [
    "DEFINITIONS_DIR",
    "TAGS",
    "Definition",
    "Entry",
    "fill_tags",
    "load_definitions",
    "read_entries",
    "tag_ids",
    "tag_labels",
    "tags",
    "write_nomenclature",
    "write_tag_files",
]

#: The shipped definitions folder (nomenclature's layout: a ``variable`` sub-folder).
DEFINITIONS_DIR = Path(str(resources.files("evhub").joinpath("data/definitions")))

#: Each tag and the members it stands for, as a selector of
#: :func:`evhub.dims.select_keys`; the tag's values are the members' labels.
TAGS: dict[str, dict[str, Any]] = {
    "Vehicle Class": {"dimension": "classes"},
    # a total over vehicle classes (Light-Duty Vehicles: cars and vans together)
    "Class Total": {"dimension": "class_totals"},
    "Powertrain": {"dimension": "powertrains"},
    "Powertrain Group": {"dimension": "powertrain_groups"},
    "Fuel": {"dimension": "fuels", "where": {"liquid": True}},
    # the fuel drawn from the grid (electricity), one per dataset
    "Grid Fuel": {"dimension": "fuels", "where": {"liquid": False}},
    "Material": {"dimension": "materials"},
    "Origin": {"dimension": "origins", "where": {"home": False}},
    # the export destination in a duty-free bloc with the home country (the EU for Türkiye)
    "Union": {"dimension": "destinations", "union_with_home": True},
}

#: The attributes an entry may have (nomenclature's names).
_REQUIRED = ("description", "unit")
_OPTIONAL = ("check-aggregate", "memo", "class-total")
#: Characters nomenclature refuses in any attribute (its default ``illegal-characters``
#: and the braces of a tag left unexpanded).
_ILLEGAL = frozenset('{}:;"')
_TAG = re.compile(r"\{([^{}]*)\}")
_SEP = "|"
#: The tags of the vehicle classes and of the totals over them.
_CLASS = "Vehicle Class"
_CLASS_TOTAL = "Class Total"


class Definition(NamedTuple):
    """One IAMC variable, tags expanded."""

    unit: str
    """Its unit, a row of ``data/units.csv``."""
    description: str
    """What it counts, and on what basis."""
    components: tuple[str, ...] | None
    """The variables that sum to it, ``None`` if it is not a checked total."""
    memo: bool
    """It is a part of its parent but not one of the parent's components."""
    class_parts: tuple[str, ...] | None = None
    """The variables of the vehicle classes it adds up (``class-total: true``), else ``None``."""


class Entry(NamedTuple):
    """One entry of a definitions file, tags not expanded (:func:`read_entries`)."""

    where: str  # file and entry, for messages
    file: str  # file name
    name: str
    unit: str
    description: str
    check_aggregate: bool
    memo: bool
    class_total: bool


# --------------------------------------------------------------------------
# Tags
# --------------------------------------------------------------------------


def tag_labels(dims: Dims) -> dict[str, tuple[str, ...]]:
    """The values of each tag of :data:`TAGS`: the labels of the members it selects.

    Parameters
    ----------
    dims
        The dataset's dimensions.

    Returns
    -------
    dict
        Tag name -> member labels, in member order.

    Raises
    ------
    InputError
        If a tag selects no member, or a label cannot be part of a variable
        name (it holds ``|`` or a character nomenclature refuses).
    """
    values: dict[str, tuple[str, ...]] = {}
    problems: list[str] = []
    for tag, spec in TAGS.items():
        dim: Dimension = getattr(dims, spec["dimension"])
        labels = tuple(dim.label(id_) for id_ in select_keys(dims, spec))
        if not labels:
            problems.append(f"tag {{{tag}}}: {_show_spec(spec)} selects no member")
        for id_, label in zip(select_keys(dims, spec), labels, strict=True):
            bad = sorted((_ILLEGAL | {_SEP}) & set(label))
            if bad:
                problems.append(
                    f"tag {{{tag}}}: {dim.name}.{id_}.label = {label!r} holds {' '.join(bad)}, "
                    "which a variable name cannot"
                )
        values[tag] = labels
    if problems:
        raise InputError("\n".join(problems))
    return values


def tag_ids(dims: Dims) -> dict[str, tuple[str, ...]]:
    """The members each tag of :data:`TAGS` stands for, as ids in member order.

    Examples
    --------
    >>> from evhub.dataset import load_dataset
    >>> tag_ids(load_dataset().dims)["Fuel"]
    ('petrol', 'diesel', 'lpg')
    """
    return {tag: tuple(select_keys(dims, spec)) for tag, spec in TAGS.items()}


def _show_spec(spec: Mapping[str, Any]) -> str:
    where = spec.get("where")
    return f"dimension {spec['dimension']}" + (f" where {where}" if where else "")


# --------------------------------------------------------------------------
# Reading and expanding
# --------------------------------------------------------------------------


def load_definitions(dims: Dims, folder: Path | None = None) -> dict[str, Definition]:
    """Read the definitions and expand their tags over the dataset's dimensions.

    Parameters
    ----------
    dims
        The dataset's dimensions (the values of the tags).
    folder
        A definitions folder (its ``variable/*.yaml``; ``tag_*.yaml`` files
        there are ignored); the shipped one by default.

    Returns
    -------
    dict
        Variable name -> :class:`Definition`, in the order of the files
        (sorted by name), their entries and the tags' members.

    Raises
    ------
    InputError
        Listing every problem, each naming the file and the entry: a broken
        entry, an unknown tag, a unit not in ``data/units.csv``, a character
        nomenclature refuses, a variable defined twice, a parent whose sum is
        not declared, or a memo without a parent.
    """
    entries = _read_entries(DEFINITIONS_DIR if folder is None else folder)
    values = tag_labels(dims)
    problems: list[str] = []
    expanded: dict[str, tuple[Entry, str]] = {}  # name -> (entry, description)
    class_parts: dict[str, tuple[str, ...]] = {}
    for entry in entries:
        for name, description, chosen in _expand(entry, values, problems):
            if name in expanded:
                problems.append(
                    f"{entry.where}: {name!r} is also defined by {expanded[name][0].where}"
                )
                continue
            expanded[name] = (entry, description)
            if entry.class_total:
                class_parts[name] = _class_parts(entry, chosen, dims, problems)
    if problems:
        raise InputError("\n".join(problems))
    children = _children(expanded, problems)
    result: dict[str, Definition] = {}
    for name, (entry, description) in expanded.items():
        parts = tuple(c for c in children[name] if not expanded[c][0].memo)
        if entry.check_aggregate and not parts:
            problems.append(
                f"{entry.where}: {name!r} has check-aggregate: true but no child that is not memo"
            )
        if parts and not entry.check_aggregate:
            problems.append(
                f"{entry.where}: {name!r} has children that are not memo "
                f"({', '.join(parts)}); mark it check-aggregate: true, or them memo: true"
            )
        result[name] = Definition(
            entry.unit,
            description,
            parts if entry.check_aggregate else None,
            entry.memo,
            class_parts.get(name),
        )
    for name, summed in class_parts.items():
        where = expanded[name][0].where
        for part in summed:
            if part not in expanded:
                problems.append(f"{where}: {name!r} adds up {part!r}, which is not defined")
            elif result[part].unit != result[name].unit:
                problems.append(
                    f"{where}: {name!r} is in {result[name].unit} but its part {part!r} "
                    f"in {result[part].unit}"
                )
    if problems:
        raise InputError("\n".join(problems))
    return result


def read_entries(folder: Path | None = None) -> list[Entry]:
    """The entries of the definitions files, in file order, tags not expanded.

    Parameters
    ----------
    folder
        A definitions folder; the shipped one by default.

    Raises
    ------
    InputError
        Listing every broken entry, naming its file (as :func:`load_definitions`).
    """
    return _read_entries(DEFINITIONS_DIR if folder is None else folder)


def _read_entries(folder: Path) -> list[Entry]:
    files = sorted(p for p in (folder / "variable").glob("*.yaml") if not p.name.startswith("tag_"))
    if not files:
        msg = f"{folder / 'variable'}: no definition files (*.yaml)"
        raise InputError(msg)
    problems: list[str] = []
    entries: list[Entry] = []
    known = set(units.table())
    for path in files:
        raw = read_yaml(path)
        if not isinstance(raw, list):
            problems.append(f"{path}: expected a list of entries, got {type(raw).__name__}")
            continue
        for i, item in enumerate(raw, start=1):
            entry = _entry(path, i, item, known, problems)
            if entry is not None:
                entries.append(entry)
    if problems:
        raise InputError("\n".join(problems))
    return entries


def _entry(path: Path, i: int, item: Any, known: set[str], problems: list[str]) -> Entry | None:
    where = f"{path}: entry {i}"
    if not (isinstance(item, Mapping) and len(item) == 1):
        problems.append(
            f"{where}: expected '- <variable>: {{description: ..., unit: ...}}', got {item!r}"
        )
        return None
    ((name, attrs),) = item.items()
    where = f"{where} ({name!r})"
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}: the variable name must be text")
        return None
    if not isinstance(attrs, Mapping):
        problems.append(f"{where}: expected a mapping of attributes, got {attrs!r}")
        return None
    found = len(problems)
    allowed = (*_REQUIRED, *_OPTIONAL)
    problems += [
        f"{where}: unknown attribute {k!r}; the attributes are {', '.join(allowed)}"
        for k in attrs
        if k not in allowed
    ]
    problems += [f"{where}: {k} is missing" for k in _REQUIRED if k not in attrs]
    for k in _REQUIRED:
        if k in attrs and not (isinstance(attrs[k], str) and attrs[k].strip()):
            problems.append(f"{where}: {k} = {attrs[k]!r}: expected non-empty text")
    for k in _OPTIONAL:
        if k in attrs and not isinstance(attrs[k], bool):
            problems.append(f"{where}: {k} = {attrs[k]!r}: expected true or false")
    unit = attrs.get("unit")
    if isinstance(unit, str) and unit and unit not in known:
        problems.append(f"{where}: unit = {unit!r} is not in evhub's units table (data/units.csv)")
    if len(problems) > found:
        return None
    return Entry(
        where,
        path.name,
        name,
        attrs["unit"],
        " ".join(attrs["description"].split()),
        attrs.get("check-aggregate", False),
        attrs.get("memo", False),
        attrs.get("class-total", False),
    )


def tags(text: str) -> list[str]:
    """The tags of ``text``, each once, in order of appearance.

    Examples
    --------
    >>> tags("Sales|{Vehicle Class}|{Powertrain}")
    ['Vehicle Class', 'Powertrain']
    """
    return list(dict.fromkeys(_TAG.findall(text)))


def _class_parts(
    entry: Entry, chosen: Mapping[str, str], dims: Dims, problems: list[str]
) -> tuple[str, ...]:
    """The class variables a ``class-total`` variable adds up (tags as ``chosen``)."""
    if _CLASS_TOTAL not in chosen:
        problems.append(
            f"{entry.where}: class-total: true needs the tag {{{_CLASS_TOTAL}}} in the name"
        )
        return ()
    total = next(m for m in dims.class_totals.members if m.label == chosen[_CLASS_TOTAL])
    template = entry.name.replace(f"{{{_CLASS_TOTAL}}}", f"{{{_CLASS}}}")
    return tuple(
        fill_tags(template, {**chosen, _CLASS: dims.classes.label(c)})
        for c in total.attributes["classes"]
    )


def _expand(
    entry: Entry, values: Mapping[str, tuple[str, ...]], problems: list[str]
) -> list[tuple[str, str, dict[str, str]]]:
    """The (name, description, label of each tag) of each variable an entry stands for."""
    used = tags(entry.name)
    found = len(problems)
    problems += [
        f"{entry.where}: unknown tag {{{t}}}; the tags are " + ", ".join(f"{{{k}}}" for k in values)
        for t in used
        if t not in values
    ]
    problems += [
        f"{entry.where}: the description uses tag {{{t}}}, which the name does not have"
        for t in tags(entry.description)
        if t not in used
    ]
    if len(problems) > found:
        return []
    out = []
    for combo in itertools.product(*(values[t] for t in used)):
        chosen = dict(zip(used, combo, strict=True))
        name = fill_tags(entry.name, chosen)
        description = fill_tags(entry.description, chosen)
        for field, text in (("name", name), ("description", description)):
            bad = sorted(_ILLEGAL & set(text))
            if bad:
                problems.append(
                    f"{entry.where}: {field} {text!r} holds {' '.join(bad)}, "
                    "which nomenclature refuses"
                )
        if any(not part.strip() for part in name.split(_SEP)):
            problems.append(f"{entry.where}: {name!r} has an empty level")
        out.append((name, description, chosen))
    return out


def fill_tags(text: str, chosen: Mapping[str, str]) -> str:
    """``text`` with each tag of ``chosen`` replaced by its value (others kept).

    Examples
    --------
    >>> fill_tags("Stock|{Vehicle Class}|{Powertrain}", {"Powertrain": "BEV"})
    'Stock|{Vehicle Class}|BEV'
    """
    return _TAG.sub(lambda m: chosen.get(m.group(1), m.group(0)), text)


def _children(
    expanded: Mapping[str, tuple[Entry, str]], problems: list[str]
) -> dict[str, list[str]]:
    """Each variable's direct children, in order; a memo without a parent is a problem."""
    children: dict[str, list[str]] = {name: [] for name in expanded}
    for name, (entry, _) in expanded.items():
        parent = name.rpartition(_SEP)[0]
        if parent in children:
            children[parent].append(name)
        elif entry.memo:
            problems.append(f"{entry.where}: {name!r} is memo: true but {parent!r} is not defined")
    return children


# --------------------------------------------------------------------------
# Writing for nomenclature
# --------------------------------------------------------------------------


def write_tag_files(dims: Dims, folder: Path) -> list[Path]:
    """Write nomenclature's tag files (``tag_*.yaml``), one per tag, from the dimensions.

    Each tag code is a member's label with that label as its description, so
    nomenclature fills a tag in a description with the label, as
    :func:`load_definitions` does.

    Parameters
    ----------
    dims
        The dataset's dimensions.
    folder
        Where to write (created if missing); nomenclature reads tag files in
        a codelist's folder and in the definitions folder above it.

    Returns
    -------
    list of Path
        The files written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for tag, labels in tag_labels(dims).items():
        path = folder / f"tag_{tag.lower().replace(' ', '_')}.yaml"
        codes = [{label: {"description": label}} for label in labels]
        path.write_text(_dump([{tag: codes}]), encoding="utf-8")
        written.append(path)
    return written


def write_nomenclature(dims: Dims, folder: Path, source: Path | None = None) -> Path:
    """Write a definitions folder nomenclature-iamc validates as it stands.

    The definition files are copied to ``folder/variable`` with each
    ``check-aggregate`` entry's ``components`` written out (its direct
    children that are not memo, their own tags expanded and the parent's
    kept for nomenclature to fill), and the tag files written beside them.

    Parameters
    ----------
    dims
        The dataset's dimensions.
    folder
        The definitions folder to write (``nomenclature.DataStructureDefinition(folder)``).
    source
        The definitions to copy; the shipped ones by default.

    Returns
    -------
    Path
        ``folder``.

    Raises
    ------
    InputError
        As :func:`load_definitions`, which checks the definitions first.
    """
    source = DEFINITIONS_DIR if source is None else source
    load_definitions(dims, source)
    entries = _read_entries(source)
    values = tag_labels(dims)
    variable = folder / "variable"
    variable.mkdir(parents=True, exist_ok=True)
    for file in dict.fromkeys(e.file for e in entries):
        codes = [
            {e.name: _attributes(e, _components(e, entries, values))}
            for e in entries
            if e.file == file
        ]
        (variable / file).write_text(_dump(codes), encoding="utf-8")
    write_tag_files(dims, variable)
    return folder


def _components(
    parent: Entry, entries: Iterable[Entry], values: Mapping[str, tuple[str, ...]]
) -> list[str]:
    """A parent entry's components, with the parent's own tags left in."""
    if not parent.check_aggregate:
        return []
    own = set(tags(parent.name))
    out = []
    for child in entries:
        head, _, last = child.name.rpartition(_SEP)
        if head != parent.name or child.memo:
            continue
        extra = [t for t in tags(last) if t not in own]
        for combo in itertools.product(*(values[t] for t in extra)):
            out.append(fill_tags(child.name, dict(zip(extra, combo, strict=True))))
    return out


def _attributes(entry: Entry, components: list[str]) -> dict[str, Any]:
    attrs: dict[str, Any] = {"description": entry.description, "unit": entry.unit}
    if entry.check_aggregate:
        attrs["check-aggregate"] = True
        attrs["components"] = components
    if entry.memo:
        attrs["memo"] = True
    return attrs


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)

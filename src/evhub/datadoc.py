"""The dataset format as Markdown (``docs/dataset.md``), generated from the code's own schema.

Everything the page lists comes from where the loader takes it, so the page
changes when the rules do: the tables, key columns, variables, needs, shares,
year bounds, size limit and pipeline registry from ``schema.yaml``
(:func:`evhub.dataset.schema`); the keys of ``dataset.yaml``, the columns of
``assumptions.csv`` and the kinds of needed years from :mod:`evhub.dataset`;
the dimensions and their attributes from :mod:`evhub.dims`; the registry's
tolerance and stage table from :mod:`evhub.pipeline`; where each scenario
parameter's default comes from from the parameter catalogue
(:mod:`evhub.parameters`); the checks of the fit to history from :mod:`evhub.fit`.
The prose is the template
``templates/dataset.md.j2``; no number is written in it.

``evhub data format --output docs/dataset.md`` writes the page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, get_args, get_origin

import jinja2

from evhub import dataset, dims, fit, inputs, parameters, prices, units
from evhub.pipeline import PER_MEMBER, PIPELINE_FILE, SHARE_TOLERANCE, STAGE_COLUMNS, STAGE_FILE
from evhub.scenario.schema import Scenario

__all__ = ["markdown"]

#: The template of the page, in ``evhub/templates/``.
TEMPLATE = "dataset.md.j2"


def markdown(schema: Mapping[str, Any] | None = None) -> str:
    """The dataset format as a Markdown page (``docs/dataset.md``).

    Parameters
    ----------
    schema
        A dataset schema in the form of ``schema.yaml``; ``None`` for the one
        shipped with evhub (:func:`evhub.dataset.schema`).

    Returns
    -------
    str
        The page: the folder's files, ``dataset.yaml``, the dimensions, the
        sources, the common columns, one section per table, what the model
        needs, the shares, the pipeline registry, ``assumptions.csv``, where
        each parameter's default comes from, the scenarios and a checklist.

    Raises
    ------
    ValueError
        If the schema names a kind of needed years the loader does not know.
    """
    sch = dataset.schema() if schema is None else schema
    template = _environment().get_template(TEMPLATE)
    return str(template.render(**_context(sch)))


def markdown_environment() -> jinja2.Environment:
    """The Jinja environment of the generated Markdown pages (``src/evhub/templates``).

    Strict (an unknown name in a template is an error), not escaped (Markdown,
    not HTML), with block tags that leave no blank lines.
    """
    return jinja2.Environment(
        loader=jinja2.PackageLoader("evhub", "templates"),
        autoescape=False,  # Markdown, not HTML
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _environment() -> jinja2.Environment:
    env = markdown_environment()
    env.filters["cell"] = _cell
    env.filters["number"] = _number
    return env


# --------------------------------------------------------------------------
# The page's context
# --------------------------------------------------------------------------


def _context(sch: Mapping[str, Any]) -> dict[str, Any]:
    tables = {name: _table(name, spec, sch) for name, spec in sch["tables"].items()}
    return {
        "schema": sch,
        "default_dataset": dataset.DEFAULT_DATASET,
        "dimensions_file": dims.DIMENSIONS_FILE,
        "pipeline_file": PIPELINE_FILE,
        "stage_file": STAGE_FILE,
        "max_bytes": inputs.MAX_TEXT_BYTES,
        "max_nodes": inputs.MAX_NODES,
        "max_depth": inputs.MAX_DEPTH,
        "meta_keys": dataset.META_KEYS,
        "required_meta": {k: _TYPES[t] for k, t in dataset.REQUIRED_META_KEYS.items()},
        "price_year": prices.report_price_year(),
        "cpi_variable": dataset.CPI_VARIABLE,
        "member_fields": [_attribute(a) for a in dims.member_fields()],
        "dimensions": _dimensions(sch),
        "source_fields": _source_fields(),
        "url_schemes": " or ".join(f"`{s}`" for s in dataset.SOURCE_URL_SCHEMES),
        "tables": tables,
        "needs": [_need(n, sch) for n in sch["needs"]],
        "need_years": dataset.NEED_YEARS,
        "shares": _shares(sch),
        "pipeline": _pipeline(sch),
        "stage_columns": STAGE_COLUMNS,
        "share_tolerance": SHARE_TOLERANCE,
        "assumption_columns": dataset.ASSUMPTION_COLUMNS,
        "defaults": [_default(row) for row in parameters.specs()],
        "scenario_fields": _scenario_fields(),
        "checks_file": fit.CHECKS_FILE,
        "check_fields": fit.FIELDS,
        "check_kinds": fit.KINDS,
    }


def _table(name: str, spec: Mapping[str, Any], sch: Mapping[str, Any]) -> dict[str, Any]:
    """One table: its file, key columns, columns in order, and its variables."""
    keys = list(spec["keys"])
    needed: dict[str, list[str]] = {}
    for need in sch["needs"]:
        if need["table"] == name:
            needed.setdefault(need["variable"], []).append(need["years"])
    variables = []
    formats = spec.get("key_formats") or {}
    for variable, vspec in spec["variables"].items():
        selectors = dataset.variable_keys(spec, variable)
        allowed = [
            (col, f"`{formats[col]}` (its form above)")
            if col in formats and col not in selectors
            else (col, _selector(selectors.get(col)))
            for col in keys
        ]
        variables.append(
            {
                "name": variable,
                "unit": _unit(str(vspec["unit"])),
                "range": _range(vspec),
                "allowed": allowed,
                "needed": needed.get(variable, []),
                "description": vspec.get("description", ""),
                "rules": _schedule_rules(vspec),
                "per_source": bool(vspec.get("per_source")),
            }
        )
    columns = [*sch["columns_before_keys"], *keys, *sch["columns_after_keys"]]
    return {
        "file": f"{name}.csv",
        "key_columns": keys,
        "columns": columns,
        "variables": variables,
        "optional": bool(spec.get("optional")),
        "key_formats": [(col, dataset.KEY_FORMATS[kind]) for col, kind in formats.items()],
        "dated": any(kind == "date" for kind in formats.values()),
    }


def _schedule_rules(vspec: Mapping[str, Any]) -> str:
    """What the loader checks of a variable's brackets and cover, in words (``''`` if nothing)."""
    rules = []
    brackets = list(vspec.get("brackets") or [])
    if brackets:
        columns = " within ".join(f"`{c}`" for c in reversed(brackets))
        end = ", the last unbounded (empty)" if vspec.get("open") else ""
        rules.append(f"bands of {columns} rise row by row in each schedule{end}")
    cover = list(vspec.get("cover") or [])
    if cover:
        columns = " and ".join(f"`{c}`" for c in cover)
        rules.append(f"every allowed {columns} has rows on the first date")
    return "; ".join(rules)


def _need(need: Mapping[str, Any], sch: Mapping[str, Any]) -> dict[str, Any]:
    if need["years"] not in dataset.NEED_YEARS:
        msg = (
            f"schema.yaml: needs: {need['table']}.{need['variable']}: years = {need['years']!r} "
            f"is not one of {list(dataset.NEED_YEARS)}"
        )
        raise ValueError(msg)
    table = sch["tables"][need["table"]]
    inherited = dataset.variable_keys(table, need["variable"])
    selectors = {
        **{col: inherited[col] for col in table.get("key_values") or {}},
        **(need.get("keys") or {}),
    }
    return {
        "table": need["table"],
        "variable": need["variable"],
        "combinations": [(col, _selector(sel, every=True)) for col, sel in selectors.items()],
        "years": need["years"],
        "why": need["why"],
    }


def _shares(sch: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each share that sums to 100, and the key columns it sums within (if listed)."""
    out = []
    for table, variables in sch["shares"]["sum_to_100"].items():
        within: Mapping[str, Any] = (
            variables if isinstance(variables, Mapping) else dict.fromkeys(variables)
        )
        for variable, columns in within.items():
            out.append({"table": table, "variable": variable, "within": list(columns or [])})
    return out


def _dimensions(sch: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each dimension, its attributes, the key columns and parameters that take its ids."""
    used: dict[str, list[str]] = {}
    for name, spec in sch["tables"].items():
        for variable in spec["variables"]:
            for col, sel in dataset.variable_keys(spec, variable).items():
                if isinstance(sel, Mapping):
                    where = f"column `{col}` of `{name}.csv`"
                    if where not in used.setdefault(sel["dimension"], []):
                        used[sel["dimension"]].append(where)
    for column in sch["pipeline"]["columns"]:
        match = PER_MEMBER.match(column)
        if match is not None:
            where = f"the columns `{match['prefix']}<id>` of `{PIPELINE_FILE}`"
            used.setdefault(match["dimension"], []).append(where)
    per_member: dict[str, list[str]] = {}
    for row in parameters.specs():
        for name, selector in row.bindings.items():
            dimension = selector.split("[", 1)[0]
            per_member.setdefault(dimension, []).append(f"`{row.path}` ({name}: `{selector}`)")
    return [
        {
            "name": d.name,
            "meaning": d.meaning,
            "attributes": [_attribute(a) for a in d.attributes],
            "used": used.get(d.name, []),
            "parameters": per_member.get(d.name, []),
        }
        for d in dims.dimension_specs()
    ]


def _attribute(spec: dims.AttributeSpec) -> dict[str, str]:
    return {"name": spec.name, "type": _type(spec), "description": spec.description}


def _type(spec: dims.AttributeSpec) -> str:
    """An attribute's type in words: ``true or false``, ``id of `fuels` or null``, ..."""
    annotation = spec.annotation
    nullable = get_origin(annotation) is not list and type(None) in get_args(annotation)
    if nullable:  # X | None
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    target = f"`{spec.references}`" if spec.references else ""
    if annotation is bool:
        text = "true or false"
    elif get_origin(annotation) is list:
        text = f"list of ids of {target}" if target else "list of text"
    else:
        text = f"id of {target}" if target else "text"
    return f"{text} or null" if nullable else text


def _source_fields() -> list[dict[str, Any]]:
    """The fields of a ``sources.yaml`` entry (:data:`evhub.dataset.SOURCE_FIELDS`).

    ``required`` is ``"yes"``, ``"no"``, or, for the fields of which an entry
    has one (:data:`evhub.dataset.SOURCE_EITHER`), the words saying so.
    """
    either = dataset.SOURCE_EITHER
    out = []
    for name in dataset.SOURCE_FIELDS:
        if name in either:
            other = next(f for f in either if f != name)
            required = f"yes, unless `{other}` is given (not both)"
        else:
            required = "yes" if name in dataset.SOURCE_REQUIRED else "no"
        out.append({"name": name, "required": required})
    return out


def _pipeline(sch: Mapping[str, Any]) -> dict[str, Any]:
    spec = sch["pipeline"]
    columns = []
    for name, column in spec["columns"].items():
        match = PER_MEMBER.match(name)
        columns.append(
            {
                "name": name,
                "per_member": None if match is None else dict(match.groupdict()),
                "unit": column.get("unit", ""),
                "unit_column": column.get("unit") in spec["columns"],
                "range": _range(column),
                "description": column.get("description", ""),
            }
        )
    return {"columns": columns, "kinds": spec["kinds"]}


#: Whole numbers from here on are written with thousands separators (no year is this large).
_THOUSANDS = 10_000
#: Whole numbers from here on are written with an exponent.
_LARGE = 1e12

#: A type of ``dataset.yaml`` in words.
_TYPES = {str: "text", int: "a whole number"}

#: Which rows of a table a default takes (the ``@pick`` of the catalogue's ``default``).
_PICKS = {
    "last": "the latest row",
    "first": "the earliest row",
    "year": "the year of the latest rows",
    "each_year": "each row after the base year, one parameter per year",
}


def _default(row: parameters.ParameterSpec) -> dict[str, Any]:
    """Where one catalogue row's default comes from, in words."""
    source = row.default_source
    out: dict[str, Any] = {
        "path": row.path,
        "unit": row.unit,
        "required": not row.user_keys and not row.nullable,
        "kind": source.kind if source is not None else "",
    }
    if source is None or source.kind != "table":
        return out
    keys = []
    for key, value in source.keys.items():
        name = value.strip("{}")
        if value == "":
            keys.append(f"`{key}` empty (the total)")
        elif value != name:
            keys.append(f"`{key}` = each member of `{row.bindings[name]}`")
        else:
            keys.append(f"`{key}` = `{value}`")
    where = f": {', '.join(keys)}" if keys else ""
    out["text"] = f"`{source.table}.csv` `{source.variable}`{where}; {_PICKS[source.pick]}"
    return out


def _scenario_fields() -> list[dict[str, Any]]:
    """The keys of a scenario file (the fields of its model, but the file's own path)."""
    return [
        {"name": name, "required": info.is_required()}
        for name, info in Scenario.model_fields.items()
        if name != "path"
    ]


# --------------------------------------------------------------------------
# Words for the schema's selectors, ranges and units
# --------------------------------------------------------------------------


def _word(value: Any) -> str:
    """A YAML value as YAML writes it (``true``, ``null``, an id)."""
    return {True: "true", False: "false", None: "null"}.get(value, str(value))


def _selector(selector: Any, *, every: bool = False) -> str:
    """The values a key column may take, in words, from a schema selector.

    ``[""]`` is the total (an empty cell); a list names the values; a
    mapping selects members of a dimension (:func:`evhub.dims.select_keys`).
    ``every`` words it as a need (each of the members) rather than a rule.
    """
    if selector is None:
        return "any value (the schema does not restrict it)"
    if isinstance(selector, list):
        return " or ".join("empty (the total)" if v == "" else f"`{v}`" for v in selector)
    text = f"{'every' if every else 'a'} member of `{selector['dimension']}`"
    where = selector.get("where") or {}
    unless = selector.get("unless") or {}
    if where:
        text += " with " + " and ".join(f"`{a} = {_word(v)}`" for a, v in where.items())
    if unless:
        text += " except those with " + " or ".join(
            f"`{a} = {_word(v)}`" for a, v in unless.items()
        )
    if selector["dimension"] == "powertrains":  # only in tables keyed by class too
        text += " sold in the row's class (its `classes`)"
    if selector.get("total"):
        text = f"empty (the total) or {text}"
    return text


def _range(spec: Mapping[str, Any]) -> str:
    low, high = spec.get("min"), spec.get("max")
    if low is None and high is None:
        return ""
    if high is None:
        return f"≥ {_number(low)}"
    if low is None:
        return f"≤ {_number(high)}"
    return f"{_number(low)} to {_number(high)}"


def _unit(unit: str) -> str:
    """A schema unit as a row writes it: money names the year of its dollars."""
    return unit.replace("USD", "USD_<year>", 1) if units.is_money(unit) else unit


def _number(value: Any) -> str:
    """A number of the schema for a reader: ``2100``, ``100,000``, ``0.05``, ``1e+12``.

    Whole numbers from 10,000 on get thousands separators (years do not).
    """
    if isinstance(value, str):
        return value
    number = float(value)
    whole = math.isfinite(number) and number == int(number)
    if whole and _THOUSANDS <= abs(number) < _LARGE:
        return f"{int(number):,}"
    return f"{int(number)}" if whole and abs(number) < _THOUSANDS else f"{number:g}"


def _cell(text: Any) -> str:
    """Text for a cell of a Markdown table: no pipe ends the cell, no line break."""
    return str(text).replace("|", "\\|").replace("\n", " ")

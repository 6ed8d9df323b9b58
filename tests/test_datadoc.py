"""``docs/dataset.md``: generated from the schema, current, complete, and it follows the schema."""

from __future__ import annotations

import copy
import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from evhub import datadoc, parameters, units
from evhub.dataset import NEED_YEARS, schema
from evhub.dims import Dims, dimension_specs, member_fields

DOCS = Path(__file__).parents[1] / "docs" / "dataset.md"


@pytest.fixture(scope="module")
def page() -> str:
    return datadoc.markdown()


def _schema() -> dict[str, Any]:
    """A copy of the shipped schema to change (``schema()`` is cached: never change it)."""
    return copy.deepcopy(schema())


def _section(text: str, heading: str) -> str:
    """The text under a Markdown heading, up to the next heading of the same or a higher level."""
    level = heading.split(" ", 1)[0]
    start = text.index(f"\n{heading}\n")
    ends = [m.start() for m in re.finditer(rf"\n#{{1,{len(level)}}} ", text) if m.start() > start]
    return text[start : ends[0] if ends else len(text)]


def test_docs_page_is_current(page: str) -> None:
    assert DOCS.read_text(encoding="utf-8") == page, (
        "docs/dataset.md is stale: run `evhub data format --output docs/dataset.md`"
    )


def test_every_table_and_variable_appears_in_its_section(page: str) -> None:
    for name, spec in schema()["tables"].items():
        section = _section(page, f"## `{name}.csv`")
        for variable in spec["variables"]:
            assert f"| `{variable}` |" in section, (name, variable)


def test_every_dimension_and_attribute_appears_in_its_section(page: str) -> None:
    specs = dimension_specs()
    assert [d.name for d in specs] == [f.name for f in dataclasses.fields(Dims)]
    for d in specs:
        section = _section(page, f"### `{d.name}`: {d.meaning}")
        for attribute in d.attributes:
            assert f"| `{attribute.name}` |" in section, (d.name, attribute.name)
    assert all(f"`{f.name}`" in _section(page, "## `dimensions.yaml`") for f in member_fields())


def test_every_attribute_says_what_the_model_does_with_it() -> None:
    missing = [
        f"{d.name}.{a.name}" for d in dimension_specs() for a in d.attributes if not a.description
    ]
    assert missing == [], "add a description to the attribute's Field in evhub/dims.py"


def test_every_need_share_and_parameter_appears(page: str) -> None:
    needs = _section(page, "## What the model needs")
    for need in schema()["needs"]:
        assert f"| `{need['table']}.csv` | `{need['variable']}` |" in needs, need
    assert all(f"- `{kind}`: {meaning}" in needs for kind, meaning in NEED_YEARS.items())
    shares = _section(page, "## Shares that sum to 100")
    for table, variables in schema()["shares"]["sum_to_100"].items():
        assert all(f"| `{table}.csv` | `{v}` |" in shares for v in variables)
    defaults = _section(page, "## Where the defaults come from")
    assert all(f"| `{row.path}` |" in defaults for row in parameters.specs())


def test_the_pipeline_registry_appears(page: str) -> None:
    section = _section(page, "## `pipeline.csv`: the registry of plants and projects")
    spec = schema()["pipeline"]
    assert all(f"| `{column}` |" in section for column in spec["columns"])
    assert all(f"| `{kind}` | {k['label']} |" in section for kind, k in spec["kinds"].items())
    assert "one column per member of `powertrain_groups`, named `share_`" in section


def test_a_changed_unit_changes_the_page() -> None:
    changed = _schema()
    changed["tables"]["stock"]["variables"]["stock"]["unit"] = "kveh"
    result = datadoc.markdown(changed)
    assert result != datadoc.markdown()
    assert "| `stock` | `kveh` |" in _section(result, "## `stock.csv`")
    assert "| `stock` | `veh` |" in _section(datadoc.markdown(), "## `stock.csv`")


def test_the_numbers_shown_are_the_schema_s() -> None:
    changed = _schema()
    changed["max_rows"] = 1234
    changed["shares"]["tolerance"] = 0.25
    changed["years"]["first_year"]["min"] = 1960
    changed["tables"]["sales"]["variables"]["sales"]["max"] = 7.0e7
    result = datadoc.markdown(changed)
    assert "more than\n1234 rows" in result
    assert "within\n0.25 %" in result
    assert "from 1960 to 2100" in result
    assert "| `sales` | `veh/yr` | 0 to 70,000,000 |" in result


def test_a_new_key_column_and_variable_appear() -> None:
    """A table that gains a ``class`` key column for every variable, and a new variable."""
    changed = _schema()
    grid = changed["tables"]["grid"]
    grid["keys"] = ["class", *grid["keys"]]
    grid["key_values"] = {"class": {"dimension": "classes"}}
    grid["variables"]["charger_power"] = {
        "unit": "kW",
        "min": 1,
        "max": 1000,
        "keys": {"class": {"dimension": "classes", "total": True}},
        "description": "Average power of a public charger",
    }
    changed["shares"]["sum_to_100"]["grid"] = {"renewable_share": ["class"]}
    result = datadoc.markdown(changed)
    section = _section(result, "## `grid.csv`")
    assert "Columns: `variable, class, year," in section
    assert (
        "| `charger_power` | `kW` | 1 to 1000 | class: empty (the total) or a member of "
        "`classes` |  | Average power of a public charger |"
    ) in section
    assert "column `class` of `grid.csv`" in _section(result, "### `classes`: vehicle classes")
    assert "| `grid.csv` | `renewable_share` | `class` |" in result


def test_money_units_name_the_year_of_their_dollars(page: str) -> None:
    money = [
        (table, variable)
        for table, spec in schema()["tables"].items()
        for variable, v in spec["variables"].items()
        if units.is_money(v["unit"])
    ]
    assert money, "the schema has money variables"
    for table, variable in money:
        section = _section(page, f"## `{table}.csv`")
        assert re.search(rf"\| `{variable}` \| `[^`]*USD_<year>[^`]*` \|", section), variable


def test_an_unknown_kind_of_needed_years_is_refused() -> None:
    changed = _schema()
    changed["needs"][0]["years"] = "bse"
    with pytest.raises(ValueError, match=r"needs: stock\.stock: years = 'bse' is not one of"):
        datadoc.markdown(changed)

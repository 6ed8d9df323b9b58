"""``docs/variables.md``: generated from the definitions and the dimensions, current, complete."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from evhub import variabledoc
from evhub.dataset import Dataset, load_dataset
from evhub.definitions import TAGS, load_definitions, read_entries, tag_labels

DOCS = Path(__file__).parents[1] / "docs" / "variables.md"


@pytest.fixture(scope="module")
def page(dataset: Dataset) -> str:
    return variabledoc.markdown(dataset)


def test_docs_page_is_current(page: str) -> None:
    assert DOCS.read_text(encoding="utf-8") == page, (
        "docs/variables.md is stale: run `python scripts/generate_docs.py`"
    )


def test_every_variable_entry_and_tag_appears(page: str, dataset: Dataset) -> None:
    definitions = load_definitions(dataset.dims)
    for name, definition in definitions.items():
        cell = name.replace("|", "\\|")
        assert f"| {cell} | `{definition.unit}` | {definition.description} |" in page, name
    for entry in read_entries():
        cell = entry.name.replace("|", "\\|")
        assert f"| {cell} | `{entry.unit}` |" in page, entry.name
    labels = tag_labels(dataset.dims)
    for tag in TAGS:
        assert f"| `{{{tag}}}` |" in page
        assert f"| {', '.join(labels[tag])} |" in page
    assert f"has {len(definitions)} variables" in page


def _row(page: str, variable: str) -> str:
    cell = variable.replace("|", "\\|")
    return next(line for line in page.splitlines() if line.startswith(f"| {cell} |"))


def test_a_parent_lists_its_components_and_a_memo_says_so(page: str) -> None:
    components = "| Petrol + Diesel + LPG + HEV + PHEV + BEV |"
    assert _row(page, "Stock|Passenger Cars").endswith(components)
    assert _row(page, "Production|Passenger Cars|EV").endswith("| memo (not in the parent's sum) |")


def test_the_variables_follow_the_dataset_s_labels(
    data_dir: Path, replace_once: Callable[[Path, str, str], None]
) -> None:
    replace_once(data_dir / "dimensions.yaml", "label: Passenger Cars", "label: Automobiles")
    page = variabledoc.markdown(load_dataset(data_dir))
    assert "| Stock\\|Automobiles | `veh` |" in page
    assert "Stock\\|Passenger Cars" not in page
    assert "| Automobiles, Light Commercial Vehicles |" in page

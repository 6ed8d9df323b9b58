"""The IAMC variable definitions as Markdown (``docs/variables.md``), generated from the files.

Everything the page lists comes from where the model takes it: the entries
of ``data/definitions/variable/*.yaml`` (:func:`evhub.definitions.read_entries`),
the tags and the members they stand for (:data:`evhub.definitions.TAGS`,
:func:`evhub.definitions.tag_labels`), and every variable of a dataset with its
unit, description and the variables that sum to it
(:func:`evhub.definitions.load_definitions`). The prose is the template
``templates/variables.md.j2``; no variable is written in it.

``python scripts/generate_docs.py`` writes the page.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from evhub import definitions
from evhub.datadoc import markdown_environment
from evhub.dataset import Dataset, load_dataset

__all__ = ["markdown"]

#: The template of the page, in ``evhub/templates/``.
TEMPLATE = "variables.md.j2"


def markdown(data: Dataset | None = None, folder: Path | None = None) -> str:
    """The variable definitions as a Markdown page (``docs/variables.md``).

    Parameters
    ----------
    data
        The dataset whose dimensions fill the tags; the shipped one by default.
    folder
        A definitions folder; the shipped one by default.

    Returns
    -------
    str
        The page: the tags and their values, each file's entries with their
        tags, and every variable of the dataset with its unit, description and
        the variables that sum to it.
    """
    data = load_dataset() if data is None else data
    folder = definitions.DEFINITIONS_DIR if folder is None else folder
    entries = definitions.read_entries(folder)
    expanded = definitions.load_definitions(data.dims, folder)
    labels = definitions.tag_labels(data.dims)
    files = []
    for name, group in itertools.groupby(entries, key=lambda e: e.file):
        members = list(group)
        files.append(
            {
                "file": name,
                "title": Path(name).stem.replace("_", " ").capitalize(),
                "summary": _summary(folder / "variable" / name),
                "entries": members,
                "variables": [
                    _variable(v, expanded[v])
                    for entry in members
                    for v in _names(entry.name, labels)
                ],
            }
        )
    env = markdown_environment()
    env.filters["cell"] = _cell
    context = {
        "region": data.region,
        "dataset": data.name,
        "count": len(expanded),
        "tags": [
            {"name": tag, "selector": _selector(spec), "values": labels[tag]}
            for tag, spec in definitions.TAGS.items()
        ],
        "files": files,
    }
    return str(env.get_template(TEMPLATE).render(**context))


def _names(template: str, labels: dict[str, tuple[str, ...]]) -> list[str]:
    """The variables an entry stands for, in the order of its tags' members."""
    used = definitions.tags(template)
    return [
        definitions.fill_tags(template, dict(zip(used, combo, strict=True)))
        for combo in itertools.product(*(labels[t] for t in used))
    ]


def _variable(name: str, definition: definitions.Definition) -> dict[str, Any]:
    prefix = name + "|"
    parts = [c.removeprefix(prefix) for c in definition.components or ()]
    return {
        "name": name,
        "unit": definition.unit,
        "description": definition.description,
        "sum": " + ".join(parts),
        "memo": definition.memo,
    }


def _summary(path: Path) -> str:
    """The first comment line of a definitions file: what its variables cover."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    return first.lstrip("#").strip()


def _selector(spec: dict[str, Any]) -> str:
    """A tag's selector in words: the dimension, and the attributes its members have."""
    where = {**spec.get("where", {}), **{k: v for k, v in spec.items() if k != "dimension"}}
    where.pop("where", None)
    text = f"the members of `{spec['dimension']}`"
    if where:
        words = {True: "true", False: "false"}
        text += " with " + " and ".join(f"`{k}: {words.get(v, v)}`" for k, v in where.items())
    return text


def _cell(text: Any) -> str:
    """Text for a cell of a Markdown table: no pipe ends the cell, no line break."""
    return str(text).replace("|", "\\|").replace("\n", " ")

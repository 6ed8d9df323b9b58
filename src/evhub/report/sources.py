"""The sources the report cites: ``source`` fields split into references, and the bibliography."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import pandas as pd

from evhub.report.formatting import is_missing
from evhub.report.read import ResultsFolder

__all__ = [
    "Ref",
    "Source",
    "bibliography",
    "input_refs",
    "refs",
]

_FILE_SUFFIXES = (".yaml", ".yml")
_DATASET_FILE = "dataset.yaml"


_LINK_SCHEMES = ("http://", "https://")
#: The ``source`` of a value given on the command line (``evhub run --set``).
_OVERRIDES = "overrides"
_OVERRIDES_LABEL = "command-line override (--set)"


@dataclass(frozen=True)
class Ref:
    """One entry of a ``source`` field: a source id, a file, or an id missing from sources.

    Attributes
    ----------
    kind
        ``"source"`` (an entry of the bibliography), ``"file"`` (a scenario or
        dataset file, or a value set with ``--set``) or ``"missing"`` (an id not
        in ``sources``).
    key
        The source id, or the file name.
    label
        Text shown for it.
    """

    kind: str
    key: str
    label: str


def _file_ref(entry: str, scenarios: Iterable[str]) -> Ref:
    """A scenario or dataset file named as a source: shown by its name, not its path."""
    parts = re.split(r"[\\/]", entry)
    name = parts[-1]
    if PurePosixPath(name).stem in set(scenarios) or parts[-2:-1] == ["scenarios"]:
        return Ref("file", name, f"scenario file {name}")
    if name == _DATASET_FILE:
        return Ref("file", name, f"dataset file {name}")
    return Ref("file", name, f"file {name}")


def refs(text: Any, known: set[str], scenarios: Iterable[str]) -> list[Ref]:
    """Split a semicolon-separated ``source`` field into references."""
    if is_missing(text):
        return []
    refs = []
    for raw in str(text).split(";"):
        entry = raw.strip()
        if not entry:
            continue
        if entry in known:
            refs.append(Ref("source", entry, entry))
        elif entry == _OVERRIDES:
            refs.append(Ref("file", entry, _OVERRIDES_LABEL))
        elif entry.lower().endswith(_FILE_SUFFIXES) or "/" in entry or "\\" in entry:
            refs.append(_file_ref(entry, scenarios))
        else:
            refs.append(Ref("missing", entry, entry))
    return refs


def input_refs(cited: pd.DataFrame, known: set[str]) -> dict[tuple[str, str], list[Ref]]:
    """The references of each input, by (scenario, parameter), from table ``input_sources``.

    A source id is a ``source`` reference (``missing`` if not in ``known``); a
    scenario file or ``dataset.yaml`` is a ``file`` reference shown with its
    file, relative to the dataset folder; overrides are a ``file`` reference too.
    """
    out: dict[tuple[str, str], list[Ref]] = {}
    for rec in cited.itertuples(index=False):
        kind, source = str(rec.kind), str(rec.source)
        file = "" if is_missing(rec.file) else str(rec.file)
        if kind == "source":
            ref = Ref("source" if source in known else "missing", source, source)
        elif kind == "scenario":
            ref = Ref("file", file, f"scenario {source} ({file})")
        elif kind == "dataset":
            ref = Ref("file", file, f"dataset file {file}")
        else:
            ref = Ref("file", _OVERRIDES, _OVERRIDES_LABEL)
        out.setdefault((str(rec.scenario), str(rec.parameter)), []).append(ref)
    return out


@dataclass
class Source:
    """An entry of the bibliography (``link``: its address is a web link)."""

    id: str
    publisher: str
    title: str
    date: str
    url: str
    link: bool
    no_url_reason: str = ""


def bibliography(
    folder: ResultsFolder, used: Iterable[Ref]
) -> tuple[list[Source], list[Source], list[str], list[str]]:
    """The sources cited by the inputs and the pipeline, the dataset's other sources, ...

    ... the ids cited but not in ``sources``, and the files cited. The other
    sources are listed too: the dataset's tables (the observed history, the
    target paths) cite them, and the store does not record which table cites which.
    """
    cited = {r.key for r in used if r.kind == "source"}
    missing = sorted({r.key for r in used if r.kind == "missing"})
    files = sorted({r.label for r in used if r.kind == "file"})
    entries: list[Source] = []
    others: list[Source] = []
    table = folder.tables["sources"].drop_duplicates("id")
    table = table.assign(_key=table["id"].astype(str).str.lower()).sort_values("_key")
    for rec in table.itertuples(index=False):
        url = "" if is_missing(rec.url) else str(rec.url).strip()
        source = Source(
            id=str(rec.id),
            publisher="" if is_missing(rec.publisher) else str(rec.publisher),
            title="" if is_missing(rec.title) else str(rec.title),
            date="" if is_missing(rec.date) else str(rec.date),
            url=url,
            link=url.lower().startswith(_LINK_SCHEMES),
            no_url_reason="" if is_missing(rec.no_url_reason) else str(rec.no_url_reason),
        )
        (entries if source.id in cited else others).append(source)
    return entries, others, missing, files

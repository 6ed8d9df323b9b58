"""The dimensions file of a run (``dimensions.yaml``): written with the run, read by readers.

A run folder describes itself: ``dimensions.yaml`` holds the dimensions of the
run's dataset (its vehicle classes, powertrains, origins, ... with their
labels, as :mod:`evhub.dims` reads them), so a reader builds the figures of
the run's variables without the dataset (:func:`read_dims`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from evhub.dataset import DEFAULT_DATASET
from evhub.dims import DIMENSIONS_FILE, Dims, load_dims
from evhub.errors import InputError
from evhub.layout.names import DIMENSIONS

if TYPE_CHECKING:
    from evhub.layout.manifest import Manifest

__all__ = [
    "read_dims",
    "write_dims",
]


def write_dims(dims: Dims, path: Path) -> None:
    """Write a dataset's dimensions as a ``dimensions.yaml`` that :func:`read_dims` reads back.

    Every dimension's members in order, each with its label, description
    and attributes (the format of a dataset's ``dimensions.yaml``, comments
    and sources' text left out).
    """
    raw = {
        name: {
            m.id: {"label": m.label, "description": m.description, **dict(m.attributes)}
            for m in getattr(dims, name).members
        }
        for name in Dims.NAMES
    }
    text = (
        "# The dimensions of the dataset of this run, as the run used them (written by evhub).\n"
        + yaml.safe_dump(raw, allow_unicode=True, sort_keys=False, width=100)
    )
    with path.open("w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)


def read_dims(run: Path, manifest: Manifest, shown: Path | None = None) -> Dims:
    """The dimensions of the dataset of a run (its ``dimensions.yaml``).

    A run of an evhub before run folders held their dimensions (its manifest
    lists no ``dimensions.yaml``) gets the dimensions of the dataset shipped
    with evhub (:data:`evhub.dataset.DEFAULT_DATASET`), which are those of
    its results if it ran on that dataset; a run of another dataset then
    shows other labels than its files, and a reader that looks a variable up
    by name finds none (the report says to write the folder again).

    Parameters
    ----------
    run
        The run folder (checked with :func:`evhub.layout.open_run`).
    manifest
        Its manifest.
    shown
        The results folder, as messages name it (default: ``run``).

    Raises
    ------
    InputError
        If the file cannot be read as dimensions by this evhub (the message
        names it and says to write the folder again).
    """
    shown = shown if shown is not None else run
    if DIMENSIONS not in manifest.files:
        root = Path(str(resources.files("evhub").joinpath("data")))
        return load_dims(root / DEFAULT_DATASET / DIMENSIONS_FILE)
    try:
        return load_dims(run / DIMENSIONS)
    except InputError as exc:
        first = str(exc).splitlines()[0].replace(str(run / DIMENSIONS), str(shown / DIMENSIONS))
        msg = (
            f"{shown / DIMENSIONS}: the dimensions of run {manifest.run_id} cannot be read by "
            f"this evhub ({first}); write the folder again with `evhub run --out {shown}`"
        )
        raise InputError(msg) from None

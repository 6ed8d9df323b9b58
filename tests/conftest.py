"""Shared fixtures: the shipped dataset, a copy of it to break, one run of the shipped scenarios."""

import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

import evhub

SHIPPED = Path(str(resources.files("evhub").joinpath("data", "turkiye")))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh copy of the shipped dataset, to break one thing in."""
    folder = tmp_path / "turkiye"
    shutil.copytree(SHIPPED, folder)
    return folder


def _replace_once(path: Path, old: str, new: str) -> None:
    """Replace text that occurs exactly once (so a changed dataset fails loudly here)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path.name}: expected {old!r} exactly once"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def replace_once() -> Callable[[Path, str, str], None]:
    """Replace text of a file that occurs exactly once (``replace_once(path, old, new)``)."""
    return _replace_once


@pytest.fixture(scope="session")
def dataset():
    return evhub.load_dataset()


@pytest.fixture(scope="session")
def shipped(dataset):
    """All four shipped scenarios, run once for the session."""
    return evhub.run(dataset=dataset)

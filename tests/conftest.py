"""Shared fixtures: the shipped dataset, a copy of it to break, one run of the shipped scenarios."""

import shutil
import subprocess
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


#: nomenclature-iamc's own environment (made by ``make test``: it pins pandas < 3).
NOMENCLATURE = Path(__file__).parents[1] / ".venv-nomenclature" / "bin" / "python"


def _nomenclature(results: "evhub.Results", folder: Path) -> subprocess.CompletedProcess[str]:
    """Run nomenclature-iamc, offline, on the results' definitions and IAMC table."""
    from evhub.definitions import write_nomenclature

    definitions = write_nomenclature(results.dataset.dims, folder / "definitions")
    iamc = folder / "iamc.csv"
    results.to_iamc().to_csv(iamc, index=False)
    script = Path(__file__).parents[1] / "scripts" / "nomenclature_check.py"
    return subprocess.run(
        [str(NOMENCLATURE), str(script), str(definitions), str(iamc)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(folder)},  # offline: nothing to fetch
    )


@pytest.fixture
def nomenclature(tmp_path: Path) -> Callable[["evhub.Results"], subprocess.CompletedProcess[str]]:
    """``nomenclature(results)``: nomenclature-iamc's check of the results (skipped without it)."""
    if not NOMENCLATURE.is_file():
        pytest.skip(
            "nomenclature's environment .venv-nomenclature is missing: `make test` makes it"
        )
    return lambda results: _nomenclature(results, tmp_path)

"""The package as analysts get it: one version everywhere, and a citation and changelog.

The version is written once, in ``pyproject.toml``; ``evhub.__version__`` and
``evhub --version`` read it from the installed package's metadata, and
``CITATION.cff`` and ``CHANGELOG.md`` must follow it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from typer.testing import CliRunner

import evhub
from evhub.cli import app

ROOT = Path(__file__).resolve().parents[1]


def _pyproject_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]


def test_version_is_pyprojects() -> None:
    expected = _pyproject_version()
    assert evhub.__version__ == expected


def test_version_option_prints_the_version_and_exits_0() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"evhub {evhub.__version__}\n"
    assert result.stdout == f"evhub {_pyproject_version()}\n"


def test_citation_names_pyprojects_version_and_licence() -> None:
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert citation["cff-version"] == "1.2.0"
    assert citation["version"] == _pyproject_version()
    assert citation["license"] == pyproject["license"]
    assert citation["authors"] == [{"name": "evhub developers"}]


def test_changelog_has_a_section_for_the_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    version = re.escape(_pyproject_version())
    assert re.search(rf"^## \[{version}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, re.MULTILINE)
    assert re.search(r"^## \[Unreleased\]$", changelog, re.MULTILINE)

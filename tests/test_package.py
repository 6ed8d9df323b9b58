"""The package as analysts get it: one version everywhere.

The version is written once, in ``pyproject.toml``; ``evhub.__version__`` and
``evhub --version`` read it from the installed package's metadata.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

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

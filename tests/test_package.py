"""The package as analysts get it: one version everywhere, and a citation and changelog.

The version is written once, in ``pyproject.toml``; ``evhub.__version__`` and
``evhub --version`` read it from the installed package's metadata, and
``CITATION.cff`` and ``CHANGELOG.md`` must follow it. The wheel must hold every
file of the package and run ``evhub run`` and ``evhub report`` from a fresh environment,
outside the source tree, without writing the source tree's path anywhere.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import duckdb
import pytest
import yaml
from packaging.requirements import Requirement
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


# -- the wheel, outside the source tree ----------------------------------------------------

#: What setuptools reads to build the wheel: the rest of the checkout stays out of the build.
BUILD_INPUTS = ["pyproject.toml", "README.md", "LICENSE", "src"]
#: Seconds any one step (build, install, run, report) may take before the test gives up.
STEP_TIMEOUT = 300


def _clean_env() -> dict[str, str]:
    """The environment without anything that would put the source tree on ``sys.path``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE"}
        and not key.startswith("EVHUB_")
    }
    env["PYTHONNOUSERSITE"] = "1"
    return env


def _check(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command; its stdout, or a failure with its stdout and stderr."""
    done = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _source_trees() -> set[Path]:
    """Every source tree evhub could come from here.

    This checkout, the one this process imports evhub from, and the one the development
    environment's editable install points at.
    """
    trees = {ROOT, Path(evhub.__file__).resolve().parents[2]}
    direct_url = metadata.distribution("evhub").read_text("direct_url.json")
    if direct_url:
        url = json.loads(direct_url).get("url", "")
        if url.startswith("file://"):
            trees.add(Path(url.removeprefix("file://")).resolve())
    return trees


@dataclass
class Installed:
    """evhub built as a wheel and installed alone into a fresh environment."""

    wheel: Path
    venv: Path
    site: Path
    python: Path


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the wheel from a copy of the build inputs; install it into a new venv.

    The new venv has no pip and no dependencies of its own: a ``.pth`` file adds this
    environment's site-packages to its ``sys.path``, so numpy, pandas, ... come from here
    without a download. Site-packages named in a ``.pth`` file are only added to the path
    (their own ``.pth`` files are not run), so the editable install of evhub here (a
    ``.pth`` file or finder) stays out, and the wheel's evhub is the only one there.
    """
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"][
        "requires"
    ]
    for requirement in map(Requirement, requires):
        try:
            found = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            found = None
        if found is None or not requirement.specifier.contains(found, prereleases=True):
            pytest.fail(
                f"building the wheel without network needs {requirement} in this environment "
                f"(found {found}): `make test` installs it with the dev group"
            )
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    wheels = tmp / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    _check([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", wheels, "."], cwd=source)
    (wheel,) = wheels.glob("evhub-*.whl")

    venv = tmp / "venv"
    env = _clean_env()
    _check([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp, env=env)
    python = venv / "bin" / "python"
    _check([*pip, "--python", python, "install", "--no-deps", "--no-index", wheel], tmp, env)
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = Path(_check([python, "-c", purelib], cwd=tmp, env=env).strip())
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site / "_evhub_test_dependencies.pth").write_text(
        "".join(f"{path}\n" for path in sorted(ours)), encoding="utf-8"
    )
    return Installed(wheel, venv, site, python)


@pytest.mark.slow
def test_wheel_holds_every_file_of_the_package(installed: Installed) -> None:
    # every file of src/evhub (modules, the dataset, definitions, scenarios, templates):
    # a data file that package-data misses would be read from the source tree in a
    # checkout, and be missing for anyone who installed the wheel
    package = ROOT / "src"
    expected = {
        path.relative_to(package).as_posix()
        for path in (package / "evhub").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    with zipfile.ZipFile(installed.wheel) as wheel:
        shipped = {name for name in wheel.namelist() if name.startswith("evhub/")}
    assert expected - shipped == set()


@pytest.mark.slow
def test_wheel_runs_outside_the_source_tree(installed: Installed) -> None:
    env = _clean_env()
    work = installed.venv.parent / "work"
    work.mkdir()
    where = json.loads(
        _check(
            [
                installed.python,
                "-c",
                "import json, evhub; from importlib import metadata; print(json.dumps({"
                "'module': evhub.__file__, 'version': evhub.__version__, "
                "'metadata': str(metadata.distribution('evhub').locate_file('')), "
                "'dataset': str(evhub.load_dataset().path)}))",
            ],
            cwd=work,
            env=env,
        )
    )
    site = installed.site.resolve()
    assert Path(where["module"]).resolve().is_relative_to(site), where
    assert Path(where["metadata"]).resolve() == site, where
    assert Path(where["dataset"]).resolve().is_relative_to(site), where
    assert where["version"] == _pyproject_version()

    out = work / "OUT"
    _check([installed.python, "-m", "evhub", "run", "baseline", "--out", "OUT"], work, env)
    _check([installed.python, "-m", "evhub", "report", "OUT"], work, env)

    # the shipped dataset is named, not located; its scenario files relative to it
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["dataset"]["path"] == ""
    assert manifest["dataset"]["shipped"] is True
    for scenario in manifest["scenarios"]:
        for file in scenario["files"]:
            assert file["path"] == f"scenarios/{file['name']}.yaml", file

    # no path of a source tree, nor of the venv's site-packages, in any file of the
    # results (manifest, CSVs, YAML, report)
    trees = {str(tree) for tree in _source_trees()} | {str(site), str(installed.site)}
    files = [Path(top) / name for top, _, names in os.walk(out) for name in names]
    files = [path for path in files if path.is_file() and not path.is_symlink()]
    assert {path.name for path in files} >= {"manifest.json", "iamc.csv", "report.html"}
    for path in files:
        data = path.read_bytes()
        for tree in trees:
            assert tree.encode() not in data, f"{path} names {tree}"
    # nor in the store's text columns (its pages may be compressed: ask DuckDB)
    with duckdb.connect(str(out / "evhub.duckdb"), read_only=True) as store:
        columns = store.execute(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE t.table_type = 'BASE TABLE' AND c.data_type = 'VARCHAR'"
        ).fetchall()
        assert columns
        for table, column in columns:
            for tree in trees:
                (hits,) = store.execute(
                    f'SELECT count(*) FROM "{table}" WHERE contains("{column}", ?)', [tree]
                ).fetchone() or (0,)
                assert hits == 0, f"{table}.{column} names {tree}"

"""Hostile inputs through every way in but the dataset and the results folder.

Each case is written by hand: what a careless or hostile user gives, and what
the message must name (the file or option, the key, the value). A case passes
only if evhub refuses it with its own :class:`~evhub.errors.InputError` (exit
code 2 on the command line, one ``error:`` line, no traceback) and writes
nothing. Any other exception fails the case: catching everything and printing
it would not pass.

Categories: scenario file bytes, scenario YAML structure, scenario values,
``--set``, command-line options, the dashboard form and the Python API. The
dataset's cases are in ``test_dataset.py`` and the results folder's in
``test_results_folders.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import evhub
from evhub.cli import app
from evhub.dashboard import logic
from evhub.errors import InputError

runner = CliRunner()

#: A YAML alias bomb ("billion laughs"): 9 levels of 9 aliases, about 387 million strings.
BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)
#: The same bomb on one line, as a --set value or in the dashboard's box.
BOMB_FLOW = (
    "{a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol], "
    + ", ".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(8)
    )
    + "}"
)
HEAD = "name: mine\ndescription: a hostile scenario\nextends: baseline\n"
GOALSEEK = (
    "goalseek",
    "baseline",
    "--target",
    "EVs built (Passenger Cars)",
    "--year",
    "2030",
    "--value",
)


@dataclass(frozen=True)
class Case:
    """One hostile input: how to give it and what the message must contain."""

    id: str
    body: bytes | str | None = None  # a scenario file's content (None: no file)
    args: tuple[str, ...] = ()  # command-line words after `evhub` ({file} = the scenario)
    expect: tuple[str, ...] = ()  # fragments of the message ({file} = the scenario)


def _file(tmp_path: Path, body: bytes | str) -> Path:
    path = tmp_path / "mine.yaml"
    if isinstance(body, bytes):
        path.write_bytes(body)
    else:
        path.write_text(body, encoding="utf-8")
    return path


def _check_cli(tmp_path: Path, case: Case) -> None:
    out = tmp_path / "out"
    path = _file(tmp_path, case.body) if case.body is not None else tmp_path / "mine.yaml"
    args = [a.replace("{file}", str(path)).replace("{out}", str(out)) for a in case.args]
    if "--out" not in args and args and args[0] == "run":
        args += ["--out", str(out)]
    result = runner.invoke(app, args)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    err = result.stderr.strip()
    assert err.count("error") == 1 or "Usage:" in err, err
    for fragment in case.expect:
        assert fragment.replace("{file}", str(path)) in err, (fragment, err)
    assert not out.exists(), "nothing may be written"


# --------------------------------------------------------------------------
# 1. Scenario files: bytes that are not UTF-8 text
# --------------------------------------------------------------------------

BYTES = [
    Case(
        "utf16",
        HEAD.encode("utf-16"),
        ("run", "{file}"),
        ("{file}", "UTF-16", "save it as UTF-8"),
    ),
    Case(
        "utf16-be",
        b"\xfe\xff" + HEAD.encode("utf-16-be"),
        ("run", "{file}"),
        ("{file}", "UTF-16"),
    ),
    Case(
        "latin1-byte",
        (HEAD + "# T\xfcrkiye\n").encode("latin-1"),
        ("run", "{file}"),
        ("{file}", "line 4", "0xfc", "not UTF-8"),
    ),
    Case(
        "windows-1254-dotless-i",
        (HEAD + "# \xfdzmir\n").encode("latin-1"),
        ("run", "{file}"),
        ("{file}", "0xfd", "not UTF-8"),
    ),
    Case("random-bytes", bytes(range(256)) * 4, ("run", "{file}"), ("{file}", "not UTF-8")),
    Case("nul-byte", HEAD + "\x00\n", ("run", "{file}"), ("{file}", "line 4", "NUL", "binary")),
    Case("png-header", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, ("run", "{file}"), ("{file}",)),
    Case(
        "huge-file",
        HEAD + "# " + "x" * (11 * 2**20) + "\n",
        ("run", "{file}"),
        ("{file}", "bytes", "more than the 10,485,760 bytes"),
    ),
    Case("empty-file", "", ("run", "{file}"), ("{file}", "a scenario is a mapping")),
    Case(
        "only-comment", "# nothing here\n", ("run", "{file}"), ("{file}", "a scenario is a mapping")
    ),
    Case(
        "bom-then-utf16",
        b"\xef\xbb\xbf" + "name: x".encode("utf-16-le"),
        ("run", "{file}"),
        ("{file}", "NUL"),
    ),
    Case("missing-file", None, ("run", "{file}"), ("{file}", "not found")),
    Case(
        "scenarios-show-latin1",
        (HEAD + "# \xe7\n").encode("latin-1"),
        ("scenarios", "show", "{file}"),
        ("{file}", "0xe7"),
    ),
]


@pytest.mark.parametrize("case", BYTES, ids=[c.id for c in BYTES])
def test_scenario_bytes(tmp_path: Path, case: Case) -> None:
    _check_cli(tmp_path, case)


def test_a_bom_is_fine(tmp_path: Path) -> None:
    path = _file(tmp_path, b"\xef\xbb\xbf" + HEAD.encode())
    result = runner.invoke(app, ["scenarios", "show", str(path)])
    assert result.exit_code == 0, result.output


# --------------------------------------------------------------------------
# 2. Scenario YAML structure
# --------------------------------------------------------------------------

STRUCTURE = [
    Case(
        "alias-bomb",
        HEAD + "overrides: {}\n" + BOMB,
        ("run", "{file}"),
        ("{file}", "expands to more than 200,000 values", "refused before expanding"),
    ),
    Case(
        "alias-bomb-in-overrides",
        HEAD + "overrides:\n  x: " + BOMB_FLOW + "\n",
        ("run", "{file}"),
        ("{file}",),
    ),
    Case(
        "self-referencing-alias",
        HEAD + "overrides: &o {market: *o}\n",
        ("run", "{file}"),
        ("{file}", "line 4", "an alias refers to the mapping or list that holds it"),
    ),
    Case(
        "self-referencing-list",
        HEAD + "overrides: {x: &l [1, *l]}\n",
        ("run", "{file}"),
        ("{file}", "an alias refers"),
    ),
    Case(
        "deep-flow-nesting",
        HEAD + "overrides: {x: " + "[" * 10_000 + "]" * 10_000 + "}\n",
        ("run", "{file}"),
        ("{file}", "nested more than 40 levels deep"),
    ),
    Case(
        "deep-block-nesting",
        HEAD + "overrides:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 60)),
        ("run", "{file}"),
        ("{file}", "nested more than 40 levels deep"),
    ),
    Case(
        "duplicate-top-key",
        HEAD + "name: again\n",
        ("run", "{file}"),
        ("{file}", "line 4", "key 'name' is given twice", "first on line 1"),
    ),
    Case(
        "duplicate-parameter-key",
        HEAD
        + "overrides:\n  market:\n    bev_share: {ceiling: 60}\n    bev_share: {ceiling: 90}\n",
        ("run", "{file}"),
        ("{file}", "line 7", "key 'bev_share' is given twice"),
    ),
    Case(
        "duplicate-flow-key",
        HEAD + "overrides: {car.trade.utilisation: 70, car.trade.utilisation: 80}\n",
        ("run", "{file}"),
        ("{file}", "key 'car.trade.utilisation' is given twice"),
    ),
    Case(
        "two-documents",
        HEAD + "---\nname: other\n",
        ("run", "{file}"),
        ("{file}", "malformed YAML", "another document"),
    ),
    Case(
        "python-tag",
        HEAD + "overrides: !!python/object/apply:os.system [echo hi]\n",
        ("run", "{file}"),
        ("{file}", "malformed YAML", "could not determine a constructor"),
    ),
    Case(
        "unhashable-key",
        HEAD + "overrides: {[1, 2]: 3}\n",
        ("run", "{file}"),
        ("{file}", "malformed YAML"),
    ),
    Case(
        "tab-indent",
        HEAD + "overrides:\n\tmarket: {}\n",
        ("run", "{file}"),
        ("{file}", "malformed YAML", "line 5"),
    ),
    Case("top-level-list", "- name: x\n", ("run", "{file}"), ("{file}", "a scenario is a mapping")),
    Case("top-level-scalar", "hub\n", ("run", "{file}"), ("{file}", "a scenario is a mapping")),
    Case(
        "5000-digit-integer",
        HEAD + "overrides: {car.trade.utilisation: " + "9" * 5000 + "}\n",
        ("run", "{file}"),
        ("{file}", "car.trade.utilisation = 999999999999", "5,000 characters", "too long a number"),
    ),
    Case(
        "unknown-top-key",
        HEAD + "overide: {}\n",
        ("run", "{file}"),
        ("{file}", "unknown key 'overide'"),
    ),
    Case(
        "no-description",
        "name: x\nextends: baseline\n",
        ("run", "{file}"),
        ("{file}", "description"),
    ),
    Case(
        "extends-itself",
        "name: mine\ndescription: d\nextends: mine.yaml\n",
        ("run", "{file}"),
        ("{file}", "makes a cycle"),
    ),
    Case(
        "extends-missing",
        "name: mine\ndescription: d\nextends: nowhere.yaml\n",
        ("run", "{file}"),
        ("{file}", "extends = 'nowhere.yaml'", "not found"),
    ),
    Case(
        "overrides-a-list",
        HEAD + "overrides: [1, 2]\n",
        ("run", "{file}"),
        ("{file}", "overrides"),
    ),
]


@pytest.mark.parametrize("case", STRUCTURE, ids=[c.id for c in STRUCTURE])
def test_scenario_structure(tmp_path: Path, case: Case) -> None:
    _check_cli(tmp_path, case)


def test_bomb_fails_fast(tmp_path: Path) -> None:
    import time

    path = _file(tmp_path, HEAD + BOMB)
    start = time.perf_counter()
    with pytest.raises(InputError, match="expands to more than"):
        evhub.resolve(path)
    assert time.perf_counter() - start < 1.0


# --------------------------------------------------------------------------
# 3. Scenario values: numbers that are not finite, out of bounds or in the wrong place
# --------------------------------------------------------------------------


def _value(id_: str, override: str, *expect: str) -> Case:
    return Case(id_, HEAD + f"overrides:\n  {override}\n", ("run", "{file}"), ("{file}", *expect))


VALUES = [
    _value("capex-inf", "pipeline.capex_per_vehicle: .inf", "capex_per_vehicle = .inf", "finite"),
    _value(
        "capex-1e308",
        "pipeline.capex_per_vehicle: 1.0e+308",
        "pipeline.capex_per_vehicle = 1e+308",
        "less than or equal to 100,000",
    ),
    _value("duty-1e308", "policy.duty.china.all: 1.0e+308", "policy.duty.china.all", "1,000"),
    _value(
        "duty-negative",
        "policy.duty.eu.bev: -500",
        "policy.duty.eu.bev = -500",
        "greater than or equal",
    ),
    _value("import-price-inf", "car.trade.import_price.china: .Inf", "import_price.china = .Inf"),
    _value("import-price-huge", "car.trade.import_price.eu: 5.0e+6", "import_price.eu = 5000000.0"),
    _value(
        "export-price-zero",
        "car.trade.export_price: 0",
        "car.trade.export_price = 0",
        "greater than 0",
    ),
    _value(
        "capacity-1e9",
        "pipeline.overrides: {byd-manisa: {capacity: 1.0e+9}}",
        "pipeline.overrides.byd-manisa.capacity = 1000000000.0",
        "outside [0, 6,120,000]",
    ),
    _value(
        "target-value-inf",
        "targets.cars_built: {year: 2030, value: .inf}",
        "value = .inf",
        "finite",
    ),
    _value(
        "target-value-1e308",
        "targets.jobs: {year: 2030, value: 1.0e+308}",
        "targets.jobs.value = 1e+308",
    ),
    _value(
        "delay-nan",
        "pipeline.overrides: {togg-gemlik: {delay: .nan}}",
        "delay = .nan",
        "not a finite number",
    ),
    _value(
        "start-year-1900",
        "pipeline.overrides: {byd-manisa: {start_year: 1900}}",
        "pipeline.overrides.byd-manisa.start_year = 1900",
        "outside [2000, 2060]",
    ),
    _value(
        "start-year-fraction",
        "pipeline.overrides: {byd-manisa: {start_year: 2027.5}}",
        "start_year = 2027.5",
    ),
    _value(
        "gdp-year-before-base",
        "market.gdp_growth.2010: 3",
        "market.gdp_growth.2010",
        "not a projection year",
    ),
    _value(
        "gdp-year-after-last",
        "market.gdp_growth.2070: 3",
        "market.gdp_growth.2070",
        "up to 2060",
    ),
    _value(
        "grid-year-base",
        "grid.renewable_share.2025: 60",
        "grid.renewable_share.2025",
        "after the base year 2025",
    ),
    _value(
        "gdp-group-scalar",
        "market.gdp_growth: 3",
        "market.gdp_growth = 3",
        "keyed by year",
    ),
    _value(
        "ramp-year-zero",
        "pipeline.ramp.0: 0.5",
        "pipeline.ramp.0",
        "year of operation 0",
    ),
    _value("ramp-share-2", "pipeline.ramp.1: 2", "pipeline.ramp.1 = 2", "less than or equal to 1"),
    _value(
        "ban-year-fraction",
        "car.market.ice_ban_year: 2035.5",
        "car.market.ice_ban_year = 2035.5",
        "whole number",
    ),
    _value("ban-year-3000", "car.market.ice_ban_year: 3000", "ice_ban_year = 3000", "2100"),
    _value(
        "share-true", "car.trade.utilisation: yes", "car.trade.utilisation = True", "not a number"
    ),
    _value(
        "share-text",
        "car.trade.utilisation: lots",
        "car.trade.utilisation = 'lots'",
        "valid number",
    ),
    _value("share-list", "car.trade.utilisation: [80, 90]", "car.trade.utilisation"),
    _value("share-date", "car.trade.utilisation: 2030-01-01", "car.trade.utilisation"),
    _value(
        "steepness-zero",
        "car.market.bev_share.steepness: 0",
        "steepness = 0",
        "greater than 0",
    ),
    _value(
        "lifetime-1000",
        "car.fleet.lifetime: {distribution: fixed, years: 1000}",
        "car.fleet.lifetime.years = 1000",
        "150",
    ),
    _value(
        "elasticity-1e100",
        "car.trade.eu_elasticity: 1.0e+100",
        "car.trade.eu_elasticity",
        "less than or equal to 20",
    ),
    _value(
        "distribution-inf",
        "car.trade.utilisation: {dist: normal, mean: 80, sd: .inf}",
        "line 5",
        "overrides.car.trade.utilisation.sd = .inf is not a finite number",
    ),
    _value(
        "distribution-over-bounds",
        "policy.duty.china.all: {dist: uniform, low: 0, high: 5000}",
        "policy.duty.china.all",
        "[-100, 1000]",
    ),
    _value(
        "target-year-2100",
        "targets.cars_built: {year: 2100, value: 1000}",
        "targets.cars_built.year = 2100",
        "outside [2000, 2060]",
    ),
    _value(
        "chemistry-sum",
        "battery.chemistry_share: {lfp: 90, nmc: 90, nca: 0}",
        "battery.chemistry_share",
        "sum to 180",
    ),
    _value(
        "unknown-project",
        "pipeline.overrides: {byd-manissa: {delay: 1}}",
        "unknown project 'byd-manissa'",
        "did you mean 'byd-manisa'",
    ),
    _value(
        "drop-text",
        "pipeline.overrides: {byd-manisa: {drop: maybe}}",
        "drop = 'maybe'",
        "true or false",
    ),
]


@pytest.mark.parametrize("case", VALUES, ids=[c.id for c in VALUES])
def test_scenario_values(tmp_path: Path, case: Case) -> None:
    _check_cli(tmp_path, case)


# --------------------------------------------------------------------------
# 4. --set
# --------------------------------------------------------------------------


def _set(id_: str, *sets: str, expect: tuple[str, ...]) -> Case:
    args: list[str] = ["run", "baseline"]
    for item in sets:
        args += ["--set", item]
    return Case(id_, None, tuple(args), expect)


SETS = [
    _set(
        "group-and-year",
        "market.gdp_growth=3",
        "market.gdp_growth.2030=2",
        expect=("market.gdp_growth = 3", "keyed by year"),
    ),
    _set(
        "group-mapping-and-year",
        "market.gdp_growth={2030: 3}",
        "market.gdp_growth.2031=9999",
        expect=("market.gdp_growth.2031 = 9999", "less than or equal to 20"),
    ),
    _set(
        "bomb",
        "car.trade.utilisation=" + BOMB_FLOW,
        expect=("--set car.trade.utilisation", "expands to more than"),
    ),
    _set(
        "self-alias",
        "car.trade.utilisation=&a [*a]",
        expect=("--set car.trade.utilisation", "an alias refers"),
    ),
    _set(
        "inf", "car.trade.utilisation=.inf", expect=("--set car.trade.utilisation", "not a finite")
    ),
    _set("nan", "pipeline.stages.talks.delay=.nan", expect=("--set pipeline.stages.talks.delay",)),
    _set(
        "1e400",
        "car.trade.import_price.china=1e400",
        expect=("overrides: car.trade.import_price.china = '1e400'", "not a finite number"),
    ),
    _set(
        "huge-integer",
        "car.trade.import_price.china=" + "1" * 4400,
        expect=("--set car.trade.import_price.china", "too long a number"),
    ),
    _set(
        "no-equals", "car.trade.utilisation", expect=("--set 'car.trade.utilisation'", "PATH=VALUE")
    ),
    _set("empty-path", "=5", expect=("--set '=5'", "PATH=VALUE")),
    _set("unknown-path", "trade.utilization=80", expect=("trade.utilization", "did you mean")),
    _set(
        "duplicate-in-flow",
        "car.market.bev_share={ceiling: 50, ceiling: 60}",
        expect=("--set car.market.bev_share", "key 'ceiling' is given twice"),
    ),
    _set(
        "deep",
        "car.trade.utilisation=" + "[" * 100 + "]" * 100,
        expect=("--set car.trade.utilisation", "nested more than 40"),
    ),
    _set(
        "malformed",
        "car.trade.utilisation={a: ",
        expect=("--set car.trade.utilisation", "malformed YAML"),
    ),
    _set(
        "bool",
        "car.trade.utilisation=true",
        expect=("car.trade.utilisation = True", "not a number"),
    ),
    _set(
        "python-tag",
        "car.trade.utilisation=!!python/name:os.system",
        expect=("--set car.trade.utilisation", "could not determine a constructor"),
    ),
    _set(
        "group-as-number",
        "car.market.bev_share=50",
        expect=("car.market.bev_share = 50", "a group of parameters"),
    ),
    _set(
        "project-start-1900",
        "pipeline.overrides.byd-manisa.start_year=1900",
        expect=("pipeline.overrides.byd-manisa.start_year = 1900",),
    ),
    _set(
        "year-key-word",
        "grid.renewable_share.soon=50",
        expect=("grid.renewable_share.soon", "not a year"),
    ),
    _set(
        "negative-capacity",
        "pipeline.overrides.siro-gemlik-cells.capacity=-20",
        expect=("siro-gemlik-cells.capacity = -20", "outside [0, 450] veh/yr or GWh/yr"),
    ),
]


@pytest.mark.parametrize("case", SETS, ids=[c.id for c in SETS])
def test_set(tmp_path: Path, case: Case) -> None:
    _check_cli(tmp_path, case)


# --------------------------------------------------------------------------
# 5. Command-line options
# --------------------------------------------------------------------------

OPTIONS = [
    Case("seed-negative", None, ("run", "baseline", "--seed", "-1"), ("--seed -1", "at least 0")),
    Case(
        "samples-absurd",
        None,
        ("run", "baseline", "--samples", "99999999999"),
        ("--samples 99,999,999,999", "at most 10,000,000"),
    ),
    Case(
        "samples-beyond-disk",
        None,
        ("run", "--samples", "9000000"),
        ("--samples 9,000,000", "scratch space", "free"),
    ),
    Case("samples-zero", None, ("run", "baseline", "--samples", "0"), ("--samples",)),
    Case("samples-text", None, ("run", "baseline", "--samples", "many"), ("--samples",)),
    Case(
        "sampler-unknown",
        None,
        ("run", "baseline", "--sampler", "monte-carlo"),
        ("--sampler 'monte-carlo'", "lhs"),
    ),
    Case(
        "chunk-zero",
        None,
        ("run", "baseline", "--samples", "4", "--chunk-size", "0"),
        ("--chunk-size 0", "at least 1"),
    ),
    Case(
        "workers-absurd",
        None,
        ("run", "baseline", "--samples", "4", "--workers", "100000"),
        ("--workers 100,000", "at most 256"),
    ),
    Case(
        "seed-huge",
        None,
        ("run", "baseline", "--samples", "4", "--seed", "1" + "0" * 30),
        ("--seed",),
    ),
    Case(
        "sensitivity-samples-one",
        None,
        (
            "sensitivity",
            "baseline",
            "--indicator",
            "Vehicles built (Passenger Cars)",
            "--year",
            "2030",
            "--samples",
            "1",
        ),
        ("--samples 1",),
    ),
    Case(
        "sensitivity-year-3000",
        None,
        (
            "sensitivity",
            "baseline",
            "--indicator",
            "Vehicles built (Passenger Cars)",
            "--year",
            "3000",
        ),
        ("3000",),
    ),
    Case(
        "sensitivity-seed-negative",
        None,
        (
            "sensitivity",
            "baseline",
            "--indicator",
            "Vehicles built (Passenger Cars)",
            "--year",
            "2030",
            "--seed",
            "-5",
        ),
        ("--seed -5", "at least 0"),
    ),
    Case(
        "goalseek-value-nan",
        None,
        (
            *GOALSEEK,
            "nan",
            "--vary",
            "car.trade.utilisation",
            "--range",
            "50",
            "90",
        ),
        ("--value = nan", "not a finite number"),
    ),
    Case(
        "goalseek-range-inf",
        None,
        (
            *GOALSEEK,
            "1000",
            "--vary",
            "car.trade.utilisation",
            "--range",
            "50",
            "inf",
        ),
        ("--range = inf", "not a finite number"),
    ),
    Case(
        "goalseek-range-beyond-bounds",
        None,
        (
            *GOALSEEK,
            "1000",
            "--vary",
            "car.trade.utilisation",
            "--range",
            "50",
            "150",
        ),
        ("--range 50 150", "car.trade.utilisation", "[0, 100]"),
    ),
    Case(
        "goalseek-probability-2",
        None,
        (
            *GOALSEEK,
            "1000",
            "--vary",
            "car.trade.utilisation",
            "--range",
            "50",
            "90",
            "--probability",
            "2",
        ),
        ("--probability",),
    ),
    Case("pipeline-year-1800", None, ("pipeline", "--year", "1800"), ("--year 1800", "2000-2060")),
    Case(
        "calibrate-start-1800",
        None,
        ("calibrate", "--start", "1800"),
        ("start = 1800", "observed years"),
    ),
    Case(
        "dataset-missing",
        None,
        ("run", "baseline", "--dataset", "/nonexistent/dataset"),
        ("/nonexistent/dataset", "not found"),
    ),
    Case(
        "dataset-is-a-file",
        "name: x\n",
        ("run", "baseline", "--dataset", "{file}"),
        ("{file}", "not found"),
    ),
    Case("dashboard-port-0", None, ("dashboard", "--port", "0"), ("--port",)),
]


@pytest.mark.parametrize("case", OPTIONS, ids=[c.id for c in OPTIONS])
def test_options(tmp_path: Path, case: Case) -> None:
    _check_cli(tmp_path, case)


# --------------------------------------------------------------------------
# 6. The dashboard form
# --------------------------------------------------------------------------

FORM = [
    ("bomb", "x = " + BOMB_FLOW, ("Other parameters, line 1", "x:", "expands")),
    ("self-alias", "x = &a [*a]", ("Other parameters, line 1", "an alias refers")),
    ("deep", "x = " + "{a: " * 60 + "1" + "}" * 60, ("line 1", "nested more than 40")),
    ("inf", "car.trade.utilisation = .inf", ("line 1", "car.trade.utilisation", "not a finite")),
    ("nan", "# c\ncar.trade.utilisation = .NaN", ("line 2", "car.trade.utilisation", ".NaN")),
    ("huge-int", "car.trade.utilisation = " + "7" * 5000, ("line 1", "too long a number")),
    ("duplicate", "car.market.bev_share = {ceiling: 1, ceiling: 2}", ("line 1", "given twice")),
    ("no-equals", "car.trade.utilisation 80", ("line 1", "expected PATH = VALUE")),
    ("malformed", "car.trade.utilisation = [", ("line 1", "malformed YAML")),
    (
        "tag",
        "car.trade.utilisation = !!binary aGk=",
        ("car.trade.utilisation = b'hi'", "valid number"),
    ),
]


@pytest.mark.parametrize(("text", "expect"), [c[1:] for c in FORM], ids=[c[0] for c in FORM])
def test_dashboard_box(text: str, expect: tuple[str, ...]) -> None:
    try:
        overrides = logic.parse_extra(text)
        evhub.resolve("baseline", None, overrides)
    except InputError as exc:
        for fragment in expect:
            assert fragment in str(exc), (fragment, str(exc))
    else:
        pytest.fail(f"accepted: {text[:40]!r}")


FORM_VALUES = [
    (
        "ceiling-nan",
        {"car.market.bev_share.ceiling": math.nan},
        ("car.market.bev_share.ceiling", "nan"),
    ),
    (
        "ceiling-inf",
        {"car.market.bev_share.ceiling": math.inf},
        ("car.market.bev_share.ceiling", "inf"),
    ),
    ("delay-huge", {"pipeline.overrides.byd-manisa.delay": 1e9}, ("delay", "30")),
    ("grid-negative", {"grid.renewable_share.2035": -1.0}, ("renewable_share.2035", "-1.0")),
    ("probability-2", {"pipeline.overrides.togg-gemlik.probability": 2.0}, ("probability",)),
]


@pytest.mark.parametrize(
    ("overrides", "expect"), [c[1:] for c in FORM_VALUES], ids=[c[0] for c in FORM_VALUES]
)
def test_dashboard_values(dataset, overrides: dict, expect: tuple[str, ...]) -> None:
    with pytest.raises(InputError) as info:
        logic.check("baseline", overrides, data=dataset)
    for fragment in expect:
        assert fragment in str(info.value), (fragment, str(info.value))


# --------------------------------------------------------------------------
# 7. The Python API
# --------------------------------------------------------------------------

API = [
    (
        "overrides-nan",
        dict(overrides={"car.trade.utilisation": float("nan")}),
        ("utilisation", "nan"),
    ),
    (
        "overrides-numpy-inf",
        dict(overrides={"car.trade.import_price.eu": np.float64("inf")}),
        ("car.trade.import_price.eu", "inf"),
    ),
    ("overrides-list", dict(overrides=[("car.trade.utilisation", 50)]), ("expected a mapping",)),
    ("overrides-int-key", dict(overrides={3: 4}), ("key 3",)),
    (
        "overrides-huge-int",
        dict(overrides={"car.trade.import_price.eu": 10**400}),
        ("car.trade.import_price.eu", "too large"),
    ),
    (
        "overrides-nested-nan",
        dict(overrides={"car": {"market": {"bev_share": {"ceiling": float("nan")}}}}),
        ("overrides: car.market.bev_share.ceiling", "nan"),
    ),
    ("samples-float", dict(samples=2.5), ("--samples 2.5", "whole number")),
    ("samples-bool", dict(samples=True), ("--samples True", "whole number")),
    ("samples-negative", dict(samples=-3), ("--samples -3", "at least 1")),
    ("seed-negative", dict(seed=-1), ("--seed -1",)),
    ("seed-text", dict(seed="1"), ("--seed '1'",)),
    ("sampler-none", dict(sampler=None), ("--sampler None",)),
    ("chunk-negative", dict(samples=4, chunk_size=-1), ("--chunk-size -1",)),
    ("dataset-missing", dict(dataset="/no/such/folder"), ("/no/such/folder", "not found")),
    ("scenario-unknown", dict(scenarios="basline"), ("unknown scenario 'basline'",)),
    ("scenario-twice", dict(scenarios=["hub", "hub"]), ("'hub' is given twice",)),
]


@pytest.mark.parametrize(("kwargs", "expect"), [c[1:] for c in API], ids=[c[0] for c in API])
def test_api(kwargs: dict, expect: tuple[str, ...]) -> None:
    kwargs = {"scenarios": "baseline", **kwargs}
    with pytest.raises(InputError) as info:
        evhub.run(**kwargs)
    for fragment in expect:
        assert fragment in str(info.value), (fragment, str(info.value))

"""The ensemble verbs on the command line: ``run --samples``, ``sensitivity``, ``goalseek``.

Like ``test_cli.py``, every test calls the Typer app in-process with
``CliRunner``. Bad input must exit with code 2, print one message and no
traceback, and write nothing; a goal seek without a solution exits with 1.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

import evhub
from evhub.cli import app
from evhub.ensemble import QUANTILES

runner = CliRunner()
ENSEMBLE_FILES = ["iamc_quantiles.csv", "targets.csv"]
STEM = "sensitivity-baseline-production-passenger-cars-ev-2030"


def _invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


def _assert_input_error(result: Result, *fragments: str) -> None:
    """Exit code 2, no exception escaped, and one error message containing each fragment."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.stderr.lstrip().startswith("error: ")
    assert result.stderr.count("error: ") == 1
    assert len(result.stderr.strip().splitlines()) == 1
    for fragment in fragments:
        assert fragment in result.stderr


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _run_files(folder: Path) -> list[str]:
    """The files of the current run, as the results folder shows them (links into it)."""
    listed = [p for p in folder.iterdir() if p.name not in ("current", "runs", "sensitivity")]
    assert all(p.is_symlink() and p.is_file() for p in listed), listed
    return sorted(p.name for p in listed if p.name != "manifest.json")


# --------------------------------------------------------------------------
# run --samples
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ensemble_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    out = tmp_path_factory.mktemp("cli-ensemble") / "out"
    result = _invoke("run", "baseline", "--samples", "16", "--seed", "3", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out, result


def test_run_samples_writes_the_ensemble_files(ensemble_run: tuple[Path, Result]) -> None:
    out, _ = ensemble_run
    assert _run_files(out) == sorted(
        ["dimensions.yaml", "evhub.duckdb", "iamc.csv", "scorecard.csv", *ENSEMBLE_FILES]
    )
    assert [p.name for p in out.parent.iterdir()] == ["out"]  # no temporary folder left
    assert len(_files(out / "runs")) == 1
    quantiles = pd.read_csv(out / "iamc_quantiles.csv")
    assert set(quantiles["Scenario"]) == {"baseline"}
    assert sorted(set(quantiles["Quantile"])) == list(QUANTILES)
    iamc = pd.read_csv(out / "iamc.csv")
    assert set(quantiles["Variable"]) == set(iamc["Variable"])
    # quantiles of each variable rise with the level
    median = quantiles[quantiles["Quantile"] == 0.5].set_index("Variable")["2030"]
    low = quantiles[quantiles["Quantile"] == 0.05].set_index("Variable")["2030"]
    high = quantiles[quantiles["Quantile"] == 0.95].set_index("Variable")["2030"]
    # (a variable with no value in 2030 has none in any quantile: the prices of a class
    # whose buyers follow logistic curves)
    assert ((low <= median) & (median <= high) | median.isna() & low.isna() & high.isna()).all()
    targets = pd.read_csv(out / "targets.csv")
    assert len(targets) > 0
    assert targets["probability"].between(0, 1).all()
    assert ((targets["probability"] * 16).round(9) % 1 == 0).all()  # shares of 16 members


def test_run_samples_prints_the_probabilities(ensemble_run: tuple[Path, Result]) -> None:
    out, result = ensemble_run
    lines = result.stdout.splitlines()
    assert any(line.startswith("ensemble: 16 members per scenario (lhs, seed 3)") for line in lines)
    assert "5th – 95th percentile of the ensemble" in result.stdout
    shown = re.findall(r"\((\d+)%\)", result.stdout)
    targets = pd.read_csv(out / "targets.csv")
    assert sorted(int(s) for s in shown) == sorted(
        int(f"{p:.0%}".rstrip("%")) for p in targets["probability"]
    )
    for name in ENSEMBLE_FILES:
        assert str(out / name) in result.stdout


def test_chunks_do_not_change_the_ensemble(
    ensemble_run: tuple[Path, Result], tmp_path: Path
) -> None:
    out, _ = ensemble_run
    chunked = tmp_path / "chunked"
    result = _invoke(
        "run", "baseline", "-n", "16", "--seed", "3", "--chunk-size", "5", "--out", str(chunked)
    )
    assert result.exit_code == 0, result.output
    for name in ENSEMBLE_FILES:
        pd.testing.assert_frame_equal(pd.read_csv(chunked / name), pd.read_csv(out / name))


def test_a_run_without_samples_removes_stale_ensemble_files(
    ensemble_run: tuple[Path, Result], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(ensemble_run[0], out, symlinks=True)
    # another request (no ensemble): it replaces the ensemble only when told to
    refused = _invoke("run", "baseline", "--out", str(out))
    _assert_input_error(refused, f"--out {out}: holds run ", "with 16 members (seed 3, lhs)")
    assert not any(p.name.startswith(".") for p in out.iterdir())
    result = _invoke("run", "baseline", "--out", str(out), "--force")
    assert result.exit_code == 0, result.output
    assert _run_files(out) == ["dimensions.yaml", "evhub.duckdb", "iamc.csv", "scorecard.csv"]
    assert len(_files(out / "runs")) == 1
    assert "ensemble:" not in result.stdout
    assert "%)" not in result.stdout


def test_run_unknown_sampler(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _invoke("run", "baseline", "--samples", "16", "--sampler", "halton", "--out", str(out))
    _assert_input_error(result, "--sampler 'halton': expected one of ['lhs', 'sobol']")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--chunk-size", "--chunk-size 0: must be at least 1"),
        ("--workers", "--workers 0: must be at least 1"),
    ],
)
def test_run_nonpositive_chunks_or_workers(tmp_path: Path, option: str, message: str) -> None:
    out = tmp_path / "out"
    result = _invoke("run", "baseline", "-n", "4", option, "0", "--out", str(out))
    _assert_input_error(result, message)
    assert not out.exists()


def test_run_zero_samples(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _invoke("run", "baseline", "--samples", "0", "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "--samples" in result.stderr
    assert not out.exists()


# --------------------------------------------------------------------------
# sensitivity
# --------------------------------------------------------------------------


def _sensitivity(out: Path, *extra: str) -> Result:
    return _invoke(
        "sensitivity",
        "baseline",
        "--indicator",
        "EVs built (Passenger Cars)",
        "--year",
        "2030",
        "--samples",
        "16",
        "--out",
        str(out),
        *extra,
    )


def _table_rows(output: str) -> list[list[str]]:
    """Rows of the rich tables whose first cell is a rank number."""
    rows = []
    for line in output.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if cells and cells[0].isdigit():
            rows.append(cells)
    return rows


def _tornado_rows(output: str) -> list[list[str]]:
    """Rows of the one-at-a-time table (its first cell is an input path, its second a unit)."""
    rows = []
    for line in output.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) == 7 and cells[0].startswith(("pipeline.", "car.", "lcv.")):
            rows.append(cells)
    return rows


def test_sensitivity_sobol(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _sensitivity(out)
    assert _files(out) == ["sensitivity"]  # beside the results of `evhub run --out out`
    out = out / "sensitivity"
    assert result.exit_code == 0, result.output
    assert _files(out) == [f"{STEM}-sobol-tornado.csv", f"{STEM}-sobol.csv", f"{STEM}-sobol.json"]
    table = pd.read_csv(out / f"{STEM}-sobol.csv")
    assert list(table.columns) == [
        "rank",
        "input",
        "S1",
        "S1_conf",
        "ST",
        "ST_conf",
        "distribution",
    ]
    d = len(table)
    assert table["rank"].tolist() == list(range(1, d + 1))
    runs = 16 * (d + 2)
    assert (
        "Production|Passenger Cars|EV [veh/yr] in 2030, scenario 'baseline': sobol indices from "
        f"{runs:,} runs (95 % confidence)"
    ) in result.stdout
    # the ranked table: every input in the CSV's order, with S1 and ST as in the CSV
    rows = _table_rows(result.stdout)
    assert [r[1] for r in rows] == table["input"].tolist()
    first = table.iloc[0]
    assert rows[0][2] == f"{first['S1']:.3f} ± {first['S1_conf']:.3f}"
    assert rows[0][3] == f"{first['ST']:.3f} ± {first['ST_conf']:.3f}"
    tornado = pd.read_csv(out / f"{STEM}-sobol-tornado.csv")
    assert list(tornado.columns) == [
        "input",
        "unit",
        "low_value",
        "high_value",
        "at_low",
        "at_high",
        "swing",
        "base",
    ]
    assert sorted(tornado["input"]) == sorted(table["input"])
    base = evhub.run("baseline").variable("Production|Passenger Cars|EV").sel(year=2030).item()
    assert base > 1000  # shown whole, with its unit
    assert f"all inputs central: {base:,.0f} veh/yr" in result.stdout
    assert f"wrote {out / (STEM + '-sobol.csv')}, " in result.stdout
    # the summary says what the tables are of, with the unit
    summary = json.loads((out / f"{STEM}-sobol.json").read_text(encoding="utf-8"))
    assert summary == {
        "scenario": "baseline",
        "variable": "Production|Passenger Cars|EV",
        "unit": "veh/yr",
        "year": 2030,
        "method": "sobol",
        "samples": 16,
        "seed": 0,
        "runs": runs,
        "inputs": d,
        "base": base,
        "evhub_version": evhub.__version__,
    }
    # the tornado's rows: the input's unit, the indicator rounded as the base is (whole veh/yr)
    # (the largest swing is a plant's: not realised / realised, a pure number)
    rows = _tornado_rows(result.stdout)
    first = tornado.iloc[0]
    assert first["input"].startswith("pipeline.realised.")
    assert rows[0] == [
        first["input"],
        "1",
        "0",
        "1",
        *(f"{first[c]:,.0f}" for c in ("at_low", "at_high", "swing")),
    ]


def test_sensitivity_morris(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _sensitivity(out, "--method", "morris")
    out = out / "sensitivity"
    assert result.exit_code == 0, result.output
    assert _files(out) == [
        f"{STEM}-morris-tornado.csv",
        f"{STEM}-morris.csv",
        f"{STEM}-morris.json",
    ]
    table = pd.read_csv(out / f"{STEM}-morris.csv")
    assert list(table.columns) == [
        "rank",
        "input",
        "mu_star",
        "mu_star_conf",
        "sigma",
        "distribution",
    ]
    runs = 16 * (len(table) + 1)
    assert f"morris indices from {runs:,} runs" in result.stdout
    assert [r[1] for r in _table_rows(result.stdout)] == table["input"].tolist()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--method", "fast"), "--method 'fast': expected one of ['sobol', 'morris']"),
        (("--samples", "1"), "--samples 1: sensitivity needs at least 2 base samples"),
    ],
)
def test_sensitivity_bad_input_writes_nothing(
    tmp_path: Path, extra: tuple[str, ...], message: str
) -> None:
    out = tmp_path / "out"
    result = _sensitivity(out, *extra)
    _assert_input_error(result, message)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------
# goalseek
# --------------------------------------------------------------------------


def _growth(tmp_path: Path) -> Path:
    path = tmp_path / "g.yaml"
    path.write_text(
        "name: g\ndescription: Sales grow at a rate.\n"
        "overrides:\n  car: {market: {sales_mode: growth}}\n",
        encoding="utf-8",
    )
    return path


def test_goalseek_solution_and_scorecard(tmp_path: Path) -> None:
    path = _growth(tmp_path)
    base = evhub.run(path).variable("Sales|Passenger Cars").sel(year=2025).item()
    result = _invoke(
        "goalseek",
        str(path),
        "--target",
        "Sales|Passenger Cars",
        "--year",
        "2030",
        "--value",
        repr(1.1 * base),
        "--vary",
        "car.market.growth_rate",
        "--range",
        "0",
        "4",
    )
    assert result.exit_code == 0, result.output
    rate = 100 * (1.1 ** (1 / 5) - 1)  # 1.92449 %/yr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"car.market.growth_rate = 1.92449 %/yr gives Sales|Passenger Cars = {1.1 * base:,.0f} "
        "veh/yr in 2030"
    )
    assert f"{rate:.6g}" == "1.92449"
    assert "Scorecard" in result.stdout
    assert lines[-1] == "scorecard of 'g' with car.market.growth_rate = 1.92449 %/yr"


def test_goalseek_shows_the_sought_goal_on_the_scorecard() -> None:
    result = _invoke(
        "goalseek",
        "baseline",
        "--target",
        "EVs built (Passenger Cars)",
        "--year",
        "2030",
        "--value",
        "200000",
        "--vary",
        "car.trade.utilisation",
        "--range",
        "50",
        "100",
    )
    assert result.exit_code == 0, result.output
    # EVs built are linear in the utilisation (75 % in baseline): a rule of three
    central = evhub.run("baseline").variable("Production|Passenger Cars|EV").sel(year=2030).item()
    assert result.stdout.startswith(
        f"car.trade.utilisation = {75 * 200_000 / central:.6g} % gives "
        "Production|Passenger Cars|EV = 200,000 veh/yr in 2030\n"
    )
    row = next(
        line
        for line in result.stdout.splitlines()
        if "EVs built (Passenger Cars)" in line and "2030" in line
    )
    cells = [c.strip() for c in row.split("│")[1:-1]]
    assert cells == ["EVs built (Passenger Cars)", "2030", "veh/yr", "200,000 ✓", "200,000"]


def test_goalseek_without_a_solution_exits_1() -> None:
    result = _invoke(
        "goalseek",
        "baseline",
        "--target",
        "Road CO2 (Passenger Cars)",
        "--year",
        "2053",
        "--value",
        "2",
        "--vary",
        "policy.subsidy.car.bev.2026",
        "--range",
        "0",
        "5000",
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stdout.startswith(
        "no value of policy.subsidy.car.bev.2026 in [0, 5,000] USD_2025/veh makes "
        "Emissions|CO2|Passenger Cars in 2053 equal 2 Mt CO2/yr: it ranges from "
    )
    assert result.stdout.rstrip().endswith(" Mt CO2/yr over the range")
    assert "Scorecard" not in result.stdout


@pytest.mark.parametrize(
    ("low", "high", "message"),
    [
        ("100", "50", "--range 100 50: the low end must be below the high end"),
        ("50", "150", "--range 50 150: car.trade.utilisation must lie in [0, 100]"),
    ],
)
def test_goalseek_bad_range(low: str, high: str, message: str) -> None:
    result = _invoke(
        "goalseek",
        "baseline",
        "--target",
        "EVs built (Passenger Cars)",
        "--year",
        "2030",
        "--value",
        "200000",
        "--vary",
        "car.trade.utilisation",
        "--range",
        low,
        high,
    )
    _assert_input_error(result, message)
    assert result.stdout == ""


GOAL = [
    "goalseek",
    "baseline",
    "--target",
    "EVs built (Passenger Cars)",
    "--year",
    "2030",
    "--value",
    "200000",
    "--vary",
    "car.trade.utilisation",
    "--range",
    "50",
    "100",
]
GOAL_STEM = "goalseek-baseline-production-passenger-cars-ev-2030-car-trade-utilisation"


def test_goalseek_out_writes_the_scan_and_the_answer(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _invoke(*GOAL, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert _files(out) == ["goalseek"]  # beside the results of `evhub run --out out`
    folder = out / "goalseek"
    assert _files(folder) == [f"{GOAL_STEM}.csv", f"{GOAL_STEM}.json"]
    assert result.stdout.rstrip().endswith(
        f"wrote {folder / (GOAL_STEM + '.csv')}, {folder / (GOAL_STEM + '.json')}"
    )
    found = evhub.goalseek(
        "baseline",
        target="EVs built (Passenger Cars)",
        year=2030,
        value=200_000,
        vary="car.trade.utilisation",
        low=50,
        high=100,
    )
    summary = json.loads((folder / f"{GOAL_STEM}.json").read_text(encoding="utf-8"))
    assert summary == {
        "scenario": "baseline",
        "variable": "Production|Passenger Cars|EV",
        "unit": "veh/yr",
        "year": 2030,
        "value": 200_000.0,
        "parameter": "car.trade.utilisation",
        "parameter_unit": "%",
        "low": 50.0,
        "high": 100.0,
        "probability": None,
        "samples": None,
        "direction": None,
        "solution": found.solution,
        "achieved": found.achieved,
        "achieved_unit": "veh/yr",
        "message": found.message,
        "evhub_version": evhub.__version__,
    }
    scan = pd.read_csv(folder / f"{GOAL_STEM}.csv")
    pd.testing.assert_frame_equal(scan, found.scan)  # full precision
    # a run goes into the same folder, beside the goal seek
    ran = _invoke("run", "baseline", "--out", str(out))
    assert ran.exit_code == 0, ran.output
    assert _files(folder) == [f"{GOAL_STEM}.csv", f"{GOAL_STEM}.json"]


def test_goalseek_out_without_a_solution_still_writes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _invoke(*GOAL[:7], "2000000", *GOAL[8:], "--out", str(out))
    assert result.exit_code == 1, result.output
    (summary,) = (out / "goalseek").glob("*.json")
    answer = json.loads(summary.read_text(encoding="utf-8"))
    assert answer["solution"] is None
    assert answer["message"].startswith("no value of car.trade.utilisation in [50, 100] % ")


def test_goalseek_out_into_a_file_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "taken"
    path.write_text("mine\n", encoding="utf-8")
    result = _invoke(*GOAL, "--out", str(path))
    _assert_input_error(result, f"--out {path}: is a file, not a folder")
    assert path.read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]

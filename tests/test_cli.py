"""The ``evhub`` command line: each verb, its output, and how it fails.

Most tests call the Typer app in-process with ``CliRunner``; one runs
``python -m evhub`` in a subprocess to see the real exit code and stderr.
Bad input must give exit code 2, one message naming the file, the field and
the value, no traceback, and no output folder (or an untouched one).
"""

from __future__ import annotations

import platform
import re
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

import evhub
from evhub.cli import app
from evhub.datadoc import markdown
from evhub.fit import load_checks

SHIPPED = Path(str(resources.files("evhub").joinpath("data", "turkiye")))
SCENARIOS = ["baseline", "announced", "hub", "net-zero", "otv-reform", "tariff-cut"]  # dataset.yaml
OUTPUTS = ["dimensions.yaml", "evhub.duckdb", "iamc.csv", "scorecard.csv"]

runner = CliRunner()


def _invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


def _assert_input_error(result: Result, *fragments: str) -> None:
    """Exit code 2, no exception escaped, and one error message containing each fragment."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    # (the run's transient progress bar may leave a blank line before the message)
    assert result.stderr.lstrip().startswith("error: ")
    assert result.stderr.count("error: ") == 1
    for fragment in fragments:
        assert fragment in result.stderr


def _cells(output: str, column: int) -> list[str]:
    """The text of one column of a rich table, joined across wrapped lines per row."""
    rows: list[str] = []
    for line in output.splitlines():
        parts = line.split("│")
        if len(parts) < column + 2:
            continue
        if parts[1].strip():  # the first column starts a new row
            rows.append("")
        if rows:
            rows[-1] += parts[column + 1].strip()
    return rows


@pytest.fixture(scope="module")
def baseline_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``evhub run baseline --out DIR``, run once for the module."""
    out = tmp_path_factory.mktemp("cli") / "baseline"
    result = _invoke("run", "baseline", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def _ev_share_of_sales(folder: Path, year: int) -> float:
    iamc = pd.read_csv(folder / "iamc.csv")
    row = iamc[iamc["Variable"] == "Share|Sales|Passenger Cars|EV"]
    return float(row[str(year)].iloc[0])


# --------------------------------------------------------------------------
# Help and listing
# --------------------------------------------------------------------------


def test_help() -> None:
    result = _invoke("--help")
    assert result.exit_code == 0
    for verb in ("run", "scenarios", "data", "calibrate"):
        assert re.search(rf"^\W*{verb}\b", result.output, flags=re.MULTILINE), verb


def test_scenarios_lists_the_shipped_scenarios_in_order() -> None:
    result = _invoke("scenarios")
    assert result.exit_code == 0, result.output
    assert _cells(result.output, 0) == SCENARIOS
    assert _cells(result.output, 1) == ["", "baseline", "announced", "hub", "baseline", "baseline"]


def _show_rows(output: str) -> dict[str, list[list[str]]]:
    """The rows of `scenarios show`'s table by path: each cell as its lines.

    A row starts where the value column has text (values never wrap); the
    parameter cell holds the path on its first line, then its description.
    """
    rows: dict[str, list[list[str]]] = {}
    last = ""
    for line in output.splitlines():
        if line.count("│") != 6:
            continue
        cells = [c.strip() for c in line.split("│")[1:6]]
        if cells[1]:
            last = cells[0]
            rows[last] = [[c] if c else [] for c in cells]
        else:  # a cell that goes on over the next lines
            for lines, cell in zip(rows[last], cells, strict=True):
                if cell:
                    lines.append(cell)
    return rows


def test_scenarios_show_prints_dotted_paths_with_sources() -> None:
    result = _invoke("scenarios", "show", "baseline")
    assert result.exit_code == 0, result.output
    rows = _show_rows(result.output)
    # a distribution: its central value (a year), the scenario file (named in the dataset
    # folder) and the dataset source of its range, one a line
    path, value, unit, sources, draws = rows["lcv.market.bev_share.midpoint_year"]
    assert (value, unit) == (["2036"], ["yr"])
    # under the path, the catalogue's description (wrapped at spaces)
    assert path[0] == "lcv.market.bev_share.midpoint_year"
    expected = "Year of fastest growth of the BEV share of sales of Light Commercial Vehicles"
    assert " ".join(path[1:]) == expected
    assert sources[:2] == ["scenarios/baseline.yaml", "evhub-assumption"]
    assert " ".join(draws).startswith("{dist: triangular, low: 2030")
    assert rows["car.fleet.lifetime.distribution"][1:4] == [["weibull"], ["-"], ["dataset.yaml"]]
    # a long source list shows its first two ids and how many more; --sources shows all,
    # each id whole on its line
    shape = rows["car.fleet.lifetime.shape"][3]
    assert shape == ["t24-aa-2011", "aa-tuik-2002-2020", "(+15 more: --sources)"]
    every = _invoke("scenarios", "show", "baseline", "--sources")
    assert every.exit_code == 0, every.output
    shown = _show_rows(every.output)["car.fleet.lifetime.shape"][3]
    assert len(shown) == 17 and "yeniasir-odmd-2025" in shown
    assert rows["grid.renewable_share.2035"][1:3] == [["55"], ["%"]]  # a year-keyed path
    # a price in whole dollars, with thousands separators
    price = rows["car.trade.export_price"]
    assert price[2] == ["USD_2025/veh"] and re.fullmatch(r"\d{1,2},\d{3}", price[1][0])
    assert all(row[3] for row in rows.values())  # every value has a source
    # no source id is broken over two lines
    ids = {i for row in rows.values() for i in row[3] if not i.startswith("(+")}
    known = set(evhub.load_dataset().sources) | {"dataset.yaml", "scenarios/baseline.yaml"}
    assert ids <= known, ids - known
    assert "parameters are distributions" in result.output


def test_scenarios_show_unknown_scenario() -> None:
    _assert_input_error(_invoke("scenarios", "show", "nosuch"), "unknown scenario 'nosuch'")


# --------------------------------------------------------------------------
# data validate / data sources
# --------------------------------------------------------------------------


def test_data_validate_passes_on_the_shipped_dataset() -> None:
    result = _invoke("data", "validate")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok ")
    assert "years 2000-2025 observed, to 2060" in result.stdout


def test_data_validate_fails_on_a_broken_copy(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(SHIPPED, folder)
    stock = folder / "stock.csv"
    text = stock.read_text(encoding="utf-8")
    assert text.count("stock,car,,2025,17373581,veh,") == 1
    stock.write_text(
        text.replace("stock,car,,2025,17373581,veh,", "stock,car,,2025,17373581,cars,")
    )
    result = _invoke("data", "validate", str(folder))
    _assert_input_error(
        result, f"{stock}: row 25: column 'unit' = 'cars' for 'stock'; expected 'veh'"
    )
    assert result.stdout == ""


def test_data_validate_missing_folder(tmp_path: Path) -> None:
    result = _invoke("data", "validate", str(tmp_path / "nowhere"))
    _assert_input_error(result, f"{tmp_path / 'nowhere'}: dataset folder not found")


def test_data_sources_prints_ids_and_urls() -> None:
    result = _invoke("data", "sources")
    assert result.exit_code == 0, result.output
    ids = _cells(result.output, 0)
    urls = _cells(result.output, 4)  # long URLs are folded over several lines
    sources = dict(zip(ids, urls, strict=True))
    assert len(sources) > 50
    assert sources["ember-owid"] == "https://github.com/owid/energy-data"
    assert sources["aa-tuik-2002-2020"] == (
        "https://ulusal.com.tr/amp/haber/8537023/trafige-kayitli-otomobil-sayisinda-artis"
    )


def test_data_format_prints_the_dataset_format() -> None:
    result = _invoke("data", "format")
    assert result.exit_code == 0, result.output
    assert result.stdout == markdown()


def test_data_format_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "dataset.md"
    result = _invoke("data", "format", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == markdown()
    assert f"wrote {out}" in result.stdout


# --------------------------------------------------------------------------
# run
# --------------------------------------------------------------------------


def test_run_writes_the_outputs(baseline_out: Path) -> None:
    # the run's files are in runs/<run-id>/; the folder shows them as links through `current`
    names = sorted(p.name for p in baseline_out.iterdir())
    assert names == sorted([*OUTPUTS, "current", "manifest.json", "runs"])
    runs = list((baseline_out / "runs").iterdir())
    assert len(runs) == 1
    assert sorted(p.name for p in runs[0].iterdir()) == sorted([*OUTPUTS, "manifest.json"])
    for name in [*OUTPUTS, "manifest.json"]:
        assert (baseline_out / name).resolve() == (runs[0] / name).resolve()
    assert [p.name for p in baseline_out.parent.iterdir()] == ["baseline"]  # no temp folder
    iamc = pd.read_csv(baseline_out / "iamc.csv")
    assert set(iamc["Scenario"]) == {"baseline"}
    card = pd.read_csv(baseline_out / "scorecard.csv")
    assert set(card["scenario"]) == {"baseline"}


def test_run_unknown_scenario_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _invoke("run", "nosuch", "--out", str(out))
    _assert_input_error(result, "unknown scenario 'nosuch'", "shipped scenarios are")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_run_unknown_scenario_in_a_real_process(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "evhub", "run", "nosuch", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 2, proc.stderr
    assert "unknown scenario 'nosuch'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_failed_run_leaves_an_existing_folder_untouched(baseline_out: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(baseline_out, out, symlinks=True)
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")

    def tree() -> dict[str, bytes]:
        return {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    before = tree()
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\ndescription: d\nextends: baseline\noverrides:\n"
        "  car.market.bev_share.ceiling: 120\n",
        encoding="utf-8",
    )
    # (--force: the folder holds another run, which a run only replaces then)
    result = _invoke("run", str(bad), "--out", str(out), "--force")
    _assert_input_error(result, f"{bad}: car.market.bev_share.ceiling = 120")
    assert tree() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "out"]
    assert not [p for p in out.rglob(".*")]  # no lock, no temporary folder


def test_set_changes_the_result(baseline_out: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _invoke(
        "run", "baseline", "--set", "policy.subsidy.car.bev.2026=5000", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    # a purchase subsidy of 5,000 USD per BEV from 2026 raises the EV share of sales (by 2.4
    # points at the fitted cost sensitivity of 0.00011 per USD/yr; the size is the fit's)
    assert _ev_share_of_sales(out, 2030) > _ev_share_of_sales(baseline_out, 2030) + 1
    assert _ev_share_of_sales(out, 2020) == _ev_share_of_sales(baseline_out, 2020)  # history


def test_set_takes_a_text_parameter_as_written(baseline_out: Path, tmp_path: Path) -> None:
    """Brackets hold ': ', which YAML would read as a mapping: a text parameter is taken as is."""
    out = tmp_path / "out"
    brackets = "policy.purchase_tax_brackets.car.bev.2027=160kW/1650000: 10; 160kW/: 20; /: 40"
    result = _invoke("run", "baseline", "--set", brackets, "--out", str(out))
    assert result.exit_code == 0, result.output
    # cheaper BEVs from 2027 (the law's lowest rate is 25 %): a higher EV share of sales
    assert _ev_share_of_sales(out, 2030) > _ev_share_of_sales(baseline_out, 2030)


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("bad", "--set 'bad': expected PATH=VALUE, e.g. grid.renewable_share.2035=60"),
        ("=80", "--set '=80': expected PATH=VALUE"),
        ("market.bev_shar.ceiling=80", "unknown key 'market.bev_shar.ceiling'"),
        ("car.market.bev_share.ceiling=lots", "car.market.bev_share.ceiling = 'lots'"),
        ("car.market.bev_share.ceiling=120", "car.market.bev_share.ceiling = 120"),
        (
            "car.market.bev_share.ceiling=[80",
            "--set car.market.bev_share.ceiling: malformed YAML (line 1, column 4): "
            "expected ',' or ']'",
        ),
        (
            "policy.purchase_tax_brackets.car.bev.2027=160kW/: 10",
            "policy.purchase_tax_brackets.car.bev.2027: the last band of 'size_upper' ('160kW', "
            "entry 1) has a bound",
        ),
    ],
    ids=[
        "no-equals",
        "no-path",
        "unknown-path",
        "wrong-type",
        "out-of-range",
        "malformed",
        "brackets",
    ],
)
def test_bad_set(tmp_path: Path, option: str, expected: str) -> None:
    out = tmp_path / "out"
    result = _invoke("run", "baseline", "--set", option, "--out", str(out))
    _assert_input_error(result, expected)
    assert not out.exists()


def test_message_with_square_brackets_is_printed_as_is(tmp_path: Path) -> None:
    # the message is printed as text, not as rich markup (where "[/x]" is a closing tag)
    result = _invoke("run", "[/x]", "--out", str(tmp_path / "out"))
    _assert_input_error(result, "[/x]: scenario file not found")


# --------------------------------------------------------------------------
# calibrate
# --------------------------------------------------------------------------


def test_calibrate_prints_the_error_per_year() -> None:
    result = _invoke("calibrate", "--class", "car")
    assert result.exit_code == 0, result.output
    # the first table, "Stock: observed vs modelled", ends before "largest error"
    table = result.stdout.split("Stock: observed vs modelled", 1)[1].split("largest error")[0]
    rows = [
        [c.strip() for c in line.split("│")[1:5]]
        for line in table.splitlines()
        if line.count("│") == 5 and line.split("│")[1].strip().isdigit()
    ]
    assert [int(r[0]) for r in rows] == list(range(2015, 2026))
    errors = [float(r[3]) for r in rows]
    # the shipped lifetime was fitted to this stock; the register's year-to-year noise
    # (revisions, de-registration drives) leaves errors of up to ~1.9 %: the refit's bound
    # is history_checks.yaml's
    (fit,) = [c for c in load_checks(evhub.load_dataset()) if c.id == "calibration-car"]
    assert max(abs(e) for e in errors) < fit.tolerance
    assert re.search(r"largest error: \d\.\d\d %", result.stdout)
    assert "car.fleet.lifetime.shape = " in result.stdout


def test_calibrate_outside_the_observed_years() -> None:
    _assert_input_error(
        _invoke("calibrate", "--start", "1990"),
        "calibration years start = 1990, end = 2025: must lie within the observed years",
        "dataset.yaml",
    )


def test_the_command_line_sets_the_allocator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ``evhub`` command first sets glibc's thresholds (evhub.allocator), once."""
    import evhub.cli

    calls: list[int] = []
    monkeypatch.setattr(evhub.cli, "tune_allocator", lambda: calls.append(1) or True)
    result = CliRunner().invoke(evhub.cli.app, ["scenarios"])
    assert result.exit_code == 0, result.output
    assert calls == [1]


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="mallopt is glibc's",
)
def test_tune_allocator_takes_on_glibc() -> None:
    from evhub.allocator import tune_allocator

    assert tune_allocator() is True

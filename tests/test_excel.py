"""The Excel workbook of a results folder (``evhub export --xlsx``, ``evhub run --xlsx``).

Each sheet is read back with openpyxl and compared with the run's store and
files: the same values to 16 significant digits (openpyxl writes a number as
``%.16g``; only the number format rounds what is shown), the README names the
run of the manifest, and a bad path or folder gets one clean message and
writes nothing.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner, Result

import evhub
from evhub import excel, layout
from evhub.cli import app
from evhub.errors import InputError
from evhub.parameters import describe_path

runner = CliRunner()
SCENARIOS = ["baseline", "hub"]


def _invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


def _assert_input_error(result: Result, *fragments: str) -> None:
    """Exit code 2, no exception escaped, and one error message containing each fragment."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stderr.lstrip().startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("excel") / "results"
    result = _invoke("run", *SCENARIOS, "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def workbook_path(folder: Path) -> Path:
    path = folder.parent / "evhub.xlsx"
    result = _invoke("export", "--xlsx", str(path), str(folder))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"wrote {path} (")
    return path


@pytest.fixture(scope="module")
def book(workbook_path: Path):
    return load_workbook(workbook_path)


def _store(folder: Path, query: str) -> pd.DataFrame:
    con = duckdb.connect(str(folder / layout.STORE), read_only=True)
    try:
        return con.execute(query).df()
    finally:
        con.close()


def _rows(sheet) -> tuple[list, list[list]]:
    """The header and the rows of a table sheet, as openpyxl reads them."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return rows[0], rows[1:]


def test_the_sheets_and_the_readme(book, folder: Path) -> None:
    assert book.sheetnames == ["README", "IAMC", "Scorecard", "Inputs", "Pipeline", "Sources"]
    readme = {r[0]: r[1] for r in book["README"].iter_rows(values_only=True) if r[0]}
    manifest = json.loads((folder / layout.MANIFEST).read_text(encoding="utf-8"))
    assert readme["run id"] == manifest["run_id"]
    assert readme["made with evhub"] == manifest["evhub_version"]
    assert readme["exported with evhub"] == evhub.__version__
    assert readme["dataset"] == "turkiye"
    assert readme["scenarios"] == "baseline, hub"
    assert readme["command"] == manifest["request"]["command"]
    assert readme["evhub results: Türkiye"] is None  # the title
    # the README says what every sheet holds
    for name in book.sheetnames:
        assert readme[name] == excel.SHEETS[name]


def test_iamc_sheet_is_the_store_with_years_as_columns(book, folder: Path) -> None:
    sheet = book["IAMC"]
    header, rows = _rows(sheet)
    years = list(range(2000, 2061))
    assert header == ["Model", "Scenario", "Region", "Variable", "Unit", *years]
    store = _store(folder, "SELECT * FROM results WHERE run = 0")
    expected = store.pivot_table(
        index=["scenario", "variable", "unit"], columns="year", values="value", aggfunc="first"
    )
    assert len(rows) == len(expected)
    for row in rows:
        model, scenario, region, variable, unit, *values = row
        assert (model, region) == ("evhub", "Türkiye")
        want = expected.loc[(scenario, variable, unit)].reindex(years).tolist()
        got = [math.nan if v is None else v for v in values]
        # 16 significant digits (openpyxl's %.16g): within 1e-15 of the store's float64
        assert got == pytest.approx(want, rel=1e-15, abs=0, nan_ok=True), variable
    # the header row and the five key columns stay in view; a filter on the header
    assert sheet.freeze_panes == "F2"
    assert sheet.auto_filter.ref == sheet.dimensions
    assert sheet.column_dimensions["D"].width > 30  # variable names are long


def test_number_formats_follow_the_unit(book) -> None:
    sheet = book["IAMC"]
    formats = {}
    for row in sheet.iter_rows(min_row=2):
        formats.setdefault(row[4].value, set()).add(row[5 + 30].number_format)  # 2030
    assert formats["veh/yr"] == {"#,##0"}
    assert formats["%"] == {"#,##0.0"}  # shares up to 100 %: one decimal
    assert formats["Mt CO2/yr"] == {"#,##0.0"}
    # a text column keeps the general format
    assert sheet["B2"].number_format == "General"


def test_scorecard_sheet_is_the_stores(book, folder: Path) -> None:
    header, rows = _rows(book["Scorecard"])
    store = _store(folder, "SELECT * FROM scorecard ORDER BY rowid")
    assert header == list(store.columns)
    assert len(rows) == len(store)
    for row, want in zip(rows, store.itertuples(index=False), strict=True):
        got = dict(zip(header, row, strict=True))
        assert (got["indicator"], got["year"], got["unit"], got["scenario"]) == (
            want.indicator,
            want.year,
            want.unit,
            want.scenario,
        )
        assert got["value"] == pytest.approx(want.value, rel=1e-15, abs=0)  # %.16g
        if pd.isna(want.target):
            assert got["target"] is None
        else:
            assert got["target"] == pytest.approx(want.target, rel=1e-15, abs=0)
        assert got["met"] == (None if pd.isna(want.met) else bool(want.met))
    assert book["Scorecard"].freeze_panes == "B2"


def test_inputs_sheet_has_numbers_units_and_their_sources(book, folder: Path) -> None:
    header, rows = _rows(book["Inputs"])
    assert header == [
        "scenario",
        "parameter",
        "value",
        "unit",
        "description",
        "sources",
        "references",
    ]
    store = _store(folder, "SELECT * FROM inputs ORDER BY rowid")
    assert len(rows) == len(store)
    by_key = {(r[0], r[1]): r for r in rows}
    for want in store.itertuples(index=False):
        row = by_key[(want.scenario, want.parameter)]
        if not pd.isna(want.choice):  # a choice is text
            assert row[2] == want.choice
        elif pd.isna(want.value):  # an unset option
            assert row[2] == "none"
        else:  # a number is a number
            assert row[2] == pytest.approx(want.value, rel=1e-15, abs=0)
        assert row[3] == want.unit
    # a parameter with its meaning, sources named by id and referenced by publisher and title
    saturation = by_key[("baseline", "car.market.saturation")]
    dataset = evhub.load_dataset()
    assert saturation[4] == describe_path("car.market.saturation", dataset.dims)
    assert saturation[4]
    cited = saturation[5].split(", ")
    assert cited[0] == "scenario baseline (scenarios/baseline.yaml)"
    assert len(cited) > 1 and all(i in dataset.sources for i in cited[1:])
    assert saturation[6].splitlines() == [
        f"{s.id}: {s.publisher}, {s.title}, {s.date}" for s in map(dataset.sources.get, cited[1:])
    ]
    # scenario files are named in the dataset folder, not by a path of the machine that ran
    cells = [str(c) for r in rows for c in r if c is not None]
    assert not [c for c in cells if str(dataset.path) in c or c.startswith("/")]
    assert "scenario hub (scenarios/hub.yaml)" in cells


def test_sources_sheet_links_every_address(book, folder: Path) -> None:
    sheet = book["Sources"]
    header, rows = _rows(sheet)
    store = _store(folder, "SELECT * FROM sources ORDER BY rowid")
    assert header == list(store.columns)
    assert [r[0] for r in rows] == store["id"].tolist()
    links = [header.index("url"), header.index("publisher_url")]
    linked = 0
    for row in sheet.iter_rows(min_row=2):
        for k in links:
            url = row[k].value
            if url and url.startswith(("http://", "https://")):
                assert row[k].hyperlink.target == url
                linked += 1
    # every web address is a link: the sources' (and the publishers' own releases, if any)
    web = store[["url", "publisher_url"]].stack().astype(str)
    assert linked == web.str.startswith(("http://", "https://")).sum()


def test_pipeline_sheet(book, folder: Path) -> None:
    header, rows = _rows(book["Pipeline"])
    store = _store(folder, "SELECT * FROM pipeline ORDER BY rowid")
    assert header == list(store.columns)
    capacity = header.index("capacity")
    assert [r[capacity] for r in rows] == [
        None if pd.isna(v) else v for v in store["capacity"].tolist()
    ]


def test_an_ensemble_adds_its_quantiles_and_distributions(tmp_path: Path) -> None:
    out = tmp_path / "results"
    path = tmp_path / "book.xlsx"
    result = _invoke("run", "baseline", "--samples", "16", "--out", str(out), "--xlsx", str(path))
    assert result.exit_code == 0, result.output
    assert f"wrote {path}" in result.stdout
    book = load_workbook(path)
    assert book.sheetnames == [
        "README",
        "IAMC",
        "IAMC quantiles",
        "Scorecard",
        "Inputs",
        "Distributions",
        "Pipeline",
        "Sources",
    ]
    manifest = json.loads((out / layout.MANIFEST).read_text(encoding="utf-8"))
    readme = {r[0]: r[1] for r in book["README"].iter_rows(values_only=True) if r[0]}
    assert readme["run id"] == manifest["run_id"]  # the run just made
    assert readme["ensemble"] == "16 members per scenario (lhs sampling, seed 0)"
    header, rows = _rows(book["IAMC quantiles"])
    quantiles = pd.read_csv(out / layout.QUANTILES)
    assert header[:6] == ["Model", "Scenario", "Region", "Variable", "Unit", "Quantile"]
    assert book["IAMC quantiles"].freeze_panes == "G2"  # the Quantile column stays in view
    assert len(rows) == len(quantiles)
    got = pd.DataFrame(rows, columns=[str(c) for c in header]).fillna(math.nan)
    pd.testing.assert_frame_equal(got, quantiles, check_dtype=False, rtol=1e-15, atol=0)
    header, rows = _rows(book["Scorecard"])
    assert {"probability", "p05", "p95"} <= set(header)
    probability = header.index("probability")
    cell = book["Scorecard"].cell(row=2, column=probability + 1)
    assert cell.number_format == "0%" or cell.value is None
    header, rows = _rows(book["Distributions"])
    assert header == ["scenario", "parameter", "distribution", "unit", "central", "source"]
    assert "car.choice.cost_sensitivity" in [r[1] for r in rows]


# --------------------------------------------------------------------------
# Bad paths
# --------------------------------------------------------------------------


def test_a_name_without_xlsx_is_refused(folder: Path, tmp_path: Path) -> None:
    path = tmp_path / "book.xls"
    result = _invoke("export", "--xlsx", str(path), str(folder))
    _assert_input_error(
        result,
        f"{path}: the file name must end in .xlsx (an Excel workbook), e.g. {tmp_path}/book.xlsx",
    )
    assert list(tmp_path.iterdir()) == []


def test_a_folder_is_refused(folder: Path, tmp_path: Path) -> None:
    result = _invoke("export", "--xlsx", str(tmp_path), str(folder))
    _assert_input_error(
        result,
        f"{tmp_path}: is a folder; give the workbook a file name, e.g. {tmp_path}/evhub.xlsx",
    )
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_refused(folder: Path, tmp_path: Path) -> None:
    path = tmp_path / "no" / "book.xlsx"
    result = _invoke("export", "--xlsx", str(path), str(folder))
    _assert_input_error(
        result, f"{tmp_path / 'no'}: no such folder; the workbook 'book.xlsx' goes into"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_file_as_the_folder_is_refused(folder: Path, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x\n", encoding="utf-8")
    path = tmp_path / "file" / "book.xlsx"
    with pytest.raises(InputError, match=r"file: not a folder; the workbook 'book\.xlsx'"):
        excel.write_xlsx(folder, path)


def test_a_folder_without_results_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    result = _invoke("export", "--xlsx", str(path), str(tmp_path / "nothing"))
    _assert_input_error(result, f"{tmp_path / 'nothing'}: no such results folder")
    assert not path.exists()


def test_a_failed_export_keeps_the_old_workbook(folder: Path, tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"old")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"manifest\.json: no such file"):
        excel.write_xlsx(tmp_path / "empty", path)
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "empty"]


def test_run_checks_the_workbook_path_before_running(tmp_path: Path) -> None:
    out = tmp_path / "results"
    result = _invoke("run", "baseline", "--out", str(out), "--xlsx", str(tmp_path / "b.csv"))
    _assert_input_error(result, "b.csv: the file name must end in .xlsx")
    assert not out.exists()

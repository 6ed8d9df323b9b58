"""The fit to history: the checks file, the errors measured now, and ``docs/fit.md``."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import evhub
from evhub import fit, fitdoc
from evhub.dataset import Dataset, load_dataset
from evhub.errors import InputError

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs" / "fit.md"
SYNTHETIC = ROOT / "tests" / "data" / "synthetic"


@pytest.fixture(scope="module")
def synthetic() -> Dataset:
    return load_dataset(SYNTHETIC)


@pytest.mark.slow  # runs the calibrations and the scenario of both datasets
def test_docs_page_is_current(dataset: Dataset, synthetic: Dataset) -> None:
    assert DOCS.read_text(encoding="utf-8") == fitdoc.markdown([dataset, synthetic]), (
        "docs/fit.md is stale: run `python scripts/generate_docs.py`"
    )


def test_the_shipped_checks_cover_every_class(dataset: Dataset) -> None:
    """A check dropped from the file would drop its test's tolerance: the set is pinned here."""
    ids = [c.id for c in fit.load_checks(dataset)]
    expected = [
        f"{kind}-{c}"
        for kind in ("stock", "average-age", "calibration", "calibrated-values")
        for c in dataset.dims.classes.ids
    ]
    expected += ["production-car", "exports-car", "exports-lcv", "production-growth-lcv"]
    expected += ["choice-holdout-car"]
    expected += [f"sales-{c}" for c in dataset.dims.classes.ids]
    assert sorted(ids) == sorted(expected)


@pytest.mark.parametrize("folder", [None, SYNTHETIC])
def test_every_check_names_a_test_that_reads_it(folder: Path | None) -> None:
    """The named test exists, and its file reads the checks (load_checks), not its own numbers."""
    for check in fit.load_checks(load_dataset(folder)):
        assert check.test, check.id
        path, function = check.test.split("::")
        source = (ROOT / path).read_text(encoding="utf-8")
        names = {n.name for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)}
        assert function in names, check.test
        assert "load_checks" in source, path


def test_the_stock_error_is_the_backcast_s(dataset: Dataset) -> None:
    """The page's numbers are those of calibrate.backcast, the test's own computation."""
    (stock,) = [c for c in fit.load_checks(dataset) if c.id == "stock-car"]
    (m,) = fit.measure(dataset, [stock])
    table = evhub.calibrate("baseline", dataset=dataset, start=2015, vehicle_class="car").table
    assert list(m.table["year"]) == list(range(2015, 2026))
    # the backcast runs the shipped lifetime; the calibration's refit differs by its rounding
    assert m.worst == pytest.approx(float(m.table["error"].abs().max()), rel=1e-12)
    assert m.table["observed"].tolist() == table["observed"].tolist()


def test_the_series_check_adds_the_named_producers(dataset: Dataset, shipped) -> None:
    (production,) = [c for c in fit.load_checks(dataset) if c.id == "production-car"]
    (m,) = fit.measure(dataset, [production])
    cars = dataset.of_class("car")
    row = m.table.set_index("year").loc[2025]
    togg = cars.rows("industry", "production", producer="togg-gemlik")
    expected = float(cars.series("industry", "production", producer="")[2025]) + float(
        togg[togg["year"] == 2025]["value"].iloc[0]
    )
    assert row["observed"] == expected
    made = shipped.variable("Production|Passenger Cars").sel(scenario="baseline", year=2025)
    assert row["modelled"] == pytest.approx(float(made.isel(run=0)), rel=1e-12)
    assert row["error"] == pytest.approx((row["modelled"] / expected - 1) * 100, rel=1e-12)


def test_a_check_beyond_its_tolerance_shows_on_the_page(data_dir: Path) -> None:
    path = data_dir / fit.CHECKS_FILE
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["checks"] = [c for c in raw["checks"] if c["id"] == "stock-car"]
    raw["checks"][0]["tolerance"] = 0.5
    del raw["checks"][0]["test"]  # a dataset of one's own may name no test
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    page = fitdoc.markdown([load_dataset(data_dir)])
    row = next(line for line in page.splitlines() if line.startswith("| [`stock-car`]"))
    assert re.search(r"\| 0\.5 % \| 1\.\d\d % \| 2025 \| \*\*no\*\* \| – \|$", row), row


def test_a_dataset_without_checks_has_none(data_dir: Path) -> None:
    (data_dir / fit.CHECKS_FILE).unlink()
    data = load_dataset(data_dir)
    assert fit.load_checks(data) == []
    assert fit.measure(data) == []


def _edit(data_dir: Path) -> Callable[[Callable[[dict], None]], Dataset]:
    def edit(change: Callable[[dict], None]) -> Dataset:
        path = data_dir / fit.CHECKS_FILE
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(raw)
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        return load_dataset(data_dir)

    return edit


def _first(key: str, value: object) -> Callable[[dict], None]:
    return lambda raw: raw["checks"][0].__setitem__(key, value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_first("kind", "stok"), r"checks\[0\]: kind = 'stok'; the kinds are stock, average_age"),
        (
            _first("variable", "Stock"),
            r"checks\[0\]: unknown field 'variable'; a stock check has id, kind, class",
        ),
        (lambda raw: raw["checks"][0].pop("why"), r"checks\[0\]: why is missing"),
        (
            _first("class", "bus"),
            r"checks\[0\]: class = 'bus' is not a vehicle class of the dataset \(car, lcv\)",
        ),
        (_first("tolerance", 0), r"checks\[0\]: tolerance = 0: expected a positive number"),
        (_first("tolerance", "2 %"), r"checks\[0\]: tolerance = '2 %': expected a positive number"),
        (
            _first("years", [2025, 2015]),
            r"checks\[0\]: years = \[2025, 2015\]: expected \[first, last\], two years in order "
            r"within the observed model years 2000-2025",
        ),
        (
            _first("years", [2015, 2030]),
            r"checks\[0\]: years = \[2015, 2030\]: expected \[first, last\]",
        ),
        (
            lambda raw: raw["checks"][1].__setitem__("id", "stock-car"),
            r"checks\[1\]: id = 'stock-car' is given twice",
        ),
        (
            lambda raw: raw.__setitem__("scenario", "basline"),
            r"scenario = 'basline' is not a scenario of the dataset \(baseline, announced, hub, "
            r"net-zero, otv-reform, tariff-cut\)",
        ),
        (lambda raw: raw.pop("scenario"), r"expected the keys scenario and checks, got checks"),
        (lambda raw: raw.__setitem__("checks", []), r"checks = \[\]: expected a list of checks"),
        (
            lambda raw: raw["checks"][8].__setitem__("observed", [{"table": "industry"}]),
            r"checks\[8\]: observed\[0\] = \{'table': 'industry'\}: expected table, variable "
            r"and key columns, each as text",
        ),
    ],
)
def test_a_bad_checks_file_is_refused_with_its_place(
    data_dir: Path, change: Callable[[dict], None], message: str
) -> None:
    data = _edit(data_dir)(change)
    with pytest.raises(InputError, match=message) as error:
        fit.load_checks(data)
    assert str(error.value).startswith(str(data_dir / fit.CHECKS_FILE))

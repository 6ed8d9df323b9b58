"""Real US dollars of the price year: the CPI deflator (evhub.prices).

The expected factors are computed here from the CPI rows as read from the
shipped socioeconomic.csv (no CPI value is typed in the test), so the test
checks the conversion rule, not the data.
"""

from __future__ import annotations

import csv
import shutil
from importlib import resources
from pathlib import Path

import pytest

import evhub
from evhub import InputError
from evhub.definitions import load_definitions
from evhub.prices import cpi, deflator, price_year, report_price_year
from evhub.units import is_money, money_year

SHIPPED = Path(str(resources.files("evhub").joinpath("data", "turkiye")))


def _cpi_rows() -> dict[int, float]:
    with (SHIPPED / "socioeconomic.csv").open(encoding="utf-8") as f:
        return {
            int(r["year"]): float(r["value"])
            for r in csv.DictReader(f)
            if r["variable"] == "us_cpi"
        }


def test_cpi_is_the_table(dataset) -> None:
    assert cpi(dataset) == _cpi_rows()


def test_deflator_by_hand(dataset) -> None:
    """A 2024 dollar in dollars of the price year = CPI[price year] / CPI[2024]."""
    table = _cpi_rows()
    target = price_year(dataset)
    expected = 1000.0 * table[target] / table[2024]
    result = 1000.0 * deflator(dataset, 2024, where="test")
    # rtol: one division of two table values; float rounding only
    assert result == pytest.approx(expected, rel=1e-12)
    assert deflator(dataset, target, where="test") == 1.0


def test_money_of_a_year_without_cpi(dataset) -> None:
    """One message naming the value, the file that lacks the row and the year."""
    with pytest.raises(InputError) as err:
        deflator(dataset, 1990, where="pipeline.csv: row 'x', capex_usd")
    message = str(err.value)
    assert message.startswith("pipeline.csv: row 'x', capex_usd: money dated 1990")
    assert "socioeconomic.csv" in message
    assert "'us_cpi' row for 1990" in message


def test_price_year_without_cpi_row(tmp_path: Path) -> None:
    folder = tmp_path / "turkiye"
    shutil.copytree(SHIPPED, folder)
    meta = folder / "dataset.yaml"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace("price_year: 2025", "price_year: 1999"),
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"field 'price_year' = 1999 has no 'us_cpi' row"):
        evhub.load_dataset(folder)


def test_price_year_not_a_year(tmp_path: Path) -> None:
    folder = tmp_path / "turkiye"
    shutil.copytree(SHIPPED, folder)
    meta = folder / "dataset.yaml"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace("price_year: 2025", "price_year: soon"),
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"field 'price_year' = 'soon' is not a year"):
        evhub.load_dataset(folder)


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_money_without_its_year(tmp_path: Path) -> None:
    """A money row whose unit names no year: one message with file, row, column and value."""
    folder = tmp_path / "turkiye"
    shutil.copytree(SHIPPED, folder)
    _edit(
        folder,
        "trade.csv",
        "export_price,car,,2025,19627,USD_2025/veh",
        "export_price,car,,2025,19627,USD/veh",
    )
    with pytest.raises(InputError) as err:
        evhub.load_dataset(folder)
    message = str(err.value)
    assert "trade.csv: row " in message
    assert (
        "column 'unit' = 'USD/veh' for 'export_price'; money needs the year of its dollars"
        in message
    )


def test_capex_without_its_year(tmp_path: Path) -> None:
    """A capex_usd without capex_year: one message naming the file, the row and the value."""
    from evhub.pipeline import load_pipeline

    folder = tmp_path / "turkiye"
    shutil.copytree(SHIPPED, folder)
    _edit(folder, "pipeline.csv", ",1000000000,2024,", ",1000000000,,")
    with pytest.raises(InputError) as err:
        load_pipeline(evhub.load_dataset(folder))
    message = str(err.value)
    assert "pipeline.csv: row " in message
    assert "column 'capex_usd' = '1000000000' has no capex_year" in message


def test_to_price_year_by_hand(dataset) -> None:
    """BYD's capex per unit of capacity (dollars of 2024) in dollars of the price year."""
    from evhub.prices import to_price_year

    table = _cpi_rows()
    target = price_year(dataset)
    value, unit = to_price_year(dataset, 6667.0, "USD_2024/(veh/yr)", where="test")
    # rtol: one product and one division of table values; float rounding only
    assert value == pytest.approx(6667.0 * table[target] / table[2024], rel=1e-12)
    assert unit == f"USD_{target}/(veh/yr)"
    with pytest.raises(InputError, match=r"^assumptions.csv: row 52: unit 'USD/veh' names no year"):
        to_price_year(dataset, 1.0, "USD/veh", where="assumptions.csv: row 52")


def test_money_defaults_in_dollars_of_the_price_year(dataset) -> None:
    """Defaults of money parameters: the data's value × CPI[price year] / CPI[its year]."""
    from evhub.scenario import default_parameters

    table = _cpi_rows()
    target = price_year(dataset)
    defaults = default_parameters(dataset)
    with (SHIPPED / "assumptions.csv").open(encoding="utf-8") as f:
        rows = {r["parameter"]: r for r in csv.DictReader(f)}
    row = rows["pipeline.capex_per_vehicle"]
    assert row["unit"] == "USD_2024/(veh/yr)"
    got = defaults["pipeline.capex_per_vehicle"]
    # rtol: one product and one division of table values; float rounding only
    assert got.value == pytest.approx(float(row["value"]) * table[target] / table[2024], rel=1e-12)
    assert got.low == pytest.approx(float(row["low"]) * table[target] / table[2024], rel=1e-12)
    assert got.unit == f"USD_{target}/(veh/yr)"
    with (SHIPPED / "trade.csv").open(encoding="utf-8") as f:
        price = next(r for r in csv.DictReader(f) if r["variable"] == "import_price")
    got = defaults["car.trade.import_price.china"]
    year = int(price["year"])
    assert price["unit"] == f"USD_{year}/veh"
    assert got.value == pytest.approx(
        float(price["value"]) * table[target] / table[year], rel=1e-12
    )


def test_results_and_parameters_report_money_in_one_price_year() -> None:
    """The catalogue's money units, the variable definitions' and the dataset agree on the year."""
    data = evhub.load_dataset()
    year = report_price_year()
    assert price_year(data) == year
    money = {d.unit for d in load_definitions(data.dims).values() if is_money(d.unit)}
    assert money  # investment and the trade balance are in dollars
    assert {money_year(u) for u in money} == {year}

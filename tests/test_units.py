"""The units table (``data/units.csv``, :mod:`evhub.units`): complete, used and parsed."""

from __future__ import annotations

import csv
from importlib import resources

import iam_units.emissions
import pint
import pytest

from evhub import units
from evhub.dataset import load_dataset, schema
from evhub.errors import InputError
from evhub.variables import iamc_variables


def _units_in_use() -> dict[str, set[str]]:
    """Every unit string evhub writes or reads, with where it is used."""
    used: dict[str, set[str]] = {}

    def add(unit: str, where: str) -> None:
        for part in unit.split(" or "):  # a parameter whose unit follows the project's kind
            used.setdefault(part, set()).add(where)

    for name, (unit, _) in iamc_variables(load_dataset().dims).items():
        add(unit, f"results: {name}")
    sch = schema()
    for table, spec in sch["tables"].items():
        for variable, vspec in spec["variables"].items():
            add(vspec["unit"], f"schema.yaml: {table}.{variable}")
    for column, cspec in sch["pipeline"]["columns"].items():
        if "unit" in cspec and cspec["unit"] != "capacity_unit":
            add(cspec["unit"], f"schema.yaml: pipeline.{column}")
    for kind, kspec in sch["pipeline"]["kinds"].items():
        for unit in kspec["units"]:
            add(unit, f"schema.yaml: pipeline kind {kind}")
    text = resources.files("evhub").joinpath("data/parameters.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines()):
        add(row["unit"], f"parameters.csv: {row['path']}")
    data = load_dataset()
    for name, frame in data.tables.items():
        for unit in set(frame["unit"]):
            add(unit, f"{name}.csv")
    for unit in set(data.assumptions["unit"]):
        add(unit, "assumptions.csv")
    return used


def test_every_unit_in_use_is_in_the_table() -> None:
    missing = {u: sorted(w)[:3] for u, w in _units_in_use().items() if u not in units.table()}
    assert not missing, f"add these units to data/units.csv: {missing}"


def test_every_row_of_the_table_is_used() -> None:
    unused = sorted(set(units.table()) - set(_units_in_use()))
    assert not unused, f"rows of data/units.csv nothing uses: {unused}"


def test_every_unit_parses_in_pint() -> None:
    for unit, row in units.table().items():
        if row.pint:
            assert isinstance(units.quantity(unit), pint.Quantity), unit


@pytest.mark.parametrize(
    ("unit", "to", "expected"),
    [
        ("%", "dimensionless", 0.01),
        ("veh/1000 persons", "vehicle / person", 0.001),  # not (veh / 1000) * persons
        ("l/100km", "liter / km", 0.01),
        ("bn vkm/yr", "vkm / year", 1e9),
        ("persons/(veh/yr)", "person * year / vehicle", 1.0),
        ("million USD_2025/(GWh/yr)", "usd_of_2025 * year / kWh", 1.0),  # 1e6 USD per 1e6 kWh
        ("Mt CO2/yr", "kg / year", 1e9),
        ("PJ/yr", "TWh / year", 1 / 3.6),
        ("USD2015/person", "USD_2015 / person", 1.0),
    ],
)
def test_conversions_by_hand(unit: str, to: str, expected: float) -> None:
    assert units.quantity(unit).to(to).magnitude == pytest.approx(expected, rel=1e-12)


def test_dollars_of_the_sources_year_never_mix_with_real_dollars() -> None:
    with pytest.raises(pint.DimensionalityError):
        units.quantity("USD/veh").to("USD_2015 / vehicle")


def test_emission_units_name_their_species_as_iam_units_does() -> None:
    for unit, row in units.table().items():
        if " " in unit and row.species:  # the IAMC form: species apart
            assert iam_units.emissions.pattern.split(unit, maxsplit=1)[1] == row.species
    assert units.species("MtCO2e/yr") == "CO2e"
    assert units.species("veh/yr") == ""


def test_a_unit_pint_reads_itself_means_what_the_table_says() -> None:
    """Where pint can read the unit string as written, it reads the table's meaning."""
    reg = units.registry()
    checked = 0
    for unit, row in units.table().items():
        if not row.pint:
            continue
        written = unit.replace(row.species, "") if row.species else unit
        try:
            direct = reg.Quantity(written.replace("%", "percent"))
        except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError, ValueError):
            continue  # e.g. 'veh/1000 persons': pint would read (veh / 1000) * persons
        if direct.dimensionality != units.quantity(unit).dimensionality:
            continue  # the table's explicit form is the meaning; this string is ambiguous to pint
        assert direct.to(units.quantity(unit).units).magnitude == pytest.approx(
            units.quantity(unit).magnitude
        ), unit
        checked += 1
    assert checked >= 20


def test_an_unknown_unit_or_a_text_setting_is_named() -> None:
    with pytest.raises(InputError, match=r"unit 'furlongs' is not in evhub's units table"):
        units.quantity("furlongs")
    with pytest.raises(InputError, match=r"unit '-' is not a quantity"):
        units.quantity("-")


def test_dollars_of_two_years_never_convert() -> None:
    """Only the dataset's CPI deflator converts money between years (evhub.prices), never pint."""
    with pytest.raises(pint.DimensionalityError):
        units.quantity("USD_2023/veh").to(units.quantity("USD_2025/veh").units)
    with pytest.raises(pint.DimensionalityError):
        units.quantity("USD_2023/veh").to("USD/veh")  # nor with dollars of no stated year
    with pytest.raises(pint.DimensionalityError):
        units.quantity("bn USD_2022/yr").to("billion * USD_2022 / year")  # iam-units' own
    assert units.money_year("million USD_2023/(GWh/yr)") == 2023
    assert units.without_year("million USD_2023/(GWh/yr)") == "million USD/(GWh/yr)"
    assert units.is_money("USD_2024/(veh/yr)")
    assert not units.is_money("USD2015/person")

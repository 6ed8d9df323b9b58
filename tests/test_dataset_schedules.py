"""Loading the dated tables: optional files, key formats, date order, brackets, cover.

One test per kind of mistake, each asserting the message (the file, row, column
and value). The tables are those of schema.yaml marked ``optional`` and their
``key_formats``, ``brackets``, ``open`` and ``cover`` rules.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import evhub
from evhub import InputError
from evhub.dataset import schema
from evhub.schedules import purchase_tax_schedules

SYNTHETIC = Path(__file__).parent / "data" / "synthetic"
OPTIONAL = sorted(name for name, spec in schema()["tables"].items() if spec.get("optional"))


def _problems(folder: Path) -> str:
    with pytest.raises(InputError) as info:
        evhub.load_dataset(folder)
    return str(info.value)


def test_the_optional_tables() -> None:
    assert OPTIONAL == [
        "chargers",
        "choice",
        "choice_fit",
        "energy_prices",
        "import_duties",
        "offer",
        "origin_shares",
        "tax_bases",
        "vehicle_prices",
        "vehicle_taxes",
    ]


def test_a_dataset_without_the_optional_tables_loads_with_them_empty() -> None:
    data = evhub.load_dataset(SYNTHETIC)
    assert not any((SYNTHETIC / f"{name}.csv").exists() for name in OPTIONAL)
    for name in OPTIONAL:
        assert data.tables[name].empty, name
    with pytest.raises(
        InputError, match=r"vehicle_taxes.csv: no rows for variable 'purchase_tax_rate'"
    ):
        purchase_tax_schedules(data, data.dims.classes.ids[0])


def test_an_optional_file_that_is_there_is_checked(data_dir: Path) -> None:
    path = data_dir / "chargers.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    assert _problems(data_dir) == f"{path}: the file has a header but no rows"


def test_the_shipped_dataset_leaving_one_out_still_loads(data_dir: Path) -> None:
    (data_dir / "vehicle_taxes.csv").unlink()
    data = evhub.load_dataset(data_dir)
    assert data.tables["vehicle_taxes"].empty
    assert not data.tables["import_duties"].empty


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "vat_rate,,,2023-07-10,,,2023,",
            "vat_rate,,,2023-13-10,,,2023,",
            "row 187: column 'valid_from' = '2023-13-10' is not a date of the calendar",
        ),
        (
            "vat_rate,,,2023-07-10,,,2023,",
            "vat_rate,,,10.07.2023,,,2023,",
            "row 187: column 'valid_from' = '10.07.2023' is not a date YYYY-MM-DD, or YYYY-MM or "
            "YYYY where the day or the month is not known (read as the first), in the row's year",
        ),
        (
            "vat_rate,,,2023-07-10,,,2023,",
            "vat_rate,,,,,,2023,",
            "row 187: column 'valid_from' is empty; expected a date YYYY-MM-DD",
        ),
        (
            "vat_rate,,,2023-07-10,,,2023,",
            "vat_rate,,,2023-07-10,,,2022,",
            "row 187: column 'year' = '2022' is not the year of column 'valid_from' = "
            "'2023-07-10'; the year of a dated row is the year its date falls in",
        ),
        (
            "purchase_tax_rate,car,bev,2022-07-05,160kW,700000,",
            "purchase_tax_rate,car,bev,2022-07-05,160 kW,700000,",
            "row 170: column 'size_upper' = '160 kW' is not empty (no bound) or a positive number "
            "and a unit of size: 'cc' (engine displacement, cm3) or 'kW' (motor power)",
        ),
        (
            "purchase_tax_rate,car,bev,2022-07-05,160kW,700000,",
            "purchase_tax_rate,car,bev,2022-07-05,160kW,700k,",
            "row 170: column 'base_upper' = '700k' is not empty (no bound) or a positive number",
        ),
        (
            "purchase_tax_rate,car,bev,2022-07-05,160kW,700000,2022,10,",
            "purchase_tax_rate,car,bev,2022-07-05,160kW,700000,2022,310,",
            "row 170: column 'value' = 310 for 'purchase_tax_rate' is outside the plausible range "
            "[0, 300] %",
        ),
    ],
)
def test_a_malformed_key_or_rate_is_refused(
    data_dir: Path, replace_once, old: str, new: str, expected: str
) -> None:
    replace_once(data_dir / "vehicle_taxes.csv", old, new)
    message = _problems(data_dir)
    assert f"{data_dir / 'vehicle_taxes.csv'}: {expected}" in message


def test_a_series_out_of_date_order_is_refused(data_dir: Path, replace_once) -> None:
    replace_once(
        data_dir / "import_duties.csv",
        "additional_duty_rate,car,china,bev,2023-03-04,2023,",
        "additional_duty_rate,car,china,bev,2021-03-04,2021,",
    )
    assert _problems(data_dir) == (
        f"{data_dir / 'import_duties.csv'}: row 28: valid_from = '2021-03-04' comes after row 26 "
        "('2022-08-12') of the same series (variable 'additional_duty_rate' class='car' "
        "origin='china' powertrain_group='bev'); list each series' rows in date order"
    )


def test_bounds_that_do_not_rise_are_refused(data_dir: Path, replace_once) -> None:
    replace_once(
        data_dir / "vehicle_taxes.csv",
        "purchase_tax_rate,car,bev,2022-07-05,,750000,",
        "purchase_tax_rate,car,bev,2022-07-05,,7500000,",
    )
    replace_once(
        data_dir / "vehicle_taxes.csv",
        "purchase_tax_rate,car,bev,2022-07-05,,,",
        "purchase_tax_rate,car,bev,2022-07-05,,750000,",
    )
    assert _problems(data_dir) == (
        f"{data_dir / 'vehicle_taxes.csv'}: variable 'purchase_tax_rate' class='car' "
        "powertrain_group='bev' valid_from='2022-07-05': row 173: base_upper = '750000' does not "
        "rise above '7500000' of row 172; list the bands from the lowest bound up, the unbounded "
        "(empty) one last"
    )


def test_a_schedule_without_an_unbounded_last_bracket_is_refused(
    data_dir: Path, replace_once
) -> None:
    replace_once(
        data_dir / "vehicle_taxes.csv",
        "purchase_tax_rate,car,bev,2022-07-05,160kW,,",
        "purchase_tax_rate,car,bev,2022-07-05,160kW,9000000,",
    )
    assert _problems(data_dir) == (
        f"{data_dir / 'vehicle_taxes.csv'}: variable 'purchase_tax_rate' class='car' "
        "powertrain_group='bev' valid_from='2022-07-05' size_upper='160kW': the last band of "
        "'base_upper' ('9000000', row 171) has a bound; the bands must end with an unbounded one "
        "(an empty cell), so that every vehicle falls in one"
    )


def test_size_bands_in_two_units_are_refused(data_dir: Path, replace_once) -> None:
    for old, new in (
        (
            "purchase_tax_rate,car,bev,2022-07-05,160kW,700000,",
            "purchase_tax_rate,car,bev,2022-07-05,160cc,700000,",
        ),
        (
            "purchase_tax_rate,car,bev,2022-07-05,160kW,,",
            "purchase_tax_rate,car,bev,2022-07-05,160cc,,",
        ),
    ):
        replace_once(data_dir / "vehicle_taxes.csv", old, new)
    replace_once(
        data_dir / "vehicle_taxes.csv",
        "purchase_tax_rate,car,bev,2022-07-05,,750000,",
        "purchase_tax_rate,car,bev,2022-07-05,200kW,750000,",
    )
    replace_once(
        data_dir / "vehicle_taxes.csv",
        "purchase_tax_rate,car,bev,2022-07-05,,,",
        "purchase_tax_rate,car,bev,2022-07-05,200kW,,",
    )
    message = _problems(data_dir)
    where = (
        f"{data_dir / 'vehicle_taxes.csv'}: variable 'purchase_tax_rate' class='car' "
        "powertrain_group='bev' valid_from='2022-07-05'"
    )
    assert f"{where}: the bands of 'size_upper' mix the units ['cc', 'kW']; use one" in message
    assert f"{where}: the last band of 'size_upper' ('200kW', row 172) has a bound" in message


def test_a_band_given_again_after_another_is_refused(data_dir: Path, replace_once) -> None:
    path = data_dir / "vehicle_taxes.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    # rows 170-173 (list items 169-172): the second row of band 160kW after the open band's first
    lines[169:172] = [lines[169], lines[171], lines[170]]
    path.write_text("".join(lines), encoding="utf-8")
    assert re.search(
        r"valid_from='2022-07-05': row 172: the band size_upper = '160kW' of row 170 is given "
        r"again after other bands; list a band's rows together",
        _problems(data_dir),
    )


def test_a_group_without_a_schedule_on_the_first_date_is_refused(data_dir: Path) -> None:
    path = data_dir / "vehicle_taxes.csv"
    kept = [
        line
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
        if not line.startswith("purchase_tax_rate,car,phev,2015,")
    ]
    path.write_text("".join(kept), encoding="utf-8")
    assert _problems(data_dir) == (
        f"{path}: variable 'purchase_tax_rate' (class 'car') has no rows on its first valid_from "
        "2015-01-01 for powertrain_group='phev'; every member needs a schedule from the first "
        "date on"
    )


def test_an_origin_without_a_duty_on_the_first_date_is_refused(data_dir: Path) -> None:
    path = data_dir / "import_duties.csv"
    kept = [
        line
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
        if not line.startswith("duty_rate,car,other,")
    ]
    path.write_text("".join(kept), encoding="utf-8")
    assert _problems(data_dir) == (
        f"{path}: variable 'duty_rate' (class 'car') has no rows on its first valid_from "
        "1996-01-01 for origin='other'/powertrain_group='ice', "
        "origin='other'/powertrain_group='hev', origin='other'/powertrain_group='phev', "
        "origin='other'/powertrain_group='bev'; every member needs a schedule from the first "
        "date on"
    )

"""The ``class`` key of the data tables: each vehicle class's own rows, and rows of every class.

The tables keyed by ``class`` (schema.yaml ``key_values``) hold one row per
class and key; a variable that is the same for every class (a property of
battery cells) has rows with an empty class. Shares sum to 100 within a class;
the model reads a class's view of the dataset (:meth:`Dataset.of_class`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from evhub import InputError
from evhub.dataset import CLASS_KEY, load_dataset, schema, validate_dataset


def _add_class(folder: Path, class_id: str) -> None:
    """Declare another vehicle class in a copy's dimensions.yaml, sold every powertrain."""
    path = folder / "dimensions.yaml"
    text = path.read_text(encoding="utf-8")
    head = "classes:\n"
    assert text.count(head) == 1
    entry = f"  {class_id}:\n    label: Test Class\n    description: a class of the tests\n"
    text = text.replace(head, head + entry)
    # every powertrain of the shipped dataset (each sells in both shipped classes)
    start = text.index("\npowertrains:\n")
    end = text.index("\n\n", text.index("\n  ", start + len("\npowertrains:\n")) + 1)
    sold = "    classes: [car, lcv]\n"
    part = text[start:end]
    assert part.count(sold) == 6
    part = part.replace(sold, f"    classes: [car, lcv, {class_id}]\n")
    path.write_text(text[:start] + part + text[end:], encoding="utf-8")


def test_every_class_keyed_table_has_the_column_and_the_shipped_rows_a_class() -> None:
    data = load_dataset()
    keyed = [name for name, spec in schema()["tables"].items() if "key_values" in spec]
    assert keyed, "schema.yaml keys no table by class"
    for name in keyed:
        frame = data.tables[name]
        assert CLASS_KEY in frame.columns
        assert set(frame[CLASS_KEY]) <= {"", *data.dims.classes.ids}


def test_a_row_of_an_unknown_class_is_refused(data_dir: Path, replace_once) -> None:
    replace_once(data_dir / "stock.csv", "stock,car,,2010,7544871,", "stock,bus,,2010,7544871,")
    with pytest.raises(InputError) as info:
        load_dataset(data_dir)
    message = str(info.value)
    assert f"{data_dir / 'stock.csv'}: row " in message
    assert "column 'class' = 'bus' is not one of ['car', 'lcv']" in message


def test_a_property_of_every_class_given_for_one_class_is_refused(data_dir: Path) -> None:
    path = data_dir / "battery.csv"
    text = path.read_text(encoding="utf-8")
    [line] = [x for x in text.splitlines() if x.startswith("recycling_share,")]
    path.write_text(text.replace(line, line.replace("recycling_share,,", "recycling_share,car,")))
    with pytest.raises(InputError, match=r"column 'class' = 'car' is not one of \[''\]"):
        load_dataset(data_dir)


def test_shares_sum_to_100_within_each_class(data_dir: Path) -> None:
    """A second class's sales shares are not added to the first's (and its gaps are named)."""
    _add_class(data_dir, "van")
    with (data_dir / "sales.csv").open("a", encoding="utf-8") as out:
        for powertrain, share in (("diesel", 90), ("bev", 10)):
            out.write(
                f"sales_share,van,{powertrain},2025,{share},%,assumption,0,100,"
                "evhub-assumption,a test row\n"
            )
    with pytest.raises(InputError) as info:
        load_dataset(data_dir)
    message = str(info.value)
    assert "sums to" not in message  # each class sums to 100 on its own
    assert "variable 'stock' class='van' has no rows" in message
    assert "variable 'sales_share' class='van' powertrain='petrol' has no row" in message


def test_a_broken_share_names_its_class(data_dir: Path, replace_once) -> None:
    replace_once(
        data_dir / "sales.csv",
        "sales_share,car,bev,2025,17.507,",
        "sales_share,car,bev,2025,27.507,",
    )
    with pytest.raises(InputError, match=r"sales_share class='car' in year 2025 sums to 110\.0"):
        load_dataset(data_dir)


def test_a_class_view_keeps_its_rows_and_the_rows_of_every_class() -> None:
    data = load_dataset()
    view = data.of_class("car")
    assert view is data.of_class("car")  # kept for reuse
    battery = data.tables["battery"]
    assert len(view.tables["battery"]) == battery[CLASS_KEY].isin(["", "car"]).sum()
    assert not (view.tables["battery"][CLASS_KEY] == "lcv").any()
    assert (battery[CLASS_KEY] == "").any() and (battery[CLASS_KEY] == "car").any()
    assert view.value("battery", "recycling_share") == data.value("battery", "recycling_share")
    with pytest.raises(InputError, match=r"no vehicle class 'bus'; classes: car, lcv"):
        data.of_class("bus")


def test_a_class_view_leaves_out_the_rows_of_another_class() -> None:
    data = load_dataset()
    frame = data.tables["stock"]
    other = frame.assign(**{CLASS_KEY: "van"})
    mixed = replace(data, tables={**data.tables, "stock": pd.concat([frame, other])}, memo={})
    assert len(mixed.of_class("car").tables["stock"]) == (frame[CLASS_KEY] == "car").sum()
    assert (
        mixed.of_class("car")
        .series("stock", "stock", powertrain="")
        .equals(data.series("stock", "stock", powertrain="", **{CLASS_KEY: "car"}))
    )


def test_a_class_of_buses_may_saturate_at_a_few_per_1000_people(
    data_dir: Path, replace_once
) -> None:
    """The saturation's plausible range holds a class far rarer than vans (minibuses, buses)."""
    row = "saturation,lcv,,,100,veh/1000 persons,assumption,70,150,"
    replace_once(
        data_dir / "ownership.csv",
        row,
        row.replace(",100,", ",4.5,", 1).replace(",70,150,", ",3,7,"),
    )
    assert load_dataset(data_dir).of_class("lcv").value("ownership", "saturation") == 4.5
    replace_once(data_dir / "ownership.csv", ",4.5,veh/1000 persons,", ",0.05,veh/1000 persons,")
    with pytest.raises(InputError) as info:
        validate_dataset(data_dir)  # read afresh: load_dataset keeps the folder's first reading
    assert (
        "column 'value' = 0.05 for 'saturation' is outside the plausible range [0.1, 1000] "
        "veh/1000 persons"
    ) in str(info.value)

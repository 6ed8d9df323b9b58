"""The dataset's dimensions (``dimensions.yaml``, :mod:`evhub.dims`).

Hostile dimension files are cases of ``tests/hostile/test_dataset.py`` (refused
by ``data validate`` and ``run`` with the same message); here: what the
shipped file declares, and how code asks for members.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from evhub.dataset import load_dataset
from evhub.dims import DIMENSIONS_FILE, Dims, load_dims
from evhub.errors import InputError


@pytest.fixture(scope="module")
def dims() -> Dims:
    return load_dataset().dims


def test_every_dimension_is_declared_in_order(dims: Dims) -> None:
    assert dims.powertrains.ids == ("petrol", "diesel", "lpg", "hev", "phev", "bev")
    assert dims.stages.ids == (
        "interest",
        "talks",
        "mou",
        "announced",
        "construction",
        "ramping",
        "operating",
        "cancelled",
    )
    assert [len(getattr(dims, name)) for name in Dims.NAMES] == [
        2,
        1,
        4,
        4,
        5,
        6,
        1,
        4,
        2,
        3,
        5,
        5,
        8,
    ]


def test_behaviour_is_read_from_attributes(dims: Dims) -> None:
    pt = dims.powertrains
    assert pt.where(plug=True) == ("phev", "bev")
    assert pt.where(battery=True) == ("hev", "phev", "bev")
    assert pt.where(group="ice") == ("petrol", "diesel", "lpg")
    assert pt.where(statistics_group="hybrid") == ("hev", "phev")
    assert pt.where(fuel=None) == ("bev",)
    assert pt.where(classes="car") == pt.ids  # a list attribute matches a member of it
    np.testing.assert_array_equal(pt.mask(plug=True), [False, False, False, False, True, True])
    assert pt.column("fuel").tolist() == ["petrol", "diesel", "lpg", "petrol", "petrol", None]
    assert dims.fuels.where(liquid=True) == ("petrol", "diesel", "lpg")
    assert dims.stages.where(producing=True) == ("ramping", "operating")
    assert dims.stages.where(building=False) == (
        "interest",
        "talks",
        "mou",
        "announced",
        "cancelled",
    )


def test_the_home_country_and_its_customs_union(dims: Dims) -> None:
    assert dims.home == "domestic"
    assert dims.origins.label(dims.home) == "Türkiye"
    assert dims.in_union_with_home("origins") == ("eu",)
    assert dims.in_union_with_home("destinations") == ("eu",)
    assert dims.origins.where(home=False) == ("china", "eu", "other")


def test_labels_are_what_results_show(dims: Dims) -> None:
    assert dims.classes.label("car") == "Passenger Cars"
    assert dims.powertrains.labels() == {
        "petrol": "Petrol",
        "diesel": "Diesel",
        "lpg": "LPG",
        "hev": "HEV",
        "phev": "PHEV",
        "bev": "BEV",
    }
    assert dims.powertrains.index("bev") == len(dims.powertrains) - 1


def test_an_unknown_member_or_attribute_is_named(dims: Dims) -> None:
    with pytest.raises(InputError, match=r"powertrains: no member 'fcev'; the members are petrol"):
        dims.powertrains.member("fcev")
    with pytest.raises(InputError, match=r"powertrains have no attribute 'colour'; they have"):
        dims.powertrains.where(colour="red")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=str(tmp_path / DIMENSIONS_FILE)):
        load_dims(tmp_path / DIMENSIONS_FILE)


def test_every_problem_of_a_file_is_listed(tmp_path: Path) -> None:
    shipped = load_dataset().path / DIMENSIONS_FILE
    path = tmp_path / DIMENSIONS_FILE
    shutil.copy(shipped, path)
    text = path.read_text(encoding="utf-8")
    text = text.replace("    group: ice\n", "    group: combustion\n", 1)
    text = text.replace("  nca:\n    label: NCA\n", "  nca:\n    label: 7\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_dims(path)
    message = str(info.value)
    assert "chemistries.nca.label = 7: Input should be a valid string" in message
    # references are checked once every member has the right types
    assert "combustion" not in message


def test_the_tables_keys_follow_the_dimensions(tmp_path: Path) -> None:
    """Remove a powertrain from dimensions.yaml: its rows in the tables are refused."""
    folder = tmp_path / "no-lpg"
    shutil.copytree(load_dataset().path, folder)
    path = folder / DIMENSIONS_FILE
    text = path.read_text(encoding="utf-8")
    start = text.index("  lpg:\n    label: LPG\n    description: petrol engine converted")
    end = text.index("  hev:\n    label: HEV\n    description: full hybrid, petrol")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_dataset(folder)
    message = str(info.value)
    assert "sales.csv: row" in message
    assert (
        "column 'powertrain' = 'lpg' is not one of ['petrol', 'diesel', 'hev', 'phev', 'bev']"
        in (message)
    )


def test_the_results_follow_the_attributes_not_the_positions(tmp_path: Path) -> None:
    """The shipped dataset with BEV declared first: the same results, id by id."""
    import evhub

    folder = tmp_path / "bev-first"
    shutil.copytree(load_dataset().path, folder)
    path = folder / DIMENSIONS_FILE
    text = path.read_text(encoding="utf-8")
    start = text.index("  bev:\n    label: BEV\n    description: battery-electric car\n")
    end = text.index("\n# Trade blocs")
    bev = text[start:end].rstrip("\n") + "\n"
    text = text[:start] + text[end:]
    text = text.replace("powertrains:\n", "powertrains:\n" + bev, 1)
    path.write_text(text, encoding="utf-8")
    shipped = evhub.run("net-zero").data  # a combustion-car ban: the plug-in rule too
    moved = evhub.run("net-zero", dataset=folder).data
    assert list(moved["powertrain"].values) == ["bev", "petrol", "diesel", "lpg", "hev", "phev"]
    # equal up to the order of sums over powertrains: roundings of the largest value
    for name in ("sales", "stock", "fuel_energy", "electricity", "battery_demand", "exports_eu"):
        expected = shipped[name].values
        np.testing.assert_allclose(
            moved[name].transpose(*shipped[name].dims).sel(shipped[name].coords).values,
            expected,
            rtol=1e-12,
            atol=1e-12 * float(np.nanmax(np.abs(expected))),
            err_msg=name,
        )


def test_the_attributes_behaviour_depends_on(dims: Dims) -> None:
    """Attributes that name what the model does with a member, not its id."""
    assert dims.powertrain_groups.where(eu_cvd=True) == ("bev",)
    assert dims.origins.where(eu_cvd=True) == ("china",)
    assert dims.powertrains.column("converted_from").tolist() == [
        None,
        None,
        "petrol",
        None,
        None,
        None,
    ]


def test_the_eu_duty_has_exactly_one_origin(tmp_path: Path) -> None:
    path = tmp_path / DIMENSIONS_FILE
    text = (load_dataset().path / DIMENSIONS_FILE).read_text(encoding="utf-8")
    text = text.replace("    blocs: []\n    eu_cvd: true\n", "    blocs: []\n    eu_cvd: false\n")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"exactly one origin must have eu_cvd: true .*found 0"):
        load_dims(path)


@pytest.mark.parametrize(
    ("classes", "expected"),
    [
        ("[car, bus]", r"class_totals.ldv.classes = 'bus': not one of the classes \(car, lcv\)"),
        ("[]", r"class_totals.ldv.classes = \[\]: expected one or more vehicle classes, each"),
        ("[car, car]", r"class_totals.ldv.classes = \['car', 'car'\]: expected one or more"),
    ],
)
def test_a_class_total_names_known_classes_once(
    tmp_path: Path, classes: str, expected: str
) -> None:
    path = tmp_path / DIMENSIONS_FILE
    text = (load_dataset().path / DIMENSIONS_FILE).read_text(encoding="utf-8")
    assert "    classes: [car, lcv]\n\nfuels:" in text
    text = text.replace("    classes: [car, lcv]\n\nfuels:", f"    classes: {classes}\n\nfuels:")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=f"{re.escape(str(path))}: {expected}"):
        load_dims(path)


def test_a_conversion_names_a_powertrain(tmp_path: Path) -> None:
    path = tmp_path / DIMENSIONS_FILE
    text = (load_dataset().path / DIMENSIONS_FILE).read_text(encoding="utf-8")
    text = text.replace("converted_from: petrol", "converted_from: kerosene")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"powertrains.lpg.converted_from = 'kerosene': not one"):
        load_dims(path)


def test_an_unmodelled_vehicle_plant_names_its_capacity(tmp_path: Path) -> None:
    path = tmp_path / DIMENSIONS_FILE
    text = (load_dataset().path / DIMENSIONS_FILE).read_text(encoding="utf-8")
    # the shipped kinds all build a modelled class: make light commercial vehicles capacity only
    text = text.replace("vehicle_class: lcv", "vehicle_class: null")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"project_kinds.lcv.capacity_label = None: .* needs a"):
        load_dims(path)


def test_project_kinds_say_what_a_project_makes(dims: Dims) -> None:
    kinds = dims.project_kinds
    assert kinds.ids == ("car", "lcv", "cell", "pack", "other")
    assert kinds.where(vehicle=True) == ("car", "lcv")
    assert kinds.where(cells=True) == ("cell",)
    assert kinds.where(packs=True) == ("pack",)
    # every vehicle plant builds a class of the dataset: none is capacity only
    assert kinds.column("capacity_label").tolist() == [None, None, None, None, None]
    assert kinds.column("vehicle_class").tolist() == ["car", "lcv", None, None, None]
    assert kinds.where(registry_kinds="vehicle_assembly") == ("car", "lcv")


def _renamed_project_kinds(tmp_path: Path) -> Path:
    folder = tmp_path / "renamed"
    shutil.copytree(load_dataset().path, folder)
    path = folder / DIMENSIONS_FILE
    text = path.read_text(encoding="utf-8")
    for old, new in (
        ("car:\n    label: Passenger-car", "passenger_car_plant:\n    label: Passenger-car"),
        ("cell:\n    label: Cell plants", "cell_plant:\n    label: Cell plants"),
    ):
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return folder


def test_the_hub_follows_the_project_kinds_attributes_not_their_ids(tmp_path: Path) -> None:
    """Project kinds renamed: the same production, cells, investment and jobs."""
    import evhub

    folder = _renamed_project_kinds(tmp_path)
    renamed = evhub.run("hub", dataset=folder).data
    shipped = evhub.run("hub").data
    assert "passenger_car_plant" in renamed["project_kind"].values
    assert "cell_plant" in renamed["project_kind"].values
    for name in ("capacity", "production", "cell_supply", "investment", "employment", "exports"):
        np.testing.assert_array_equal(renamed[name].values, shipped[name].values, err_msg=name)


def test_a_project_without_a_kind_is_refused(tmp_path: Path) -> None:
    import evhub

    folder = tmp_path / "no-rnd"
    shutil.copytree(load_dataset().path, folder)
    path = folder / DIMENSIONS_FILE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[component, rnd]", "[component]"), encoding="utf-8")
    with pytest.raises(InputError, match=r"pipeline.csv: row \d+: kind 'rnd' and segment ''"):
        evhub.run("baseline", dataset=folder)


def test_the_initial_stock_takes_one_powertrain_per_combustion_group(tmp_path: Path) -> None:
    """The first year's stock shares are by statistics group: each must be one powertrain's."""
    import evhub

    folder = tmp_path / "hev-as-petrol"
    shutil.copytree(load_dataset().path, folder)
    path = folder / DIMENSIONS_FILE
    text = path.read_text(encoding="utf-8")
    old = "    group: hev\n    statistics_group: hybrid\n"
    assert old in text
    path.write_text(text.replace(old, "    group: hev\n    statistics_group: petrol\n"), "utf-8")
    with pytest.raises(InputError, match=r"statistics group 'petrol' holds more than one"):
        evhub.run("baseline", dataset=folder)

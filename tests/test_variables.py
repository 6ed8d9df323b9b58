"""IAMC variables and scorecard indicators follow the dataset's dimensions, not literals."""

from pathlib import Path

import numpy as np
import pytest
import yaml

from evhub.compose import labels, to_arrays, to_dataset
from evhub.definitions import load_definitions
from evhub.dims import DIMENSIONS_FILE, Dims, load_dims
from evhub.errors import InputError
from evhub.run import simulate_resolved
from evhub.variables import (
    Arrays,
    fill_names,
    iamc_names,
    iamc_variables,
    memo_variables,
    scorecard_indicators,
)


def _relabelled(dataset, tmp_path: Path, change) -> Dims:
    """The shipped dimensions with some labels changed by ``change(raw)``."""
    raw = yaml.safe_load((dataset.path / DIMENSIONS_FILE).read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / DIMENSIONS_FILE
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_dims(path)


def _autos(raw) -> None:
    raw["classes"]["car"]["label"] = "Autos"
    raw["powertrains"]["bev"]["label"] = "Battery Electric"
    raw["powertrain_groups"]["bev"]["label"] = "Battery Electric"
    raw["origins"]["china"]["label"] = "PRC"
    raw["materials"]["lithium"]["label"] = "Li"


def test_names_follow_the_labels_of_the_dimensions(dataset, tmp_path: Path) -> None:
    dims = _relabelled(dataset, tmp_path, _autos)
    names = iamc_names(dims)
    shipped = iamc_names(dataset.dims)
    assert len(names) == len(shipped)
    assert not [n for n in names if "Passenger Cars" in n or n.endswith("|BEV")]
    assert "Stock|Autos|Battery Electric" in names
    assert "Imports|Autos|PRC" in names
    assert "Material Demand|Batteries|Li" in names
    assert "Capacity|Vehicle Assembly|Autos" in names
    # the same variables in the same order, only relabelled
    renamed = [
        n.replace("Passenger Cars", "Autos")
        .replace("|BEV", "|Battery Electric")
        .replace("|China", "|PRC")
        .replace("|Lithium", "|Li")
        for n in shipped
    ]
    assert list(names) == renamed
    # and the same as the definitions expanded over these dimensions
    definitions = load_definitions(dims)
    assert sorted(names) == sorted(definitions)
    assert memo_variables(dims) == {n for n, d in definitions.items() if d.memo}


def test_getters_select_by_id_whatever_the_label(shipped, tmp_path: Path) -> None:
    dims = _relabelled(shipped.dataset, tmp_path, _autos)
    relabelled = iamc_variables(dims)
    original = iamc_variables(shipped.dataset.dims)
    for new, old in zip(relabelled, original, strict=True):
        a, b = relabelled[new][1](shipped.data), original[old][1](shipped.data)
        np.testing.assert_array_equal(a.values, b.values, err_msg=new)


def test_scorecard_indicators_follow_the_labels(dataset, tmp_path: Path) -> None:
    dims = _relabelled(dataset, tmp_path, _autos)
    by_label = {i.label: i for i in scorecard_indicators(dims)}
    assert by_label["Battery Electric stock (Autos)"].variable == "Stock|Autos|Battery Electric"
    assert by_label["Road CO2 (Autos)"].target == "Target|Emissions|CO2|Autos"
    shipped = [(i.label, i.variable, i.target) for i in scorecard_indicators(dataset.dims)]
    assert ("BEV stock (Passenger Cars)", "Stock|Passenger Cars|BEV", None) in shipped
    assert ("Exports to the EU (Passenger Cars)", "Exports|Passenger Cars|EU", None) in shipped
    names = set(iamc_names(dims))
    assert all(i.variable in names for i in scorecard_indicators(dims))


def test_exports_to_the_union_are_named_by_its_destination(dataset, tmp_path: Path) -> None:
    # the definitions name the union's exports with the tag {Union}, the label of the
    # destination in a duty-free bloc with home, as the code does: not "EU" literally
    def union(raw) -> None:
        raw["destinations"]["eu"]["label"] = "Customs Union"

    dims = _relabelled(dataset, tmp_path, union)
    names = iamc_names(dims)
    assert "Exports|Passenger Cars|Customs Union" in names
    assert "Exports|Passenger Cars|Non-Customs Union" in names
    assert not [n for n in names if n.startswith("Exports|") and "EU" in n]
    definitions = load_definitions(dims)
    assert sorted(names) == sorted(definitions)
    assert "to Customs Union" in definitions["Exports|Passenger Cars|Customs Union"].description
    by_label = {i.label: i for i in scorecard_indicators(dims)}
    assert by_label["Exports to the Customs Union (Passenger Cars)"].variable == (
        "Exports|Passenger Cars|Customs Union"
    )


def test_the_grid_fuel_is_named_by_its_label(dataset, tmp_path: Path) -> None:
    # the definitions name the grid's fuel with the tag {Grid Fuel}: not "Electricity" literally
    def power(raw) -> None:
        raw["fuels"]["electricity"]["label"] = "Grid Power"

    dims = _relabelled(dataset, tmp_path, power)
    names = iamc_names(dims)
    for name in (
        "Final Energy|Passenger Cars|Grid Power",
        "Emissions|CO2|Passenger Cars|Grid Power",
        "Carbon Intensity|Grid Power",
    ):
        assert name in names
    assert sorted(names) == sorted(load_definitions(dims))


def test_fill_names_expands_a_template(dataset) -> None:
    assert fill_names("Sales|{Vehicle Class}|{Powertrain}", dataset.dims) == [
        f"Sales|{vehicle_class}|{label}"
        for vehicle_class in dataset.dims.classes.labels().values()
        for label in dataset.dims.powertrains.labels().values()
    ]
    with pytest.raises(InputError, match="unknown tag"):
        fill_names("Sales|{Colour}", dataset.dims)


def test_a_third_class_has_its_own_variables_and_scorecard_indicators(
    dataset, tmp_path: Path
) -> None:
    def three_classes(raw) -> None:
        raw["classes"]["bus"] = {"label": "Buses", "description": "a third class"}
        for powertrain in raw["powertrains"].values():  # a class sells at least one
            powertrain["classes"].append("bus")

    dims = _relabelled(dataset, tmp_path, three_classes)
    names = iamc_names(dims)
    assert sorted(names) == sorted(load_definitions(dims))
    shipped = iamc_names(dataset.dims)
    cars = [n for n in shipped if "|Passenger Cars" in n]
    # a variable of a class for each class, in the classes' order; the others once
    # (the class totals sum the classes listed in class_totals: not the new one)
    assert [n for n in names if "|Buses" in n] == [
        n.replace("Passenger Cars", "Buses") for n in cars
    ]
    assert len(names) == len(shipped) + len(cars)
    assert names.index("Sales|Passenger Cars") < names.index("Sales|Buses")
    # an indicator of a class for each class, its goal with the first class only
    indicators = scorecard_indicators(dims)
    bus = [(i.label, i.variable, i.goal) for i in indicators if i.vehicle_class == "bus"]
    assert bus[0] == ("EV share of sales (Buses)", "Share|Sales|Buses|EV", None)
    assert ("Vehicles built (Buses)", "Production|Buses", None) in bus
    built = [i for i in indicators if i.template == "Vehicles built ({Vehicle Class})"]
    assert [(i.vehicle_class, i.goal) for i in built] == [
        ("car", "cars_built"),
        ("lcv", None),
        ("bus", None),
    ]
    assert len(indicators) == len(scorecard_indicators(dataset.dims)) + len(bus)


def _bits(arr) -> np.ndarray:
    return np.ascontiguousarray(arr.transpose("scenario", "run", "year").values).view(np.uint64)


def test_getters_have_the_bits_of_the_labelled_operations(shipped) -> None:
    """The NumPy getters give, bit for bit, what xarray gives for the same operations.

    xarray's ``sum`` skips NaN by default (a NaN counts as 0) unless told
    ``skipna=False``; the getters do the same, so a variable keeps its value
    in every run, however its results are held.
    """
    ds = shipped.data
    variables = iamc_variables(shipped.dataset.dims)
    car = ds.sel(vehicle_class="car", drop=True)
    kinds = ds["project_kind"]
    vehicle_kinds = list(shipped.dataset.dims.project_kinds.where(vehicle=True))
    plugged = ["phev", "bev"]
    sales = car["sales"]
    share = sales.sel(powertrain=plugged).sum("powertrain") / sales.sum("powertrain")
    expected = {
        "Sales|Passenger Cars": sales.sum("powertrain"),
        "Sales|Passenger Cars|BEV": sales.sel(powertrain="bev"),
        "Share|Sales|Passenger Cars|EV": share.where(sales.sum("powertrain") != 0, 0.0) * 100.0,
        "Final Energy|Passenger Cars": car["fuel_energy"].sum("fuel") + car["electricity"] * 3.6,
        "Battery|Demand|Sales": ds["battery_demand"].sum("vehicle_class", skipna=False),
        "Material Demand|Batteries": ds["materials"]
        .sum("vehicle_class", skipna=False)
        .sum("material"),
        "Capacity|Vehicle Assembly": ds["capacity"]
        .where(kinds.isin(vehicle_kinds), 0.0)
        .sum("project"),
        "Investment|Realised|Cumulative": ds["investment"].cumsum("year"),
        "Exports|Passenger Cars|Non-EU": car["exports"].sum("class") - car["exports_eu"],
        "Sales|Light-Duty Vehicles": sales.sum("powertrain")
        + ds["sales"].sel(vehicle_class="lcv", drop=True).sum("powertrain"),
    }
    for name, want in expected.items():
        got = variables[name][1](ds)
        assert got.dims == ("scenario", "run", "year"), name
        np.testing.assert_array_equal(_bits(got), _bits(want), err_msg=name)
    # the ensemble's chunks read the arrays directly: the same values
    arrays = Arrays.of(ds)
    for name, (_, get) in variables.items():
        got = get.array(arrays)
        np.testing.assert_array_equal(
            np.ascontiguousarray(got).view(np.uint64), _bits(get(ds)), err_msg=name
        )


def test_the_chain_s_arrays_are_those_of_its_labelled_results(shipped) -> None:
    """An ensemble's chunks compute the variables from to_arrays: as from the labelled ones."""
    data = shipped.dataset
    out = simulate_resolved(shipped.scenarios[0], data)
    names = labels(data)
    direct, labelled = to_arrays(out, names), Arrays.of(to_dataset(out, names))
    assert dict(direct.dims) == dict(labelled.dims)
    for name in labelled.values:
        assert direct.values[name] is labelled.values[name], name  # the same arrays, no copy
    for name, (_, get) in iamc_variables(data.dims).items():
        np.testing.assert_array_equal(get.array(direct), get.array(labelled), err_msg=name)

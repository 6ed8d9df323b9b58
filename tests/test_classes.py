"""The chain runs every vehicle class of a dataset; results carry a ``vehicle_class`` axis.

The shipped dataset has two classes (``car``, ``lcv``); its car results are
unchanged by the class axis (``tests/test_golden.py`` holds them, and here the
labelled results have the axis with its classes). A copy of it with a class ``car2``
that duplicates cars (every ``car`` row of the class-keyed tables, of
``assumptions.csv``, of ``dataset.yaml``'s defaults and of the scenarios, and
every passenger-car plant of the registry as a ``car2`` plant with its own id)
must give each class exactly the single-class run's results: the classes are
independent except where they share (the grid, the cell plants, the
pipeline's totals), so every class-own number equals the single run's and
every sum over the classes gains the car class's part once more.

Tolerance: rtol 1e-12 for the class's own results. Both runs compute each
class with the same operations on the same numbers, so they agree exactly
where nothing is shared; 1e-12 only leaves room for a reassociation of a sum
over projects (the car2 plants are other rows of the same registry), far
below any change of data or equations (one car in a 17-million stock is
6e-8).
"""

from __future__ import annotations

import csv
import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml

import evhub
from evhub.calibrate import backcast
from evhub.compose import chain_setup
from evhub.dataset import CLASS_KEY, Dataset, schema
from evhub.ensemble.design import unit_draws
from evhub.ensemble.execute import make_task
from evhub.errors import InputError
from evhub.figures import charts
from evhub.model import chain
from evhub.results import Results
from evhub.variables import (
    fill_names,
    iamc_names,
    iamc_variables,
    lead_class,
    scorecard_indicators,
)

SHIPPED = Path(str(resources.files("evhub").joinpath("data", "turkiye")))
CLASS, COPY = "car", "car2"
CARS, COPIES = "Passenger Cars", "Test Cars"
#: Same operations on the same numbers (see the module docstring).
RTOL = 1e-12
#: A class's own results, by name of the labelled results.
OWN = (
    "sales",
    "stock",
    "retirements",
    "vehicle_km",
    "fuel_energy",
    "electricity",
    "co2_tank_to_wheel",
    "co2_electricity",
    "co2_target",
    "battery_demand",
    "battery_retired",
    "battery_second_life",
    "battery_recycling",
    "materials",
    "ownership",
    "production",
    "domestic_sales",
    "exports",
    "exports_eu",
    "imports",
    "trade_balance",
    "cell_demand",
)
#: What every class shares and the copy leaves as it is (no cell plant is duplicated).
SHARED = ("grid_intensity", "cell_supply")


# --------------------------------------------------------------------------
# The two-class copy
# --------------------------------------------------------------------------


def _plant_id(pid: str) -> str:
    return f"{pid}-2"


def _rewrite_csv(path: Path, rows: list[dict[str, str]], columns: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _read_csv(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        return list(reader), list(reader.fieldnames or [])


def _two_classes(folder: Path) -> None:
    """Turn a copy of the shipped dataset into one whose second class duplicates cars."""
    dims_path = folder / "dimensions.yaml"
    dims = yaml.safe_load(dims_path.read_text(encoding="utf-8"))
    dims["classes"][COPY] = {"label": COPIES, "description": "a copy of passenger cars (a test)"}
    for powertrain in dims["powertrains"].values():
        if CLASS in powertrain["classes"]:
            powertrain["classes"].append(COPY)
    car_kinds = [k for k, m in dims["project_kinds"].items() if m["vehicle_class"] == CLASS]
    assert car_kinds == ["car"]
    kind = dict(dims["project_kinds"]["car"])
    kind.update(label="Test-car plants", description="copies of the car plants", segment=COPY)
    kind["vehicle_class"] = COPY
    dims["project_kinds"][COPY] = kind
    dims_path.write_text(yaml.safe_dump(dims, sort_keys=False, allow_unicode=True), "utf-8")

    rows, columns = _read_csv(folder / "pipeline.csv")
    car_plants = {r["id"] for r in rows if r["segment"] == CLASS}
    assert car_plants, "the shipped registry has no passenger-car plant"
    copies = [
        {
            **r,
            "id": _plant_id(r["id"]),
            "segment": COPY,
            "replaces": _plant_id(r["replaces"]) if r["replaces"] else "",
        }
        for r in rows
        if r["id"] in car_plants
    ]
    _rewrite_csv(folder / "pipeline.csv", rows + copies, columns)

    keyed = [name for name, spec in schema()["tables"].items() if "key_values" in spec]
    for name in keyed:
        rows, columns = _read_csv(folder / f"{name}.csv")
        copies = [{**r, CLASS_KEY: COPY} for r in rows if r[CLASS_KEY] == CLASS]
        for r in copies:
            if r.get("producer"):
                r["producer"] = _plant_id(r["producer"])
        _rewrite_csv(folder / f"{name}.csv", rows + copies, columns)

    rows, columns = _read_csv(folder / "assumptions.csv")
    prefix = f"{CLASS}."
    copies = [
        {**r, "parameter": COPY + r["parameter"][len(CLASS) :]}
        for r in rows
        if r["parameter"].startswith(prefix)
    ]
    _rewrite_csv(folder / "assumptions.csv", rows + copies, columns)

    meta_path = folder / "dataset.yaml"
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
    meta["defaults"].update(
        {COPY + k[len(CLASS) :]: v for k, v in meta["defaults"].items() if k.startswith(prefix)}
    )
    meta_path.write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), "utf-8")

    for path in (folder / "scenarios").glob("*.yaml"):
        scenario = yaml.safe_load(path.read_text(encoding="utf-8"))
        overrides = scenario.get("overrides") or {}
        if CLASS in overrides:
            overrides[COPY] = overrides[CLASS]
        # the class's own policies (policy.<lever>.<class>...)
        for lever in (overrides.get("policy") or {}).values():
            if isinstance(lever, dict) and CLASS in lever:
                lever[COPY] = lever[CLASS]
        path.write_text(yaml.safe_dump(scenario, sort_keys=False, allow_unicode=True), "utf-8")

    # the choice model's posterior draws (choice_posterior.csv names the class first)
    rows, columns = _read_csv(folder / "choice_posterior.csv")
    copies = [
        {**r, "parameter": COPY + r["parameter"][len(CLASS) :]}
        for r in rows
        if r["parameter"].startswith(prefix)
    ]
    _rewrite_csv(folder / "choice_posterior.csv", rows + copies, columns)


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    folder = tmp_path_factory.mktemp("classes") / "turkiye"
    shutil.copytree(SHIPPED, folder)
    _two_classes(folder)
    return evhub.load_dataset(folder)


@pytest.fixture(scope="module")
def doubled(two: Dataset) -> Results:
    """Every shipped scenario on the two-class copy (central values)."""
    return evhub.run(dataset=two)


# --------------------------------------------------------------------------
# One class: the axis is there, the results are those of the golden tests
# --------------------------------------------------------------------------


def test_the_shipped_results_have_a_vehicle_class_axis_with_its_one_class(
    shipped: Results,
) -> None:
    data = shipped.data
    assert data["vehicle_class"].values.tolist() == list(shipped.dataset.dims.classes.ids)
    for name in OWN:
        assert data[name].dims[2] == "vehicle_class", name  # (scenario, run, vehicle_class, ...)
    for name in ("grid_intensity", "capacity", "investment", "employment", "cell_supply"):
        assert "vehicle_class" not in data[name].dims, name
    # the powertrain groups keep their own dim (`class`), apart from the vehicle classes
    assert data["production"].dims[2:] == ("vehicle_class", "class", "year")


def test_a_class_variable_reads_its_class_and_a_total_sums_the_classes(shipped: Results) -> None:
    data = shipped.data.sel(vehicle_class=CLASS)
    np.testing.assert_array_equal(
        shipped.variable(f"Sales|{CARS}"), data["sales"].sum("powertrain")
    )
    np.testing.assert_array_equal(
        shipped.variable("Battery|Demand|Sales"),
        shipped.data["battery_demand"].sum("vehicle_class"),
    )
    assert "vehicle_class" not in shipped.variable(f"Stock|{CARS}").coords


# --------------------------------------------------------------------------
# Two classes: each is the single-class run
# --------------------------------------------------------------------------


def test_the_copy_has_two_classes_and_car2_plants(dataset: Dataset, two: Dataset) -> None:
    assert two.dims.classes.ids == (*dataset.dims.classes.ids, COPY)
    inputs, _ = chain_setup(evhub.resolve("baseline", two), two)
    pj = inputs.projects
    assert len(inputs.classes) == len(two.dims.classes.ids)
    first, last = two.dims.classes.ids.index(CLASS), two.dims.classes.ids.index(COPY)
    car = [pid for pid, k in zip(pj.ids, pj.vehicle_class, strict=True) if k == first]
    copy = [pid for pid, k in zip(pj.ids, pj.vehicle_class, strict=True) if k == last]
    assert copy == [_plant_id(pid) for pid in car]
    # each class's plants' utilisation relative to its own industry: the same numbers
    index = {pid: i for i, pid in enumerate(pj.ids)}
    np.testing.assert_array_equal(
        pj.relative_utilisation[[index[p] for p in copy]],
        pj.relative_utilisation[[index[p] for p in car]],
    )


@pytest.mark.parametrize("name", OWN)
def test_each_class_equals_the_single_class_run(
    shipped: Results, doubled: Results, name: str
) -> None:
    single = shipped.data[name].sel(vehicle_class=CLASS)
    assert int(single.notnull().sum()) > 0
    for own in (CLASS, COPY):
        xr.testing.assert_allclose(
            doubled.data[name].sel(vehicle_class=own, drop=True),
            single.drop_vars("vehicle_class"),
            rtol=RTOL,
            atol=0.0,
        )


@pytest.mark.parametrize("name", SHARED)
def test_what_the_classes_share_is_unchanged(shipped: Results, doubled: Results, name: str) -> None:
    xr.testing.assert_allclose(doubled.data[name], shipped.data[name], rtol=RTOL, atol=0.0)


def test_totals_over_the_classes_add_the_copy_once_more(shipped: Results, doubled: Results) -> None:
    """A total over the classes gains the car class's part once more (car2 is a copy of it)."""
    variables = iamc_variables(shipped.dataset.dims)
    for name in (
        "Battery|Demand|Sales",
        "Battery|Retired",
        "Battery|Retired|Uncollected",
        "Material Demand|Batteries",
        "Material Demand|Batteries|Lithium",
        "Battery|Demand|Domestic Production",
    ):
        car = variables[name][1](shipped.data.sel(vehicle_class=[CLASS]))
        assert float(abs(car).max()) > 0, name
        expected = shipped.variable(name) + car
        xr.testing.assert_allclose(doubled.variable(name), expected, rtol=RTOL, atol=0.0)


def test_the_cell_balance_takes_every_class_s_cells(shipped: Results, doubled: Results) -> None:
    cells = shipped.data["cell_demand"]
    demand = cells.sum("vehicle_class", skipna=False) + cells.sel(vehicle_class=CLASS, drop=True)
    supply = shipped.data["cell_supply"]
    expected = np.maximum(demand - supply, 0.0)
    assert float((expected - shipped.data["cell_imports"]).max()) > 0  # the copy needs more
    xr.testing.assert_allclose(doubled.data["cell_imports"], expected, rtol=RTOL, atol=1e-9)


def test_the_iamc_table_has_the_variables_of_both_classes(
    shipped: Results, doubled: Results
) -> None:
    single = shipped.to_iamc().set_index(["Scenario", "Variable"])
    both = doubled.to_iamc().set_index(["Scenario", "Variable"])
    years = [c for c in single.columns if isinstance(c, int)]
    own = [v for v in single.index.get_level_values("Variable").unique() if f"|{CARS}" in v]
    assert len(own) > 40
    for name in own:
        copy = name.replace(f"|{CARS}", f"|{COPIES}")
        assert copy in both.index.get_level_values("Variable"), copy
        for scenario in single.index.get_level_values("Scenario").unique():
            np.testing.assert_allclose(
                both.loc[(scenario, copy), years].to_numpy(float),
                single.loc[(scenario, name), years].to_numpy(float),
                rtol=RTOL,
                atol=0.0,
                err_msg=f"{scenario}: {copy}",
            )
    assert f"Capacity|Vehicle Assembly|{COPIES}" in iamc_names(doubled.dataset.dims)


def test_the_scorecard_and_charts_show_every_class(shipped: Results, doubled: Results) -> None:
    assert lead_class(doubled.dataset.dims) == CLASS
    labels = [doubled.dataset.dims.classes.label(c) for c in doubled.dataset.dims.classes.ids]
    assert fill_names("Stock|{Vehicle Class}", doubled.dataset.dims) == [
        f"Stock|{label}" for label in labels
    ]
    assert labels[0] == CARS and labels[-1] == COPIES
    card = doubled.scorecard().set_index(["indicator", "year", "scenario"])
    single = shipped.scorecard().set_index(["indicator", "year", "scenario"])
    # the copy's indicators hold the single run's car values (the others are totals or
    # shared); the copy has no goals: they are national targets of the lead class
    own = [i for i in scorecard_indicators(doubled.dataset.dims) if i.vehicle_class == COPY]
    assert len(own) >= 8
    for ind in own:
        copy = card.xs(ind.label, level="indicator")
        car = single.xs(ind.label.replace(COPIES, CARS), level="indicator")
        years = car.index.get_level_values("year").unique()
        if ind.template.startswith("Road CO2"):  # the target years: the same here
            assert list(copy.index) == list(car.index)
        else:  # a goal's year is the car indicator's alone
            copy_years = set(copy.index.get_level_values("year"))
            assert copy_years <= set(years) and len(copy_years) >= 2
        shared = copy.index.intersection(car.index)
        np.testing.assert_allclose(
            copy.loc[shared, "value"].to_numpy(float),
            car.loc[shared, "value"].to_numpy(float),
            rtol=RTOL,
            err_msg=ind.label,
        )
    keys = [c.key for c in charts(doubled.dataset.dims)]
    assert keys[:3] == ["ev-share-car", "ev-share-lcv", f"ev-share-{COPY}"]


def test_the_backcast_and_calibration_take_a_class(dataset: Dataset, two: Dataset) -> None:
    single = backcast(evhub.resolve("baseline", dataset), dataset, vehicle_class=CLASS)
    for own in (CLASS, COPY):
        table = backcast(evhub.resolve("baseline", two), two, vehicle_class=own)
        pd.testing.assert_frame_equal(table, single, check_exact=False, rtol=RTOL)
    with pytest.raises(InputError, match=r"vehicle classes car, lcv, car2; name the one to"):
        evhub.calibrate("baseline", dataset=two)
    with pytest.raises(InputError, match=r"no vehicle class 'bus'"):
        backcast(evhub.resolve("baseline", two), two, vehicle_class="bus")


# --------------------------------------------------------------------------
# Two classes: still vectorised over runs
# --------------------------------------------------------------------------


def test_an_ensemble_of_the_two_class_copy_runs(two: Dataset) -> None:
    res = evhub.run("baseline", dataset=two, samples=6, seed=2)
    assert res.ensemble is not None
    quantiles = res.ensemble.quantiles()
    for label in (CARS, COPIES):
        rows = quantiles[quantiles["Variable"] == f"Stock|{label}"]
        assert len(rows) == 5  # the five quantiles
        assert np.isfinite(rows[[2030, 2035]].to_numpy(float)).all()
    res.ensemble.close()


def test_a_member_of_a_two_class_ensemble_equals_its_own_run(two: Dataset) -> None:
    """The members run at once (a leading run axis), each as it would alone."""
    task = make_task(evhub.resolve("baseline", two), two)
    n = 5
    values = task.design.values(
        unit_draws(n, len(task.design.columns), seed=4),
        task.base,
        task.layout,
        task.inputs.projects,
    )
    assert any(name.startswith(f"{COPY}.") for name in task.design.names)  # car2 is sampled too
    together = chain.simulate(
        task.inputs, task.layout.build(task.design.parameters(values, task.base), n)
    )
    assert together.sales.shape[:2] == (n, len(two.dims.classes.ids))
    assert together.capacity.shape[0] == n
    for i in (0, n - 1):
        alone = chain.simulate(
            task.inputs, task.layout.build(task.design.parameters(values[i : i + 1], task.base), 1)
        )
        for name in ("sales", "stock", "electricity", "production", "imports", "cell_imports"):
            np.testing.assert_allclose(
                getattr(together, name)[i], getattr(alone, name)[0], rtol=RTOL, err_msg=name
            )

"""A powertrain sold in only some vehicle classes (its ``classes`` in ``dimensions.yaml``).

A class's data rows, scenario parameters, sliders and plants' output of a
powertrain exist only where the class sells it; the chain holds the
powertrain's place on the class's powertrain axis with no sales, no stock and
no energy. Here a copy of the shipped dataset whose light commercial vehicles
sell no ``hev`` (its rows of every class-keyed table and its assumptions
removed, its sales shares moved to ``petrol``) must load, refuse an ``hev``
row or parameter of that class with a message that says why, run with no
hybrid van in any year, and leave the passenger cars' results exactly as they
were (the classes share nothing a van hybrid could change: no plant of the
class makes hybrids, and cells and the grid are not read back by a class).
"""

from __future__ import annotations

import csv
import re
import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import yaml

import evhub
from evhub import parameters
from evhub.dashboard.controls import controls, slider_specs
from evhub.dataset import CLASS_KEY, Dataset, schema
from evhub.errors import InputError
from evhub.results import Results

SHIPPED = Path(str(resources.files("evhub").joinpath("data", "turkiye")))
SYNTHETIC = Path(__file__).parent / "data" / "synthetic"
#: The class and the powertrain the copy stops selling, and where its sales shares go.
KLASS, HYBRID, INSTEAD = "lcv", "hev", "petrol"


def _read(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        return list(reader), list(reader.fieldnames or [])


def _write(path: Path, rows: list[dict[str, str]], columns: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _prune(node: object, powertrain: str) -> object:
    """A scenario's overrides of a class without the keys that name the powertrain."""
    if not isinstance(node, dict):
        return node
    return {
        k: _prune(v, powertrain)
        for k, v in node.items()
        if k != powertrain and not str(k).startswith(powertrain + "_")
    }


def unsell(folder: Path, klass: str, powertrain: str, instead: str) -> None:
    """Stop selling ``powertrain`` in class ``klass`` in a copy of a dataset.

    Its ``classes`` lose the class; the class's rows of the powertrain leave
    every class-keyed table (its sales shares go to ``instead``, year by
    year), its assumptions leave ``assumptions.csv`` and the scenarios' keys
    of it leave the class's overrides.
    """
    dims_path = folder / "dimensions.yaml"
    dims = yaml.safe_load(dims_path.read_text(encoding="utf-8"))
    dims["powertrains"][powertrain]["classes"].remove(klass)
    dims_path.write_text(yaml.safe_dump(dims, sort_keys=False, allow_unicode=True), "utf-8")
    for name, spec in schema()["tables"].items():
        if "powertrain" not in spec["keys"] or "key_values" not in spec:
            continue
        if not (folder / f"{name}.csv").exists():  # an optional table the dataset leaves out
            continue
        rows, columns = _read(folder / f"{name}.csv")
        mine = [r for r in rows if r[CLASS_KEY] == klass and r["powertrain"] == powertrain]
        kept = [r for r in rows if r not in mine]
        for gone in mine:
            if gone["variable"] == "sales_share":
                [other] = [
                    r
                    for r in kept
                    if r["variable"] == "sales_share"
                    and r[CLASS_KEY] == klass
                    and r["powertrain"] == instead
                    and r["year"] == gone["year"]
                ]
                other["value"] = f"{float(other['value']) + float(gone['value']):g}"
        _write(folder / f"{name}.csv", kept, columns)
    rows, columns = _read(folder / "assumptions.csv")
    named = re.compile(rf"^{klass}\..*\.{powertrain}(\.|_|$)")
    _write(
        folder / "assumptions.csv", [r for r in rows if not named.match(r["parameter"])], columns
    )
    for path in (folder / "scenarios").glob("*.yaml"):
        scenario = yaml.safe_load(path.read_text(encoding="utf-8"))
        overrides = scenario.get("overrides") or {}
        if klass in overrides:
            overrides[klass] = _prune(overrides[klass], powertrain)
        path.write_text(yaml.safe_dump(scenario, sort_keys=False, allow_unicode=True), "utf-8")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped dataset whose light commercial vehicles sell no hybrid."""
    out = tmp_path_factory.mktemp("sold") / "turkiye"
    shutil.copytree(SHIPPED, out)
    unsell(out, KLASS, HYBRID, INSTEAD)
    return out


@pytest.fixture(scope="module")
def copy(folder: Path) -> Dataset:
    return evhub.load_dataset(folder)


@pytest.fixture(scope="module")
def without(copy: Dataset) -> Results:
    """Every shipped scenario on the copy (central values)."""
    return evhub.run(dataset=copy)


def _fresh(folder: Path, tmp_path: Path) -> Path:
    out = tmp_path / "turkiye"
    shutil.copytree(folder, out)
    return out


# --------------------------------------------------------------------------
# The dimensions and the data tables
# --------------------------------------------------------------------------


def test_the_copy_sells_the_class_every_powertrain_but_one(copy: Dataset) -> None:
    dims = copy.dims
    assert HYBRID not in dims.sold_in(KLASS)
    assert dims.sold_in(KLASS) == tuple(p for p in dims.powertrains.ids if p != HYBRID)
    assert dims.sold_in("car") == dims.powertrains.ids
    with pytest.raises(InputError, match=r"classes: no member 'bus'"):
        dims.sold_in("bus")


def test_a_class_no_powertrain_is_sold_in_is_refused(folder: Path, tmp_path: Path) -> None:
    out = _fresh(folder, tmp_path)
    path = out / "dimensions.yaml"
    dims = yaml.safe_load(path.read_text(encoding="utf-8"))
    for powertrain in dims["powertrains"].values():
        if KLASS in powertrain["classes"]:
            powertrain["classes"].remove(KLASS)
    path.write_text(yaml.safe_dump(dims, sort_keys=False, allow_unicode=True), "utf-8")
    with pytest.raises(InputError) as info:
        evhub.load_dataset(out)
    assert (
        f"{path}: classes.{KLASS}: no powertrain is sold in it (no powertrain lists "
        f"'{KLASS}' in its classes); each vehicle class sells at least one powertrain"
    ) in str(info.value)


def test_the_class_needs_no_row_of_the_powertrain_it_does_not_sell(copy: Dataset) -> None:
    view = copy.of_class(KLASS)
    for table in ("sales", "vehicle", "battery"):
        frame = view.tables[table]
        assert not (frame["powertrain"] == HYBRID).any(), table
    # the base year's shares sum to 100 without it
    shares = view.rows("sales", "sales_share")
    base = shares[shares["year"] == copy.base_year]
    assert base["value"].sum() == pytest.approx(100.0, abs=1e-9)


def test_a_row_of_a_powertrain_the_class_does_not_sell_is_refused(
    folder: Path, tmp_path: Path
) -> None:
    out = _fresh(folder, tmp_path)
    with (out / "vehicle.csv").open("a", encoding="utf-8") as file:
        file.write(
            f"fuel_intensity,{KLASS},{HYBRID},2025,6.4,l/100km,assumption,5,8,"
            "evhub-assumption,a test row\n"
        )
    rows = (out / "vehicle.csv").read_text(encoding="utf-8").count("\n")
    with pytest.raises(InputError) as info:
        evhub.load_dataset(out)
    sold = list(evhub.load_dataset(folder).dims.sold_in(KLASS))
    assert (
        f"{out / 'vehicle.csv'}: row {rows}: column 'powertrain' = '{HYBRID}' is not sold in "
        f"class '{KLASS}' (the powertrains sold in it are {sold}: their classes in "
        "dimensions.yaml); give rows only for those"
    ) in str(info.value)


# --------------------------------------------------------------------------
# The scenario parameters and the dashboard's sliders
# --------------------------------------------------------------------------


def test_the_class_has_no_parameter_of_the_powertrain(copy: Dataset) -> None:
    paths = {p.path for p in parameters.expand(copy.dims)}
    assert f"car.market.{HYBRID}_share.ceiling" in paths
    mine = {p for p in paths if re.match(rf"^{KLASS}\..*\.{HYBRID}(\.|_|$)", p)}
    assert mine == set()
    unsold = {p.path for p in parameters.expand(copy.dims, unsold=True) if not p.sold}
    assert unsold == {
        f"{KLASS}.market.{HYBRID}_share.ceiling",
        f"{KLASS}.market.{HYBRID}_share.midpoint_year",
        f"{KLASS}.market.{HYBRID}_share.steepness",
        f"{KLASS}.energy.fuel_intensity.{HYBRID}",
        f"{KLASS}.energy.intensity_improvement.{HYBRID}",
        f"{KLASS}.battery.pack_capacity.{HYBRID}",
        # the hybrid is its group's only powertrain: the group's choice parameters go too
        f"{KLASS}.choice.{HYBRID}_range_cost",
        f"{KLASS}.choice.{HYBRID}_availability_cost",
        *(f"{KLASS}.choice.exempt_share.{o}.{HYBRID}" for o in copy.dims.origins.where(home=False)),
        # and the class's policies of the hybrid
        f"policy.purchase_tax.{KLASS}.{HYBRID}.{{year}}",
        f"policy.purchase_tax_schedule.{KLASS}.{HYBRID}",
        f"policy.purchase_tax_brackets.{KLASS}.{HYBRID}.{{year}}",
        f"policy.subsidy.{KLASS}.{HYBRID}.{{year}}",
        f"choice.offer.{KLASS}.{HYBRID}.{{year}}",
    }
    resolved = evhub.resolve("baseline", copy)
    assert not unsold & set(resolved.values)


def test_setting_a_parameter_of_a_powertrain_the_class_does_not_sell_says_why(
    copy: Dataset,
) -> None:
    path = f"{KLASS}.market.{HYBRID}_share.ceiling"
    with pytest.raises(InputError) as info:
        evhub.resolve("baseline", copy, {path: 5})
    assert str(info.value) == (
        f"overrides: {path} = 5: class '{KLASS}' sells no '{HYBRID}' (the classes of "
        f"powertrain '{HYBRID}' in dimensions.yaml are ['car']), so the class has no such "
        "parameter"
    )


def test_no_slider_for_a_powertrain_the_class_does_not_sell(tmp_path: Path) -> None:
    """Freedonia's minibuses without electric ones: no electric-share slider of minibuses."""
    out = tmp_path / "synthetic"
    shutil.copytree(SYNTHETIC, out)
    unsell(out, "mbus", "electric", "diesel")
    data = evhub.load_dataset(out)
    keys = [c.key for c in controls(data, [2030])]
    assert "electric_ceiling_van" in keys
    assert [k for k in keys if k.endswith("_mbus")] == ["eu_export_share_mbus"]
    resolved = evhub.resolve("baseline", data)
    sliders = [s.key for s in slider_specs(resolved, data)]
    assert [k for k in sliders if k.endswith("_mbus")] == ["eu_export_share_mbus"]


# --------------------------------------------------------------------------
# The plants of the class
# --------------------------------------------------------------------------


def _plant(out: Path, shares: dict[str, str]) -> int:
    """A test plant of the class with the given share columns; its row number."""
    rows, columns = _read(out / "pipeline.csv")
    [van] = [r for r in rows if r["id"] == "tofas-k9"]
    rows.append({**van, "id": "test-van-plant", **shares})
    _write(out / "pipeline.csv", rows, columns)
    return len(rows) + 1


def test_a_plant_of_the_class_making_the_powertrain_is_refused(
    folder: Path, tmp_path: Path
) -> None:
    out = _fresh(folder, tmp_path)
    row = _plant(
        out, {"share_bev": "0.5", "share_phev": "0", "share_hev": "0.2", "share_ice": "0.3"}
    )
    with pytest.raises(InputError) as info:
        evhub.run("baseline", dataset=out)
    assert str(info.value) == (
        f"{out / 'pipeline.csv'}: row {row} ('test-van-plant', class '{KLASS}'): column "
        f"'share_{HYBRID}' = 0.2: the class sells no powertrain of the group '{HYBRID}' (it "
        "sells ['petrol', 'diesel', 'lpg', 'phev', 'bev']: their classes in dimensions.yaml); "
        "a plant of the class makes only the groups it sells"
    )


def test_a_plant_of_the_class_without_a_mix_is_refused(folder: Path, tmp_path: Path) -> None:
    out = _fresh(folder, tmp_path)
    empty = {"share_bev": "", "share_phev": "", "share_hev": "", "share_ice": "", "capacity": ""}
    row = _plant(out, {**empty, "capacity_unit": ""})
    with pytest.raises(InputError) as info:
        evhub.run("baseline", dataset=out)
    assert str(info.value) == (
        f"{out / 'pipeline.csv'}: row {row} ('test-van-plant', class '{KLASS}'): the share "
        f"columns are empty, so pipeline.default_mix would give the plant the powertrain "
        f"groups ['{HYBRID}'], of which the class sells no powertrain; give the plant's mix"
    )


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------


def test_the_class_sells_drives_and_charges_none_of_the_powertrain(
    shipped: Results, without: Results
) -> None:
    data = without.data.sel(vehicle_class=KLASS, powertrain=HYBRID)
    for name in ("sales", "stock", "retirements", "vehicle_km"):
        assert float(np.abs(data[name]).max()) == 0.0, name
    # the class's other powertrains carry all of its sales and stock: its sales grow at a
    # rate and every powertrain survives alike, so the totals are the shipped ones
    # (rtol 1e-12: the same numbers summed over one powertrain less)
    for name in ("sales", "stock"):
        np.testing.assert_allclose(
            without.data[name].sel(vehicle_class=KLASS).sum("powertrain").values,
            shipped.data[name].sel(vehicle_class=KLASS).sum("powertrain").values,
            rtol=1e-12,
            err_msg=name,
        )


def test_the_other_class_is_what_it_was(shipped: Results, without: Results) -> None:
    """Nothing of the cars reads the vans' hybrids: the car results are the shipped ones."""
    for name in ("sales", "stock", "fuel_energy", "electricity", "battery_demand", "production"):
        np.testing.assert_array_equal(
            without.data[name].sel(vehicle_class="car").values,
            shipped.data[name].sel(vehicle_class="car").values,
            err_msg=name,
        )
    variables = set(without.to_iamc()["Variable"])
    assert "Sales|Light Commercial Vehicles|BEV" in variables

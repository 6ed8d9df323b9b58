"""The backcast: the shipped defaults reproduce observed history."""

import shutil
from importlib import resources
from pathlib import Path

import pytest

import evhub
from evhub.calibrate import average_age, backcast
from evhub.fit import Check, load_checks

SHIPPED = Path(str(resources.files("evhub").joinpath("data", "turkiye")))


#: The classes of the shipped dataset, each fitted to TÜİK's register on its own.
CLASSES = ("car", "lcv")


def check(dataset, kind: str, vehicle_class: str) -> Check:
    """The dataset's check of a kind and class (history_checks.yaml: its tolerance and why)."""
    (found,) = [
        c for c in load_checks(dataset) if c.kind == kind and c.vehicle_class == vehicle_class
    ]
    return found


@pytest.mark.parametrize("vehicle_class", CLASSES)
def test_stock_2015_2025_within_two_percent_of_tuik(dataset, vehicle_class):
    stock = check(dataset, "stock", vehicle_class)
    assert stock.years == (2015, 2025)
    scenario = evhub.resolve("baseline", dataset)
    table = backcast(scenario, dataset, range(2015, 2026), vehicle_class)
    assert list(table["year"]) == list(range(2015, 2026))
    worst = table.loc[table["error_percent"].abs().idxmax()]
    # the acceptance bound in every year (history_checks.yaml says why)
    assert abs(worst["error_percent"]) < stock.tolerance, worst.to_dict()


@pytest.mark.parametrize("vehicle_class", CLASSES)
def test_backcast_equals_the_full_model_stock(dataset, shipped, vehicle_class):
    scenario = evhub.resolve("baseline", dataset)
    table = backcast(scenario, dataset, range(2015, 2026), vehicle_class)
    label = dataset.dims.classes.label(vehicle_class)
    model = shipped.variable(f"Stock|{label}").sel(scenario="baseline").isel(run=0)
    for row in table.itertuples():
        # two code paths over the same survival matrix: rounding only
        assert abs(float(model.sel(year=row.year)) / row.modelled - 1) < 1e-9


@pytest.mark.parametrize("vehicle_class", CLASSES)
def test_average_age_matches_tuik(dataset, vehicle_class):
    table = average_age(evhub.resolve("baseline", dataset), dataset, vehicle_class)
    assert len(table) >= 1
    # largest error of the modelled average age [yr]; history_checks.yaml says why it is
    # that size for each class (cars: TÜİK publishes one decimal; LCVs: the fit cannot meet
    # both the stock and the kamyonet fleet's ageing)
    tolerance = check(dataset, "average_age", vehicle_class).tolerance
    for row in table.itertuples():
        assert abs(row.modelled - row.observed) < tolerance, row


@pytest.mark.parametrize("vehicle_class", CLASSES)
def test_calibration_reproduces_the_shipped_fit(dataset, vehicle_class):
    fit = check(dataset, "calibration", vehicle_class)
    values = check(dataset, "calibrated_values", vehicle_class)
    assert fit.years == values.years == (2015, 2025)
    result = evhub.calibrate("baseline", dataset=dataset, start=2015, vehicle_class=vehicle_class)
    assert result.max_abs_error_percent < fit.tolerance
    shipped = evhub.resolve("baseline", dataset).values
    # the shipped values are the fit rounded to three significant digits
    for path, value in result.parameters.items():
        assert abs(value - shipped[path]) / abs(shipped[path]) * 100 < values.tolerance, path


def test_calibration_without_a_converted_powertrain_fits_the_lifetime_only(tmp_path):
    # no powertrain gains converted cars (converted_from: null everywhere): nothing to fit
    # beyond the lifetime, and the conversion share is not needed at all
    folder = tmp_path / "turkiye"
    shutil.copytree(SHIPPED, folder)
    dims = folder / "dimensions.yaml"
    dims.write_text(
        dims.read_text(encoding="utf-8").replace("converted_from: petrol", "converted_from: null"),
        encoding="utf-8",
    )
    assumptions = folder / "assumptions.csv"
    lines = assumptions.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [x for x in lines if not x.startswith("car.fleet.lpg_conversion_share,")]
    assumptions.write_text("".join(kept), encoding="utf-8")
    result = evhub.calibrate("baseline", dataset=folder, start=2015, vehicle_class="car")
    assert set(result.parameters) == {
        "car.fleet.lifetime.shape",
        "car.fleet.lifetime.scale",
        "car.fleet.initial_stock_growth",
    }
    assert set(result.shares["fuel"]) == {"petrol", "diesel", "lpg", "hybrid", "electric"}

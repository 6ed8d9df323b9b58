"""The backcast: the shipped defaults reproduce observed history."""

import shutil
from importlib import resources
from pathlib import Path

import evhub
from evhub.calibrate import average_age, backcast

SHIPPED = Path(str(resources.files("evhub").joinpath("data", "turkiye")))


def test_stock_2015_2025_within_two_percent_of_tuik(dataset):
    scenario = evhub.resolve("baseline", dataset)
    table = backcast(scenario, dataset, range(2015, 2026))
    assert list(table["year"]) == list(range(2015, 2026))
    worst = table.loc[table["error_percent"].abs().idxmax()]
    # the acceptance bound: 2 % in every year
    assert abs(worst["error_percent"]) < 2.0, worst.to_dict()


def test_backcast_equals_the_full_model_stock(dataset, shipped):
    scenario = evhub.resolve("baseline", dataset)
    table = backcast(scenario, dataset, range(2015, 2026))
    model = shipped.variable("Stock|Passenger Cars").sel(scenario="baseline").isel(run=0)
    for row in table.itertuples():
        # two code paths over the same survival matrix: rounding only
        assert abs(float(model.sel(year=row.year)) / row.modelled - 1) < 1e-9


def test_average_age_matches_tuik(dataset):
    table = average_age(evhub.resolve("baseline", dataset), dataset)
    assert len(table) >= 1
    for row in table.itertuples():
        # calibrated jointly with the stock; TÜİK publishes one decimal
        assert abs(row.modelled - row.observed) < 0.5


def test_calibration_reproduces_the_shipped_fit(dataset):
    result = evhub.calibrate("baseline", dataset=dataset, start=2015)
    assert result.max_abs_error_percent < 2.0
    shipped = evhub.resolve("baseline", dataset).values
    # the shipped values are the fit rounded to three significant digits
    for path, value in result.parameters.items():
        assert abs(value - shipped[path]) / abs(shipped[path]) < 0.02, path


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
    result = evhub.calibrate("baseline", dataset=folder, start=2015)
    assert set(result.parameters) == {
        "car.fleet.lifetime.shape",
        "car.fleet.lifetime.scale",
        "car.fleet.initial_stock_growth",
    }
    assert set(result.shares["fuel"]) == {"petrol", "diesel", "lpg", "hybrid", "electric"}

"""The backcast: the shipped defaults reproduce observed history."""

import evhub
from evhub.calibrate import average_age, backcast


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

"""The bounds table ``data/parameters.csv``: complete, used, and what it refuses."""

from __future__ import annotations

import math

import pytest

import evhub
from evhub import parameters
from evhub.errors import InputError
from evhub.scenario import KEYED, OVERRIDES, PARAMETER_UNITS, ProjectOverride


def _concrete() -> list[str]:
    """Every parameter path a scenario can set, with example keys for the keyed ones."""
    paths = [p for p in PARAMETER_UNITS if p not in KEYED]
    paths += [f"{group}.2030" for group in KEYED]
    paths += [f"{OVERRIDES}.byd-manisa.{name}" for name in ProjectOverride.model_fields]
    return paths


def test_every_parameter_has_a_row() -> None:
    missing = [p for p in _concrete() if parameters.spec(p) is None]
    assert missing == []


def test_every_row_is_used() -> None:
    paths = _concrete()
    unused = [s.path for s in parameters.specs() if not any(s.matches(p) for p in paths)]
    assert unused == []


def test_units_agree_with_the_parameter_models() -> None:
    for path in PARAMETER_UNITS:
        row = parameters.spec(path if path not in KEYED else f"{path}.2030")
        assert row is not None
        if PARAMETER_UNITS[path]:
            assert row.unit == PARAMETER_UNITS[path], path


def test_numbers_have_both_bounds_and_a_reason(dataset) -> None:
    for row in parameters.specs():
        if row.type not in ("number", "integer"):
            continue
        path = row.path.replace("*", "byd-manisa" if "overrides" in row.path else "2030")
        b = parameters.bounds(path, dataset)
        assert math.isfinite(b.low) and math.isfinite(b.high), path
        assert b.low < b.high, path
        assert row.reason, path


def test_symbolic_bounds_follow_the_dataset(dataset) -> None:
    year = parameters.bounds("targets.jobs.year", dataset)
    assert (year.low, year.high) == (dataset.first_year, dataset.last_year)
    # ten times the largest vehicle plant of the registry (Ford Otosan, 650,000 veh/yr) ...
    cars = parameters.bounds("pipeline.overrides.byd-manisa.capacity", dataset)
    assert cars.high == pytest.approx(6_500_000)
    # ... and of the cell plants (45 GWh/yr) for a cell project
    cells = parameters.bounds("pipeline.overrides.siro-gemlik-cells.capacity", dataset)
    assert cells.high == pytest.approx(450)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            "trade.utilisation",
            100.5,
            "x: trade.utilisation = 100.5: Input should be less than or equal to 100 % (a share)",
        ),
        (
            "energy.charging_loss",
            50,
            "x: energy.charging_loss = 50: Input should be less than 50 % "
            "(a charger that loses half the energy would not be sold)",
        ),
        ("market.ice_ban_year", 2035.5, "x: market.ice_ban_year = 2035.5: must be a whole number"),
        ("trade.duty.china", math.inf, "x: trade.duty.china = inf: not a finite number"),
        ("trade.duty.china", "1e400", "x: trade.duty.china = '1e400': not a finite number"),
    ],
)
def test_check_value_messages(dataset, path, value, message) -> None:
    with pytest.raises(InputError) as info:
        parameters.check_value(path, value, "x", dataset)
    assert str(info.value) == message


def test_limits_are_inclusive_where_they_say_so(dataset) -> None:
    parameters.check_value("trade.utilisation", 100, "x", dataset)
    parameters.check_value("trade.utilisation", 0, "x", dataset)
    with pytest.raises(InputError, match="greater than 0"):
        parameters.check_value("market.bev_share.steepness", 0, "x", dataset)


def test_a_goal_seek_may_leave_the_sampling_range(dataset) -> None:
    # the dataset's range of the utilisation is an uncertainty range, not a validity bound
    low = float(dataset.assumptions.set_index("parameter").loc["trade.utilisation", "low"])
    resolved = evhub.resolve("baseline", dataset, {"trade.utilisation": low / 2})
    assert resolved.values["trade.utilisation"] == low / 2

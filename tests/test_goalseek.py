"""Goal seek (:mod:`evhub.goalseek`): answers known by hand, no solution, ensembles, bad input.

Deterministic: with total sales growing at a constant rate, the rate that
brings sales to 1.1 times the base year's in five years is ``1.1^(1/5) - 1``;
EV output is linear in the plants' utilisation, so the utilisation that gives
a chosen output is a rule of three. Ensemble: the probability found must be
the share of members of an ensemble run at the solution (the same draws).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import evhub
from evhub import InputError
from evhub.goalseek import GRID
from evhub.variables import scorecard_indicators

SALES = "Sales|Passenger Cars"
EV = "Production|Passenger Cars|EV"
CO2 = "Emissions|CO2|Passenger Cars"
#: A lever: the purchase subsidy of a battery-electric car from 2026 [USD_2025/veh].
SUBSIDY = "policy.subsidy.car.bev.2026"


@pytest.fixture(scope="module")
def growth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scenario without parents (so no distributions) whose sales grow at a rate."""
    path = tmp_path_factory.mktemp("goalseek") / "g.yaml"
    path.write_text(
        "name: g\n"
        "description: Total car sales grow at a constant rate.\n"
        "overrides:\n"
        "  car: {market: {sales_mode: growth}}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def base_sales(growth: Path, dataset) -> float:
    run = evhub.run(growth, dataset=dataset)
    return float(run.variable(SALES).sel(year=dataset.base_year).item())


# --------------------------------------------------------------------------
# Deterministic
# --------------------------------------------------------------------------


def test_growth_rate_for_ten_percent_more_sales_in_five_years(
    growth: Path, base_sales: float, dataset
) -> None:
    year = dataset.base_year + 5
    found = evhub.goalseek(
        growth,
        target=SALES,
        year=year,
        value=1.1 * base_sales,
        vary="car.market.growth_rate",
        low=0,
        high=4,
        dataset=dataset,
    )
    rate = 100 * (1.1 ** (1 / 5) - 1)  # 1.9245 %/yr
    assert found.solution == pytest.approx(rate, rel=1e-6)
    assert found.achieved == pytest.approx(1.1 * base_sales, rel=1e-6)
    assert (found.scenario, found.variable, found.year, found.parameter) == (
        "g",
        SALES,
        year,
        "car.market.growth_rate",
    )
    assert (found.low, found.high, found.probability, found.samples) == (0, 4, None, None)
    # every number with its unit: the rate in %/yr (six digits), sales in whole veh/yr
    assert (found.unit, found.parameter_unit) == ("veh/yr", "%/yr")
    assert found.achieved > 1000
    assert found.message == (
        f"car.market.growth_rate = 1.92449 %/yr gives {SALES} = "
        f"{found.achieved:,.0f} veh/yr in {year}"
    )

    # the scan: the range on GRID points, sales = base x (1 + r)^5 at each
    scan = found.scan
    assert list(scan.columns) == ["parameter", "indicator"]
    np.testing.assert_allclose(scan["parameter"], np.linspace(0, 4, GRID))
    np.testing.assert_allclose(
        scan["indicator"], base_sales * (1 + scan["parameter"] / 100) ** 5, rtol=1e-12
    )

    # the scenario run with the solution reproduces the value
    again = evhub.run(growth, dataset=dataset, overrides={"car.market.growth_rate": found.solution})
    assert again.variable(SALES).sel(year=year).item() == pytest.approx(found.achieved, rel=1e-12)


def test_falling_target_needs_a_negative_rate(growth: Path, base_sales: float, dataset) -> None:
    year = dataset.base_year + 10
    found = evhub.goalseek(
        growth,
        target="Sales|Passenger Cars",
        year=year,
        value=0.5 * base_sales,
        vary="car.market.growth_rate",
        low=-20,
        high=5,
        dataset=dataset,
    )
    assert found.solution == pytest.approx(100 * (0.5 ** (1 / 10) - 1), rel=1e-6)  # -6.7 %/yr


def test_utilisation_for_an_ev_output_by_rule_of_three(dataset) -> None:
    """EVs built = usable EV capacity x utilisation: linear, through zero."""
    central = evhub.run("baseline", dataset=dataset).variable(EV).sel(year=2030).item()
    use = evhub.resolve("baseline", dataset).values["car.trade.utilisation"]
    found = evhub.goalseek(
        "baseline",
        target="EVs built (Passenger Cars)",  # a scorecard label
        year=2030,
        value=200_000,
        vary="car.trade.utilisation",
        low=50,
        high=100,
        dataset=dataset,
    )
    assert found.variable == EV
    assert found.solution == pytest.approx(use * 200_000 / central, rel=1e-6)
    assert found.achieved == pytest.approx(200_000, rel=1e-6)


def test_no_solution_in_the_range(dataset) -> None:
    found = evhub.goalseek(
        "baseline",
        target=CO2,
        year=2053,
        value=2,
        vary=SUBSIDY,
        low=0,
        high=5000,
        dataset=dataset,
    )
    assert found.solution is None
    assert found.achieved is None
    values = found.scan["indicator"]
    assert values.min() > 2
    # four significant digits (no trailing zero) between 10 and 100 Mt CO2/yr; money with commas
    assert 10 < values.min() < values.max() < 100
    assert found.message == (
        f"no value of {SUBSIDY} in [0, 5,000] USD_2025/veh makes {CO2} in 2053 "
        f"equal 2 Mt CO2/yr: it ranges from {values.min():.4g} to {values.max():.4g} Mt CO2/yr "
        "over the range"
    )
    # a larger BEV subsidy leaves less CO2: the range reached runs between the two ends
    for end in (0, 5000):
        run = evhub.run("baseline", dataset=dataset, overrides={SUBSIDY: end})
        at_end = found.scan.set_index("parameter").loc[float(end), "indicator"]
        assert at_end == pytest.approx(run.variable(CO2).sel(year=2053).item(), rel=1e-9)
    assert values.iloc[0] == values.max()
    assert values.iloc[-1] == values.min()


def test_an_indicator_the_parameter_does_not_move(dataset) -> None:
    """The plants cap what is built: the BEV ceiling leaves it where it is, said in veh/yr."""
    found = evhub.goalseek(
        "hub",
        target="Production|Passenger Cars",
        year=2030,
        value=1_200_000,
        vary="car.market.bev_share.ceiling",
        low=10,
        high=100,
        dataset=dataset,
    )
    assert found.solution is None
    built = evhub.run("hub", dataset=dataset).variable("Production|Passenger Cars").sel(year=2030)
    assert found.scan["indicator"].to_numpy() == pytest.approx(built.item(), rel=1e-12)
    # (it said "equal 1.2e+06: it ranges from 1.44e+06 to 1.44e+06")
    assert found.message == (
        "no value of car.market.bev_share.ceiling in [10, 100] % makes Production|Passenger Cars "
        f"in 2030 equal 1,200,000 veh/yr: it is {built.item():,.0f} veh/yr over the whole range"
    )


# --------------------------------------------------------------------------
# Ensemble target
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ensemble_goal(dataset):
    return evhub.goalseek(
        "baseline",
        target="EVs built (Passenger Cars)",
        year=2030,
        value=200_000,
        vary="car.trade.utilisation",
        low=50,
        high=100,
        probability=0.8,
        samples=100,
        dataset=dataset,
    )


def _share_meeting(dataset, utilisation: float) -> float:
    """Share of a 100-member baseline ensemble (seed 0) with at least 200,000 EVs in 2030."""
    run = evhub.run(
        "baseline",
        dataset=dataset,
        overrides={"car.trade.utilisation": utilisation},
        samples=100,
        seed=0,
    )
    built = run.ensemble.values("baseline", EV)[2030]
    assert len(built) == 100
    return float((built >= 200_000).mean())


def test_ensemble_probability_at_the_solution(ensemble_goal, dataset) -> None:
    found = ensemble_goal
    assert found.solution is not None
    assert 50 < found.solution < 100
    assert found.achieved >= 0.8
    assert (found.probability, found.samples, found.direction) == (0.8, 100, "at least")
    assert 10 < found.solution < 100  # six significant digits: four decimals
    assert found.message == (
        f"car.trade.utilisation = {found.solution:.4f} %: {found.achieved:.0%} of 100 members "
        f"have {EV} at least 200,000 veh/yr in 2030"
    )
    # an ensemble run at the solution (same draws) has the same share of members meeting it
    assert _share_meeting(dataset, found.solution) == found.achieved
    scan = found.scan
    assert list(scan.columns) == ["parameter", "probability"]
    odds = scan["probability"].to_numpy()
    assert np.all(np.diff(odds) >= 0)  # more utilisation never builds fewer cars
    np.testing.assert_allclose(odds * 100, np.round(odds * 100), atol=1e-9)  # of 100 members
    # the grid point before the solution is still short of the probability
    below = scan[scan["parameter"] < found.solution]
    assert below["probability"].iloc[-1] < 0.8


def test_ensemble_solution_is_where_the_probability_is_first_reached(
    ensemble_goal, dataset
) -> None:
    """The share is a step function: the solution is its step, not a point past it."""
    assert _share_meeting(dataset, ensemble_goal.solution - 0.01) < 0.8
    assert _share_meeting(dataset, ensemble_goal.solution - 0.5) < 0.8


def test_ensemble_needs_a_direction_for_a_variable_off_the_scorecard(dataset) -> None:
    with pytest.raises(InputError) as err:
        evhub.goalseek(
            "baseline",
            target=SALES,
            year=2030,
            value=1e6,
            vary="car.trade.utilisation",
            low=50,
            high=100,
            probability=0.8,
            samples=8,
            dataset=dataset,
        )
    assert str(err.value) == (
        f"{SALES!r} has no direction in the scorecard: say whether the target is a maximum "
        "or a minimum with --direction max|min"
    )


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------


def _error(dataset, **kwargs: object) -> str:
    question: dict[str, object] = {
        "target": "EVs built (Passenger Cars)",
        "year": 2030,
        "value": 200_000,
        "vary": "car.trade.utilisation",
        "low": 50,
        "high": 100,
    }
    question.update(kwargs)
    with pytest.raises(InputError) as err:
        evhub.goalseek("baseline", dataset=dataset, **question)
    return str(err.value)


@pytest.mark.parametrize(("low", "high"), [(100, 50), (80, 80)])
def test_low_end_not_below_high_end(dataset, low: float, high: float) -> None:
    msg = _error(dataset, low=low, high=high)
    assert msg == f"--range {low} {high}: the low end must be below the high end"


def test_range_outside_the_parameter_bounds(dataset) -> None:
    msg = _error(dataset, low=50, high=150)
    assert msg == "--range 50 150: car.trade.utilisation must lie in [0, 100]"


def test_unknown_parameter_path(dataset) -> None:
    msg = _error(dataset, vary="trade.utilisatio")
    # a path without its class: the nearest of the classes' paths
    expected = r"overrides: unknown key 'trade\.utilisatio'; did you mean '(car|lcv)\."
    assert re.fullmatch(expected + r"trade\.utilisation'\?", msg), msg


@pytest.mark.parametrize("probability", [1.5, 1.0, 0.0, -0.2])
def test_probability_outside_zero_one(dataset, probability: float) -> None:
    msg = _error(dataset, probability=probability, samples=8)
    assert msg == f"--probability {probability:g}: must lie strictly between 0 and 1"


def test_unknown_direction(dataset) -> None:
    msg = _error(dataset, probability=0.8, samples=8, direction="up")
    assert msg == "--direction 'up': expected max (at most) or min (at least)"


def test_year_outside_the_model_years(dataset) -> None:
    assert _error(dataset, year=2061) == "--year 2061 is outside the model years 2000-2060"


def test_unknown_target_lists_the_scorecard_labels(dataset) -> None:
    msg = _error(dataset, target="Cars sold")
    assert msg.startswith(
        "--target 'Cars sold': not an IAMC variable (see iamc.csv) nor a scorecard indicator "
    )
    assert str([i.label for i in scorecard_indicators(dataset.dims)]) in msg


@pytest.mark.parametrize(
    ("samples", "sampler", "message"),
    [
        (0, "lhs", "--samples 0: must be at least 1"),
        (8, "halton", "--sampler 'halton': expected one of ['lhs', 'sobol']"),
    ],
)
def test_bad_ensemble_options(dataset, samples: int, sampler: str, message: str) -> None:
    assert _error(dataset, probability=0.8, samples=samples, sampler=sampler) == message


def test_varying_a_stage_probability_moves_the_projects_at_that_stage() -> None:
    # the Siro cell plant is under construction: its expected capacity is p x capacity
    path = "pipeline.stages.construction.probability"
    full = evhub.run("baseline", overrides={path: 1.0}).variable("Capacity|Battery Cells")
    at_one = float(full.sel(year=2031).values.item())
    found = evhub.goalseek(
        "baseline",
        target="Cell capacity",
        year=2031,
        value=0.7 * at_one,
        vary=path,
        low=0.5,
        high=1.0,
    )
    assert found.solution == pytest.approx(0.7, rel=1e-6)


def test_varying_a_stage_probability_in_an_ensemble_realises_projects_with_it() -> None:
    # the plant is realised where its draw is below p: the share reaches 0.9 at p = 0.9
    # (within one member's stratum of the Latin hypercube)
    found = evhub.goalseek(
        "baseline",
        target="Cell capacity",
        year=2031,
        value=1.0,
        vary="pipeline.stages.construction.probability",
        low=0.5,
        high=1.0,
        probability=0.9,
        samples=200,
    )
    assert found.solution is not None
    assert found.solution == pytest.approx(0.9, abs=1 / 200)
    assert found.achieved >= 0.9

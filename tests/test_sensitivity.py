"""Global sensitivity (:mod:`evhub.sensitivity`): SALib through evhub, known answers, bad input.

The first tests call :func:`evhub.sensitivity.indices` on functions whose
indices are known in closed form (Ishigami; a linear model, for Sobol and for
Morris on evhub's four-level grid). The others run the verb on the shipped
``baseline`` scenario: the table covers every uncertain input, inputs that
cannot reach the indicator get exactly zero, and the one-at-a-time (tornado)
table is checked by hand against the pipeline registry and the scenario's
parameters.
"""

from __future__ import annotations

import importlib
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import evhub
from evhub import InputError
from evhub.choiceposterior import draws_by_path
from evhub.ensemble import make_task
from evhub.scenario import unflatten
from evhub.variables import scorecard_indicators

# ``evhub.sensitivity`` is the API function; the module holds ``indices``.
sens = importlib.import_module("evhub.sensitivity")

EV = "Production|Passenger Cars|EV"


# --------------------------------------------------------------------------
# Known answers: Ishigami and a linear model
# --------------------------------------------------------------------------

A, B = 7.0, 0.1


def _ishigami(u: np.ndarray) -> np.ndarray:
    """Ishigami with x uniform on [-pi, pi]: the model turns u into x itself."""
    x = -np.pi + 2.0 * np.pi * u
    return np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])


def _ishigami_indices() -> tuple[np.ndarray, np.ndarray]:
    """Analytic first-order and total indices (Sobol' and Levitan, 1999)."""
    pi4, pi8 = math.pi**4, math.pi**8
    v1 = 0.5 * (1 + B * pi4 / 5) ** 2
    v2 = A**2 / 8
    v13 = 8 * B**2 * pi8 / 225  # = B^2 pi^8 (1/18 - 1/50)
    var = A**2 / 8 + B * pi4 / 5 + B**2 * pi8 / 18 + 0.5
    return np.array([v1, v2, 0.0]) / var, np.array([v1 + v13, v2, v13]) / var


def test_ishigami_analytic_indices_are_the_known_ones() -> None:
    s1, st = _ishigami_indices()
    np.testing.assert_allclose(s1, [0.3139, 0.4424, 0.0], atol=5e-5)
    np.testing.assert_allclose(st, [0.5576, 0.4424, 0.2437], atol=5e-5)


@pytest.mark.parametrize("seed", [0, 1])
def test_sobol_reproduces_the_ishigami_indices(seed: int) -> None:
    s1, st = _ishigami_indices()
    table = sens.indices(_ishigami, ["x1", "x2", "x3"], 1024, method="sobol", seed=seed)
    assert list(table.columns) == ["rank", "input", "S1", "S1_conf", "ST", "ST_conf"]
    assert table["rank"].tolist() == [1, 2, 3]
    assert table["input"].tolist() == ["x1", "x2", "x3"]  # by ST: 0.558, 0.442, 0.244
    got = table.set_index("input").loc[["x1", "x2", "x3"]]
    np.testing.assert_allclose(got["S1"], s1, atol=0.05)
    np.testing.assert_allclose(got["ST"], st, atol=0.05)
    # the bootstrap intervals cover the truth (with a margin for the 5 % misses)
    assert np.all(np.abs(got["S1"] - s1) <= got["S1_conf"] + 0.02)
    assert np.all(np.abs(got["ST"] - st) <= got["ST_conf"] + 0.02)


def test_sobol_runs_saltelli_points_rounded_up_to_a_power_of_two() -> None:
    seen: list[np.ndarray] = []

    def model(u: np.ndarray) -> np.ndarray:
        seen.append(u)
        return u @ np.array([1.0, 2.0, 3.0])

    sens.indices(model, ["a", "b", "c"], 1000, method="sobol", seed=0)
    (u,) = seen
    assert u.shape == (1024 * (3 + 2), 3)  # N (d + 2) with N = 1000 -> 1024
    assert np.all((u > 0) & (u < 1))


def test_sobol_of_a_linear_model_is_the_share_of_variance() -> None:
    c = np.array([1.0, -2.0, 3.0])  # y = sum c_i u_i, u_i uniform: S1 = ST = c_i^2 / sum c^2
    table = sens.indices(lambda u: u @ c, ["a", "b", "c"], 1024, method="sobol", seed=0)
    assert table["input"].tolist() == ["c", "b", "a"]
    got = table.set_index("input").loc[["a", "b", "c"]]
    expected = c**2 / np.sum(c**2)  # 1/14, 4/14, 9/14
    np.testing.assert_allclose(got["S1"], expected, atol=0.01)
    np.testing.assert_allclose(got["ST"], expected, atol=0.01)


def test_morris_mu_star_of_a_linear_model_by_hand() -> None:
    """Elementary effects on evhub's grid, derived by hand.

    SALib's four-level grid has levels 0, 1/3, 2/3, 1 and steps of
    ``delta = p / (2 (p - 1)) = 2/3``; evhub maps a level ``g`` to the bin
    midpoint ``u = (3 g + 0.5) / 4``, so one step moves ``u`` by ``1/2``. With
    ``x = -5 + 10 u`` and ``y = sum c_i x_i`` each effect is
    ``c_i * 10 * (1/2) / (2/3) = 7.5 c_i``: ``mu_star = 7.5 |c_i|``, ``sigma = 0``.
    """
    c = np.array([1.0, -2.0, 3.0])
    seen: list[np.ndarray] = []

    def model(u: np.ndarray) -> np.ndarray:
        seen.append(u)
        return (-5.0 + 10.0 * u) @ c

    table = sens.indices(model, ["a", "b", "c"], 20, method="morris", seed=0)
    assert list(table.columns) == ["rank", "input", "mu_star", "mu_star_conf", "sigma"]
    assert table["input"].tolist() == ["c", "b", "a"]  # by |c|
    assert table["rank"].tolist() == [1, 2, 3]
    got = table.set_index("input").loc[["a", "b", "c"]]
    np.testing.assert_allclose(got["mu_star"], 7.5 * np.abs(c), rtol=1e-12)
    np.testing.assert_allclose(got["sigma"], 0.0, atol=1e-12)
    np.testing.assert_allclose(got["mu_star_conf"], 0.0, atol=1e-12)
    (u,) = seen
    assert u.shape == (20 * (3 + 1), 3)  # N (d + 1) runs
    assert set(np.unique(u)) == {0.125, 0.375, 0.625, 0.875}  # bin midpoints, never 0 or 1


def test_morris_switches_keep_the_levels_0_and_1() -> None:
    """A 0/1 switch ``u < 0.95`` never turns off at the bin midpoints (0.125..0.875).

    With ``switches`` its column takes the grid levels 0, 1/3, 2/3, 1 instead, so a
    step between 1/3 and 1 switches it off: an effect of 10 / (2/3) = 15.
    """
    seen: list[np.ndarray] = []

    def model(u: np.ndarray) -> np.ndarray:
        seen.append(u)
        return 10.0 * (u[:, 0] < 0.95) + u[:, 1]

    names = ["switch", "x"]
    plain = sens.indices(model, names, 20, method="morris", seed=0).set_index("input")
    assert plain.loc["switch", "mu_star"] == 0.0  # invisible at the midpoints
    switched = sens.indices(
        model, names, 20, method="morris", seed=0, switches=[True, False]
    ).set_index("input")
    u = seen[-1]
    np.testing.assert_allclose(sorted(set(u[:, 0])), [0, 1 / 3, 2 / 3, 1], atol=1e-12)
    assert set(u[:, 1]) <= {0.125, 0.375, 0.625, 0.875}
    assert switched.loc["switch", "rank"] == 1
    assert 0 < switched.loc["switch", "mu_star"] <= 15.0
    # every effect of the switch is 0 or 15 in size, so mu* is 15 x the share of 1/3 <-> 1 steps
    share = switched.loc["switch", "mu_star"] / 15.0
    assert share * 20 == pytest.approx(round(share * 20))
    assert switched.loc["x", "mu_star"] == pytest.approx(0.75)  # as in the linear test


def test_indices_unknown_method() -> None:
    with pytest.raises(InputError) as err:
        sens.indices(lambda u: u[:, 0], ["a"], 8, method="fast")
    assert str(err.value) == "--method 'fast': expected one of ['sobol', 'morris']"


@pytest.mark.parametrize("samples", [1, 0, -4])
def test_indices_too_few_samples(samples: int) -> None:
    with pytest.raises(InputError) as err:
        sens.indices(lambda u: u[:, 0], ["a"], samples)
    assert str(err.value) == f"--samples {samples}: sensitivity needs at least 2 base samples"


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_indices_of_a_constant_model(method: str) -> None:
    with pytest.raises(InputError) as err:
        sens.indices(lambda u: np.full(len(u), 5.0), ["a", "b"], 8, method=method)
    assert str(err.value).startswith(
        "the indicator is 5 in every run: none of the uncertain inputs moves it"
    )


def test_indices_of_a_model_without_a_value() -> None:
    with pytest.raises(InputError) as err:
        sens.indices(lambda u: np.where(u[:, 0] > 0.5, np.nan, u[:, 1]), ["a", "b"], 8)
    assert str(err.value).startswith("the indicator is not a finite number in every run")


# --------------------------------------------------------------------------
# The verb on the shipped baseline
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def baseline_sobol(dataset) -> sens.Sensitivity:
    return evhub.sensitivity(
        "baseline", "EVs built (Passenger Cars)", 2030, samples=64, dataset=dataset
    )


@pytest.fixture(scope="module")
def baseline_inputs(dataset) -> tuple[str, ...]:
    return make_task(evhub.resolve("baseline", dataset), dataset).design.names


@pytest.fixture(scope="module")
def registry(dataset) -> pd.DataFrame:
    return evhub.pipeline("baseline", year=2030, dataset=dataset).set_index("id")


# Inputs that cannot move passenger-car EV output in 2030: demand, energy, prices, and
# plants that build vans or cells.
UNREACHABLE = [
    "car.market.saturation",
    "lcv.market.bev_share.ceiling",
    "car.energy.charging_loss",
    "car.trade.export_price",
    "car.trade.eu_export_share",
    "pipeline.realised.tofas-k9",
    "pipeline.delay.tofas-k9",
    "pipeline.realised.siro-gemlik-cells",
]


def test_baseline_indices_cover_every_uncertain_input(
    baseline_sobol: sens.Sensitivity, baseline_inputs: tuple[str, ...]
) -> None:
    result = baseline_sobol
    table = result.indices
    d = len(baseline_inputs)
    assert (result.scenario, result.variable, result.year, result.method) == (
        "baseline",
        EV,
        2030,
        "sobol",
    )
    assert sorted(table["input"]) == sorted(baseline_inputs)
    assert table["rank"].tolist() == list(range(1, d + 1))
    assert result.runs == 64 * (d + 2)  # Saltelli: N (d + 2); the tornado is not counted
    assert table["ST"].is_monotonic_decreasing
    assert (table["ST"] >= -1e-12).all()  # Jansen's estimator of ST is a mean of squares
    assert result.file_stem() == ("sensitivity-baseline-production-passenger-cars-ev-2030-sobol")
    shown = table.set_index("input")["distribution"]
    assert shown["pipeline.realised.byd-manisa"] == "realised with p"
    assert shown["lcv.market.bev_share.midpoint_year"].startswith("{dist: triangular, low: 2030")
    # the choice model's joint draw by its number of draws, not every index drawn
    draws = len(next(iter(draws_by_path(evhub.load_dataset()).values())))
    assert shown["car.choice.posterior"] == f"{{dist: posterior, draws: {draws}}}"


def test_baseline_ranks_the_car_plants_first(baseline_sobol: sens.Sensitivity) -> None:
    table = baseline_sobol.indices
    top = table["input"].head(3).tolist()
    assert "pipeline.realised.byd-manisa" in top, top
    assert all(name.startswith("pipeline.realised.") for name in top), top
    assert {n.rsplit(".", 1)[1] for n in top} <= {"byd-manisa", "togg-gemlik", "togg-gemlik-full"}


def test_inputs_that_cannot_reach_the_indicator_get_zero(
    baseline_sobol: sens.Sensitivity,
) -> None:
    table = baseline_sobol.indices.set_index("input")
    tornado = baseline_sobol.tornado.set_index("input")
    for name in UNREACHABLE:
        assert table.loc[name, ["S1", "ST"]].tolist() == [0.0, 0.0], name
        assert tornado.loc[name, "swing"] == 0.0, name
        assert tornado.loc[name, "at_low"] == tornado.loc[name, "base"], name
    # and they are ranked after every input that moves the indicator
    moving = table[table["ST"] > 0]
    assert moving["rank"].max() < table.loc[UNREACHABLE, "rank"].min()


def test_tornado_base_is_the_deterministic_run(baseline_sobol: sens.Sensitivity, dataset) -> None:
    value = evhub.run("baseline", dataset=dataset).variable(EV).sel(year=2030).item()
    assert (baseline_sobol.tornado["base"] == baseline_sobol.tornado["base"].iloc[0]).all()
    assert baseline_sobol.tornado["base"].iloc[0] == pytest.approx(value, rel=1e-12)


def _ramp(values: dict[str, float], tau: float) -> float:
    """Share of nameplate in year of operation ``tau``: linear between the ramp's knots."""
    knots = [0.0] + [values[f"pipeline.ramp.{k}"] for k in range(1, 8)]
    return float(np.interp(tau, np.arange(8.0), knots))


def test_tornado_byd_by_hand(baseline_sobol: sens.Sensitivity, registry, dataset) -> None:
    """BYD Manisa in 2030, from the registry and the scenario's parameters.

    150,000 cars/yr, half BEV half PHEV (all EV), announced for 2026, stage
    ``announced`` (p = 0.7, delay triangular 0/1/3 with central value 1): it
    starts in 2027, so 2030 is its fourth year (ramp 0.55), and plants run at
    75 %. Realised, it adds 150,000 x 0.55 x 0.75 = 61,875 EVs; the central
    run holds 0.7 of that.
    """
    scen = evhub.resolve("baseline", dataset)
    values = scen.values
    byd = registry.loc["byd-manisa"]
    p = values["pipeline.stages.announced.probability"]
    delay = scen.distributions["pipeline.stages.announced.delay"]
    use = values["car.trade.utilisation"] / 100
    full = byd["capacity"] * use * (byd["share_bev"] + byd["share_phev"])

    def made(d: float) -> float:  # EVs built by a realised BYD in 2030 with delay d
        return full * _ramp(values, 2030 - (byd["start_year"] + d) + 1)

    assert made(delay.central) == pytest.approx(61_875)  # the numbers in the docstring
    assert p == 0.7

    rows = baseline_sobol.tornado.set_index("input")
    real = rows.loc["pipeline.realised.byd-manisa"]
    base = real["base"]
    assert (real["low_value"], real["high_value"]) == (0.0, 1.0)
    # the units: a realisation is a pure number, the indicator's unit is the variable's
    assert real["unit"] == "1"
    assert baseline_sobol.unit == "veh/yr"
    assert real["at_high"] - real["at_low"] == pytest.approx(made(delay.central), rel=1e-9)
    assert real["swing"] == pytest.approx(made(delay.central), rel=1e-9)
    assert base - real["at_low"] == pytest.approx(p * made(delay.central), rel=1e-9)

    # its own delay at the 5th and 95th percentile of triangular(0, 1, 3)
    late = rows.loc["pipeline.delay.byd-manisa"]
    lo, hi = math.sqrt(0.05 * 3 * 1), 3 - math.sqrt(0.05 * 3 * 2)
    assert (late["low_value"], late["high_value"]) == pytest.approx((lo, hi), rel=1e-12)
    assert late["unit"] == "yr"
    assert late["at_low"] - base == pytest.approx(p * (made(lo) - made(1.0)), rel=1e-9)
    assert late["at_high"] - base == pytest.approx(p * (made(hi) - made(1.0)), rel=1e-9)


def test_tornado_realisations_are_linear_in_the_probability(
    baseline_sobol: sens.Sensitivity, registry
) -> None:
    """The central run holds each plant at its expected capacity: ``base = low + p x swing``."""
    rows = baseline_sobol.tornado
    realised = rows[rows["input"].str.startswith("pipeline.realised.")]
    assert len(realised) > 5
    for row in realised.itertuples(index=False):
        pid = row.input.rsplit(".", 1)[1]
        p = registry.loc[pid, "probability"]
        assert 0 < p < 1, pid
        assert row.at_low <= row.base <= row.at_high, pid
        assert row.base - row.at_low == pytest.approx(
            p * (row.at_high - row.at_low), rel=1e-9, abs=1e-6
        ), pid
    togg = rows.set_index("input").loc["pipeline.realised.togg-gemlik"]
    assert togg["swing"] == pytest.approx(100_000 * 0.75)  # fully ramped since 2028, all BEV
    delays = rows[rows["input"].str.startswith("pipeline.delay.")]
    assert (delays["at_high"] <= delays["base"]).all()  # a later start never adds cars
    assert (delays["at_low"] >= delays["base"]).all()


def test_morris_on_the_baseline(dataset, baseline_inputs: tuple[str, ...]) -> None:
    result = evhub.sensitivity(
        "baseline", "EVs built (Passenger Cars)", 2030, method="morris", samples=16, dataset=dataset
    )
    table = result.indices
    d = len(baseline_inputs)
    assert result.runs == 16 * (d + 1)
    assert result.file_stem().endswith("-2030-morris")
    assert table["rank"].tolist() == list(range(1, d + 1))
    assert table["mu_star"].is_monotonic_decreasing
    top = table["input"].head(3).tolist()
    assert "pipeline.realised.byd-manisa" in top, top
    # Togg (ramping, p = 0.95) is switched off in some runs too: realisations keep the
    # levels 0 and 1 rather than bin midpoints, all of which lie below 0.95
    assert "pipeline.realised.togg-gemlik" in top, top
    unreachable = table.set_index("input").loc[UNREACHABLE]
    assert (unreachable["mu_star"] == 0).all()
    assert (unreachable["sigma"] == 0).all()


def test_indicator_by_label_any_case_or_iamc_name(dataset) -> None:
    dims = dataset.dims
    assert sens.resolve_indicator("EVs built (Passenger Cars)", dims) == EV
    assert sens.resolve_indicator("evs BUILT (passenger cars)", dims) == EV
    assert sens.resolve_indicator(EV, dims) == EV
    assert sens.resolve_indicator("Sales|Passenger Cars", dims) == "Sales|Passenger Cars"


# --------------------------------------------------------------------------
# Bad input through the API
# --------------------------------------------------------------------------


def _error(dataset, *args: object, **kwargs: object) -> str:
    with pytest.raises(InputError) as err:
        evhub.sensitivity(*args, dataset=dataset, **kwargs)
    return str(err.value)


def test_unknown_method(dataset) -> None:
    msg = _error(dataset, "baseline", "EVs built (Passenger Cars)", 2030, method="fast", samples=8)
    assert msg == "--method 'fast': expected one of ['sobol', 'morris']"


def test_too_few_samples(dataset) -> None:
    msg = _error(dataset, "baseline", "EVs built (Passenger Cars)", 2030, samples=1)
    assert msg == "--samples 1: sensitivity needs at least 2 base samples"


def test_unknown_indicator_lists_the_scorecard_labels(dataset) -> None:
    msg = _error(dataset, "baseline", "Cars sold", 2030, samples=8)
    assert msg.startswith("--indicator 'Cars sold': not an IAMC variable (see iamc.csv) nor a ")
    assert str([i.label for i in scorecard_indicators(dataset.dims)]) in msg


@pytest.mark.parametrize("year", [1999, 2061])
def test_year_outside_the_model_years(dataset, year: int) -> None:
    msg = _error(dataset, "baseline", "EVs built (Passenger Cars)", year, samples=8)
    assert msg == f"--year {year} is outside the model years 2000-2060"


def test_history_year_moves_nothing(dataset) -> None:
    # no EV was built in Türkiye in 2020 (Togg started in 2022): 0 in every run
    msg = _error(dataset, "baseline", "EVs built (Passenger Cars)", 2020, samples=8)
    assert msg == (
        "the indicator is 0 veh/yr in every run: none of the uncertain inputs moves it "
        "(a history year, or an indicator the distributions do not reach)"
    )


def test_an_indicator_that_does_not_move_is_shown_whole(dataset) -> None:
    # hub realises every plant on time: the cars built in 2030 are certain
    built = evhub.run("hub", dataset=dataset).variable("Production|Passenger Cars").sel(year=2030)
    msg = _error(dataset, "hub", "Production|Passenger Cars", 2030, samples=8, method="morris")
    # (it said "the indicator is 1.44014e+06 in every run")
    assert built.item() > 1e6
    assert msg.startswith(f"the indicator is {built.item():,.0f} veh/yr in every run: ")


def test_scenario_without_uncertain_inputs(dataset, tmp_path: Path) -> None:
    """``hub`` with each of its distributions fixed at its central value.

    ``hub`` realises every project it keeps (stage probabilities 0 or 1), so
    once its distributions are numbers nothing is left to sample.
    """
    hub = evhub.resolve("hub", dataset)
    assert hub.distributions  # (otherwise this test checks nothing)
    fixed = unflatten({path: dist.central for path, dist in hub.distributions.items()})
    path = tmp_path / "fixed.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "fixed",
                "description": "hub, nothing uncertain",
                "extends": "hub",
                "overrides": fixed,
            }
        ),
        encoding="utf-8",
    )
    assert evhub.resolve(path, dataset).distributions == {}
    msg = _error(dataset, path, "EVs built (Passenger Cars)", 2030, samples=8)
    assert msg == (
        "scenario 'fixed' has no uncertain inputs: give some parameters as distributions "
        "(e.g. {dist: triangular}) or keep pipeline stage probabilities between 0 and 1"
    )

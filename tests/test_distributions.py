"""Distributions in scenarios: inverse CDFs, fill-ins, and every way a spec can be wrong.

Three groups of test:

- :meth:`Distribution.ppf` of each kind against a closed form worked out in the
  comments and against ``scipy.stats``, truncation, discrete frequencies and
  whole-number (year) parameters;
- what a spec leaves out and where it comes from: ``mode``/``mean`` from the
  value the parameter had before, ``low``/``high`` from the dataset's range,
  and the provenance that records both;
- bad specs, each with its exact message (``<origin>: <path> = <spec>:
  <problem>``), given as overrides, in a scenario file and on the command line.

Specs are given as ``overrides`` of ``evhub.resolve`` unless the test is about a
scenario file; such messages start with ``overrides: ``.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

import evhub
from evhub import InputError
from evhub.cli import app
from evhub.distributions import Distribution, quantile_points
from evhub.pipeline import load_stage_probabilities
from evhub.scenario import parameter_bounds, scenario_dir

U = np.array([0.1, 0.5, 0.9])
DISTS = "('normal', 'lognormal', 'uniform', 'triangular', 'beta', 'discrete', 'posterior')"
# a project-override path: numeric, range [-10, 30], no default and no dataset range
DELAY = "pipeline.overrides.byd-manisa.delay"
PROBABILITY = "pipeline.overrides.byd-manisa.probability"  # range [0, 1], no dataset range


def _dist(dataset, path: str, spec: dict, scenario: str = "baseline") -> Distribution:
    return evhub.resolve(scenario, dataset, {path: spec}).distributions[path]


def _overrides(path: str, spec: str, problem: str) -> str:
    """Regex for the whole message of a bad spec given as an override."""
    return "^" + re.escape(f"overrides: {path} = {spec}: {problem}") + "$"


def _scenario(tmp_path: Path, body: str, *, name: str = "mine", extends: str | None = None) -> Path:
    path = tmp_path / f"{name}.yaml"
    parent = f"extends: {extends}\n" if extends else ""
    path.write_text(
        f"name: {name}\ndescription: A test scenario.\n{parent}overrides:\n{body}", encoding="utf-8"
    )
    return path


def _assumption(dataset, parameter: str) -> dict:
    rows = dataset.assumptions[dataset.assumptions["parameter"] == parameter]
    assert len(rows) == 1
    return rows.iloc[0].to_dict()


# --------------------------------------------------------------------------
# Inverse CDFs
# --------------------------------------------------------------------------


def test_triangular_ppf_by_hand_and_scipy(dataset) -> None:
    low, mode, high = 2028.0, 2033.0, 2040.0
    dist = _dist(
        dataset,
        "car.market.bev_share.midpoint_year",
        {"dist": "triangular", "low": low, "mode": mode, "high": high},
    )
    # F(mode) = (mode - low) / (high - low) = 5/12 = 0.4167; below it
    # x = low + sqrt(u (high - low) (mode - low)),
    # above it x = high - sqrt((1 - u) (high - low) (high - mode))
    by_hand = [
        2028 + math.sqrt(0.1 * 12 * 5),
        2040 - math.sqrt(0.5 * 12 * 7),
        2040 - math.sqrt(8.4),
    ]
    np.testing.assert_allclose(dist.ppf(U), by_hand, rtol=1e-13)
    scipy_ppf = stats.triang(5 / 12, loc=2028, scale=12).ppf(U)
    np.testing.assert_allclose(dist.ppf(U), scipy_ppf, rtol=1e-13)
    assert dist.central == mode
    assert dist.support == (low, high)
    assert not dist.integer  # a year of a logistic curve may be fractional
    assert dist.ppf(np.array([0.0, 1.0])).tolist() == [low, high]


def test_uniform_ppf_is_linear(dataset) -> None:
    dist = _dist(dataset, "car.trade.utilisation", {"dist": "uniform", "low": 60, "high": 90})
    u = np.array([0.0, 0.25, 0.5, 0.9, 1.0])
    np.testing.assert_allclose(dist.ppf(u), 60 + 30 * u, rtol=1e-15)
    assert dist.central == 75.0  # the midpoint


def test_beta_ppf_by_hand_and_scipy(dataset) -> None:
    spec = {"dist": "beta", "alpha": 1, "beta": 2, "low": 60, "high": 90}
    dist = _dist(dataset, "car.trade.utilisation", spec)
    # Beta(1, 2): F(x) = 1 - (1 - x)^2, so x = 1 - sqrt(1 - u); u = 0.75 -> 0.5 -> 75
    u = np.array([0.19, 0.75, 0.96])
    by_hand = 60 + 30 * (1 - np.sqrt(1 - u))  # 63, 75, 84
    np.testing.assert_allclose(dist.ppf(u), by_hand, rtol=1e-13)
    np.testing.assert_allclose(dist.ppf(u), [63.0, 75.0, 84.0], rtol=1e-13)
    np.testing.assert_allclose(dist.ppf(u), stats.beta(1, 2, loc=60, scale=30).ppf(u), rtol=1e-13)
    # the central value is the mean: low + (high - low) alpha / (alpha + beta) = 60 + 30/3
    assert dist.central == pytest.approx(70.0, rel=1e-15)


def test_normal_ppf_equals_scipy_when_nothing_is_cut(dataset) -> None:
    # midpoint_year is allowed from 1990 to 2100, 14 sd from 2033: the cut loses < 1e-40
    dist = _dist(dataset, "car.market.bev_share.midpoint_year", {"dist": "normal", "sd": 3})
    assert dist.fields["mean"] == 2033.0  # filled from baseline's value
    np.testing.assert_allclose(dist.ppf(U), stats.norm(2033, 3).ppf(U), rtol=1e-13)
    # 1.2815515655 sd below and above the mean at 10 % and 90 %
    np.testing.assert_allclose(
        dist.ppf(U), [2033 - 3 * 1.2815515655446004, 2033, 2033 + 3 * 1.2815515655446004]
    )


def test_truncated_normal_equals_scipy_truncnorm_and_stays_inside(dataset) -> None:
    spec = {"dist": "normal", "mean": 12, "sd": 5, "low": 8, "high": 14}
    dist = _dist(dataset, "car.energy.charging_loss", spec)
    u = np.linspace(0.0, 1.0, 101)
    expected = stats.truncnorm((8 - 12) / 5, (14 - 12) / 5, loc=12, scale=5).ppf(u)
    np.testing.assert_allclose(dist.ppf(u), expected, rtol=1e-9)
    # the extreme draws an ensemble can make, and u = 0 and 1 themselves, stay in [8, 14]
    ends = dist.ppf(quantile_points(np.array([0.0, 1.0])))
    assert 8.0 <= ends[0] < 8.001 and 13.999 < ends[1] <= 14.0
    assert dist.ppf(np.array([0.0, 1.0])).tolist() == [8.0, 14.0]
    assert dist.central == 12.0
    assert dist.support == (8.0, 14.0)


def test_normal_is_cut_at_the_parameters_range_when_little_lies_outside(dataset) -> None:
    # N(0.5, 0.15) on a probability: P(outside [0, 1]) = 2 (1 - Phi(3.33)) = 0.086 % < 0.1 %,
    # so it is accepted and cut at 0 and 1
    dist = _dist(dataset, PROBABILITY, {"dist": "normal", "mean": 0.5, "sd": 0.15})
    assert dist.support == (0.0, 1.0)
    ends = dist.ppf(quantile_points(np.array([0.0, 1.0])))
    assert ends[0] >= 0.0 and ends[1] <= 1.0
    np.testing.assert_allclose(
        dist.ppf(U), stats.truncnorm(-0.5 / 0.15, 0.5 / 0.15, loc=0.5, scale=0.15).ppf(U)
    )


def test_lognormal_has_the_given_mean_and_sd(dataset) -> None:
    mean, sd = 12.0, 3.0
    dist = _dist(dataset, "car.energy.charging_loss", {"dist": "lognormal", "mean": mean, "sd": sd})
    # log X ~ N(mu, sigma^2) with sigma^2 = ln(1 + (sd/mean)^2), mu = ln(mean) - sigma^2 / 2
    sigma2 = math.log(1 + (sd / mean) ** 2)
    frozen = stats.lognorm(s=math.sqrt(sigma2), scale=math.exp(math.log(mean) - sigma2 / 2))
    assert frozen.mean() == pytest.approx(mean, rel=1e-12)
    assert frozen.std() == pytest.approx(sd, rel=1e-12)
    # charging_loss must stay below 50 %: the lognormal is cut there, at 5.9 sigma of log X,
    # which leaves out 1.6e-9 of it (a different answer from scipy's ppf in the 9th digit)
    kept = frozen.cdf(50.0)
    assert 1 - kept == pytest.approx(1.6e-9, rel=0.05)
    np.testing.assert_allclose(dist.ppf(U), frozen.ppf(U * kept), rtol=1e-12)
    np.testing.assert_allclose(dist.ppf(U), frozen.ppf(U), rtol=1e-8)
    # one draw in the middle of each of N strata (a Latin hypercube's midpoints)
    n = 200_000
    draws = dist.ppf((np.arange(n) + 0.5) / n)
    assert draws.mean() == pytest.approx(mean, rel=1e-4)
    assert draws.std() == pytest.approx(sd, rel=1e-3)
    assert dist.central == mean


def test_discrete_frequencies_and_most_probable_central(dataset) -> None:
    spec = {"dist": "discrete", "values": [0, 1, 2], "probabilities": [0.5, 0.3, 0.2]}
    dist = _dist(dataset, DELAY, spec)
    n = 1000
    draws = dist.ppf((np.arange(n) + 0.5) / n)
    values, counts = np.unique(draws, return_counts=True)
    assert values.tolist() == [0.0, 1.0, 2.0]
    assert counts.tolist() == [500, 300, 200]
    assert dist.central == 0.0
    # the order in which the values are listed does not matter
    shuffled = {"dist": "discrete", "values": [2, 0, 1], "probabilities": [0.2, 0.5, 0.3]}
    u = np.linspace(0.0, 1.0, 41)
    np.testing.assert_array_equal(_dist(dataset, DELAY, shuffled).ppf(u), dist.ppf(u))
    assert _dist(dataset, DELAY, shuffled).central == 0.0
    # the most probable value need not be the first or the smallest
    spec = {"dist": "discrete", "values": [2030, 2035, 2040], "probabilities": [0.2, 0.5, 0.3]}
    ban = _dist(dataset, "car.market.ice_ban_year", spec)
    assert ban.central == 2035.0
    assert ban.ppf(np.array([0.1, 0.2, 0.69, 0.7, 0.99])).tolist() == [2030, 2035, 2035, 2040, 2040]


def test_year_parameters_are_drawn_as_whole_numbers(dataset) -> None:
    ban = _dist(dataset, "car.market.ice_ban_year", {"dist": "uniform", "low": 2030, "high": 2040})
    assert ban.integer and parameter_bounds("car.market.ice_ban_year").integer
    # 2030.1, 2032.6, 2035, 2037.4, 2039.9 rounded
    u = np.array([0.01, 0.26, 0.5, 0.74, 0.99])
    assert ban.ppf(u).tolist() == [2030.0, 2033.0, 2035.0, 2037.0, 2040.0]
    year = _dist(
        dataset,
        "battery.chemistry_year",
        {"dist": "triangular", "low": 2030, "mode": 2035, "high": 2040},
    )
    assert year.integer
    assert np.all(year.ppf(np.linspace(0, 1, 37)) % 1 == 0)
    # an ensemble draws whole years too
    res = evhub.run(
        "baseline",
        dataset=dataset,
        overrides={"car.market.ice_ban_year": {"dist": "uniform", "low": 2030, "high": 2040}},
        samples=20,
        seed=4,
    )
    drawn = res.ensemble.inputs("baseline")["car.market.ice_ban_year"].to_numpy()
    assert np.all(drawn % 1 == 0) and drawn.min() >= 2030 and drawn.max() <= 2040
    assert len(np.unique(drawn)) > 5
    res.ensemble.close()


def test_fractional_values_of_a_year_parameter_are_rejected(dataset) -> None:
    spec = {"dist": "discrete", "values": [2035, 2040.5], "probabilities": [0.5, 0.5]}
    expected = _overrides(
        "car.market.ice_ban_year",
        "{dist: discrete, values: [2035, 2040.5], probabilities: [0.5, 0.5]}",
        "values must be whole numbers for this parameter",
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve("baseline", dataset, {"car.market.ice_ban_year": spec})


def test_year_parameter_with_a_fractional_central_value(dataset) -> None:
    spec = {"dist": "uniform", "low": 2030, "high": 2041}
    resolved = evhub.resolve("baseline", dataset, {"car.market.ice_ban_year": spec})
    assert resolved.values["car.market.ice_ban_year"] % 1 == 0


# --------------------------------------------------------------------------
# Fill-ins and provenance
# --------------------------------------------------------------------------


def test_baseline_triangular_takes_range_from_the_dataset_and_mode_from_the_default(
    dataset,
) -> None:
    path = "lcv.market.bev_share.midpoint_year"
    resolved = evhub.resolve("baseline", dataset)
    dist = resolved.distributions[path]
    row = _assumption(dataset, path)
    assert (row["low"], row["value"], row["high"]) == (2030.0, 2036.0, 2045.0)
    assert dist.kind == "triangular"
    assert dict(dist.fields) == {"low": 2030.0, "mode": 2036.0, "high": 2045.0}
    assert resolved.values[path] == 2036.0
    baseline = scenario_dir(dataset) / "baseline.yaml"
    assert row["source"] == "evhub-assumption"
    assert resolved.provenance[path] == f"{baseline};evhub-assumption"


def test_fill_ins_in_a_scenario_file(dataset, tmp_path: Path) -> None:
    # no parent: the values before the distributions are the dataset defaults
    path = _scenario(
        tmp_path,
        "  car.energy.charging_loss: {dist: normal, sd: 2}\n"
        "  car.trade.utilisation: {dist: uniform}\n"
        "  car.market.bev_share.steepness: {dist: triangular, high: 0.5}\n",
    )
    resolved = evhub.resolve(path, dataset)
    loss = resolved.distributions["car.energy.charging_loss"]
    default = evhub.resolve(_scenario(tmp_path, "  {}\n", name="plain"), dataset)
    assert dict(loss.fields) == {"mean": default.values["car.energy.charging_loss"], "sd": 2.0}
    assert resolved.provenance["car.energy.charging_loss"] == (
        f"{path};{default.provenance['car.energy.charging_loss']}"
    )
    util = resolved.distributions["car.trade.utilisation"]
    row = _assumption(dataset, "car.trade.utilisation")
    assert dict(util.fields) == {"low": row["low"], "high": row["high"]}  # 65..85
    assert util.central == (row["low"] + row["high"]) / 2
    assert resolved.provenance["car.trade.utilisation"] == f"{path};{row['source']}"
    # given fields win over the dataset's: only low comes from it
    steep = resolved.distributions["car.market.bev_share.steepness"]
    assert dict(steep.fields) == {"low": 0.1, "mode": 0.25, "high": 0.5}


def test_mode_comes_from_the_parent_scenario(dataset, tmp_path: Path) -> None:
    path = _scenario(tmp_path, "  car.trade.utilisation: {dist: triangular}\n", extends="hub")
    dist = evhub.resolve(path, dataset).distributions["car.trade.utilisation"]
    # hub's mode 85, the dataset's range 65..85
    assert dict(dist.fields) == {"low": 65.0, "mode": 85.0, "high": 85.0}


def test_a_number_in_a_child_replaces_the_parents_distribution(dataset) -> None:
    baseline = evhub.resolve("baseline", dataset)
    hub = evhub.resolve("hub", dataset)
    assert "car.trade.eu_export_share" in baseline.distributions
    assert "car.trade.eu_export_share" not in hub.distributions
    assert hub.values["car.trade.eu_export_share"] == 80
    # a distribution given as an override replaces the scenario's
    spec = {"dist": "uniform", "low": 70, "high": 90}
    over = evhub.resolve("hub", dataset, {"car.trade.eu_export_share": spec})
    assert dict(over.distributions["car.trade.eu_export_share"].fields) == {"low": 70, "high": 90}
    assert over.values["car.trade.eu_export_share"] == 80.0
    assert over.provenance["car.trade.eu_export_share"] == "overrides"


def test_provenance_names_each_source_once(dataset) -> None:
    path = "car.market.bev_share.midpoint_year"
    resolved = evhub.resolve("baseline", dataset, {path: {"dist": "triangular"}})
    parts = resolved.provenance[path].split(";")
    assert len(parts) == len(set(parts)), resolved.provenance[path]


# --------------------------------------------------------------------------
# Bad specs
# --------------------------------------------------------------------------


BAD_SPECS = [
    pytest.param(
        DELAY,
        {"dist": "gamma", "low": 1},
        "{dist: gamma, low: 1}",
        f"unknown distribution 'gamma'; expected one of {DISTS}",
        id="unknown-name",
    ),
    pytest.param(
        DELAY,
        {"low": 1, "dist": None},
        "{low: 1, dist: None}",
        f"unknown distribution None; expected one of {DISTS}",
        id="no-name",
    ),
    pytest.param(
        "car.energy.charging_loss",
        {"dist": "uniform", "low": 20, "high": 10},
        "{dist: uniform, low: 20, high: 10}",
        "needs low < high; got low = 20, high = 10",
        id="low-above-high",
    ),
    pytest.param(
        "car.energy.charging_loss",
        {"dist": "beta", "alpha": 2, "beta": 2, "low": 10, "high": 10},
        "{dist: beta, alpha: 2, beta: 2, low: 10, high: 10}",
        "needs low < high; got low = 10, high = 10",
        id="low-equals-high",
    ),
    pytest.param(
        DELAY,
        {"dist": "normal", "mean": 2, "sd": 1, "low": 3, "high": 1},
        "{dist: normal, mean: 2, sd: 1, low: 3, high: 1}",
        "needs low < high; got low = 3, high = 1",
        id="normal-low-above-high",
    ),
    pytest.param(
        "car.market.bev_share.midpoint_year",
        {"dist": "triangular", "low": 2028, "mode": 2045, "high": 2040},
        "{dist: triangular, low: 2028, mode: 2045, high: 2040}",
        "needs low <= mode <= high; got 2028, 2045, 2040",
        id="mode-outside",
    ),
    pytest.param(
        DELAY,
        {"dist": "normal", "mean": 1, "sd": 0},
        "{dist: normal, mean: 1, sd: 0}",
        "sd: Input should be greater than 0",
        id="sd-zero",
    ),
    pytest.param(
        DELAY,
        {"dist": "lognormal", "mean": 1, "sd": -0.5},
        "{dist: lognormal, mean: 1, sd: -0.5}",
        "sd: Input should be greater than 0",
        id="sd-negative",
    ),
    pytest.param(
        DELAY,
        {"dist": "normal", "mean": 2, "sd": 1, "low": 3, "high": 5},
        "{dist: normal, mean: 2, sd: 1, low: 3, high: 5}",
        "mean 2 lies outside low..high = 3..5",
        id="mean-outside-truncation",
    ),
    pytest.param(
        DELAY,
        {"dist": "discrete", "values": [0, 1, 2], "probabilities": [0.5, 0.3, 0.1]},
        "{dist: discrete, values: [0, 1, 2], probabilities: [0.5, 0.3, 0.1]}",
        "probabilities sum to 0.9, expected 1",
        id="probabilities-sum",
    ),
    pytest.param(
        DELAY,
        {"dist": "discrete", "values": [0, 1, 2], "probabilities": [0.5, 0.5]},
        "{dist: discrete, values: [0, 1, 2], probabilities: [0.5, 0.5]}",
        "needs one probability per value; got 3 values and 2 probabilities",
        id="length-mismatch",
    ),
    pytest.param(
        DELAY,
        {"dist": "discrete", "values": [0, 1], "probabilities": [1.5, -0.5]},
        "{dist: discrete, values: [0, 1], probabilities: [1.5, -0.5]}",
        "probabilities.0: Input should be less than or equal to 1; "
        "probabilities.1: Input should be greater than or equal to 0",
        id="probability-outside-0-1",
    ),
    pytest.param(
        "car.energy.charging_loss",
        {"dist": "uniform", "low": 5, "high": 20, "mode": 10},
        "{dist: uniform, low: 5, high: 20, mode: 10}",
        "mode: unknown field for uniform; expected ['low', 'high']",
        id="unknown-field",
    ),
    pytest.param(
        "car.trade.utilisation",
        {"dist": "uniform", "low": -5, "high": 20},
        "{dist: uniform, low: -5, high: 20}",
        "values from -5 to 20 do not fit the parameter's allowed range [0, 100]",
        id="support-outside-share",
    ),
    pytest.param(
        "car.market.bev_share.steepness",
        {"dist": "uniform", "low": 0, "high": 0.5},
        "{dist: uniform, low: 0, high: 0.5}",
        "values from 0 to 0.5 do not fit the parameter's allowed range (0, 5]",
        id="support-touches-open-bound",
    ),
    pytest.param(
        DELAY,
        {"dist": "discrete", "values": [0, 40], "probabilities": [0.5, 0.5]},
        "{dist: discrete, values: [0, 40], probabilities: [0.5, 0.5]}",
        "values from 0 to 40 do not fit the parameter's allowed range [-10, 30]",
        id="discrete-outside",
    ),
    pytest.param(
        # 1 - Phi(1) = 15.87 % of N(0.9, 0.1) lies above 1
        PROBABILITY,
        {"dist": "normal", "mean": 0.9, "sd": 0.1},
        "{dist: normal, mean: 0.9, sd: 0.1}",
        "15.9% of the distribution lies outside the parameter's allowed range [0, 1]; "
        "narrow it or truncate it with low and high",
        id="normal-mass-outside",
    ),
    pytest.param(
        # 2 (1 - Phi(3.125)) = 0.18 % of N(0.5, 0.16) lies outside [0, 1]: just too much
        PROBABILITY,
        {"dist": "normal", "mean": 0.5, "sd": 0.16},
        "{dist: normal, mean: 0.5, sd: 0.16}",
        "0.2% of the distribution lies outside the parameter's allowed range [0, 1]; "
        "narrow it or truncate it with low and high",
        id="normal-mass-just-above-tolerance",
    ),
    pytest.param(
        DELAY,
        {"dist": "uniform"},
        "{dist: uniform}",
        "low: Field required (the dataset gives no range for this parameter); "
        "high: Field required (the dataset gives no range for this parameter)",
        id="no-range-uniform",
    ),
    pytest.param(
        DELAY,
        {"dist": "triangular", "high": 3},
        "{dist: triangular, high: 3}",
        "low: Field required (the dataset gives no range for this parameter); mode: Field required",
        id="no-range-triangular",
    ),
    pytest.param(
        DELAY,
        {"dist": "normal", "sd": 1},
        "{dist: normal, sd: 1}",
        "mean: Field required",
        id="no-previous-mean",
    ),
    pytest.param(
        "car.energy.charging_loss",
        {"dist": "beta", "low": 5, "high": 20},
        "{dist: beta, low: 5, high: 20}",
        "alpha: Field required; beta: Field required",
        id="beta-without-shape",
    ),
    pytest.param(
        "car.energy.charging_loss",
        {"dist": "uniform", "low": float("nan"), "high": 20},
        "{dist: uniform, low: nan, high: 20}",
        "low: Input should be a finite number",
        id="nan",
    ),
]


@pytest.mark.parametrize(("path", "spec", "shown", "problem"), BAD_SPECS)
def test_bad_spec(dataset, path: str, spec: dict, shown: str, problem: str) -> None:
    with pytest.raises(InputError, match=_overrides(path, shown, problem)):
        evhub.resolve("baseline", dataset, {path: spec})


def test_missing_low_high_filled_from_the_dataset_are_named(dataset) -> None:
    # the problem is in the filled-in numbers: the message says where they came from
    csv = dataset.path / "assumptions.csv"
    expected = _overrides(
        "car.market.bev_share.midpoint_year",
        "{dist: triangular, mode: 2045}",
        f"needs low <= mode <= high; got 2028, 2045, 2040 (low and high from {csv})",
    )
    spec = {"dist": "triangular", "mode": 2045}
    with pytest.raises(InputError, match=expected):
        evhub.resolve("baseline", dataset, {"car.market.bev_share.midpoint_year": spec})


def test_normal_messages_do_not_claim_a_dataset_range(dataset) -> None:
    spec = {"dist": "normal", "mean": 12, "sd": 0}
    with pytest.raises(InputError) as info:
        evhub.resolve("baseline", dataset, {"car.energy.charging_loss": spec})
    assert "low and high from" not in str(info.value)


FIXED = [
    (
        "targets.cars_built.value",
        "a target is a goal to test, not an uncertain input; give a number",
    ),
    ("targets.jobs.year", "a target is a goal to test, not an uncertain input; give a number"),
    ("battery.chemistry_share.lfp", "the chemistry shares must sum to 100 %; give numbers"),
    ("battery.chemistry_share_final.nmc", "the chemistry shares must sum to 100 %; give numbers"),
    ("pipeline.ramp.2", "the ramp must not fall from one year to the next; give numbers"),
    ("pipeline.default_mix.bev", "the output mix must sum to 1; give numbers"),
]


@pytest.mark.parametrize(("path", "why"), FIXED)
def test_parameters_that_must_be_fixed(dataset, path: str, why: str) -> None:
    spec = {"dist": "uniform", "low": 0.2, "high": 0.3}
    expected = _overrides(
        path, "{dist: uniform, low: 0.2, high: 0.3}", f"cannot be a distribution: {why}"
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve("baseline", dataset, {path: spec})


@pytest.mark.parametrize("path", ["car.market.sales_mode", "car.fleet.lifetime.distribution"])
def test_text_parameters_cannot_be_distributions(dataset, path: str) -> None:
    spec = {"dist": "discrete", "values": [0, 1], "probabilities": [0.5, 0.5]}
    expected = _overrides(
        path,
        "{dist: discrete, values: [0, 1], probabilities: [0.5, 0.5]}",
        "this parameter is not a number, so not a distribution",
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve("baseline", dataset, {path: spec})


def test_second_life_and_recycling_highs_above_100(dataset) -> None:
    # central values 35 + 30 = 65 %, but a draw can reach 60 + 50 = 110 %
    overrides = {
        "battery.second_life_share": {"dist": "uniform", "low": 10, "high": 60},
        "battery.recycling_share": {"dist": "uniform", "low": 10, "high": 50},
    }
    expected = (
        "^overrides: battery.second_life_share \\+ battery.recycling_share can reach 110 % in "
        "a draw, more than all the retired capacity \\(100 %\\); lower the high ends$"
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve("baseline", dataset, overrides)
    # one distribution against the other's number: 40 + 70 (the dataset's recycling share)
    one = {"battery.second_life_share": {"dist": "uniform", "low": 0, "high": 40}}
    assert evhub.resolve("baseline", dataset).values["battery.recycling_share"] == 70.0
    with pytest.raises(InputError, match=expected):
        evhub.resolve("baseline", dataset, one)
    # highs that just fit: 30 + 70 = 100 %
    fits = {"battery.second_life_share": {"dist": "uniform", "low": 0, "high": 30}}
    evhub.resolve("baseline", dataset, fits)


def test_joint_check_names_the_origin_when_ranges_are_filled_in(dataset) -> None:
    overrides = {
        "battery.second_life_share": {"dist": "triangular"},  # 0..20 from battery.csv
        "battery.recycling_share": {"dist": "triangular", "high": 85},
    }
    with pytest.raises(InputError, match=r"^overrides: battery\.second_life_share \+"):
        evhub.resolve("baseline", dataset, overrides)


def _highest_ownership(dataset) -> float:
    stock = dataset.of_class("car").series("stock", "stock", powertrain="")
    population = dataset.series("socioeconomic", "population")
    gdp = dataset.series("socioeconomic", "gdp_per_capita")
    years = [y for y in stock.index if y in population.index and y in gdp.index]
    return max(stock[y] / population[y] * 1000 for y in years if y <= dataset.base_year)


def test_saturation_reaching_below_observed_ownership_fails_when_running(dataset) -> None:
    spec = {"dist": "uniform", "low": 100, "high": 700}
    overrides = {"car.market.saturation": spec}
    resolved = evhub.resolve("baseline", dataset, overrides)  # a valid distribution by itself
    assert resolved.values["car.market.saturation"] == 400.0  # its central value lies above
    highest = _highest_ownership(dataset)
    assert 100 < highest < 400
    expected = (
        "^"
        + re.escape(
            "overrides: car.market.saturation can be as low as 100 veh/1000 persons; "
            f"it must exceed "
            f"the highest observed ownership, {highest:.1f} veh/1000 persons"
        )
        + "$"
    )
    with pytest.raises(InputError, match=expected):
        evhub.run("baseline", dataset=dataset, overrides=overrides)
    # the same range starting above the highest ownership runs
    ok = {"car.market.saturation": {"dist": "uniform", "low": math.ceil(highest) + 1, "high": 700}}
    evhub.run("baseline", dataset=dataset, overrides=ok)


def test_saturation_check_names_the_origin_when_fields_are_filled_in(dataset) -> None:
    overrides = {"car.market.saturation": {"dist": "triangular", "low": 150}}
    with pytest.raises(
        InputError, match=r"^overrides: car\.market\.saturation can be as low as 150 "
    ):
        evhub.run("baseline", dataset=dataset, overrides=overrides)


def test_bad_spec_in_a_scenario_file_names_the_file(dataset, tmp_path: Path) -> None:
    path = _scenario(
        tmp_path,
        "  car:\n    energy:\n      charging_loss: {dist: uniform, low: 20, high: 10}\n",
        extends="baseline",
    )
    expected = (
        "^"
        + re.escape(
            f"{path}: car.energy.charging_loss = {{dist: uniform, low: 20, high: 10}}: "
            "needs low < high; got low = 20, high = 10"
        )
        + "$"
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve(path, dataset)


def test_bad_spec_in_a_parent_names_the_parent(dataset, tmp_path: Path) -> None:
    parent = _scenario(
        tmp_path,
        "  pipeline.overrides.byd-manisa.delay: "
        "{dist: discrete, values: [0, 1, 2], probabilities: [0.5, 0.3, 0.1]}\n",
        name="parent",
    )
    child = _scenario(
        tmp_path, "  car.trade.utilisation: 80\n", name="child", extends="parent.yaml"
    )
    expected = (
        "^"
        + re.escape(
            f"{parent}: {DELAY} = {{dist: discrete, values: [0, 1, 2], probabilities: "
            "[0.5, 0.3, 0.1]}: probabilities sum to 0.9, expected 1"
        )
        + "$"
    )
    with pytest.raises(InputError, match=expected):
        evhub.resolve(child, dataset)


def test_stage_probability_range_fills_a_uniform(dataset) -> None:
    # stage probabilities have a range in stage_probabilities.csv: talks 0.1..0.35
    path = "pipeline.stages.talks.probability"
    talks = load_stage_probabilities(dataset)["talks"]
    dist = _dist(dataset, path, {"dist": "uniform"})
    assert dict(dist.fields) == {"low": talks.low, "high": talks.high}
    assert (talks.low, talks.high) == (0.1, 0.35)


# --------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------


runner = CliRunner()


def _assert_cli_error(result, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stderr.strip() == f"error: {message}"


def test_cli_bad_distribution_in_a_scenario_file(tmp_path: Path) -> None:
    path = _scenario(
        tmp_path,
        "  car:\n    trade:\n      utilisation: {dist: uniform, low: -5, high: 20}\n",
        extends="baseline",
    )
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(path), "--out", str(out)])
    _assert_cli_error(
        result,
        f"{path}: car.trade.utilisation = {{dist: uniform, low: -5, high: 20}}: "
        "values from -5 to 20 "
        "do not fit the parameter's allowed range [0, 100]",
    )
    assert not out.exists()


def test_cli_bad_distribution_in_set(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["run", "baseline", "--out", str(out), "--set", f"{DELAY}={{dist: weibull}}"],
    )
    _assert_cli_error(
        result,
        f"overrides: {DELAY} = {{dist: weibull}}: unknown distribution 'weibull'; "
        f"expected one of {DISTS}",
    )
    assert not out.exists()


def test_a_lognormal_too_wide_for_a_float_is_refused() -> None:
    """sd/mean of 1e206: log(1 + ratio^2) overflowed before; the scale underflows to 0."""
    overrides = {"car.fleet.lifetime.shape": {"dist": "lognormal", "mean": 3.9e-206, "sd": 1.0}}
    with pytest.raises(InputError, match=r"spread the lognormal over more orders of magnitude"):
        evhub.resolve("baseline", None, overrides)
    # a wide but representable one is judged on its mass, as any other:
    # sigma^2 = 2 ln(1e3) + ln(1 + 1e-6), and 0.9 % of it lies above 20
    wide = {"car.fleet.lifetime.shape": {"dist": "lognormal", "mean": 3.0, "sd": 3000.0}}
    with pytest.raises(InputError, match=r"0\.9% of the distribution lies outside"):
        evhub.resolve("baseline", None, wide)

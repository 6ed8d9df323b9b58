"""The choice model's fit: it recovers known parameters, flags what the data cannot fix,
and names its input mistakes. (The hold-out against history is tests/test_choice_holdout.py.)"""

from dataclasses import replace

import numpy as np
import pytest

import evhub
from evhub import choicefit, choiceorigin
from evhub.choicefit import _Prior, _Problem
from evhub.errors import InputError

YEARS = tuple(range(2015, 2023))
#: Three powertrains whose costs cross over the years [USD/veh/yr].
COST = np.stack(
    [
        np.full(len(YEARS), 10_000.0),
        10_000.0 + np.linspace(-1500.0, 1500.0, len(YEARS)),
        14_000.0 - np.linspace(0.0, 4000.0, len(YEARS)) ** 1.1 / 2.0,
    ],
    axis=1,
)
BETA = 8.0 / 11_000.0  # the prior's mode below, so the prior does not pull the fit
KAPPA = 0.7
#: The constants that made the shares (the first powertrain's is 0) [1].
ALPHA = np.array([0.0, -0.5, 1.0])


def _problem(observations: tuple) -> _Problem:
    return _Problem(
        powertrains=("a", "b", "c"),
        years=YEARS,
        cost=COST,
        sales=np.full(len(YEARS), 1e5),
        stock=np.full(len(YEARS), 1e7),
        nfc=(),
        inertia=_Prior(KAPPA, 0.2, 1.0),
        log_beta=_Prior(np.log(BETA), np.log(BETA / 4), np.log(BETA * 2.5)),
        observations=observations,
    )


def _truth() -> tuple[None, np.ndarray]:
    problem = _problem(())
    theta = choicefit._pack(problem, BETA, ALPHA, np.array([]), KAPPA)
    return None, choicefit._simulate(problem, theta)


def test_the_fit_recovers_the_parameters_that_made_the_shares() -> None:
    _, shares = _truth()
    every = tuple((t, (i,), float(shares[t, i])) for t in range(len(YEARS)) for i in range(3))
    problem = _problem(every)
    beta, alpha, _, kappa = choicefit._unpack(problem, choicefit._fit(problem).x)
    # exact data, and the priors sit at the truth: only the solver's tolerance remains
    np.testing.assert_allclose([beta, *alpha, kappa], [BETA, *ALPHA, KAPPA], rtol=1e-5, atol=1e-6)


def test_two_powertrains_seen_only_together_are_split_by_their_costs() -> None:
    _, shares = _truth()
    together = tuple(
        obs
        for t in range(len(YEARS))
        for obs in ((t, (0,), float(shares[t, 0])), (t, (1, 2), float(shares[t, 1:].sum())))
    )
    problem = _problem(together)
    result = choicefit._fit(problem)
    table, condition, flat = choicefit._identification(problem, result)
    # b and c are seen only together, but their costs move differently over the years, and
    # the sensitivity is fixed by a's share: the split is identified
    assert table.loc["constant.b", "identified"], table
    assert np.isfinite(condition)
    assert set(flat) == set(table.index)


def test_the_offer_scales_the_odds_by_its_share_to_the_power_gamma() -> None:
    # two powertrains of equal cost, no inertia: the odds of b against a are
    # exp(alpha_b) (O_b / O_a)^gamma in every year, a hand-computed logit
    offer = np.log(np.array([[0.6, 0.2], [0.5, 0.4], [0.3, 0.6]]))
    problem = _Problem(
        powertrains=("a", "b"),
        years=(2020, 2021, 2022),
        cost=np.full((3, 2), 10_000.0),
        sales=np.full(3, 1e5),
        stock=np.full(3, 1e7),
        nfc=(),
        inertia=_Prior(1.0, 0.2, 1.0),
        log_beta=_Prior(np.log(BETA), np.log(BETA / 4), np.log(BETA * 2.5)),
        observations=((2, (0,), 0.5),),  # the reference year: the last observed
        drivers=(choicefit._Driver("offer_sensitivity", offer, _Prior(1.0, 0.0, 4.0)),),
    )
    theta = choicefit._pack(problem, BETA, np.array([0.0, 0.3]), np.array([]), 1.0, drivers=[2.0])
    shares = choicefit._simulate(problem, theta)
    odds = np.exp(0.3) * np.array([0.2 / 0.6, 0.4 / 0.5, 0.6 / 0.3]) ** 2
    np.testing.assert_allclose(shares[:, 1] / shares[:, 0], odds, rtol=1e-12)
    beta, alpha, _, kappa = choicefit._unpack(problem, theta)
    assert (beta, kappa) == (pytest.approx(BETA), 1.0)
    np.testing.assert_allclose(alpha, [0.0, 0.3], atol=1e-12)
    assert choicefit._names(problem)[-2:] == ["offer_sensitivity", "inertia_rate"]


def test_the_fit_recovers_the_offers_exponent() -> None:
    offer = np.log(
        np.stack(
            [
                np.linspace(0.2, 0.6, len(YEARS)),
                np.full(len(YEARS), 0.3),
                np.linspace(0.5, 0.1, len(YEARS)),
            ],
            axis=1,
        )
    )
    driver = choicefit._Driver("offer_sensitivity", offer, _Prior(1.0, 0.0, 4.0))
    base = replace(_problem(()), drivers=(driver,))
    theta = choicefit._pack(base, BETA, ALPHA, np.array([]), KAPPA, drivers=[1.7])
    shares = choicefit._simulate(base, theta)
    every = tuple((t, (i,), float(shares[t, i])) for t in range(len(YEARS)) for i in range(3))
    # the prior sits at the truth, except the offer's (1 against 1.7): the data pull it back
    problem = replace(base, observations=every)
    result = choicefit._fit(problem)
    table, _, _ = choicefit._identification(problem, result)
    assert table.loc["offer_sensitivity", "value"] == pytest.approx(1.7, abs=0.02)
    assert table.loc["offer_sensitivity", "identified"]


def test_a_constant_no_row_constrains_is_flagged() -> None:
    _, shares = _truth()
    # only a's share of the first year: b and c cannot be told apart from one number
    problem = _problem(((0, (0,), float(shares[0, 0])),))
    result = choicefit._fit(problem)
    table, condition, _ = choicefit._identification(problem, result)
    assert not table.loc["constant.b", "identified"]
    assert not table.loc["constant.c", "identified"]
    assert "flat direction" in table.loc["constant.c", "why"]
    assert condition == np.inf or condition > 1e8


def test_frozen_costs_move_nothing_and_real_costs_do(dataset) -> None:
    fit = choicefit.fit_choice(dataset, "car", 2023)
    frozen = choicefit.frozen_cost_shares(dataset, 2023)
    spread = frozen.max() - frozen.min()
    assert float(spread.max()) < 1e-9  # [pp] float rounding of the same logit
    # the fitted path with the real costs does move after 2023 (so the check above can fail)
    moving = fit.shares.loc[2023:]
    assert float((moving.max() - moving.min()).max()) > 0.1


def test_the_error_of_a_share_is_the_fits_own_rms_miss(dataset) -> None:
    fit = choicefit.fit_choice(dataset, "car", dataset.base_year)
    misses = fit.observations["fitted"] - fit.observations["observed"]  # [pp]
    rms = float(np.sqrt(np.mean(misses**2)))
    # the fixed point the fit iterates to, within its tolerance
    assert abs(fit.problem.share_error - rms) < choicefit.ERROR_TOLERANCE_PP * 2
    assert fit.rms_error_pp == pytest.approx(rms, rel=1e-12)
    # the aggregate logit misses by several points, far more than the starting error
    assert fit.problem.share_error > 3 * choicefit.SHARE_ERROR_PP
    # the posterior's residuals are the misses in units of that error (the origin shares'
    # pairs follow them, each in units of its own error)
    residuals = choicefit._residuals(fit.problem, fit.theta, priors=False)
    shares = residuals[: len(fit.observations)]
    np.testing.assert_allclose(shares * fit.problem.share_error, misses, rtol=0, atol=1e-9)
    assert residuals.size == len(fit.observations) + len(fit.problem.origin)


def test_the_origin_shares_are_evidence_on_the_cost_sensitivity(dataset) -> None:
    """With lambda at its consistency bound the pairs' log-odds moves are -beta x cost moves.

    By hand: each pair's residual is (-lambda beta dC - dl) / error; a fit sees the pairs
    whose later year it fits: the hold-out's (to 2023) those of 2022-2023 only, the shipped
    fit (to 2025) every pair.
    """
    fit = choicefit.fit_choice(dataset, "car", dataset.base_year)
    assert len(fit.problem.origin) >= 2
    beta = float(fit.parameters.loc["cost_sensitivity", "value"])
    residuals = choicefit._residuals(fit.problem, fit.theta, priors=False)
    lam = fit.problem.origin_sensitivity
    by_hand = [(-lam * beta * dc - dl) / e for dl, dc, e in fit.problem.origin]
    np.testing.assert_allclose(residuals[len(fit.observations) :], by_hand, rtol=1e-9)
    pairs = choiceorigin.origin_evidence(dataset, "car").pairs
    assert len(fit.problem.origin) == len(pairs)
    early = pairs[pairs.index.get_level_values("year") <= 2023]
    seen = choicefit.fit_choice(dataset, "car", 2023).problem.origin
    assert 0 < len(seen) == len(early) < len(pairs)
    np.testing.assert_allclose([dl for dl, _, _ in seen], early["logit_change"], rtol=1e-12)


def test_the_fit_uses_observed_rows_only(dataset) -> None:
    fit = choicefit.fit_choice(dataset, "car", 2023)
    assert fit.fitted_years == list(range(2015, 2024))
    assert set(fit.fitted_status.values()) == {"observed"}
    assert fit.parameters.loc["cost_sensitivity", "unit"] == "1/(USD/veh/yr)"


def test_no_observed_row_to_fit_is_named(dataset) -> None:
    with pytest.raises(
        InputError,
        match=r"sales.csv: no sales_share, fuel_group_share, fuel_group_sales or powertrain_sales "
        r"row of status 'observed' for class 'car' in 2015-2014: nothing to fit",
    ):
        choicefit.fit_choice(dataset, "car", 2014)


def test_a_holdout_must_predict_later_years(dataset) -> None:
    with pytest.raises(
        InputError,
        match=r"predicted years \[2023\] must come after the last "
        r"fitted year 2023",
    ):
        choicefit.holdout(dataset, 2023, (2023,))


# --------------------------------------------------------------------------
# The fit on the dataset's own costs and observation pattern
# --------------------------------------------------------------------------


def _synthetic(dataset, beta_scale: float, alpha: list[float], kappa: float):
    """The car problem of the dataset with its observations replaced by exact shares
    made by known parameters (the priors centred on them, so they do not pull)."""
    problem, _ = choicefit._problem(dataset, "car", 2025, 2025)
    beta = float(np.exp(problem.log_beta.value)) * beta_scale
    nfc0 = np.array([prior.value for *_, prior in problem.nfc])
    theta = choicefit._pack(problem, beta, np.array(alpha), nfc0, kappa)
    shares = choicefit._simulate(problem, theta)
    exact = tuple(
        (t, members, float(shares[t, list(members)].sum()))
        for t, members, _ in problem.observations
    )
    log_beta = _Prior(np.log(beta), problem.log_beta.low, problem.log_beta.high)
    inertia = _Prior(kappa, problem.inertia.low, problem.inertia.high)
    # the origin shares' pairs are real data, not made by these parameters: left out
    made = replace(problem, observations=exact, log_beta=log_beta, inertia=inertia, origin=())
    return made, shares


@pytest.mark.parametrize(
    ("beta_scale", "alpha", "kappa"),
    [
        # a mix like the dataset's: diesel large, hybrids and plug-ins small
        (1.0, [0.0, -0.3, -3.0, -4.0, -2.0, 1.5], 0.6),
        # hybrids at about 1e-5 of petrol in every year (a saturated softmax), a high sensitivity
        (2.2, [0.0, 0.5, -1.0, -9.0, -1.0, 2.5], 0.9),
    ],
)
def test_the_fit_recovers_shares_made_on_the_datasets_costs_and_observation_pattern(
    dataset, beta_scale, alpha, kappa
) -> None:
    # the observation pattern of the dataset (single diesel rows, groups, years without rows)
    # with exact shares: the fit must find them from its own starting points, small shares
    # included
    problem, _ = _synthetic(dataset, beta_scale, alpha, kappa)
    result = choicefit._fit(problem)
    fitted = choicefit._simulate(problem, result.x)
    observed = np.array([obs for *_, obs in problem.observations])
    seen = np.array([fitted[t, list(m)].sum() for t, m, _ in problem.observations])
    # exact data: what remains is the solver's tolerance, far below the data's 0.1 pp
    np.testing.assert_allclose(seen, observed, rtol=0.0, atol=1e-5)
    assert result.cost < 1e-6, result.cost


def test_the_log_posterior_is_the_fits_sum_of_squares_within_the_bounds(dataset) -> None:
    problem, _ = choicefit._problem(dataset, "car", 2023, 2025)
    result = choicefit._fit(problem)
    r = choicefit._residuals(problem, result.x)
    assert choicefit.log_posterior(problem, result.x) == pytest.approx(-0.5 * float(r @ r))
    lower, _ = choicefit._bounds(problem)
    outside = result.x.copy()
    outside[-1] = lower[-1] - 1e-9  # an inertia below its prior's range
    assert choicefit.log_posterior(problem, outside) == -np.inf
    # the mode: no step along any parameter raises the log-posterior by more than the
    # solver's stopping rule allows (ftol 1e-8 of a cost near 1e3: 1e-5; 1e-4 leaves room)
    for k in range(result.x.size):
        for step in (-1e-4, 1e-4):
            moved = result.x.copy()
            moved[k] += step
            assert (
                choicefit.log_posterior(problem, moved)
                <= choicefit.log_posterior(problem, result.x) + 1e-4
            )


# --------------------------------------------------------------------------
# What the fit reads (the rule of the module's docstring)
# --------------------------------------------------------------------------


def _seen(problem: _Problem) -> dict[tuple[int, str], list[float]]:
    out: dict[tuple[int, str], list[float]] = {}
    for t, members, share in problem.observations:
        key = (problem.years[t], "+".join(problem.powertrains[i] for i in members))
        out.setdefault(key, []).append(share)
    return out


def test_published_group_shares_and_counts_are_group_observations(dataset) -> None:
    problem, status = choicefit._problem(dataset, "car", 2025, 2025)
    seen = _seen(problem)
    # TÜİK 2021 gives petrol 62.0, diesel 23.6, LPG 5.2: electric or hybrid is the rest, 9.2
    assert seen[(2021, "hev+phev+bev")] == [pytest.approx(1 - (62.0 + 23.6 + 5.2) / 100)]
    # ODD's 2020 hybrid count over the 2020 car sales of sales.csv
    assert seen[(2020, "hev+phev")] == [pytest.approx(24_131 / 610_109)]
    # 2021: ODD's count and TÜİK's share of petrol, two publications of one year
    assert sorted(seen[(2021, "petrol")]) == [pytest.approx(0.62), pytest.approx(373_600 / 561_853)]
    # 2019: TÜİK's first registrations and ODD's sales, two publications of the same group
    assert sorted(seen[(2019, "diesel")]) == [pytest.approx(0.52), pytest.approx(0.546)]
    # 2022: ODMD's shares give every group but LPG, which enters as the rest (1.5 %), beside
    # TÜİK's 2.0 % (a sales_share row)
    assert sorted(seen[(2022, "lpg")]) == [pytest.approx(0.015), pytest.approx(0.02)]
    # ODD's hybrid and electric counts of 2016 and its hybrid count of 2018 over the car totals
    assert seen[(2016, "hev+phev")] == [pytest.approx(1_010 / 756_938)]
    assert seen[(2016, "bev")] == [pytest.approx(44 / 756_938)]
    assert seen[(2018, "hev+phev")] == [pytest.approx(3_899 / 486_321)]
    # TÜİK's hybrid share of 2024, a group of HEV and PHEV
    assert seen[(2024, "hev+phev")] == [pytest.approx(0.167)]
    # a count of one powertrain (IEA's plug-in hybrids) over the year's car total
    assert seen[(2023, "phev")] == [pytest.approx(2_700 / 967_341)]
    assert seen[(2016, "phev")] == [0.0]
    # the shares sales.csv derives (hev = hybrid count less a PHEV count of another source) are
    # not observations: no year has hev alone
    assert not [key for key in seen if key[1] == "hev"]
    assert set(status.values()) == {"observed"}


@pytest.mark.parametrize(
    ("edits", "message"),
    [
        (  # diesel's 28 % of 2020 moved to petrol: the year still sums to 100
            [
                (
                    "offer.csv",
                    "offer_share,car,diesel,2020,28.0,",
                    "offer_share,car,diesel,2020,0,",
                ),
                (
                    "offer.csv",
                    "offer_share,car,petrol,2020,47.5,",
                    "offer_share,car,petrol,2020,75.5,",
                ),
            ],
            r"offer.csv: offer_share of class 'car' needs a share above 0 of every powertrain "
            r"the class sells in every row; powertrain 'diesel' has \[.*0\.0.*\]",
        ),
        (
            [("choice.csv", "offer_sensitivity,car,", "offer_sensitivity,lcv,")],
            r"choice.csv: no offer_sensitivity row of class 'car' \(the fit's prior of the "
            r"offer of offer.csv\)",
        ),
        (
            [("choice.csv", "charger_sensitivity,car,", "charger_sensitivity,lcv,")],
            r"choice.csv: no charger_sensitivity row of class 'car' \(the fit's prior of the "
            r"chargers\)",
        ),
        (
            [
                (
                    "sales.csv",
                    "sales,car,,2021,561853,veh/yr,observed,",
                    "sales,car,,2021,561853,veh/yr,derived,",
                )
            ],
            r"sales.csv: fuel_group_sales of class 'car' in 2021 has no 'sales' total of "
            r"status 'observed' in that year to be a share of",
        ),
    ],
)
def test_a_bad_input_of_the_fit_is_named(data_dir, replace_once, edits, message) -> None:
    for name, old, new in edits:
        replace_once(data_dir / name, old, new)
    with pytest.raises(InputError, match=message):
        choicefit.fit_choice(evhub.load_dataset(data_dir), "car", 2021)

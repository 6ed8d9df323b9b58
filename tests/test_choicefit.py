"""The choice model's fit: it recovers known parameters, flags what the data cannot fix,
and names its input mistakes. (The hold-out against history is tests/test_choice_holdout.py.)"""

import numpy as np
import pytest

from evhub import choicefit
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


def _truth() -> tuple[np.ndarray, np.ndarray]:
    theta = np.array([np.log(BETA), -0.5, 1.0, KAPPA])
    shares = choicefit._simulate(_problem(()), theta)
    return theta, shares


def test_the_fit_recovers_the_parameters_that_made_the_shares() -> None:
    theta, shares = _truth()
    every = tuple((t, (i,), float(shares[t, i])) for t in range(len(YEARS)) for i in range(3))
    result = choicefit._fit(_problem(every))
    # exact data, and the priors sit at the truth: only the solver's tolerance remains
    np.testing.assert_allclose(result.x, theta, rtol=1e-5, atol=1e-6)


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


def test_the_fit_uses_observed_rows_only(dataset) -> None:
    fit = choicefit.fit_choice(dataset, "car", 2023)
    assert fit.fitted_years == [2015, 2016, 2017, 2022, 2023]
    assert set(fit.fitted_status.values()) == {"observed"}
    assert fit.parameters.loc["cost_sensitivity", "unit"] == "1/(USD/veh/yr)"


def test_no_observed_row_to_fit_is_named(dataset) -> None:
    with pytest.raises(
        InputError,
        match=r"no sales_share row of status 'observed' for class "
        r"'car' in 2015-2014: nothing to fit",
    ):
        choicefit.fit_choice(dataset, "car", 2014)


def test_a_holdout_must_predict_later_years(dataset) -> None:
    with pytest.raises(
        InputError,
        match=r"predicted years \[2023\] must come after the last "
        r"fitted year 2023",
    ):
        choicefit.holdout(dataset, 2023, (2023,))

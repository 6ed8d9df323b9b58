"""Tests of evhub.model.fleet: hand-computed cohort tables, broadcasting, bad input."""

import numpy as np
import pytest

from evhub.model.fleet import (
    FleetResult,
    inflow_driven,
    inflow_driven_from_survival,
    stock_driven,
    stock_driven_from_survival,
)
from evhub.model.lifetime import (
    Fixed,
    LogNormal,
    Normal,
    Weibull,
    retirement_matrix,
    survival_matrix,
)

EPS = np.finfo(np.float64).eps


def test_fixed_lifetime_cohort_table_by_hand():
    # Fixed(2): sold mid-year c, ages 0.5 and 1.5 at the ends of c and c+1
    # (< 2: in stock), 2.5 at the end of c+2 (retired during c+2).
    #
    #   year | cohort 0  cohort 1  cohort 2  cohort 3 | stock | outflow
    #   0    |   10         .         .         .     |  10   |  0
    #   1    |   10        20         .         .     |  30   |  0
    #   2    |    0        20        30         .     |  50   | 10 (cohort 0)
    #   3    |    0         0        30         0     |  30   | 20 (cohort 1)
    result = inflow_driven([10.0, 20.0, 30.0, 0.0], Fixed(2.0))
    expected_stock_by_cohort = np.array(
        [
            [10.0, 0.0, 0.0, 0.0],
            [10.0, 20.0, 0.0, 0.0],
            [0.0, 20.0, 30.0, 0.0],
            [0.0, 0.0, 30.0, 0.0],
        ]
    )
    expected_outflow_by_cohort = np.array(
        [
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
            [10.0, 0.0, 0.0, 0.0],
            [0.0, 20.0, 0.0, 0.0],
        ]
    )
    # 0/1 survival times small integers: every operation is exact
    np.testing.assert_array_equal(result.stock_by_cohort, expected_stock_by_cohort)
    np.testing.assert_array_equal(result.outflow_by_cohort, expected_outflow_by_cohort)
    np.testing.assert_array_equal(result.stock, [10.0, 30.0, 50.0, 30.0])
    np.testing.assert_array_equal(result.outflow, [0.0, 0.0, 10.0, 20.0])
    np.testing.assert_array_equal(result.inflow, [10.0, 20.0, 30.0, 0.0])
    assert result.cohorts_before == 0
    assert not np.signbit(result.outflow_by_cohort).any()  # no -0.0 for empty cohorts


def test_weibull_exponential_cohort_table_by_hand():
    # Weibull(shape=1, scale=1/ln 4) is exponential with S(a) = 4**-a, so
    # S(1/2) = 1/2 and S(3/2) = 1/8. Inflow [64, 32]:
    #   year 0: cohort 0 = 64 * 1/2 = 32;              outflow 64 - 32 = 32
    #   year 1: cohort 0 = 64 * 1/8 = 8, cohort 1 = 32 * 1/2 = 16
    #           outflow cohort 0 = 32 - 8 = 24, cohort 1 = 32 - 16 = 16, total 40
    result = inflow_driven([64.0, 32.0], Weibull(1.0, 1.0 / np.log(4.0)))
    # S evaluated through exp(-(a/scale)**k) with a rounded scale: a few ulp of
    # relative error on numbers of size 64, so 1e-13 absolute-per-64 is ample
    tolerance = {"rtol": 0, "atol": 64 * 1e-13}
    np.testing.assert_allclose(result.stock_by_cohort, [[32.0, 0.0], [8.0, 16.0]], **tolerance)
    np.testing.assert_allclose(result.outflow_by_cohort, [[32.0, 0.0], [24.0, 16.0]], **tolerance)
    np.testing.assert_allclose(result.stock, [32.0, 24.0], **tolerance)
    np.testing.assert_allclose(result.outflow, [32.0, 40.0], **tolerance)


def test_initial_stock_by_hand():
    # Fixed(3): in stock at ages 0.5, 1.5, 2.5; gone at 3.5.
    # initial_stock by age at the end of year -1: [6, 4, 2, 1]
    #   age 0 -> vintage -1, age 1 -> -2, age 2 -> -3, age 3 -> -4.
    # Columns (oldest first): vintages -4, -3, -2, -1, 0, 1, 2. Inflow [10, 0, 0].
    #   age 3 at year -1 is already 3.5 > 3: S(3.5) = 0, equivalent inflow 0
    #   (not NaN), its car retires in year 0.
    #   year 0: v-3 age 3.5 gone (2 out), v-2 age 2.5: 4, v-1 age 1.5: 6, v0: 10
    #           outflow: v-4 1, v-3 2                       -> stock 20, outflow 3
    #   year 1: v-2 gone (4 out), v-1 6, v0 10              -> stock 16, outflow 4
    #   year 2: v-1 gone (6 out), v0 10                     -> stock 10, outflow 6
    result = inflow_driven([10.0, 0.0, 0.0], Fixed(3.0), initial_stock=[6.0, 4.0, 2.0, 1.0])
    expected_stock_by_cohort = np.array(
        [
            [0.0, 0.0, 4.0, 6.0, 10.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 6.0, 10.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0, 10.0, 0.0, 0.0],
        ]
    )
    expected_outflow_by_cohort = np.array(
        [
            [1.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 4.0, 0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 6.0, 0.0, 0.0, 0.0],
        ]
    )
    # exact: 0/1 survival and small integers
    np.testing.assert_array_equal(result.stock_by_cohort, expected_stock_by_cohort)
    np.testing.assert_array_equal(result.outflow_by_cohort, expected_outflow_by_cohort)
    np.testing.assert_array_equal(result.stock, [20.0, 16.0, 10.0])
    np.testing.assert_array_equal(result.outflow, [3.0, 4.0, 6.0])
    assert result.cohorts_before == 4
    assert np.isfinite(result.stock_by_cohort).all()

    # and back: the stock-driven fleet from the same initial stock recovers the sales
    back = stock_driven([20.0, 16.0, 10.0], Fixed(3.0), initial_stock=[6.0, 4.0, 2.0, 1.0])
    np.testing.assert_array_equal(back.inflow, [10.0, 0.0, 0.0])
    np.testing.assert_array_equal(back.outflow_by_cohort, expected_outflow_by_cohort)


def test_initial_stock_with_smooth_lifetime_is_reproduced_in_year_minus_one():
    # The equivalent inflow q = stock / S(age + 1/2) reproduces the initial stock
    # one year earlier, so the year-0 outflow of an initial cohort is
    # initial * (1 - S(age + 3/2) / S(age + 1/2)).
    lifetime = LogNormal(12.0, 5.0)
    initial = np.array([100.0, 90.0, 80.0])
    result = inflow_driven(np.zeros(2), lifetime, initial_stock=initial)
    ages = np.arange(3) + 0.5
    expected_year0 = initial * lifetime.sf(ages + 1) / lifetime.sf(ages)
    # one division and one multiplication on numbers <= 100: a few ulp of 100
    np.testing.assert_allclose(
        result.stock_by_cohort[0, :3], expected_year0[::-1], rtol=0, atol=100 * 10 * EPS
    )


def test_powertrain_axis_broadcasting():
    rng = np.random.default_rng(12)
    runs, powertrains, years = 2, 3, 8
    inflow = rng.uniform(0, 1000, (runs, powertrains, years))
    mean = rng.uniform(10, 20, (runs, powertrains))
    batch = inflow_driven(inflow, Normal(mean, 4.0))
    per_run = inflow_driven(inflow, Normal(mean[:, :1], 4.0))  # (run, 1) broadcasts
    assert batch.stock_by_cohort.shape == (runs, powertrains, years, years)
    assert per_run.stock.shape == (runs, powertrains, years)
    for r in range(runs):
        for p in range(powertrains):
            alone = inflow_driven(inflow[r, p], Normal(mean[r, p], 4.0))
            # identical elementwise arithmetic; only reduction order might differ
            np.testing.assert_allclose(batch.stock[r, p], alone.stock, rtol=1e-14, atol=0)
            np.testing.assert_allclose(
                batch.outflow_by_cohort[r, p],
                alone.outflow_by_cohort,
                rtol=0,
                atol=1000 * 10 * EPS,  # flows <= 1000; a few roundings
            )
        alone_first = inflow_driven(inflow[r, 0], Normal(mean[r, 0], 4.0))
        np.testing.assert_allclose(per_run.stock[r, 0], alone_first.stock, rtol=1e-14, atol=0)


def test_one_scenario_inflow_broadcasts_over_runs_of_lifetime():
    result = inflow_driven(np.full(5, 100.0), Weibull(np.array([2.0, 3.0, 4.0]), 10.0))
    assert result.stock.shape == (3, 5)
    assert result.inflow.shape == (3, 5)


def test_batch_equals_each_run_alone_both_directions():
    rng = np.random.default_rng(7)
    runs, years = 5, 20
    inflow = rng.uniform(0, 1e5, (runs, years))
    initial = rng.uniform(0, 1e5, (runs, 4))
    shape = rng.uniform(2, 5, runs)
    scale = rng.uniform(10, 20, runs)
    batch = inflow_driven(inflow, Weibull(shape, scale), initial_stock=initial)
    back = stock_driven(batch.stock, Weibull(shape, scale), initial_stock=initial)
    for r in range(runs):
        alone = inflow_driven(inflow[r], Weibull(shape[r], scale[r]), initial_stock=initial[r])
        alone_back = stock_driven(
            alone.stock, Weibull(shape[r], scale[r]), initial_stock=initial[r]
        )
        # same arithmetic per run; 100 eps of the largest flow covers any
        # difference in reduction order (flodym's mass-balance scale)
        atol = 100 * EPS * 1e5 * years
        for name in ("inflow", "stock", "outflow", "stock_by_cohort", "outflow_by_cohort"):
            np.testing.assert_allclose(
                getattr(batch, name)[r], getattr(alone, name), rtol=0, atol=atol
            )
            np.testing.assert_allclose(
                getattr(back, name)[r], getattr(alone_back, name), rtol=0, atol=atol
            )


def test_round_trip_61_years_lognormal():
    rng = np.random.default_rng(3)
    inflow = rng.uniform(5e5, 1e6, (10, 61))
    initial = rng.uniform(1e5, 1e6, (10, 30))
    lifetime = LogNormal(rng.uniform(10, 20, 10), rng.uniform(3, 8, 10))
    forward = inflow_driven(inflow, lifetime, initial_stock=initial)
    back = stock_driven(forward.stock, lifetime, initial_stock=initial)
    # forward substitution divides by S(1/2) ~ 1 each year; measured error is
    # ~1e-15 relative, the 1e-9 target of the design leaves a wide margin
    np.testing.assert_allclose(back.inflow, inflow, rtol=1e-9, atol=0)
    np.testing.assert_allclose(back.outflow, forward.outflow, rtol=1e-9, atol=0)


def test_matrix_api_equals_lifetime_api():
    lifetime = Weibull(3.0, 14.0)
    initial = np.array([50.0, 40.0])
    inflow = np.arange(1.0, 7.0)
    survival = survival_matrix(lifetime, years=6, cohorts_before=2)
    by_lifetime = inflow_driven(inflow, lifetime, initial_stock=initial)
    by_matrix = inflow_driven_from_survival(
        inflow, survival, initial_stock=initial, initial_survival=lifetime.sf([0.5, 1.5])
    )
    # the same operations in the same order: bit-identical
    np.testing.assert_array_equal(by_lifetime.stock_by_cohort, by_matrix.stock_by_cohort)
    back = stock_driven_from_survival(
        by_matrix.stock, survival, initial_stock=initial, initial_survival=lifetime.sf([0.5, 1.5])
    )
    np.testing.assert_allclose(back.inflow, inflow, rtol=1e-12, atol=0)  # round trip, see above


def test_mass_balance_total():
    result = inflow_driven(
        np.linspace(100, 300, 15), Normal(8.0, 3.0), initial_stock=np.full(10, 100.0)
    )
    previous = np.concatenate([[1000.0], result.stock[:-1]])
    # stock differences of sums of ~15 terms of size <= 300: 100 eps * 3000
    np.testing.assert_allclose(
        result.stock - previous, result.inflow - result.outflow, rtol=0, atol=100 * EPS * 3000
    )


def test_negative_inflow_kept_by_default_and_clipped_on_request():
    # Fixed(5): nothing retires in years 0-1, so a stock fall 100 -> 10
    # needs sales of -90 in year 1.
    kept = stock_driven([100.0, 10.0], Fixed(5.0))
    np.testing.assert_array_equal(kept.inflow, [100.0, -90.0])
    np.testing.assert_array_equal(kept.stock, [100.0, 10.0])
    clipped = stock_driven([100.0, 10.0], Fixed(5.0), clip_negative_inflow=True)
    np.testing.assert_array_equal(clipped.inflow, [100.0, 0.0])
    np.testing.assert_array_equal(clipped.stock, [100.0, 100.0])  # above the target


def test_given_inflow_by_hand():
    # Fixed(2), as in the first cohort table: 10 sold in year 0 (given); the
    # stock must reach 30 and 50 in years 1 and 2, so 30 - 10 = 20, then
    # 50 - 20 = 30 (cohort 0 has retired); year 3 is given again as 0 and
    # the target there (NaN) is not used.
    nan = np.nan
    result = stock_driven([nan, 30.0, 50.0, nan], Fixed(2.0), inflow=[10.0, nan, nan, 0.0])
    np.testing.assert_array_equal(result.inflow, [10.0, 20.0, 30.0, 0.0])
    np.testing.assert_array_equal(result.stock, [10.0, 30.0, 50.0, 30.0])


def test_given_inflow_is_never_clipped_and_solved_inflow_is():
    # Fixed(5): nothing retires in years 0-2. A given -5 is kept; the
    # stock-driven year 2 needs 10 - 95 = -85, clipped to 0 on request.
    nan = np.nan
    result = stock_driven(
        [nan, nan, 10.0], Fixed(5.0), inflow=[100.0, -5.0, nan], clip_negative_inflow=True
    )
    np.testing.assert_array_equal(result.inflow, [100.0, -5.0, 0.0])
    np.testing.assert_array_equal(result.stock, [100.0, 95.0, 95.0])


def test_given_inflow_round_trip_and_runs_with_different_given_years():
    # each run has sales given in its own years and the forward stock as the
    # target elsewhere: every run gets its forward inflow back, and equals the
    # same run solved alone
    rng = np.random.default_rng(11)
    runs, years = 6, 30
    inflow = rng.uniform(5e4, 1e5, (runs, years))
    initial = rng.uniform(1e4, 1e5, (runs, 8))
    life = Weibull(rng.uniform(2, 5, runs), rng.uniform(10, 20, runs))
    forward = inflow_driven(inflow, life, initial_stock=initial)
    known = rng.random((runs, years)) < 0.5
    known[0] = True  # a run with every year given
    known[1] = False  # and one with none
    given = np.where(known, inflow, np.nan)
    target = np.where(known, np.nan, forward.stock)
    back = stock_driven(target, life, initial_stock=initial, inflow=given)
    # given years are copied exactly
    np.testing.assert_array_equal(back.inflow[known], inflow[known])
    # forward substitution as in test_round_trip_61_years_lognormal
    np.testing.assert_allclose(back.inflow, inflow, rtol=1e-9, atol=0)
    np.testing.assert_allclose(back.stock, forward.stock, rtol=1e-9, atol=0)
    for r in range(runs):
        alone = stock_driven(
            target[r],
            Weibull(life.shape[r], life.scale[r]),
            initial_stock=initial[r],
            inflow=given[r],
        )
        # same arithmetic per run up to reduction order (see
        # test_batch_equals_each_run_alone_both_directions)
        np.testing.assert_allclose(
            back.inflow[r], alone.inflow, rtol=0, atol=100 * EPS * 1e5 * years
        )


def test_outflow_by_cohort_is_inflow_times_the_retirement_matrix():
    rng = np.random.default_rng(5)
    lifetime = Weibull(rng.uniform(2, 4, 3), rng.uniform(8, 15, 3))
    initial = rng.uniform(1e3, 1e4, (3, 4))
    result = inflow_driven(rng.uniform(1e3, 1e4, (3, 9)), lifetime, initial_stock=initial)
    retirement = retirement_matrix(lifetime, 9, 4)
    # q (S_prev - S) against q S_prev - q S: a few roundings of flows <= 1e4 / S(3.5)
    np.testing.assert_allclose(
        result.outflow_by_cohort,
        result.cohort_inflow[:, None, :] * retirement,
        rtol=0,
        atol=100 * EPS * result.cohort_inflow.max(),
    )


def test_result_is_frozen():
    result = inflow_driven([1.0, 2.0, 3.0], Fixed(2.0))
    assert isinstance(result, FleetResult)
    with pytest.raises(AttributeError):
        result.stock = np.zeros(3)  # type: ignore[misc]


def test_stock_driven_without_survivors_in_sales_year_raises():
    with pytest.raises(ValueError, match=r"survival\[\.\.\., t, cohorts_before \+ t\].*got 0\.0"):
        stock_driven([1.0, 2.0], Fixed(0.5))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: inflow_driven_from_survival(np.ones(3), np.ones((3, 4))),
            r"survival must end in axes \(year, cohort\) = \(3, 3\).*got shape \(3, 4\)",
        ),
        (
            lambda: inflow_driven_from_survival(np.ones(3), np.ones((3, 3)), initial_stock=[1.0]),
            r"initial_stock was given without initial_survival",
        ),
        (
            lambda: stock_driven_from_survival(np.ones(3), np.ones((3, 3)), initial_survival=[1.0]),
            r"initial_survival was given without initial_stock",
        ),
        (
            lambda: inflow_driven_from_survival(
                np.ones(3), np.ones((3, 4)), initial_stock=[1.0], initial_survival=[1.0, 1.0]
            ),
            r"initial_survival must have 1 ages like initial_stock; got shape \(2,\)",
        ),
        (
            lambda: inflow_driven(np.ones((2, 3)), Weibull(np.ones(4), 10.0)),
            r"leading axes do not broadcast: inflow \(2,\), survival \(4,\)",
        ),
        (
            lambda: inflow_driven(5.0, Fixed(3.0)),
            r"inflow must have at least 1 axes; got shape \(\)",
        ),
        (
            lambda: stock_driven_from_survival(np.ones(3), np.ones(3)),
            r"survival must have at least 2 axes; got shape \(3,\)",
        ),
        (
            lambda: stock_driven_from_survival(np.ones(3), np.eye(3), inflow=np.ones(2)),
            r"inflow must have 3 years like stock; got shape \(2,\)",
        ),
        (
            lambda: stock_driven_from_survival(np.ones((2, 3)), np.eye(3), inflow=np.ones((4, 3))),
            r"leading axes do not broadcast: stock \(2,\), survival \(\), inflow \(4,\)",
        ),
    ],
)
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()

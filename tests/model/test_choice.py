"""The choice model's core: generalised cost and the nested logit (evhub.model.choice).

Hand-computed cases, then properties with hypothesis: shares are shares, the
calibrated constants reproduce any observed shares at any costs, a cost rise
moves share away from that choice only, and the nest collapses to a
multinomial logit when both sensitivities are equal.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from evhub.model import choice

#: Float noise of softmax and logsumexp on shares of order 1.
ATOL = 1e-12

#: Two powertrains; the first from two origins, the second from the second only.
AVAILABLE = np.array([[True, True], [False, True]])


def test_capital_recovery_repays_the_price_at_the_discount_rate() -> None:
    # 10 % over 3 years: 0.1 / (1 - 1.1**-3) = 0.402115...
    assert float(choice.capital_recovery_factor(0.1, 3.0)) == pytest.approx(
        0.1 / (1 - 1.1**-3), rel=1e-15
    )
    assert float(choice.capital_recovery_factor(0.0, 4.0)) == 0.25
    # vectorised over runs
    rates = np.array([0.0, 0.05, 0.1])
    got = choice.capital_recovery_factor(rates, 10.0)
    assert got.shape == (3,) and np.all(np.diff(got) > 0)


@given(
    rate=st.floats(1e-6, 0.5),
    years=st.floats(1.0, 30.0),
)
def test_the_discounted_payments_equal_the_price(rate: float, years: float) -> None:
    # an annuity of CRF per unit price, paid at the end of each year, is worth the price
    n = round(years)
    crf = float(choice.capital_recovery_factor(rate, float(n)))
    worth = sum(crf / (1 + rate) ** t for t in range(1, n + 1))
    assert worth == pytest.approx(1.0, rel=1e-9)


def test_a_hand_computed_nested_logit() -> None:
    cost = np.array([[[1000.0, 1500.0], [np.nan, 1200.0]]])  # (run, powertrain, origin)
    alpha_o = np.zeros((2, 2))
    alpha_p = np.array([0.0, 0.5])
    b_o, b_p = np.array([0.002]), np.array([0.001])
    share_p, share_o = choice.nested_logit(cost, alpha_o, alpha_p, b_o, b_p, AVAILABLE)
    # lower nest of the first powertrain: exp(-2) and exp(-3)
    e2, e3 = math.exp(-2.0), math.exp(-3.0)
    assert share_o[0, 0].tolist() == pytest.approx([e2 / (e2 + e3), e3 / (e2 + e3)], abs=ATOL)
    assert share_o[0, 1].tolist() == [0.0, 1.0]
    # inclusive values: -ln(e2 + e3) / 0.002 and the single cost 1200
    iv = [-math.log(e2 + e3) / 0.002, 1200.0]
    got = choice.inclusive_value(cost, alpha_o, b_o, AVAILABLE)[0]
    assert got.tolist() == pytest.approx(iv, rel=1e-14)
    u = [0.0 - 0.001 * iv[0], 0.5 - 0.001 * iv[1]]
    expected = [math.exp(x) / (math.exp(u[0]) + math.exp(u[1])) for x in u]
    assert share_p[0].tolist() == pytest.approx(expected, abs=ATOL)


def test_equal_sensitivities_give_a_multinomial_logit_over_the_pairs() -> None:
    rng = np.random.default_rng(7)
    cost = rng.uniform(500.0, 3000.0, size=(4, 2, 2))
    alpha_o = np.where(AVAILABLE, rng.normal(size=(2, 2)), -np.inf)
    alpha_p = rng.normal(size=2)
    beta = np.full(4, 0.0015)
    share_p, share_o = choice.nested_logit(cost, alpha_o, alpha_p, beta, beta, AVAILABLE)
    joint = share_p[..., None] * share_o
    util = np.where(AVAILABLE, alpha_p[:, None] + alpha_o - beta[:, None, None] * cost, -np.inf)
    flat = np.exp(util.reshape(4, -1))
    mnl = (flat / flat.sum(axis=1, keepdims=True)).reshape(4, 2, 2)
    np.testing.assert_allclose(joint, mnl, atol=ATOL)


_costs = arrays(np.float64, (3, 3, 2), elements=st.floats(100.0, 20_000.0))
_shares = arrays(np.float64, (3, 3), elements=st.floats(0.01, 1.0))
_within = arrays(np.float64, (3, 3, 2), elements=st.floats(0.01, 1.0))
_available = np.array([[True, True], [True, False], [False, True]])


@settings(max_examples=200, deadline=None)
@given(
    cost=_costs, raw_p=_shares, raw_o=_within, b_o=st.floats(1e-5, 1e-2), ratio=st.floats(0.05, 1.0)
)
def test_calibrated_constants_reproduce_any_observed_shares(
    cost, raw_p, raw_o, b_o: float, ratio: float
) -> None:
    share_p = raw_p / raw_p.sum(axis=1, keepdims=True)
    within = np.where(_available, raw_o, 0.0)
    within = within / within.sum(axis=2, keepdims=True)
    beta_o = np.full(3, b_o)
    beta_p = beta_o * ratio
    alpha_o, alpha_p = choice.calibrate_constants(share_p, within, cost, beta_o, beta_p, _available)
    got_p, got_o = choice.nested_logit(cost, alpha_o, alpha_p, beta_o, beta_p, _available)
    np.testing.assert_allclose(got_p, share_p, atol=1e-9)
    np.testing.assert_allclose(got_o, within, atol=1e-9)
    # normalised: the largest constant of each choice set is 0
    assert np.allclose(np.max(alpha_p, axis=1), 0.0)
    assert np.all(alpha_o[:, ~_available] == -np.inf)


@settings(max_examples=200, deadline=None)
@given(
    cost=_costs,
    alpha=arrays(np.float64, (3,), elements=st.floats(-3.0, 3.0)),
    b_o=st.floats(1e-5, 1e-2),
    ratio=st.floats(0.05, 1.0),
    rise=st.floats(1.0, 5_000.0),
)
def test_a_dearer_choice_loses_share_to_every_other(cost, alpha, b_o, ratio, rise) -> None:
    alpha_o = np.where(_available, 0.0, -np.inf)
    beta_o, beta_p = np.full(3, b_o), np.full(3, b_o * ratio)
    before_p, before_o = choice.nested_logit(cost, alpha_o, alpha, beta_o, beta_p, _available)
    dearer = cost.copy()
    dearer[:, 0, 0] += rise  # the first powertrain from the first origin
    after_p, after_o = choice.nested_logit(dearer, alpha_o, alpha, beta_o, beta_p, _available)
    joint_before = before_p[..., None] * before_o
    joint_after = after_p[..., None] * after_o
    # shares are shares: in [0, 1], summing to 1, nothing where not available
    for joint in (joint_before, joint_after):
        assert np.all(joint >= 0) and np.all(joint <= 1)
        np.testing.assert_allclose(joint.sum(axis=(1, 2)), 1.0, atol=ATOL)
        assert np.all(joint[:, ~_available] == 0)
    assert np.all(joint_after[:, 0, 0] <= joint_before[:, 0, 0] + ATOL)
    others = _available.copy()
    others[0, 0] = False
    assert np.all(joint_after[:, others] >= joint_before[:, others] - ATOL)


def test_a_powertrain_no_origin_supplies_has_no_share() -> None:
    available = np.array([[True, True], [False, False]])
    cost = np.full((1, 2, 2), 1000.0)
    share_p, share_o = choice.nested_logit(
        cost, np.zeros((2, 2)), np.zeros(2), np.array([1e-3]), np.array([1e-3]), available
    )
    assert share_p[0].tolist() == [1.0, 0.0]
    assert share_o[0, 1].tolist() == [0.0, 0.0]
    assert share_o[0, 0].tolist() == pytest.approx([0.5, 0.5], abs=ATOL)


@pytest.mark.parametrize(
    ("beta_o", "beta_p"),
    [(0.0, 0.0), (1e-3, 0.0), (1e-3, 2e-3), (-1e-3, -2e-3)],
)
def test_sensitivities_must_be_positive_and_nested(beta_o: float, beta_p: float) -> None:
    cost = np.full((1, 2, 2), 1000.0)
    with pytest.raises(ValueError, match="need 0 < beta_powertrain <= beta_origin"):
        choice.nested_logit(
            cost, np.zeros((2, 2)), np.zeros(2), np.array([beta_o]), np.array([beta_p]), AVAILABLE
        )


def test_a_zero_share_cannot_be_calibrated() -> None:
    cost = np.full((1, 2, 2), 1000.0)
    within = np.array([[[1.0, 0.0], [0.0, 1.0]]])  # first powertrain: none from origin 2
    with pytest.raises(ValueError, match="every available choice needs a share above 0"):
        choice.calibrate_constants(
            np.array([[0.5, 0.5]]), within, cost, np.array([1e-3]), np.array([1e-3]), AVAILABLE
        )


def test_nonfinancial_costs_fall_with_the_fleet_share() -> None:
    initial = np.array([[600.0, 400.0]])  # (run, kind): range, availability
    decay = np.array([[-20.0, -12.0]])
    shares = np.linspace(0.0, 0.5, 6)[:, None]  # (share, run)
    costs = choice.nonfinancial_cost(initial, decay, shares)
    assert costs.shape == (6, 1)
    assert costs[0, 0] == 1000.0
    assert np.all(np.diff(costs[:, 0]) < 0)
    assert costs[1, 0] == pytest.approx(600 * math.exp(-2.0) + 400 * math.exp(-1.2), rel=1e-14)


def test_inertia_moves_part_of_the_way_and_keeps_a_sum_of_one() -> None:
    previous = np.array([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6]])
    target = np.array([[0.2, 0.3, 0.5], [0.2, 0.2, 0.6]])
    kappa = np.array([0.25, 1.0])  # one per run
    got = choice.with_inertia(previous, target, kappa)
    np.testing.assert_allclose(got[0], [0.5, 0.3, 0.2], atol=ATOL)
    np.testing.assert_allclose(got[1], target[1], atol=0)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=ATOL)
    # frozen targets: the shares reach them and stay
    shares = previous
    for _ in range(200):
        shares = choice.with_inertia(shares, target, kappa)
    np.testing.assert_allclose(shares, target, atol=1e-12)


def test_the_generalised_cost_adds_its_parts() -> None:
    price = np.array([[30_000.0, 40_000.0]])  # (run, powertrain)
    got = choice.annual_cost(
        price,
        recovery=choice.capital_recovery_factor(0.0, 10.0),
        distance=12_000.0,
        energy_per_km=np.array([0.06, 0.18]),  # l/km, kWh/km
        energy_price=np.array([1.5, 0.2]),
        maintenance=np.array([500.0, 300.0]),
        annual_tax=np.array([200.0, 50.0]),
        nonfinancial=np.array([0.0, 800.0]),
    )
    # 3,000 + 1,080 + 500 + 200 and 4,000 + 432 + 300 + 50 + 800
    np.testing.assert_allclose(got, [[4780.0, 5582.0]], rtol=1e-15)

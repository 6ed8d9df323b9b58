"""The projection's choice model (evhub.model.buyers): hand-computed cases and properties.

- the purchase tax by bracket over a spread of bases, computed by hand;
- frozen costs, supply and fleet, no inertia: shares stay at the base year's;
- raising a powertrain's price never raises its share; raising the duty on an
  origin never raises its share of imports (hypothesis);
- a ban year moves the shares of powertrains without a plug to the others.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from evhub.model import buyers
from evhub.model.categories import Categories

CATS = Categories(
    ("petrol", "hev", "bev"),
    ("petrol",),
    np.array([0, 0, -1]),
    np.array([False, False, True]),
    ("far", "near"),
    (),
    (),
    battery=np.array([False, True, True]),
    groups=("ice", "hev", "bev"),
    group_of=np.array([0, 1, 2]),
    eu_cvd=np.array([False, False, True]),
    converted_from=np.array([-1, -1, -1]),
)
YEARS = np.arange(2024.0, 2031.0)
BASE = 2025
N = YEARS.size
SHARES = np.tile([0.6, 0.3, 0.1], (N, 1))  # (year, powertrain)


def _inputs(**changes: object) -> buyers.ChoiceInputs:
    grid = np.log(np.geomspace(1e3, 1e6, 200))
    fields = {
        "glider": np.array([20000.0, 24000.0, 22000.0]),
        "pack_price": 100.0,
        "tax_grid": grid,
        "tax_factor": np.full((1, 3, grid.size), 1.5),  # a flat 50 % purchase tax
        "tax_from": np.array([BASE + 1]),
        "base_tax_factor": np.full((3, grid.size), 1.5),
        "spread_mean": np.ones(3),
        "spread_nodes": np.ones((3, 1)),
        "duty": np.array([[0.0] * 3, [0.1] * 3, [0.0] * 3]),  # home, far (10 %), near
        "additional_duty": np.zeros((3, 3)),
        "exemption": np.zeros((3, 3)),
        "duty_threshold": np.zeros((3, 3)),
        "vat": 0.2,
        "fuel_price": np.array([1.5]),
        "electricity_price": 0.2,
        "maintenance": np.array([0.05, 0.05, 0.03]),
        "ownership_tax": np.array([200.0, 200.0, 100.0]),
        "capital_recovery": 0.25,
        "origin_base": np.array([[0.5, 0.25, 0.25], [0.2, 0.4, 0.4], [0.3, 0.35, 0.35]]),
        "offer_base": np.full(3, np.nan),
    }
    fields.update(changes)
    return buyers.ChoiceInputs(**fields)  # type: ignore[arg-type]


def _params(runs: int = 1, *, inertia: float = 1.0, nfc: float = 0.0) -> buyers.ChoiceParameters:
    return buyers.ChoiceParameters(
        cost_sensitivity=np.full(runs, 2e-4),
        origin_sensitivity=np.full(runs, 2.0),
        inertia=np.full(runs, inertia),
        nonfinancial_initial=np.full((runs, 3, 1), nfc),
        nonfinancial_decay=np.full((runs, 1, 1), -20.0),
    )


def _run(
    paid_extra: np.ndarray | None = None,
    duty: np.ndarray | None = None,
    *,
    inertia: float = 1.0,
    nfc: float = 0.0,
    banned: np.ndarray | None = None,
    supply_growth: float = 0.0,
) -> buyers.ChoiceResult:
    """The choice of one run with costs of the hand-made inputs, constant over the years."""
    ci = _inputs()
    base = np.broadcast_to(
        (ci.glider + np.array([0.0, 1.5, 50.0]) * 100.0)[None, :, None], (1, 3, N)
    )
    d = np.broadcast_to(ci.duty[None, :, :, None], (1, 3, 3, N)).copy()
    if duty is not None:
        d = d + duty
    paid = buyers.price_paid(
        np.ascontiguousarray(base),
        d,
        ci,
        np.ones((1, N)),
        np.zeros((1, 3, N)),
        np.full((1, N), ci.vat),
        np.zeros((1, 3, N)),
    )
    if paid_extra is not None:
        paid = paid + paid_extra
    levers = buyers.PriceLevers(np.zeros((1, N)), np.zeros((1, N)), np.zeros((1, N)))
    running = buyers.running_cost(
        np.full((1, N), 15000.0),
        np.broadcast_to(np.array([0.06, 0.045, 0.0])[None, :, None], (1, 3, N)),
        np.broadcast_to(np.array([0.0, 0.0, 0.18])[None, :, None], (1, 3, N)),
        ci,
        CATS,
        np.array([2.3]),
        levers,
    )
    costs = buyers.generalised_cost(paid, running, ci)
    b = int(np.searchsorted(YEARS, BASE))  # the choice needs the costs from the base year on
    supply = np.full((1, 3, N), 1000.0) * np.exp(supply_growth * np.maximum(YEARS - BASE, 0))
    return buyers.choose(
        YEARS,
        BASE,
        SHARES,
        np.full((1, N), 1000.0),
        np.array([[9000.0, 800.0, 200.0]]),
        np.zeros((1, N)),
        costs[..., b:],
        paid[..., b:],
        supply,
        ci.origin_base[None],
        np.zeros((1, N), bool) if banned is None else banned,
        ci,
        _params(inertia=inertia, nfc=nfc),
        CATS,
    )


def test_the_mean_duty_with_a_minimum_by_hand() -> None:
    """Values 10,000 and 30,000 (median 20,000): 10 % and 25 %, at least 6,000 (below 24,000).

    The cheap car pays 1,000 + 6,000, the dear one 3,000 + 7,500: a mean of 8,750 on a mean
    value of 20,000 is 43.75 %; 25 % without the minimum would be 35 %.
    """
    ci = _inputs(
        spread_nodes=np.tile([0.5, 1.5], (3, 1)),
        additional_duty=np.array([[0.0] * 3, [0.25] * 3, [0.0] * 3]),
        duty_threshold=np.array([[0.0] * 3, [24_000.0] * 3, [0.0] * 3]),
    )
    base = np.full((1, 3, 1), 20_000.0)
    none = np.zeros((1, 3, 3, 1))
    rate = buyers.duty_rate(base, ci, none)
    np.testing.assert_allclose(rate[0, 1, :, 0], 0.4375, rtol=1e-12)
    np.testing.assert_array_equal(rate[0, [0, 2]], 0.0)  # home and the customs union
    # a cut of 15 points keeps 10 % of additional duty and 2/5 of its minimum:
    # (1,000 + 2,400 + 3,000 + 3,000) / 2 / 20,000
    cut = np.full((1, 3, 3, 1), -0.15)
    np.testing.assert_allclose(buyers.duty_rate(base, ci, cut)[0, 1, :, 0], 0.235, rtol=1e-12)
    # cutting the whole additional duty and the duty leaves none, minimum included
    np.testing.assert_allclose(buyers.duty_rate(base, ci, cut - 0.2)[0, 1], 0.0, atol=1e-15)


def test_exempt_imports_pay_no_additional_duty_by_hand() -> None:
    """The far origin's 25 % additional duty (at least 6,000) where 60 % of its imports are exempt.

    Customs values 10,000 and 30,000 (mean 20,000): the duty 10 % (a mean of 2,000) and, on
    the 40 % not exempt, the additional duty 6,000 and 7,500 (a mean of 0.4 x 6,750 = 2,700):
    4,700 / 20,000. Without the exemption 43.75 %; an origin whose exemption is not in force
    pays it all. A cut of 15 points takes the 10 points of additional duty left and 5 of the
    duty: 5 % remains.
    """
    ci = _inputs(
        spread_nodes=np.tile([0.5, 1.5], (3, 1)),
        duty=np.array([[0.0] * 3, [0.1] * 3, [0.1] * 3]),
        additional_duty=np.array([[0.0] * 3, [0.25] * 3, [0.25] * 3]),
        exemption=np.array([[0.0] * 3, [1.0] * 3, [0.0] * 3]),
        duty_threshold=np.array([[0.0] * 3, [24_000.0] * 3, [24_000.0] * 3]),
    )
    base = np.full((1, 3, 1), 20_000.0)
    none = np.zeros((1, 3, 3, 1))
    exempt = np.full((1, 3, 3), 0.6)
    rate = buyers.duty_rate(base, ci, none, exempt)
    np.testing.assert_allclose(rate[0, 1, :, 0], 4_700 / 20_000, rtol=1e-12)
    np.testing.assert_allclose(buyers.duty_rate(base, ci, none)[0, 1], 0.4375, rtol=1e-12)
    np.testing.assert_allclose(rate[0, 2], 0.4375, rtol=1e-12)
    np.testing.assert_array_equal(rate[0, 0], 0.0)
    cut = buyers.duty_rate(base, ci, np.full((1, 3, 3, 1), -0.15), exempt)
    np.testing.assert_allclose(cut[0, 1], 0.05, rtol=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    value=st.floats(1_000.0, 100_000.0),
    low=st.floats(0.0, 1.0),
    step=st.floats(0.0, 1.0),
)
def test_a_larger_exempt_share_never_raises_the_mean_duty(
    value: float, low: float, step: float
) -> None:
    ci = _inputs(
        spread_nodes=np.tile([0.5, 1.0, 1.5], (3, 1)),
        additional_duty=np.array([[0.0] * 3, [0.25] * 3, [0.05] * 3]),
        exemption=np.array([[0.0] * 3, [1.0] * 3, [1.0] * 3]),
        duty_threshold=np.array([[0.0] * 3, [24_000.0] * 3, [0.0] * 3]),
    )
    base = np.full((1, 3, 1), value)
    none = np.zeros((1, 3, 3, 1))
    fewer = buyers.duty_rate(base, ci, none, np.full((1, 3, 3), low))
    more = buyers.duty_rate(base, ci, none, np.full((1, 3, 3), min(low + step, 1.0)))
    assert np.all(more <= fewer + 1e-12)
    assert np.all(more >= np.broadcast_to(ci.duty[None, :, :, None], more.shape) - 1e-12)


@settings(max_examples=200, deadline=None)
@given(
    value=st.floats(1_000.0, 100_000.0),
    low=st.floats(-0.5, 0.5),
    step=st.floats(0.0, 0.5),
)
def test_a_higher_duty_change_never_lowers_the_mean_duty(
    value: float, low: float, step: float
) -> None:
    ci = _inputs(
        spread_nodes=np.tile([0.5, 1.0, 1.5], (3, 1)),
        additional_duty=np.array([[0.0] * 3, [0.25] * 3, [0.05] * 3]),
        duty_threshold=np.array([[0.0] * 3, [24_000.0] * 3, [0.0] * 3]),
    )
    base = np.full((1, 3, 1), value)
    lower = buyers.duty_rate(base, ci, np.full((1, 3, 3, 1), low))
    higher = buyers.duty_rate(base, ci, np.full((1, 3, 3, 1), low + step))
    assert np.all(higher >= lower - 1e-12)
    assert np.all(lower >= 0.0)


def test_the_price_paid_by_hand() -> None:
    """Base 10,000, 10 % duty, a flat 50 % tax, 20 % VAT, a 1,000 subsidy; a 5-point rise."""
    ci = _inputs()
    paid = buyers.price_paid(
        np.full((1, 3, 1), 10000.0),
        np.broadcast_to(ci.duty[None, :, :, None], (1, 3, 3, 1)),
        ci,
        np.ones((1, 1)),
        np.full((1, 3, 1), 0.05),
        np.full((1, 1), 0.2),
        np.full((1, 3, 1), 1000.0),
    )
    # home: 10,000 x (1.5 + 0.05) x 1.2 - 1,000; far: the base is 11,000
    np.testing.assert_allclose(paid[0, 0, :, 0], [17600.0, 19460.0, 17600.0])


def test_the_tax_factor_reads_the_bracket_of_the_median_over_the_threshold_index() -> None:
    """A 20 % rate up to 15,000 and 60 % above: the factor is read at median / index."""
    grid = np.log(np.array([1e3, 14999.0, 15001.0, 1e6]))
    factor = np.tile([1.2, 1.2, 1.6, 1.6], (3, 1))
    ci = _inputs(tax_grid=grid, tax_factor=factor[None], base_tax_factor=factor)
    base = np.full((1, 3, 2), 20000.0)
    duty = np.zeros((1, 3, 3, 2))
    no = np.zeros((1, 3, 2))
    vat = np.zeros((1, 2))
    paid = buyers.price_paid(base, duty, ci, np.array([[1.0, 2.0]]), no, vat, no)
    # thresholds doubled in real terms: the 20,000 car falls to the 20 % bracket
    np.testing.assert_allclose(paid[0, 0, 0], [32000.0, 24000.0])


def test_frozen_costs_keep_the_base_year_shares() -> None:
    result = _run()
    for t in range(N):
        np.testing.assert_allclose(result.shares[0, :, t], SHARES[t], atol=1e-12)
    # the origins too: home, then the imports split half and half at the base year's costs
    after = result.origin_shares[0, :, :, -1]
    np.testing.assert_allclose(after, result.origin_shares[0, :, :, N - 3], atol=1e-12)
    np.testing.assert_allclose(after.sum(axis=1), 1.0)


def test_more_home_supply_raises_the_home_share_and_lowers_the_composite_cost() -> None:
    grown = _run(supply_growth=0.2)
    flat = _run()
    assert np.all(grown.origin_shares[0, :, 0, -1] > flat.origin_shares[0, :, 0, -1])


def test_a_powertrain_first_built_at_home_after_the_base_year_by_hand() -> None:
    """BEVs are all imported in the base year (600 of 1,000 sold); from two years after it the
    home plants supply 600 for the home market. With every origin's cost the same, home-built
    BEVs take Q / (Q + V) = 600 / (600 + 600) = half the BEVs from then on, none before; the
    other powertrains keep their base-year home shares."""
    ci = _inputs(origin_base=np.array([[0.5, 0.25, 0.25], [0.2, 0.4, 0.4], [0.0, 0.5, 0.5]]))
    b = int(np.searchsorted(YEARS, BASE))
    costs = np.full((1, 3, 3, N - b), 10_000.0)
    supply = np.full((1, 3, N), 1000.0)
    supply[:, 2] = np.where(YEARS >= BASE + 2, 600.0, 0.0)
    shares = np.array([0.3, 0.1, 0.6])
    result = buyers.choose(
        YEARS,
        BASE,
        np.tile(shares, (N, 1)),
        np.full((1, N), 1000.0),
        np.array([[9000.0, 800.0, 200.0]]),
        np.zeros((1, N)),
        costs,
        costs,
        supply,
        ci.origin_base[None],
        np.zeros((1, N), bool),
        ci,
        _params(),
        CATS,
    )
    home = result.origin_shares[0, :, 0]  # (powertrain, year from the base year)
    np.testing.assert_array_equal(home[2, :2], 0.0)  # the base year and the year after
    np.testing.assert_allclose(home[2, 2:], 0.5, rtol=1e-12)
    # the imports keep their split between them
    np.testing.assert_allclose(result.origin_shares[0, 2, 1, 2:], 0.25, rtol=1e-12)
    np.testing.assert_allclose(
        home[:2], np.broadcast_to([[0.5], [0.2]], home[:2].shape), rtol=1e-12
    )


def test_a_ban_moves_the_shares_to_the_plug_in_powertrains() -> None:
    banned = (YEARS >= 2028)[None, :]
    result = _run(banned=banned)
    np.testing.assert_allclose(result.shares[0, :, YEARS >= 2028], [[0.0, 0.0, 1.0]] * 3)
    np.testing.assert_allclose(result.shares.sum(axis=1), 1.0)


@settings(max_examples=60, deadline=None)
@given(
    powertrain=st.integers(0, 2),
    rise=st.floats(1.0, 50000.0),
    inertia=st.floats(0.1, 1.0),
    nfc=st.floats(0.0, 5000.0),
)
def test_raising_a_powertrains_price_never_raises_its_share(
    powertrain: int, rise: float, inertia: float, nfc: float
) -> None:
    extra = np.zeros((1, 3, 3, N))
    extra[:, powertrain, :, YEARS > BASE] = rise
    before = _run(inertia=inertia, nfc=nfc).shares[0, powertrain]
    after = _run(extra, inertia=inertia, nfc=nfc).shares[0, powertrain]
    assert np.all(after <= before + 1e-12)
    assert after[-1] < before[-1]


@settings(max_examples=60, deadline=None)
@given(
    origin=st.integers(1, 2),
    rise=st.floats(0.01, 5.0),
    powertrains=st.lists(st.booleans(), min_size=3, max_size=3).filter(any),
)
def test_raising_the_duty_on_an_origin_never_raises_its_share_of_imports(
    origin: int, rise: float, powertrains: list[bool]
) -> None:
    duty = np.zeros((1, 3, 3, N))
    duty[:, origin, np.array(powertrains), :] = rise
    duty[..., YEARS <= BASE] = 0.0

    def share_of_imports(result: buyers.ChoiceResult) -> np.ndarray:
        sales = result.shares[0][:, None, YEARS >= BASE]  # (pt, 1, year from the base year)
        bought = (sales * result.origin_shares[0][:, 1:, :]).sum(axis=0)  # (import origin, year)
        return np.asarray(bought[origin - 1] / bought.sum(axis=0))

    before = share_of_imports(_run())
    after = share_of_imports(_run(duty=duty))
    assert np.all(after <= before + 1e-12)
    assert after[-1] < before[-1]


def test_fleet_shares_keep_the_total_of_survivors_and_sales() -> None:
    held = buyers.fleet_shares(np.array([[100.0, 50.0]]), np.array([[10.0, 0.0]]), np.array([0.2]))
    np.testing.assert_allclose(held, [[90.0, 40.0]])


def test_the_base_year_is_taxed_by_the_law_whatever_the_schedule_after_it() -> None:
    ci = _inputs(tax_factor=np.full((1, 3, 200), 2.0))  # the scenario's: a flat 100 %
    base = np.full((1, 3, 2), 10000.0)
    no = np.zeros((1, 3, 2))
    paid = buyers.price_paid(
        base,
        np.zeros((1, 3, 3, 2)),
        ci,
        np.ones((1, 2)),
        no,
        np.zeros((1, 2)),
        no,
        step=buyers.tax_steps(ci.tax_from, np.array([BASE, BASE + 1.0])),
    )
    np.testing.assert_allclose(paid[0, 0, 0], [15000.0, 20000.0])


def test_each_year_is_taxed_by_the_schedule_in_force_from_its_first_year() -> None:
    """Law 50 %, then 100 % from the base year + 1, then 20 % from + 3: by hand."""
    factor = np.stack([np.full((3, 200), 2.0), np.full((3, 200), 1.2)])
    ci = _inputs(tax_factor=factor, tax_from=np.array([BASE + 1, BASE + 3]))
    years = np.arange(BASE, BASE + 5.0)
    no = np.zeros((1, 3, years.size))
    paid = buyers.price_paid(
        np.full((1, 3, years.size), 10000.0),
        np.zeros((1, 3, 3, years.size)),
        ci,
        np.ones((1, years.size)),
        no,
        np.zeros((1, years.size)),
        no,
        step=buyers.tax_steps(ci.tax_from, years),
    )
    np.testing.assert_allclose(paid[0, 0, 0], [15000.0, 20000.0, 20000.0, 12000.0, 12000.0])


def test_a_cut_of_the_rates_takes_the_tax_to_zero_at_most() -> None:
    """A flat 50 % tax cut by 80 points: the price is the pre-tax one, not less."""
    ci = _inputs()
    no = np.zeros((1, 3, 1))
    paid = buyers.price_paid(
        np.full((1, 3, 1), 10000.0),
        np.zeros((1, 3, 3, 1)),
        ci,
        np.ones((1, 1)),
        np.full((1, 3, 1), -0.8),
        np.zeros((1, 1)),
        no,
    )
    np.testing.assert_allclose(paid[0, :, :, 0], 10000.0)

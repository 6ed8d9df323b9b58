"""Property tests of evhub.model.fleet (hypothesis).

Tolerances are scaled to ``100 * eps * scale`` where ``scale`` bounds the
flows and stocks in a case (flodym's mass-balance tolerance): every checked
identity holds exactly in real arithmetic and is off only by a few roundings
of numbers no larger than ``scale``.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from evhub.model.fleet import inflow_driven, stock_driven
from evhub.model.lifetime import Fixed, LogNormal, Normal, Weibull

EPS = np.finfo(np.float64).eps
MAX_FLOW = 1e6  # upper bound of generated sales and initial stocks [veh/yr], [veh]
# few examples with small arrays keep each test well under 2 s
SETTINGS = settings(max_examples=100, deadline=None)

positive = {"allow_nan": False, "allow_infinity": False}


@st.composite
def lifetimes(draw, runs):
    """A lifetime with per-run parameters, S(1/2) not tiny (sales survive their year)."""
    kind = draw(st.sampled_from(["normal", "lognormal", "weibull", "fixed"]))

    def per_run(low, high):
        return draw(arrays(np.float64, (runs,), elements=st.floats(low, high, **positive)))

    if kind == "normal":
        return Normal(per_run(5.0, 30.0), per_run(1.0, 5.0))
    if kind == "lognormal":
        return LogNormal(per_run(5.0, 30.0), per_run(1.0, 15.0))
    if kind == "weibull":
        return Weibull(per_run(1.0, 6.0), per_run(5.0, 30.0))
    return Fixed(per_run(1.0, 30.0))


@st.composite
def fleets(draw):
    """Inflow (run, year), a lifetime and an optional initial stock (run, age)."""
    runs = draw(st.integers(1, 3))
    years = draw(st.integers(1, 15))
    flows = st.floats(0.0, MAX_FLOW, **positive)
    inflow = draw(arrays(np.float64, (runs, years), elements=flows))
    ages = draw(st.integers(0, 6))
    initial = draw(arrays(np.float64, (runs, ages), elements=flows)) if ages else None
    return inflow, draw(lifetimes(runs)), initial


def _scale(inflow, initial):
    """Bound on all stocks and flows of a case: everything ever sold or initially there."""
    total = inflow.sum(axis=-1).max(initial=0.0)
    if initial is not None:
        total += initial.sum(axis=-1).max(initial=0.0)
    return max(total, 1.0)


@SETTINGS
@given(fleets())
def test_stock_change_is_inflow_minus_outflow_by_cohort(case):
    inflow, lifetime, initial = case
    result = inflow_driven(inflow, lifetime, initial_stock=initial)
    before = result.cohorts_before
    years = inflow.shape[-1]
    previous = np.zeros_like(result.stock_by_cohort)
    previous[..., 1:, :] = result.stock_by_cohort[..., :-1, :]
    if initial is not None:
        previous[..., 0, :before] = initial[..., ::-1]
    inflow_by_cohort = np.zeros_like(result.stock_by_cohort)
    t = np.arange(years)
    inflow_by_cohort[..., t, before + t] = inflow
    atol = 100 * EPS * _scale(inflow, initial)  # see module docstring
    np.testing.assert_allclose(
        result.stock_by_cohort - previous,
        inflow_by_cohort - result.outflow_by_cohort,
        rtol=0,
        atol=atol,
    )
    previous_total = np.concatenate(
        [previous[..., 0, :].sum(axis=-1, keepdims=True), result.stock[..., :-1]], axis=-1
    )
    np.testing.assert_allclose(
        result.stock - previous_total, result.inflow - result.outflow, rtol=0, atol=atol
    )


@SETTINGS
@given(fleets())
def test_no_negative_stocks_or_outflows(case):
    inflow, lifetime, initial = case
    result = inflow_driven(inflow, lifetime, initial_stock=initial)
    # q * S with q, S >= 0 is exactly >= 0
    assert (result.stock_by_cohort >= 0).all()
    # an outflow is a difference of two cohort stocks; when S barely falls
    # between two ages, rounding may leave a few ulp below 0
    atol = 100 * EPS * _scale(inflow, initial)
    assert (result.outflow_by_cohort >= -atol).all()
    assert (result.outflow >= -atol).all()


@SETTINGS
@given(fleets())
def test_round_trip_recovers_inflow(case):
    inflow, lifetime, initial = case
    forward = inflow_driven(inflow, lifetime, initial_stock=initial)
    back = stock_driven(forward.stock, lifetime, initial_stock=initial)
    # design target 1e-9 relative to the largest flow: forward substitution
    # divides by S(1/2) (>= 0.8 here) once per year over <= 15 years, so the
    # error stays many orders of magnitude below this
    scale = _scale(inflow, initial)
    np.testing.assert_allclose(back.inflow, inflow, rtol=0, atol=1e-9 * scale)
    np.testing.assert_allclose(back.stock, forward.stock, rtol=0, atol=1e-9 * scale)
    np.testing.assert_allclose(
        back.outflow_by_cohort, forward.outflow_by_cohort, rtol=0, atol=1e-9 * scale
    )


@SETTINGS
@given(fleets())
def test_totals_equal_sum_of_parts(case):
    inflow, lifetime, initial = case
    result = inflow_driven(inflow, lifetime, initial_stock=initial)
    # totals are computed directly (matrix-vector product, then the balance);
    # the cohort sums differ only by summation order and rounding
    atol = 100 * EPS * _scale(inflow, initial)
    np.testing.assert_allclose(result.stock, result.stock_by_cohort.sum(axis=-1), rtol=0, atol=atol)
    np.testing.assert_allclose(
        result.outflow, result.outflow_by_cohort.sum(axis=-1), rtol=0, atol=atol
    )
    # pyam-style aggregate: with one lifetime for all runs, the fleet is linear
    # in its sales, so the fleet of the summed sales is the sum of the fleets
    one = _first_run(lifetime)
    parts = inflow_driven(inflow, one, initial_stock=initial)
    whole = inflow_driven(
        inflow.sum(axis=0),
        one,
        initial_stock=None if initial is None else initial.sum(axis=0),
    )
    atol *= inflow.shape[0]  # the sum over runs adds one rounding per run
    np.testing.assert_allclose(parts.stock.sum(axis=0), whole.stock, rtol=0, atol=atol)
    np.testing.assert_allclose(parts.outflow.sum(axis=0), whole.outflow, rtol=0, atol=atol)


@SETTINGS
@given(fleets())
def test_single_run_equals_same_run_in_ensemble(case):
    inflow, lifetime, initial = case
    ensemble = inflow_driven(inflow, lifetime, initial_stock=initial)
    alone = inflow_driven(
        inflow[-1], _run(lifetime, -1), initial_stock=None if initial is None else initial[-1]
    )
    atol = 100 * EPS * _scale(inflow, initial)  # only reduction order may differ
    np.testing.assert_allclose(ensemble.stock[-1], alone.stock, rtol=0, atol=atol)
    np.testing.assert_allclose(
        ensemble.outflow_by_cohort[-1], alone.outflow_by_cohort, rtol=0, atol=atol
    )


def _run(lifetime, index):
    """The lifetime of one run, as scalars."""
    if isinstance(lifetime, Normal):
        return Normal(lifetime.mean[index], lifetime.sd[index])
    if isinstance(lifetime, LogNormal):
        return LogNormal(lifetime.mean[index], lifetime.sd[index])
    if isinstance(lifetime, Weibull):
        return Weibull(lifetime.shape[index], lifetime.scale[index])
    return Fixed(lifetime.years[index])


def _first_run(lifetime):
    return _run(lifetime, 0)

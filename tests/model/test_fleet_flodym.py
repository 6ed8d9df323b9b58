"""Cross-check of evhub.model.fleet against flodym's dynamic stock models.

flodym (https://github.com/pik-piam/flodym, the successor of ODYM) is an
independent implementation of the same cohort maths: its ``LifetimeModel``
with the default ``inflow_at="middle"`` evaluates the survival of cohort ``c``
at the end of year ``t`` at age ``t - c + 1/2``, exactly our convention.

flodym has no initial stock in its dynamic stock models, so these cases start
from an empty fleet. Extra dimensions: flodym puts time first and any others
after it, ``(t, s)``, with the cohort axis second, ``(t, c, s)``; lifetime
parameters may vary over the extra dimension via a ``FlodymArray``. We compare
after moving the scenario axis to the front.

Tolerance: flodym evaluates the same scipy survival functions at the same
(exactly representable) half-integer ages, so stocks by cohort agree to an
ulp. Flows are formed differently (flodym: ``inflow * (sf[t-1] - sf[t])``;
evhub: difference of the two cohort stocks) and totals are summed in a
different order, so differences are a few roundings of numbers of size
max|flow|. We use ``rtol = 1e-9`` with an absolute floor of
``100 * eps * max|flow|`` (flodym's own mass-balance scale): small outflows in
the first years carry absolute, not relative, rounding errors.
"""

import flodym as fd
import numpy as np
import pytest

from evhub.model.fleet import inflow_driven, stock_driven
from evhub.model.lifetime import Fixed, LogNormal, Normal, Weibull

EPS = np.finfo(np.float64).eps
RTOL = 1e-9  # design target of the evhub/flodym agreement, see module docstring
FIRST_YEAR = 2000  # label of the first model year for flodym's time dimension
YEARS = 61


def _flodym_lifetime(lifetime, dims, scenario_dims):
    """The flodym lifetime model matching an evhub lifetime."""

    def prm(value):
        value = np.asarray(value, dtype=float)
        if value.ndim == 0:
            return float(value)
        return fd.FlodymArray(dims=scenario_dims, values=value)

    if isinstance(lifetime, Normal):
        return fd.NormalLifetime(dims=dims, mean=prm(lifetime.mean), std=prm(lifetime.sd))
    if isinstance(lifetime, LogNormal):
        return fd.LogNormalLifetime(dims=dims, mean=prm(lifetime.mean), std=prm(lifetime.sd))
    if isinstance(lifetime, Weibull):
        return fd.WeibullLifetime(
            dims=dims, weibull_shape=prm(lifetime.shape), weibull_scale=prm(lifetime.scale)
        )
    return fd.FixedLifetime(dims=dims, mean=prm(lifetime.years))


def _dims(years, scenarios):
    time = fd.Dimension(name="time", letter="t", items=list(range(FIRST_YEAR, FIRST_YEAR + years)))
    if scenarios is None:
        return fd.DimensionSet(dim_list=[time]), None
    scenario = fd.Dimension(name="scenario", letter="s", items=list(range(scenarios)))
    return fd.DimensionSet(dim_list=[time, scenario]), fd.DimensionSet(dim_list=[scenario])


def _flodym(kind, values, lifetime):
    """Run flodym; ``values`` is (year,) or (scenario, year); results in evhub axis order."""
    scenarios = None if values.ndim == 1 else values.shape[0]
    dims, scenario_dims = _dims(values.shape[-1], scenarios)
    model = _flodym_lifetime(lifetime, dims, scenario_dims)
    array = fd.StockArray(dims=dims, values=np.ascontiguousarray(values.T))
    if kind == "inflow":
        dsm = fd.InflowDrivenDSM(dims=dims, lifetime_model=model, inflow=array)
    else:
        dsm = fd.StockDrivenDSM(dims=dims, lifetime_model=model, stock=array)
    dsm.compute()
    # flodym: (t, ...) and (t, c, ...); evhub: (..., t) and (..., t, c)
    return {
        "inflow": np.moveaxis(dsm.inflow.values, 0, -1),
        "stock": np.moveaxis(dsm.stock.values, 0, -1),
        "outflow": np.moveaxis(dsm.outflow.values, 0, -1),
        "stock_by_cohort": np.moveaxis(dsm.get_stock_by_cohort(), (0, 1), (-2, -1)),
        "outflow_by_cohort": np.moveaxis(dsm.get_outflow_by_cohort(), (0, 1), (-2, -1)),
    }


def _assert_agrees(ours, theirs):
    scale = max(np.max(np.abs(theirs["inflow"])), np.max(np.abs(theirs["stock"])))
    atol = 100 * EPS * scale  # see module docstring
    for name, expected in theirs.items():
        np.testing.assert_allclose(
            getattr(ours, name), expected, rtol=RTOL, atol=atol, err_msg=name
        )


LIFETIMES = {
    "normal": Normal(15.0, 5.0),
    "lognormal": LogNormal(14.0, 6.0),
    "weibull": Weibull(3.0, 16.0),
    "fixed": Fixed(12.0),
    "fixed_fractional": Fixed(7.5),  # age 7.5 is already retired (strict <)
}


def _inflow(shape):
    # a ramp with noise and a dip, so that both growing and shrinking stocks occur
    rng = np.random.default_rng(2024)
    years = np.arange(shape[-1])
    base = 5e5 + 1e4 * years - 4e5 * np.exp(-(((years - 40) / 6.0) ** 2))
    return base * rng.uniform(0.8, 1.2, shape)


@pytest.mark.parametrize("name", list(LIFETIMES))
def test_inflow_driven_matches_flodym(name):
    lifetime = LIFETIMES[name]
    inflow = _inflow((YEARS,))
    _assert_agrees(inflow_driven(inflow, lifetime), _flodym("inflow", inflow, lifetime))


@pytest.mark.parametrize("name", list(LIFETIMES))
def test_stock_driven_matches_flodym(name):
    lifetime = LIFETIMES[name]
    stock = inflow_driven(_inflow((YEARS,)), lifetime).stock
    _assert_agrees(stock_driven(stock, lifetime), _flodym("stock", stock, lifetime))


SCENARIO_LIFETIMES = {
    "normal": Normal(np.array([10.0, 15.0, 20.0]), np.array([3.0, 5.0, 4.0])),
    "lognormal": LogNormal(np.array([10.0, 14.0, 18.0]), np.array([4.0, 6.0, 3.0])),
    "weibull": Weibull(np.array([2.0, 3.0, 5.0]), np.array([12.0, 16.0, 20.0])),
    "fixed": Fixed(np.array([5.0, 10.0, 14.5])),
}


@pytest.mark.parametrize("name", list(SCENARIO_LIFETIMES))
def test_scenario_dimension_matches_flodym(name):
    # evhub's leading run axis against a flodym DSM over a (time, scenario) array
    lifetime = SCENARIO_LIFETIMES[name]
    inflow = _inflow((3, YEARS))
    forward = inflow_driven(inflow, lifetime)
    _assert_agrees(forward, _flodym("inflow", inflow, lifetime))
    _assert_agrees(stock_driven(forward.stock, lifetime), _flodym("stock", forward.stock, lifetime))


def test_survival_matrix_equals_flodym_sf():
    # the matrices themselves, including the t == c diagonal S(1/2) and zeros above it
    from evhub.model.lifetime import survival_matrix

    lifetime = SCENARIO_LIFETIMES["weibull"]
    dims, scenario_dims = _dims(YEARS, 3)
    theirs = np.moveaxis(_flodym_lifetime(lifetime, dims, scenario_dims).sf, (0, 1), (-2, -1))
    # same scipy call on the same half-integer ages: agreement to an ulp
    np.testing.assert_allclose(survival_matrix(lifetime, YEARS), theirs, rtol=1e-15, atol=0)


def test_retirement_matrix_equals_flodym_pdf():
    # flodym's outflow pdf: 1 - sf on the diagonal, the fall of sf below it
    from evhub.model.lifetime import retirement_matrix

    lifetime = SCENARIO_LIFETIMES["weibull"]
    dims, scenario_dims = _dims(YEARS, 3)
    theirs = np.moveaxis(_flodym_lifetime(lifetime, dims, scenario_dims).pdf, (0, 1), (-2, -1))
    # differences of survivals that agree to an ulp (see above): EPS absolute
    np.testing.assert_allclose(retirement_matrix(lifetime, YEARS), theirs, rtol=0, atol=2 * EPS)

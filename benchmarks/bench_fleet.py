"""Benchmark: evhub's inflow-driven fleet against flodym's InflowDrivenDSM.

Both are timed in the same process on the same inputs, including building the
survival matrix from the lifetime parameters (flodym computes its ``sf`` lazily
inside ``compute``, so a fresh lifetime model is built per repeat). flodym
always computes stock and outflow by cohort; evhub computes totals eagerly and
the by-cohort arrays on first access, so it is timed both ways.

Cases
-----
a. one scenario, 61 years, Weibull lifetime;
b. 1,000 scenarios with per-scenario Weibull parameters: evhub with a leading
   run axis; flodym with one DSM over a (time, scenario) array (flodym supports
   extra dimensions after time, with lifetime parameters given as a
   ``FlodymArray`` over the scenario dimension); and, for reference, flodym with
   one DSM per scenario in a Python loop (timed on a subset and reported per
   scenario).

The lifetime parameters are illustrative, not data.

Run ``python benchmarks/bench_fleet.py`` to print a table.
"""

from __future__ import annotations

import statistics
import timeit
from collections.abc import Callable

import flodym as fd
import numpy as np

from evhub.model.fleet import inflow_driven
from evhub.model.lifetime import Weibull

YEARS = 61
FIRST_YEAR = 2000
SCENARIOS = 1000
LOOP_SUBSET = 50  # scenarios timed in flodym's one-DSM-per-scenario loop
REPEATS = 7


def _inputs(scenarios: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    inflow = rng.uniform(4e5, 1e6, (scenarios, YEARS))
    shape = rng.uniform(2.0, 5.0, scenarios)
    scale = rng.uniform(12.0, 22.0, scenarios)
    return inflow, shape, scale


def _evhub(inflow, shape, scale):
    """Totals only (the by-cohort arrays of FleetResult are lazy)."""
    return lambda: inflow_driven(inflow, Weibull(shape, scale))


def _evhub_by_cohort(inflow, shape, scale):
    """Totals and both by-cohort arrays, like flodym's DSM computes."""

    def run_once():
        result = inflow_driven(inflow, Weibull(shape, scale))
        return result.stock_by_cohort, result.outflow_by_cohort

    return run_once


def _flodym_dsm(inflow, shape, scale):
    """One flodym DSM; inflow (year,) or (scenario, year)."""
    time = fd.Dimension(name="time", letter="t", items=list(range(FIRST_YEAR, FIRST_YEAR + YEARS)))
    if inflow.ndim == 1:
        dims = fd.DimensionSet(dim_list=[time])
        params = {"weibull_shape": float(shape), "weibull_scale": float(scale)}
    else:
        scenario = fd.Dimension(name="scenario", letter="s", items=list(range(inflow.shape[0])))
        dims = fd.DimensionSet(dim_list=[time, scenario])
        scenario_dims = fd.DimensionSet(dim_list=[scenario])
        params = {
            "weibull_shape": fd.FlodymArray(dims=scenario_dims, values=shape),
            "weibull_scale": fd.FlodymArray(dims=scenario_dims, values=scale),
        }
    values = np.ascontiguousarray(inflow.T)

    def run_once():
        lifetime = fd.WeibullLifetime(dims=dims, **params)
        dsm = fd.InflowDrivenDSM(
            dims=dims, lifetime_model=lifetime, inflow=fd.StockArray(dims=dims, values=values)
        )
        dsm.compute()
        return dsm

    return run_once


def _flodym_loop(inflow, shape, scale):
    runs = [_flodym_dsm(inflow[i], shape[i], scale[i]) for i in range(inflow.shape[0])]
    return lambda: [run_once() for run_once in runs]


def _median_ms(function: Callable[[], object], repeats: int) -> float:
    function()  # warm-up (imports, caches, page faults)
    times = timeit.Timer(function).repeat(repeat=repeats, number=1)
    return 1e3 * statistics.median(times)


def run(print_fn: Callable[[str], None] | None = None, repeats: int = REPEATS) -> list[dict]:
    """Time the cases; return one row per (case, implementation), optionally print a table."""
    one = _inputs(1)
    single = (one[0][0], one[1][0], one[2][0])
    many = _inputs(SCENARIOS)
    subset = tuple(a[:LOOP_SUBSET] for a in many)
    cases = [
        ("a: 1 scenario", "evhub, totals", 1, _evhub(*single)),
        ("a: 1 scenario", "evhub, totals + by-cohort arrays", 1, _evhub_by_cohort(*single)),
        ("a: 1 scenario", "flodym InflowDrivenDSM", 1, _flodym_dsm(*single)),
        (f"b: {SCENARIOS} scenarios", "evhub, run axis, totals", SCENARIOS, _evhub(*many)),
        (
            f"b: {SCENARIOS} scenarios",
            "evhub, run axis, totals + by-cohort arrays",
            SCENARIOS,
            _evhub_by_cohort(*many),
        ),
        (
            f"b: {SCENARIOS} scenarios",
            "flodym, one DSM over (time, scenario)",
            SCENARIOS,
            _flodym_dsm(*many),
        ),
        (
            f"b: {SCENARIOS} scenarios",
            f"flodym, loop of 1-scenario DSMs ({LOOP_SUBSET} timed)",
            LOOP_SUBSET,
            _flodym_loop(*subset),
        ),
    ]
    rows = []
    for case, implementation, scenarios, function in cases:
        total = _median_ms(function, repeats)
        rows.append(
            {
                "case": case,
                "implementation": implementation,
                "scenarios": scenarios,
                "ms_total": total,
                "ms_per_scenario": total / scenarios,
            }
        )
    if print_fn is not None:
        print_fn(f"{'case':<18} {'implementation':<45} {'ms total':>10} {'ms/scenario':>12}")
        for row in rows:
            print_fn(
                f"{row['case']:<18} {row['implementation']:<45} "
                f"{row['ms_total']:>10.3f} {row['ms_per_scenario']:>12.5f}"
            )
        print_fn(f"(median of {repeats} repeats, {YEARS} years, Weibull lifetime)")
    return rows


if __name__ == "__main__":
    run(print)

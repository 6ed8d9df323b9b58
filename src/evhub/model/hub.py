r"""The hub half of the chain: pipeline -> capacity -> production -> trade and cells.

Pure functions on arrays with a leading ``run`` axis. A *project* is one row
of the pipeline registry (a plant, a line or a plan); ``weight`` is how much
of it is realised in a run: its stage probability in a deterministic run
(the expected capacity), 0 or 1 in a sampled one.

Conventions
-----------
- Year ``t`` stands for the calendar year; a project starting at (possibly
  fractional) year :math:`s` is in its first year of operation in year
  :math:`\lfloor s \rfloor`: its *year of operation* in year :math:`t` is
  :math:`\tau = t - s + 1`.
- The ramp curve :math:`r_k` is the share of nameplate usable in year of
  operation :math:`k = 1..K`, linear between whole years and :math:`r_K`
  after; :math:`r(\tau \le 0) = 0`. A project producing before the model
  years has :math:`s = -\infty` (full capacity throughout).
- Output classes of a vehicle plant are ``ice``, ``hev``, ``phev``, ``bev``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "CLASSES",
    "ORIGINS",
    "STAGES",
    "cell_balance",
    "effective_start",
    "employment",
    "eu_export_share",
    "investment",
    "origin_shares",
    "production",
    "ramp_share",
    "trade_split",
    "usable_capacity",
]

F = NDArray[np.float64]

#: Project stages, in order of maturity.
STAGES = (
    "interest",
    "talks",
    "mou",
    "announced",
    "construction",
    "ramping",
    "operating",
    "cancelled",
)
#: Output classes of vehicle plants (the sales powertrains petrol, diesel and LPG are ``ice``).
CLASSES = ("ice", "hev", "phev", "bev")
#: Origins of imported cars.
ORIGINS = ("china", "eu", "other")


def effective_start(
    announced: F, stage_year: F, lead_time: F, delay: F, producing: NDArray[np.bool_]
) -> F:
    r"""Year production starts in each run [yr].

    Parameters
    ----------
    announced : (run, project)
        Announced start [yr]; NaN if none was published.
    stage_year : (project,)
        Year the stage was last confirmed [yr].
    lead_time : (run, project)
        Years from the stage date to the start, used where no start is
        published [yr].
    delay : (run, project)
        Delay beyond the announced (or lead-time) start [yr].
    producing : (project,)
        Producing before the model years: where no start is announced, these
        start at :math:`-\infty` (full capacity throughout).

    Returns
    -------
    (run, project)
        :math:`s = (s_0 \text{ or } y_\mathrm{stage} + L) + d`.

    Examples
    --------
    >>> import numpy as np
    >>> effective_start(np.array([[2026.0, np.nan, np.nan]]), np.array([2024.0, 2024, 2020]),
    ...                 np.array([[3.0, 4, 0]]), np.array([[1.0, 2, 0]]),
    ...                 np.array([False, False, True])).tolist()
    [[2027.0, 2030.0, -inf]]
    """
    unknown = np.isnan(announced)
    start = np.where(unknown, stage_year[None, :] + lead_time, announced) + delay
    out: F = np.where(unknown & producing[None, :], -np.inf, start)
    return out


def ramp_share(years: F, start: F, ramp: F) -> F:
    """Share of nameplate usable each year [1].

    Parameters
    ----------
    years : (year,)
        Model years [yr].
    start : (run, project)
        Start of production [yr]; ``-inf`` for plants producing throughout.
    ramp : (run, K)
        Share of nameplate in years of operation 1..K [1].

    Returns
    -------
    (run, project, year)

    Examples
    --------
    >>> import numpy as np
    >>> ramp_share(np.array([2025.0, 2026, 2027, 2028]), np.array([[2026.0]]),
    ...            np.array([[0.5, 1.0]]))[0, 0].tolist()
    [0.0, 0.5, 1.0, 1.0]
    """
    runs, k = ramp.shape
    knots = np.concatenate([np.zeros((runs, 1)), ramp], axis=1)  # (run, K+1): r(0)=0
    tau = years[None, None, :] - start[:, :, None] + 1.0
    tau = np.clip(np.nan_to_num(tau, nan=0.0, posinf=float(k)), 0.0, float(k))
    low = np.minimum(np.floor(tau).astype(np.intp), k)
    high = np.minimum(low + 1, k)
    frac = tau - low
    index = np.arange(runs)[:, None, None]
    out: F = knots[index, low] * (1.0 - frac) + knots[index, high] * frac
    return out


def usable_capacity(nameplate: F, weight: F, share: F, replaces: NDArray[np.intp]) -> F:
    r"""Usable capacity of every project [veh/yr or GWh/yr].

    Parameters
    ----------
    nameplate : (project,)
        Capacity when complete; 0 where not known.
    weight : (run, project)
        Realised share of the project [1].
    share : (run, project, year)
        Ramp share (:func:`ramp_share`) [1].
    replaces : (project,)
        Index of the project whose capacity a line takes over (a conversion
        inside an existing plant), -1 for none.

    Returns
    -------
    (run, project, year)
        :math:`C_{p,t} = w_p K_p r_p(t) - \sum_{c: \mathrm{replaces}(c) = p} C_{c,t}`,
        never negative.
    """
    gross = nameplate[None, :, None] * weight[:, :, None] * share
    n = nameplate.shape[0]
    transfer = np.eye(n)
    for child, parent in enumerate(replaces):
        if parent >= 0:
            transfer[parent, child] = -1.0
    out: F = np.maximum(np.einsum("pq,rqy->rpy", transfer, gross), 0.0)
    return out


def production(capacity: F, utilisation: F, mix: F) -> F:
    """Production by output class [veh/yr].

    Parameters
    ----------
    capacity : (run, project, year)
        Usable capacity of vehicle plants [veh/yr] (0 for other projects).
    utilisation : (run, year)
        Share of usable capacity used [1].
    mix : (project, class)
        Output mix of each plant [1].

    Returns
    -------
    (run, class, year)
    """
    out: F = np.einsum("rpy,pc->rcy", capacity, mix) * utilisation[:, None, :]
    return out


def trade_split(made: F, sales: F, export_share: F) -> tuple[F, F, F]:
    r"""Split production and sales into domestic-made sales, exports and imports.

    Parameters
    ----------
    made : (run, class, year)
        Production [veh/yr].
    sales : (run, class, year)
        Domestic sales [veh/yr].
    export_share : (run, year)
        Share of production plants aim to export [1].

    Returns
    -------
    domestic, exports, imports : (run, class, year)
        [veh/yr]. Plants sell :math:`D = \min((1 - x) P, \sum_c \min(P_c, S_c))`
        at home, spread over the classes as
        :math:`D_c = \min(\lambda P_c, P_c, S_c)` with one :math:`\lambda` per
        run and year: the same share of each class's output, except that no
        class sells more at home than the market buys. The rest is exported:
        :math:`E = P - D` and imports fill the sales, :math:`M = S - D`, so
        both identities hold exactly for every class.

    Examples
    --------
    Half of the output is for the home market, which buys only 10 HEVs:

    >>> import numpy as np
    >>> made = np.array([[[60.0], [40.0]]])      # (run, class, year)
    >>> sales = np.array([[[100.0], [10.0]]])
    >>> d, e, m = trade_split(made, sales, np.array([[0.5]]))
    >>> d[0, :, 0].tolist(), e[0, :, 0].tolist(), m[0, :, 0].tolist()
    ([40.0, 10.0], [20.0, 30.0], [60.0, 0.0])
    """
    cap = np.minimum(made, sales)  # the most of each class the home market takes
    wanted = np.minimum((1.0 - export_share) * made.sum(axis=1), cap.sum(axis=1))  # (run, year)
    # f(lam) = sum_c min(lam P_c, cap_c) is piecewise linear with knees at cap_c / P_c
    knee = np.divide(cap, made, out=np.ones_like(made), where=made > 0)
    order = np.argsort(knee, axis=1)
    k = np.take_along_axis(knee, order, axis=1)
    p = np.take_along_axis(made, order, axis=1)
    below = np.cumsum(p * k, axis=1) - p * k  # output of the classes saturated before knee j
    above = np.flip(np.cumsum(np.flip(p, axis=1), axis=1), axis=1)  # output of the others
    at_knee = below + k * above  # f(k_j)
    j = np.argmax(at_knee >= wanted[:, None, :] * (1.0 - 1e-12), axis=1)[:, None, :]
    low, rest = np.take_along_axis(below, j, 1)[:, 0], np.take_along_axis(above, j, 1)[:, 0]
    lam = np.divide(wanted - low, rest, out=np.take_along_axis(k, j, 1)[:, 0], where=rest > 0)
    domestic = np.minimum(lam[:, None, :] * made, cap)
    return domestic, made - domestic, sales - domestic


def origin_shares(base: F, duty: F, base_duty: F, elasticity: F) -> F:
    r"""Origin split of imports under changed duties [1].

    Parameters
    ----------
    base : (origin,)
        Observed origin shares of imports in the base year [1].
    duty : (run, origin, year)
        Duty on cars from each origin [1 = 100 %].
    base_duty : (origin,)
        Duty in the base year [1].
    elasticity : (run,)
        Semi-elasticity of the origin share to the duty [1 per 100 % duty].

    Returns
    -------
    (run, origin, year)
        :math:`s_o \propto s_{o,0} \exp(-\beta (\tau_o - \tau_{o,0}))`
        (a logit share model), summing to 1 over origins.
    """
    weight = base[None, :, None] * np.exp(
        -elasticity[:, None, None] * (duty - base_duty[None, :, None])
    )
    out: F = weight / weight.sum(axis=1, keepdims=True)
    return out


def eu_export_share(base: F, cvd: F, base_cvd: float, elasticity: F) -> F:
    r"""EU share of battery-electric exports under a changed EU duty on Chinese BEVs [1].

    Türkiye-built cars enter the EU duty-free under the customs union; the EU
    countervailing duty on China-built BEVs is their price edge there.

    Parameters
    ----------
    base : (run, year)
        EU share of exports without a change of the duty [1].
    cvd : (run, year)
        EU countervailing duty on Chinese BEVs [1].
    base_cvd
        Duty in the base year [1].
    elasticity : (run,)
        Semi-elasticity of the EU share [1 per 100 % duty].

    Returns
    -------
    (run, year)
        :math:`\mathrm{logit}^{-1}(\mathrm{logit}(s_0) + \beta (c - c_0))`.
    """
    s0 = np.clip(base, 1e-12, 1 - 1e-12)
    odds = s0 / (1.0 - s0) * np.exp(elasticity[:, None] * (cvd - base_cvd))
    out: F = odds / (1.0 + odds)
    return out


def investment(
    capex: F, weight: F, start: F, build_years: F, years: F, earliest: F | None = None
) -> F:
    r"""Investment spent each year [same unit as ``capex``/yr].

    Capex is spread evenly over the ``build_years`` before the start, but not
    before ``earliest`` (money not yet spent cannot fall in the past): the
    window is :math:`[\max(s - T_b, e), \max(s, \max(s - T_b, e) + 1))`.

    Parameters
    ----------
    capex : (run, project)
        Investment of each project; 0 where unknown.
    weight : (run, project)
        Realised share [1].
    start : (run, project)
        Start of production [yr] (``-inf``: before the model years, not placed).
    build_years : (run,)
        Years of building before the start [yr].
    years : (year,)
        Model years [yr].
    earliest : (project,), optional
        First year spending can fall in [yr] (``-inf``: no bound).

    Returns
    -------
    (run, year)

    Examples
    --------
    A plant announced for 2026 whose building has not started by the end of
    2025 spends it all in 2026:

    >>> import numpy as np
    >>> investment(np.array([[90.0]]), np.array([[1.0]]), np.array([[2026.0]]),
    ...            np.array([3.0]), np.arange(2023.0, 2028.0), np.array([2026.0])).tolist()
    [[0.0, 0.0, 0.0, 90.0, 0.0]]
    """
    bound = np.full(start.shape[1], -np.inf) if earliest is None else earliest
    begin = np.maximum(start - build_years[:, None], bound[None, :])
    end = np.maximum(start, begin + 1.0)
    lo = np.maximum(years[None, None, :], begin[:, :, None])
    hi = np.minimum(years[None, None, :] + 1.0, end[:, :, None])
    with np.errstate(invalid="ignore"):
        overlap = np.clip(np.nan_to_num(hi - lo, nan=0.0, neginf=0.0, posinf=0.0), 0.0, 1.0)
        length = np.where(np.isfinite(end - begin), end - begin, 1.0)
    spent = overlap / length[:, :, None]
    out: F = np.einsum("rpy,rp,rp->ry", spent, weight, capex)
    return out


def employment(jobs: F, weight: F, share: F) -> F:
    """Direct jobs at the plants [persons]: jobs × realised share × ramp share.

    Parameters
    ----------
    jobs : (run, project)
        Jobs of each project at full capacity; 0 where unknown.
    weight : (run, project)
        [1]
    share : (run, project, year)
        Ramp share [1].

    Returns
    -------
    (run, year)
    """
    out: F = np.einsum("rp,rp,rpy->ry", jobs, weight, share)
    return out


def cell_balance(demand: F, capacity: F, utilisation: F) -> tuple[F, F, F]:
    r"""Domestic cell supply, cell imports and self-sufficiency.

    Parameters
    ----------
    demand : (run, year)
        Cells needed by domestic vehicle production [GWh/yr].
    capacity : (run, year)
        Usable domestic cell capacity [GWh/yr].
    utilisation : (run,)
        Share of cell capacity used [1].

    Returns
    -------
    supply, imports, self_sufficiency : (run, year)
        Supply :math:`U = u K` [GWh/yr]; imports :math:`\max(D - U, 0)`
        [GWh/yr]; self-sufficiency :math:`\min(U, D) / D` [1] (0 where
        :math:`D = 0`). A surplus of cells is exported.
    """
    supply = capacity * utilisation[:, None]
    imports = np.maximum(demand - supply, 0.0)
    safe = np.where(demand > 0, demand, 1.0)
    sufficiency = np.where(demand > 0, np.minimum(supply, demand) / safe, 0.0)
    return supply, imports, sufficiency

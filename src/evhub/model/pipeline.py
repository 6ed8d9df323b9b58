r"""The investment pipeline: projects, when they start, what capacity they give and cost.

A *project* is one row of the pipeline registry (a plant, a line or a plan),
held as arrays by :class:`Projects`. This module turns the registry and a
run's parameters into each project's realised share, start and nameplate
(:func:`project_terms`), then usable capacity, investment and direct jobs
(:func:`project_flows`). ``weight`` is how much of a project is realised in a
run: its stage probability in a deterministic run (the expected capacity), 0
or 1 in a sampled one. Pure functions on arrays with a leading ``run`` axis.

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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from evhub.model import history
from evhub.model.parameters import PipelineParameters

__all__ = [
    "Projects",
    "cell_capacity",
    "effective_start",
    "employment",
    "investment",
    "project_flows",
    "project_flows_with_history",
    "project_terms",
    "ramp_share",
    "usable_capacity",
]

F = NDArray[np.float64]

_MILLION = 1e6


@dataclass(frozen=True)
class Projects:
    """The pipeline registry as arrays, one entry per project.

    Attributes
    ----------
    ids, stages : (project,)
        Project ids and stages.
    stage_index : (project,)
        Index of each project's stage on the stage axis of
        :class:`~evhub.model.parameters.PipelineParameters` (the dataset's
        stages in order).
    stage_building, stage_producing : (project,)
        The project's stage is one of a plant being built or running, or of
        one making vehicles or cells (the stages' attributes in the dataset).
    kinds : (project,)
        The project's kind (a member of the dataset's ``project_kinds``), for
        labels; behaviour follows the kind's attributes below.
    vehicle : (project,)
        A vehicle plant (capacity in veh/yr; the default capacity where none
        is published).
    vehicle_class : (project,)
        For a vehicle plant of a class the chain models, the index of that
        class among the dataset's classes (its output mix gives the class's
        production, and capex and jobs per vehicle apply where none are
        published); -1 for every other project. Vehicle plants of a class the
        chain does not model count as capacity only (see
        :attr:`modelled_class`).
    cells : (project,)
        A battery cell plant: its capacity supplies the cells production
        needs; capex and jobs per GWh apply where none are published.
    nameplate : (project,)
        Capacity when complete [veh/yr or GWh/yr]; NaN if not published.
    start : (project,)
        Announced start [yr]; NaN if not published.
    stage_year : (project,)
        Year the stage was last confirmed [yr].
    producing : (project,)
        Producing before the model years (no start year, stage ramping or
        operating): full capacity throughout.
    mix : (project, class)
        Output mix of vehicle plants [1]; NaN rows where not published.
    capex : (project,)
        Investment [million USD]; NaN where not published.
    jobs : (project,)
        Direct jobs [persons]; NaN where not published.
    replaces : (project,)
        Index of the project whose capacity a line takes over, -1 for none.
    end : (project,)
        Last year of production [yr]; ``inf`` for open plants.
    relative_utilisation : (project,)
        A vehicle plant's utilisation relative to its class's industry in the
        latest year with plant data of that class [1]; 1 where not observed.
    """

    ids: tuple[str, ...]
    stages: tuple[str, ...]
    stage_index: NDArray[np.intp]
    stage_building: NDArray[np.bool_]
    stage_producing: NDArray[np.bool_]
    kinds: tuple[str, ...]
    vehicle: NDArray[np.bool_]
    vehicle_class: NDArray[np.intp]
    cells: NDArray[np.bool_]
    nameplate: F
    start: F
    stage_year: F
    producing: NDArray[np.bool_]
    mix: F
    capex: F
    jobs: F
    replaces: NDArray[np.intp]
    end: F
    relative_utilisation: F

    @property
    def modelled_class(self) -> NDArray[np.bool_]:
        """(project,) A vehicle plant of a class the chain models (``vehicle_class >= 0``)."""
        out: NDArray[np.bool_] = self.vehicle_class >= 0
        return out


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
    # (run, project, year) arrays, each op in place: one of the chain's larger arrays
    tau = np.subtract(years[None, None, :], start[:, :, None])
    tau += 1.0
    np.nan_to_num(tau, copy=False, nan=0.0, posinf=float(k))
    np.clip(tau, 0.0, float(k), out=tau)
    low = np.floor(tau).astype(np.intp)  # at most k: tau is
    high = np.minimum(low + 1, k)
    frac = tau - low
    # each run's knots by a flat index into (run, K+1)
    first = np.arange(runs, dtype=np.intp)[:, None, None] * (k + 1)
    low += first
    high += first
    out: F = np.take(knots, low)
    np.subtract(1.0, frac, out=tau)
    out *= tau
    frac *= np.take(knots, high)
    out += frac
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
    # (run, project, year): the overlap and the share spent each year, in place
    spent = np.minimum(years[None, None, :] + 1.0, end[:, :, None])
    with np.errstate(invalid="ignore"):
        spent -= lo
        np.nan_to_num(spent, copy=False, nan=0.0, neginf=0.0, posinf=0.0)
        np.clip(spent, 0.0, 1.0, out=spent)
        length = np.where(np.isfinite(end - begin), end - begin, 1.0)
    spent /= length[:, :, None]
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


def _own(value: F, fallback: F) -> F:
    """(run, project) values a scenario sets for single projects, ``fallback`` where NaN."""
    out: F = np.where(np.isnan(value), fallback, value)
    return out


def project_terms(pj: Projects, params: PipelineParameters) -> tuple[F, F, F]:
    """Realised share, start and nameplate of every project in every run.

    Parameters
    ----------
    pj
        The registry as arrays.
    params
        The pipeline parameters, each with a leading run axis: the stages'
        ``stage_probability`` [1], ``stage_delay`` [yr] and
        ``stage_lead_time`` [yr] (run, stage), each project's own values
        (run, project), NaN where its stage's or the registry's hold (an
        ensemble puts a project's realisation, 0 or 1, in
        ``project_probability`` and the delay and lead time it draws for it
        from its stage's distribution in ``project_delay`` and
        ``project_lead_time``), and ``default_capacity`` [veh/yr].

    Returns
    -------
    weight, start, nameplate : (run, project)
        Realised share [1] (stage or project probability, or a sampled 0/1;
        0 if dropped), start of production [yr] (``-inf`` for plants producing
        before the model years) and nameplate [veh/yr or GWh/yr] (the
        scenario's default capacity for vehicle plants that publish none).
    """
    runs = params.stage_probability.shape[0]
    n_proj = len(pj.ids)
    stage = pj.stage_index
    probability = _own(params.project_probability, params.stage_probability[:, stage])
    dropped = np.nan_to_num(params.project_drop)  # NaN: kept
    weight = probability * (1.0 - dropped)
    delay = _own(params.project_delay, params.stage_delay[:, stage])
    lead_time = _own(params.project_lead_time, params.stage_lead_time[:, stage])
    announced = _own(params.project_start_year, np.broadcast_to(pj.start, (runs, n_proj)))
    start = effective_start(announced, pj.stage_year, lead_time, delay, pj.producing)
    default_cap = np.where(pj.vehicle[None, :], params.default_capacity[:, None], 0.0)
    nameplate = np.where(np.isnan(pj.nameplate)[None, :], default_cap, pj.nameplate[None, :])
    nameplate = _own(params.project_capacity, nameplate)
    return weight, start, nameplate


def project_flows(
    pj: Projects, params: PipelineParameters, years: F, base_year: int
) -> tuple[F, F, F]:
    """Usable capacity, investment and direct jobs of the registry.

    Parameters
    ----------
    pj
        The registry as arrays.
    params
        The pipeline parameters (see :func:`project_terms`), with ``ramp``
        (run, operation year) [1], ``build_years`` [yr] and the defaults per
        unit of capacity ``capex_per_vehicle`` [USD/(veh/yr)],
        ``capex_per_cell_gwh`` [million USD/(GWh/yr)], ``jobs_per_vehicle``
        [persons/(veh/yr)] and ``jobs_per_cell_gwh`` [persons/(GWh/yr)].
    years : (year,)
        Model years [yr].
    base_year
        Last observed year [yr].

    Returns
    -------
    capacity : (run, project, year)
        Usable capacity [veh/yr or GWh/yr].
    investment : (run, year)
        [million USD/yr]
    jobs : (run, year)
        [persons]
    """
    n_proj = len(pj.ids)
    weight, start, nameplate = project_terms(pj, params)
    modelled, cells = pj.modelled_class, pj.cells
    share = ramp_share(years, start, params.ramp)
    share *= (years[None, :] <= pj.end[:, None])[None]  # in place: (run, project, year)
    capacity = usable_capacity(np.ones(n_proj), weight * nameplate, share, pj.replaces)
    # capex and jobs not published: per unit of capacity, for plants built in the model years
    per_capex = np.where(
        modelled[None, :],
        params.capex_per_vehicle[:, None] / _MILLION,
        np.where(cells[None, :], params.capex_per_cell_gwh[:, None], 0.0),
    )
    per_job = np.where(
        modelled[None, :],
        params.jobs_per_vehicle[:, None],
        np.where(cells[None, :], params.jobs_per_cell_gwh[:, None], 0.0),
    )
    # only plants not producing yet (an expansion or conversion of a running plant costs less)
    building = ~pj.stage_producing & (pj.replaces < 0)
    new_plant = (building & (modelled | cells))[None, :]
    capex = np.where(np.isnan(pj.capex)[None, :] & new_plant, per_capex * nameplate, 0.0)
    capex = capex + np.nan_to_num(pj.capex)[None, :]
    jobs_full = np.where(np.isnan(pj.jobs)[None, :] & new_plant, per_job * nameplate, 0.0)
    jobs_full = jobs_full + np.nan_to_num(pj.jobs)[None, :]
    # plans not under construction by the base year spend nothing up to it
    earliest = np.where(~pj.stage_building, base_year + 1.0, -np.inf)
    invest = investment(capex, weight, start, params.build_years, years, earliest)
    jobs = employment(jobs_full, weight, share)

    return capacity, invest, jobs


def project_flows_with_history(
    pj: Projects,
    params: PipelineParameters,
    history_params: PipelineParameters | None,
    years: F,
    base_year: int,
) -> tuple[F, F, F]:
    """:func:`project_flows`, with the history years from the dataset's defaults.

    Parameters
    ----------
    pj
        The registry as arrays.
    params
        The pipeline parameters (see :func:`project_terms`).
    history_params
        The pipeline parameters of the dataset's defaults (one run); ``None``
        to use ``params`` in every year.
    years : (year,)
        Model years [yr].
    base_year
        Last observed year [yr].

    Returns
    -------
    capacity : (run, project, year)
        Usable capacity [veh/yr or GWh/yr].
    investment, jobs : (run, year)
        [million USD/yr], [persons].

    Notes
    -----
    Up to the base year the flows are those of ``history_params``, the same
    for every run (computed once): no scenario, override or sample changes
    what was observed.
    """
    capacity, invest, jobs = project_flows(pj, params, years, base_year)
    if history_params is None:
        return capacity, invest, jobs
    old_capacity, old_invest, old_jobs = project_flows(pj, history_params, years, base_year)
    return (
        history.splice(years, base_year, old_capacity, capacity),
        history.splice(years, base_year, old_invest, invest),
        history.splice(years, base_year, old_jobs, jobs),
    )


def cell_capacity(pj: Projects, capacity: F) -> F:
    """Usable capacity of the battery cell plants (``pj.cells``).

    Parameters
    ----------
    pj
        The registry as arrays.
    capacity : (run, project, year)
        Usable capacity [veh/yr or GWh/yr].

    Returns
    -------
    (run, year)
        [GWh/yr]
    """
    out: F = capacity[:, pj.cells].sum(axis=1)
    return out

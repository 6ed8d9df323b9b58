"""What an ensemble samples: a scenario's uncertain inputs and their draws.

A scenario's uncertain inputs (its :class:`Design`, one :class:`Column` each) are

- every parameter given as a distribution (:mod:`evhub.distributions`);
- for each pipeline project whose probability is neither 0 nor 1, whether it
  is realised: ``pipeline.realised.<id>`` is 1 where the project's draw is
  below its probability in that run (the stage's, or the project's own); it
  sets the project's probability ``pipeline.overrides.<id>.probability``;
- for each project not yet producing, its delay and lead time when its
  stage's ``delay`` or ``lead_time`` is a distribution: each project draws its
  own (``pipeline.delay.<id>``, ``pipeline.lead_time.<id>``, setting
  ``pipeline.overrides.<id>.delay`` and ``.lead_time``), so the stage's
  distribution is a distribution of each project's delay.

Every column sets a parameter of the catalogue (:attr:`Column.target`), in
the scenario's units; :meth:`evhub.compose.ParameterLayout.build` converts
them to the model's with the central values.

One uniform draw per input and member comes from a Latin hypercube or a
scrambled Sobol sequence (``scipy.stats.qmc``) seeded by ``seed``
(:func:`unit_draws`); each distribution turns its draw into a value by its
inverse CDF (:meth:`Design.values`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import qmc

from evhub.distributions import POSTERIOR, Distribution, quantile_points, show_spec
from evhub.errors import InputError
from evhub.limits import SAMPLERS, Sampler
from evhub.model import chain
from evhub.scenario import unit_of

if TYPE_CHECKING:
    from evhub.compose import ParameterLayout
    from evhub.scenario import ResolvedScenario

__all__ = ["Column", "Design", "design", "unit_draws"]

F = NDArray[np.float64]
_PROJECT_FIELDS = ("delay", "lead_time")


@dataclass(frozen=True)
class Column:
    """One sampled input.

    Attributes
    ----------
    name
        Parameter path (``car.market.bev_share.midpoint_year``), or
        ``pipeline.realised.<id>``, ``pipeline.delay.<id>``,
        ``pipeline.lead_time.<id>``.
    unit
        Unit of the values in :attr:`Member.inputs` (the scenario's unit,
        the catalogue's).
    distribution
        How a uniform draw becomes a value; ``None`` for a realisation (the
        value is 1 if the draw is below the project's probability) or a
        column of given values (goal seek's trial values).
    project
        Index of the project in the registry, for per-project columns.
    path
        The parameter path the values set, if not ``name``: a project's
        ``pipeline.overrides.<id>.probability``, ``.delay`` or ``.lead_time``.
    draws
        For a joint draw from a posterior (``<class>.choice.posterior``): the
        draws of each parameter it sets, by path; the column's value is the
        index of the draw.
    """

    name: str
    unit: str
    distribution: Distribution | None
    project: int | None = None
    path: str = ""
    draws: tuple[tuple[str, F], ...] = ()

    @property
    def target(self) -> str:
        """The parameter path the column's values set."""
        return self.path or self.name

    @property
    def is_realisation(self) -> bool:
        """Whether the column says if a project is realised (0 or 1)."""
        return self.distribution is None and self.name.startswith("pipeline.realised.")

    @property
    def shown(self) -> str:
        """How the column is drawn, on one line: a joint posterior draw by its number of draws.

        Examples
        --------
        >>> Column("k.choice.posterior", "draw", None, draws=(("k.x", np.zeros(480)),)).shown
        '{dist: posterior, draws: 480}'
        """
        if self.draws:
            return show_spec({"dist": POSTERIOR, "draws": len(self.draws[0][1])})
        if self.distribution is None:
            return "realised with p"
        return show_spec(self.distribution.spec())


@dataclass(frozen=True)
class Design:
    """The sampled inputs of one scenario.

    Attributes
    ----------
    columns
        One per uncertain input, in a fixed order: parameters (in model
        order), then per-project delays and lead times, then realisations.
    """

    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Column names."""
        return tuple(c.name for c in self.columns)

    def values(
        self, u: F, base: Mapping[str, Any], layout: ParameterLayout, projects: chain.Projects
    ) -> F:
        """Sampled inputs (member, column) in the scenario's units from uniform draws.

        Parameters
        ----------
        u : (member, column)
            Uniform draws in (0, 1).
        base
            Central values by path in the scenario's units.
        layout
            The layout of the chain's parameters (for the pipeline's).
        projects
            The registry (for the probability of each project in each member).
        """
        n = u.shape[0]
        out = np.empty((n, len(self.columns)))
        realise = []
        for j, col in enumerate(self.columns):
            if col.distribution is not None:
                out[:, j] = col.distribution.ppf(quantile_points(u[:, j]))
            elif col.project is not None:
                realise.append(j)
            else:
                msg = f"{col.name}: a column without a distribution takes given values, not draws"
                raise ValueError(msg)
        if realise:
            params = layout.fill("pipeline", self.parameters(out, base, realised=False), n)
            weight, _, _ = chain.project_terms(projects, params)
            for j in realise:
                project = self.columns[j].project
                assert project is not None
                out[:, j] = (u[:, j] < weight[:, project]).astype(float)
        return out

    def parameters(
        self, values: F, base: Mapping[str, Any], *, realised: bool = True
    ) -> dict[str, Any]:
        """Values by path in the scenario's units: the central ones with the sampled (member,).

        ``realised=False`` leaves out the realisations (the projects'
        probabilities stay the central ones).
        """
        params = dict(base)
        for j, col in enumerate(self.columns):
            if col.is_realisation and not realised:
                continue
            if col.draws:  # one draw of the posterior sets each of its parameters
                picked = values[:, j]
                drawn = np.isfinite(picked)  # NaN: the central member, the posterior median
                index = np.where(drawn, picked, 0.0).astype(np.intp)
                for path, draws in col.draws:
                    params[path] = np.where(drawn, draws[index], float(base[path]))
                continue
            params[col.target] = values[:, j]
        return params

    def with_column(self, column: Column) -> Design:
        """The design with one more column (e.g. a parameter set to given values)."""
        return Design((*self.columns, column))


def design(
    scenario: ResolvedScenario,
    projects: chain.Projects,
    posterior: Mapping[str, F] | None = None,
) -> Design:
    """The uncertain inputs of a resolved scenario (see the module docstring).

    ``posterior`` holds the dataset's posterior draws by parameter path
    (:func:`evhub.choiceposterior.draws_by_path`): the parameters a scenario
    gives ``{dist: posterior}`` are drawn jointly, one column per class
    (``<class>.choice.posterior``) whose value is the draw's index.

    Raises
    ------
    InputError
        If a parameter is given ``{dist: posterior}`` and the dataset has no
        draws of it.
    """
    dists = scenario.distributions
    values = scenario.values
    columns: list[Column] = []
    present = set(_stages(projects))
    joint: dict[str, list[tuple[str, F]]] = {}
    for path, dist in dists.items():
        if dist.kind == POSTERIOR:
            samples = (posterior or {}).get(path)
            if samples is None:
                origin = scenario.provenance.get(path, scenario.name).split(";")[0]
                msg = (
                    f"{origin}: {path} = {{dist: posterior}}, but the dataset has no posterior "
                    "draws of it (choice_posterior.csv)"
                )
                raise InputError(msg)
            joint.setdefault(path.split(".", 1)[0], []).append((path, samples))
            continue
        parts = path.split(".")
        if parts[:2] == ["pipeline", "stages"] and (
            parts[3] in _PROJECT_FIELDS or parts[2] not in present
        ):
            continue  # drawn for each project below, or no project is at that stage
        columns.append(Column(path, unit_of(path), dist))
    realised: list[Column] = []
    for i, pid in enumerate(projects.ids):
        stage = projects.stages[i]
        own = f"pipeline.overrides.{pid}."
        if values.get(own + "drop"):
            continue
        if not projects.producing[i]:
            for field in _PROJECT_FIELDS:
                if field == "lead_time" and not math.isnan(projects.start[i]):
                    continue  # a published start needs no lead time
                if field == "delay" and own + "delay" in values:
                    continue  # the project's own delay (a number, or its own distribution)
                if field == "lead_time" and values.get(own + "lead_time") is not None:
                    continue  # the project's own lead time
                if field == "lead_time" and (
                    own + "start_year" in values and values[own + "start_year"] is not None
                ):
                    continue
                drawn = dists.get(f"pipeline.stages.{stage}.{field}")
                if drawn is not None:
                    columns.append(Column(f"pipeline.{field}.{pid}", "yr", drawn, i, own + field))
        path = own + "probability"
        if path not in values or values[path] is None:
            path = f"pipeline.stages.{stage}.probability"
        if path in dists or 0.0 < float(values[path]) < 1.0:
            realised.append(Column(f"pipeline.realised.{pid}", "1", None, i, own + "probability"))
    for vehicle_class, together in joint.items():
        n = len(together[0][1])
        # its central value is no draw (NaN): the members take the posterior median,
        # the default, as a deterministic run does
        index = Distribution(
            "discrete",
            {"values": list(range(n)), "probabilities": [1.0 / n] * n},
            math.nan,
            integer=True,
        )
        columns.append(
            Column(f"{vehicle_class}.{POSTERIOR_COLUMN}", "draw", index, draws=tuple(together))
        )
    return Design(tuple(columns + realised))


#: The column of a class's joint posterior draw: ``<class>.choice.posterior``.
POSTERIOR_COLUMN = "choice.posterior"


def _stages(projects: chain.Projects) -> list[str]:
    return list(dict.fromkeys(projects.stages))


def unit_draws(n: int, d: int, seed: int, sampler: Sampler = "lhs") -> F:
    """``n`` points in the unit cube of dimension ``d``.

    ``lhs``: a Latin hypercube (each input's draws fall one in each of ``n``
    equal strata). ``sobol``: a scrambled Sobol sequence; its first
    ``2**ceil(log2 n)`` points are drawn and the first ``n`` kept, so the
    balance of the sequence holds exactly when ``n`` is a power of 2.
    """
    if sampler not in SAMPLERS:
        msg = f"--sampler {sampler!r}: expected one of {list(SAMPLERS)}"
        raise InputError(msg)
    if n < 1:
        msg = f"--samples {n}: an ensemble needs at least one member"
        raise InputError(msg)
    if d == 0:
        return np.empty((n, 0))
    rng = np.random.default_rng(seed)
    if sampler == "lhs":
        out: F = qmc.LatinHypercube(d=d, rng=rng).random(n)
        return out
    m = max(0, math.ceil(math.log2(n)))
    out = qmc.Sobol(d=d, scramble=True, rng=rng).random_base2(m)[:n]
    return out

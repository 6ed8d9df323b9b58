r"""The choice model's posterior: samples of its parameters, and the tables the dataset ships.

:func:`sample` draws the parameters of :mod:`evhub.choicefit` from the same
log-posterior the fit maximises (:func:`evhub.choicefit.log_posterior_many`:
the observed shares with their error, the priors of ``choice.csv``, the flat
prior of the constants), fitted on every observed year up to the dataset's
base year, with the affine-invariant ensemble sampler of ``emcee`` (Goodman and
Weare 2010; Foreman-Mackey et al. 2013). The walkers start in a small ball
around the posterior mode (:func:`evhub.choicefit.fit_choice`), a first part of
each chain is dropped (burn-in) and the rest thinned; every draw is kept, so
a sensitivity at the bound of its prior shows as such.

:func:`fit_table` gives what the model chain reads as defaults
(``choice_fit.csv``): per class, the ``cost_sensitivity``
[1/(USD_2025/veh/yr)], the ``inertia_rate`` [1/yr], the
``offer_sensitivity`` and ``charger_sensitivity`` [1] (with the drivers) and each
``nonfinancial_initial`` by powertrain group and kind [USD_2025/veh/yr], with
``value`` the posterior median and ``low``/``high`` its 5th and 95th
percentiles. :func:`draws_table` gives the draws themselves
(``choice_posterior.csv``: ``draw``, ``parameter``, ``value``) for
ensembles. ``scripts/fit_choice.py`` writes both (``--write``) or compares
them (``--check``) with the run of :data:`SHIPPED`; a shorter run
(:data:`SHORT`) checks them in the tests.

References
----------
Goodman, J. and Weare, J. (2010). Ensemble samplers with affine invariance.
Communications in Applied Mathematics and Computational Science 5(1), 65-80.
https://doi.org/10.2140/camcos.2010.5.65

Foreman-Mackey, D., Hogg, D. W., Lang, D. and Goodman, J. (2013). emcee: the
MCMC hammer. PASP 125, 306-312. https://doi.org/10.1086/670067
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import SupportsFloat

import emcee
import numpy as np
import pandas as pd

from evhub import choicefit
from evhub.choicecost import CHOICE_TABLE
from evhub.choicefit import ChoiceFit
from evhub.dataset import CLASS_KEY, Dataset, schema
from evhub.errors import InputError
from evhub.prices import price_year

__all__ = [
    "DRAWS_FILE",
    "FIT_TABLE",
    "SHIPPED",
    "SHORT",
    "SOURCE",
    "Posterior",
    "Settings",
    "draws_table",
    "fit_table",
    "sample",
    "summary",
]

#: The dataset table of the shipped parameters (declared in ``schema.yaml``).
FIT_TABLE = "choice_fit"
#: The file of the posterior draws, beside the dataset's tables.
DRAWS_FILE = "choice_posterior.csv"
#: The source id the shipped rows cite (``sources.yaml``).
SOURCE = "evhub-choice-fit"
#: The percentiles of ``low`` and ``high`` [%].
LOW, HIGH = 5.0, 95.0
#: The starting ball of the walkers around the mode, as a share of each parameter's
#: bounds (a numerical setting).
BALL = 1e-3


@dataclass(frozen=True)
class Settings:
    """How long to sample (numerical settings; the seed makes a run reproducible).

    Attributes
    ----------
    walkers : int
        Walkers of the ensemble (at least twice the number of parameters).
    steps : int
        Steps of each walker.
    burn : int
        First steps of each walker dropped.
    thin : int
        Every ``thin``-th step kept after that.
    seed : int
        Of the starting ball and of the sampler's moves.
    """

    walkers: int
    steps: int
    burn: int
    thin: int
    seed: int

    @property
    def draws(self) -> int:
        """Draws kept: walkers x the kept steps of each."""
        return self.walkers * len(range(self.burn, self.steps, self.thin))


#: The run the dataset's tables come from (``scripts/fit_choice.py --write``): 480 draws,
#: 4,000 steps per walker after a burn-in of 2,000. emcee's autocorrelation times of the
#: shipped fit are about 300 steps (``benchmarks/bench_choice_posterior.py``, 30,000
#: steps), so the kept steps are some 13 of them; the medians agree with that long run's
#: within 3 % of their 90 % interval.
SHIPPED = Settings(walkers=24, steps=6000, burn=2000, thin=200, seed=14)
#: A shorter run with the same seed, for the tests: 480 draws of 2,000 steps per walker
#: after a burn-in of 1,000 (a few seconds); on five seeds its medians fell within 0.09 of
#: the shipped 90 % intervals.
SHORT = Settings(walkers=24, steps=3000, burn=1000, thin=100, seed=14)


@dataclass(frozen=True)
class Posterior:
    """Samples of the choice model's parameters of one class.

    Attributes
    ----------
    vehicle_class : str
        The class.
    draws : pandas.DataFrame
        One row per draw, one column per parameter of
        :attr:`evhub.choicefit.ChoiceFit.parameters`, in its unit (the
        constants [1], the sensitivity [1/(USD/veh/yr)], ...).
    mode : ChoiceFit
        The fit the walkers started from (the posterior mode).
    acceptance : float
        The mean acceptance fraction of the walkers [1].
    autocorrelation : pandas.Series
        emcee's estimate of each parameter's integrated autocorrelation time
        [steps]; with ``steps`` under 50 times it, the estimate is rough
        (emcee's own rule), and it is given for information; NaN where a
        walker never moved (a chain far too short).
    settings : Settings
        The run.
    """

    vehicle_class: str
    draws: pd.DataFrame
    mode: ChoiceFit
    acceptance: float
    autocorrelation: pd.Series
    settings: Settings


def sample(
    dataset: Dataset,
    vehicle_class: str,
    settings: Settings = SHIPPED,
    mode: ChoiceFit | None = None,
) -> Posterior:
    """Sample the posterior of the choice model fitted on every year up to the base year.

    Parameters
    ----------
    dataset : Dataset
        The dataset.
    vehicle_class : str
        The class.
    settings : Settings
        The run (default :data:`SHIPPED`).
    mode : ChoiceFit, optional
        The fit on the years up to the base year, if already made.

    Returns
    -------
    Posterior

    Raises
    ------
    InputError
        As :func:`evhub.choicefit.fit_choice`.
    """
    fit = mode or choicefit.fit_choice(dataset, vehicle_class, dataset.base_year)
    problem = fit.problem
    _shipped(dataset, problem)  # one row per group and kind, before the long part
    lower, upper = choicefit._bounds(problem)
    rng = np.random.default_rng(settings.seed)
    ball = fit.theta + BALL * (upper - lower) * rng.standard_normal((settings.walkers, lower.size))
    start = np.clip(ball, lower, upper)
    sampler = emcee.EnsembleSampler(
        settings.walkers,
        lower.size,
        lambda thetas: choicefit.log_posterior_many(problem, thetas),
        vectorize=True,
    )
    sampler.random_state = np.random.RandomState(settings.seed).get_state()
    sampler.run_mcmc(start, settings.steps, progress=False)
    chain = sampler.get_chain(discard=settings.burn, thin=settings.thin, flat=True)
    names = list(fit.parameters.index)
    values = np.stack([_values(problem, theta) for theta in chain])
    with np.errstate(invalid="ignore"):  # a walker that never moved: NaN, not an error
        tau = sampler.get_autocorr_time(quiet=True, tol=0)
    return Posterior(
        vehicle_class=vehicle_class,
        draws=pd.DataFrame(values, columns=pd.Index(names, name="parameter")),
        mode=fit,
        acceptance=float(np.mean(sampler.acceptance_fraction)),
        autocorrelation=pd.Series(tau, index=names, name="autocorrelation_time"),
        settings=settings,
    )


def _values(problem: choicefit._Problem, theta: np.ndarray) -> np.ndarray:
    beta, alpha, nfc0, kappa = choicefit._unpack(problem, theta)
    coefs = choicefit._coefficients(problem, theta[None, :])[0]
    return np.array([beta, *alpha[1:], *nfc0, *coefs, kappa])


def summary(posterior: Posterior) -> pd.DataFrame:
    """Prior against posterior, one row per parameter.

    Returns
    -------
    pandas.DataFrame
        Indexed by parameter: ``prior``, ``prior_low``, ``prior_high`` (NaN
        without a prior), ``mode`` (the fit), ``median``, ``low``, ``high``
        (the posterior's :data:`LOW` and :data:`HIGH` percentiles), ``unit``,
        ``narrowing`` (the posterior's 90 % interval over the prior's range
        [1]: near 1 the data say little), ``identified`` and ``why`` (of the fit).
    """
    fit = posterior.mode.parameters
    draws = posterior.draws
    out = pd.DataFrame(
        {
            "prior": fit["prior"],
            "prior_low": fit["prior_low"],
            "prior_high": fit["prior_high"],
            "mode": fit["value"],
            "median": draws.median(),
            "low": draws.quantile(LOW / 100.0),
            "high": draws.quantile(HIGH / 100.0),
            "unit": fit["unit"],
        }
    )
    out["narrowing"] = (out["high"] - out["low"]) / (out["prior_high"] - out["prior_low"])
    out["identified"] = fit["identified"]
    out["why"] = fit["why"]
    return out


def _shipped(dataset: Dataset, problem: choicefit._Problem) -> list[tuple[str, str, str, str]]:
    """(column of the draws, variable, powertrain group, kind) of each shipped parameter."""
    out = [("cost_sensitivity", "cost_sensitivity", "", "")]
    seen: dict[tuple[str, str], str] = {}
    for i, kind, _, _ in problem.nfc:
        powertrain = problem.powertrains[i]
        group = str(dataset.dims.powertrains.member(powertrain).attributes["group"])
        if (group, kind) in seen:
            msg = (
                f"{dataset.path / (CHOICE_TABLE + '.csv')}: nonfinancial_initial of group "
                f"{group!r}, kind {kind!r} is fitted for {seen[(group, kind)]!r} and "
                f"{powertrain!r} apart; {FIT_TABLE}.csv has one row per group and kind"
            )
            raise InputError(msg)
        seen[(group, kind)] = powertrain
        out.append(
            (f"nonfinancial_initial.{powertrain}.{kind}", "nonfinancial_initial", group, kind)
        )
    out += [(d.name, d.name, "", "") for d in problem.drivers]
    out.append(("inertia_rate", "inertia_rate", "", ""))
    return out


def _unit(variable: str, dataset: Dataset) -> str:
    unit = str(schema()["tables"][FIT_TABLE]["variables"][variable]["unit"])
    return unit.replace("USD", f"USD_{price_year(dataset)}", 1)


def fit_table(dataset: Dataset, posteriors: list[Posterior]) -> pd.DataFrame:
    """The rows of ``choice_fit.csv``: the shipped parameters of each class.

    ``value`` is the posterior median, ``low`` and ``high`` the :data:`LOW`
    and :data:`HIGH` percentiles, status ``derived``, source :data:`SOURCE`.

    Returns
    -------
    pandas.DataFrame
        The table's columns (``variable``, ``class``, ``powertrain_group``,
        ``kind``, ``year``, ``value``, ``unit``, ``status``, ``low``,
        ``high``, ``source``, ``note``).
    """
    rows = []
    for posterior in posteriors:
        draws = posterior.draws
        s = posterior.settings
        modes = posterior.mode.parameters["value"].to_dict()
        for column, variable, group, kind in _shipped(dataset, posterior.mode.problem):
            values = draws[column]
            rows.append(
                {
                    "variable": variable,
                    CLASS_KEY: posterior.vehicle_class,
                    "powertrain_group": group,
                    "kind": kind,
                    "year": "",
                    "value": _fmt(values.median()),
                    "unit": _unit(variable, dataset),
                    "status": "derived",
                    "low": _fmt(values.quantile(LOW / 100.0)),
                    "high": _fmt(values.quantile(HIGH / 100.0)),
                    "source": SOURCE,
                    "note": (
                        f"posterior median and {LOW:g}th-{HIGH:g}th percentiles of "
                        f"{s.draws} draws (emcee, {s.walkers} walkers x {s.steps} steps, "
                        f"burn-in {s.burn}, thin {s.thin}, seed {s.seed}); mode "
                        f"{_fmt(modes[column])}"
                    ),
                }
            )
    return pd.DataFrame(rows)


def draws_table(dataset: Dataset, posteriors: list[Posterior]) -> pd.DataFrame:
    """The rows of ``choice_posterior.csv``: every draw of every shipped parameter.

    ``parameter`` is ``<class>.<variable>`` or
    ``<class>.nonfinancial_initial.<powertrain group>.<kind>``, in the units of
    ``choice_fit.csv``.
    """
    frames = []
    for posterior in posteriors:
        for column, variable, group, kind in _shipped(dataset, posterior.mode.problem):
            name = ".".join(x for x in (posterior.vehicle_class, variable, group, kind) if x)
            values = posterior.draws[column].to_numpy()
            frames.append(
                pd.DataFrame(
                    {
                        "draw": np.arange(values.size),
                        "parameter": name,
                        "value": [_fmt(v) for v in values],
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def _fmt(value: SupportsFloat) -> str:
    """Six significant digits: the tables are text, the same on every machine."""
    return f"{float(value):.6g}"


#: The scenario parameter of each shipped variable (``{class}.choice.*`` of the
#: parameter catalogue); a non-financial cost by group and kind is
#: ``<class>.choice.<group>_<KIND_FIELD[kind]>``.
PARAMETER_OF = {
    "cost_sensitivity": "cost_sensitivity",
    "inertia_rate": "inertia",
    "offer_sensitivity": "offer_sensitivity",
    "charger_sensitivity": "charger_sensitivity",
}
KIND_FIELD = {"range_charging": "range_cost", "availability": "availability_cost"}


def draws_by_path(dataset: Dataset) -> dict[str, np.ndarray]:
    """The shipped posterior draws by scenario parameter path (empty without the file).

    ``<class>.cost_sensitivity`` of ``choice_posterior.csv`` is the draws of
    ``<class>.choice.cost_sensitivity``, ``<class>.nonfinancial_initial.<group>.availability``
    those of ``<class>.choice.<group>_availability_cost``; every parameter has the same
    draws, in order, so draw ``i`` of each is one joint sample.

    Raises
    ------
    InputError
        If a row names no shipped parameter, or the parameters have different draws.
    """
    path = dataset.path / DRAWS_FILE
    if not path.exists():
        return {}
    table = pd.read_csv(path)
    out: dict[str, np.ndarray] = {}
    counts = set()
    for name, rows in table.groupby("parameter", sort=False):
        vehicle_class, _, rest = str(name).partition(".")
        parts = rest.split(".")
        if parts[0] in PARAMETER_OF and len(parts) == 1:
            field = PARAMETER_OF[parts[0]]
        elif parts[0] == "nonfinancial_initial" and len(parts) == 3 and parts[2] in KIND_FIELD:
            field = f"{parts[1]}_{KIND_FIELD[parts[2]]}"
        else:
            msg = f"{path}: parameter {name!r} is not a shipped parameter of the choice model"
            raise InputError(msg)
        ordered = rows.sort_values("draw")
        counts.add(tuple(ordered["draw"]))
        out[f"{vehicle_class}.choice.{field}"] = ordered["value"].to_numpy(float)
    if len(counts) > 1:
        msg = f"{path}: the parameters have different draws; each needs every draw"
        raise InputError(msg)
    return out

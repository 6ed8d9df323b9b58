r"""Fit the choice model to observed sales shares by powertrain; check it on unseen years.

The shares of a vehicle class's powertrains follow a logit of their
generalised annual cost (:mod:`evhub.choicecost`, the home origin's cost: the
origin mix of each powertrain is left to its constant until origins are
chosen too) plus non-financial costs, with inertia:

.. math::

    S^*_{p,t} = \frac{e^{\alpha_p - \beta (C_{p,t} + N_{p,t}) + \gamma \ln O_{p,t}
                         + \eta\,r_p \ln H_t}}
                     {\sum_q e^{\alpha_q - \beta (C_{q,t} + N_{q,t}) + \gamma \ln O_{q,t}
                         + \eta\,r_q \ln H_t}},
    \qquad S_{p,t} = (1 - \kappa) S_{p,t-1} + \kappa S^*_{p,t},

    N_{p,t} = \sum_k N_{p,k,0}\, e^{b_k \bar S_{p,t-1}},

with :math:`\bar S_{p,t}` the powertrain's share of the fleet (the model's
own sales since the first year, over the observed stock), :math:`b_k` the
decay rates after Greene (2001) (``nonfinancial_decay`` of ``choice.csv``),
:math:`O_{p,t}` the makers' offer: the powertrain's share of the new vehicles of
the market whose models the country's plants and importers sell (``offer.csv``;
without the table the term is absent), and :math:`\beta` (one cost
sensitivity), :math:`\alpha_p` (constants, the first powertrain's 0),
:math:`N_{p,k,0}`, :math:`\gamma` (the offer's exponent) and :math:`\kappa`
fitted by :func:`scipy.optimize.least_squares`. The offer is a driver the
costs lack: a fuel's sales can fall because makers end its production, so
that no new model of it reaches the market, while its costs stay put.
:math:`H_t` is the count of public chargers (``chargers.csv``, observed; held
before the first count) and :math:`r_p` is 1 for a powertrain with a range
and charging cost (``nonfinancial_initial`` of kind ``range_charging``), 0
otherwise: :math:`\eta` (``charger_sensitivity``) is the elasticity of a
small share to the chargers. Each driver's coefficient has a prior of
``choice.csv`` and is fitted with the rest; a dataset without the table
has no such term.

**Parameters of the fit.** The constants are fitted as the log-odds
:math:`u_p = \alpha_p - \beta (C_{p,r} - C_{0,r})` of each powertrain against
the first at the costs and offer of the reference year :math:`r` (the last
fitted year), so that a step of :math:`\beta` or :math:`\gamma` leaves that
year's shares where they are; each :math:`u_p` is bounded by :data:`LOG_ODDS_BOUND` (a flat prior: a
share below about :math:`e^{-13.8} = 10^{-6}` of the first powertrain's is
not told apart from 0). The non-financial costs and the inertia have priors
(``choice.csv``: the value, and the range read as plus or minus two standard
deviations, the range also bounding the fit), and so do :math:`\log\beta`
(``cost_exponent``) and :math:`\gamma` (``offer_sensitivity``); the fit is the posterior mode, and
:func:`log_posterior` is the same posterior for a sampler.

**The error of a share.** Each observed share has one error :math:`\sigma`,
the root-mean-square of the fit's own misses: the fit starts at
:data:`SHARE_ERROR_PP`, sets :math:`\sigma` to its misses and refits until
:math:`\sigma` stays put (an empirical-Bayes estimate of the error variance,
as least squares estimates it from its residuals). The aggregate logit misses
published shares by several points, so an error of a tenth of a point (their
rounding) would weigh the data against the priors, and narrow the posterior,
as if the model followed them to that precision.

**What the fit sees.** Three kinds of rows of ``sales.csv``, each of status
``observed`` only, each row an observation of the share of one powertrain or
one group of powertrains with error :math:`\sigma`:

1. ``sales_share`` of a powertrain; in a year with more than one such row,
   the powertrains without one enter as one group, their total being 100 %
   less the observed ones.
2. ``fuel_group_share``: a share a publisher gives for a fuel group of the
   statistics office (``statistics_groups`` of the dimensions, a group may
   hold several powertrains); the group is the powertrains of that
   ``statistics_group``. The rows
   of one year and one source are one publication: with more than one row,
   the groups it leaves out enter as one group, as in 1.
3. ``fuel_group_sales``: a count of new vehicles in a fuel group; the fit
   divides it by the class's ``sales`` of the year (status ``observed``). A
   count over the total of the same publisher is a ratio of two observations,
   not an interpolation, so the fit uses it; the dataset gives the counts
   with the total they belong to (the notes say which publisher), and the
   shares the dataset itself computes from counts (status ``derived``, e.g.
   a group's count less a count of one of its powertrains from another
   source) are not used.
4. ``powertrain_sales``: a count of one powertrain where the fuel groups do
   not split it (plug-in hybrids within hybrids), divided like 3. by the
   class's observed ``sales`` of the year, which may be another publisher's
   total (the notes say so): a ratio of two observations, not an
   interpolation.

**The origin shares.** Between two fitted years of ``origin_shares.csv``, an
import origin's log-odds of its group's imports moves by :math:`-\lambda\beta`
times the change of its cost against the rest of the imports'
(:mod:`evhub.choiceorigin`; :math:`\lambda` = ``<class>.choice.origin_sensitivity``,
an assumption). Each such pair is an observation of :math:`\beta` with the
error its rows' ranges give: an origin whose duty changed while its vehicles
did not is a price experiment the shares by powertrain lack, whose moves also
follow supply and the makers' offer. The hold-out's years have no pair.

:func:`holdout` fits on the years up to ``train_until`` and predicts later
years from their costs alone, against persistence (the last fitted year's
shares) and the shipped scenarios' logistic curves
(:func:`evhub.model.market.powertrain_shares`) fitted to the same observed
rows; the predicted years' costs and offer are their observed ones.
:func:`frozen_cost_shares` checks that without cost and offer changes,
non-financial costs and inertia the shares stay put: nothing indexed by time
moves them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.optimize

from evhub import choiceorigin, parameters
from evhub.choicecost import CHOICE_TABLE, OFFER_SHARE, OFFER_TABLE, generalised_costs
from evhub.compose import categories
from evhub.dataset import CLASS_KEY, Dataset
from evhub.errors import InputError
from evhub.model import choice, market

__all__ = [
    "ChoiceFit",
    "Holdout",
    "fit_choice",
    "frozen_cost_shares",
    "holdout",
    "log_posterior",
    "log_posterior_many",
]

#: Percentage points per unit share [pp/1].
PP = 100.0
#: The error of an observed share the fit starts from [pp]; the fit then sets it
#: to the root-mean-square of its own misses (:func:`fit_choice`): an aggregate
#: logit of one cost per powertrain misses published shares by several points,
#: and an error smaller than its misses would weigh the data against the priors
#: as if they were that precise.
SHARE_ERROR_PP = 1.0
#: Refits at most this many times while the error moves (a numerical setting).
ERROR_ITERATIONS = 10
#: ... and stops when it moves less than this [pp] (a numerical setting).
ERROR_TOLERANCE_PP = 0.01
#: A prior's range (low to high) spans this many standard deviations.
RANGE_SDS = 4.0
#: Sensitivities tried as starting points at the reference year's shares, as
#: multiples of the prior's (a numerical setting: the fit keeps the best start).
START_SCALES = (0.3, 1.0, 3.0)
#: Other observed years whose shares are starting points too, at the prior's
#: sensitivity (a numerical setting: on the dataset every start ends at one optimum).
START_YEARS = 3
#: The smallest share a starting point gives a powertrain [1] (a numerical
#: setting: a logit constant for a share of 0 would be minus infinity).
START_FLOOR = 1e-4
#: The largest log-odds of a powertrain against the first at the reference year's
#: costs, either way [1]: ln(1e6), a share a millionth of the first powertrain's.
#: The flat prior of the constants: beyond it a share is not told apart from 0,
#: and a sampler would wander off along a direction no observation sees.
LOG_ODDS_BOUND = float(np.log(1e6))
#: An eigenvalue of the data's information below this share of the largest marks
#: a direction the data do not fix.
FLAT_EIGENVALUE = 1e-6
#: A parameter whose weight in such a direction exceeds this is flagged.
FLAT_WEIGHT = 0.3
#: A parameter with a prior whose posterior spread exceeds this share of the
#: prior's is flagged: its value comes from the prior, not the data.
PRIOR_DOMINATED = 0.8
#: The parameters of a logistic share curve (``<class>.market.<powertrain>_share.<name>``).
LOGISTIC_NAMES = ("ceiling", "midpoint_year", "steepness")
#: The chargers table, its variable, and the kind of non-financial cost chargers lower.
CHARGER_TABLE = "chargers"
PUBLIC_CHARGERS = "public_chargers"
RANGE_KIND = "range_charging"
#: The status of the rows the fit may use.
OBSERVED = "observed"
#: The variables of ``sales.csv`` the fit reads (see the module's docstring).
SHARE = "sales_share"
GROUP_SHARE = "fuel_group_share"
GROUP_SALES = "fuel_group_sales"
POWERTRAIN_SALES = "powertrain_sales"
TOTAL_SALES = "sales"


@dataclass(frozen=True)
class _Prior:
    value: float
    low: float
    high: float

    @property
    def sd(self) -> float:
        return (self.high - self.low) / RANGE_SDS


@dataclass(frozen=True)
class _Problem:
    """Everything a simulation needs, as arrays over (year, powertrain)."""

    powertrains: tuple[str, ...]
    years: tuple[int, ...]
    cost: np.ndarray  # (year, powertrain) [USD/veh/yr]
    sales: np.ndarray  # (year,) [veh/yr]
    stock: np.ndarray  # (year,) [veh]
    nfc: tuple[tuple[int, str, float, _Prior], ...]  # powertrain, kind, decay, prior
    inertia: _Prior
    log_beta: _Prior  # of log β, β in 1/(USD/veh/yr)
    observations: tuple[tuple[int, tuple[int, ...], float], ...]  # year index, members, share
    #: Observed drivers beyond the costs (the makers' offer, the public chargers)
    drivers: tuple[_Driver, ...] = ()
    #: The error of an observed share [pp]
    share_error: float = SHARE_ERROR_PP
    #: What the origin shares of two fitted years say (:mod:`evhub.choiceorigin`): per pair,
    #: the log-odds change of an origin's share of its group's imports [1], the change of
    #: its cost against the rest of the imports' [USD/veh/yr] and the error of the former [1]
    origin: tuple[tuple[float, float, float], ...] = ()
    #: λ: the origin nest's sensitivity over β (``<class>.choice.origin_sensitivity``) [1]
    origin_sensitivity: float = 1.0


@dataclass(frozen=True)
class _Driver:
    """A driver of the choice the costs lack: a term ``θ x`` of the utilities.

    ``name`` is its coefficient's parameter (``offer_sensitivity``), ``values``
    its x by (year, powertrain) [1], ``prior`` the coefficient's.
    """

    name: str
    values: np.ndarray
    prior: _Prior


@dataclass(frozen=True)
class ChoiceFit:
    """A fitted choice model of one vehicle class.

    Attributes
    ----------
    parameters : pandas.DataFrame
        One row per parameter: ``value`` (the posterior mode), ``sd`` (its
        standard deviation from the curvature of the fit), ``prior``,
        ``prior_low``, ``prior_high`` (NaN without a prior), ``unit``, and
        ``identified`` with a ``why`` when not.
    shares : pandas.DataFrame
        The fitted path of shares, year x powertrain [%].
    fitted_years : list of int
        Years with an observed share row in the fit.
    fitted_status : dict of int to str
        The status of the rows used, by year (all ``observed``).
    condition_number : float
        Of the data's information matrix (the Gauss-Newton Hessian without the
        priors), in the fit's scaled parameters.
    flat_direction : dict of str to float
        The eigenvector of the smallest eigenvalue of that matrix: the
        combination of parameters the data constrain least.
    rms_error_pp : float
        Root-mean-square error of the fitted observations [pp].
    observations : pandas.DataFrame
        One row per observation: ``year``, ``powertrains`` (joined with ``+``),
        ``observed`` and ``fitted`` share [%].
    """

    parameters: pd.DataFrame
    shares: pd.DataFrame
    fitted_years: list[int]
    fitted_status: dict[int, str]
    condition_number: float
    flat_direction: dict[str, float]
    rms_error_pp: float
    observations: pd.DataFrame
    theta: np.ndarray = field(repr=False)
    problem: _Problem = field(repr=False)


@dataclass(frozen=True)
class Holdout:
    """The hold-out check of :func:`holdout`.

    Attributes
    ----------
    errors : pandas.DataFrame
        Indexed by (powertrain, year); columns ``choice``, ``persistence``,
        ``logistic``: predicted minus published share [pp]; and, for
        information, ``choice_from_base_year``: the fitted model with its
        constants recalibrated to the last fitted year's published shares
        (every status, as the shipped model will be) and moving from them.
    predicted : pandas.DataFrame
        The same index; the published share and each method's prediction [%].
    fitted_years, fitted_status
        As :class:`ChoiceFit`.
    fit : ChoiceFit
        The fit on the training years.
    logistic : pandas.DataFrame
        The logistic curves' fitted ceiling [%], midpoint [yr] and steepness
        [1/yr] by powertrain with a battery, and how many observed rows each saw.
    """

    errors: pd.DataFrame
    predicted: pd.DataFrame
    fitted_years: list[int]
    fitted_status: dict[int, str]
    fit: ChoiceFit
    logistic: pd.DataFrame


# --------------------------------------------------------------------------
# From the dataset
# --------------------------------------------------------------------------


def _prior(row: pd.Series, where: str) -> _Prior:
    low, high = float(row["low"]), float(row["high"])
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        msg = f"{where}: a prior needs low < high, got low={row['low']!r}, high={row['high']!r}"
        raise InputError(msg)
    return _Prior(float(row["value"]), low, high)


def _share_rows(dataset: Dataset, vehicle_class: str) -> pd.DataFrame:
    rows = dataset.rows("sales", SHARE, **{CLASS_KEY: vehicle_class})
    return rows[rows["powertrain"] != ""]


def _yearly(
    dataset: Dataset, table: str, variable: str, vehicle_class: str, years: list[int]
) -> np.ndarray:
    series = dataset.series(table, variable, **{CLASS_KEY: vehicle_class}, powertrain="")
    known = series.index.astype(int)
    return np.asarray(np.interp(years, known, series.to_numpy(float)), dtype=float)


def _members(dataset: Dataset, powertrains: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
    """The powertrains (indices) of each statistics group, of those the class sells."""
    out: dict[str, tuple[int, ...]] = {}
    for group in dataset.dims.statistics_groups.ids:
        out[group] = tuple(
            i
            for i, p in enumerate(powertrains)
            if dataset.dims.powertrains.member(p).attributes["statistics_group"] == group
        )
    return out


def _with_rest(
    t: int, rows: list[tuple[tuple[int, ...], float]], n: int
) -> list[tuple[int, tuple[int, ...], float]]:
    """One publication's observations; with more than one, the rest as one group."""
    out = [(t, members, share) for members, share in rows]
    seen = {i for members, _ in rows for i in members}
    rest = tuple(i for i in range(n) if i not in seen)
    if len(rest) > 0 and len(rows) > 1:  # one row's rest repeats that row's error
        out.append((t, rest, 1.0 - sum(share for _, share in rows)))
    return out


def _observations(
    dataset: Dataset,
    vehicle_class: str,
    years: list[int],
    train_until: int,
    powertrains: tuple[str, ...],
) -> tuple[list[tuple[int, tuple[int, ...], float]], dict[int, str]]:
    """The observed shares the fit sees (the module's docstring says which rows)."""
    sales_path = dataset.path / "sales.csv"
    keys = {CLASS_KEY: vehicle_class}
    index = {p: i for i, p in enumerate(powertrains)}
    groups = _members(dataset, powertrains)
    n = len(powertrains)

    def mine(variable: str, year: int) -> pd.DataFrame:
        rows = dataset.rows("sales", variable, **keys)
        return rows[
            (rows["year"] == year) & (rows["status"] == OBSERVED) & (rows["powertrain"] != "")
        ]

    observations: list[tuple[int, tuple[int, ...], float]] = []
    status: dict[int, str] = {}
    for t, year in enumerate(years):
        if year > train_until:
            break
        before = len(observations)
        shares = mine(SHARE, year)
        observations += _with_rest(
            t,
            [
                ((index[str(p)],), float(v) / PP)
                for p, v in zip(shares["powertrain"], shares["value"], strict=True)
            ],
            n,
        )
        published = mine(GROUP_SHARE, year)
        for _, rows in published.groupby("source", sort=True):
            observations += _with_rest(
                t,
                [
                    (groups[str(g)], float(v) / PP)
                    for g, v in zip(rows["powertrain"], rows["value"], strict=True)
                    if groups[str(g)]
                ],
                n,
            )
        for variable, members in (
            (GROUP_SALES, groups),
            (POWERTRAIN_SALES, {p: (i,) for p, i in index.items()}),
        ):
            counts = mine(variable, year)
            if counts.empty:
                continue
            total = dataset.rows("sales", TOTAL_SALES, **keys, powertrain="")
            total = total[(total["year"] == year) & (total["status"] == OBSERVED)]
            if total.empty:
                msg = (
                    f"{sales_path}: {variable} of class {vehicle_class!r} in {year} has no "
                    f"{TOTAL_SALES!r} total of status {OBSERVED!r} in that year to be a share of"
                )
                raise InputError(msg)
            whole = float(total["value"].iloc[-1])
            observations += [
                (t, members[str(g)], float(v) / whole)
                for g, v in zip(counts["powertrain"], counts["value"], strict=True)
                if members.get(str(g))
            ]
        if len(observations) > before:
            status[year] = OBSERVED
    return observations, status


def _driver_prior(dataset: Dataset, vehicle_class: str, name: str, table: str) -> _Prior:
    rows = dataset.rows(CHOICE_TABLE, name)
    rows = rows[rows[CLASS_KEY].isin([vehicle_class, ""])]
    where = dataset.path / (CHOICE_TABLE + ".csv")
    if rows.empty:
        msg = f"{where}: no {name} row of class {vehicle_class!r} (the fit's prior of {table})"
        raise InputError(msg)
    return _prior(rows.iloc[-1], f"{where}: {name}")


def _chargers(
    dataset: Dataset, powertrains: tuple[str, ...], years: list[int], charged: list[int]
) -> np.ndarray | None:
    """The log of the public chargers by year, for the powertrains ``charged`` (year, pt) [1].

    The observed counts of ``chargers.csv`` (status ``observed`` or
    ``derived``, all outlets), interpolated linearly in their log between
    their years and held before the first and after the last (the counts
    begin when plug-in vehicles were a fraction of a percent of sales); 0 for the
    other powertrains. None without counts or a powertrain with a range cost.
    """
    if CHARGER_TABLE not in dataset.tables or not charged:
        return None
    rows = dataset.rows(CHARGER_TABLE, PUBLIC_CHARGERS, outlet="")
    rows = rows[rows["status"].isin([OBSERVED, "derived"])].sort_values("year")
    values = rows["value"].to_numpy(float)
    if rows.empty:
        return None
    if not (values > 0).all():
        msg = (
            f"{dataset.path / (CHARGER_TABLE + '.csv')}: {PUBLIC_CHARGERS} must be above 0 "
            f"(its log is the fit's driver); found {values.tolist()}"
        )
        raise InputError(msg)
    level = np.interp(years, rows["year"].to_numpy(float), np.log(values))
    out = np.zeros((len(years), len(powertrains)))
    out[:, charged] = level[:, None]
    return out


def _offer(
    dataset: Dataset, vehicle_class: str, powertrains: tuple[str, ...], years: list[int]
) -> tuple[np.ndarray | None, _Prior | None]:
    """The log of each powertrain's share of the makers' offer by year; the prior of γ.

    The rows of ``offer.csv`` (status any: the offer is a driver, not a fitted
    share) are interpolated linearly between their years and held before the
    first and after the last. ``(None, None)`` if the dataset has no offer of
    the class.

    Raises
    ------
    InputError
        If a powertrain has no row or a share of 0, or ``choice.csv`` has no
        ``offer_sensitivity`` prior.
    """
    if OFFER_TABLE not in dataset.tables:
        return None, None
    rows = dataset.rows(OFFER_TABLE, OFFER_SHARE, **{CLASS_KEY: vehicle_class})
    if rows.empty:
        return None, None
    path = dataset.path / (OFFER_TABLE + ".csv")
    out = np.empty((len(years), len(powertrains)))
    for i, p in enumerate(powertrains):
        mine = rows[rows["powertrain"] == p].sort_values("year")
        values = mine["value"].to_numpy(float)
        if mine.empty or not (values > 0).all():
            msg = (
                f"{path}: {OFFER_SHARE} of class {vehicle_class!r} needs a share above 0 of "
                f"every powertrain the class sells in every row; powertrain {p!r} has "
                f"{values.tolist() or 'no row'}"
            )
            raise InputError(msg)
        out[:, i] = np.interp(years, mine["year"].to_numpy(float), values)
    prior = _driver_prior(dataset, vehicle_class, "offer_sensitivity", f"the offer of {path.name}")
    return np.log(out / PP), prior


def _problem(
    dataset: Dataset, vehicle_class: str, train_until: int, last_year: int
) -> tuple[_Problem, dict[int, str]]:
    costs = generalised_costs(dataset, vehicle_class)
    home = costs.xs(dataset.dims.home, level="origin")["total"]
    powertrains = tuple(dict.fromkeys(home.index.get_level_values("powertrain")))
    years = [y for y in sorted(set(home.index.get_level_values("year"))) if y <= last_year]
    if last_year not in years:
        msg = f"the choice model has costs for {years[0]}-{years[-1]}, not {last_year}"
        raise InputError(msg)
    cost = np.array([[home[(p, y)] for p in powertrains] for y in years])
    path = dataset.path / (CHOICE_TABLE + ".csv")
    decay = {
        str(r["kind"]): float(r["value"])
        for r in dataset.rows(CHOICE_TABLE, "nonfinancial_decay").to_dict("records")
    }
    nfc = []
    for r in dataset.rows(CHOICE_TABLE, "nonfinancial_initial").to_dict("records"):
        if r[CLASS_KEY] not in (vehicle_class, ""):
            continue
        group = str(r["powertrain_group"])
        kind = str(r["kind"])
        if kind not in decay:
            msg = f"{path}: nonfinancial_initial of kind {kind!r} has no nonfinancial_decay row"
            raise InputError(msg)
        where = f"{path}: nonfinancial_initial of {group!r}, {kind!r}"
        for i, p in enumerate(powertrains):
            if dataset.dims.powertrains.member(p).attributes["group"] == group:
                nfc.append((i, kind, decay[kind], _prior(pd.Series(r), where)))
    inertia_rows = dataset.rows(CHOICE_TABLE, "inertia_rate")
    inertia_rows = inertia_rows[inertia_rows[CLASS_KEY].isin([vehicle_class, ""])]
    if inertia_rows.empty:
        msg = f"{path}: no inertia_rate row of class {vehicle_class!r} (the fit's prior)"
        raise InputError(msg)
    inertia = _prior(inertia_rows.iloc[-1], f"{path}: inertia_rate")
    exponent_rows = dataset.rows(CHOICE_TABLE, "cost_exponent")
    exponent_rows = exponent_rows[exponent_rows[CLASS_KEY].isin([vehicle_class, ""])]
    if exponent_rows.empty:
        msg = f"{path}: no cost_exponent row of class {vehicle_class!r} (the fit's prior)"
        raise InputError(msg)
    exponent = _prior(exponent_rows.iloc[-1], f"{path}: cost_exponent")
    if exponent.low <= 0:
        msg = f"{path}: cost_exponent low = {exponent.low!r}; expected above 0"
        raise InputError(msg)
    observations, status = _observations(dataset, vehicle_class, years, train_until, powertrains)
    drivers: list[_Driver] = []
    charged = sorted({i for i, kind, _, _ in nfc if kind == RANGE_KIND})
    chargers = _chargers(dataset, powertrains, years, charged)
    if chargers is not None:
        prior = _driver_prior(dataset, vehicle_class, "charger_sensitivity", "the chargers")
        drivers.append(_Driver("charger_sensitivity", chargers, prior))
    offer, offer_prior = _offer(dataset, vehicle_class, powertrains, years)
    if offer is not None and offer_prior is not None:
        drivers.append(_Driver("offer_sensitivity", offer, offer_prior))
    if not observations:
        msg = (
            f"{dataset.path / 'sales.csv'}: no {SHARE}, {GROUP_SHARE}, {GROUP_SALES} or "
            f"{POWERTRAIN_SALES} row of "
            f"status {OBSERVED!r} for class {vehicle_class!r} in {years[0]}-{train_until}: "
            "nothing to fit"
        )
        raise InputError(msg)
    mean_cost = float(np.mean(cost[[years.index(y) for y in years if y <= train_until]]))
    log_beta = _Prior(
        np.log(exponent.value / mean_cost),
        np.log(exponent.low / mean_cost),
        np.log(exponent.high / mean_cost),
    )
    origin, origin_sensitivity = _origin(dataset, vehicle_class, train_until, costs)
    problem = _Problem(
        powertrains=powertrains,
        years=tuple(years),
        cost=cost,
        sales=_yearly(dataset, "sales", TOTAL_SALES, vehicle_class, years),
        stock=_yearly(dataset, "stock", "stock", vehicle_class, years),
        nfc=tuple(nfc),
        inertia=inertia,
        log_beta=log_beta,
        observations=tuple(observations),
        drivers=tuple(drivers),
        origin=origin,
        origin_sensitivity=origin_sensitivity,
    )
    return problem, status


def _origin(
    dataset: Dataset, vehicle_class: str, train_until: int, costs: pd.DataFrame
) -> tuple[tuple[tuple[float, float, float], ...], float]:
    """The origin shares' pairs of fitted years, each with its error; λ.

    A pair's error is its log-odds change's spread over the rows' ranges
    (``implied_low`` to ``implied_high`` of :func:`evhub.choiceorigin.origin_evidence`)
    read as :data:`RANGE_SDS` standard deviations, as a prior's range is; a
    pair whose rows give no range has no known error and is left out. Without
    a pair of fitted years (the hold-out's), no term.
    """
    evidence = choiceorigin.origin_evidence(dataset, vehicle_class, costs)
    pairs = evidence.pairs[evidence.pairs.index.get_level_values("year") <= train_until]
    out = []
    for row in pairs.to_dict("records"):
        error = abs(row["cost_change"]) * (row["implied_high"] - row["implied_low"]) / RANGE_SDS
        if error > 0:
            out.append((float(row["logit_change"]), float(row["cost_change"]), float(error)))
    if not out:
        return (), 1.0
    path = f"{vehicle_class}.choice.origin_sensitivity"
    why = "the fit of the origin shares needs the origin nest's sensitivity"
    return tuple(out), _assumption(dataset, path, why)


# --------------------------------------------------------------------------
# The model and its fit
# --------------------------------------------------------------------------


def _names(problem: _Problem) -> list[str]:
    p = problem.powertrains
    return [
        "cost_sensitivity",
        *(f"constant.{x}" for x in p[1:]),
        *(f"nonfinancial_initial.{p[i]}.{kind}" for i, kind, _, _ in problem.nfc),
        *(d.name for d in problem.drivers),
        "inertia_rate",
    ]


def _reference(problem: _Problem) -> int:
    """The index of the reference year: the last year with an observation (0 without)."""
    return max((t for t, _, _ in problem.observations), default=0)


def _cost_gap(problem: _Problem) -> np.ndarray:
    """Each powertrain's cost less the first's in the reference year (powertrain,) [USD/veh/yr]."""
    cost = problem.cost[_reference(problem)]
    return np.asarray(cost - cost[0], dtype=float)


def _first_driver(problem: _Problem) -> int:
    """The column of θ of the first driver's coefficient."""
    return len(problem.powertrains) + len(problem.nfc)


def _driver_gap(problem: _Problem) -> np.ndarray:
    """Each driver's x less the first powertrain's in the reference year (driver, pt) [1]."""
    r = _reference(problem)
    gaps = [d.values[r] - d.values[r, 0] for d in problem.drivers]
    return np.asarray(gaps, dtype=float).reshape(len(problem.drivers), len(problem.powertrains))


def _coefficients(problem: _Problem, thetas: np.ndarray) -> np.ndarray:
    """The drivers' coefficients (run, driver) [1]."""
    k = _first_driver(problem)
    return np.asarray(thetas[:, k : k + len(problem.drivers)], dtype=float)


def _driver_terms(problem: _Problem, coefficients: np.ndarray, t: int) -> np.ndarray:
    """The drivers' part of each powertrain's utility in year index ``t`` (run, pt) [1]."""
    if not problem.drivers:
        return np.zeros((coefficients.shape[0], len(problem.powertrains)))
    x = np.stack([d.values[t] for d in problem.drivers])  # (driver, pt)
    return np.asarray(coefficients @ x, dtype=float)


def _unpack_many(
    problem: _Problem, thetas: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """θ (run, parameter) -> β (run,), α (run, powertrain), NFC0 (run, term), κ (run,).

    θ holds log β [log of 1/(USD/veh/yr)], the log-odds u of each powertrain
    but the first at the reference year's costs and drivers
    (α = u + β (C_r - C_r,first) - Σ θ_d (x_d,r - x_d,r,first)) [1], each NFC0
    [USD/veh/yr] over its prior's high end, each driver's coefficient θ_d [1]
    (:func:`_coefficients`), and κ [1/yr].
    """
    n = len(problem.powertrains)
    beta = np.exp(thetas[:, 0])
    alpha = np.zeros((thetas.shape[0], n))
    alpha[:, 1:] = (
        thetas[:, 1:n]
        + beta[:, None] * _cost_gap(problem)[None, 1:]
        - (_coefficients(problem, thetas) @ _driver_gap(problem))[:, 1:]
    )
    scales = np.array([prior.high for *_, prior in problem.nfc])
    nfc0 = thetas[:, n : n + len(problem.nfc)] * scales
    return beta, alpha, nfc0, thetas[:, -1]


def _unpack(problem: _Problem, theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, float]:
    """θ -> (β [1/(USD/veh/yr)], α (powertrain,), NFC0 (term,) [USD/veh/yr], κ [1/yr])."""
    beta, alpha, nfc0, kappa = _unpack_many(problem, np.asarray(theta, dtype=float)[None, :])
    return float(beta[0]), alpha[0], nfc0[0], float(kappa[0])


def _pack(
    problem: _Problem,
    beta: float,
    alpha: np.ndarray,
    nfc0: np.ndarray,
    kappa: float,
    drivers: Sequence[float] | None = None,
) -> np.ndarray:
    """The inverse of :func:`_unpack`.

    θ of a sensitivity, constants (the first powertrain's α is 0), non-financial
    costs, the drivers' coefficients (default their priors' values) and inertia.
    """
    n = len(problem.powertrains)
    scales = np.array([prior.high for *_, prior in problem.nfc])
    coefs = np.array(
        [d.prior.value for d in problem.drivers] if drivers is None else list(drivers), float
    )
    u = (
        np.asarray(alpha, dtype=float)[1:n]
        - beta * _cost_gap(problem)[1:]
        + (coefs @ _driver_gap(problem))[1:]
    )
    return np.concatenate(
        [[np.log(beta)], u, np.asarray(nfc0, dtype=float) / scales, coefs, [kappa]]
    )


def _simulate_many(
    problem: _Problem,
    thetas: np.ndarray,
    *,
    cost: np.ndarray | None = None,
    frozen: int | None = None,
    nonfinancial: bool = True,
    inertia: bool = True,
    extras: np.ndarray | None = None,
) -> np.ndarray:
    """Shares (run, year, powertrain) [1] of the parameters ``thetas`` (run, parameter).

    ``cost`` replaces the problem's (year, powertrain) if given; ``frozen``, a
    year index, holds every driver at that year's values.
    ``extras``, if given, receives the non-financial costs of each year
    (run, year, powertrain) [USD/veh/yr].
    """
    beta, alpha, nfc0, kappa = _unpack_many(problem, thetas)
    coefs = _coefficients(problem, thetas)
    costs = problem.cost if cost is None else cost
    runs, n = thetas.shape[0], len(problem.powertrains)
    terms = np.array([i for i, *_ in problem.nfc], dtype=int)
    decay = np.array([d for _, _, d, _ in problem.nfc], dtype=float)
    onehot = np.zeros((terms.size, n))
    onehot[np.arange(terms.size), terms] = 1.0  # term -> its powertrain
    shares = np.empty((runs, len(problem.years), n))
    fleet = np.zeros((runs, n))  # vehicles sold since the first year
    previous = None
    for t in range(len(problem.years)):
        extra = np.zeros((runs, n))
        if nonfinancial and terms.size:
            if t > 0:
                fleet_share = fleet[:, terms] / problem.stock[t - 1]
            else:
                fleet_share = np.zeros((runs, terms.size))
            extra = (nfc0 * np.exp(decay * fleet_share)) @ onehot
        if extras is not None:
            extras[:, t] = extra
        utility = alpha + _driver_terms(problem, coefs, t if frozen is None else frozen)
        target = choice.powertrain_shares(costs[t] + extra, utility, beta)
        now = (
            target
            if previous is None or not inertia
            else choice.with_inertia(previous, target, kappa)
        )
        shares[:, t] = now
        fleet = fleet + now * problem.sales[t]
        previous = now
    return shares


def _simulate(
    problem: _Problem,
    theta: np.ndarray,
    *,
    cost: np.ndarray | None = None,
    frozen: int | None = None,
    nonfinancial: bool = True,
    inertia: bool = True,
    extras: np.ndarray | None = None,
) -> np.ndarray:
    """Shares (year, powertrain) [1] of the parameters ``theta``.

    ``extras``, if given, receives the non-financial costs of each year
    (year, powertrain) [USD/veh/yr].
    """
    many = None if extras is None else np.zeros((1, *extras.shape))
    shares = _simulate_many(
        problem,
        np.asarray(theta, dtype=float)[None, :],
        cost=cost,
        frozen=frozen,
        nonfinancial=nonfinancial,
        inertia=inertia,
        extras=many,
    )
    if extras is not None and many is not None:
        extras[:] = many[0]
    return np.asarray(shares[0], dtype=float)


def _membership(problem: _Problem) -> tuple[np.ndarray, np.ndarray]:
    """Each observation as weights over (year, powertrain), flattened, and its share [1]."""
    n = len(problem.powertrains)
    weights = np.zeros((len(problem.observations), len(problem.years) * n))
    for k, (t, members, _) in enumerate(problem.observations):
        weights[k, [t * n + i for i in members]] = 1.0
    return weights, np.array([share for *_, share in problem.observations])


def _residuals_many(problem: _Problem, thetas: np.ndarray, *, priors: bool = True) -> np.ndarray:
    """Residuals (run, residual) [1]: the observations in units of their error, then the priors."""
    shares = _simulate_many(problem, thetas)
    weights, observed = _membership(problem)
    fitted = shares.reshape(shares.shape[0], -1) @ weights.T
    out = [(fitted - observed) * PP / problem.share_error]
    if problem.origin:  # Δl = -λ β ΔC, each pair with its error
        logit, cost, error = np.asarray(problem.origin, dtype=float).T
        beta = np.exp(thetas[:, :1])
        out.append((-problem.origin_sensitivity * beta * cost - logit) / error)
    if priors:
        n = len(problem.powertrains)
        for k, (*_, prior) in enumerate(problem.nfc):
            out.append(((thetas[:, n + k] * prior.high - prior.value) / prior.sd)[:, None])
        coefs = _coefficients(problem, thetas)
        for k, driver in enumerate(problem.drivers):
            prior = driver.prior
            out.append(((coefs[:, k] - prior.value) / prior.sd)[:, None])
        out.append(((thetas[:, -1] - problem.inertia.value) / problem.inertia.sd)[:, None])
        out.append(((thetas[:, 0] - problem.log_beta.value) / problem.log_beta.sd)[:, None])
    return np.concatenate(out, axis=1)


def _residuals(problem: _Problem, theta: np.ndarray, *, priors: bool = True) -> np.ndarray:
    many = _residuals_many(problem, np.asarray(theta, dtype=float)[None, :], priors=priors)
    return np.asarray(many[0], dtype=float)


def _share_misses(problem: _Problem, theta: np.ndarray) -> np.ndarray:
    """The fitted minus the observed shares (observation,) [pp]."""
    shares = _residuals(problem, theta, priors=False)[: len(problem.observations)]
    return np.asarray(shares * problem.share_error, dtype=float)


def _size(problem: _Problem) -> int:
    """The number of fitted parameters."""
    return len(problem.powertrains) + len(problem.nfc) + len(problem.drivers) + 1


def _bounds(problem: _Problem) -> tuple[np.ndarray, np.ndarray]:
    n = len(problem.powertrains)
    lower = np.full(_size(problem), -LOG_ODDS_BOUND)
    upper = np.full_like(lower, LOG_ODDS_BOUND)
    for k, (*_, prior) in enumerate(problem.nfc):
        lower[n + k], upper[n + k] = prior.low / prior.high, 1.0
    for k, driver in enumerate(problem.drivers):
        column = _first_driver(problem) + k
        lower[column], upper[column] = driver.prior.low, driver.prior.high
    lower[-1], upper[-1] = problem.inertia.low, problem.inertia.high
    lower[0], upper[0] = problem.log_beta.low, problem.log_beta.high
    return lower, upper


def log_posterior_many(problem: _Problem, thetas: np.ndarray) -> np.ndarray:
    """The log-posterior density of each row of ``thetas`` (run, parameter) [1].

    The sum of squares that :func:`fit_choice` minimises, times -1/2 (so up to
    a constant): the observed shares with their error (``problem.share_error``),
    the origin shares' pairs with theirs (``problem.origin``), the normal priors
    of log β, the non-financial costs, the drivers and the inertia; ``-inf``
    outside the bounds (the priors' ranges, and :data:`LOG_ODDS_BOUND` for the
    constants).
    """
    thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
    lower, upper = _bounds(problem)
    inside = np.all((thetas >= lower) & (thetas <= upper), axis=1)
    out = np.full(thetas.shape[0], -np.inf)
    if inside.any():
        r = _residuals_many(problem, thetas[inside])
        out[inside] = -0.5 * np.sum(r * r, axis=1)
    return out


def log_posterior(problem: _Problem, theta: np.ndarray) -> float:
    """The log-posterior density of one ``theta`` (:func:`log_posterior_many`) [1]."""
    return float(log_posterior_many(problem, np.asarray(theta, dtype=float)[None, :])[0])


def _start_log_odds(problem: _Problem, year: int, beta: float, coefs: np.ndarray) -> np.ndarray:
    """Log-odds u that give ``year``'s observed shares at ``beta`` and drivers' ``coefs`` [1].

    A group of powertrains observed only together starts with equal shares of
    its total (the data say nothing of the split); a powertrain no row of the
    year sees starts at :data:`START_FLOOR`.
    """
    shares = np.full(len(problem.powertrains), START_FLOOR)
    for t, members, observed in problem.observations:
        if t == year:
            shares[list(members)] = max(observed / len(members), START_FLOOR)
    gap = problem.cost[year] - problem.cost[year, 0]
    alpha = np.log(shares / shares[0]) + beta * gap
    for coef, driver in zip(coefs, problem.drivers, strict=True):
        alpha -= coef * (driver.values[year] - driver.values[year, 0])
    u = alpha[1:] - beta * _cost_gap(problem)[1:] + (coefs @ _driver_gap(problem))[1:]
    return np.asarray(u, dtype=float)


def _starts(problem: _Problem) -> list[np.ndarray]:
    """Starting points of the fit.

    The reference year's shares at several sensitivities, and the shares of up to
    :data:`START_YEARS` other observed years at the prior's.
    """
    n = len(problem.powertrains)
    lower, upper = _bounds(problem)
    reference = _reference(problem)
    years = sorted({t for t, _, _ in problem.observations} - {reference})
    if len(years) > START_YEARS:  # the first, the last and evenly between
        years = [years[round(k)] for k in np.linspace(0, len(years) - 1, START_YEARS)]
    plan = [(reference, scale) for scale in START_SCALES] + [(t, 1.0) for t in years]
    out = []
    for year, scale in plan:
        start = np.zeros(_size(problem))
        start[0] = problem.log_beta.value + np.log(scale)
        coefs = np.array([d.prior.value for d in problem.drivers], dtype=float)
        k = _first_driver(problem)
        start[k : k + coefs.size] = coefs
        start[1:n] = _start_log_odds(problem, year, float(np.exp(start[0])), coefs)
        for k, (*_, prior) in enumerate(problem.nfc):
            start[n + k] = prior.value / prior.high
        start[-1] = problem.inertia.value
        span = upper - lower
        out.append(np.clip(start, lower + 1e-6 * span, upper - 1e-6 * span))
    return out


def _fit(problem: _Problem) -> scipy.optimize.OptimizeResult:
    bounds = _bounds(problem)
    best = None
    for start in _starts(problem):
        result = scipy.optimize.least_squares(
            lambda th: _residuals(problem, th), start, bounds=bounds, method="trf", x_scale="jac"
        )
        if best is None or result.cost < best.cost:
            best = result
    assert best is not None
    return best


def _from_constants(problem: _Problem, theta: np.ndarray) -> np.ndarray:
    """dθ/dθ' where θ' has the constants α in place of the log-odds u (u = α - β gap).

    The identification is judged in θ' (log β, α, NFC0 over its prior's high end,
    κ): the parameters :func:`fit_choice` reports.
    """
    n = len(problem.powertrains)
    jacobian = np.eye(theta.size)
    jacobian[1:n, 0] = -float(np.exp(theta[0])) * _cost_gap(problem)[1:]
    for k, gap in enumerate(_driver_gap(problem)):
        jacobian[1:n, _first_driver(problem) + k] = gap[1:]
    return jacobian


def _identification(
    problem: _Problem, result: scipy.optimize.OptimizeResult
) -> tuple[pd.DataFrame, float, dict[str, float]]:
    theta = result.x
    names = _names(problem)
    n = len(problem.powertrains)
    chain = _from_constants(problem, theta)
    jac = result.jac @ chain  # of the residuals with priors, in θ'
    data_jac = (
        np.atleast_2d(
            scipy.optimize.approx_fprime(theta, lambda th: _residuals(problem, th, priors=False))
        )
        @ chain
    )
    info_data = data_jac.T @ data_jac
    eigval, eigvec = np.linalg.eigh(info_data)
    top = float(eigval[-1]) if eigval[-1] > 0 else 1.0
    flat = eigval < FLAT_EIGENVALUE * top
    condition = float(eigval[-1] / eigval[0]) if eigval[0] > 0 else np.inf
    cov = np.linalg.pinv(jac.T @ jac)
    sd_theta = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    beta, alpha, nfc0, kappa = _unpack(problem, theta)
    k_nfc = len(problem.nfc)
    offer = [d.prior for d in problem.drivers]
    values = [beta, *alpha[1:], *nfc0, *_coefficients(problem, theta[None, :])[0], kappa]
    sds = [beta * sd_theta[0], *sd_theta[1:n]]
    sds += [
        s * prior.high for s, (*_, prior) in zip(sd_theta[n : n + k_nfc], problem.nfc, strict=True)
    ]
    sds += list(sd_theta[n + k_nfc : -1])  # γ, if any
    sds.append(sd_theta[-1])
    b = problem.log_beta
    beta_prior = _Prior(float(np.exp(b.value)), float(np.exp(b.low)), float(np.exp(b.high)))
    priors: list[_Prior | None] = (
        [beta_prior]
        + [None] * (n - 1)
        + [p for *_, p in problem.nfc]
        + list(offer)
        + [problem.inertia]
    )
    prior_sd = [b.sd * values[0]] + [None] * (n - 1) + [p.sd for *_, p in problem.nfc]
    prior_sd += [p.sd for p in offer]
    prior_sd.append(problem.inertia.sd)
    units = ["1/(USD/veh/yr)"] + ["1"] * (n - 1) + ["USD/veh/yr"] * k_nfc + ["1"] * len(offer)
    units.append("1/yr")
    lo, hi = _bounds(problem)
    rows = []
    for k, name in enumerate(names):
        prior = priors[k]
        weight = float(np.max(np.abs(eigvec[k, flat]))) if flat.any() else 0.0
        why = ""
        if weight > FLAT_WEIGHT:
            why = f"on a flat direction of the data (weight {weight:.2f})"
        spread = prior_sd[k]
        if spread is not None and sds[k] > PRIOR_DOMINATED * spread:
            why = (why + "; " if why else "") + (
                f"posterior sd {sds[k]:.3g} is {sds[k] / spread:.0%} of the prior's: "
                "the prior decides"
            )
        if np.isclose(theta[k], lo[k]) or np.isclose(theta[k], hi[k]):
            why = (why + "; " if why else "") + "at a bound of its prior range"
        rows.append(
            {
                "parameter": name,
                "value": values[k],
                "sd": sds[k],
                "prior": np.nan if prior is None else prior.value,
                "prior_low": np.nan if prior is None else prior.low,
                "prior_high": np.nan if prior is None else prior.high,
                "unit": units[k],
                "identified": not why,
                "why": why,
            }
        )
    frame = pd.DataFrame(rows).set_index("parameter")
    flat_dir = {name: float(v) for name, v in zip(names, eigvec[:, 0], strict=True)}
    return frame, condition, flat_dir


def _observation_table(problem: _Problem, shares: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "year": problem.years[t],
                "powertrains": "+".join(problem.powertrains[i] for i in members),
                "observed": observed * PP,
                "fitted": float(shares[t, list(members)].sum()) * PP,
            }
            for t, members, observed in problem.observations
        ]
    )


def fit_choice(
    dataset: Dataset, vehicle_class: str, train_until: int, last_year: int | None = None
) -> ChoiceFit:
    """Fit the choice model of a class to its observed shares up to ``train_until``.

    Parameters
    ----------
    dataset : Dataset
        The dataset.
    vehicle_class : str
        The vehicle class.
    train_until : int
        The last year whose shares the fit sees [yr].
    last_year : int, optional
        The last year to simulate (default: the base year).

    Returns
    -------
    ChoiceFit

    Raises
    ------
    InputError
        If no observed share row falls in the fitted years, or a row the
        cost or the priors need is missing.
    """
    last = dataset.base_year if last_year is None else last_year
    problem, status = _problem(dataset, vehicle_class, train_until, last)
    result = _fit(problem)
    for _ in range(ERROR_ITERATIONS):  # the error the misses of the fit show
        misses = _share_misses(problem, result.x)
        error = float(np.sqrt(np.mean(misses**2)))
        if abs(error - problem.share_error) < ERROR_TOLERANCE_PP:
            break
        problem = replace(problem, share_error=error)
        result = _fit(problem)
    parameters, condition, flat = _identification(problem, result)
    shares = _simulate(problem, result.x)
    fitted = _share_misses(problem, result.x)
    return ChoiceFit(
        parameters=parameters,
        shares=pd.DataFrame(
            shares * PP,
            index=pd.Index(problem.years, name="year"),
            columns=pd.Index(problem.powertrains, name="powertrain"),
        ),
        fitted_years=sorted(status),
        fitted_status=status,
        condition_number=condition,
        flat_direction=flat,
        rms_error_pp=float(np.sqrt(np.mean(fitted**2))),
        observations=_observation_table(problem, shares),
        theta=result.x,
        problem=problem,
    )


# --------------------------------------------------------------------------
# The hold-out and its two baselines
# --------------------------------------------------------------------------


def _published(
    dataset: Dataset, vehicle_class: str, year: int, powertrains: tuple[str, ...]
) -> np.ndarray:
    rows = _share_rows(dataset, vehicle_class)
    rows = rows[rows["year"] == year]
    values = dict(zip(rows["powertrain"], rows["value"], strict=True))
    missing = [p for p in powertrains if p not in values]
    if missing:
        msg = f"{dataset.path / 'sales.csv'}: no sales_share of {missing} in {year}"
        raise InputError(msg)
    return np.array([float(values[p]) for p in powertrains])


def _assumption(
    dataset: Dataset, path: str, why: str = "the logistic baseline starts from it"
) -> float:
    """The value of the row ``path`` of ``assumptions.csv``; ``why`` says who needs it."""
    rows = dataset.assumptions[dataset.assumptions["parameter"] == path]
    if rows.empty:
        msg = f"{dataset.path / 'assumptions.csv'}: no row {path!r} ({why})"
        raise InputError(msg)
    return float(rows["value"].iloc[0])


def _logistic(
    dataset: Dataset,
    vehicle_class: str,
    train_until: int,
    years: list[int],
    powertrains: tuple[str, ...],
) -> tuple[np.ndarray, pd.DataFrame]:
    """The shipped logistic curves fitted to the same observed rows: (year, powertrain) [%]."""
    cats = categories(dataset)
    order = [cats.powertrains.index(p) for p in powertrains]
    rows = _share_rows(dataset, vehicle_class)
    curves = []
    for p in np.array(cats.powertrains)[cats.battery]:
        paths = [f"{vehicle_class}.market.{p}_share.{name}" for name in LOGISTIC_NAMES]
        start = np.array([_assumption(dataset, path) for path in paths])
        ranges = [parameters.bounds(path, dataset) for path in paths]
        lower = np.array([r.low for r in ranges])
        upper = np.array([r.high for r in ranges])
        start[0], lower[0], upper[0] = start[0] / PP, lower[0] / PP, upper[0] / PP
        seen = rows[
            (rows["powertrain"] == p) & (rows["status"] == OBSERVED) & (rows["year"] <= train_until)
        ]
        x = seen["year"].to_numpy(float)
        y = seen["value"].to_numpy(float) / PP
        fitted = start
        if len(x):
            result = scipy.optimize.least_squares(
                lambda th, x=x, y=y: th[0] / (1 + np.exp(-th[2] * (x - th[1]))) - y,
                start,
                bounds=(lower, upper),  # the catalogue's bounds of each parameter
            )
            fitted = result.x
        curves.append(
            {
                "powertrain": p,
                "ceiling": fitted[0] * PP,
                "midpoint_year": fitted[1],
                "steepness": fitted[2],
                "observed_rows": len(x),
            }
        )
    table = pd.DataFrame(curves).set_index("powertrain")
    history = np.zeros((len(years), len(cats.powertrains)))
    base = _published(dataset, vehicle_class, train_until, cats.powertrains) / PP
    history[:] = base
    shares = market.powertrain_shares(
        np.array(years, dtype=float),
        train_until,
        history,
        table["ceiling"].to_numpy()[None, :] / PP,
        table["midpoint_year"].to_numpy()[None, :],
        table["steepness"].to_numpy()[None, :],
        np.array([np.inf]),
        cats,
    )[0]  # (powertrain, year)
    return shares[order].T * PP, table


def _from_base_year(
    fit: ChoiceFit, base_year: int, published: np.ndarray, years: list[int]
) -> np.ndarray:
    """Shares (year, powertrain) [%] from the base year's published shares.

    The constants are recalibrated to ``published`` [%] of ``base_year``
    (:func:`evhub.model.choice.calibrate_constants`), the other parameters as
    fitted; the shares move from the published ones by the costs and the inertia.
    """
    problem = fit.problem
    beta, _, _, kappa = _unpack(problem, fit.theta)
    coefs = _coefficients(problem, fit.theta[None, :])
    extra = np.zeros_like(problem.cost)
    _simulate(problem, fit.theta, extras=extra)
    general = problem.cost + extra
    t0 = problem.years.index(base_year)
    shares = np.maximum(published / PP, START_FLOOR)
    shares = shares / shares.sum()
    n = len(problem.powertrains)
    available = np.ones((n, 1), dtype=bool)
    b = np.array([beta])
    _, alpha = choice.calibrate_constants(
        shares[None, :], np.ones((1, n, 1)), general[t0][None, :, None], b, b, available
    )
    out, previous = [], shares
    for year in years:
        t = problem.years.index(year)
        moved = _driver_terms(problem, coefs, t) - _driver_terms(problem, coefs, t0)
        utility = alpha + moved[0]
        target = choice.powertrain_shares(general[t][None, :], utility, b)[0]
        previous = choice.with_inertia(previous, target, kappa)
        out.append(previous * PP)
    return np.array(out)


def holdout(
    dataset: Dataset,
    train_until: int,
    predict: tuple[int, ...] | list[int],
    vehicle_class: str | None = None,
) -> Holdout:
    """Fit on the years up to ``train_until``; predict ``predict`` from their costs alone.

    Parameters
    ----------
    dataset : Dataset
        The dataset.
    train_until : int
        The last year the fit sees [yr].
    predict : sequence of int
        Later years to predict [yr].
    vehicle_class : str, optional
        The class (default: the dataset's first).

    Returns
    -------
    Holdout

    Raises
    ------
    InputError
        If a predicted year is not after ``train_until``, or has no published
        share of some powertrain.
    """
    klass = dataset.dims.classes.ids[0] if vehicle_class is None else vehicle_class
    years = sorted(int(y) for y in predict)
    if years[0] <= train_until:
        msg = f"predicted years {years} must come after the last fitted year {train_until}"
        raise InputError(msg)
    fit = fit_choice(dataset, klass, train_until, last_year=years[-1])
    powertrains = fit.problem.powertrains
    persistence = _published(dataset, klass, train_until, powertrains)
    logistic, table = _logistic(dataset, klass, train_until, years, powertrains)
    anchored = _from_base_year(fit, train_until, persistence, years)
    rows, errors = [], []
    for k, year in enumerate(years):
        actual = _published(dataset, klass, year, powertrains)
        predicted = fit.shares.loc[year].to_numpy()
        for i, p in enumerate(powertrains):
            rows.append(
                {
                    "powertrain": p,
                    "year": year,
                    "published": actual[i],
                    "choice": predicted[i],
                    "persistence": persistence[i],
                    "logistic": logistic[k, i],
                    "choice_from_base_year": anchored[k, i],
                }
            )
            errors.append(
                {
                    "powertrain": p,
                    "year": year,
                    "choice": predicted[i] - actual[i],
                    "persistence": persistence[i] - actual[i],
                    "logistic": logistic[k, i] - actual[i],
                    "choice_from_base_year": anchored[k, i] - actual[i],
                }
            )
    return Holdout(
        errors=pd.DataFrame(errors).set_index(["powertrain", "year"]),
        predicted=pd.DataFrame(rows).set_index(["powertrain", "year"]),
        fitted_years=fit.fitted_years,
        fitted_status=fit.fitted_status,
        fit=fit,
        logistic=table,
    )


def frozen_cost_shares(
    dataset: Dataset, year: int, vehicle_class: str | None = None
) -> pd.DataFrame:
    """Shares with every cost frozen at ``year``'s, no non-financial costs and no inertia [%].

    The model fitted on the years up to ``year``, run from ``year`` to the
    base year with the costs and the drivers (offer, chargers) of ``year``:
    with nothing indexed by time in the model, the shares stay those of ``year``.

    Returns
    -------
    pandas.DataFrame
        Year x powertrain [%].
    """
    klass = dataset.dims.classes.ids[0] if vehicle_class is None else vehicle_class
    fit = fit_choice(dataset, klass, year)
    problem = fit.problem
    t = problem.years.index(year)
    frozen = np.broadcast_to(problem.cost[t], problem.cost.shape).copy()
    shares = _simulate(problem, fit.theta, cost=frozen, frozen=t, nonfinancial=False, inertia=False)
    return pd.DataFrame(
        shares[t:] * PP,
        index=pd.Index(problem.years[t:], name="year"),
        columns=pd.Index(problem.powertrains, name="powertrain"),
    )

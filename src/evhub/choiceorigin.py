r"""What two years of origin shares say about the origin nest's cost sensitivity.

Within a powertrain group the nested logit splits the imports over origins
(:func:`evhub.model.choice.nested_logit`): :math:`s_o \propto e^{\alpha_o -
\beta_o C_o}`. With the constants unchanged from one year to the next, the
log-odds of one origin's share of the group's imports moves, to first order,
with its cost against the rest of the imports':

.. math::

    \Delta \ln\frac{s_o}{1 - s_o} = -\beta_o\,\Delta\left(C_o - \bar C_{-o}\right),

with :math:`s_o` the origin's share of the group's imports (the home origin
left out: its constant moves with the plants' supply), :math:`C_o` the
group's generalised cost from that origin (:func:`evhub.choicecost.generalised_costs`,
its powertrains weighted by the year's published sales shares) and
:math:`\bar C_{-o}` the other import origins' costs weighted by their
shares. An origin whose duty changed between the two years while its
vehicles did not is the cleanest price experiment the data hold: nothing
else of the vehicle moved.

:func:`origin_evidence` reads ``origin_shares.csv``: every pair of
consecutive years with rows of a group, and every import origin whose share
and the home origin's share are not assumptions in either year (status
``observed`` or ``derived``). It gives each pair's implied :math:`\beta_o`
and their least-squares estimate through the origin (the pairs with the
largest cost changes weigh the most). The chain uses :math:`\beta_o = \lambda
\beta` with :math:`\lambda` = ``<class>.choice.origin_sensitivity``;
:math:`\lambda \ge 1` keeps the nested logit consistent with random utility,
so an estimate below :math:`\beta` puts :math:`\lambda` at that bound.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evhub.choicecost import ORIGIN_SHARE, ORIGIN_TABLE, PERCENT, generalised_costs
from evhub.dataset import CLASS_KEY, Dataset
from evhub.errors import InputError

__all__ = ["ORIGIN_SHARE", "OriginEvidence", "implied_sensitivity", "origin_evidence"]

#: The statuses whose rows are evidence (an assumption is not).
EVIDENCE = ("observed", "derived")
#: The columns of :attr:`OriginEvidence.pairs`.
COLUMNS = (
    "share_before",
    "share_after",
    "logit_change",
    "cost_change",
    "implied",
    "implied_low",
    "implied_high",
)


@dataclass(frozen=True)
class OriginEvidence:
    r"""What consecutive years of origin shares say about :math:`\beta_o`.

    Attributes
    ----------
    pairs : pandas.DataFrame
        One row per group, import origin and later year: ``share_before`` and
        ``share_after`` (the origin's share of the group's imports [%]),
        ``logit_change`` [1], ``cost_change`` (of the origin's cost against
        the rest of the imports' [USD/veh/yr]), ``implied`` (the pair's
        :math:`\beta_o`, [1/(USD/veh/yr)]) and ``implied_low``, ``implied_high``
        (the same with the origin's rows at the ends of their ranges: the
        largest move either way they allow).
    beta_origin : float
        Least squares through the origin over the pairs [1/(USD/veh/yr)];
        NaN without a pair.
    """

    pairs: pd.DataFrame
    beta_origin: float

    def origin_sensitivity(self, cost_sensitivity: float) -> float:
        r""":math:`\beta_o / \beta` [1], before the consistency bound of 1."""
        return self.beta_origin / cost_sensitivity


def implied_sensitivity(logit_change: np.ndarray, cost_change: np.ndarray) -> float:
    r"""Least-squares :math:`\beta_o` of :math:`\Delta l = -\beta_o \Delta C` [1/(USD/veh/yr)].

    Parameters
    ----------
    logit_change : (pair,)
        Change of the log-odds of each origin's share of its group's imports [1].
    cost_change : (pair,)
        Change of its cost against the rest of the imports' [USD/veh/yr].

    Returns
    -------
    float
        NaN if every cost change is 0.

    Examples
    --------
    >>> implied_sensitivity(np.array([-0.5, 0.2]), np.array([2500.0, -1000.0]))
    0.0002
    """
    denominator = float(np.sum(cost_change**2))
    if denominator == 0.0:
        return float("nan")
    return float(-np.sum(cost_change * logit_change) / denominator)


def _group_costs(
    dataset: Dataset, vehicle_class: str, years: list[int], costs: pd.DataFrame | None
) -> pd.DataFrame:
    """Each group's cost by origin and year, its powertrains weighted by their sales shares."""
    if costs is None:
        costs = generalised_costs(dataset, vehicle_class)
    total = costs["total"]
    shares = dataset.rows("sales", "sales_share", **{CLASS_KEY: vehicle_class})
    shares = shares[shares["powertrain"] != ""]
    rows = []
    for year in years:
        published = shares[shares["year"] == year].set_index("powertrain")["value"].astype(float)
        for member in dataset.dims.powertrains.members:
            p = member.id
            if (p, dataset.dims.home, year) not in total.index:
                continue  # a powertrain the costs do not price that year
            weight = float(published.get(p, np.nan))
            if not np.isfinite(weight):
                msg = (
                    f"{dataset.path / 'sales.csv'}: no sales_share of {p!r} ({vehicle_class}) in "
                    f"{year}, the weight of its cost in group {member.attributes['group']!r}"
                )
                raise InputError(msg)
            for origin in dataset.dims.origins.ids:
                rows.append(
                    {
                        "group": member.attributes["group"],
                        "origin": origin,
                        "year": year,
                        "weight": weight,
                        "cost": float(total.loc[(p, origin, year)]),
                    }
                )
    frame = pd.DataFrame(rows)
    frame["weighted"] = frame["weight"] * frame["cost"]
    summed = frame.groupby(["group", "origin", "year"])[["weighted", "weight"]].sum()
    # a group none of whose powertrains sold that year weighs them alike
    mean = frame.groupby(["group", "origin", "year"])["cost"].mean()
    weighted = summed["weighted"] / summed["weight"].where(summed["weight"] > 0)
    return weighted.fillna(mean).rename("cost").to_frame()


def _log_odds(share: float) -> float:
    return float(np.log(share / (1.0 - share)))


def _import_share(rows: pd.DataFrame, origin: str, home: str, end: str | None = None) -> float:
    """The origin's share of the group's imports [1]; its row at ``end`` of its range if given."""
    values = rows["value"].astype(float).copy()
    bound = pd.to_numeric(rows[end], errors="coerce")[origin] if end is not None else np.nan
    if np.isfinite(bound):
        values[origin] = float(bound)
    imports = values.drop(index=home)
    return float(imports[origin] / imports.sum())


def _gap(
    costs: pd.Series, rows: pd.DataFrame, group: str, origin: str, home: str, year: int
) -> float:
    """The origin's cost less the other imports', weighted by their shares [USD/veh/yr]."""
    rest = rows.drop(index=[home, origin])["value"].astype(float)
    rest_cost = sum(float(w) * float(costs.loc[(group, str(q), year)]) for q, w in rest.items())
    return float(costs.loc[(group, origin, year)]) - rest_cost / float(rest.sum())


def _pair(
    costs: pd.Series,
    group: str,
    origin: str,
    home: str,
    years: tuple[int, int],
    rows: tuple[pd.DataFrame, pd.DataFrame],
) -> dict[str, float] | None:
    """One origin's evidence between two years; None if a share is 0 or all the imports."""
    a, b = rows
    sa, sb = _import_share(a, origin, home), _import_share(b, origin, home)
    if not (0.0 < sa < 1.0 and 0.0 < sb < 1.0):
        return None
    logit = _log_odds(sb) - _log_odds(sa)
    change = _gap(costs, b, group, origin, home, years[1]) - _gap(
        costs, a, group, origin, home, years[0]
    )
    # the largest moves the rows' ranges allow, either way
    ends = [
        _log_odds(_import_share(b, origin, home, late))
        - _log_odds(_import_share(a, origin, home, early))
        for early, late in (("low", "high"), ("high", "low"))
    ]
    implied = sorted(-e / change for e in ends) if change != 0 else [np.nan, np.nan]
    return {
        "share_before": sa * PERCENT,
        "share_after": sb * PERCENT,
        "logit_change": logit,
        "cost_change": change,
        "implied": -logit / change if change != 0 else float("nan"),
        "implied_low": implied[0],
        "implied_high": implied[1],
    }


def _evidence(rows: pd.DataFrame, *origins: str) -> bool:
    """Whether each origin's row is evidence (not an assumption)."""
    return all(
        origin in rows.index and rows.loc[origin, "status"] in EVIDENCE for origin in origins
    )


def origin_evidence(
    dataset: Dataset, vehicle_class: str, costs: pd.DataFrame | None = None
) -> OriginEvidence:
    """The implied origin sensitivity of each pair of consecutive years of origin shares.

    Parameters
    ----------
    dataset : Dataset
        A dataset with ``origin_shares.csv``.
    vehicle_class : str
        The class.
    costs : pandas.DataFrame, optional
        :func:`evhub.choicecost.generalised_costs` of the class, if the caller
        has it (default: computed).

    Returns
    -------
    OriginEvidence
        With no pair (an empty table, NaN) if the class has fewer than two
        years of origin shares of a group.

    Raises
    ------
    InputError
        If a year with origin shares has no sales share of a powertrain the
        costs price (its weight in its group's cost).
    """
    index = pd.MultiIndex.from_tuples([], names=["group", "origin", "year"])
    empty = OriginEvidence(pd.DataFrame(columns=list(COLUMNS), index=index), float("nan"))
    if ORIGIN_TABLE not in dataset.tables:
        return empty
    rows = dataset.rows(ORIGIN_TABLE, ORIGIN_SHARE, **{CLASS_KEY: vehicle_class})
    home = dataset.dims.home
    years = sorted({int(y) for y in rows["year"]})
    if len(years) < 2:
        return empty
    group_costs = _group_costs(dataset, vehicle_class, years, costs)["cost"]
    out = []
    for group, mine in rows.groupby("powertrain_group", sort=True):
        by_year = {
            int(frame["year"].iloc[0]): frame.set_index("origin")
            for _, frame in mine.groupby("year")
        }
        for before, after in itertools.pairwise(years):
            if before not in by_year or after not in by_year:
                continue
            a, b = by_year[before], by_year[after]
            if not (_evidence(a, home) and _evidence(b, home)):
                continue
            for origin in a.index.intersection(b.index).drop(home):
                if not (_evidence(a, origin) and _evidence(b, origin)):
                    continue
                found = _pair(group_costs, str(group), str(origin), home, (before, after), (a, b))
                if found is not None:
                    out.append({"group": str(group), "origin": str(origin), "year": after, **found})
    if not out:
        return empty
    pairs = pd.DataFrame(out).set_index(["group", "origin", "year"])
    beta = implied_sensitivity(pairs["logit_change"].to_numpy(), pairs["cost_change"].to_numpy())
    return OriginEvidence(pairs, beta)

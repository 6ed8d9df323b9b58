r"""Trade in cars and cells: home sales, exports, imports by origin, the balances.

Production by class (:mod:`evhub.model.production`) meets sales by class:
plants sell part of their output at home, export the rest, and imports fill
the sales; imports split over origins with the duties, exports to the EU move
with the EU's countervailing duty. Cells: domestic supply against the cells
production needs. Pure functions on arrays with a leading ``run`` axis; the
classes (powertrain groups) and origins are those of
:class:`evhub.model.categories.Categories`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from evhub.model.categories import Categories

__all__ = [
    "cell_balance",
    "eu_export_share",
    "eu_exports",
    "imports_by_chosen_origin",
    "imports_by_origin",
    "sales_by_class",
    "trade_balance",
    "trade_split",
]

F = NDArray[np.float64]
_USD_PER_BN = 1e9


def sales_by_class(sales: F, categories: Categories) -> F:
    """Sales grouped into the output classes of vehicle plants (the powertrain groups).

    Parameters
    ----------
    sales : (run, powertrain, year)
        [veh/yr]
    categories
        The group of each powertrain.

    Returns
    -------
    (run, class, year)
        [veh/yr]: each group's powertrains summed (``ice`` is petrol + diesel
        + LPG in the shipped dataset).
    """
    out: F = np.stack(
        [
            sales[:, np.flatnonzero(categories.group_of == g)].sum(axis=1)
            for g in range(len(categories.groups))
        ],
        axis=1,
    )
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


def imports_by_chosen_origin(imports: F, sales: F, within: F, categories: Categories) -> F:
    r"""Imports by origin from the choice model's split of each powertrain over origins.

    Parameters
    ----------
    imports : (run, group, year)
        Imports of each powertrain group [veh/yr] (:func:`trade_split`).
    sales : (run, powertrain, year)
        Sales [veh/yr]: weigh the powertrains of a group.
    within : (run, powertrain, origin, year)
        Each powertrain's split over origins, the home origin first [1].
    categories
        The group of each powertrain.

    Returns
    -------
    (run, import origin, year)
        [veh/yr]: a group's imports split as its buyers split their purchases
        of imports: :math:`M_o = \sum_g M_g \frac{\sum_{p \in g} S_p s_{o|p}}
        {\sum_{p \in g} S_p (1 - s_{\mathrm{home}|p})}`; a group with no
        imported purchase chosen splits its imports evenly. Sums to the
        imports.

    Examples
    --------
    One group of one powertrain, 40 % home-built, 45 % from the first import
    origin and 15 % from the second: 100 imports split 75 : 25.

    >>> from evhub.model.categories import Categories
    >>> cats = Categories(("bev",), (), np.array([-1]), np.array([True]), ("a", "b"), (), (),
    ...                   battery=np.array([True]), groups=("bev",), group_of=np.array([0]),
    ...                   eu_cvd=np.array([False]), converted_from=np.array([-1]))
    >>> within = np.array([0.4, 0.45, 0.15]).reshape(1, 1, 3, 1)
    >>> out = imports_by_chosen_origin(np.array([[[100.0]]]), np.array([[[200.0]]]), within, cats)
    >>> out[0, :, 0]
    array([75., 25.])
    """
    weighted = sales[:, :, None, :] * within[:, :, 1:, :]  # (run, pt, import origin, year)
    runs, _, n_origin, years = weighted.shape
    out = np.zeros((runs, n_origin, years))
    for g in range(len(categories.groups)):
        mine = weighted[:, categories.group_of == g].sum(axis=1)  # (run, origin, year)
        total = mine.sum(axis=1, keepdims=True)
        split = np.where(total > 0, mine / np.where(total > 0, total, 1.0), 1.0 / n_origin)
        out += imports[:, g, None, :] * split
    return out


def eu_export_share(base: F, cvd: F, base_cvd: float, elasticity: F) -> F:
    r"""Union share of battery-electric exports under a changed union duty on one origin [1].

    Home-built vehicles enter the union (the destination in a duty-free bloc
    with home) duty-free; the union's countervailing duty on the BEVs of one
    origin (``eu_cvd: true`` in the dimensions) is their price edge there.

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


def imports_by_origin(imports: F, base: F) -> F:
    """Imports by origin in the base year's split.

    The split of a class whose buyers do not choose (its shares follow
    logistic curves), and of every class up to the base year; the choice
    model's classes take theirs after it from :func:`imports_by_chosen_origin`.

    Parameters
    ----------
    imports : (run, group, year)
        A class's imports by powertrain group [veh/yr].
    base : (origin,)
        The class's origin split of imports in the base year [1], summing to 1.

    Returns
    -------
    (run, origin, year)
        The imports of every group together, split as ``base`` [veh/yr].
    """
    out: F = imports.sum(axis=1)[:, None, :] * base[None, :, None]
    return out


def eu_exports(
    exports: F, base: F, cvd: F, base_cvd: float, elasticity: F, categories: Categories
) -> F:
    r"""Exports to the EU.

    Parameters
    ----------
    exports : (run, class, year)
        [veh/yr]
    base, cvd, base_cvd, elasticity
        As in :func:`eu_export_share`.
    categories
        The classes the EU countervailing duty covers (``categories.eu_cvd``).

    Returns
    -------
    (run, year)
        :math:`E^{EU} = E_{cvd} s(c) + (E - E_{cvd}) s_0` [veh/yr]: only the
        exports of the classes the duty covers (BEVs in the shipped dataset)
        respond to it.
    """
    total = exports.sum(axis=1)
    covered = exports[:, np.flatnonzero(categories.eu_cvd)].sum(axis=1)
    share_covered = eu_export_share(base, cvd, base_cvd, elasticity)
    out: F = covered * share_covered + (total - covered) * base
    return out


def trade_balance(exports: F, export_price: F, imports: F, import_price: F) -> F:
    r"""Trade balance in cars.

    Parameters
    ----------
    exports : (run, class, year)
        [veh/yr]
    export_price : (run,)
        [USD/veh]
    imports : (run, origin, year)
        [veh/yr]
    import_price : (run, origin)
        [USD/veh]

    Returns
    -------
    (run, year)
        :math:`(E p^x - \sum_o M_o p^m_o) / 10^9` [bn USD/yr].
    """
    out: F = (
        exports.sum(axis=1) * export_price[:, None] - np.einsum("roy,ro->ry", imports, import_price)
    ) / _USD_PER_BN
    return out


def cell_balance(demand: F, capacity: F, utilisation: F) -> tuple[F, F, F]:
    r"""Domestic cell supply, cell imports and self-sufficiency.

    Parameters
    ----------
    demand : (run, year)
        Cells needed by the vehicles built in the country [GWh/yr].
    capacity : (run, year)
        Usable domestic cell capacity [GWh/yr].
    utilisation : (run,)
        Share of cell capacity used [1].

    Returns
    -------
    supply, imports, self_sufficiency : (run, year)
        Supply :math:`U = u K` [GWh/yr]; imports :math:`\max(D - U, 0)`
        [GWh/yr]; self-sufficiency :math:`\min(U, D) / D` [1] (0 where
        :math:`D = 0`, NaN where :math:`D` is unknown). A surplus of cells is
        exported.
    """
    supply = capacity * utilisation[:, None]
    imports = np.maximum(demand - supply, 0.0)
    safe = np.where(demand > 0, demand, 1.0)
    sufficiency = np.where(demand > 0, np.minimum(supply, demand) / safe, 0.0)
    sufficiency = np.where(np.isnan(demand), np.nan, sufficiency)
    return supply, imports, sufficiency

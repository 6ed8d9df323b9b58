r"""Production of the vehicle plants: output by class, and the cells it needs.

Usable capacity (:mod:`evhub.model.pipeline`) times utilisation times each
plant's output mix gives production by output class (the powertrain groups,
:attr:`evhub.model.categories.Categories.groups`); the packs of the cars produced give the
cells production needs. Pure functions on arrays with a leading ``run`` axis.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from evhub.model import pipeline
from evhub.model.categories import Categories

__all__ = ["cell_demand", "plant_mix", "production"]

F = NDArray[np.float64]
_KWH_PER_GWH = 1e6


def plant_mix(pj: pipeline.Projects, default_mix: F) -> F:
    """Output mix of every plant by class, for the classes the chain models.

    Parameters
    ----------
    pj
        The registry as arrays.
    default_mix : (run, class)
        Mix of vehicle plants that publish none [1].

    Returns
    -------
    (run, project, class)
        The published mix, else ``default_mix``, for plants of a class the
        chain models (``pj.modelled_class``); 0 for every other project (light
        commercial vehicles, cells, packs) [1].
    """
    mix = np.where(np.isnan(pj.mix)[None, :, :], default_mix[:, None, :], pj.mix[None, :, :])
    out: F = mix * pj.modelled_class[None, :, None]
    return out


def production(capacity: F, utilisation: F, relative_utilisation: F, mix: F) -> F:
    r"""Production by output class [veh/yr].

    Parameters
    ----------
    capacity : (run, project, year)
        Usable capacity [veh/yr].
    utilisation : (run, year)
        Share of usable capacity the industry uses [1].
    relative_utilisation : (project,)
        Each plant's utilisation relative to the industry's [1].
    mix : (run, project, class)
        Output mix (:func:`plant_mix`) [1].

    Returns
    -------
    (run, class, year)
        :math:`P_{c,t} = \sum_p C_{p,t} \min(u_t \rho_p, 1) m_{p,c}` [veh/yr]:
        each plant at its own utilisation, never above its capacity.

    Examples
    --------
    >>> import numpy as np
    >>> capacity = np.array([[[100.0], [50.0]]])  # (run, project, year)
    >>> mix = np.array([[[0.0, 0.0, 0.0, 1.0], [0.0, 0.5, 0.5, 0.0]]])
    >>> production(capacity, np.array([[0.5]]), np.array([1.0, 4.0]), mix)[0, :, 0].tolist()
    [0.0, 25.0, 25.0, 50.0]
    """
    plant_use = np.minimum(utilisation[:, None, :] * relative_utilisation[None, :, None], 1.0)
    out: F = np.einsum("rpy,rpc->rcy", capacity * plant_use, mix)
    return out


def cell_demand(made: F, pack: F, categories: Categories) -> F:
    """Cells needed by domestic car production [GWh/yr].

    Parameters
    ----------
    made : (run, class, year)
        Production [veh/yr].
    pack : (run, powertrain, year)
        Pack of the year's new cars [kWh/veh].
    categories
        The group of each powertrain and whether it has a battery.

    Returns
    -------
    (run, year)
        Production of each class times the pack of its powertrain with a
        battery [GWh/yr] (:func:`evhub.compose.categories` checks that a group
        holds at most one); a class without one carries no traction battery.
    """
    runs, _, years = made.shape
    pack_by_class = np.zeros((runs, len(categories.groups), years))
    for powertrain in np.flatnonzero(categories.battery):
        pack_by_class[:, categories.group_of[powertrain]] = pack[:, powertrain]
    out: F = (made * pack_by_class).sum(axis=1) / _KWH_PER_GWH
    return out

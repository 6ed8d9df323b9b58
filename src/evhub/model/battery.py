"""Traction batteries: capacity sold, materials in it, and capacity retired.

All functions take a leading ``run`` axis. Capacity in [GWh], materials in [kt].
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "capacity_demand",
    "cohort_retired_capacity",
    "material_demand",
    "pack_by_vintage",
    "retired_capacity",
]

F = NDArray[np.float64]
_KWH_PER_GWH = 1e6


def pack_by_vintage(vintages: F, base_year: int, base_pack: F, growth: F) -> F:
    r"""Average pack of a new car by powertrain and vintage.

    Parameters
    ----------
    vintages : (cohort,)
        [yr]
    base_year
        [yr]
    base_pack : (run, powertrain)
        Pack of a new car in the base year [kWh/veh] (0 for no battery).
    growth : (run, powertrain)
        Annual growth after the base year [1/yr].

    Returns
    -------
    (run, powertrain, cohort)
        :math:`K_p (1 + g_p)^{\max(0, v - y_0)}` [kWh/veh]; earlier vintages keep
        the base-year pack.
    """
    steps = np.maximum(vintages - base_year, 0)[None, None, :]
    out: F = base_pack[:, :, None] * (1.0 + growth[:, :, None]) ** steps
    return out


def capacity_demand(sales: F, pack: F) -> F:
    """Battery capacity in new cars sold.

    Parameters
    ----------
    sales : (run, powertrain, year)
        [veh/yr]
    pack : (run, powertrain, year)
        Pack of the year's new cars [kWh/veh].

    Returns
    -------
    (run, powertrain, year)
        [GWh/yr]
    """
    out: F = sales * pack / _KWH_PER_GWH
    return out


def retired_capacity(outflow_by_cohort: F, pack: F) -> F:
    """Battery capacity in cars retired, by powertrain.

    Parameters
    ----------
    outflow_by_cohort : (run, powertrain, year, cohort)
        [veh/yr]
    pack : (run, powertrain, cohort)
        [kWh/veh]

    Returns
    -------
    (run, powertrain, year)
        Nameplate capacity of the packs retired [GWh/yr].
    """
    out: F = np.einsum("rpyc,rpc->rpy", outflow_by_cohort, pack) / _KWH_PER_GWH
    return out


def cohort_retired_capacity(cohort_inflow: F, survival_loss: F, pack: F) -> F:
    r""":func:`retired_capacity` from the inflow of each cohort, without the cohort arrays.

    Parameters
    ----------
    cohort_inflow : (run, powertrain, cohort)
        Inflow of each cohort [veh/yr].
    survival_loss : (run, year, cohort)
        Share of a cohort's inflow retired in each year [1]: survival at the
        end of the previous year (1 in the sales year) minus survival now.
    pack : (run, powertrain, cohort)
        [kWh/veh]

    Returns
    -------
    (run, powertrain, year)
        Nameplate capacity of the packs retired [GWh/yr].

    Notes
    -----
    Retirements by cohort are :math:`q_{p,c} (S_{t-1,c} - S_{t,c})`, so the
    capacity :math:`\sum_c q_{p,c} k_{p,c} (S_{t-1,c} - S_{t,c})` is a matrix
    product per run.
    """
    out: F = np.matmul(cohort_inflow * pack, survival_loss.transpose(0, 2, 1)) / _KWH_PER_GWH
    return out


def material_demand(capacity_gwh: F, chemistry_share: F, intensity: F) -> F:
    """Materials in new battery capacity.

    Parameters
    ----------
    capacity_gwh : (run, year)
        [GWh/yr]
    chemistry_share : (run, chemistry, year)
        Share of capacity by chemistry [1].
    intensity : (chemistry, material)
        [kg/kWh]

    Returns
    -------
    (run, material, year)
        [kt/yr] (1 GWh x 1 kg/kWh = 1 kt).
    """
    out: F = np.einsum("ry,rcy,cm->rmy", capacity_gwh, chemistry_share, intensity)
    return out

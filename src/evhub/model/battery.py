"""Traction batteries: capacity sold, materials in it, and capacity retired.

All functions take a leading ``run`` axis. Capacity in [GWh], materials in [kt].
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "capacity_demand",
    "chemistry_shares",
    "cohort_retired_capacity",
    "end_of_life",
    "material_demand",
    "pack_by_vintage",
    "retired_capacity",
]

F = NDArray[np.float64]
_KWH_PER_GWH = 1e6
#: Runs per block of a strided (run, year, cohort) matrix copied for a matrix product:
#: a block of 61 years x 121 cohorts is ~3 MB, reused, where the whole is ~30 MB of new memory.
_RUN_BLOCK = 50


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


def cohort_retired_capacity(cohort_inflow: F, retirement: F, pack: F) -> F:
    r""":func:`retired_capacity` from the inflow of each cohort, without the cohort arrays.

    Parameters
    ----------
    cohort_inflow : (run, powertrain, cohort)
        Inflow of each cohort [veh/yr].
    retirement : (run, year, cohort)
        Share of a cohort's inflow retired in each year
        (:func:`evhub.model.lifetime.retirement_matrix`) [1]: survival at the
        end of the previous year (1 in the sales year) minus survival now; a
        contiguous array or its strided view (``copy=False``), with the same result.
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
    weighted = cohort_inflow * pack
    if retirement.flags.c_contiguous or retirement.shape[0] != weighted.shape[0]:
        out: F = np.matmul(weighted, retirement.transpose(0, 2, 1)) / _KWH_PER_GWH
        return out
    # a strided view (lifetime.retirement_matrix with copy=False): copied block by block of
    # runs into one small buffer for the matrix products, not at once into fresh memory
    runs = weighted.shape[0]
    out = np.empty((runs, weighted.shape[1], retirement.shape[1]))
    buffer = np.empty((min(runs, _RUN_BLOCK), *retirement.shape[1:]))
    for start in range(0, runs, _RUN_BLOCK):
        stop = min(start + _RUN_BLOCK, runs)
        block = buffer[: stop - start]
        np.copyto(block, retirement[start:stop])
        np.matmul(weighted[start:stop], block.transpose(0, 2, 1), out=out[start:stop])
    out /= _KWH_PER_GWH
    return out


def end_of_life(retired: F, second_life_share: F, recycling_share: F) -> tuple[F, F]:
    """Retired capacity that goes to a second life and to recycling.

    Parameters
    ----------
    retired : (run, year)
        Capacity retired [GWh/yr].
    second_life_share, recycling_share : (run,)
        Shares of the retired capacity [1].

    Returns
    -------
    second_life, recycling : (run, year)
        [GWh/yr]
    """
    second_life: F = retired * second_life_share[:, None]
    recycling: F = retired * recycling_share[:, None]
    return second_life, recycling


def chemistry_shares(years: F, base_year: int, start: F, final: F, final_year: F) -> F:
    r"""Shares of new capacity by chemistry, moving linearly to a final mix.

    Parameters
    ----------
    years : (year,)
        Model years [yr].
    base_year
        Last observed year [yr].
    start, final : (run, chemistry)
        Mix in the base year and from ``final_year`` [1].
    final_year : (run,)
        Year the final mix is reached [yr].

    Returns
    -------
    (run, chemistry, year)
        :math:`s_0 + (s_1 - s_0) \min(\max((y - y_0) / \max(y_1 - y_0, 1), 0), 1)`,
        scaled to sum to 1 [1].
    """
    progress = np.clip(
        (years[None, :] - base_year) / np.maximum(final_year[:, None] - base_year, 1.0), 0.0, 1.0
    )
    share = start[:, :, None] + (final - start)[:, :, None] * progress[:, None, :]
    out: F = share / share.sum(axis=1, keepdims=True)
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

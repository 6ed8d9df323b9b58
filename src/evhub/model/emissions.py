"""CO2 of the car fleet: tank-to-wheel from fuel, and from the electricity it uses.

Grid intensity is observed up to the base year; afterwards the fossil part of
generation keeps its recent intensity while the renewable share follows the
scenario path. All functions take a leading ``run`` axis.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["fossil_intensity", "grid_intensity_path", "tank_to_wheel", "target_path"]

F = NDArray[np.float64]
_KG_PER_MT = 1e9
_ML_TO_L = 1e6
_G_PER_MT = 1e12
_KWH_PER_TWH = 1e9


def tank_to_wheel(fuel_ml: F, co2_factor: F) -> F:
    """Tank-to-wheel CO2 by fuel.

    Parameters
    ----------
    fuel_ml : (run, fuel, year)
        Fuel use [Ml/yr].
    co2_factor : (fuel,)
        [kgCO2/l]

    Returns
    -------
    (run, fuel, year)
        [MtCO2/yr]
    """
    out: F = fuel_ml * _ML_TO_L * co2_factor[None, :, None] / _KG_PER_MT
    return out


def fossil_intensity(intensity: F, renewable_share: F) -> float:
    r"""Intensity of the non-renewable part of generation, from history.

    Parameters
    ----------
    intensity : (obs,)
        Observed grid intensity [gCO2/kWh].
    renewable_share : (obs,)
        Observed renewable share in the same years [1].

    Returns
    -------
    float
        Mean of :math:`I / (1 - r)` over the observations [gCO2/kWh].
    """
    return float(np.mean(intensity / (1.0 - renewable_share)))


def grid_intensity_path(
    years: F, base_year: int, history: F, fossil: float, renewable_share: F
) -> F:
    r"""Grid intensity: observed to the base year, then :math:`I_f (1 - r_y)`.

    Parameters
    ----------
    years : (year,)
        [yr]
    base_year
        [yr]
    history : (year,)
        Observed intensity [gCO2/kWh] (NaN after the base year).
    fossil
        Intensity of non-renewable generation [gCO2/kWh].
    renewable_share : (run, year)
        [1]

    Returns
    -------
    (run, year)
        [gCO2/kWh]. The projection is scaled so it joins the observed base year
        without a jump.
    """
    b = int(np.searchsorted(years, base_year))
    modelled = fossil * (1.0 - renewable_share)
    scale = history[b] / modelled[:, b]
    out: F = np.where(years[None, :] <= base_year, history[None, :], modelled * scale[:, None])
    return out


def electricity_co2(electricity_twh: F, grid_intensity: F) -> F:
    """CO2 of the electricity used [MtCO2/yr] from [TWh/yr] and [gCO2/kWh]."""
    out: F = electricity_twh * _KWH_PER_TWH * grid_intensity / _G_PER_MT
    return out


def target_path(
    years: F, base_year: int, base_value: F, reference: float, targets: dict[int, float]
) -> F:
    r"""A sector target path that follows the national target in proportion.

    Parameters
    ----------
    years : (year,)
        [yr]
    base_year
        [yr]
    base_value : (run,)
        The sector's emissions in the base year [MtCO2/yr].
    reference
        National emissions in the latest observed year [MtCO2e/yr].
    targets
        National targets by year [MtCO2e/yr].

    Returns
    -------
    (run, year)
        :math:`E_{y_0} \, T_y / E^{nat}`, linear between target years and NaN
        before the base year and after the last target.
    """
    ty = np.array(sorted(targets), dtype=float)
    tv = np.array([targets[int(y)] for y in ty]) / reference
    anchors_y = np.concatenate([[base_year], ty])
    anchors_v = np.concatenate([[1.0], tv])
    ratio = np.interp(years, anchors_y, anchors_v)
    ratio = np.where((years >= base_year) & (years <= ty[-1]), ratio, np.nan)
    out: F = base_value[:, None] * ratio[None, :]
    return out

"""CO2 of the car fleet: tank-to-wheel from fuel, and from the electricity it uses.

Grid intensity is observed up to the base year; afterwards the non-renewable
part of generation keeps its base-year intensity while the renewable share
follows the scenario path. All functions take a leading ``run`` axis.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from evhub.model import market

__all__ = [
    "electricity_co2",
    "grid_intensity_path",
    "renewable_share_path",
    "tank_to_wheel",
    "target_path",
]

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


def renewable_share_path(
    years: F, base_year: int, observed: F, anchor_years: F, anchor_values: F
) -> F:
    """Renewable share of generation: from the observed base year through the anchors.

    Parameters
    ----------
    years : (year,)
        Model years [yr].
    base_year
        Last observed year [yr].
    observed : (year,)
        Observed renewable share [1] (NaN after the base year).
    anchor_years : (anchor,)
        Increasing years after the base year [yr].
    anchor_values : (run, anchor)
        Renewable share in those years [1].

    Returns
    -------
    (run, year)
        Linear between the base-year observation and the anchors, flat beyond
        the ends [1] (:func:`evhub.model.market.interpolate_anchors`).
    """
    b = int(np.searchsorted(years, base_year))
    runs = anchor_values.shape[0]
    at = np.concatenate([[float(base_year)], anchor_years])
    values = np.concatenate([np.full((runs, 1), observed[b]), anchor_values], axis=1)
    return market.interpolate_anchors(years, at, values)


def grid_intensity_path(years: F, base_year: int, history: F, renewable_share: F) -> F:
    r"""Grid intensity: observed to the base year, then scaled with non-renewable generation.

    Parameters
    ----------
    years : (year,)
        [yr]
    base_year
        [yr]
    history : (year,)
        Observed intensity [gCO2/kWh] (NaN after the base year).
    renewable_share : (run, year)
        Renewable share of generation [1]; the base-year value is the observed one.

    Returns
    -------
    (run, year)
        [gCO2/kWh]

    Notes
    -----
    The non-renewable part of generation keeps its base-year intensity:

    .. math:: I_y = I_{y_0} \, \frac{1 - r_y}{1 - r_{y_0}}, \quad y > y_0
    """
    b = int(np.searchsorted(years, base_year))
    modelled = history[b] * (1.0 - renewable_share) / (1.0 - renewable_share[:, b : b + 1])
    out: F = np.where(years[None, :] <= base_year, history[None, :], modelled)
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

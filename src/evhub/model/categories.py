"""The dataset's categories as the model uses them: axis orders and index arrays.

:func:`evhub.compose.categories` builds this from the dataset's dimensions
(``dimensions.yaml``); the model's functions read the attributes here (which
fuel a powertrain burns, whether it has a plug) instead of naming a label.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Categories"]


@dataclass(frozen=True)
class Categories:
    """Axis orders and per-member attributes of the model's categories.

    Attributes
    ----------
    powertrains : (powertrain,)
        Powertrain ids, in the order of every powertrain axis.
    fuels : (fuel,)
        Liquid fuels, in the order of every fuel axis.
    fuel_of : (powertrain,)
        Index into ``fuels`` of the fuel each powertrain burns, -1 for none.
    plug : (powertrain,)
        The powertrain charges from the grid.
    origins : (origin,)
        Origins of imported cars (every origin but home).
    chemistries : (chemistry,)
        Battery cell chemistries.
    materials : (material,)
        Battery materials.
    battery : (powertrain,)
        The powertrain has a traction battery (its sales share follows a
        logistic curve; the others share the rest).
    groups : (group,)
        Powertrain groups (the output classes of vehicle plants), in the
        order of every class axis.
    group_of : (powertrain,)
        Index into ``groups`` of each powertrain's group.
    eu_cvd : (group,)
        The EU countervailing duty covers the group's cars (its exports to
        the EU move with the duty).
    converted_from : (powertrain,)
        Index of the powertrain whose new cars are converted to this one in
        their first year, -1 for none.
    """

    powertrains: tuple[str, ...]
    fuels: tuple[str, ...]
    fuel_of: NDArray[np.intp]
    plug: NDArray[np.bool_]
    origins: tuple[str, ...]
    chemistries: tuple[str, ...]
    materials: tuple[str, ...]
    battery: NDArray[np.bool_]
    groups: tuple[str, ...]
    group_of: NDArray[np.intp]
    eu_cvd: NDArray[np.bool_]
    converted_from: NDArray[np.intp]

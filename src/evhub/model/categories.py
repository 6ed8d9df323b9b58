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
    """

    powertrains: tuple[str, ...]
    fuels: tuple[str, ...]
    fuel_of: NDArray[np.intp]
    plug: NDArray[np.bool_]
    origins: tuple[str, ...]
    chemistries: tuple[str, ...]
    materials: tuple[str, ...]

"""Output classes of vehicle plants: the powertrain groups production and the pipeline use.

Each category has one owner, here; :mod:`evhub.model.pipeline`,
:mod:`evhub.model.production` and :mod:`evhub.model.trade` (and the code that
labels their results) import them from this module.
"""

from __future__ import annotations

from evhub.model import market

__all__ = ["CLASSES", "CLASS_OF"]

#: Output classes of vehicle plants and the sales powertrains each holds
#: (petrol, diesel and LPG cars are ``ice``), in the order of every class axis.
CLASS_OF: dict[str, tuple[int, ...]] = {
    "ice": market.ICE,
    "hev": (market.HEV,),
    "phev": (market.PHEV,),
    "bev": (market.BEV,),
}
#: Output classes of vehicle plants.
CLASSES: tuple[str, ...] = tuple(CLASS_OF)

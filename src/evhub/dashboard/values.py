"""What the dashboard counts as a number, and as the same number, and the dataset's report years."""

from __future__ import annotations

from evhub.dataset import Dataset
from evhub.results.results import is_finite

__all__ = [
    "SAME",
    "is_finite",
    "report_years",
    "same",
]

#: Relative tolerance below which a form value equals the scenario's value
#: (slider values travel through the browser as doubles).
SAME = 1e-9


def same(a: float, b: float) -> bool:
    """Whether a form value equals the scenario's, up to :data:`SAME` (relative)."""
    return abs(float(a) - float(b)) <= SAME * max(1.0, abs(float(b)))


def report_years(data: Dataset) -> list[int]:
    """The dataset's report years [yr] (its base year if it names none)."""
    return [int(y) for y in data.meta.get("report_years") or [data.base_year]]

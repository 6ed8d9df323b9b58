"""evhub: an open scenario model of a country's EV transition and its rise as an EV and battery hub.

>>> import evhub
>>> results = evhub.run("baseline")
>>> table = results.to_iamc()
"""

from evhub.api import (
    calibrate,
    goalseek,
    list_scenarios,
    load_dataset,
    pipeline,
    resolve,
    run,
    sensitivity,
    validate,
)
from evhub.dataset import Dataset
from evhub.errors import InputError
from evhub.results import Results

__all__ = [
    "Dataset",
    "InputError",
    "Results",
    "calibrate",
    "goalseek",
    "list_scenarios",
    "load_dataset",
    "pipeline",
    "resolve",
    "run",
    "sensitivity",
    "validate",
]

"""evhub: an open scenario model of a country's EV transition and its rise as an EV and battery hub.

>>> import evhub
>>> results = evhub.run("baseline")
>>> table = results.to_iamc()
"""

from evhub.api import calibrate, list_scenarios, load_dataset, resolve, run, validate
from evhub.dataset import Dataset
from evhub.errors import InputError
from evhub.results import Results

__all__ = [
    "Dataset",
    "InputError",
    "Results",
    "calibrate",
    "list_scenarios",
    "load_dataset",
    "resolve",
    "run",
    "validate",
]

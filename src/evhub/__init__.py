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
    open_store,
    pipeline,
    resolve,
    run,
    sensitivity,
    validate,
)
from evhub.dataset import Dataset
from evhub.errors import InputError
from evhub.layout import evhub_version
from evhub.results import Results

#: The installed version of evhub, read from the package metadata (``version`` in
#: pyproject.toml, the one place it is written); ``unknown`` in a source tree never installed.
__version__ = evhub_version()

__all__ = [
    "Dataset",
    "InputError",
    "Results",
    "calibrate",
    "goalseek",
    "list_scenarios",
    "load_dataset",
    "open_store",
    "pipeline",
    "resolve",
    "run",
    "sensitivity",
    "validate",
]

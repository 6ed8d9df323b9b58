"""The names in a results folder: its files, sub-folders, ``current`` link and lock, and run ids.

See :mod:`evhub.layout` for the folder these names make up.
"""

from __future__ import annotations

import re

from evhub.dims import DIMENSIONS_FILE

__all__ = [
    "ANALYSES",
    "CURRENT",
    "DIMENSIONS",
    "ENSEMBLE_FILES",
    "GOALSEEK",
    "IAMC",
    "LINKED",
    "LOCK",
    "MANIFEST",
    "QUANTILES",
    "REPORT",
    "RUNS",
    "RUN_FILES",
    "RUN_ID_PATTERN",
    "SCORECARD",
    "SENSITIVITY",
    "STORE",
    "TARGETS",
    "TMP_RUN",
    "goalseek_files",
    "is_temp",
    "sensitivity_files",
    "summary_file",
]

#: The IAMC table of the central (deterministic) runs.
IAMC = "iamc.csv"
#: Key indicators per scenario, with targets (and the ensemble's odds).
SCORECARD = "scorecard.csv"
#: The IAMC quantile table of an ensemble.
QUANTILES = "iamc_quantiles.csv"
#: The probability of meeting each target, of an ensemble.
TARGETS = "targets.csv"
#: The DuckDB store (tables :data:`evhub.layout.STORE_TABLES` and
#: :data:`evhub.layout.ENSEMBLE_STORE_TABLES`).
STORE = "evhub.duckdb"
#: The HTML report that ``evhub report`` writes into the run folder.
REPORT = "report.html"
#: The manifest of one run (:class:`evhub.layout.Manifest`).
MANIFEST = "manifest.json"
#: The dimensions of the run's dataset (:func:`evhub.layout.write_dims`,
#: :func:`evhub.layout.read_dims`).
DIMENSIONS = DIMENSIONS_FILE
#: Files an ensemble adds to a run.
ENSEMBLE_FILES = (QUANTILES, TARGETS)
#: Files a run writes (the ensemble's only with an ensemble), besides its manifest.
RUN_FILES = (IAMC, SCORECARD, QUANTILES, TARGETS, STORE, DIMENSIONS)
#: Names in the results folder that are links into the current run (when it has the file).
LINKED = (*RUN_FILES, MANIFEST, REPORT)
#: Sub-folder of the results folder that holds the run folders.
RUNS = "runs"
#: Link to the current run folder (``runs/<run-id>``).
CURRENT = "current"
#: Lock file, present while a process writes into the results folder.
LOCK = ".evhub.lock"
#: Sub-folder of the results folder for ``evhub sensitivity``.
SENSITIVITY = "sensitivity"
#: Sub-folder of the results folder for ``evhub goalseek --out``.
GOALSEEK = "goalseek"
#: Sub-folders of the results folder that hold analyses beside the runs (each of their
#: files replaced at once, :func:`evhub.layout.write_atomically`).
ANALYSES = (SENSITIVITY, GOALSEEK)
#: A run id: the time of the run (UTC) and eight random hex digits (``20260131T120000Z-1a2b3c4d``).
RUN_ID_PATTERN = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")
#: Start of the name of a run folder being filled (``runs/.tmp-<run-id>-<pid>``).
TMP_RUN = ".tmp-"


def is_temp(name: str) -> bool:
    """Whether a name in the results folder is a temporary link or folder being swapped in."""
    return name.startswith(".") and ".tmp-" in name


def _safe(stem: str, default: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip(".-") or default


def sensitivity_files(stem: str) -> tuple[str, str]:
    """File names of one sensitivity analysis: the indices and the one-at-a-time table.

    >>> sensitivity_files("sensitivity-hub-stock-2030-sobol")
    ('sensitivity-hub-stock-2030-sobol.csv', 'sensitivity-hub-stock-2030-sobol-tornado.csv')
    """
    safe = _safe(stem, "sensitivity")
    return f"{safe}.csv", f"{safe}-tornado.csv"


def goalseek_files(stem: str) -> tuple[str, str]:
    """File names of one goal seek: the scan of the range and the summary (question, answer).

    >>> goalseek_files("goalseek-hub-stock-2030-car-trade-utilisation")[1]
    'goalseek-hub-stock-2030-car-trade-utilisation.json'
    """
    safe = _safe(stem, "goalseek")
    return f"{safe}.csv", summary_file(safe)


def summary_file(stem: str) -> str:
    """File name of the summary of an analysis (what it is of, with units): ``<stem>.json``.

    >>> summary_file("sensitivity-hub-stock-2030-sobol")
    'sensitivity-hub-stock-2030-sobol.json'
    """
    return f"{_safe(stem, 'analysis')}.json"

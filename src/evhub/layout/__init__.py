"""The results folder: its files, the store's tables, the manifest, and how a run is swapped in.

This package owns the schema of a results folder; every writer
(:meth:`evhub.results.Results.write`, ``evhub sensitivity``, the report) and
every reader (:func:`evhub.report.read.read_results`) uses it. A results folder
``OUT`` (``evhub run --out OUT``) looks like this::

    OUT/
      runs/<run-id>/           one complete run: iamc.csv, scorecard.csv,
                               evhub.duckdb, dimensions.yaml, with an ensemble
                               iamc_quantiles.csv and targets.csv, manifest.json,
                               and the report.html that `evhub report` adds
      current -> runs/<run-id>
      iamc.csv -> current/iamc.csv    one link per file of the current run
      ...
      sensitivity/             the CSVs (and a JSON summary) of `evhub sensitivity --out OUT`
      goalseek/                the scan (CSV) and the answer (JSON) of `evhub goalseek --out OUT`
      .evhub.lock              only while a process writes into OUT

A run fills ``runs/.tmp-<run-id>-<pid>/``, writes its manifest there, renames
the folder to ``runs/<run-id>`` and then points ``current`` at it with one
rename of a link: a reader sees the old run or the new one, never a mix. The
links ``OUT/iamc.csv`` etc. go through ``current``, so they switch with it; a
``report.html`` of an old run cannot sit beside new data (a new run has none
until ``evhub report`` writes one into its folder). Everything temporary lives
inside ``OUT``, on the same file system as the final place, so ``OUT`` may be
on another file system or a mount point. Old runs are removed after the swap;
temporary folders of a killed process are removed by the next writer, while it
holds the lock.

A run folder's ``manifest.json`` names the run and lists every file of the
run with its checksum (:mod:`evhub.layout.manifest`), and its
``dimensions.yaml`` holds the dimensions of the run's dataset
(:mod:`evhub.layout.dimensions`).

The modules, each with one job:

- :mod:`evhub.layout.names`: the file and folder names, run ids;
- :mod:`evhub.layout.schema`: the store's tables and columns, and their comments;
- :mod:`evhub.layout.checksums`: SHA-256 of files and folders;
- :mod:`evhub.layout.manifest`: the request of a run and its manifest;
- :mod:`evhub.layout.folder`: what a folder holds, whether a run may go into it;
- :mod:`evhub.layout.locking`: the lock of a results folder;
- :mod:`evhub.layout.swap`: writing a run and swapping it in (with the crash-test hook);
- :mod:`evhub.layout.cleanup`: removing what killed writers left behind, scratch folders;
- :mod:`evhub.layout.reading`: opening a run folder and checking its files;
- :mod:`evhub.layout.dimensions`: the run's ``dimensions.yaml``;
- :mod:`evhub.layout.filesystem`: small file-system helpers.

Callers use the names below as ``layout.X`` (``from evhub import layout``).
"""

from evhub.layout.checksums import file_entries, sha256_file, tree_checksum
from evhub.layout.cleanup import scratch_folder
from evhub.layout.dimensions import read_dims, write_dims
from evhub.layout.folder import Folder, check_folder, check_target, inspect
from evhub.layout.locking import lock
from evhub.layout.manifest import Manifest, Request, evhub_version, manifest_body
from evhub.layout.names import (
    ANALYSES,
    CURRENT,
    DIMENSIONS,
    ENSEMBLE_FILES,
    GOALSEEK,
    IAMC,
    LINKED,
    LOCK,
    MANIFEST,
    QUANTILES,
    REPORT,
    RUN_FILES,
    RUNS,
    SCORECARD,
    SENSITIVITY,
    STORE,
    TARGETS,
    goalseek_files,
    sensitivity_files,
    summary_file,
)
from evhub.layout.reading import open_run
from evhub.layout.schema import (
    ENSEMBLE_SCORECARD,
    ENSEMBLE_SCORECARD_COLUMNS,
    ENSEMBLE_STORE_TABLES,
    ENSEMBLE_TABLES,
    STORE_TABLES,
    TABLES,
    Column,
    Table,
    column,
    comment_store,
)
from evhub.layout.swap import CRASH_ENV, CRASH_STAGES, link, write_atomically, write_run

__all__ = [
    "ANALYSES",
    "CRASH_ENV",
    "CRASH_STAGES",
    "CURRENT",
    "DIMENSIONS",
    "ENSEMBLE_FILES",
    "ENSEMBLE_SCORECARD",
    "ENSEMBLE_SCORECARD_COLUMNS",
    "ENSEMBLE_STORE_TABLES",
    "ENSEMBLE_TABLES",
    "GOALSEEK",
    "IAMC",
    "LINKED",
    "LOCK",
    "MANIFEST",
    "QUANTILES",
    "REPORT",
    "RUNS",
    "RUN_FILES",
    "SCORECARD",
    "SENSITIVITY",
    "STORE",
    "STORE_TABLES",
    "TABLES",
    "TARGETS",
    "Column",
    "Folder",
    "Manifest",
    "Request",
    "Table",
    "check_folder",
    "check_target",
    "column",
    "comment_store",
    "evhub_version",
    "file_entries",
    "goalseek_files",
    "inspect",
    "link",
    "lock",
    "manifest_body",
    "open_run",
    "read_dims",
    "scratch_folder",
    "sensitivity_files",
    "sha256_file",
    "summary_file",
    "tree_checksum",
    "write_atomically",
    "write_dims",
    "write_run",
]

"""Ensembles: sample a scenario's uncertain inputs and run every member through the chain.

- :mod:`evhub.ensemble.design`: what is sampled (each uncertain input, a
  :class:`Column` of the scenario's :class:`Design`) and the uniform draws
  (Latin hypercube or scrambled Sobol, :func:`unit_draws`);
- :mod:`evhub.ensemble.execute`: running the members in chunks, in this
  process or on a Dask cluster (:func:`run_ensemble`, :func:`evaluate`);
- :mod:`evhub.ensemble.summary`: the :class:`Ensemble`, whose members' values
  live in chunk files, with their quantiles and the probability of meeting
  each target;
- :mod:`evhub.ensemble.chunks`: a chunk's values in its scratch file, with the
  cells its members share kept once;
- :mod:`evhub.ensemble.store`: the ensemble's tables in the DuckDB store.
"""

from evhub.ensemble.design import Column, Design, unit_draws
from evhub.ensemble.execute import (
    DEFAULT_CHUNK,
    Progress,
    Task,
    evaluate,
    make_task,
    run_chunk,
    run_ensemble,
)
from evhub.ensemble.summary import QUANTILES, Ensemble

__all__ = [
    "DEFAULT_CHUNK",
    "QUANTILES",
    "Column",
    "Design",
    "Ensemble",
    "Progress",
    "Task",
    "evaluate",
    "make_task",
    "run_chunk",
    "run_ensemble",
    "unit_draws",
]

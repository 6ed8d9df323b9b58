"""Results: the labelled arrays of a run, their IAMC tables, the scorecard and the store.

- :mod:`evhub.results.results`: :class:`Results`, what :func:`evhub.run` returns;
- :mod:`evhub.results.iamc`: the IAMC tables (wide and long);
- :mod:`evhub.results.store`: a run's files and its DuckDB store.

The IAMC variables themselves are defined in :mod:`evhub.variables`, the
layout of a results folder in :mod:`evhub.layout`.
"""

from evhub.results.results import Results, format_value

__all__ = ["Results", "format_value"]

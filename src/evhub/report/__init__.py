"""The offline HTML report of a results folder (``evhub report RESULTS_DIR``).

Examples
--------
>>> from evhub.report import write_report
>>> # write_report("results")  # -> results/report.html
"""

from evhub.report.build import render_report, write_report

__all__ = ["render_report", "write_report"]

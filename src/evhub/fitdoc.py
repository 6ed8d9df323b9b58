"""The fit to history as Markdown (``docs/fit.md``), generated from the checks and the model.

For each dataset, every check of its ``history_checks.yaml`` (:mod:`evhub.fit`):
what it compares, the years, the tolerance the tests accept (read from that
file, the one place it is written), why it is that size, the test that makes
the check, and the error the model makes now, year by year. The prose is the
template ``templates/fit.md.j2``; no number is written in it.

``python scripts/generate_docs.py`` writes the page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from evhub import fit
from evhub.datadoc import markdown_environment
from evhub.dataset import Dataset

__all__ = ["markdown"]

#: The template of the page, in ``evhub/templates/``.
TEMPLATE = "fit.md.j2"

#: Errors smaller than this are shown as "< 0.01" (the page's precision is two decimals;
#: below it, rounding differs between machines).
_SHOWN = 0.005
_BELOW = "< 0.01"
#: Values from here on are counts (vehicles), written as whole numbers with separators.
_COUNT = 1000.0


def markdown(datasets: Sequence[Dataset]) -> str:
    """The page ``docs/fit.md``: every check of each dataset with its error now.

    Parameters
    ----------
    datasets
        The datasets, each with a ``history_checks.yaml``, in the order of the page.

    Returns
    -------
    str
        The page.
    """
    env = markdown_environment()
    env.filters["number"] = _number
    env.filters["header"] = _header
    context = {
        "kinds": fit.KINDS,
        "checks_file": fit.CHECKS_FILE,
        "datasets": [_dataset(d) for d in datasets],
    }
    return str(env.get_template(TEMPLATE).render(**context))


def _dataset(data: Dataset) -> dict[str, Any]:
    measured = fit.measure(data)
    return {
        "name": data.name,
        "region": data.region,
        "scenario": fit.scenario_of(data),
        "base_year": data.base_year,
        "checks": [_check(data, m) for m in measured],
    }


def _check(data: Dataset, m: fit.Measurement) -> dict[str, Any]:
    check = m.check
    shown = _error(m.worst).lstrip("+")
    observed = [
        " ".join(
            [f"`{s['table']}.csv` `{s['variable']}`"]
            + [
                f"{k} = `{v}`" if v else f"{k} empty (the total)"
                for k, v in fit.key_columns(s).items()
            ]
        )
        for s in check.observed
    ]
    return {
        "id": check.id,
        "kind": check.kind,
        "class_label": data.dims.classes.label(check.vehicle_class),
        "vehicle_class": check.vehicle_class,
        "years": _years(m),
        "tolerance": check.tolerance,
        "unit": check.unit,
        "why": check.why,
        "test": check.test,
        "variable": m.details.get("variable", ""),
        "observed": observed,
        "worst_shown": shown,
        # below the page's precision the year of the largest error is rounding noise
        "where": "–" if shown == _BELOW else m.where,
        "passed": m.passed,
        "columns": list(m.table.columns),
        "cells": [
            [_cell(col, row[col]) for col in m.table.columns] for row in m.table.to_dict("records")
        ],
    }


#: The headers of a measurement's table, by column.
_HEADERS = {
    "year": "year",
    "observed": "observed",
    "modelled": "modelled",
    "error": "error",
    "parameter": "parameter",
    "shipped": "shipped",
    "fitted": "refit",
    "powertrain": "powertrain",
    "persistence": "persistence",
    "logistic": "logistic curves",
}
#: Columns of errors, in the check's unit.
_ERRORS = ("error", "persistence", "logistic")


def _header(column: str, unit: str) -> str:
    return f"{_HEADERS[column]} [{unit}]" if column in _ERRORS else _HEADERS[column]


def _cell(column: str, value: Any) -> str:
    if column in _ERRORS:
        return _error(float(value))
    if column in ("year", "parameter", "powertrain"):
        return str(value)
    return _number(value)


def _years(m: fit.Measurement) -> str:
    """The years compared, those of the table, as runs: ``2000, 2002–2003, 2010–2025``."""
    if "year" not in m.table.columns:
        first, last = m.check.years or (None, None)
        return f"{first}–{last}"
    runs: list[list[int]] = []
    for year in sorted({int(y) for y in m.table["year"]}):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _number(value: Any) -> str:
    """A value of a table: a year or an id as it is, a count with separators, else 4 digits."""
    if isinstance(value, str):
        return value
    number = float(value)
    if not math.isfinite(number):
        return str(number)
    if abs(number) >= _COUNT:
        return f"{number:,.0f}"
    return f"{number:.4g}"


def _error(value: float) -> str:
    """An error with two decimals and its sign; "< 0.01" below that."""
    if abs(value) < _SHOWN:
        return _BELOW
    return f"{value:+.2f}"

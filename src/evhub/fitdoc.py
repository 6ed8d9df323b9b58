"""The fit to history as Markdown (``docs/fit.md``), generated from the checks and the model.

For each dataset, every check of its ``history_checks.yaml`` (:mod:`evhub.fit`):
what it compares, the years, the tolerance the tests accept (read from that
file, the one place it is written), why it is that size, the test that makes
the check, and the error the model makes now, year by year. Then, for a
dataset that ships the choice model's parameters (``choice_fit.csv``,
:mod:`evhub.choiceposterior`), their prior against their posterior, as a
table and a figure (an inline SVG), with the parameters the data cannot
identify flagged (:func:`evhub.choicefit.fit_choice`'s ``identified`` and
``why``). The prose is the template ``templates/fit.md.j2``; no number is
written in it.

``python scripts/generate_docs.py`` writes the page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from evhub import choicefit, choiceorigin, choiceposterior, fit
from evhub.datadoc import markdown_environment
from evhub.dataset import CLASS_KEY, Dataset

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
        "choice": _choice(data),
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
    "recalibrated": "recalibrated to the last fitted year",
}
#: Columns of errors, in the check's unit.
_ERRORS = ("error", "persistence", "logistic", "recalibrated")


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


# --------------------------------------------------------------------------
# The choice model: prior against posterior
# --------------------------------------------------------------------------

#: The figure's geometry [px]: label column, bar length, row height, margins.
_LABEL_PX = 300
_BAR_PX = 360
_ROW_PX = 26
_PAD_PX = 12
#: Colours: the prior's range, the posterior's interval and median of an identified
#: parameter, and of one the data cannot identify.
_PRIOR_COLOUR = "#d9d9d9"
_IDENTIFIED_COLOUR = "#1f77b4"
_FLAGGED_COLOUR = "#d62728"


def _choice(data: Dataset) -> list[dict[str, Any]]:
    """Per class with rows in ``choice_fit.csv``: the prior-posterior table and figure."""
    shipped = data.tables.get(choiceposterior.FIT_TABLE)
    if shipped is None or shipped.empty:
        return []
    out = []
    for vehicle_class in dict.fromkeys(shipped[CLASS_KEY]):
        mode = choicefit.fit_choice(data, str(vehicle_class), data.base_year)
        rows = _choice_rows(data, mode, shipped[shipped[CLASS_KEY] == vehicle_class])
        out.append(
            {
                "vehicle_class": vehicle_class,
                "class_label": data.dims.classes.label(str(vehicle_class)),
                "years": f"{mode.fitted_years[0]}–{mode.fitted_years[-1]}",
                "observations": len(mode.observations),
                "rms": f"{mode.rms_error_pp:.2f}",
                "rows": rows,
                "figure": _figure(rows),
                "origin": _origin(data, str(vehicle_class)),
            }
        )
    return out


def _origin(data: Dataset, vehicle_class: str) -> dict[str, Any] | None:
    """The origin shares' evidence on the origin nest's sensitivity; None without a pair."""
    evidence = choiceorigin.origin_evidence(data, vehicle_class)
    if evidence.pairs.empty:
        return None
    shipped_fit = data.tables[choiceposterior.FIT_TABLE]
    beta = float(
        shipped_fit[
            (shipped_fit[CLASS_KEY] == vehicle_class)
            & (shipped_fit["variable"] == "cost_sensitivity")
        ]["value"].iloc[0]
    )
    path = f"{vehicle_class}.choice.origin_sensitivity"
    shipped = data.assumptions[data.assumptions["parameter"] == path].iloc[0]
    rows = [
        {
            "group": key[0],
            "origin": key[1],
            "year": key[2],
            "shares": f"{r['share_before']:.1f} → {r['share_after']:.1f}",
            "logit": f"{r['logit_change']:+.3f}",
            "cost": f"{r['cost_change']:+,.0f}",
            "implied": _number(r["implied"]),
            "range": f"{_number(r['implied_low'])} – {_number(r['implied_high'])}",
            "fitted": f"{-float(shipped['value']) * beta * r['cost_change']:+.3f}",
        }
        for key, r in zip(evidence.pairs.index, evidence.pairs.to_dict("records"), strict=True)
    ]
    return {
        "rows": rows,
        "beta": _number(evidence.beta_origin),
        "beta_p": _number(beta),
        "ratio": f"{evidence.origin_sensitivity(beta):.2f}",
        "shipped": _number(shipped["value"]),
        "shipped_range": f"{_number(shipped['low'])} – {_number(shipped['high'])}",
    }


def _choice_rows(
    data: Dataset, mode: choicefit.ChoiceFit, shipped: pd.DataFrame
) -> list[dict[str, Any]]:
    """One row per parameter of the fit; the posterior of those ``choice_fit.csv`` ships."""
    problem = mode.problem
    term = {  # (group, kind) -> the fit's name of the parameter
        (
            str(data.dims.powertrains.member(problem.powertrains[i]).attributes["group"]),
            kind,
        ): f"nonfinancial_initial.{problem.powertrains[i]}.{kind}"
        for i, kind, _, _ in problem.nfc
    }
    posterior: dict[str, tuple[float, float, float]] = {}
    for row in shipped.to_dict("records"):
        name = str(row["variable"])
        if name == "nonfinancial_initial":
            name = term[(str(row["powertrain_group"]), str(row["kind"]))]
        posterior[name] = (float(row["value"]), float(row["low"]), float(row["high"]))
    out = []
    for index, p in mode.parameters.iterrows():
        name = str(index)
        has_prior = bool(np.isfinite(p["prior"]))
        median, low, high = posterior.get(name, (np.nan, np.nan, np.nan))
        narrowing = (high - low) / (p["prior_high"] - p["prior_low"]) if has_prior else np.nan
        out.append(
            {
                "parameter": name,
                "unit": str(p["unit"]),
                "prior": _number(p["prior"]) if has_prior else "–",
                "prior_range": (
                    f"{_number(p['prior_low'])} – {_number(p['prior_high'])}"
                    if has_prior
                    else "flat"
                ),
                "mode": _number(p["value"]),
                "posterior": (
                    f"{_number(median)} ({_number(low)} – {_number(high)})"
                    if np.isfinite(median)
                    else "not shipped"
                ),
                "narrowing": f"{narrowing:.2f}" if np.isfinite(narrowing) else "–",
                "identified": bool(p["identified"]),
                "why": str(p["why"]),
                # for the figure: positions on the prior's range [0, 1]
                "scaled": (
                    [
                        (v - p["prior_low"]) / (p["prior_high"] - p["prior_low"])
                        for v in (p["prior"], low, median, high)
                    ]
                    if has_prior and np.isfinite(median)
                    else None
                ),
            }
        )
    return out


def _figure(rows: list[dict[str, Any]]) -> str:
    """An inline SVG: each parameter with a prior on its prior's range (0 to 1).

    The prior's range is a grey bar with a tick at the prior's value; the
    posterior's 5th-95th percentiles a coloured bar with a dot at the median,
    red where the fit flags the parameter as not identified.
    """
    shown = [r for r in rows if r["scaled"] is not None]
    height = 2 * _PAD_PX + _ROW_PX * (len(shown) + 1)
    width = _LABEL_PX + _BAR_PX + 2 * _PAD_PX
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" font-family="sans-serif" font-size="12">',
        "<title>Prior range (grey, tick at the prior) and posterior 5th-95th percentiles "
        "(bar, dot at the median) on each prior's range</title>",
    ]
    x0 = _LABEL_PX + _PAD_PX
    for k, row in enumerate(shown):
        y = _PAD_PX + _ROW_PX * k + _ROW_PX // 2
        prior, low, median, high = (min(max(v, 0.0), 1.0) for v in row["scaled"])
        colour = _IDENTIFIED_COLOUR if row["identified"] else _FLAGGED_COLOUR
        label = row["parameter"] + ("" if row["identified"] else " (not identified)")
        parts += [
            f'<text x="{_LABEL_PX}" y="{y + 4}" text-anchor="end">{escape(label)}</text>',
            f'<rect x="{x0}" y="{y - 4}" width="{_BAR_PX}" height="8" fill="{_PRIOR_COLOUR}"/>',
            f'<line x1="{x0 + prior * _BAR_PX:.1f}" y1="{y - 8}" x2="{x0 + prior * _BAR_PX:.1f}" '
            f'y2="{y + 8}" stroke="#555555"/>',
            f'<rect x="{x0 + low * _BAR_PX:.1f}" y="{y - 3}" '
            f'width="{max((high - low) * _BAR_PX, 1.0):.1f}" height="6" fill="{colour}"/>',
            f'<circle cx="{x0 + median * _BAR_PX:.1f}" cy="{y}" r="4" fill="{colour}"/>',
        ]
    y = _PAD_PX + _ROW_PX * len(shown) + _ROW_PX // 2
    parts += [
        f'<text x="{x0}" y="{y + 4}">prior low</text>',
        f'<text x="{x0 + _BAR_PX}" y="{y + 4}" text-anchor="end">prior high</text>',
        "</svg>",
    ]
    return "".join(parts)

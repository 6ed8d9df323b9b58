"""The dashboard's tables: the scorecard as the page shows it, and the sources a run used."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from evhub.compose import project_table
from evhub.dashboard.values import is_finite, report_years
from evhub.dataset import Dataset
from evhub.scenario import (
    ResolvedScenario,
)

__all__ = [
    "display_scorecard",
    "sources_table",
]

#: Parameter paths shown to the user, at most this many per source in the sources table.
_PATHS_SHOWN = 3


def _rounded(value: Any) -> Any:
    """A number rounded as :func:`evhub.dashboard.headlines.format_value` shows it.

    Whole from 1,000, else one decimal.
    """
    if not is_finite(value):
        return value
    return round(float(value)) if abs(float(value)) >= 1000 else round(float(value), 1)


def display_scorecard(card: pd.DataFrame) -> pd.DataFrame:
    """A scorecard for the page: numbers rounded as the command line prints them, ``met`` as text.

    Parameters
    ----------
    card
        :func:`evhub.dashboard.runs.compare_scorecard`.

    Returns
    -------
    pandas.DataFrame
        The same columns; ``value``, ``target``, ``p05`` and ``p95`` rounded
        to whole numbers from 1,000 and to one decimal below; ``met`` is
        ``"yes"``, ``"no"`` or ``""`` (no target).
    """
    shown = card.copy()
    for column in ("value", "target", "p05", "p95"):
        if column in shown.columns:
            shown[column] = [_rounded(v) for v in shown[column]]
    if "met" in shown.columns:
        shown["met"] = ["" if pd.isna(m) else ("yes" if bool(m) else "no") for m in shown["met"]]
    return shown


def _ids(text: Any) -> list[str]:
    if not isinstance(text, str):
        return []
    return [part.strip() for part in text.split(";") if part.strip()]


def sources_table(
    resolved: ResolvedScenario, data: Dataset, pipeline: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The dataset's sources a run used, with where each is used.

    A source is used if a data table row, a scenario parameter's value (its
    provenance) or a pipeline project cites it.

    Parameters
    ----------
    resolved
        The scenario as run.
    data
        The dataset.
    pipeline
        The registry as the run saw it (default: :func:`evhub.compose.project_table`).

    Returns
    -------
    pandas.DataFrame
        Columns ``id, publisher, title, date, url, used in``, sorted by id.
    """
    used: dict[str, dict[str, None]] = {}

    def cite(ids: Iterable[str], where: str) -> None:
        for sid in ids:
            if sid in data.sources:
                used.setdefault(sid, {})[where] = None

    for name, table in data.tables.items():
        if "source" in table.columns:
            for text in table["source"].dropna().unique():
                cite(_ids(text), f"{name}.csv")
    if pipeline is None:
        pipeline = project_table(resolved, data, report_years(data)[0])
    for text in pipeline["source"].dropna().unique():
        cite(_ids(text), "pipeline.csv")
    for path, text in resolved.provenance.items():
        cite(_ids(text), path)

    def where(places: Iterable[str]) -> str:
        files = [p for p in places if p.endswith(".csv")]
        paths = [p for p in places if not p.endswith(".csv")]
        shown = paths[:_PATHS_SHOWN]
        more = f" (+{len(paths) - len(shown)} more)" if len(paths) > len(shown) else ""
        return ", ".join([*files, *shown]) + more

    rows = [
        {
            "id": src.id,
            "publisher": src.publisher,
            "title": src.title,
            "date": str(src.date),
            "url": src.url,
            "used in": where(used[sid]),
        }
        for sid, src in sorted(data.sources.items())
        if sid in used
    ]
    return pd.DataFrame(rows, columns=["id", "publisher", "title", "date", "url", "used in"])

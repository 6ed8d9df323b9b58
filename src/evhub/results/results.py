"""The results of a run: labelled arrays, their IAMC variables and the scorecard.

:class:`Results` is what :func:`evhub.run` returns: the deterministic run of
each scenario as labelled arrays, with the ensembles if any. It gives the
IAMC tables (:mod:`evhub.results.iamc`), the scorecard (key indicators
against targets, :mod:`evhub.model.indicators`) and writes a results folder
(:mod:`evhub.results.store`, :mod:`evhub.layout`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import xarray as xr

from evhub import layout
from evhub.errors import InputError
from evhub.model import indicators
from evhub.results.iamc import long_table, wide_table
from evhub.results.store import write_files
from evhub.variables import iamc_variables, scorecard_indicators

if TYPE_CHECKING:
    from evhub.dataset import Dataset
    from evhub.ensemble import Ensemble
    from evhub.scenario import ResolvedScenario

__all__ = ["Results", "format_value", "is_finite"]


@dataclass(frozen=True)
class Results:
    """The results of a run.

    Attributes
    ----------
    data
        Labelled arrays with dims ``scenario``, ``run``, ``year`` (and
        ``powertrain``, ``fuel``, ``material`` where they apply); each variable
        has ``attrs["units"]``.
    scenarios
        The resolved scenarios, in order.
    dataset
        The dataset the run used.
    ensemble
        The ensemble of each scenario (:class:`evhub.ensemble.Ensemble`), if
        one was run.
    """

    data: xr.Dataset
    scenarios: Sequence[ResolvedScenario]
    dataset: Dataset
    ensemble: Ensemble | None = None
    #: Tables computed once (the scorecard is printed, written and stored).
    _memo: dict[str, pd.DataFrame] = field(default_factory=dict, compare=False, repr=False)

    def variable(self, name: str) -> xr.DataArray:
        """One IAMC variable as an array (scenario, run, year), with its unit."""
        variables = iamc_variables(self.dataset.dims)
        if name not in variables:
            msg = f"unknown variable {name!r}; the IAMC variables are those of iamc.csv"
            raise InputError(msg)
        unit, get = variables[name]
        arr = get(self.data)
        arr.attrs = {"units": unit, "long_name": name}
        return arr

    def to_iamc(self, run: int = 0) -> pd.DataFrame:
        """The IAMC wide table: Model, Scenario, Region, Variable, Unit, years.

        Parameters
        ----------
        run
            Which run of the ensemble (0 for a deterministic run).
        """
        return wide_table(self.data, self.dataset.dims, self.dataset.region, run)

    def to_long(self) -> pd.DataFrame:
        """Every variable, scenario, run and year in long format."""
        return long_table(self.data, self.dataset.dims)

    def scorecard(self) -> pd.DataFrame:
        """Key indicators per scenario, with targets where they exist.

        Computed once per result (a copy is returned).

        Columns: indicator, year, unit, scenario, value (of the deterministic
        run), target, met; with an ensemble also ``probability``, the share of
        members that meet the target, and ``p05`` and ``p95``, the 5th and
        95th percentiles of the members.
        """
        if "scorecard" not in self._memo:
            self._memo["scorecard"] = self._scorecard()
        return self._memo["scorecard"].copy()

    def _scorecard(self) -> pd.DataFrame:
        data = self.dataset
        targets = data.rows("targets", "ghg_target").dropna(subset=["year"])
        target_years = sorted(int(y) for y in targets["year"] if y > data.base_year)
        goals = {s.name: s.targets() for s in self.scenarios}
        chosen = scorecard_indicators(data.dims)
        card = indicators.scorecard(
            chosen,
            {name: self.variable(name).isel(run=0) for name in indicators.needed(chosen)},
            [str(s) for s in self.data["scenario"].values],
            [int(y) for y in data.meta.get("report_years") or []],
            target_years,
            goals,
        )
        if self.ensemble is not None:
            odds = self.ensemble.targets()[["scenario", "target", "year", "probability"]]
            odds = odds.rename(columns={"target": "indicator"})
            card = card.merge(odds, on=["scenario", "indicator", "year"], how="left")
            quantiles = self.ensemble.quantiles().set_index(["Scenario", "Variable", "Quantile"])
            variable = {ind.label: ind.variable for ind in chosen}
            for column, level in (("p05", 0.05), ("p95", 0.95)):
                card[column] = [
                    float(quantiles.at[(scen, variable[str(label)], level), year])  # type: ignore[arg-type]
                    for scen, label, year in zip(
                        card["scenario"], card["indicator"], card["year"], strict=True
                    )
                ]
        return card

    def write(
        self,
        out: str | Path,
        progress: Callable[[int, int, str], None] | None = None,
        *,
        force: bool = False,
        request: layout.Request | None = None,
    ) -> Path:
        """Write the results into a results folder as one new run, swapped in at once.

        The run goes into ``OUT/runs/<run-id>/``: ``iamc.csv``,
        ``scorecard.csv``, ``evhub.duckdb``, with an ensemble also
        ``iamc_quantiles.csv`` and ``targets.csv`` (and the ensemble tables
        in the store), and ``manifest.json`` (:class:`evhub.layout.Manifest`).
        Then ``OUT/current`` is pointed at it with one rename, and
        ``OUT/iamc.csv`` etc. are links through ``current``. A reader sees
        the old run or the new one, never a mix; if the write fails, the
        folder is as it was. See :mod:`evhub.layout`.

        Parameters
        ----------
        out
            The results folder (created if missing).
        progress
            Called as ``progress(done, total, description)`` while the
            ensemble is written.
        force
            Replace the results of another run (or of an evhub that wrote
            no manifest); without it, only a run of the same request is
            replaced.
        request
            What was run (for the manifest and the check above); by default
            what the results tell (:meth:`evhub.layout.Request.from_results`).

        Returns
        -------
        pathlib.Path
            ``out``: ``out / "iamc.csv"`` etc. are the files of this run.

        Raises
        ------
        InputError
            If ``out`` is a file, someone else's folder, holds another run
            (without ``force``), another process writes into it, or it
            cannot be written.
        """
        path = Path(out)
        asked = request if request is not None else layout.Request.from_results(self)
        with layout.lock(path):
            layout.check_target(path, asked, force=force)
            layout.write_run(
                path,
                lambda folder, run_id, created: write_files(
                    self, folder, run_id, created, progress
                ),
                lambda run_id, created: layout.manifest_body(run_id, created, asked, self, path),
            )
        return path


def format_value(value: float, unit: str) -> str:
    """A number as the scorecard prints it.

    Cars on the road [veh] from 100,000 in millions (``1.49 M``), other
    values from 1,000 as whole numbers with thousands separators, smaller ones
    with one decimal; ``-`` for a missing value.

    Examples
    --------
    >>> format_value(1_493_800.0, "veh"), format_value(911_853.6, "veh/yr")
    ('1.49 M', '911,854')
    >>> format_value(35.45, "%"), format_value(float("nan"), "%")
    ('35.5', '-')
    """
    if not is_finite(value):
        return "-"
    if unit == "veh" and abs(value) >= 1e5:
        return f"{value / 1e6:,.2f} M"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def is_finite(x: object) -> bool:
    """Whether ``x`` is a finite real number (NumPy scalars too; not a bool)."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(float(x))

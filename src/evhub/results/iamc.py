"""The IAMC tables of labelled results: the wide table of ``iamc.csv`` and the long one.

Both list every variable of :func:`evhub.variables.iamc_variables` in its
order, computed from the labelled arrays (dims ``scenario``, ``run``,
``year``, ...) of a run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from evhub.dims import Dims
from evhub.variables import MODEL, iamc_variables

__all__ = ["long_table", "wide_table"]


def wide_table(data: xr.Dataset, dims: Dims, region: str, run: int = 0) -> pd.DataFrame:
    """The IAMC wide table of one run: Model, Scenario, Region, Variable, Unit, years.

    Parameters
    ----------
    data
        Labelled arrays with dims ``scenario``, ``run`` and ``year``.
    dims
        The dataset's dimensions (the variables' names).
    region
        The region of the dataset (column ``Region``).
    run
        Which run of the ensemble (0 for a deterministic run).

    Returns
    -------
    pandas.DataFrame
        One row per variable and scenario, the values in the variable's unit;
        none for a variable without a value in any year (the prices of a
        class whose buyers follow logistic curves), as in the store.
    """
    years = [int(y) for y in data["year"].values]
    rows = []
    for name, (unit, get) in iamc_variables(dims).items():
        arr = get(data).isel(run=run).transpose("scenario", "year")
        for i, scen in enumerate(data["scenario"].values):
            if np.isnan(arr.values[i]).all():
                continue
            rows.append([MODEL, str(scen), region, name, unit, *arr.values[i]])
    return pd.DataFrame(rows, columns=["Model", "Scenario", "Region", "Variable", "Unit", *years])


def long_table(data: xr.Dataset, dims: Dims) -> pd.DataFrame:
    """Every variable, scenario, run and year in long format.

    Parameters
    ----------
    data
        Labelled arrays with dims ``scenario``, ``run`` and ``year``.
    dims
        The dataset's dimensions (the variables' names).

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario``, ``run``, ``variable``, ``unit``, ``year``, ``value``.
    """
    variables = iamc_variables(dims)
    values = np.stack(
        [get(data).transpose("scenario", "run", "year").values for _, get in variables.values()]
    )  # (variable, scenario, run, year)
    index = pd.MultiIndex.from_product(
        [
            list(variables),
            data["scenario"].values,
            data["run"].values,
            data["year"].values,
        ],
        names=["variable", "scenario", "run", "year"],
    )
    frame = pd.DataFrame({"value": values.reshape(-1)}, index=index).reset_index()
    frame["unit"] = frame["variable"].map({n: unit for n, (unit, _) in variables.items()})
    return frame[["scenario", "run", "variable", "unit", "year", "value"]]

"""Golden results of the four shipped scenarios.

A change in model behaviour shows up here and must be explained in the commit
that updates ``tests/golden/scenarios.csv``. Regenerate with::

    EVHUB_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py

Tolerance: 1e-6 relative. The model is deterministic, so the only differences
allowed are floating-point reassociation across NumPy/BLAS builds (far below
1e-9); 1e-6 is loose enough for that and tight enough to catch any change in
data or equations (the smallest real change, one car in a 17-million stock,
is 6e-8 of the total but moves the small variables such as BEV stock much more).
"""

import os
from pathlib import Path

import numpy as np
import pandas as pd

GOLDEN = Path(__file__).parent / "golden" / "scenarios.csv"
VARIABLES = [
    "Sales|Passenger Cars",
    "Sales|Passenger Cars|BEV",
    "Stock|Passenger Cars",
    "Stock|Passenger Cars|BEV",
    "Share|Sales|Passenger Cars|EV",
    "Share|Stock|Passenger Cars|EV",
    "Final Energy|Passenger Cars",
    "Electricity Demand|Passenger Cars",
    "Emissions|CO2|Passenger Cars",
    "Battery|Demand|Sales",
    "Battery|Retired",
    "Material Demand|Batteries|Lithium",
    "Capacity|Vehicle Assembly|Passenger Cars",
    "Capacity|Battery Cells",
    "Production|Passenger Cars",
    "Production|Passenger Cars|BEV",
    "Exports|Passenger Cars",
    "Exports|Passenger Cars|EU",
    "Imports|Passenger Cars|China",
    "Trade Balance|Passenger Cars",
    "Investment|Realised",
    "Employment|Plants",
    "Battery|Cell Imports",
    "Share|Battery Cells|Self-Sufficiency",
    "Sales|Light Commercial Vehicles",
    "Sales|Light Commercial Vehicles|BEV",
    "Stock|Light Commercial Vehicles",
    "Final Energy|Light Commercial Vehicles",
    "Emissions|CO2|Light Commercial Vehicles",
    "Production|Light Commercial Vehicles",
    "Production|Light Commercial Vehicles|BEV",
    "Exports|Light Commercial Vehicles",
    "Imports|Light Commercial Vehicles",
    "Battery|Demand|Domestic Production",
]
YEARS = [2025, 2030, 2035, 2040, 2053, 2060]
RTOL = 1e-6


def _current(shipped) -> pd.DataFrame:
    iamc = shipped.to_iamc()
    iamc = iamc[iamc["Variable"].isin(VARIABLES)]
    return iamc[["Scenario", "Variable", "Unit", *YEARS]].reset_index(drop=True)


def test_golden_results(shipped):
    current = _current(shipped)
    if os.environ.get("EVHUB_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        current.to_csv(GOLDEN, index=False, float_format="%.10g")
    golden = pd.read_csv(GOLDEN)
    golden.columns = [int(c) if c.isdigit() else c for c in golden.columns]
    assert list(golden["Scenario"]) == list(current["Scenario"])
    assert list(golden["Variable"]) == list(current["Variable"])
    np.testing.assert_allclose(
        current[YEARS].to_numpy(float), golden[YEARS].to_numpy(float), rtol=RTOL, atol=1e-9
    )

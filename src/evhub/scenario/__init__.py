"""Scenarios: named sets of parameter overrides over the dataset defaults.

Every scenario parameter has a dotted path (``car.market.bev_share.midpoint_year``)
that the command line, ensembles, sensitivity, goal seek and the dashboard use
to vary it. Defaults come from the dataset (its tables and
``assumptions.csv``), so every default carries a source; a scenario file only
overrides::

    name: hub
    description: Accelerated investment and exports.
    extends: announced
    overrides:
      market:
        bev_share: {midpoint_year: 2031}
      car.energy.charging_loss: 8        # dotted keys work too

``extends`` names a shipped scenario of the dataset or a YAML file; a relative
path is relative to the folder of the file that extends it.

Loading rejects malformed YAML, unknown keys, wrong types, out-of-range values,
unknown parents and ``extends`` cycles, naming the file, the field and the value.

The package, each module importing only those above it:

- :mod:`~evhub.scenario.schema`: the pydantic models of the parameters
  (generated from the parameter catalogue, :mod:`evhub.parameters`) and of a
  scenario file (types, units, checks within a group);
- :mod:`~evhub.scenario.paths`: dotted paths, their units and bounds (from the catalogue);
- :mod:`~evhub.scenario.defaults`: every parameter's dataset default and its source;
- :mod:`~evhub.scenario.files`: finding and reading scenario files;
- :mod:`~evhub.scenario.resolution`: a scenario with its parents over the
  defaults, every value checked.
"""

from __future__ import annotations

from evhub.scenario.defaults import Default, default_parameters
from evhub.scenario.files import list_scenarios, load_scenario, scenario_dir
from evhub.scenario.paths import (
    KEYED,
    OVERRIDES,
    flatten,
    override_fields,
    parameter_bounds,
    parameter_paths,
    parameter_units,
    unflatten,
    unit_of,
)
from evhub.scenario.resolution import ResolvedScenario, resolve
from evhub.scenario.schema import ProjectOverride, Scenario, parameter_model

__all__ = [
    "KEYED",
    "OVERRIDES",
    "Default",
    "ProjectOverride",
    "ResolvedScenario",
    "Scenario",
    "default_parameters",
    "flatten",
    "list_scenarios",
    "load_scenario",
    "override_fields",
    "parameter_bounds",
    "parameter_model",
    "parameter_paths",
    "parameter_units",
    "resolve",
    "scenario_dir",
    "unflatten",
    "unit_of",
]

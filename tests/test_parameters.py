"""The parameter catalogue ``data/parameters.csv``: complete, read, generated, what it refuses."""

from __future__ import annotations

import math
import re
import shutil
from dataclasses import fields
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import yaml

import evhub
from evhub import choicecost, compose, parameters
from evhub.dims import DIMENSIONS_FILE, load_dims
from evhub.errors import InputError
from evhub.model import chain
from evhub.model import parameters as typed
from evhub.model.indicators import INDICATORS
from evhub.model.parameters import ChainParameters, ClassParameters
from evhub.scenario import (
    OVERRIDES,
    ProjectOverride,
    override_fields,
    parameter_model,
    parameter_units,
)
from evhub.scenario.paths import keyed_groups
from evhub.scenario.schema import GROUP_RULES

DOCS = Path(__file__).parents[1] / "docs" / "parameters.md"
#: A class's choice between the choice model and the logistic curves (after its id).
SHARE_MODEL = "market.share_model"


def _example(path: str) -> str:
    """A concrete path of a template: a project id, a year of operation or a year for a key."""
    keys = {"project": "byd-manisa", "operation_year": "1", "year": "2030"}
    return re.sub(r"\{([a-z_]+)\}", lambda m: keys.get(m[1], m[1]), path)


def _concrete(dataset) -> list[str]:
    """Every parameter path a scenario can set, with example keys for the keyed ones."""
    units = parameter_units(dataset)
    keyed = keyed_groups(dataset)
    paths = [p for p in units if p not in keyed]
    paths += [f"{group}.2030" for group in keyed]
    paths += [f"{OVERRIDES}.byd-manisa.{name}" for name in override_fields()]
    return paths


def test_every_parameter_has_a_row(dataset) -> None:
    missing = [p for p in _concrete(dataset) if parameters.spec(p) is None]
    assert missing == []


def test_every_row_expands(dataset) -> None:
    paths = _concrete(dataset)
    unused = [s.path for s in parameters.specs() if not any(s.matches(p) for p in paths)]
    assert unused == []


def test_override_model_has_the_override_rows() -> None:
    assert list(ProjectOverride.model_fields) == override_fields()


def test_numbers_have_both_bounds_and_a_reason(dataset) -> None:
    for row in parameters.specs():
        if not row.numeric:
            continue
        path = _example(row.path)
        b = parameters.bounds(path, dataset)
        assert math.isfinite(b.low) and math.isfinite(b.high), path
        assert b.low < b.high, path
        assert row.reason, path


def test_symbolic_bounds_follow_the_dataset(dataset) -> None:
    year = parameters.bounds("targets.jobs.year", dataset)
    assert (year.low, year.high) == (dataset.first_year, dataset.last_year)
    # ten times the largest vehicle plant of the registry (Ford Otosan, 612,000 veh/yr) ...
    cars = parameters.bounds("pipeline.overrides.byd-manisa.capacity", dataset)
    assert cars.high == pytest.approx(6_120_000)
    # ... and of the cell plants (45 GWh/yr) for a cell project
    cells = parameters.bounds("pipeline.overrides.siro-gemlik-cells.capacity", dataset)
    assert cells.high == pytest.approx(450)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            "car.trade.utilisation",
            100.5,
            "x: car.trade.utilisation = 100.5: "
            "Input should be less than or equal to 100 % (a share)",
        ),
        (
            "car.energy.charging_loss",
            50,
            "x: car.energy.charging_loss = 50: Input should be less than 50 % "
            "(a charger that loses half the energy would not be sold)",
        ),
        (
            "car.market.ice_ban_year",
            2035.5,
            "x: car.market.ice_ban_year = 2035.5: must be a whole number",
        ),
        (
            "car.trade.import_price.china",
            math.inf,
            "x: car.trade.import_price.china = inf: not a finite number",
        ),
        (
            "car.trade.import_price.china",
            "1e400",
            "x: car.trade.import_price.china = '1e400': not a finite number",
        ),
    ],
)
def test_check_value_messages(dataset, path, value, message) -> None:
    with pytest.raises(InputError) as info:
        parameters.check_value(path, value, "x", dataset)
    assert str(info.value) == message


def test_limits_are_inclusive_where_they_say_so(dataset) -> None:
    parameters.check_value("car.trade.utilisation", 100, "x", dataset)
    parameters.check_value("car.trade.utilisation", 0, "x", dataset)
    with pytest.raises(InputError, match="greater than 0"):
        parameters.check_value("car.market.bev_share.steepness", 0, "x", dataset)


def test_a_goal_seek_may_leave_the_sampling_range(dataset) -> None:
    # the dataset's range of the utilisation is an uncertainty range, not a validity bound
    low = float(dataset.assumptions.set_index("parameter").loc["car.trade.utilisation", "low"])
    resolved = evhub.resolve("baseline", dataset, {"car.trade.utilisation": low / 2})
    assert resolved.values["car.trade.utilisation"] == low / 2


# --------------------------------------------------------------------------
# What the model reads: every row is read, every read has a row
# --------------------------------------------------------------------------


class _Recording:
    """A group of typed parameters that records the fields the chain reads."""

    def __init__(self, inner: Any, group: str, read: set[str]) -> None:
        self._inner, self._group, self._read = inner, group, read

    def __getattr__(self, name: str) -> Any:
        self._read.add(f"{self._group}.{name}")
        return getattr(self._inner, name)


def _recorded(params: ChainParameters, read: set[str]) -> ChainParameters:
    groups = {
        f.name: _Recording(getattr(params, f.name), f.name, read)
        for f in fields(params)
        if f.name != "classes"
    }
    classes = tuple(
        ClassParameters(
            **{f.name: _Recording(getattr(own, f.name), f.name, read) for f in fields(own)}
        )
        for own in params.classes
    )
    return ChainParameters(classes=classes, **groups)


def _middle(row: parameters.ParameterSpec) -> float:
    return (float(row.lower) + float(row.upper)) / 2


def _variants(data: evhub.Dataset) -> list[dict[str, Any]]:
    """Baseline, then each word of each choice (with its unset siblings in mid-range).

    A vehicle class's choice is varied for each class (``{class}`` in the path);
    the choice model only for a class the dataset prices.
    """
    classes = data.dims.classes.ids
    out: list[dict[str, Any]] = [{}]
    for row in parameters.specs():
        if not row.choices:
            continue
        group = row.path.rsplit(".", 1)[0]
        for own in classes if "{class}" in row.path else ("",):
            siblings = {
                s.path.replace("{class}", own): _middle(s)
                for s in parameters.specs()
                if s.path.rsplit(".", 1)[0] == group and s.numeric and s.default_source is None
            }
            path = row.path.replace("{class}", own)
            priced = not own or choicecost.has_costs(data, own)
            words = [
                w for w in row.choices if priced or path != f"{own}.{SHARE_MODEL}" or w != "choice"
            ]
            out += [{**siblings, path: word} for word in words]
    return out


def _declared() -> set[str]:
    """Every field of the chain's typed parameters (a class's too), as ``group.name``."""
    groups = [g for g in fields(ChainParameters) if g.name != "classes"]
    groups += list(fields(ClassParameters))
    return {
        f"{group.name}.{f.name}"
        for group in groups
        for f in fields(getattr(typed, group.type) if isinstance(group.type, str) else group.type)
    }


@pytest.fixture(scope="module")
def model_reads() -> set[str]:
    """Every field the chain reads from its typed parameters, over :func:`_variants`."""
    data = evhub.load_dataset()
    read: set[str] = set()
    for overrides in _variants(data):
        resolved = evhub.resolve("baseline", data, overrides)
        inputs, params = compose.prepare(resolved, data)
        chain.simulate(inputs, _recorded(params, read))
    return read


def test_every_field_is_read_by_the_chain(model_reads) -> None:
    assert _declared() - model_reads == set()


def test_every_row_fills_a_field_and_every_field_has_a_row() -> None:
    goals = {ind.goal for ind in INDICATORS if ind.goal}
    # a row without a field is a target of the scorecard, read by goal
    # and the purchase-tax schedules a scenario picks or sets are read by compose, into the
    # inputs
    orphans = [
        r.path
        for r in parameters.specs()
        if not r.field
        and not (r.path.startswith("targets.") and r.path.split(".")[1] in goals)
        and not r.path.startswith(choicecost.SCHEDULE_LEVER + ".")
        and not r.path.startswith(choicecost.BRACKETS_LEVER + ".")
    ]
    assert orphans == []
    named = [r.field for r in parameters.specs() if r.field]
    assert len(named) == len(set(named))  # one row per field
    assert set(named) == _declared()


def test_the_builder_orders_members_and_converts_percent(dataset) -> None:
    values = dict(evhub.resolve("baseline", dataset).values)
    values |= {
        # battery powertrains of dimensions.yaml in order: hev, phev, bev
        "car.market.bev_share.ceiling": 60.0,
        "car.market.hev_share.ceiling": 10.0,
        "car.market.phev_share.ceiling": np.array([20.0, 30.0]),  # one value per run
        "pipeline.overrides.b.delay": 3.0,
        "pipeline.overrides.a.drop": True,
        "car.market.ice_ban_year": None,
        "car.trade.import_price.eu": 30_000.0,  # origins other than home: china, eu, other
        "car.trade.import_price.china": 20_000.0,
        "car.trade.import_price.other": 25_000.0,
        "car.trade.export_price": 25_000.0,  # not a percent: as it is
    }
    # the years of a year-keyed group in order, whatever the order given
    values = {k: v for k, v in values.items() if not k.startswith("market.gdp_growth.")} | {
        "market.gdp_growth.2040": 2.0,
        "market.gdp_growth.2031": 4.0,
    }
    held = SimpleNamespace(dims=dataset.dims, memo={}, years=dataset.years)
    layout = compose.parameter_layout(held, values, projects=("a", "b"))  # type: ignore[arg-type]
    params = layout.build(values, runs=2)
    own = params.classes[0]  # car, the first class of dimensions.yaml
    assert len(params.classes) == len(dataset.dims.classes)
    np.testing.assert_array_equal(own.market.share_ceiling, [[0.1, 0.2, 0.6], [0.1, 0.3, 0.6]])
    np.testing.assert_array_equal(params.economy.gdp_growth, [[0.04, 0.02], [0.04, 0.02]])
    np.testing.assert_array_equal(own.trade.import_price, [[20_000.0, 30_000.0, 25_000.0]] * 2)
    np.testing.assert_array_equal(own.trade.export_price, [25_000.0] * 2)
    np.testing.assert_array_equal(params.pipeline.project_delay, [[np.nan, 3.0]] * 2)
    np.testing.assert_array_equal(params.pipeline.project_drop, [[1.0, np.nan]] * 2)
    np.testing.assert_array_equal(params.pipeline.project_lead_time, np.full((2, 2), np.nan))
    np.testing.assert_array_equal(own.market.ice_ban_year, [np.nan, np.nan])
    assert own.market.sales_mode == values["car.market.sales_mode"]
    assert params.pipeline.stage_probability.shape == (2, len(dataset.dims.stages.ids))


def test_the_model_masks_pick_the_catalogue_members(dataset) -> None:
    cats = compose.categories(dataset)
    pts = np.array(cats.powertrains)
    dims = dataset.dims
    for selector, mask in (
        ("powertrains[battery=true]", cats.battery),
        ("powertrains[plug=true]", cats.plug),
        ("powertrains[fuel!=null]", cats.fuel_of >= 0),
        ("powertrains[plug=true,fuel!=null]", cats.plug & (cats.fuel_of >= 0)),
    ):
        assert parameters.select(dims, selector) == pts[mask].tolist(), selector
    assert parameters.select(dims, "origins[home=false]") == list(cats.origins)


def test_a_missing_value_is_refused(dataset) -> None:
    values = dict(evhub.resolve("baseline", dataset).values)
    layout = compose.parameter_layout(dataset, values)
    del values["car.trade.utilisation"]
    with pytest.raises(
        ValueError, match=r"car\.trade\.utilisation: no value for trade\.utilisation"
    ):
        layout.build(values)


def test_group_rules_name_groups_of_the_model(dataset) -> None:
    model = parameter_model(dataset.dims)
    groups = {
        ".".join(parts[:i])
        for item in parameters.expand(dataset.dims)
        for parts in [item.path.split(".")]
        for i in range(1, len(parts))
    }
    for pattern in GROUP_RULES:
        assert any(
            re.fullmatch(pattern.replace(".", r"\.").replace("*", "[^.]+"), g) for g in groups
        )
    assert set(model.model_fields) == {g for g in groups if "." not in g}


# --------------------------------------------------------------------------
# Generated from the dataset's dimensions
# --------------------------------------------------------------------------


def _dims_copy(tmp_path: Path, dataset, change) -> Any:
    path = tmp_path / DIMENSIONS_FILE
    shutil.copy(dataset.path / DIMENSIONS_FILE, path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return load_dims(path)


def test_paths_follow_an_extra_origin_and_powertrain(tmp_path, dataset) -> None:
    def change(raw: dict[str, Any]) -> None:
        raw["origins"]["japan"] = {
            "label": "Japan",
            "description": "built in Japan",
            "home": False,
            "blocs": [],
            "eu_cvd": False,
        }
        raw["powertrains"]["fcev"] = {
            **raw["powertrains"]["bev"],
            "label": "FCEV",
            "description": "fuel-cell car",
            "plug": False,
            "fuel": None,
        }

    dims = _dims_copy(tmp_path, dataset, change)
    paths = [p.path for p in parameters.expand(dims)]
    for path in (
        "policy.duty.japan.all",
        "car.trade.import_price.japan",
        "car.market.fcev_share.ceiling",
    ):
        assert path in paths
    for path in (
        "car.energy.fuel_intensity.fcev",
        "car.trade.import_price.domestic",
        "car.battery.fcev_pack_growth",
    ):
        assert path not in paths
    model = parameter_model(dims)
    own = model.model_fields["car"].annotation
    trade = own.model_fields["trade"].annotation
    assert list(trade.model_fields["import_price"].annotation.model_fields) == [
        "china",
        "eu",
        "other",
        "japan",
    ]
    price = trade.model_fields["import_price"].annotation.model_fields["japan"]
    assert "Japan" in price.description


def test_paths_follow_relabelled_and_permuted_members(tmp_path, dataset) -> None:
    def change(raw: dict[str, Any]) -> None:
        origins = raw["origins"]
        origins["prc"] = origins.pop("china")
        raw["origins"] = dict(reversed(list(origins.items())))
        raw["chemistries"] = dict(reversed(list(raw["chemistries"].items())))

    dims = _dims_copy(tmp_path, dataset, change)
    paths = [p.path for p in parameters.expand(dims)]
    price = [p for p in paths if p.startswith("car.trade.import_price.")]
    assert price == [f"car.trade.import_price.{o}" for o in ("prc", "other", "eu")]
    chem = [p for p in paths if p.startswith("battery.chemistry_share.")]
    assert chem == [f"battery.chemistry_share.{c}" for c in reversed(dataset.dims.chemistries.ids)]
    # the Türkiye paths are exactly those of the scenario files and golden results
    shipped = [p.path for p in parameters.expand(dataset.dims)]
    assert "car.trade.import_price.china" in shipped and "car.market.bev_share.ceiling" in shipped


def test_models_check_their_group_rules(dataset) -> None:
    with pytest.raises(InputError, match=r"chemistry shares lfp \+ nmc \+ nca sum to"):
        evhub.resolve("baseline", dataset, {"battery.chemistry_share.lfp": 90})


# --------------------------------------------------------------------------
# The docs table
# --------------------------------------------------------------------------


def test_docs_table_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == parameters.markdown(), (
        "docs/parameters.md is stale: run `evhub parameters --output docs/parameters.md`"
    )


def test_docs_table_has_every_row() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert all(f"`{row.path}`" in text for row in parameters.specs())

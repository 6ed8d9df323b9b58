"""The parameter catalogue ``data/parameters.csv``: complete, read, generated, what it refuses."""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

import evhub
from evhub import compose, parameters
from evhub.dims import DIMENSIONS_FILE, load_dims
from evhub.errors import InputError
from evhub.model import chain
from evhub.model.indicators import INDICATORS
from evhub.pipeline import load_pipeline
from evhub.scenario import (
    KEYED,
    OVERRIDES,
    ProjectOverride,
    override_fields,
    parameter_model,
    parameter_units,
)
from evhub.scenario.schema import GROUP_RULES

DOCS = Path(__file__).parents[1] / "docs" / "parameters.md"


def _example(path: str) -> str:
    """A concrete path of a template: a project id, a year of operation or a year for a key."""
    keys = {"project": "byd-manisa", "operation_year": "1", "year": "2030"}
    return re.sub(r"\{([a-z_]+)\}", lambda m: keys.get(m[1], m[1]), path)


def _concrete(dataset) -> list[str]:
    """Every parameter path a scenario can set, with example keys for the keyed ones."""
    units = parameter_units(dataset)
    paths = [p for p in units if p not in KEYED]
    paths += [f"{group}.2030" for group in KEYED]
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
    # ten times the largest vehicle plant of the registry (Ford Otosan, 650,000 veh/yr) ...
    cars = parameters.bounds("pipeline.overrides.byd-manisa.capacity", dataset)
    assert cars.high == pytest.approx(6_500_000)
    # ... and of the cell plants (45 GWh/yr) for a cell project
    cells = parameters.bounds("pipeline.overrides.siro-gemlik-cells.capacity", dataset)
    assert cells.high == pytest.approx(450)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            "trade.utilisation",
            100.5,
            "x: trade.utilisation = 100.5: Input should be less than or equal to 100 % (a share)",
        ),
        (
            "energy.charging_loss",
            50,
            "x: energy.charging_loss = 50: Input should be less than 50 % "
            "(a charger that loses half the energy would not be sold)",
        ),
        ("market.ice_ban_year", 2035.5, "x: market.ice_ban_year = 2035.5: must be a whole number"),
        ("trade.duty.china", math.inf, "x: trade.duty.china = inf: not a finite number"),
        ("trade.duty.china", "1e400", "x: trade.duty.china = '1e400': not a finite number"),
    ],
)
def test_check_value_messages(dataset, path, value, message) -> None:
    with pytest.raises(InputError) as info:
        parameters.check_value(path, value, "x", dataset)
    assert str(info.value) == message


def test_limits_are_inclusive_where_they_say_so(dataset) -> None:
    parameters.check_value("trade.utilisation", 100, "x", dataset)
    parameters.check_value("trade.utilisation", 0, "x", dataset)
    with pytest.raises(InputError, match="greater than 0"):
        parameters.check_value("market.bev_share.steepness", 0, "x", dataset)


def test_a_goal_seek_may_leave_the_sampling_range(dataset) -> None:
    # the dataset's range of the utilisation is an uncertainty range, not a validity bound
    low = float(dataset.assumptions.set_index("parameter").loc["trade.utilisation", "low"])
    resolved = evhub.resolve("baseline", dataset, {"trade.utilisation": low / 2})
    assert resolved.values["trade.utilisation"] == low / 2


# --------------------------------------------------------------------------
# What the model reads: every row is read, every read has a row
# --------------------------------------------------------------------------


class _Recording(Mapping[str, Any]):
    """A mapping that records the keys read by ``[]`` and ``get`` (not by iterating)."""

    def __init__(self, inner: Mapping[str, Any]) -> None:
        self.inner = inner
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return self.inner[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.inner)

    def __len__(self) -> int:
        return len(self.inner)

    def values(self) -> Any:  # the chain takes the number of runs from any value
        return self.inner.values()

    def items(self) -> Any:
        return self.inner.items()


def _middle(row: parameters.ParameterSpec) -> float:
    return (float(row.lower) + float(row.upper)) / 2


def _variants() -> list[dict[str, Any]]:
    """Baseline, then each word of each choice (with its unset siblings in mid-range)."""
    out: list[dict[str, Any]] = [{}]
    for row in parameters.specs():
        if not row.choices:
            continue
        group = row.path.rsplit(".", 1)[0]
        siblings = {
            s.path: _middle(s)
            for s in parameters.specs()
            if s.path.rsplit(".", 1)[0] == group and s.numeric and s.default_source is None
        }
        out += [{**siblings, row.path: word} for word in row.choices]
    return out


@pytest.fixture(scope="module")
def model_reads() -> set[str]:
    """Every key the chain reads from its parameters and options, over :func:`_variants`."""
    data = evhub.load_dataset()
    read: set[str] = set()
    for overrides in _variants():
        resolved = evhub.resolve("baseline", data, overrides)
        inputs, options, params = compose.prepare(resolved, data)
        rec_params, rec_options = _Recording(params), _Recording(options)
        chain.simulate(inputs, rec_params, rec_options)
        read |= rec_params.read | rec_options.read
    return read


def test_every_catalogue_path_is_read_by_the_model(dataset, model_reads) -> None:
    goals = {ind.goal for ind in INDICATORS if ind.goal}
    # the chain reads the stages the registry's projects are at (no project is at
    # some early stages, so their values cannot change a run of this dataset)
    at = {p.stage for p in load_pipeline(dataset)}
    unread = []
    for item in parameters.expand(dataset.dims):
        if item.keys.get("stage", next(iter(at))) not in at:
            continue
        if item.path.startswith("targets."):  # read by the scorecard, by goal
            if item.path.split(".")[1] not in goals:
                unread.append(item.path)
        elif item.fixed:
            if item.path not in model_reads:
                unread.append(item.path)
        elif not any(item.spec.matches(p) for p in model_reads):
            unread.append(item.path)
    assert unread == []


def test_every_model_input_has_a_row(model_reads) -> None:
    # per-project draws of an ensemble (evhub.ensemble.design), not scenario parameters
    drawn = re.compile(r"^pipeline\.(realised|delay|lead_time)\.[^.]+$")
    orphans = sorted(p for p in model_reads if parameters.spec(p) is None and not drawn.match(p))
    assert orphans == []


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
    for path in ("trade.duty.japan", "trade.import_price.japan", "market.fcev_share.ceiling"):
        assert path in paths
    for path in ("energy.fuel_intensity.fcev", "trade.duty.domestic", "battery.fcev_pack_growth"):
        assert path not in paths
    model = parameter_model(dims)
    trade = model.model_fields["trade"].annotation
    assert list(trade.model_fields["duty"].annotation.model_fields) == [
        "china",
        "eu",
        "other",
        "japan",
    ]
    assert "Japan" in trade.model_fields["duty"].annotation.model_fields["japan"].description


def test_paths_follow_relabelled_and_permuted_members(tmp_path, dataset) -> None:
    def change(raw: dict[str, Any]) -> None:
        origins = raw["origins"]
        origins["prc"] = origins.pop("china")
        raw["origins"] = dict(reversed(list(origins.items())))
        raw["chemistries"] = dict(reversed(list(raw["chemistries"].items())))

    dims = _dims_copy(tmp_path, dataset, change)
    paths = [p.path for p in parameters.expand(dims)]
    duty = [p for p in paths if p.startswith("trade.duty.")]
    assert duty == ["trade.duty.prc", "trade.duty.other", "trade.duty.eu"]
    chem = [p for p in paths if p.startswith("battery.chemistry_share.")]
    assert chem == [f"battery.chemistry_share.{c}" for c in reversed(dataset.dims.chemistries.ids)]
    # the Türkiye paths are exactly those of the scenario files and golden results
    shipped = [p.path for p in parameters.expand(dataset.dims)]
    assert "trade.duty.china" in shipped and "market.bev_share.ceiling" in shipped


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

"""The pipeline registry: the shipped rows, the expected capacity, bad input and the CLI.

Bad-input tests break one cell of ``pipeline.csv`` in a copy of the shipped
dataset and assert that the message names the file, the row, the column and
the value (one test per kind of mistake).
"""

from __future__ import annotations

import csv
import io
import math
import re
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

import evhub
from evhub import InputError
from evhub.api import pipeline as api_pipeline
from evhub.api import validate
from evhub.cli import app
from evhub.dataset import validate_dataset
from evhub.pipeline import (
    Project,
    StageProbability,
    expected_capacity,
    load_pipeline,
    load_stage_probabilities,
    pipeline_table,
)

SHIPPED = Path(str(resources.files("evhub").joinpath("data", "turkiye")))


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _set(folder: Path, project: str, **cells: str) -> int:
    """Set cells of one project in pipeline.csv; return its CSV line number."""
    path = folder / "pipeline.csv"
    rows = _rows(path)
    index = next(i for i, r in enumerate(rows) if r["id"] == project)
    rows[index].update(cells)
    _write(path, rows)
    return index + 2  # the header is line 1


def _message(folder: Path) -> str:
    with pytest.raises(InputError) as info:
        load_pipeline(validate_dataset(folder))
    return str(info.value)


def _names(message: str, folder: Path, line: int, column: str, value: str) -> None:
    expected = f"{folder.resolve() / 'pipeline.csv'}: row {line}: "
    assert expected in message, message
    assert f"'{column}'" in message or f"{column} = " in message, message
    assert repr(value) in message, message


# --------------------------------------------------------------------------
# The shipped registry
# --------------------------------------------------------------------------


def test_shipped_registry_loads(dataset: evhub.Dataset) -> None:
    projects = load_pipeline(dataset)
    ids = {p.id for p in projects}
    for expected in (
        "togg-gemlik",
        "siro-gemlik-cells",
        "siro-gemlik-packs",
        "byd-manisa",
        "oyak-renault-bursa",
        "hyundai-izmit-ev",
        "toyota-sakarya",
        "tofas-k9",
        "ford-otosan-kocaeli",
        "aspilsan-kayseri",
        "chery-turkiye",
        "saic-turkiye",
        "greatwall-turkiye",
        "huawei-istanbul-rnd",
        "ford-koc-lges-cells",
        "ford-koc-skon-cells",
    ):
        assert expected in ids
    assert len(ids) == len(projects)
    stages = {p.id: p.stage for p in projects}
    assert stages["ford-koc-lges-cells"] == stages["ford-koc-skon-cells"] == "cancelled"


def test_every_project_has_a_known_source(dataset: evhub.Dataset) -> None:
    for project in load_pipeline(dataset):
        assert project.sources, project.id
        assert all(s in dataset.sources for s in project.sources), project.id


def test_shipped_mixes_sum_to_one(dataset: evhub.Dataset) -> None:
    for project in load_pipeline(dataset):
        if project.shares:
            # the loader's tolerance for a complete mix
            assert math.isclose(sum(project.shares.values()), 1.0, abs_tol=1e-6), project.id


def test_every_stage_has_a_probability(dataset: evhub.Dataset) -> None:
    probabilities = load_stage_probabilities(dataset)
    assert list(probabilities) == list(dataset.dims.stages.ids)
    assert probabilities["operating"].probability == 1.0
    assert probabilities["cancelled"].probability == 0.0
    for p in probabilities.values():
        assert 0 <= p.low <= p.probability <= p.high <= 1
        assert p.source == "evhub-assumption"


def test_validate_counts_the_projects() -> None:
    summary = validate()
    assert summary["projects"] == len(_rows(SHIPPED / "pipeline.csv"))


# --------------------------------------------------------------------------
# Expected capacity: a hand-computed two-project case
# --------------------------------------------------------------------------


def _project(pid: str, kind: str, capacity: float | None, unit: str, stage: str) -> Project:
    return Project(
        id=pid,
        company="Co",
        home_country="Türkiye",
        kind=kind,
        site="Bursa",
        capacity=capacity,
        capacity_unit=unit,
        shares={"bev": 1.0, "phev": 0.0, "hev": 0.0, "ice": 0.0}
        if kind == "vehicle_assembly"
        else {},
        start_year=2027,
        capex_usd=None,
        jobs=None,
        stage=stage,
        stage_date="2025",
        sources=("evhub-assumption",),
    )


def test_expected_capacity_of_two_projects() -> None:
    probabilities = {
        "announced": StageProbability("announced", 0.7, 0.5, 0.85, "evhub-assumption"),
        "mou": StageProbability("mou", 0.4, 0.25, 0.6, "evhub-assumption"),
    }
    small = _project("small", "vehicle_assembly", 150_000.0, "veh/yr", "announced")
    large = _project("large", "vehicle_assembly", 300_000.0, "veh/yr", "mou")
    # by hand: 150,000 x 0.7 = 105,000 and 300,000 x 0.4 = 120,000 veh/yr
    assert expected_capacity(small, probabilities) == pytest.approx(105_000.0, rel=1e-12)
    assert expected_capacity(large, probabilities) == pytest.approx(120_000.0, rel=1e-12)
    table = pipeline_table([small, large], probabilities, ("share_bev", "share_ice"))
    # sorted by expected capacity: the larger expected capacity first, despite the lower stage
    assert list(table["id"]) == ["large", "small"]
    assert table["expected_capacity"].sum() == pytest.approx(225_000.0, rel=1e-12)


def test_unknown_capacity_has_no_expected_capacity() -> None:
    project = _project("talks", "vehicle_assembly", None, "veh/yr", "announced")
    assert math.isnan(expected_capacity(project, {"announced": 0.7}))


# --------------------------------------------------------------------------
# Bad input: one test per kind of mistake
# --------------------------------------------------------------------------


def test_unknown_stage(data_dir: Path) -> None:
    line = _set(data_dir, "byd-manisa", stage="rumoured")
    message = _message(data_dir)
    _names(message, data_dir, line, "stage", "rumoured")
    assert "is not one of" in message


def test_negative_capacity(data_dir: Path) -> None:
    line = _set(data_dir, "togg-gemlik", capacity="-100000")
    message = _message(data_dir)
    _names(message, data_dir, line, "capacity", "-100000")
    assert "is negative" in message


def test_capacity_without_unit(data_dir: Path) -> None:
    line = _set(data_dir, "siro-gemlik-packs", capacity_unit="")
    message = _message(data_dir)
    _names(message, data_dir, line, "capacity", "3")
    assert "'capacity_unit' is empty" in message


def test_mix_that_does_not_sum_to_one(data_dir: Path) -> None:
    line = _set(data_dir, "byd-manisa", share_bev="0.5", share_phev="0.4")
    message = _message(data_dir)
    _names(message, data_dir, line, "share_phev", "0.4")
    assert "sums to 0.9; expected 1" in message


def test_duplicate_project_id(data_dir: Path) -> None:
    line = _set(data_dir, "saic-turkiye", id="chery-turkiye")
    first = (
        next(
            i for i, r in enumerate(_rows(data_dir / "pipeline.csv")) if r["id"] == "chery-turkiye"
        )
        + 2
    )
    message = _message(data_dir)
    _names(message, data_dir, line, "id", "chery-turkiye")
    assert f"already used in row {first}" in message


def test_start_year_outside_the_model_years(data_dir: Path) -> None:
    line = _set(data_dir, "tofas-k9", start_year="2075")
    message = _message(data_dir)
    _names(message, data_dir, line, "start_year", "2075")
    assert "outside the model years 2000-2060" in message


def test_unknown_source_id(data_dir: Path) -> None:
    line = _set(data_dir, "tofas-k9", source="ensonhaber-tofas-k9;no-such-source")
    message = _message(data_dir)
    _names(message, data_dir, line, "source", "no-such-source")
    assert "is not an id in sources.yaml" in message


def test_all_problems_are_reported_at_once(data_dir: Path) -> None:
    _set(data_dir, "byd-manisa", stage="rumoured")
    _set(data_dir, "togg-gemlik", capacity="-1")
    message = _message(data_dir)
    assert re.search(r"2 problem\(s\)", message), message
    assert "'rumoured'" in message
    assert "'-1'" in message


def test_stage_probability_outside_its_range(data_dir: Path) -> None:
    path = data_dir / "stage_probabilities.csv"
    rows = _rows(path)
    rows[2]["probability"] = "0.9"  # mou, range 0.25-0.6
    _write(path, rows)
    with pytest.raises(InputError) as info:
        load_stage_probabilities(validate_dataset(data_dir))
    message = str(info.value)
    assert f"{path.resolve()}: row 4: column 'probability' = '0.9'" in message
    assert "outside its range" in message


def test_validate_checks_the_pipeline(data_dir: Path) -> None:
    _set(data_dir, "byd-manisa", stage="rumoured")
    with pytest.raises(InputError, match=r"pipeline\.csv: row .*'stage' = 'rumoured'"):
        validate(data_dir)


def test_unknown_scenario_is_rejected() -> None:
    with pytest.raises(InputError, match="no-such-scenario"):
        api_pipeline("no-such-scenario")


# --------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------


def test_cli_pipeline_prints_the_table() -> None:
    result = CliRunner().invoke(app, ["pipeline", "--scenario", "baseline"])
    assert result.exit_code == 0, result.output
    for pid in ("togg-gemlik", "byd-manisa", "siro-gemlik-cells", "ford-koc-lges-cells"):
        assert pid in result.output
    assert "expected" in result.output
    assert "105,000" in result.output  # BYD: 150,000 veh/yr x 0.7 (announced)
    assert "-> 2027" in result.output  # BYD announced for 2026, a year late in baseline


def test_pipeline_follows_the_scenario() -> None:
    import evhub.api as api

    baseline = api.pipeline("baseline").set_index("id")
    hub = api.pipeline("hub", year=2030).set_index("id")
    assert baseline.loc["byd-manisa", "probability"] == pytest.approx(0.7)
    assert baseline.loc["byd-manisa", "start"] == pytest.approx(2027.0)  # announced delay 1 yr
    assert hub.loc["byd-manisa", "probability"] == pytest.approx(1.0)
    assert hub.loc["byd-manisa", "start"] == pytest.approx(2026.0)
    # talks without a published capacity get the incentive's minimum (a scenario default)
    assert hub.loc["chery-turkiye", "expected_capacity"] == pytest.approx(150_000.0)
    assert baseline.loc["ford-koc-lges-cells", "usable"] == 0.0  # cancelled


def test_cli_pipeline_bad_input_exits_2(data_dir: Path) -> None:
    _set(data_dir, "byd-manisa", stage="rumoured")
    result = CliRunner().invoke(app, ["pipeline", "--dataset", str(data_dir)])
    assert result.exit_code == 2
    assert "'rumoured'" in result.stderr

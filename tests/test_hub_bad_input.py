"""Bad input to the hub half: one test per kind of mistake, through the API and the CLI.

Each mistake in a scenario's pipeline or trade parameters, in the pipeline
registry or in ``industry.csv`` must raise one :class:`evhub.InputError` whose
message names the file, the field and the value; ``evhub run --out DIR`` must
then exit with code 2, print that one message and write no ``DIR``.

Scenario mistakes are small YAML files in ``tmp_path`` that extend the shipped
``baseline``; dataset mistakes break one cell or row of a copy of the shipped
dataset.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

import evhub
from evhub import InputError
from evhub.cli import app
from evhub.pipeline import load_pipeline

SHIPPED = Path(str(resources.files("evhub").joinpath("data", "turkiye")))
REGISTRY = SHIPPED / "pipeline.csv"

runner = CliRunner()


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _scenario(tmp_path: Path, overrides: str) -> Path:
    """``mine.yaml``: extends baseline with the given (indented) overrides block."""
    path = tmp_path / "mine.yaml"
    path.write_text(
        f"name: mine\ndescription: A test scenario.\nextends: baseline\noverrides:\n{overrides}",
        encoding="utf-8",
    )
    return path


def _copy(tmp_path: Path) -> Path:
    folder = (tmp_path / "turkiye").resolve()
    shutil.copytree(SHIPPED, folder)
    return folder


def _set_cells(folder: Path, project: str, **cells: str) -> int:
    """Set cells of one project in pipeline.csv; return its CSV line number."""
    path = folder / "pipeline.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    index = next(i for i, r in enumerate(rows) if r["id"] == project)
    rows[index].update(cells)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return index + 2  # the header is line 1


def _replace(path: Path, old: str, new: str) -> None:
    """Replace text that occurs exactly once (a changed dataset fails loudly here)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path.name}: expected {old!r} exactly once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _at(path: Path) -> str:
    """Regex for a message that starts by naming ``path``."""
    return "^" + re.escape(str(path)) + ": "


@dataclass(frozen=True)
class Case:
    """A broken input: the scenario to run, the dataset folder (None: shipped), the message."""

    scenario: str
    dataset: Path | None
    pattern: str


def _unknown_project(tmp_path: Path) -> Case:
    path = _scenario(tmp_path, "  pipeline.overrides.no-such-plant.delay: 2\n")
    pattern = (
        _at(path) + r"pipeline\.overrides\.no-such-plant\.delay: unknown project "
        r"'no-such-plant' \(not an id in " + re.escape(str(REGISTRY)) + r"\)"
    )
    return Case(str(path), None, pattern)


def _unknown_project_nested(tmp_path: Path) -> Case:
    path = _scenario(tmp_path, "  pipeline:\n    overrides:\n      no-such-plant: {delay: 2}\n")
    pattern = _at(path) + r"pipeline\.overrides\.no-such-plant\.delay: unknown project "
    return Case(str(path), None, pattern + "'no-such-plant'")


def _neither_drop_nor_mapping(tmp_path: Path) -> Case:
    path = _scenario(tmp_path, "  pipeline.overrides.byd-manisa: keep\n")
    pattern = (
        _at(path) + r"pipeline\.overrides\.byd-manisa = 'keep': give 'drop' or a mapping of "
        r"\['drop', 'delay', 'probability', 'capacity', 'start_year', 'lead_time'\] "
        r"for project 'byd-manisa'"
    )
    return Case(str(path), None, pattern)


def _unknown_field(tmp_path: Path) -> Case:
    path = _scenario(tmp_path, "  pipeline.overrides.byd-manisa.speed: 2\n")
    pattern = (
        _at(path) + r"pipeline\.overrides\.byd-manisa\.speed: unknown field 'speed' for "
        r"project 'byd-manisa'; expected one of \['drop', 'delay'"
    )
    return Case(str(path), None, pattern)


def _falling_ramp(tmp_path: Path) -> Case:
    path = _scenario(tmp_path, "  pipeline.ramp.3: 0.1\n")
    # the ramp of the dataset with its third year set to 0.1
    pattern = (
        _at(path) + r"pipeline: ramp shares must not fall from one year to the next; "
        r"got \[0\.1, 0\.25, 0\.1, 0\.55"
    )
    return Case(str(path), None, pattern)


def _ramp_skips_a_year(tmp_path: Path) -> Case:
    path = _scenario(tmp_path, "  pipeline.ramp.9: 1\n")
    pattern = (
        _at(path) + r"pipeline: ramp is keyed by years of operation 1, 2, \.\.\., 8; "
        r"got \[1, 2, 3, 4, 5, 6, 7, 9\]"
    )
    return Case(str(path), None, pattern)


def _stage_probability_in_scenario(tmp_path: Path) -> Case:
    path = _scenario(tmp_path, "  pipeline.stages.talks.probability: 1.5\n")
    pattern = (
        _at(path) + r"pipeline\.stages\.talks\.probability = 1\.5: "
        r"Input should be less than or equal to 1 \(a probability\)$"
    )
    return Case(str(path), None, pattern)


def _project_probability(tmp_path: Path) -> Case:
    path = _scenario(
        tmp_path, "  pipeline:\n    overrides:\n      byd-manisa: {probability: 1.5}\n"
    )
    pattern = (
        _at(path) + r"pipeline\.overrides\.byd-manisa\.probability = 1\.5: "
        r"Input should be less than or equal to 1 \(a probability\)$"
    )
    return Case(str(path), None, pattern)


def _utilisation(tmp_path: Path) -> Case:
    path = _scenario(tmp_path, "  car.trade.utilisation: 120\n")
    pattern = (
        _at(path)
        + r"car\.trade\.utilisation = 120: Input should be less than or equal to 100 % \(a share\)$"
    )
    return Case(str(path), None, pattern)


def _stage_probability_in_csv(tmp_path: Path) -> Case:
    folder = _copy(tmp_path)
    path = folder / "stage_probabilities.csv"
    _replace(path, "\ntalks,0.2,", "\ntalks,1.2,")
    pattern = (
        _at(path) + r"row 3: column 'probability' = '1\.2' is outside the plausible range \[0, 1\]"
    )
    return Case("baseline", folder, pattern)


def _replaces_unknown(tmp_path: Path) -> Case:
    folder = _copy(tmp_path)
    line = _set_cells(folder, "hyundai-izmit-ev", replaces="no-such-plant")
    pattern = (
        _at(folder / "pipeline.csv")
        + f"row {line}: column 'replaces' = 'no-such-plant' is not a project id in this file"
    )
    return Case("baseline", folder, pattern)


def _segment_missing(tmp_path: Path) -> Case:
    folder = _copy(tmp_path)
    line = _set_cells(folder, "byd-manisa", segment="")
    pattern = (
        _at(folder / "pipeline.csv")
        + f"row {line}: column 'segment' = '' is not one of "
        + re.escape("['car', 'lcv'] (what a vehicle plant builds)")
    )
    return Case("baseline", folder, pattern)


def _end_before_start(tmp_path: Path) -> Case:
    folder = _copy(tmp_path)
    line = _set_cells(folder, "byd-manisa", end_year="2025")  # starts 2026
    pattern = (
        _at(folder / "pipeline.csv")
        + f"row {line}: column 'end_year' = '2025' is before the start year 2026"
    )
    return Case("baseline", folder, pattern)


def _no_base_year_production(tmp_path: Path) -> Case:
    folder = _copy(tmp_path)
    path = folder / "industry.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [x for x in lines if not x.startswith("production,car,,2025,")]
    assert len(kept) == len(lines) - 1
    path.write_text("".join(kept), encoding="utf-8")
    pattern = (
        _at(path)
        + r"variable 'production' class='car' has no row for the base year 2025 \(dataset\.yaml\)"
    )
    return Case("baseline", folder, pattern)


CASES: dict[str, Callable[[Path], Case]] = {
    "unknown-project": _unknown_project,
    "unknown-project-nested": _unknown_project_nested,
    "neither-drop-nor-mapping": _neither_drop_nor_mapping,
    "unknown-override-field": _unknown_field,
    "falling-ramp": _falling_ramp,
    "ramp-skips-a-year": _ramp_skips_a_year,
    "stage-probability-above-1-scenario": _stage_probability_in_scenario,
    "project-probability-above-1": _project_probability,
    "utilisation-120": _utilisation,
    "stage-probability-above-1-csv": _stage_probability_in_csv,
    "replaces-unknown-id": _replaces_unknown,
    "segment-missing": _segment_missing,
    "end-before-start": _end_before_start,
    "no-base-year-production": _no_base_year_production,
}


# --------------------------------------------------------------------------
# Through the API
# --------------------------------------------------------------------------


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
def test_bad_input_raises_one_clear_message(tmp_path: Path, make: Callable[[Path], Case]) -> None:
    case = make(tmp_path)
    with pytest.raises(InputError, match=case.pattern) as info:
        evhub.run(case.scenario, dataset=case.dataset)
    assert "\n" not in str(info.value)  # one problem, one line


def test_unknown_project_in_the_overrides_argument() -> None:
    pattern = (
        r"^overrides: pipeline\.overrides\.no-such-plant\.delay: unknown project "
        r"'no-such-plant' \(not an id in " + re.escape(str(REGISTRY)) + r"\)"
    )
    with pytest.raises(InputError, match=pattern):
        evhub.run("baseline", overrides={"pipeline.overrides.no-such-plant.delay": 2})


def test_a_near_miss_project_id_gets_a_hint(tmp_path: Path) -> None:
    path = _scenario(tmp_path, "  pipeline.overrides.byd-manisaa.drop: true\n")
    with pytest.raises(
        InputError, match=r"unknown project 'byd-manisaa'.*did you mean 'byd-manisa'"
    ):
        evhub.run(str(path))


def test_drop_must_be_true_or_false(tmp_path: Path) -> None:
    path = _scenario(tmp_path, "  pipeline.overrides.byd-manisa.drop: 3\n")
    pattern = _at(path) + r"pipeline\.overrides\.byd-manisa\.drop = 3 is not true or false$"
    with pytest.raises(InputError, match=pattern):
        evhub.run(str(path))


# --------------------------------------------------------------------------
# Through the CLI: exit 2, one message, nothing written
# --------------------------------------------------------------------------


def _assert_cli_error(args: list[str], out: Path, pattern: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    # (the run's transient progress bar may leave a blank line before the message)
    message = result.stderr.strip()
    assert message.startswith("error: "), message
    assert message.count("error: ") == 1, message
    # the same message as the API's (the CLI prints it soft-wrapped, on one line)
    assert re.search(pattern, message.removeprefix("error: ")), message
    assert not out.exists()


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
def test_cli_bad_input_writes_nothing(tmp_path: Path, make: Callable[[Path], Case]) -> None:
    case = make(tmp_path)
    out = tmp_path / "out"
    args = ["run", case.scenario, "--out", str(out)]
    if case.dataset is not None:
        args += ["--dataset", str(case.dataset)]
    _assert_cli_error(args, out, case.pattern)


def test_cli_set_naming_an_unknown_project_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["run", "baseline", "--set", "pipeline.overrides.no-such-plant.delay=2"]
    pattern = (
        r"overrides: pipeline\.overrides\.no-such-plant\.delay: unknown project 'no-such-plant'"
    )
    _assert_cli_error([*args, "--out", str(out)], out, pattern)


def test_cli_set_keep_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["run", "baseline", "--set", "pipeline.overrides.byd-manisa=keep", "--out", str(out)]
    _assert_cli_error(args, out, r"pipeline\.overrides\.byd-manisa = 'keep': give 'drop'")


def test_vehicle_segments_are_those_of_the_project_kinds(tmp_path: Path) -> None:
    # the segments of pipeline.csv come from dimensions.yaml, not from a list in the code:
    # rename the light-commercial segment, and the registry takes the new name, not the old
    folder = _copy(tmp_path)
    _replace(folder / "dimensions.yaml", "segment: lcv", "segment: van")
    path = folder / "pipeline.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            ",vehicle_assembly,lcv,", ",vehicle_assembly,van,"
        ),
        encoding="utf-8",
    )
    data = evhub.load_dataset(folder)
    assert "van" in {p.segment for p in load_pipeline(data)}
    line = _set_cells(folder, "byd-manisa", segment="lcv")
    pattern = (
        _at(folder / "pipeline.csv")
        + f"row {line}: column 'segment' = 'lcv' is not one of "
        + re.escape("['car', 'van'] (what a vehicle plant builds)")
    )
    with pytest.raises(InputError, match=pattern):
        load_pipeline(evhub.load_dataset(folder))
